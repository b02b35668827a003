//! Certificates and CRLs as the notary imports them: a buyer certificate at key registration
//! (`parse_buyer_certificate`, from the admin request's base64), a CRL upload (`parse_crl`), a
//! CA root from `[agreements] ca_roots` (`parse_ca_root`), and the PEM certificate reader of
//! the TSA keys (`cert_der_from_pem`). The roots are the fixtures the seeds were issued under
//! (fuzz/seeds/pki-roots/, made by the `fuzz_seeds_pki` test), so the fuzzer starts from inputs
//! that pass the signature checks. Properties: an accepted certificate's key is the 32-byte key
//! it carries and its validity holds `now`; PEM round trips.
#![no_main]

use std::sync::OnceLock;

use chrono::{TimeZone, Utc};
use libfuzzer_sys::fuzz_target;
use notar::crypto::pki::{cert_der_from_pem, cert_pem_from_der};
use notar::crypto::x509::{parse_buyer_certificate, parse_ca_root, parse_crl, CaRoot};

fn roots() -> &'static [CaRoot] {
    static ROOTS: OnceLock<Vec<CaRoot>> = OnceLock::new();
    ROOTS.get_or_init(|| {
        [
            &include_bytes!("../seeds/pki-roots/ed25519-ca.pem")[..],
            &include_bytes!("../seeds/pki-roots/p256-ca.pem")[..],
        ]
        .iter()
        .map(|pem| parse_ca_root(pem).expect("the fixture roots parse"))
        .collect()
    })
}

fuzz_target!(|data: &[u8]| {
    let roots = roots();
    let now = Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).unwrap();
    if let Ok(key) = parse_buyer_certificate(data, roots, now) {
        assert!(key.not_before <= now && now <= key.not_after);
        assert!(roots.iter().any(|r| r.key_id == key.ca_key_id));
        assert!(!key.serial_hex.is_empty());
    }
    if let Ok(crl) = parse_crl(data, roots) {
        assert!(roots.iter().any(|r| r.key_id == crl.ca_key_id));
    }
    if let Ok(root) = parse_ca_root(data) {
        assert_eq!(parse_ca_root(&root.der).as_ref().ok(), Some(&root));
    }
    if let Ok(pem) = std::str::from_utf8(data) {
        if let Ok(der) = cert_der_from_pem(pem) {
            let again = cert_pem_from_der(&der).expect("DER encodes as PEM");
            assert_eq!(cert_der_from_pem(&again).ok(), Some(der));
        }
    }
});
