//! Time on the wire: RFC 3339, UTC, milliseconds (docs/design.md §4).

use chrono::{DateTime, Datelike, SecondsFormat, Timelike, Utc};

/// `2026-03-10T12:00:00.000Z`. Every signed payload and log entry carries times in this form, so
/// it is written digit by digit (chrono's formatter costs about a microsecond a call); years
/// outside 0–9999 and leap seconds go to chrono, whose form this is (a test compares the two).
pub fn rfc3339_ms(t: DateTime<Utc>) -> String {
    let year = u32::try_from(t.year()).ok().filter(|y| *y <= 9999);
    let (Some(year), true) = (year, t.nanosecond() < 1_000_000_000) else {
        return t.to_rfc3339_opts(SecondsFormat::Millis, true);
    };
    let mut out = String::with_capacity(24);
    let mut digits = |n: u32, width: u32, then: Option<char>| {
        out.extend(decimal_digits(n, width).map(char::from));
        out.extend(then);
    };
    digits(year, 4, Some('-'));
    digits(t.month(), 2, Some('-'));
    digits(t.day(), 2, Some('T'));
    digits(t.hour(), 2, Some(':'));
    digits(t.minute(), 2, Some(':'));
    digits(t.second(), 2, Some('.'));
    digits(t.nanosecond() / 1_000_000, 3, Some('Z'));
    out
}

/// The last `width` decimal digits of `n`, leading zeros included: the digits of a time field,
/// for writers that build a time's text without a formatter (here and the RFC 3161 genTime).
pub fn decimal_digits(n: u32, width: u32) -> impl Iterator<Item = u8> {
    // `% 10` keeps each digit below 10: the cast cannot truncate.
    (0..width)
        .rev()
        .map(move |k| b'0' + (n / 10u32.pow(k) % 10) as u8)
}

/// `t` truncated to whole milliseconds, the precision everything signed carries.
pub fn truncate_ms(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(t.timestamp_millis()).unwrap_or(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_with_millis_and_z() {
        let t = DateTime::parse_from_rfc3339("2026-03-10T12:00:00.123456Z")
            .expect("parse")
            .to_utc();
        assert_eq!(rfc3339_ms(truncate_ms(t)), "2026-03-10T12:00:00.123Z");
    }

    #[test]
    fn the_digit_writer_writes_what_chrono_writes() {
        use chrono::TimeZone;
        let mut ms: i64 = -62_167_219_200_000; // 0000-01-01T00:00:00Z
        let last: i64 = 253_402_300_799_999; // 9999-12-31T23:59:59.999Z
        let mut step: i64 = 1;
        while ms <= last + 86_400_000 * 366 {
            let t = Utc
                .timestamp_millis_opt(ms)
                .single()
                .expect("in chrono's range");
            let want = t.to_rfc3339_opts(SecondsFormat::Millis, true);
            assert_eq!(rfc3339_ms(t), want);
            ms += step;
            step = step * 7 / 3 + 13; // through every field's carries, then across millennia
            if step > 400_000_000_000 {
                step = 987_654_321;
            }
        }
        let before = Utc
            .with_ymd_and_hms(-1, 12, 31, 23, 59, 59)
            .single()
            .expect("time");
        assert_eq!(
            rfc3339_ms(before),
            before.to_rfc3339_opts(SecondsFormat::Millis, true)
        );
        let leap = chrono::NaiveDate::from_ymd_opt(2016, 12, 31)
            .and_then(|d| d.and_hms_milli_opt(23, 59, 59, 1_500))
            .expect("leap second");
        let leap = Utc.from_utc_datetime(&leap);
        assert_eq!(rfc3339_ms(leap), "2016-12-31T23:59:60.500Z");
    }
}
