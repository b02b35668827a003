//! JSON with a member name repeated in one object is refused (I-JSON, RFC 7493 §2.3): parsers
//! disagree on which copy wins (serde_json keeps the last), so the bytes of a request or of a
//! signed payload could be read one way by the notary and another by someone else.

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, Error, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

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
        // Names borrowed from the input where they have no escapes (nearly always), compared
        // in a list while the object is small and in a set past that: most objects have a
        // handful of members, and this runs on every request body and bundle item.
        let mut names: Vec<Cow<'de, str>> = Vec::new();
        let mut set: HashSet<Cow<'de, str>> = HashSet::new();
        while let Some(name) = map.next_key_seed(Name)? {
            let repeated = if set.is_empty() && names.len() < SMALL_OBJECT {
                names.contains(&name)
            } else {
                set.extend(names.drain(..));
                set.contains(&name)
            };
            if repeated {
                let shown: String = name.chars().take(64).collect();
                return Err(A::Error::custom(format!(
                    "the member {shown:?} appears twice in one object"
                )));
            }
            map.next_value_seed(Walk)?;
            if set.is_empty() {
                names.push(name);
            } else {
                set.insert(name);
            }
        }
        Ok(())
    }
}

/// Members an object may have before its names go into a hash set.
const SMALL_OBJECT: usize = 16;

/// A member name: borrowed from the input when it has no escapes.
struct Name;

impl<'de> DeserializeSeed<'de> for Name {
    type Value = Cow<'de, str>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Cow<'de, str>, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Name {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a member name")
    }

    fn visit_borrowed_str<E: Error>(self, v: &'de str) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Borrowed(v))
    }

    fn visit_str<E: Error>(self, v: &str) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Owned(v.to_string()))
    }

    fn visit_string<E: Error>(self, v: String) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Owned(v))
    }
}

/// A JSON value read as `serde_json::Value` reads it, but refusing an object that repeats a
/// member name (the error names it, as [`check_unique_keys`] does). For `deserialize_with` on
/// signed payloads: the check costs nothing beyond building the value, where a separate walk
/// reads the text a second time (a tenth of a large bundle's replay, docs/design.md "Replay
/// throughput").
pub fn unique_value<'de, D: Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
    UniqueValue.deserialize(d)
}

/// The seed and visitor of [`unique_value`].
struct UniqueValue;

impl<'de> DeserializeSeed<'de> for UniqueValue {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for UniqueValue {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any valid JSON value")
    }

    fn visit_bool<E: Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E: Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E: Error>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_f64<E: Error>(self, v: f64) -> Result<Value, E> {
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E: Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }

    fn visit_string<E: Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_none<E: Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        self.deserialize(d)
    }

    fn visit_unit<E: Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
        while let Some(v) = seq.next_element_seed(UniqueValue)? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        // While the names come in order (as canonical JSON has them), none can repeat an
        // earlier one and the map is built at the end in one pass; searching the map for each
        // name took a twentieth of a large bundle's replay. From the first name out of order on,
        // each is looked for in the map as it is read.
        let mut sorted: Vec<(String, Value)> = Vec::new();
        while let Some(name) = map.next_key::<String>()? {
            let value = map.next_value_seed(UniqueValue)?;
            if sorted.last().is_some_and(|(last, _)| *last >= name) {
                let mut out: Map<String, Value> = sorted.into_iter().collect();
                insert_unique::<A>(&mut out, name, value)?;
                while let Some(name) = map.next_key::<String>()? {
                    let value = map.next_value_seed(UniqueValue)?;
                    insert_unique::<A>(&mut out, name, value)?;
                }
                return Ok(Value::Object(out));
            }
            sorted.push((name, value));
        }
        Ok(Value::Object(sorted.into_iter().collect()))
    }
}

/// Inserts `name: value` into `map`; an error naming it when the map already held it.
fn insert_unique<'de, A: MapAccess<'de>>(
    map: &mut Map<String, Value>,
    name: String,
    value: Value,
) -> Result<(), A::Error> {
    match map.entry(name) {
        serde_json::map::Entry::Vacant(e) => {
            e.insert(value);
            Ok(())
        }
        serde_json::map::Entry::Occupied(e) => {
            let shown: String = e.key().chars().take(64).collect();
            Err(A::Error::custom(format!(
                "the member {shown:?} appears twice in one object"
            )))
        }
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

    /// Past [`SMALL_OBJECT`] members the names move to a set: a repeat is found on either side
    /// of the move, and distinct names pass.
    #[test]
    fn large_objects_are_checked_as_small_ones() {
        let members = |n: usize| (0..n).map(|i| format!("\"m{i}\":{i}")).collect::<Vec<_>>();
        for n in [SMALL_OBJECT - 1, SMALL_OBJECT, SMALL_OBJECT + 1, 100] {
            let ok = format!("{{{}}}", members(n).join(","));
            assert!(check_unique_keys(ok.as_bytes()).is_ok(), "{n}");
            for at in [0, n / 2, n - 1] {
                let mut m = members(n);
                m.push(format!("\"m{at}\":0"));
                let bad = format!("{{{}}}", m.join(","));
                let e = check_unique_keys(bad.as_bytes()).expect_err(&bad);
                assert!(e.contains(&format!("\"m{at}\" appears twice")), "{e}");
            }
        }
    }

    /// [`unique_value`] reads what `serde_json::Value` reads, and refuses a repeated name at
    /// any depth, naming it, where `Value` keeps the last copy.
    #[test]
    fn unique_value_reads_as_value_does_and_refuses_repeats() {
        let read = |t: &str| unique_value(&mut serde_json::Deserializer::from_str(t));
        for text in [
            r#"{"a":1,"b":[{"a":2},{"a":3}],"c":{"d":null},"e":-7,"f":1.5e300,"g":"\u00e9"}"#,
            r#"[true,false,null,18446744073709551615,-9223372036854775808,0.1,"x",[],{}]"#,
            r#""text""#,
            "12",
        ] {
            let want: Value = serde_json::from_str(text).expect(text);
            assert_eq!(read(text).expect(text), want, "{text}");
        }
        for (text, name) in [
            (r#"{"a":1,"a":2}"#, "a"),
            (
                r#"{"x":[{"order_digest":"00","order_digest":"11"}]}"#,
                "order_digest",
            ),
            (r#"{"\u0061":1,"a":2}"#, "a"),
        ] {
            let e = read(text).expect_err(text).to_string();
            assert!(
                e.contains(&format!("\"{name}\" appears twice")),
                "{text}: {e}"
            );
        }
        let deep = "[".repeat(10_000) + &"]".repeat(10_000);
        assert!(read(&deep).is_err(), "the recursion limit holds");
    }

    /// Names in order, out of order from any point, and a repeat anywhere: the value is what
    /// `serde_json::Value` reads, or the error names the repeated name.
    #[test]
    fn members_in_any_order_read_as_value_does() {
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = |n: usize| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % n as u64) as usize
        };
        let read = |t: &str| unique_value(&mut serde_json::Deserializer::from_str(t));
        for round in 0..500 {
            let n = 1 + next(24);
            let mut names: Vec<String> = (0..n).map(|i| format!("m{i:02}")).collect();
            // Sorted, reversed, or sorted up to a point and then shuffled.
            match round % 3 {
                0 => {}
                1 => names.reverse(),
                _ => {
                    let from = next(n);
                    for i in (from + 1..n).rev() {
                        let j = from + next(i - from + 1);
                        names.swap(i, j);
                    }
                }
            }
            let repeat = (round % 2 == 1).then(|| names[next(n)].clone());
            if let Some(name) = &repeat {
                let at = next(names.len() + 1);
                names.insert(at, name.clone());
            }
            let members: Vec<String> = names
                .iter()
                .enumerate()
                .map(|(i, name)| format!("\"{name}\":{i}"))
                .collect();
            let text = format!("{{{}}}", members.join(","));
            match repeat {
                None => {
                    let want: Value = serde_json::from_str(&text).expect(&text);
                    assert_eq!(read(&text).expect(&text), want, "{text}");
                }
                Some(name) => {
                    let e = read(&text).expect_err(&text).to_string();
                    assert!(
                        e.contains(&format!("\"{name}\" appears twice")),
                        "{text}: {e}"
                    );
                }
            }
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
