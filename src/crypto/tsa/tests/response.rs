use super::*;

#[test]
fn rejection_responses_carry_status_text_and_one_bit() {
    let r = Rejection::new(FailureInfo::BadDataFormat, "nope");
    let der = rejection_response(&r);
    // SEQUENCE { SEQUENCE { INTEGER 2, SEQUENCE { UTF8String "nope" }, BIT STRING 000001 } }
    assert_eq!(hex::encode(&der), "3011300f02010230060c046e6f706503020204");
    let resp = TimeStampResp::from_der(&der).unwrap();
    assert_eq!(resp.status.status, 2);
    for f in FailureInfo::ALL {
        let der = rejection_response(&Rejection::new(f, "x"));
        let resp = TimeStampResp::from_der(&der).unwrap();
        assert_eq!(
            FailureInfo::decode_bits(&resp.status.fail_info.unwrap()),
            vec![f]
        );
        let err = verify_response(&der, DATA, &fixture().root_der, None).unwrap_err();
        assert!(
            matches!(err, TsaError::NotGranted { status: 2, ref failures, .. } if *failures == vec![f])
        );
    }
    let bad_alg = rejection_response(&Rejection::new(FailureInfo::BadAlg, ""));
    assert!(hex::encode(bad_alg).ends_with("03020780"));
    let ext = rejection_response(&Rejection::new(FailureInfo::UnacceptedExtension, ""));
    assert!(hex::encode(ext).ends_with("030407000080"));
    let long = rejection_response(&Rejection::new(FailureInfo::BadAlg, "é".repeat(600)));
    let resp = TimeStampResp::from_der(&long).unwrap();
    assert!(resp.status.status_string.unwrap()[0].len() <= STATUS_TEXT_LEN_MAX);
}
