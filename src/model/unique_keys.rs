//! JSON with a member name repeated in one object is refused (I-JSON, RFC 7493 §2.3): parsers
//! disagree on which copy wins (serde_json keeps the last), so the bytes of a request or of a
//! signed payload could be read one way by the notary and another by someone else.

use std::collections::HashSet;
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, Error, MapAccess, SeqAccess, Visitor};

/// Checks that no object in the JSON text `bytes` repeats a member name; the error names the
/// first repeated one. Says nothing about whether the text is otherwise valid JSON beyond what
/// reading it needs (the caller parses it next).
pub fn check_unique_keys(bytes: &[u8]) -> Result<(), String> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    Walk.deserialize(&mut de).map_err(|e| e.to_string())?;
    de.end().map_err(|e| e.to_string())
}

/// One JSON value, walked without keeping it.
struct Walk;

impl<'de> DeserializeSeed<'de> for Walk {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Walk {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E: Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E: Error>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E: Error>(self, _: u64) -> Result<(), E> {
        Ok(())
    }

    fn visit_f64<E: Error>(self, _: f64) -> Result<(), E> {
        Ok(())
    }

    fn visit_str<E: Error>(self, _: &str) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E: Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(Walk)?.is_some() {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen: HashSet<String> = HashSet::new();
        while let Some(name) = map.next_key::<String>()? {
            if seen.contains(&name) {
                let shown: String = name.chars().take(64).collect();
                return Err(A::Error::custom(format!(
                    "the member {shown:?} appears twice in one object"
                )));
            }
            map.next_value_seed(Walk)?;
            seen.insert(name);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repeated_member_is_named_at_any_depth() {
        assert!(check_unique_keys(br#"{"a":1,"b":[{"a":2},{"a":3}],"c":{"d":null}}"#).is_ok());
        for (text, name) in [
            (r#"{"a":1,"a":2}"#, "a"),
            (
                r#"{"x":{"order_digest":"00","order_digest":"11"}}"#,
                "order_digest",
            ),
            (r#"[{"k":1},{"k":1,"k":1}]"#, "k"),
            (r#"{"\u0061":1,"a":2}"#, "a"),
        ] {
            let e = check_unique_keys(text.as_bytes()).expect_err(text);
            assert!(
                e.contains(&format!("\"{name}\" appears twice")),
                "{text}: {e}"
            );
        }
    }

    #[test]
    fn anything_else_is_left_to_the_parser() {
        assert!(check_unique_keys(b"null").is_ok());
        assert!(check_unique_keys(b"{} x").is_err());
        let deep = "[".repeat(10_000) + &"]".repeat(10_000);
        assert!(
            check_unique_keys(deep.as_bytes()).is_err(),
            "the recursion limit holds"
        );
    }
}
