use super::*;
use chrono::{Datelike, NaiveDate, TimeZone, Timelike};

#[test]
fn gen_time_is_der_generalized_time_with_millis() {
    let t = |ms| GenTime(now() + chrono::Duration::milliseconds(ms));
    assert_eq!(t(0).ascii().unwrap().as_bytes(), b"20260301120000Z");
    assert_eq!(t(120).ascii().unwrap().as_bytes(), b"20260301120000.12Z");
    assert_eq!(t(7).ascii().unwrap().as_bytes(), b"20260301120000.007Z");
    assert_eq!(t(1_999).ascii().unwrap().as_bytes(), b"20260301120001.999Z");
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

/// The form written before the digit-by-digit writer, kept as the reference.
fn by_format(t: DateTime<Utc>) -> String {
    let ms = (t.nanosecond() / 1_000_000).min(999);
    let mut s = format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    );
    if ms != 0 {
        s.push('.');
        s.push_str(format!("{ms:03}").trim_end_matches('0'));
    }
    s.push('Z');
    s
}

#[test]
fn generalized_time_digits_match_the_formatted_form_and_parse_back() {
    for year in [0, 7, 1999, 2026, 9999] {
        for ms in [0, 1, 5, 10, 50, 100, 120, 123, 500, 999, 1_000, 1_999] {
            let day = NaiveDate::from_ymd_opt(year, 12, 31).expect("date");
            // 1_000 ms and above: chrono's leap second, clamped into the last millisecond.
            let t = Utc.from_utc_datetime(&day.and_hms_milli_opt(23, 59, 59, ms).expect("time"));
            let ascii = GenTime(t).ascii().expect("in range");
            let text = std::str::from_utf8(ascii.as_bytes()).expect("ascii");
            assert_eq!(text, by_format(t), "{t:?}");
            let back = GenTime::parse(ascii.as_bytes()).expect("parses");
            assert_eq!(
                back.timestamp_millis(),
                t.timestamp_millis().min(
                    Utc.from_utc_datetime(&day.and_hms_milli_opt(23, 59, 59, 999).expect("time"))
                        .timestamp_millis()
                )
            );
        }
    }
    let far = Utc
        .with_ymd_and_hms(10_000, 1, 1, 0, 0, 0)
        .single()
        .expect("time");
    assert!(GenTime(far).ascii().is_err());
}
