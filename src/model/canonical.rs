//! Canonical JSON (RFC 8785, JCS) for the payloads notar signs and logs.
//!
//! Our payloads hold only strings, integers, booleans, arrays and objects (docs/design.md §4). For such
//! values JCS is: object members sorted by key, no insignificant white space, the shortest string
//! escapes. serde_json (without `preserve_order`) keeps objects in a BTreeMap, sorted by key bytes
//! (for keys in the Basic Multilingual Plane that is the UTF-16 order JCS asks for, and our keys are
//! ASCII), writes no white space and escapes strings as JCS does, so it suffices once floats are
//! refused. That refusal is the one rule added here.

use serde::Serialize;
use serde_json::Value;

/// Why a value has no canonical form.
#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
pub enum CanonicalError {
    /// Floats are not allowed in signed payloads: money is integer minor units.
    #[error("floating-point number in a signed payload")]
    Float,
    /// The value could not be turned into JSON at all.
    #[error("not serialisable: {0}")]
    Serialise(String),
    /// Nested deeper than any payload of ours.
    #[error("nested deeper than {0} levels")]
    TooDeep(usize),
}

/// Deepest nesting a signed payload may have.
pub const DEPTH_MAX: usize = 32;

/// The canonical bytes of `value`.
pub fn to_canonical_json<T: Serialize>(value: &T) -> Result<Vec<u8>, CanonicalError> {
    let v = serde_json::to_value(value).map_err(|e| CanonicalError::Serialise(e.to_string()))?;
    check(&v)?;
    serde_json::to_vec(&v).map_err(|e| CanonicalError::Serialise(e.to_string()))
}

/// [`to_canonical_json`] of a JSON value, without first copying it: the same bytes.
pub fn canonical_value(value: &Value) -> Result<Vec<u8>, CanonicalError> {
    check(value)?;
    serde_json::to_vec(value).map_err(|e| CanonicalError::Serialise(e.to_string()))
}

/// Appends [`canonical_value`] of `value` to `out`: for writers that put canonical parts
/// together without building a tree of the whole (an envelope, `crypto::envelope`).
pub fn write_canonical_value(out: &mut Vec<u8>, value: &Value) -> Result<(), CanonicalError> {
    check(value)?;
    serde_json::to_writer(out, value).map_err(|e| CanonicalError::Serialise(e.to_string()))
}

/// The bytes a signature over `payload` of `kind` covers: `"notar/v1/" + kind + "\n" + JCS(payload)`
/// (docs/design.md §4). One definition: envelopes are signed over it and a fair exchange's tid
/// is the SHA-256 of its offer's.
pub fn signing_bytes<T: Serialize>(kind: &str, payload: &T) -> Result<Vec<u8>, CanonicalError> {
    Ok(signing_bytes_of(kind, &to_canonical_json(payload)?))
}

/// [`signing_bytes`] from a payload's canonical bytes already made (replay slices them out of
/// the envelope's own canonical bytes).
pub fn signing_bytes_of(kind: &str, canonical_payload: &[u8]) -> Vec<u8> {
    let mut out = format!("notar/v1/{kind}\n").into_bytes();
    out.extend_from_slice(canonical_payload);
    out
}

/// Appends `s` as a JSON string as JCS writes it (serde_json's string escapes are JCS's): for
/// writers that put an object's canonical bytes together member by member.
pub fn write_str(out: &mut Vec<u8>, s: &str) -> Result<(), CanonicalError> {
    serde_json::to_writer(out, s).map_err(|e| CanonicalError::Serialise(e.to_string()))
}

/// Whether `value` has a canonical form, without writing it: what [`canonical_value`] would
/// refuse (a float, nesting deeper than [`DEPTH_MAX`]). For a caller that must know now and
/// writes later (the notary decides on its sequencer and signs on its worker pool).
pub fn check_canonical(value: &Value) -> Result<(), CanonicalError> {
    check(value)
}

/// Refuses floats and excessive depth. Recursive: the depth is bounded by [`DEPTH_MAX`] before
/// each step down, so the stack is too.
fn check(root: &Value) -> Result<(), CanonicalError> {
    fn walk(v: &Value, depth: usize) -> Result<(), CanonicalError> {
        if depth > DEPTH_MAX {
            return Err(CanonicalError::TooDeep(DEPTH_MAX));
        }
        match v {
            Value::Number(n) if !(n.is_i64() || n.is_u64()) => Err(CanonicalError::Float),
            Value::Array(items) => items.iter().try_for_each(|i| walk(i, depth + 1)),
            Value::Object(map) => map.values().try_for_each(|i| walk(i, depth + 1)),
            _ => Ok(()),
        }
    }
    walk(root, 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn members_are_sorted_and_compact() {
        let v = json!({"b": 1, "a": {"z": [true, null], "c": "x"}});
        assert_eq!(
            to_canonical_json(&v).expect("ok"),
            br#"{"a":{"c":"x","z":[true,null]},"b":1}"#
        );
    }

    #[test]
    fn strings_use_jcs_escapes() {
        let v = json!({"s": "\u{1}\n\"\\é€"});
        assert_eq!(
            String::from_utf8(to_canonical_json(&v).expect("ok")).expect("utf8"),
            "{\"s\":\"\\u0001\\n\\\"\\\\é€\"}"
        );
    }

    #[test]
    fn floats_are_refused() {
        assert_eq!(
            to_canonical_json(&json!({"x": 1.5})),
            Err(CanonicalError::Float)
        );
    }

    #[test]
    fn depth_is_bounded() {
        let mut v = json!(1);
        for _ in 0..40 {
            v = json!([v]);
        }
        assert_eq!(
            to_canonical_json(&v),
            Err(CanonicalError::TooDeep(DEPTH_MAX))
        );
    }
}
