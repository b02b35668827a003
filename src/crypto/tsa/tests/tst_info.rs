use super::*;

#[test]
fn gen_time_is_der_generalized_time_with_millis() {
    let t = |ms| GenTime(now() + chrono::Duration::milliseconds(ms));
    assert_eq!(t(0).ascii().unwrap(), "20260301120000Z");
    assert_eq!(t(120).ascii().unwrap(), "20260301120000.12Z");
    assert_eq!(t(7).ascii().unwrap(), "20260301120000.007Z");
    assert_eq!(t(1_999).ascii().unwrap(), "20260301120001.999Z");
    for ms in [0, 7, 120, 999, 86_400_123] {
        let der = t(ms).to_der().unwrap();
        assert_eq!(GenTime::from_der(&der).unwrap(), t(ms));
    }
    assert!(GenTime::parse(b"20260301120000.123456789Z").is_some());
    for bad in [
        &b"20260301120000"[..],
        b"20260301120000.Z",
        b"20260301120000.1234567890Z",
        b"20261301120000Z",
        b"2026030112000aZ",
        b"20260301120000+0100",
        b"",
    ] {
        assert!(
            GenTime::parse(bad).is_none(),
            "{}",
            String::from_utf8_lossy(bad)
        );
    }
}
