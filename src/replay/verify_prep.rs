//! What [`super::verify`] makes once per item before its checks ([`Prepared`]): the id check,
//! the envelope's JSON and canonical bytes, its signing input, and the verdict on each signature
//! by a key that counts for it, every signature of a core's part checked in one batch.

use base64::Engine;
use serde::Deserialize;
use serde_json::value::RawValue;

use super::{short, Ctx, Item};
use crate::crypto::envelope::{Envelope, EnvelopeError};
use crate::crypto::zip215::{verify_all, Check, Key};
use crate::model::canonical::{signing_bytes_of, CanonicalError};
use crate::model::entry::{EntryKind, LogEntry};
use crate::replay::format::{envelope_id, hex_sha256};

/// What is made once per item before its checks: the result of [`check_id`], and for an
/// envelope its JSON and canonical bytes (one copy of the payload for the id, the signing input
/// and the log entry comparison), its signing input, and the verdict on each signature by a key
/// that counts for it ([`Ctx::signatures`]).
pub(super) struct Prepared {
    id: Result<(), String>,
    msg: Option<Result<Vec<u8>, CanonicalError>>,
    bytes: Option<Result<Vec<u8>, CanonicalError>>,
    sigs: Vec<(String, Result<(), String>)>,
}

impl Prepared {
    fn new(item: &Item) -> Prepared {
        let Some(env) = item_envelope(item) else {
            return Prepared {
                id: check_id(item, None),
                msg: None,
                bytes: None,
                sigs: Vec::new(),
            };
        };
        // `to_canonical_json(env)` and `signing_input(kind, payload)`, from one serialisation.
        let parts = env.to_bytes_and_payload();
        let msg = parts
            .as_ref()
            .map_err(Clone::clone)
            .map(|(bytes, payload)| signing_bytes_of(&env.kind, &bytes[payload.clone()]));
        let bytes = parts.map(|(bytes, _)| bytes);
        let id = check_id(item, Some(&bytes));
        Prepared {
            id,
            msg: Some(msg),
            bytes: Some(bytes),
            sigs: Vec::new(),
        }
    }

    /// The id check's result.
    pub(super) fn id(&self) -> Result<(), String> {
        self.id.clone()
    }

    /// Whether the log entry `leaf` holds `env`: its `logged_at` when its kind and body are the
    /// envelope's. The body is compared as JSON; when it is the envelope's canonical bytes (as
    /// the notary logs it) that settles it without building the JSON again.
    pub(super) fn leaf_holds(&self, leaf: &[u8], env: &Envelope) -> Result<String, String> {
        let bytes = match &self.bytes {
            Some(Ok(b)) => b.as_slice(),
            Some(Err(e)) => {
                // The order of the checks: a leaf that does not parse is named first.
                serde_json::from_slice::<LogEntry>(leaf)
                    .map_err(|e| format!("the proof's log entry does not parse: {e}"))?;
                return Err(e.to_string());
            }
            None => return Err("the proof's log entry does not hold this envelope".into()),
        };
        held_after_body(leaf, bytes, env).unwrap_or_else(|| held_whole(leaf, bytes, env))
    }

    /// The verdict on the signature by `kid`, as [`Envelope::verify_by`] words a failure.
    pub(super) fn signed(&self, kid: &str) -> Result<(), String> {
        self.sigs.iter().find(|(k, _)| k == kid).map_or_else(
            || Err(EnvelopeError::NotSignedBy(kid.into()).to_string()),
            |(_, v)| v.clone(),
        )
    }
}

impl Ctx {
    /// The items of `part`, each [`Prepared`], the signatures of all of them checked in one
    /// batch ([`verify_all`]).
    pub(super) fn prepare(&self, part: &[Item]) -> Vec<Prepared> {
        let mut prepared: Vec<Prepared> = part.iter().map(Prepared::new).collect();
        let verdicts = self.signatures(part, &prepared);
        for (at, kid, verdict) in verdicts {
            prepared[at].sigs.push((kid, verdict));
        }
        prepared
    }

    /// `(item, key id, verdict)` for each signature of `part` by a key that counts for its
    /// item: a notary envelope's by the notary's key; a party envelope's by each of its signers'
    /// keys the registry registers, and the notary's.
    fn signatures(
        &self,
        part: &[Item],
        prepared: &[Prepared],
    ) -> Vec<(usize, String, Result<(), String>)> {
        let mut out = Vec::new();
        let mut checks = Vec::new();
        for (at, (item, p)) in part.iter().zip(prepared).enumerate() {
            let Some(env) = item_envelope(item) else {
                continue;
            };
            for (kid, key) in self.candidates(item, env) {
                let verdict = env.signature_by(kid).map_err(|e| e.to_string());
                let msg = match &p.msg {
                    Some(Ok(msg)) => Ok(msg),
                    Some(Err(e)) => Err(EnvelopeError::Canonical(e.clone()).to_string()),
                    None => Err(EnvelopeError::NotSignedBy(kid.into()).to_string()),
                };
                match verdict.and_then(|sig| msg.map(|m| (sig, m))) {
                    Ok((sig, msg)) => {
                        checks.push((out.len(), Check { key, sig, msg }));
                        out.push((at, kid.to_string(), Ok(())));
                    }
                    Err(e) => out.push((at, kid.to_string(), Err(e))),
                }
            }
        }
        let (slots, checks): (Vec<usize>, Vec<Check>) = checks.into_iter().unzip();
        for (slot, ok) in slots.into_iter().zip(verify_all(&checks)) {
            if !ok {
                let kid = out[slot].1.clone();
                out[slot].2 = Err(EnvelopeError::BadSignature(kid).to_string());
            }
        }
        out
    }

    /// The keys that count for `item`'s envelope, by id, once each, in the order the checks try
    /// them.
    fn candidates<'e>(&'e self, item: &Item, env: &'e Envelope) -> Vec<(&'e str, &'e Key)> {
        let notary = (self.notary_kid.as_str(), &self.notary_key);
        if matches!(item, Item::NotaryEnvelope { .. }) {
            return vec![notary];
        }
        let mut out: Vec<(&str, &Key)> = Vec::new();
        for kid in env.signer_key_ids() {
            if let Some((_, key)) = self.keys.get(kid) {
                if !out.iter().any(|(k, _)| *k == kid) {
                    out.push((kid, key));
                }
            }
        }
        if env.signer_key_ids().any(|k| k == self.notary_kid)
            && !out.iter().any(|(k, _)| *k == self.notary_kid)
        {
            out.push(notary);
        }
        out
    }
}

/// The item's id is the hash of its bytes (an envelope's canonical bytes given when made).
fn check_id(item: &Item, envelope: Option<&Result<Vec<u8>, CanonicalError>>) -> Result<(), String> {
    let computed = match (item, envelope) {
        (_, Some(bytes)) => {
            let bytes = bytes.as_ref().map_err(|e| format!("envelope: {e}"))?;
            hex_sha256(bytes)
        }
        (Item::PartyEnvelope { envelope, .. } | Item::NotaryEnvelope { envelope, .. }, None) => {
            envelope_id(envelope).map_err(|e| format!("envelope: {e}"))?
        }
        (Item::Rfc3161Token { token, .. }, None) => hex_sha256(
            &base64::engine::general_purpose::STANDARD
                .decode(token)
                .map_err(|_| "token is not base64")?,
        ),
        (Item::Document { sha256, .. }, None) => sha256.clone(),
    };
    if computed == item.id() {
        Ok(())
    } else {
        Err(format!(
            "its id is not the SHA-256 of its bytes ({})",
            short(&computed)
        ))
    }
}

/// A log entry as [`LogEntry`] reads it, its body left as the bytes it was.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LeafView<'a> {
    kind: EntryKind,
    logged_at: String,
    #[serde(default)]
    #[allow(dead_code)]
    operator: Option<String>,
    #[serde(borrow)]
    body: &'a RawValue,
}

/// [`Prepared::leaf_holds`] for a leaf whose envelope bytes are `bytes`, read whole: as
/// [`LeafView`] when its body is those bytes, else as a [`LogEntry`] compared as JSON.
fn held_whole(leaf: &[u8], bytes: &[u8], env: &Envelope) -> Result<String, String> {
    let view = serde_json::from_slice::<LeafView>(leaf).ok();
    let (kind, logged_at, same) = match view {
        Some(v) if v.body.get().as_bytes() == bytes => (v.kind, v.logged_at, true),
        _ => {
            let entry: LogEntry = serde_json::from_slice(leaf)
                .map_err(|e| format!("the proof's log entry does not parse: {e}"))?;
            let same = serde_json::to_value(env).is_ok_and(|body| entry.body == body);
            (entry.kind, entry.logged_at, same)
        }
    };
    if kind.as_str() != env.kind || !same {
        return Err("the proof's log entry does not hold this envelope".into());
    }
    Ok(logged_at)
}

/// [`held_whole`]'s answer for a leaf as the notary writes it (`{"body":`, the envelope's
/// bytes, a comma, the other members): only the members after the body are read (a large
/// bundle's leaves are mostly their bodies). `None` for any other leaf, which is read whole.
fn held_after_body(leaf: &[u8], bytes: &[u8], env: &Envelope) -> Option<Result<String, String>> {
    let members = leaf
        .strip_prefix(b"{\"body\":")?
        .strip_prefix(bytes)?
        .strip_prefix(b",")?;
    let mut tail = Vec::with_capacity(members.len() + 1);
    tail.push(b'{');
    tail.extend_from_slice(members);
    let t = serde_json::from_slice::<LeafTail>(&tail).ok()?;
    Some(match t.kind.as_str() == env.kind {
        true => Ok(t.logged_at),
        false => Err("the proof's log entry does not hold this envelope".into()),
    })
}

/// The members after the body of a leaf written as the notary writes it (`body` first, JCS
/// order), as [`LeafView`] reads them.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LeafTail {
    kind: EntryKind,
    logged_at: String,
    #[serde(default)]
    #[allow(dead_code)]
    operator: Option<String>,
}

/// The envelope of an envelope item.
fn item_envelope(item: &Item) -> Option<&Envelope> {
    match item {
        Item::PartyEnvelope { envelope, .. } | Item::NotaryEnvelope { envelope, .. } => {
            Some(envelope)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::entry::leaf_bytes;
    use ed25519_dalek::SigningKey;

    /// Whenever only the members after the body are read, the answer is the one of reading
    /// the leaf whole; leaves written otherwise are left to the whole read.
    #[test]
    fn reading_after_the_body_answers_as_reading_the_whole_leaf() {
        let key = SigningKey::from_bytes(&[7; 32]);
        let payload =
            serde_json::json!({"amount": {"currency": "EUR", "minor": 1200}, "log_index": 4});
        let (env, bytes) = Envelope::sign_to_bytes("guarantee", payload, &key).expect("sign");
        let body = String::from_utf8(bytes.clone()).expect("utf-8");
        let at = "\"2026-12-04T20:00:00.000Z\"";
        let leaf = |s: &str| s.replace("BODY", &body).replace("AT", at).into_bytes();
        let written = leaf_bytes(
            EntryKind::Guarantee,
            "2026-12-04T20:00:00.000Z",
            None,
            &bytes,
        )
        .expect("leaf");
        let by_operator = leaf_bytes(
            EntryKind::Guarantee,
            "2026-12-04T20:00:00.000Z",
            Some("olga"),
            &bytes,
        )
        .expect("leaf");
        let read_after = [
            (written.clone(), Ok("2026-12-04T20:00:00.000Z")),
            (by_operator, Ok("2026-12-04T20:00:00.000Z")),
            (
                leaf(r#"{"body":BODY,"kind":"revocation","logged_at":AT}"#),
                Err(()),
            ),
            (
                leaf(r#"{"body":BODY,"logged_at":AT,"kind":"guarantee"}"#),
                Ok("2026-12-04T20:00:00.000Z"),
            ),
            (
                leaf(r#"{"body":BODY, "kind":"guarantee","logged_at":AT}"#),
                Ok("2026-12-04T20:00:00.000Z"),
            ),
        ];
        for (text, want) in read_after {
            let shown = String::from_utf8_lossy(&text).into_owned();
            let fast = held_after_body(&text, &bytes, &env).expect(&shown);
            assert_eq!(fast, held_whole(&text, &bytes, &env), "{shown}");
            assert_eq!(fast.map_err(|_| ()), want.map(String::from), "{shown}");
        }
        let read_whole = [
            leaf(r#"{"body":BODY,"kind":"guarantee","logged_at":AT,"body":BODY}"#),
            leaf(r#"{"body":BODY,"kind":"guarantee","logged_at":AT,"extra":1}"#),
            leaf(r#"{"body":BODY,"kind":"guarantee"}"#),
            leaf(r#"{"body":BODY,"kind":"guarantee","logged_at":AT} x"#),
            leaf(r#"{"kind":"guarantee","logged_at":AT,"body":BODY}"#),
            leaf(r#"{"body":BODY}"#),
            leaf(r#"{"body" :BODY,"kind":"guarantee","logged_at":AT}"#),
            leaf(r#"{"body":{},"kind":"guarantee","logged_at":AT}"#),
        ];
        for text in read_whole {
            let shown = String::from_utf8_lossy(&text).into_owned();
            assert_eq!(held_after_body(&text, &bytes, &env), None, "{shown}");
        }
    }
}
