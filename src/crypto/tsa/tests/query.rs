use super::*;

#[test]
fn openssl_queries_parse() {
    let q = parse_hex(Q_SHA256).unwrap();
    assert_eq!(q.hash_alg, HashAlg::Sha256);
    assert!(q.hash_params_null);
    assert_eq!(q.imprint, HashAlg::Sha256.digest(DATA));
    assert_eq!(q.nonce, Some(hex::decode("11ac1d969c6a4155").unwrap()));
    assert!(!q.cert_req);
    assert_eq!(q.req_policy, None);

    let q = parse_hex(Q_SHA384).unwrap();
    assert_eq!(q.hash_alg, HashAlg::Sha384);
    assert_eq!(q.imprint, HashAlg::Sha384.digest(DATA));
    // A nonce with its top bit set keeps its 0x00 pad: echoed verbatim.
    assert_eq!(q.nonce, Some(hex::decode("00a3a08f9a51a33d2b").unwrap()));

    let q = parse_hex(Q_SHA512).unwrap();
    assert_eq!(q.hash_alg, HashAlg::Sha512);
    assert_eq!(q.imprint, HashAlg::Sha512.digest(DATA));

    let q = parse_hex(Q_CERT_NO_NONCE).unwrap();
    assert!(q.cert_req);
    assert_eq!(q.nonce, None);

    let q = parse_hex(Q_POLICY).unwrap();
    assert_eq!(q.req_policy, Some(policy()));
}

#[test]
fn our_queries_reencode_like_openssl() {
    let q = parse_hex(Q_SHA256).unwrap();
    assert_eq!(hex::encode(q.to_der().unwrap()), Q_SHA256);
    let q = parse_hex(Q_POLICY).unwrap();
    assert_eq!(hex::encode(q.to_der().unwrap()), Q_POLICY);
}

#[test]
fn unsupported_hashes_are_bad_alg() {
    assert_eq!(failure(parse_hex(Q_SHA1)), FailureInfo::BadAlg);
    assert_eq!(failure(parse_hex(Q_MD5)), FailureInfo::BadAlg);
    // SHA-256 with an OCTET STRING where only absent or NULL parameters are allowed.
    let mut der = hex::decode(Q_SHA256).unwrap();
    let null_at = der.windows(2).position(|w| w == [0x05, 0x00]).unwrap();
    der[null_at] = 0x04;
    assert_eq!(failure(parse_query(&der, &policy())), FailureInfo::BadAlg);
}

#[test]
fn malformed_queries_are_bad_data_format() {
    let good = hex::decode(Q_SHA256).unwrap();

    let mut trailing = good.clone();
    trailing.push(0);
    assert_eq!(
        failure(parse_query(&trailing, &policy())),
        FailureInfo::BadDataFormat
    );

    let mut version2 = good.clone();
    assert_eq!(&version2[2..5], [0x02, 0x01, 0x01]);
    version2[4] = 2;
    assert_eq!(
        failure(parse_query(&version2, &policy())),
        FailureInfo::BadDataFormat
    );

    assert_eq!(
        failure(parse_query(&good[..good.len() - 1], &policy())),
        FailureInfo::BadDataFormat
    );
    assert_eq!(
        failure(parse_query(&[], &policy())),
        FailureInfo::BadDataFormat
    );
    assert_eq!(
        failure(parse_query(&vec![0x30; QUERY_LEN_MAX + 1], &policy())),
        FailureInfo::BadDataFormat
    );

    // A SHA-256 query holding a 31-byte imprint.
    let short = TimeStampReq {
        version: TspVersion::V1,
        message_imprint: MessageImprint {
            hash_algorithm: HashAlg::Sha256.alg_id(),
            hashed_message: OctetString::new(vec![7u8; 31]).unwrap(),
        },
        req_policy: None,
        nonce: None,
        cert_req: false,
        extensions: None,
    };
    let r = parse_query(&short.to_der().unwrap(), &policy()).unwrap_err();
    assert_eq!(r.failure, FailureInfo::BadDataFormat);
    assert!(r.text.contains("32 bytes"), "{}", r.text);

    let mut long_nonce = parse_hex(Q_SHA256).unwrap();
    long_nonce.nonce = Some(vec![0x11; NONCE_LEN_MAX + 1]);
    let der = TimeStampReq {
        nonce: Some(Int::new(&[0x11; NONCE_LEN_MAX + 1]).unwrap()),
        ..TimeStampReq::from_der(&good).unwrap()
    }
    .to_der()
    .unwrap();
    assert_eq!(
        failure(parse_query(&der, &policy())),
        FailureInfo::BadDataFormat
    );
    assert!(matches!(
        long_nonce.to_der(),
        Err(TsaError::InvalidQuery(_))
    ));
}

#[test]
fn extensions_and_foreign_policies_are_refused() {
    let good = TimeStampReq::from_der(&hex::decode(Q_SHA256).unwrap()).unwrap();
    let with_ext = TimeStampReq {
        extensions: Some(vec![x509_cert::ext::Extension {
            extn_id: ObjectIdentifier::new_unwrap("1.2.3.4"),
            critical: false,
            extn_value: OctetString::new(vec![0x05, 0x00]).unwrap(),
        }]),
        ..good
    };
    assert_eq!(
        failure(parse_query(&with_ext.to_der().unwrap(), &policy())),
        FailureInfo::UnacceptedExtension
    );
    let other = ObjectIdentifier::new_unwrap("1.2.3.4.5");
    let r = parse_query(&hex::decode(Q_POLICY).unwrap(), &other).unwrap_err();
    assert_eq!(r.failure, FailureInfo::UnacceptedPolicy);
    assert!(r.text.contains("1.3.6.1.4.1.99999.1"));
}
