use super::*;

#[test]
fn verification_names_what_is_wrong() {
    let f = fixture();
    let q = TimestampQuery::for_data(HashAlg::Sha256, DATA, true);
    let resp = issue_response(&f.signer, &q, &params(9)).unwrap();
    let verify = |resp: &[u8]| verify_response(resp, DATA, &f.root_der, None);
    assert!(verify(&resp).is_ok());

    assert!(matches!(
        verify_response(&resp, b"other data", &f.root_der, None),
        Err(TsaError::ImprintMismatch)
    ));

    // The response ends with the signature's last byte.
    let mut sig = resp.clone();
    *sig.last_mut().unwrap() ^= 0x01;
    assert!(matches!(verify(&sig), Err(TsaError::SignatureInvalid)));

    // One bit of the imprint inside the signed TSTInfo.
    let imprint = HashAlg::Sha256.digest(DATA);
    let at = resp
        .windows(32)
        .position(|w| w == imprint.as_slice())
        .unwrap();
    let mut tst = resp.clone();
    tst[at + 5] ^= 0x01;
    assert!(matches!(
        verify(&tst),
        Err(TsaError::SignedAttributesMismatch(_))
    ));

    let other = generate_tsa_pki("Other", now(), 30).unwrap();
    let other_root = cert_der_from_pem(&other.root_cert_pem).unwrap();
    assert!(matches!(
        verify_response(&resp, DATA, &other_root, None),
        Err(TsaError::NotIssuedByRoot(_))
    ));
    // Another TSA certificate, given, does not replace the one the token names.
    let other_tsa = cert_der_from_pem(&other.tsa_cert_pem).unwrap();
    assert!(verify_response(&resp, DATA, &f.root_der, Some(&other_tsa)).is_ok());

    let no_cert = TimestampQuery::for_data(HashAlg::Sha256, DATA, false);
    let resp = issue_response(&f.signer, &no_cert, &params(10)).unwrap();
    assert!(matches!(
        verify(&resp),
        Err(TsaError::SignerCertificateMissing)
    ));
    assert!(matches!(
        verify_response(&resp, DATA, &f.root_der, Some(&other_tsa)),
        Err(TsaError::SignerCertificateMissing)
    ));

    let late = TokenParams {
        gen_time: now() + chrono::Duration::days(31),
        ..params(11)
    };
    let resp = issue_response(&f.signer, &q, &late).unwrap();
    assert!(matches!(
        verify(&resp),
        Err(TsaError::CertificateNotValidAt { which: "TSA", .. })
    ));

    assert!(matches!(
        verify(b"\x30\x03\x02\x01\x00"),
        Err(TsaError::Malformed(_))
    ));
    assert!(matches!(verify(&[]), Err(TsaError::Malformed(_))));
}

#[test]
fn a_token_checks_against_the_digest_alone_and_names_it() {
    let f = fixture();
    let q = TimestampQuery::for_data(HashAlg::Sha256, DATA, true);
    let resp = issue_response(&f.signer, &q, &params(9)).unwrap();
    let digest = HashAlg::Sha256.digest(DATA);
    assert_eq!(token_imprint(&resp).unwrap(), digest);
    let t = verify_stamped(&resp, Stamped::Imprint(&digest), &f.root_der, None).unwrap();
    assert_eq!(t, verify_response(&resp, DATA, &f.root_der, None).unwrap());
    let mut other = digest.clone();
    other[0] ^= 0x01;
    assert!(matches!(
        verify_stamped(&resp, Stamped::Imprint(&other), &f.root_der, None),
        Err(TsaError::ImprintMismatch)
    ));
    assert!(token_imprint(b"\x30\x00").is_err());
}
