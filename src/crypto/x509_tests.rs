use super::openssl_fixtures::{self as fx, Alg};
use super::*;
use chrono::{Duration, TimeZone};
use std::fs;

fn read(path: &std::path::Path) -> Vec<u8> {
    fs::read(path).expect("read fixture")
}

fn root(ca: &fx::Ca) -> CaRoot {
    parse_ca_root(&read(&ca.cert)).expect("CA root parses")
}

fn code<T: std::fmt::Debug>(r: Result<T, X509Error>) -> String {
    r.expect_err("expected an error").code().to_string()
}

#[test]
fn openssl_is_3() {
    let out = fx::openssl(std::path::Path::new("/"), &["version"]);
    let v = String::from_utf8_lossy(&out);
    assert!(
        v.starts_with("OpenSSL 3."),
        "tests expect OpenSSL 3.x, got {v}"
    );
}

#[test]
fn ca_root_pem_and_der() {
    let tmp = tempfile::tempdir().unwrap();
    for (name, alg) in [("ed", Alg::Ed25519), ("p256", Alg::P256)] {
        let ca = fx::make_ca(
            tmp.path(),
            name,
            alg,
            &format!("/CN=Root {name}/O=notar test"),
        );
        let from_pem = root(&ca);
        let from_der = parse_ca_root(&fx::to_der(&ca.cert, "x509")).unwrap();
        assert_eq!(from_pem, from_der);
        assert_eq!(from_pem.der, fx::to_der(&ca.cert, "x509"));
        assert_eq!(from_pem.subject, format!("CN=Root {name}, O=notar test"));
        assert_eq!(
            from_pem.key_id,
            hex::encode(Sha256::digest(fx::spki_der(&ca.key)))
        );
    }
}

#[test]
fn ca_root_refuses_non_ca_and_garbage() {
    let tmp = tempfile::tempdir().unwrap();
    let ca = fx::make_ca(tmp.path(), "ca", Alg::Ed25519, "/CN=Root");
    let leaf = fx::issue_cert(&ca, "leaf", Alg::Ed25519, "/CN=Leaf");
    assert_eq!(code(parse_ca_root(&read(&leaf.cert))), "not_a_ca");

    // Self-signed but CA:FALSE.
    let key = tmp.path().join("self.key");
    let cert = tmp.path().join("self.pem");
    fx::gen_key(&key, Alg::Ed25519);
    fx::openssl(
        tmp.path(),
        &[
            "req",
            "-x509",
            "-new",
            "-key",
            key.to_str().unwrap(),
            "-subj",
            "/CN=Self",
            "-addext",
            "basicConstraints=critical,CA:FALSE",
            "-days",
            "10",
            "-out",
            cert.to_str().unwrap(),
        ],
    );
    let err = parse_ca_root(&read(&cert)).unwrap_err();
    assert_eq!(err.code().to_string(), "not_a_ca");
    assert!(err.to_string().contains("CN=Self"), "{err}");

    // Tampered self-signature.
    let mut der = fx::to_der(&ca.cert, "x509");
    let last = der.len() - 1;
    der[last] ^= 0x01;
    assert_eq!(code(parse_ca_root(&der)), "bad_signature");

    assert_eq!(code(parse_ca_root(b"hello")), "certificate_unparsable");
    assert_eq!(code(parse_ca_root(b"")), "certificate_unparsable");
}

#[test]
fn valid_certificate_from_openssl_ca_pem_and_der() {
    let tmp = tempfile::tempdir().unwrap();
    let ca = fx::make_ca(tmp.path(), "ca", Alg::Ed25519, "/CN=Buyers CA/O=notar test");
    let roots = [root(&ca)];
    let buyer = fx::issue_cert(&ca, "buyer", Alg::Ed25519, "/CN=Alice Buyer/O=Shop");
    let now = Utc::now();

    let key = parse_buyer_certificate(&read(&buyer.cert), &roots, now).unwrap();
    assert_eq!(key.public_key.to_vec(), fx::raw_ed25519_public(&buyer.key));
    assert_eq!(key.serial_hex, "1000");
    assert_eq!(key.serial_hex, buyer.serial_hex);
    assert_eq!(key.subject, "CN=Alice Buyer, O=Shop");
    assert_eq!(key.issuer, "CN=Buyers CA, O=notar test");
    assert_eq!((key.not_before, key.not_after), fx::cert_dates(&buyer.cert));
    assert_eq!(key.not_after - key.not_before, Duration::days(365));
    assert_eq!(key.ca_key_id, roots[0].key_id);
    assert_eq!(key.der, fx::to_der(&buyer.cert, "x509"));

    let from_der = parse_buyer_certificate(&fx::to_der(&buyer.cert, "x509"), &roots, now).unwrap();
    assert_eq!(from_der, key);

    // The key really is the one the buyer signs with.
    let vk = ed25519_dalek::VerifyingKey::from_bytes(&key.public_key).unwrap();
    assert_eq!(vk.to_bytes(), key.public_key);

    // Validity bounds are inclusive.
    assert!(parse_buyer_certificate(&read(&buyer.cert), &roots, key.not_after).is_ok());
    assert!(parse_buyer_certificate(&read(&buyer.cert), &roots, key.not_before).is_ok());
    let err = parse_buyer_certificate(
        &read(&buyer.cert),
        &roots,
        key.not_after + Duration::seconds(1),
    )
    .unwrap_err();
    assert_eq!(err.code().to_string(), "certificate_expired");
    let err = parse_buyer_certificate(
        &read(&buyer.cert),
        &roots,
        key.not_before - Duration::seconds(1),
    )
    .unwrap_err();
    assert_eq!(err.code().to_string(), "certificate_not_yet_valid");
}

#[test]
fn certificate_from_x509_req_with_small_serial() {
    let tmp = tempfile::tempdir().unwrap();
    let ca = fx::make_ca(tmp.path(), "ca", Alg::Ed25519, "/CN=Buyers CA");
    let roots = [root(&ca)];
    // 0xff is DER-encoded as 00 ff: the leading zero must not show.
    let buyer = fx::issue_cert_x509_req(&ca, "bob", Alg::Ed25519, "/CN=Bob", "0xff", 30);
    let key = parse_buyer_certificate(&read(&buyer.cert), &roots, Utc::now()).unwrap();
    assert_eq!(key.serial_hex, "ff");
    assert_eq!(buyer.serial_hex, "ff");
    assert_eq!(key.public_key.to_vec(), fx::raw_ed25519_public(&buyer.key));
    assert_eq!(key.not_after - key.not_before, Duration::days(30));

    let one = fx::issue_cert_x509_req(&ca, "one", Alg::Ed25519, "/CN=One", "1", 30);
    let key = parse_buyer_certificate(&read(&one.cert), &roots, Utc::now()).unwrap();
    assert_eq!(key.serial_hex, "1");
}

#[test]
fn ecdsa_p256_ca_signatures_verify() {
    let tmp = tempfile::tempdir().unwrap();
    let ca = fx::make_ca(tmp.path(), "p256", Alg::P256, "/CN=P-256 CA");
    let roots = [root(&ca)];
    let buyer = fx::issue_cert(&ca, "buyer", Alg::Ed25519, "/CN=Carol");
    let key = parse_buyer_certificate(&read(&buyer.cert), &roots, Utc::now()).unwrap();
    assert_eq!(key.public_key.to_vec(), fx::raw_ed25519_public(&buyer.key));

    let via_req = fx::issue_cert_x509_req(&ca, "dave", Alg::Ed25519, "/CN=Dave", "0x0a0b", 5);
    let key = parse_buyer_certificate(&read(&via_req.cert), &roots, Utc::now()).unwrap();
    assert_eq!(key.serial_hex, "a0b");

    let mut der = fx::to_der(&buyer.cert, "x509");
    let last = der.len() - 1;
    der[last] ^= 0x01;
    assert_eq!(
        code(parse_buyer_certificate(&der, &roots, Utc::now())),
        "bad_signature"
    );

    let crl_path = fx::revoke_and_gencrl(&ca, &buyer.cert, "superseded");
    let crl = parse_crl(&read(&crl_path), &roots).unwrap();
    assert_eq!(crl.revoked.len(), 1);
    assert_eq!(crl.revoked[0].serial_hex, buyer.serial_hex);
    assert_eq!(crl.revoked[0].reason.as_deref(), Some("superseded"));
}

#[test]
fn unknown_issuer_and_impostor_issuer() {
    let tmp = tempfile::tempdir().unwrap();
    let ca = fx::make_ca(tmp.path(), "ca", Alg::Ed25519, "/CN=Buyers CA");
    let other = fx::make_ca(tmp.path(), "other", Alg::Ed25519, "/CN=Other CA");
    // Same name as `ca`, different key.
    let impostor = fx::make_ca(tmp.path(), "impostor", Alg::Ed25519, "/CN=Buyers CA");
    let roots = [root(&ca)];
    // Certificates issued below start at the second they are made (openssl): judge them a
    // little later, or a second boundary in between makes them not yet valid.
    let now = Utc::now() + chrono::Duration::seconds(2);

    let foreign = fx::issue_cert(&other, "x", Alg::Ed25519, "/CN=Eve");
    let err = parse_buyer_certificate(&read(&foreign.cert), &roots, now).unwrap_err();
    assert_eq!(err.code().to_string(), "unknown_issuer");
    assert!(err.to_string().contains("CN=Other CA"), "{err}");
    assert_eq!(
        code(parse_buyer_certificate(&read(&foreign.cert), &[], now)),
        "unknown_issuer"
    );

    let forged = fx::issue_cert(&impostor, "y", Alg::Ed25519, "/CN=Mallory");
    let err = parse_buyer_certificate(&read(&forged.cert), &roots, now).unwrap_err();
    assert_eq!(err.code().to_string(), "bad_signature");
    assert!(err.to_string().contains("CN=Mallory"), "{err}");

    // With several roots, the one that verifies is reported.
    let all = [root(&ca), root(&other), root(&impostor)];
    let key = parse_buyer_certificate(&read(&forged.cert), &all, now).unwrap();
    assert_eq!(key.ca_key_id, all[2].key_id);
    let key = parse_buyer_certificate(&read(&foreign.cert), &all, now).unwrap();
    assert_eq!(key.ca_key_id, all[1].key_id);
}

#[test]
fn tampered_certificate_is_bad_signature() {
    let tmp = tempfile::tempdir().unwrap();
    let ca = fx::make_ca(tmp.path(), "ca", Alg::Ed25519, "/CN=Buyers CA");
    let roots = [root(&ca)];
    let buyer = fx::issue_cert(&ca, "buyer", Alg::Ed25519, "/CN=Alice");
    let good = fx::to_der(&buyer.cert, "x509");

    // A byte of the signature.
    let mut der = good.clone();
    let last = der.len() - 1;
    der[last] ^= 0x80;
    assert_eq!(
        code(parse_buyer_certificate(&der, &roots, Utc::now())),
        "bad_signature"
    );

    // A byte of the subject ("Alice" -> "Alicf").
    let mut der = good.clone();
    let at = der.windows(5).position(|w| w == b"Alice").unwrap() + 4;
    der[at] = b'f';
    let err = parse_buyer_certificate(&der, &roots, Utc::now()).unwrap_err();
    assert_eq!(err.code().to_string(), "bad_signature");
    assert!(err.to_string().contains("CN=Alicf"), "{err}");
}

#[test]
fn non_ed25519_subject_keys_are_unsupported() {
    let tmp = tempfile::tempdir().unwrap();
    let ca = fx::make_ca(tmp.path(), "ca", Alg::Ed25519, "/CN=Buyers CA");
    let roots = [root(&ca)];
    for (name, alg, label) in [
        ("rsa", Alg::Rsa2048, "RSA"),
        ("p256", Alg::P256, "ECDSA P-256"),
    ] {
        let c = fx::issue_cert(&ca, name, alg, &format!("/CN=Key {name}"));
        let err = parse_buyer_certificate(&read(&c.cert), &roots, Utc::now()).unwrap_err();
        assert_eq!(err.code().to_string(), "unsupported_key", "{name}");
        assert!(err.to_string().contains(label), "{err}");
        assert!(err.to_string().contains(&format!("CN=Key {name}")), "{err}");
    }
}

#[test]
fn expired_and_not_yet_valid_from_openssl_dates() {
    let tmp = tempfile::tempdir().unwrap();
    let ca = fx::make_ca(tmp.path(), "ca", Alg::Ed25519, "/CN=Buyers CA");
    let roots = [root(&ca)];
    let old = fx::issue_cert_dated(
        &ca,
        "old",
        Alg::Ed25519,
        "/CN=Old",
        "20200101000000Z",
        "20210101000000Z",
    );
    let err = parse_buyer_certificate(&read(&old.cert), &roots, Utc::now()).unwrap_err();
    assert_eq!(err.code().to_string(), "certificate_expired");
    let msg = err.to_string();
    assert!(
        msg.contains("CN=Old") && msg.contains("2021-01-01T00:00:00Z"),
        "{msg}"
    );
    let then = Utc.with_ymd_and_hms(2020, 6, 1, 0, 0, 0).unwrap();
    let key = parse_buyer_certificate(&read(&old.cert), &roots, then).unwrap();
    assert_eq!(
        key.not_before,
        Utc.with_ymd_and_hms(2020, 1, 1, 0, 0, 0).unwrap()
    );
    assert_eq!(
        key.not_after,
        Utc.with_ymd_and_hms(2021, 1, 1, 0, 0, 0).unwrap()
    );

    let future = fx::issue_cert_dated(
        &ca,
        "future",
        Alg::Ed25519,
        "/CN=Future",
        "20990101000000Z",
        "20991231000000Z",
    );
    let err = parse_buyer_certificate(&read(&future.cert), &roots, Utc::now()).unwrap_err();
    assert_eq!(err.code().to_string(), "certificate_not_yet_valid");
    assert!(err.to_string().contains("2099-01-01T00:00:00Z"), "{err}");
}

#[test]
fn garbage_and_oversized_certificates() {
    let tmp = tempfile::tempdir().unwrap();
    let ca = fx::make_ca(tmp.path(), "ca", Alg::Ed25519, "/CN=Buyers CA");
    let roots = [root(&ca)];
    // Certificates issued below start at the second they are made (openssl): judge them a
    // little later, or a second boundary in between makes them not yet valid.
    let now = Utc::now() + chrono::Duration::seconds(2);
    let buyer = fx::issue_cert(&ca, "buyer", Alg::Ed25519, "/CN=Alice");
    let der = fx::to_der(&buyer.cert, "x509");
    let pem = read(&buyer.cert);

    let mut cases: Vec<Vec<u8>> = vec![
        Vec::new(),
        b"not a certificate".to_vec(),
        vec![0x30, 0x82, 0xff, 0xff, 0x00],
        der[..der.len() / 2].to_vec(),
        [der.clone(), vec![0]].concat(),
        b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n".to_vec(),
        b"-----BEGIN CERTIFICATE-----\nAAAA\n".to_vec(),
        // A CRL is not a certificate.
        read(&fx::gencrl(&ca, "empty")),
        vec![0x30; CERT_MAX_BYTES + 1],
    ];
    // PEM body cut short.
    cases.push(pem[..pem.len() - 40].to_vec());
    for (i, bytes) in cases.iter().enumerate() {
        let err = parse_buyer_certificate(bytes, &roots, now).unwrap_err();
        assert_eq!(
            err.code().to_string(),
            "certificate_unparsable",
            "case {i}: {err}"
        );
    }
    let err = parse_buyer_certificate(&vec![b'a'; CERT_MAX_BYTES + 1], &roots, now).unwrap_err();
    assert!(err.to_string().contains("64 KiB"), "{err}");

    // Text around the PEM block (as `openssl x509 -text` writes) is fine.
    let with_text = [
        b"Certificate:\n  some text\n".to_vec(),
        pem.clone(),
        b"\n".to_vec(),
    ]
    .concat();
    assert!(parse_buyer_certificate(&with_text, &roots, now).is_ok());
    // And so is a private key block before the certificate.
    let with_key = [read(&buyer.key), pem].concat();
    assert!(parse_buyer_certificate(&with_key, &roots, now).is_ok());
}

#[test]
fn crl_lists_revoked_serial_with_date_and_reason() {
    let tmp = tempfile::tempdir().unwrap();
    let ca = fx::make_ca(tmp.path(), "ca", Alg::Ed25519, "/CN=Buyers CA/O=notar test");
    let roots = [root(&ca)];
    let kept = fx::issue_cert(&ca, "kept", Alg::Ed25519, "/CN=Kept");
    let lost = fx::issue_cert_x509_req(&ca, "lost", Alg::Ed25519, "/CN=Lost", "0x1001", 30);
    // `openssl ca -revoke` also works on certificates it did not issue itself.
    let crl_path = fx::revoke_and_gencrl(&ca, &lost.cert, "keyCompromise");

    let crl = parse_crl(&read(&crl_path), &roots).unwrap();
    assert_eq!(crl.issuer, "CN=Buyers CA, O=notar test");
    assert_eq!(crl.ca_key_id, roots[0].key_id);
    assert_eq!(crl.revoked.len(), 1);
    let entry = &crl.revoked[0];
    assert_eq!(entry.serial_hex, "1001");
    let (date, reason) = fx::revocation_in_index(&ca, "1001");
    assert_eq!(entry.revocation_date, date);
    assert_eq!(reason.as_deref(), Some("keyCompromise"));
    assert_eq!(entry.reason.as_deref(), Some("keyCompromise"));
    let next = crl.next_update.expect("openssl writes nextUpdate");
    assert_eq!(next - crl.this_update, Duration::days(30));
    assert!(!crl.revoked.iter().any(|r| r.serial_hex == kept.serial_hex));

    // The serial matches the certificate's own serial_hex.
    let key = parse_buyer_certificate(&read(&lost.cert), &roots, Utc::now()).unwrap();
    assert_eq!(key.serial_hex, entry.serial_hex);

    // DER works too.
    let der = parse_crl(&fx::to_der(&crl_path, "crl"), &roots).unwrap();
    assert_eq!(der, crl);

    // A second revocation, without reason, shows in the next CRL.
    fx::openssl(
        &ca.dir,
        &[
            "ca",
            "-config",
            ca.config.to_str().unwrap(),
            "-revoke",
            kept.cert.to_str().unwrap(),
        ],
    );
    let crl2 = parse_crl(&read(&fx::gencrl(&ca, "second")), &roots).unwrap();
    assert_eq!(crl2.revoked.len(), 2);
    let kept_entry = crl2
        .revoked
        .iter()
        .find(|r| r.serial_hex == kept.serial_hex)
        .unwrap();
    assert_eq!(kept_entry.reason, None);
    assert_eq!(
        kept_entry.revocation_date,
        fx::revocation_in_index(&ca, &kept.serial_hex).0
    );
}

#[test]
fn crl_from_other_ca_tampered_or_garbage() {
    let tmp = tempfile::tempdir().unwrap();
    let ca = fx::make_ca(tmp.path(), "ca", Alg::Ed25519, "/CN=Buyers CA");
    let other = fx::make_ca(tmp.path(), "other", Alg::P256, "/CN=Other CA");
    let impostor = fx::make_ca(tmp.path(), "impostor", Alg::Ed25519, "/CN=Buyers CA");
    let roots = [root(&ca)];

    let err = parse_crl(&read(&fx::gencrl(&other, "o")), &roots).unwrap_err();
    assert_eq!(err.code().to_string(), "unknown_issuer");
    assert!(err.to_string().contains("CN=Other CA"), "{err}");
    assert_eq!(
        code(parse_crl(&read(&fx::gencrl(&impostor, "i")), &roots)),
        "bad_signature"
    );

    let good = fx::to_der(&fx::gencrl(&ca, "good"), "crl");
    assert!(parse_crl(&good, &roots).is_ok());
    let mut bad = good.clone();
    let last = bad.len() - 1;
    bad[last] ^= 0x01;
    assert_eq!(code(parse_crl(&bad, &roots)), "bad_signature");

    let ca_pem = read(&ca.cert);
    for (i, bytes) in [
        Vec::new(),
        b"garbage".to_vec(),
        vec![0x30, 0x03, 0x02, 0x01, 0x01],
        good[..good.len() - 10].to_vec(),
        b"-----BEGIN X509 CRL-----\n%%%%\n-----END X509 CRL-----\n".to_vec(),
        // A certificate is not a CRL.
        ca_pem,
        vec![0x30; CRL_MAX_BYTES + 1],
    ]
    .iter()
    .enumerate()
    {
        let err = parse_crl(bytes, &roots).unwrap_err();
        assert_eq!(err.code().to_string(), "crl_unparsable", "case {i}: {err}");
    }
}

#[test]
fn codes_are_stable() {
    let s = String::new;
    let all = [
        (
            X509Error::CertificateUnparsable(s()),
            "certificate_unparsable",
        ),
        (X509Error::CrlUnparsable(s()), "crl_unparsable"),
        (
            X509Error::NotACa {
                subject: s(),
                reason: s(),
            },
            "not_a_ca",
        ),
        (
            X509Error::UnsupportedKey {
                subject: s(),
                algorithm: s(),
            },
            "unsupported_key",
        ),
        (
            X509Error::UnknownIssuer {
                object: s(),
                issuer: s(),
            },
            "unknown_issuer",
        ),
        (
            X509Error::BadSignature {
                object: s(),
                issuer: s(),
                reason: s(),
            },
            "bad_signature",
        ),
        (
            X509Error::CertificateNotYetValid {
                subject: s(),
                not_before: s(),
                now: s(),
            },
            "certificate_not_yet_valid",
        ),
        (
            X509Error::CertificateExpired {
                subject: s(),
                not_after: s(),
                now: s(),
            },
            "certificate_expired",
        ),
    ];
    for (err, code) in all {
        assert_eq!(err.code().to_string(), code);
    }
}

#[test]
fn hand_made_roots_never_panic() {
    let bogus = CaRoot {
        der: b"junk".to_vec(),
        subject: "CN=Buyers CA".into(),
        key_id: "00".into(),
    };
    let tmp = tempfile::tempdir().unwrap();
    let ca = fx::make_ca(tmp.path(), "ca", Alg::Ed25519, "/CN=Buyers CA");
    let buyer = fx::issue_cert(&ca, "b", Alg::Ed25519, "/CN=B");
    let err = parse_buyer_certificate(&read(&buyer.cert), std::slice::from_ref(&bogus), Utc::now());
    assert_eq!(code(err), "unknown_issuer");
    let crl = read(&fx::gencrl(&ca, "c"));
    assert_eq!(code(parse_crl(&crl, &[bogus])), "unknown_issuer");
}

#[test]
fn helpers() {
    assert_eq!(serial_hex(&[]), "0");
    assert_eq!(serial_hex(&[0]), "0");
    assert_eq!(serial_hex(&[0, 0xff]), "ff");
    assert_eq!(serial_hex(&[0x10, 0x00]), "1000");
    assert_eq!(serial_hex(&[0x01, 0x02, 0x03]), "10203");
    assert_eq!(reason_name(1), "keyCompromise");
    assert_eq!(reason_name(7), "unknownReason");
}
