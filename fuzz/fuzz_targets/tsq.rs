//! RFC 3161 `TimeStampReq` as `POST /v1/timestamp` reads it (`Notary::stamp`): `parse_query`
//! against the notary's policy, then a token (`issue_response`) for an accepted query or a
//! rejection response for a refused one. Properties: an accepted query re-encodes to a query
//! that parses to the same value; the token issued for it verifies against the root and covers
//! the query's imprint and nonce. The input is also read as a response (`verify_stamped`,
//! `token_imprint`), as `notar stamp` and bundle verification do with a token they receive.
#![no_main]

use std::sync::OnceLock;

use chrono::{TimeZone, Utc};
use der::oid::ObjectIdentifier;
use libfuzzer_sys::fuzz_target;
use notar::crypto::pki::{cert_der_from_pem, generate_tsa_pki};
use notar::crypto::tsa::{
    issue_response, parse_query, rejection_response, token_imprint, verify_stamped, Stamped,
    TokenParams, TsaSigner,
};
use notar::notary::datadir::DEFAULT_POLICY_OID;

struct Tsa {
    signer: TsaSigner,
    root_der: Vec<u8>,
    policy: ObjectIdentifier,
}

fn tsa() -> &'static Tsa {
    static TSA: OnceLock<Tsa> = OnceLock::new();
    TSA.get_or_init(|| {
        let now = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let pki = generate_tsa_pki("Fuzz", now, 3650).expect("a fresh PKI");
        Tsa {
            signer: TsaSigner::from_pem(&pki.tsa_key_pem, &pki.tsa_cert_pem).expect("its signer"),
            root_der: cert_der_from_pem(&pki.root_cert_pem).expect("its root"),
            policy: DEFAULT_POLICY_OID.parse().expect("the default policy OID"),
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let tsa = tsa();
    match parse_query(data, &tsa.policy) {
        Ok(q) => {
            let der = q.to_der().expect("an accepted query re-encodes");
            assert_eq!(parse_query(&der, &tsa.policy).as_ref(), Ok(&q));
            let params = TokenParams {
                serial: 42,
                gen_time: Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).unwrap(),
                policy: tsa.policy,
                accuracy_ms: 1000,
            };
            let resp = issue_response(&tsa.signer, &q, &params).expect("a token for it");
            let cert = (!q.cert_req).then(|| tsa.signer.cert_der());
            let token = verify_stamped(&resp, Stamped::Imprint(&q.imprint), &tsa.root_der, cert)
                .expect("the token verifies");
            assert_eq!(token.imprint, q.imprint);
            assert_eq!(token.nonce, q.nonce);
            assert_eq!(token_imprint(&resp).ok().as_ref(), Some(&q.imprint));
        }
        Err(rejection) => assert!(!rejection_response(&rejection).is_empty()),
    }
    let _ = token_imprint(data);
    let _ = verify_stamped(data, Stamped::Imprint(&[0; 32]), &tsa.root_der, None);
});
