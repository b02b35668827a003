use super::*;

use serde::de::{Error as _, Visitor};

/// A deserializer that only records the variant names an enum asks for.
struct VariantNames<'a>(&'a mut &'static [&'static str]);

impl<'de> serde::Deserializer<'de> for VariantNames<'_> {
    type Error = serde::de::value::Error;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
        Err(Self::Error::custom("not an enum"))
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        variants: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Self::Error> {
        *self.0 = variants;
        Err(Self::Error::custom("names read"))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map struct identifier
        ignored_any
    }
}

/// Every code, as serde's derive lists them (so a new one is never missed here).
fn all() -> Vec<ErrorCode> {
    let mut names: &'static [&'static str] = &[];
    assert!(ErrorCode::deserialize(VariantNames(&mut names)).is_err());
    assert!(names.len() > 40, "{names:?}");
    names
        .iter()
        .map(|n| parse(n).unwrap_or_else(|| panic!("{n}")))
        .collect()
}

fn parse(code: &str) -> Option<ErrorCode> {
    serde_json::from_value(serde_json::Value::String(code.into())).ok()
}

#[test]
fn display_is_the_wire_name() {
    for code in all() {
        let wire = serde_json::to_value(code).expect("json");
        assert_eq!(wire.as_str(), Some(code.to_string().as_str()));
        assert_eq!(parse(&code.to_string()), Some(code));
    }
}

/// The CLI's former rule (a list of conflicts, a list of input codes, and the prefixes `bad_`,
/// `unknown_`, `certificate_`): the enum keeps every code in the class it had.
#[test]
fn exit_classes_are_those_of_the_former_prefix_rule() {
    fn former(code: &str) -> bool {
        const CONFLICTS: [&str; 24] = [
            "already_ruled",
            "response_pending",
            "awaiting_confirmation",
            "no_proposal",
            "same_arbitrator",
            "not_originator",
            "not_a_party",
            "wrong_side",
            "not_respondent",
            "response_too_late",
            "already_answered",
            "complaint_settled",
            "key_revoked",
            "already_revoked",
            "bad_transition",
            "party_exists",
            "key_exists",
            "not_an_arbitrator",
            "request_id_reused",
            "already_settled",
            "already_released",
            "guarantee_lapsed",
            "forbidden",
            "unauthorized",
        ];
        const INPUT: [&str; 13] = [
            "wrong_notary",
            "malformed_exchange",
            "malformed_complaint",
            "too_many_evidence_items",
            "evidence_too_large",
            "crl_unparsable",
            "not_a_ca",
            "unsupported_key",
            "not_a_buyer",
            "no_keys",
            "not_found",
            "malformed_order",
            "data_dir",
        ];
        !CONFLICTS.contains(&code)
            && (INPUT.contains(&code)
                || code.starts_with("bad_")
                || code.starts_with("unknown_")
                || code.starts_with("certificate_"))
    }
    for code in all() {
        assert_eq!(code.is_input_error(), former(&code.to_string()), "{code}");
    }
}

#[test]
fn every_exchange_refusal_has_its_code() {
    for r in ExchangeRefusal::ALL {
        assert_eq!(ErrorCode::from(r).to_string(), r.code());
    }
}
