//! How a bundle [`Item`] is read: as one flat object whose `type` says which fields it must and
//! may have, checked after. The same items are accepted and refused as by serde's internally
//! tagged enum (an unknown or foreign field, a missing one, a `null` where a string belongs are
//! refused; a document's `content` may be `null`), but each field is read once, straight into its
//! type: the tagged enum first buffers every item as a generic tree and reads it a second time,
//! which was a tenth of a large bundle's replay (docs/design.md, "Replay throughput").

use serde::{Deserialize, Deserializer};

use super::format::Item;
use crate::crypto::envelope::Envelope;

/// The `type` of an item.
#[derive(Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Type {
    PartyEnvelope,
    NotaryEnvelope,
    Rfc3161Token,
    Document,
}

impl Type {
    fn name(self) -> &'static str {
        match self {
            Type::PartyEnvelope => "party_envelope",
            Type::NotaryEnvelope => "notary_envelope",
            Type::Rfc3161Token => "rfc3161_token",
            Type::Document => "document",
        }
    }
}

/// Every field any item type has; `None` when absent (a present `null` is not absent: see
/// [`present`]).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ItemWire {
    #[serde(rename = "type")]
    kind: Type,
    id: String,
    #[serde(default, deserialize_with = "present")]
    envelope: Option<Envelope>,
    #[serde(default, deserialize_with = "present")]
    proof: Option<String>,
    #[serde(default, deserialize_with = "present")]
    token: Option<String>,
    #[serde(default, deserialize_with = "present")]
    imprint: Option<String>,
    #[serde(default, deserialize_with = "present")]
    sha256: Option<String>,
    #[serde(default, deserialize_with = "present")]
    name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    media_type: Option<String>,
    #[serde(default, deserialize_with = "present")]
    content: Option<Option<String>>,
}

/// A field that is there: `T` read from its value (so `null` is refused unless `T` takes it).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

impl TryFrom<ItemWire> for Item {
    type Error = String;

    fn try_from(w: ItemWire) -> Result<Item, String> {
        let t = w.kind;
        let foreign = [
            ("envelope", w.envelope.is_some()),
            ("proof", w.proof.is_some()),
            ("token", w.token.is_some()),
            ("imprint", w.imprint.is_some()),
            ("sha256", w.sha256.is_some()),
            ("name", w.name.is_some()),
            ("media_type", w.media_type.is_some()),
            ("content", w.content.is_some()),
        ];
        let own: &[&str] = match t {
            Type::PartyEnvelope => &["envelope"],
            Type::NotaryEnvelope => &["envelope", "proof"],
            Type::Rfc3161Token => &["token", "imprint"],
            Type::Document => &["sha256", "name", "media_type", "content"],
        };
        if let Some((field, _)) = foreign.iter().find(|(f, there)| *there && !own.contains(f)) {
            return Err(format!("unknown field `{field}` in a {} item", t.name()));
        }
        let need = |v: Option<String>, field: &str| {
            v.ok_or_else(|| format!("missing field `{field}` in a {} item", t.name()))
        };
        let envelope = |v: Option<Envelope>| {
            v.ok_or_else(|| format!("missing field `envelope` in a {} item", t.name()))
        };
        Ok(match t {
            Type::PartyEnvelope => Item::PartyEnvelope {
                id: w.id,
                envelope: envelope(w.envelope)?,
            },
            Type::NotaryEnvelope => Item::NotaryEnvelope {
                id: w.id,
                envelope: envelope(w.envelope)?,
                proof: need(w.proof, "proof")?,
            },
            Type::Rfc3161Token => Item::Rfc3161Token {
                id: w.id,
                token: need(w.token, "token")?,
                imprint: need(w.imprint, "imprint")?,
            },
            Type::Document => Item::Document {
                id: w.id,
                sha256: need(w.sha256, "sha256")?,
                name: need(w.name, "name")?,
                media_type: need(w.media_type, "media_type")?,
                content: w.content.flatten(),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    /// serde's internally tagged reading of the same items: the rule the flat one keeps.
    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
    enum Tagged {
        PartyEnvelope {
            id: String,
            envelope: Envelope,
        },
        NotaryEnvelope {
            id: String,
            envelope: Envelope,
            proof: String,
        },
        Rfc3161Token {
            id: String,
            token: String,
            imprint: String,
        },
        Document {
            id: String,
            sha256: String,
            name: String,
            media_type: String,
            #[serde(default)]
            content: Option<String>,
        },
    }

    fn env() -> serde_json::Value {
        json!({"kind": "order", "payload": {"a": 1}, "signatures": []})
    }

    #[test]
    fn accepts_and_refuses_what_the_tagged_enum_does() {
        let cases = [
            json!({"type": "party_envelope", "id": "a", "envelope": env()}),
            json!({"id": "a", "envelope": env(), "type": "notary_envelope", "proof": "p"}),
            json!({"type": "rfc3161_token", "id": "a", "token": "t", "imprint": "i"}),
            json!({"type": "document", "id": "a", "sha256": "s", "name": "n", "media_type": "m"}),
            json!({"type": "document", "id": "a", "sha256": "s", "name": "n", "media_type": "m",
                   "content": null}),
            json!({"type": "document", "id": "a", "sha256": "s", "name": "n", "media_type": "m",
                   "content": "Yg=="}),
            // Refused: foreign, unknown, missing, null, wrong type.
            json!({"type": "party_envelope", "id": "a", "envelope": env(), "proof": "p"}),
            json!({"type": "party_envelope", "id": "a", "envelope": env(), "proof": null}),
            json!({"type": "party_envelope", "id": "a", "envelope": env(), "x": 1}),
            json!({"type": "notary_envelope", "id": "a", "envelope": env()}),
            json!({"type": "notary_envelope", "id": "a", "envelope": env(), "proof": null}),
            json!({"type": "rfc3161_token", "id": "a", "token": "t"}),
            json!({"type": "rfc3161_token", "id": "a", "token": 1, "imprint": "i"}),
            json!({"type": "document", "id": "a", "sha256": "s", "name": "n"}),
            json!({"type": "letter", "id": "a"}),
            json!({"id": "a", "envelope": env()}),
            json!({"type": "party_envelope", "envelope": env()}),
            json!(["party_envelope", "a"]),
        ];
        for case in cases {
            let text = case.to_string();
            let flat: Result<Item, _> = serde_json::from_str(&text);
            let tagged: Result<Tagged, _> = serde_json::from_str(&text);
            assert_eq!(
                flat.is_ok(),
                tagged.is_ok(),
                "{text}: {flat:?} / {tagged:?}"
            );
            if let Ok(item) = flat {
                let again: Tagged =
                    serde_json::from_slice(&serde_json::to_vec(&item).expect("ser"))
                        .expect("what is read writes back the same");
                assert_eq!(again, tagged.expect("ok"), "{text}");
            }
        }
    }
}
