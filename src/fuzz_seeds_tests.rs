//! Writes the seed corpora of the fuzz targets (fuzz/seeds/TARGET, docs/testing.md
//! "Fuzzing") from the fixtures the unit tests use: `openssl ts -query` queries, signed
//! envelopes, OpenSSL-made CAs, certificates and CRLs, admin request lines. Ignored by default
//! (it writes into the source tree and runs openssl); regenerate with
//! `cargo test --lib fuzz_seeds -- --ignored`. Every seed is checked to be accepted by the
//! function its target calls, so the fuzzer starts past the parsers' first refusals. The policy
//! and bundle targets take their seeds from policies/ and samples/cases/ directly.

use std::fs;
use std::path::{Path, PathBuf};

use chrono::{TimeZone, Utc};
use ed25519_dalek::SigningKey;
use serde_json::json;

use crate::api::admin::parse_request;
use crate::crypto::envelope::Envelope;
use crate::crypto::pki::generate_tsa_pki;
use crate::crypto::tsa::{
    issue_response, parse_query, HashAlg, TimestampQuery, TokenParams, TsaSigner,
};
use crate::crypto::x509::openssl_fixtures::{self as fx, Alg};
use crate::crypto::x509::{parse_buyer_certificate, parse_ca_root, parse_crl};
use crate::notary::datadir::DEFAULT_POLICY_OID;

/// Where the seeds go: `NOTAR_FUZZ_SEEDS`, or fuzz/seeds in the source tree.
fn seeds_dir(target: &str) -> PathBuf {
    let root = std::env::var_os("NOTAR_FUZZ_SEEDS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds"));
    let dir = root.join(target);
    fs::create_dir_all(&dir).expect("seed dir");
    dir
}

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    fs::write(dir.join(name), bytes).expect("write seed");
}

#[test]
#[ignore = "writes fuzz/seeds; run by hand to regenerate them"]
fn fuzz_seeds_tsq() {
    let dir = seeds_dir("tsq");
    let policy = DEFAULT_POLICY_OID.parse().expect("policy OID");
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data.txt");
    fs::write(&data, b"hello notar\n").expect("data");
    let data = data.to_str().expect("utf-8 path");
    let variants: [(&str, &[&str]); 5] = [
        ("openssl-sha256-cert", &["-sha256", "-cert"]),
        ("openssl-sha384", &["-sha384"]),
        ("openssl-sha512-no-nonce", &["-sha512", "-no_nonce"]),
        (
            "openssl-policy",
            &["-sha256", "-tspolicy", DEFAULT_POLICY_OID],
        ),
        ("openssl-sha1", &["-sha1"]),
    ];
    for (name, args) in variants {
        let mut cmd = vec!["ts", "-query", "-data", data];
        cmd.extend_from_slice(args);
        let der = fx::openssl(tmp.path(), &cmd);
        assert_eq!(parse_query(&der, &policy).is_ok(), name != "openssl-sha1");
        write(&dir, &format!("{name}.tsq"), &der);
    }
    let q = TimestampQuery::for_data(HashAlg::Sha256, b"notar", true);
    write(&dir, "notar-stamp.tsq", &q.to_der().expect("query DER"));
    let now = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let pki = generate_tsa_pki("Seed", now, 3650).expect("pki");
    let signer = TsaSigner::from_pem(&pki.tsa_key_pem, &pki.tsa_cert_pem).expect("signer");
    let params = TokenParams {
        serial: 7,
        gen_time: now,
        policy,
        accuracy_ms: 1000,
    };
    let resp = issue_response(&signer, &q, &params).expect("token");
    write(&dir, "granted.tsr", &resp);
}

#[test]
#[ignore = "writes fuzz/seeds; run by hand to regenerate them"]
fn fuzz_seeds_envelope() {
    let dir = seeds_dir("envelope");
    // The key the fuzz target verifies with (fuzz/fuzz_targets/envelope.rs, SEED_KEY).
    let key = SigningKey::from_bytes(&[7; 32]);
    let payloads = [
        (
            "order",
            json!({"agreement_id": "agr-1", "amount": {"minor": 12_345, "currency": "EUR"},
                   "order_digest": "ab".repeat(32), "buyer": "bob", "nested": [[1, -2], {"x": null}]}),
        ),
        (
            "guarantee",
            json!({"text": "\u{202e}\u{200b}é€\u{1f600}\n\"\\", "n": u64::MAX}),
        ),
        (
            "refusal",
            json!({"reason": "key_revoked", "ok": true, "i": i64::MIN}),
        ),
    ];
    for (kind, payload) in payloads {
        let env = Envelope::sign(kind, payload, &key).expect("sign");
        env.verify_by(&key.verifying_key()).expect("verifies");
        write(
            &dir,
            &format!("{kind}.json"),
            &env.to_bytes().expect("bytes"),
        );
    }
    let mut two = Envelope::sign("order", json!({"n": 1}), &key).expect("sign");
    let other = Envelope::sign("order", json!({"n": 1}), &SigningKey::from_bytes(&[8; 32]));
    two.signatures.extend(other.expect("sign").signatures);
    write(&dir, "two-signatures.json", &two.to_bytes().expect("bytes"));
    write(
        &dir,
        "float.json",
        br#"{"kind":"order","payload":{"a":1.5},"signatures":[]}"#,
    );
}

#[test]
#[ignore = "writes fuzz/seeds; run by hand to regenerate them"]
fn fuzz_seeds_pki() {
    let dir = seeds_dir("pki");
    let roots_dir = seeds_dir("pki-roots");
    let tmp = tempfile::tempdir().expect("tempdir");
    // Dated so that the target's fixed `now` (2026-06-01) lies within every certificate.
    let (start, end) = ("20260101000000Z", "20361231000000Z");
    let now = Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).unwrap();
    let mut roots = Vec::new();
    for (name, alg) in [("ed25519-ca", Alg::Ed25519), ("p256-ca", Alg::P256)] {
        let ca = fx::make_ca(tmp.path(), name, alg, &format!("/CN=Fuzz {name}/O=notar"));
        let pem = fs::read(&ca.cert).expect("CA cert");
        roots.push(parse_ca_root(&pem).expect("root parses"));
        write(&roots_dir, &format!("{name}.pem"), &pem);
        write(&dir, &format!("{name}.pem"), &pem);
        write(&dir, &format!("{name}.der"), &fx::to_der(&ca.cert, "x509"));
        let subject = format!("/CN=buyer of {name}/O=notar");
        let buyer = fx::issue_cert_dated(&ca, "buyer", Alg::Ed25519, &subject, start, end);
        let pem = fs::read(&buyer.cert).expect("cert");
        parse_buyer_certificate(&pem, &roots, now).expect("buyer certificate accepted");
        write(&dir, &format!("buyer-of-{name}.pem"), &pem);
        write(
            &dir,
            &format!("buyer-of-{name}.der"),
            &fx::to_der(&buyer.cert, "x509"),
        );
        let p256 = fx::issue_cert_dated(&ca, "p256", Alg::P256, "/CN=p256 buyer", start, end);
        write(
            &dir,
            &format!("p256-buyer-of-{name}.pem"),
            &fs::read(&p256.cert).expect("cert"),
        );
        let crl = fx::revoke_and_gencrl(&ca, &buyer.cert, "keyCompromise");
        let crl_pem = fs::read(&crl).expect("CRL");
        assert_eq!(
            parse_crl(&crl_pem, &roots)
                .expect("CRL accepted")
                .revoked
                .len(),
            1
        );
        write(&dir, &format!("crl-of-{name}.pem"), &crl_pem);
        write(
            &dir,
            &format!("crl-of-{name}.der"),
            &fx::to_der(&crl, "crl"),
        );
    }
}

#[test]
#[ignore = "writes fuzz/seeds; run by hand to regenerate them"]
fn fuzz_seeds_admin_line() {
    let dir = seeds_dir("admin_line");
    let lines = [
        r#"{"id":1,"op":"hello"}"#,
        r#"{"id":2,"op":"status"}"#,
        r#"{"id":3,"op":"timestamps_recent","limit":50}"#,
        r#"{"id":4,"op":"stamp","hash_alg":"sha256","imprint":"26320c559f4251919acbe87040e21d46bf5962c10e864cab9770be5a3d7e3d71"}"#,
        r#"{"id":5,"op":"entries","start":0,"limit":10}"#,
        r#"{"id":6,"op":"prove","index":3}"#,
        r#"{"id":7,"op":"party_register","name":"Bob \u202e","role":"buyer","public_key_hex":"d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"}"#,
        r#"{"id":8,"op":"key_add","party_id":"p-1","certificate_b64":"MIIB"}"#,
        r#"{"id":9,"op":"key_revoke","key_id":"ab","reason":"key compromise"}"#,
        r#"{"id":10,"op":"agreement_create","buyer_id":"b","policy_id":"semper-consumer","total_cap_minor":100000,"keys":["ab"]}"#,
        r#"{"id":11,"op":"agreement_status","agreement_id":"a","status":"suspended","reason":"r"}"#,
        r#"{"id":12,"op":"agreement_show","agreement_id":"a"}"#,
        r#"{"id":13,"op":"complaint_note","complaint_id":"c-1","text":"seen \u0007"}"#,
        r#"{"id":14,"op":"seller_token","party_id":"s","change":"rotated"}"#,
        r#"{"id":15,"op":"crl_import","crl_b64":"MIIB"}"#,
        r#"{"id":16,"op":"parties"}"#,
    ];
    for (i, line) in lines.iter().enumerate() {
        let line = format!("{line}\n");
        assert!(parse_request(line.as_bytes()).is_ok(), "{line}");
        write(&dir, &format!("line-{i:02}.json"), line.as_bytes());
    }
    write(&dir, "not-a-request.json", b"{\"id\":17,\"op\":\"nope\"}\n");
}
