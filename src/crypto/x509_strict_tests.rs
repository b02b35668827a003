//! Certificates and CRLs whose unsigned outer encoding is not DER. A signature covers only the
//! to-be-signed part; the outer SEQUENCE, the signature algorithm and the signature BIT STRING
//! are not covered, so a lenient reader would accept many byte strings for one signed object.
//! The notary stores and later hands out what it accepted (registrations, bundles); each must
//! be the one DER encoding that openssl and other verifiers read. Found by the `pki` fuzz
//! target (2026-12-01): a PEM certificate whose outer tag was 0x50 instead of 0x30 parsed.

use super::openssl_fixtures::{self as fx, Alg};
use super::*;
use der::pem::LineEnding;

/// The header (tag, length octets) at `at`: (header length, content length).
fn header(der: &[u8], at: usize) -> (usize, usize) {
    let first = der[at + 1];
    if first < 0x80 {
        return (2, first as usize);
    }
    let n = (first & 0x7f) as usize;
    let len = der[at + 2..at + 2 + n]
        .iter()
        .fold(0usize, |acc, b| (acc << 8) | *b as usize);
    (2 + n, len)
}

/// Every way of re-encoding `der`'s unsigned parts tried here, each named.
fn mangled(der: &[u8]) -> Vec<(&'static str, Vec<u8>)> {
    let (outer_hdr, _) = header(der, 0);
    let (tbs_hdr, tbs_len) = header(der, outer_hdr);
    let alg_at = outer_hdr + tbs_hdr + tbs_len;
    let (alg_hdr, alg_len) = header(der, alg_at);
    let bits_at = alg_at + alg_hdr + alg_len;
    let with = |at: usize, byte: u8| {
        let mut v = der.to_vec();
        v[at] = byte;
        v
    };
    // The outer length with one more (zero) length octet than it needs.
    let mut long_len = vec![0x30, 0x80 | ((outer_hdr - 1) as u8), 0x00];
    long_len.extend_from_slice(&der[2..]);
    vec![
        ("outer tag 0x50", with(0, 0x50)),
        ("outer tag 0x70", with(0, 0x70)),
        ("outer tag 0x10", with(0, 0x10)),
        ("outer length not minimal", long_len),
        ("algorithm tag 0x50", with(alg_at, 0x50)),
        ("algorithm tag 0x31", with(alg_at, 0x31)),
        ("signature tag 0x23", with(bits_at, 0x23)),
        ("signature tag 0x04", with(bits_at, 0x04)),
    ]
}

fn pem(label: &str, der: &[u8]) -> Vec<u8> {
    der::pem::encode_string(label, LineEnding::LF, der)
        .expect("PEM encodes")
        .into_bytes()
}

#[test]
fn fuzz_pki_non_der_outer_encoding() {
    let tmp = tempfile::tempdir().unwrap();
    let ca = fx::make_ca(tmp.path(), "ca", Alg::Ed25519, "/CN=Buyers CA");
    let roots = [parse_ca_root(&std::fs::read(&ca.cert).unwrap()).unwrap()];
    let now = Utc::now() + chrono::Duration::seconds(2);
    let buyer = fx::issue_cert(&ca, "buyer", Alg::Ed25519, "/CN=Alice");
    let cert = fx::to_der(&buyer.cert, "x509");
    let crl = fx::to_der(&fx::gencrl(&ca, "crl"), "crl");
    // The untouched objects pass, as DER and as PEM.
    assert!(parse_buyer_certificate(&cert, &roots, now).is_ok());
    assert!(parse_buyer_certificate(&pem("CERTIFICATE", &cert), &roots, now).is_ok());
    assert!(parse_ca_root(&pem("CERTIFICATE", &roots[0].der)).is_ok());
    assert!(parse_crl(&pem("X509 CRL", &crl), &roots).is_ok());

    let mut accepted = Vec::new();
    for (what, bytes) in mangled(&cert) {
        for input in [bytes.clone(), pem("CERTIFICATE", &bytes)] {
            if let Ok(key) = parse_buyer_certificate(&input, &roots, now) {
                accepted.push(format!("buyer certificate, {what}: {key:?}"));
            }
        }
    }
    for (what, bytes) in mangled(&roots[0].der) {
        for input in [bytes.clone(), pem("CERTIFICATE", &bytes)] {
            if let Ok(root) = parse_ca_root(&input) {
                accepted.push(format!("CA root, {what}: {}", root.subject));
            }
        }
    }
    for (what, bytes) in mangled(&crl) {
        for input in [bytes.clone(), pem("X509 CRL", &bytes)] {
            if let Ok(list) = parse_crl(&input, &roots) {
                accepted.push(format!("CRL, {what}: {}", list.issuer));
            }
        }
    }
    assert!(
        accepted.is_empty(),
        "non-DER accepted:\n{}",
        accepted.join("\n")
    );
}
