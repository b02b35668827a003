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

    /// The verdict on the signature by `kid`, as [`Envelope::verify_by`] words a failure.
    pub(super) fn signed(&self, kid: &str) -> Result<(), String> {
        self.sigs.iter().find(|(k, _)| k == kid).map_or_else(
            || Err(EnvelopeError::NotSignedBy(kid.into()).to_string()),
            |(_, v)| v.clone(),
        )
    }
}

impl Ctx<'_> {
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

/// The envelope of an envelope item.
fn item_envelope(item: &Item) -> Option<&Envelope> {
    match item {
        Item::PartyEnvelope { envelope, .. } | Item::NotaryEnvelope { envelope, .. } => {
            Some(envelope)
        }
        _ => None,
    }
}
