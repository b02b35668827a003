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
        const CONFLICTS: [&str; 10] = [
            "already_revoked",
            "bad_transition",
            "party_exists",
            "key_exists",
            "not_an_arbitrator",
            "request_id_reused",
            "already_settled",
            "already_released",
            "forbidden",
            "unauthorized",
        ];
        const INPUT: [&str; 8] = [
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

/// The string literals that follow `marker` in `text` (skipping white space).
fn literals_after<'a>(text: &'a str, marker: &str) -> Vec<&'a str> {
    text.match_indices(marker)
        .filter_map(|(at, m)| {
            let rest = text[at + m.len()..].trim_start().strip_prefix('"')?;
            rest.split('"').next()
        })
        .collect()
}

/// The `=> "code"` arms of the `fn code(&self)` in `text`.
fn code_fn_arms(text: &str) -> Vec<&str> {
    let start = text
        .find("pub fn code(&self) -> &'static str {")
        .expect("a code() function");
    let body = &text[start..];
    let body = &body[..body.find("\n    }\n").expect("its end")];
    literals_after(body, "=>")
}

/// Every code the notary names (in `NotaryError::code`, its constructors' arguments, the
/// certificate errors it passes on) is one of ours: none is answered as `internal` by mistake.
#[test]
fn every_code_the_notary_names_is_known() {
    let sources = [
        include_str!("../../notary/agreements.rs"),
        include_str!("../../notary/guarantees.rs"),
        include_str!("../../notary/parties.rs"),
        include_str!("../../notary/mod.rs"),
    ];
    let mut codes = vec!["already_settled", "already_released"];
    for text in sources {
        for marker in ["NotaryError::invalid(", "NotaryError::unknown(", "code: "] {
            codes.extend(literals_after(text, marker));
        }
    }
    codes.extend(code_fn_arms(include_str!("../../notary/mod.rs")));
    codes.extend(code_fn_arms(include_str!("../../crypto/x509.rs")));
    // One found by each way of naming a code, so a broken scan does not pass silently.
    for found in [
        "bad_name",
        "unknown_policy",
        "not_due",
        "storage_failure",
        "not_a_ca",
    ] {
        assert!(codes.contains(&found), "the scan missed {found}: {codes:?}");
    }
    for code in codes {
        assert!(parse(code).is_some(), "{code} is not an ErrorCode");
    }
}

#[test]
fn notary_errors_keep_their_code() {
    let e = NotaryError::Conflict {
        code: "already_revoked",
        message: "no".into(),
    };
    assert_eq!(ErrorCode::of(&e), ErrorCode::AlreadyRevoked);
    assert_eq!(
        ErrorCode::of(&NotaryError::Overloaded),
        ErrorCode::Overloaded
    );
    let odd = NotaryError::Conflict {
        code: "no_such_code",
        message: "no".into(),
    };
    assert_eq!(ErrorCode::of(&odd), ErrorCode::Internal);
}
