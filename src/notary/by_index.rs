//! Signed envelopes named by their log index. Every envelope the notary signs is the body of its
//! log leaf, byte for byte, so records that keep one (a guarantee record, a stored answer, the
//! answer to an order) write `{"at": LOG_INDEX}` instead of another copy and read the envelope
//! back from the leaf. A guarantee used to be written four times (leaf, record, stored answer,
//! order answer: 5.3 KB per guarantee for 1.1 KB logged; BENCHMARKS.md "What a durable
//! guarantee writes"). Records written before carry the envelope itself, and read as before.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::NotaryError;
use crate::crypto::envelope::Envelope;
use crate::store::{u64_key, Cf, Store};

/// A signed envelope in a stored record: where it is in the log, or (records written before
/// 2026-12-01) the envelope itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub(crate) enum Signed<E = Envelope> {
    /// The body of log leaf `at`.
    At {
        /// Its log index.
        at: u64,
    },
    /// The envelope, inline.
    Inline(E),
}

impl Signed {
    /// How `env` is stored: by the log index its payload carries (every envelope the notary signs
    /// carries the index of the leaf it is the body of), inline when it has none.
    pub fn of(env: &Envelope) -> Signed<&Envelope> {
        match env.payload.get("log_index").and_then(|v| v.as_u64()) {
            Some(at) => Signed::At { at },
            None => Signed::Inline(env),
        }
    }
}

/// The leaf bytes' body member, borrowed (the rest of the leaf is not needed).
#[derive(Deserialize)]
struct LeafBody<'a> {
    #[serde(borrow)]
    body: &'a RawValue,
}

/// The canonical bytes of the envelopes at `indexes` (the bodies of their log leaves), in order;
/// each is checked to carry its own index.
pub(crate) fn envelope_texts(store: &Store, indexes: &[u64]) -> Result<Vec<String>, NotaryError> {
    if indexes.is_empty() {
        return Ok(Vec::new());
    }
    let keys: Vec<Vec<u8>> = indexes.iter().map(|i| u64_key(*i).to_vec()).collect();
    let leaves = store.multi_get(Cf::LogLeaves, &keys)?;
    indexes
        .iter()
        .zip(leaves)
        .map(|(at, leaf)| {
            let corrupt = |why: String| NotaryError::Corrupt(format!("log entry {at}: {why}"));
            let leaf = leaf.ok_or_else(|| corrupt("missing, but a record names it".into()))?;
            let body: LeafBody<'_> =
                serde_json::from_slice(&leaf).map_err(|e| corrupt(e.to_string()))?;
            let text = body.body.get();
            let env: IndexOnly =
                serde_json::from_str(text).map_err(|e| corrupt(format!("body: {e}")))?;
            if env.payload.log_index != Some(*at) {
                return Err(corrupt("its body is not the envelope signed at it".into()));
            }
            Ok(text.to_string())
        })
        .collect()
}

/// An envelope's `payload.log_index`, the rest skipped.
#[derive(Deserialize)]
struct IndexOnly {
    payload: PayloadIndex,
}

#[derive(Deserialize)]
struct PayloadIndex {
    log_index: Option<u64>,
}

/// The envelopes `signed` name, parsed: inline ones as they are, the others from their leaves.
pub(crate) fn resolve(store: &Store, signed: Vec<Signed>) -> Result<Vec<Envelope>, NotaryError> {
    let at: Vec<u64> = signed
        .iter()
        .filter_map(|s| match s {
            Signed::At { at } => Some(*at),
            Signed::Inline(_) => None,
        })
        .collect();
    let mut texts = envelope_texts(store, &at)?.into_iter();
    signed
        .into_iter()
        .map(|s| match s {
            Signed::Inline(env) => Ok(env),
            Signed::At { at } => {
                let text = texts
                    .next()
                    .ok_or_else(|| NotaryError::Bug("resolve".into()))?;
                serde_json::from_str(&text)
                    .map_err(|e| NotaryError::Corrupt(format!("log entry {at}: body: {e}")))
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn env(payload: serde_json::Value) -> Envelope {
        Envelope {
            kind: "guarantee".into(),
            payload,
            signatures: Vec::new(),
        }
    }

    #[test]
    fn stored_forms() {
        let with = env(json!({"guarantee_id": "g", "log_index": 12}));
        assert_eq!(
            serde_json::to_string(&Signed::of(&with)).unwrap(),
            r#"{"at":12}"#
        );
        let without = env(json!({"guarantee_id": "g"}));
        let inline = serde_json::to_string(&Signed::of(&without)).unwrap();
        assert_eq!(inline, serde_json::to_string(&without).unwrap());
        // Both read back, the old inline form as the envelope.
        let back: Signed = serde_json::from_str(&inline).unwrap();
        assert_eq!(back, Signed::Inline(without));
        let back: Signed = serde_json::from_str(r#"{"at":12}"#).unwrap();
        assert_eq!(back, Signed::At { at: 12 });
        assert!(serde_json::from_str::<Signed>(r#"{"at":-1}"#).is_err());
    }
}
