use super::*;

#[test]
fn issued_tokens_verify_for_every_algorithm_and_option() {
    let f = fixture();
    for (i, alg) in HashAlg::ALL.into_iter().enumerate() {
        for cert_req in [false, true] {
            for with_nonce in [false, true] {
                let mut q = TimestampQuery::for_data(alg, DATA, cert_req);
                if !with_nonce {
                    q.nonce = None;
                }
                let serial = 1 + i as u64;
                let resp = issue_response(&f.signer, &q, &params(serial)).unwrap();
                let given = (!cert_req).then_some(f.tsa_der.as_slice());
                let v = verify_response(&resp, DATA, &f.root_der, given).unwrap();
                assert_eq!(v.serial_u64(), Some(serial));
                assert_eq!(v.hash_alg, alg);
                assert_eq!(v.imprint, alg.digest(DATA));
                assert_eq!(v.nonce, q.nonce);
                assert_eq!(v.policy, policy());
                assert_eq!(v.gen_time, params(0).gen_time);
                assert_eq!(v.accuracy_ms, Some(1_500));
                assert_eq!(v.tsa_subject, "CN=Unit Test TSA,O=notar");
                // The token alone, without the TimeStampResp wrapper, verifies too.
                let token = TimeStampResp::from_der(&resp)
                    .unwrap()
                    .time_stamp_token
                    .unwrap();
                let bare = token.to_der().unwrap();
                assert_eq!(verify_response(&bare, DATA, &f.root_der, given).unwrap(), v);
            }
        }
    }
}

#[test]
fn token_contents_are_what_the_query_and_params_say() {
    let f = fixture();
    let q = parse_hex(Q_SHA384).unwrap();
    let resp = issue_response(&f.signer, &q, &params(u64::MAX)).unwrap();
    let token = TimeStampResp::from_der(&resp)
        .unwrap()
        .time_stamp_token
        .unwrap();
    let sd: SignedData = token.content.decode_as().unwrap();
    assert!(sd.certificates.is_none());
    let tst = TstInfo::from_der(sd.encap_content_info.econtent.unwrap().value()).unwrap();
    // The imprint is the query's, NULL parameters included; the nonce keeps its pad.
    assert_eq!(
        tst.message_imprint,
        TimeStampReq::from_der(&hex::decode(Q_SHA384).unwrap())
            .unwrap()
            .message_imprint
    );
    assert_eq!(
        tst.nonce.unwrap().as_bytes(),
        hex::decode("00a3a08f9a51a33d2b").unwrap()
    );
    assert_eq!(
        tst.serial_number.as_bytes(),
        [0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]
    );
    assert_eq!(
        tst.accuracy,
        Some(Accuracy {
            seconds: Some(1),
            millis: Some(500),
            micros: None
        })
    );
    assert!(!tst.ordering);
    assert_eq!(
        tst.tsa,
        Some(GeneralName::DirectoryName(
            f.signer.cert.tbs_certificate.subject.clone()
        ))
    );
    let si = &sd.signer_infos.0.as_slice()[0];
    let attrs = si.signed_attrs.as_ref().unwrap();
    let oids: Vec<_> = attrs.iter().map(|a| a.oid).collect();
    assert_eq!(oids.len(), 3);
    for oid in [
        ID_CONTENT_TYPE,
        ID_MESSAGE_DIGEST,
        ID_AA_SIGNING_CERTIFICATE_V_2,
    ] {
        assert!(oids.contains(&oid));
    }
    let ess: SigningCertificateV2 = attr_value(attrs, ID_AA_SIGNING_CERTIFICATE_V_2)
        .unwrap()
        .unwrap()
        .decode_as()
        .unwrap();
    assert_eq!(ess.certs[0].hash_algorithm, None);
    assert_eq!(
        ess.certs[0].cert_hash.as_bytes(),
        HashAlg::Sha256.digest(&f.tsa_der)
    );
}

#[test]
fn signer_refuses_a_foreign_key_and_reads_sec1() {
    use p256::pkcs8::DecodePrivateKey;
    let f = fixture();
    let other = generate_tsa_pki("Other", now(), 30).unwrap();
    assert!(matches!(
        TsaSigner::from_pem(&other.tsa_key_pem, &f.pki.tsa_cert_pem),
        Err(TsaError::KeyCertMismatch)
    ));
    assert!(matches!(
        TsaSigner::from_pem("garbage", &f.pki.tsa_cert_pem),
        Err(TsaError::InvalidKey(_))
    ));
    assert!(matches!(
        TsaSigner::from_pem(&f.pki.tsa_key_pem, "garbage"),
        Err(TsaError::InvalidCertificate(_))
    ));
    let sec1 = p256::SecretKey::from_pkcs8_pem(&f.pki.tsa_key_pem)
        .unwrap()
        .to_sec1_pem(der::pem::LineEnding::LF)
        .unwrap();
    let signer = TsaSigner::from_pem(&sec1, &f.pki.tsa_cert_pem).unwrap();
    assert_eq!(signer.cert_der(), f.tsa_der.as_slice());
    assert!(!format!("{signer:?}").contains("key_pair"));
}

#[test]
fn hand_built_queries_are_checked() {
    let f = fixture();
    let mut q = TimestampQuery::for_data(HashAlg::Sha512, DATA, false);
    q.imprint.pop();
    assert!(matches!(
        issue_response(&f.signer, &q, &params(1)),
        Err(TsaError::InvalidQuery(_))
    ));
    let mut q = TimestampQuery::for_data(HashAlg::Sha512, DATA, false);
    q.nonce = Some(vec![0, 1]);
    assert!(matches!(
        issue_response(&f.signer, &q, &params(1)),
        Err(TsaError::InvalidQuery(_))
    ));
}

/// The signer writes tokens through its own structures with pre-encoded leaves; read and
/// written again through `cms`'s `SignedData` (a full parse of the certificate and the names),
/// and through `TstInfo`, every byte is the same.
#[test]
fn tokens_reencode_identically_through_cms_types() {
    let f = fixture();
    for cert_req in [false, true] {
        let mut q = parse_hex(Q_SHA384).unwrap();
        q.cert_req = cert_req;
        let resp = issue_response(&f.signer, &q, &params(7)).unwrap();
        let parsed = TimeStampResp::from_der(&resp).unwrap();
        assert_eq!(parsed.to_der().unwrap(), resp);
        let content = parsed.time_stamp_token.unwrap().content;
        let sd: SignedData = content.decode_as().unwrap();
        assert_eq!(sd.certificates.is_some(), cert_req);
        assert_eq!(sd.to_der().unwrap(), content.to_der().unwrap());
        let tst_der = sd.encap_content_info.econtent.unwrap();
        let tst = TstInfo::<GeneralName>::from_der(tst_der.value()).unwrap();
        assert_eq!(tst.to_der().unwrap(), tst_der.value());
    }
}
