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

/// What `parse` makes of the envelopes at `indexes` (the bodies of their log leaves), in
/// order; `parse` also gives each one's `payload.log_index`, which must be its own index.
fn from_leaves<T>(
    store: &Store,
    indexes: &[u64],
    parse: impl Fn(&str) -> Result<(T, Option<u64>), serde_json::Error>,
) -> Result<Vec<T>, NotaryError> {
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
            let (made, index) =
                parse(body.body.get()).map_err(|e| corrupt(format!("body: {e}")))?;
            if index != Some(*at) {
                return Err(corrupt("its body is not the envelope signed at it".into()));
            }
            Ok(made)
        })
        .collect()
}

/// The canonical bytes of the envelopes at `indexes`, in order.
pub(crate) fn envelope_texts(store: &Store, indexes: &[u64]) -> Result<Vec<String>, NotaryError> {
    from_leaves(store, indexes, |text| {
        let env: IndexOnly = serde_json::from_str(text)?;
        Ok((text.to_string(), env.payload.log_index))
    })
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
    let mut found = from_leaves(store, &at, |text| {
        let env: Envelope = serde_json::from_str(text)?;
        let index = env.payload.get("log_index").and_then(|i| i.as_u64());
        Ok((env, index))
    })?
    .into_iter();
    signed
        .into_iter()
        .map(|s| match s {
            Signed::Inline(env) => Ok(env),
            Signed::At { .. } => found
                .next()
                .ok_or_else(|| NotaryError::Bug("resolve".into())),
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

    #[test]
    fn a_leaf_that_does_not_hold_its_envelope_is_corruption() {
        let tmp = tempfile::tempdir().expect("tmp");
        let store = Store::create(&tmp.path().join("db")).expect("store");
        let mut batch = crate::store::Batch::new();
        for (i, logged) in [(3u64, 3u64), (4, 9)] {
            let body = format!(
                r#"{{"kind":"guarantee","payload":{{"log_index":{logged}}},"signatures":[]}}"#
            );
            let leaf = format!(r#"{{"body":{body},"kind":"guarantee","logged_at":"t"}}"#);
            store.put(&mut batch, Cf::LogLeaves, &u64_key(i), leaf.as_bytes());
        }
        store.write(batch).expect("write");
        let texts = envelope_texts(&store, &[3]).expect("leaf 3 holds it");
        assert_eq!(
            texts[0],
            r#"{"kind":"guarantee","payload":{"log_index":3},"signatures":[]}"#
        );
        let got = resolve(&store, vec![Signed::At { at: 3 }]).expect("resolves");
        assert_eq!(got[0].payload["log_index"], 3);
        for at in [4, 5] {
            // Leaf 4 holds the envelope of index 9; there is no leaf 5.
            let err = resolve(&store, vec![Signed::At { at }]).unwrap_err();
            assert!(matches!(err, NotaryError::Corrupt(_)), "{err}");
            assert!(envelope_texts(&store, &[at]).is_err());
        }
    }
}
