//! Time on the wire: RFC 3339, UTC, milliseconds (docs/design.md §4).

use chrono::{DateTime, SecondsFormat, Utc};

/// `2026-03-10T12:00:00.000Z`.
pub fn rfc3339_ms(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
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
}
