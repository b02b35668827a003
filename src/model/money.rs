//! Money as integers: minor units plus an ISO 4217 code. Never a float, never an unchecked sum.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Largest amount the notary handles, in minor units (10^15: a thousand billion euros). Bounds
/// every sum so that adding two amounts can never overflow an `i64`.
pub const MINOR_MAX: i64 = 1_000_000_000_000_000;

/// Why an amount or currency is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    /// Not three uppercase ASCII letters.
    #[error("currency must be an ISO 4217 code of three uppercase letters, not {0:?}")]
    BadCurrency(String),
    /// Three letters, but no ISO 4217 currency of money (unknown, or a unit such as gold or
    /// `XXX` that has no minor unit).
    #[error("{0:?} is not an ISO 4217 currency with a minor unit (e.g. EUR, USD, JPY)")]
    UnknownCurrency(String),
    /// Zero, negative, or above `MINOR_MAX`.
    #[error("amount must be between 1 and {MINOR_MAX} minor units, not {0}")]
    OutOfRange(i64),
    /// A plain decimal amount too large for any money notar takes (above `MINOR_MAX` minor
    /// units, however many digits): said as a range, not as a malformed amount.
    #[error("amount must be at most {MINOR_MAX} minor units, not {0}")]
    TooLarge(String),
    /// A decimal string that is not a plain amount with at most the currency's decimals; the
    /// second field is an example amount in that currency (`120.00`, `120`, `120.000`).
    #[error("not an amount: {0:?} (expected e.g. {1})")]
    BadDecimal(String, String),
}

/// An ISO 4217 currency code of money: three uppercase ASCII letters that ISO 4217 lists with a
/// minor unit (the `iso_currency` crate's table). Amounts are minor units of it, so a code
/// without one (gold `XAU`, `XXX`) or an invented one would make every amount meaningless.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, utoipa::ToSchema)]
#[schema(value_type = String, example = "EUR")]
pub struct Currency([u8; 3]);

impl Currency {
    /// Parses a code such as `EUR`.
    pub fn parse(code: &str) -> Result<Currency, MoneyError> {
        let b = code.as_bytes();
        if b.len() != 3 || !b.iter().all(u8::is_ascii_uppercase) {
            return Err(MoneyError::BadCurrency(code.chars().take(16).collect()));
        }
        if iso_exponent(code).is_none() {
            return Err(MoneyError::UnknownCurrency(code.to_string()));
        }
        Ok(Currency([b[0], b[1], b[2]]))
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        // Invariant: built only from three ASCII uppercase letters.
        std::str::from_utf8(&self.0).unwrap_or("???")
    }

    /// Decimal places of the minor unit (ISO 4217): 2 for EUR, 0 for JPY or XOF, 3 for BHD.
    pub fn exponent(&self) -> u32 {
        // Invariant: built only from codes that have one; 2 would be the common case.
        iso_exponent(self.as_str()).unwrap_or(2)
    }
}

/// ISO 4217's minor unit of `code`: none for a code it does not list, or lists without one.
fn iso_exponent(code: &str) -> Option<u32> {
    iso_currency::Currency::from_code(code)
        .and_then(|c| c.exponent())
        .map(u32::from)
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Currency {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Currency::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// An amount of money: `{"minor": 12000, "currency": "EUR"}` on the wire. `minor` may be any
/// `i64` here so that a wrong amount can be answered with a reason code; `Money::positive`
/// checks the range a guarantee needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Money {
    /// Amount in minor units (cents for EUR).
    pub minor: i64,
    /// ISO 4217 code.
    pub currency: Currency,
}

impl Money {
    /// Builds an amount, checking 1 ..= MINOR_MAX.
    pub fn positive(minor: i64, currency: Currency) -> Result<Money, MoneyError> {
        if !(1..=MINOR_MAX).contains(&minor) {
            return Err(MoneyError::OutOfRange(minor));
        }
        Ok(Money { minor, currency })
    }

    /// True if the amount is in 1 ..= MINOR_MAX.
    pub fn is_positive_in_range(&self) -> bool {
        (1..=MINOR_MAX).contains(&self.minor)
    }

    /// Parses a decimal amount such as `1000.00` or `12` in `currency`.
    pub fn parse_decimal(text: &str, currency: Currency) -> Result<Money, MoneyError> {
        let exp = currency.exponent();
        let example = match exp {
            0 => format!("120 (no decimals in {currency})"),
            e => format!("120.{} with at most {e} decimals", "0".repeat(e as usize)),
        };
        let bad = || MoneyError::BadDecimal(text.chars().take(32).collect(), example.clone());
        let (int, frac) = match text.split_once('.') {
            Some((i, f)) => (i, f),
            None => (text, ""),
        };
        if int.is_empty()
            || !int.bytes().all(|b| b.is_ascii_digit())
            || frac.len() > exp as usize
            || !frac.bytes().all(|b| b.is_ascii_digit())
            || (text.contains('.') && frac.is_empty())
        {
            return Err(bad());
        }
        // Well formed from here: too many digits is too large, not malformed.
        // Digits and a point only by now: shown as given, cut at 32 characters.
        let too_large = || {
            let shown: String = text.chars().take(32).collect();
            let cut = if shown.len() < text.len() { "…" } else { "" };
            MoneyError::TooLarge(format!("{shown}{cut} {currency}"))
        };
        let significant = int.trim_start_matches('0');
        if significant.len() > 16 {
            return Err(too_large());
        }
        let mut minor: i64 = match significant {
            "" => 0,
            digits => digits.parse().map_err(|_| too_large())?,
        };
        for _ in 0..exp {
            minor = minor.checked_mul(10).ok_or_else(too_large)?;
        }
        let mut f: i64 = 0;
        for (i, b) in frac.bytes().enumerate() {
            let digit = i64::from(b - b'0');
            f += digit * 10i64.pow(exp - 1 - i as u32);
        }
        let minor = minor.checked_add(f).ok_or_else(too_large)?;
        Money::positive(minor, currency)
    }
}

impl fmt::Display for Money {
    /// `1000.00 EUR`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let exp = self.currency.exponent();
        let sign = if self.minor < 0 { "-" } else { "" };
        let abs = self.minor.unsigned_abs();
        if exp == 0 {
            return write!(f, "{sign}{abs} {}", self.currency);
        }
        let scale = 10u64.pow(exp);
        write!(
            f,
            "{sign}{}.{:0width$} {}",
            abs / scale,
            abs % scale,
            self.currency,
            width = exp as usize
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eur() -> Currency {
        Currency::parse("EUR").expect("EUR")
    }

    /// Three letters are not enough: the code must be an ISO 4217 currency of money, and its
    /// minor unit is ISO's (XOF has none, CLF four: a short table said two for both).
    #[test]
    fn currency_codes_are_iso_4217_currencies_with_their_minor_units() {
        for bad in ["ZZZ", "ABC", "XAU", "XXX", "XTS"] {
            assert_eq!(
                Currency::parse(bad),
                Err(MoneyError::UnknownCurrency(bad.into())),
                "{bad}"
            );
        }
        let exponent = |c: &str| Currency::parse(c).expect(c).exponent();
        let known = [
            ("EUR", 2),
            ("USD", 2),
            ("JPY", 0),
            ("XOF", 0),
            ("BHD", 3),
            ("CLF", 4),
        ];
        for (code, e) in known {
            assert_eq!(exponent(code), e, "{code}");
        }
        let xof = Currency::parse("XOF").expect("XOF");
        assert_eq!(
            Money::positive(5000, xof).expect("ok").to_string(),
            "5000 XOF"
        );
        assert!(serde_json::from_str::<Money>(r#"{"minor":1,"currency":"ZZZ"}"#).is_err());
    }

    #[test]
    fn currency_codes_are_three_uppercase_letters() {
        assert!(Currency::parse("EUR").is_ok());
        for bad in ["eur", "EU", "EURO", "E1R", "", "ÄUR"] {
            assert!(Currency::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn decimal_amounts_parse_exactly() {
        assert_eq!(
            Money::parse_decimal("1000.00", eur()).map(|m| m.minor),
            Ok(100000)
        );
        assert_eq!(
            Money::parse_decimal("120.5", eur()).map(|m| m.minor),
            Ok(12050)
        );
        assert_eq!(Money::parse_decimal("7", eur()).map(|m| m.minor), Ok(700));
        let jpy = Currency::parse("JPY").expect("JPY");
        assert_eq!(Money::parse_decimal("500", jpy).map(|m| m.minor), Ok(500));
        assert!(Money::parse_decimal("5.0", jpy).is_err());
        for bad in [
            "",
            "-1",
            "1.001",
            "1.",
            ".5",
            "1e3",
            "0",
            "0.00",
            "99999999999999999",
        ] {
            assert!(Money::parse_decimal(bad, eur()).is_err(), "{bad}");
        }
    }

    /// A well-formed amount too large says so as a range, however many digits (s10 S10-4: "not
    /// an amount … at most 2 decimals" for a two-decimal amount past i64).
    #[test]
    fn too_large_amounts_are_a_range_error() {
        for text in [
            "92233720368547758.07",
            "99999999999999999999.99",
            "10000000000000.01",
            &"9".repeat(400),
        ] {
            let e = Money::parse_decimal(text, eur())
                .expect_err(text)
                .to_string();
            assert!(
                e.contains(&format!("{MINOR_MAX} minor units")) && !e.contains("decimals"),
                "{text}: {e}"
            );
            assert!(e.len() < 200, "{e}");
        }
        assert_eq!(
            Money::parse_decimal("0000000000000000000012.00", eur()).map(|m| m.minor),
            Ok(1200)
        );
    }

    #[test]
    fn display_uses_the_currency_exponent() {
        let m = Money::positive(12050, eur()).expect("ok");
        assert_eq!(m.to_string(), "120.50 EUR");
        assert_eq!(
            Money {
                minor: -5,
                currency: eur()
            }
            .to_string(),
            "-0.05 EUR"
        );
    }

    #[test]
    fn range_is_checked() {
        assert!(Money::positive(0, eur()).is_err());
        assert!(Money::positive(-1, eur()).is_err());
        assert!(Money::positive(MINOR_MAX + 1, eur()).is_err());
        assert!(Money::positive(MINOR_MAX, eur()).is_ok());
    }

    #[test]
    fn wire_form_is_minor_and_currency() {
        let m: Money = serde_json::from_str(r#"{"minor":12000,"currency":"EUR"}"#).expect("parse");
        assert_eq!(m.minor, 12000);
        assert!(serde_json::from_str::<Money>(r#"{"minor":1.5,"currency":"EUR"}"#).is_err());
        assert!(serde_json::from_str::<Money>(r#"{"minor":1,"currency":"eur"}"#).is_err());
        assert!(serde_json::from_str::<Money>(
            r#"{"minor":99999999999999999999,"currency":"EUR"}"#
        )
        .is_err());
    }
}
