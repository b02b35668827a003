//! The signed-object envelope of docs/design.md §4:
//! `{"kind", "payload", "signatures": [{"key_id", "alg": "ed25519", "sig"}]}`, where each signature
//! covers `"notar/v1/" + kind + "\n" + canonical(payload)` (RFC 8785 JSON).
//!
//! Used for everything the notary signs (guarantees, refusals, agreements, revocations, ...) and
//! for what parties sign (orders). `verify_by` is the one place a signature is checked.

use base64::Engine;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::ops::Range;

use super::keys::key_id;
use crate::model::canonical::{
    canonical_value, signing_bytes_of, write_canonical_value, write_str, CanonicalError,
};

/// Most signatures one envelope may carry: bounds the work of checking one.
pub const SIGNATURES_MAX: usize = 8;

/// One signature on an envelope.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnvelopeSignature {
    /// Lowercase hex SHA-256 of the signer's raw public key.
    pub key_id: String,
    /// Always `ed25519`.
    pub alg: String,
    /// Base64 (standard, padded) of the 64-byte signature.
    pub sig: String,
}

/// A signed object.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Envelope {
    /// What the payload is (`guarantee`, `order`, ...).
    pub kind: String,
    /// The signed statement. A member name repeated in one of its objects is refused on
    /// reading (`model::unique_keys`): readers disagree on which copy wins.
    #[serde(deserialize_with = "crate::model::unique_keys::unique_value")]
    pub payload: Value,
    /// Signatures over `signing_input(kind, payload)`.
    pub signatures: Vec<EnvelopeSignature>,
}

impl From<Envelope> for Value {
    /// The envelope as a JSON value, its strings and payload moved in, not copied: what
    /// `serde_json::to_value` gives (tested), without serialising every string again.
    fn from(e: Envelope) -> Value {
        let signatures = e
            .signatures
            .into_iter()
            .map(|s| {
                let mut m = serde_json::Map::new();
                m.insert("key_id".into(), Value::String(s.key_id));
                m.insert("alg".into(), Value::String(s.alg));
                m.insert("sig".into(), Value::String(s.sig));
                Value::Object(m)
            })
            .collect();
        let mut m = serde_json::Map::new();
        m.insert("kind".into(), Value::String(e.kind));
        m.insert("payload".into(), e.payload);
        m.insert("signatures".into(), Value::Array(signatures));
        Value::Object(m)
    }
}

/// Why an envelope could not be made or does not verify.
#[derive(Debug, thiserror::Error)]
pub enum EnvelopeError {
    /// The payload cannot be put in canonical form (floats, too deep).
    #[error(transparent)]
    Canonical(#[from] CanonicalError),
    /// The envelope has another kind than expected.
    #[error("expected a {expected:?} object, got {got:?}")]
    WrongKind {
        /// The kind asked for.
        expected: String,
        /// The kind found.
        got: String,
    },
    /// No signature by the given key.
    #[error("no signature by key {0}")]
    NotSignedBy(String),
    /// A signature by the key exists but does not verify.
    #[error("the signature by key {0} does not verify")]
    BadSignature(String),
    /// Too many signatures, or an unknown algorithm.
    #[error("{0}")]
    Malformed(String),
}

/// The bytes a signature covers.
pub fn signing_input(kind: &str, payload: &Value) -> Result<Vec<u8>, CanonicalError> {
    Ok(signing_bytes_of(kind, &canonical_value(payload)?))
}

impl Envelope {
    /// Signs `payload` as `kind` with `key`.
    pub fn sign(kind: &str, payload: Value, key: &SigningKey) -> Result<Envelope, EnvelopeError> {
        Self::sign_to_bytes(kind, payload, key).map(|(env, _)| env)
    }

    /// [`Envelope::sign`], and the envelope's canonical bytes ([`Envelope::to_bytes`]) from the
    /// same serialisation of the payload: the notary signs, logs, stores and answers with these
    /// bytes without writing the envelope again.
    pub fn sign_to_bytes(
        kind: &str,
        payload: Value,
        key: &SigningKey,
    ) -> Result<(Envelope, Vec<u8>), EnvelopeError> {
        let (mut out, start) = head(kind)?;
        write_canonical_value(&mut out, &payload)?;
        let signature = finish(&mut out, kind, start, key)?;
        let env = Envelope {
            kind: kind.to_string(),
            payload,
            signatures: vec![signature],
        };
        Ok((env, out))
    }

    /// The canonical bytes of the envelope signing, as `kind` with `key`, a payload given as
    /// its canonical JSON bytes (RFC 8785, made by the caller without a JSON tree: a
    /// guarantee's payload, `notary::guarantees`). The bytes are copied as they are: the caller
    /// answers for their canonical form, which debug builds check.
    pub fn sign_canonical(
        kind: &str,
        canonical_payload: &[u8],
        key: &SigningKey,
    ) -> Result<Vec<u8>, EnvelopeError> {
        debug_assert!(
            serde_json::from_slice::<Value>(canonical_payload)
                .ok()
                .and_then(|v| canonical_value(&v).ok())
                .is_some_and(|c| c == canonical_payload),
            "payload not in canonical form: {}",
            String::from_utf8_lossy(canonical_payload)
        );
        let (mut out, start) = head(kind)?;
        out.extend_from_slice(canonical_payload);
        finish(&mut out, kind, start, key)?;
        Ok(out)
    }

    /// Checks the kind.
    pub fn expect_kind(&self, kind: &str) -> Result<(), EnvelopeError> {
        if self.kind != kind {
            return Err(EnvelopeError::WrongKind {
                expected: kind.into(),
                got: self.kind.chars().take(64).collect(),
            });
        }
        Ok(())
    }

    /// The key ids that claim to have signed, in order.
    pub fn signer_key_ids(&self) -> impl Iterator<Item = &str> {
        self.signatures.iter().map(|s| s.key_id.as_str())
    }

    /// Verifies the signature made by `key`.
    pub fn verify_by(&self, key: &VerifyingKey) -> Result<(), EnvelopeError> {
        let kid = key_id(key);
        let sig = self.signature_by(&kid)?;
        let msg = signing_input(&self.kind, &self.payload)?;
        key.verify(&msg, &sig)
            .map_err(|_| EnvelopeError::BadSignature(kid))
    }

    /// The signature the key with id `kid` made, decoded: the checks of [`Envelope::verify_by`]
    /// before the Ed25519 equation (at most [`SIGNATURES_MAX`] signatures, the first one by
    /// `kid`, `ed25519`, 64 bytes of base64). Replay checks the equation in a batch after it.
    pub fn signature_by(&self, kid: &str) -> Result<Signature, EnvelopeError> {
        if self.signatures.len() > SIGNATURES_MAX {
            return Err(EnvelopeError::Malformed(format!(
                "{} signatures; at most {SIGNATURES_MAX}",
                self.signatures.len()
            )));
        }
        let kid = kid.to_string();
        let entry = self
            .signatures
            .iter()
            .find(|s| s.key_id == kid)
            .ok_or_else(|| EnvelopeError::NotSignedBy(kid.clone()))?;
        if entry.alg != "ed25519" {
            return Err(EnvelopeError::Malformed(format!(
                "unsupported signature algorithm {:?}",
                entry.alg.chars().take(32).collect::<String>()
            )));
        }
        let raw = base64::engine::general_purpose::STANDARD
            .decode(entry.sig.as_bytes())
            .map_err(|_| EnvelopeError::BadSignature(kid.clone()))?;
        Signature::from_slice(&raw).map_err(|_| EnvelopeError::BadSignature(kid))
    }

    /// Canonical JSON of the whole envelope: the bytes stored and returned.
    pub fn to_bytes(&self) -> Result<Vec<u8>, CanonicalError> {
        self.to_bytes_and_payload().map(|(bytes, _)| bytes)
    }

    /// [`Envelope::to_bytes`], and where in them the payload's canonical JSON is (what
    /// [`signing_input`] puts after its prefix): one serialisation gives the envelope's id and
    /// its signing input. Written member by member in JCS order (`kind`, `payload`,
    /// `signatures`; in a signature `alg`, `key_id`, `sig`) instead of through a copy of the
    /// whole as a JSON tree; the same bytes as `to_canonical_json(self)` (tested).
    pub fn to_bytes_and_payload(&self) -> Result<(Vec<u8>, Range<usize>), CanonicalError> {
        let mut out = Vec::with_capacity(1024);
        out.extend_from_slice(b"{\"kind\":");
        write_str(&mut out, &self.kind)?;
        out.extend_from_slice(b",\"payload\":");
        let start = out.len();
        write_canonical_value(&mut out, &self.payload)?;
        let payload = start..out.len();
        out.extend_from_slice(b",\"signatures\":[");
        for (i, s) in self.signatures.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            write_signature(&mut out, s)?;
        }
        out.extend_from_slice(b"]}");
        Ok((out, payload))
    }
}

/// One signature object in JCS order (`alg`, `key_id`, `sig`).
fn write_signature(out: &mut Vec<u8>, s: &EnvelopeSignature) -> Result<(), CanonicalError> {
    out.extend_from_slice(b"{\"alg\":");
    write_str(out, &s.alg)?;
    out.extend_from_slice(b",\"key_id\":");
    write_str(out, &s.key_id)?;
    out.extend_from_slice(b",\"sig\":");
    write_str(out, &s.sig)?;
    out.push(b'}');
    Ok(())
}

/// An envelope's bytes up to its payload, and where the payload starts.
fn head(kind: &str) -> Result<(Vec<u8>, usize), CanonicalError> {
    let mut out = Vec::with_capacity(1024);
    out.extend_from_slice(b"{\"kind\":");
    write_str(&mut out, kind)?;
    out.extend_from_slice(b",\"payload\":");
    let start = out.len();
    Ok((out, start))
}

/// Signs the payload `out[start..]` as `kind` and closes the envelope with the signature.
fn finish(
    out: &mut Vec<u8>,
    kind: &str,
    start: usize,
    key: &SigningKey,
) -> Result<EnvelopeSignature, CanonicalError> {
    let sig = key.sign(&signing_bytes_of(kind, &out[start..]));
    let signature = EnvelopeSignature {
        key_id: key_id(&key.verifying_key()),
        alg: "ed25519".into(),
        sig: base64::engine::general_purpose::STANDARD.encode(sig.to_bytes()),
    };
    out.extend_from_slice(b",\"signatures\":[");
    write_signature(out, &signature)?;
    out.extend_from_slice(b"]}");
    #[cfg(test)]
    signed_on::note(&signature.sig);
    Ok(signature)
}

/// Test probe: the thread that made each envelope signature in this process, so a test can
/// check what the notary's sequencer leaves to its worker pool (DESIGN §2).
#[cfg(test)]
pub(crate) mod signed_on {
    use std::collections::HashMap;
    use std::sync::Mutex;

    static THREADS: Mutex<Option<HashMap<String, String>>> = Mutex::new(None);

    /// Notes that the current thread made signature `sig` (base64).
    pub(super) fn note(sig: &str) {
        let name = std::thread::current().name().unwrap_or("?").to_string();
        let mut threads = THREADS.lock().unwrap_or_else(|e| e.into_inner());
        threads
            .get_or_insert_with(HashMap::new)
            .insert(sig.to_string(), name);
    }

    /// The name of the thread that made signature `sig` (base64), if this process made it.
    pub(crate) fn thread_of(sig: &str) -> Option<String> {
        let threads = THREADS.lock().unwrap_or_else(|e| e.into_inner());
        threads.as_ref()?.get(sig).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::canonical::to_canonical_json;
    use serde_json::json;

    fn key(b: u8) -> SigningKey {
        SigningKey::from_bytes(&[b; 32])
    }

    #[test]
    fn an_envelope_moved_into_a_value_is_what_serde_makes_of_it() {
        let mut env = Envelope::sign("order", json!({"a": [1, {"b": "c"}], "z": null}), &key(1))
            .expect("signed");
        env.signatures.push(EnvelopeSignature {
            key_id: "k2".into(),
            alg: "ed25519".into(),
            sig: "c2ln".into(),
        });
        let by_serde = serde_json::to_value(&env).expect("value");
        assert_eq!(Value::from(env), by_serde);
    }

    #[test]
    fn signs_and_verifies() {
        let k = key(1);
        let env = Envelope::sign("order", json!({"b": 1, "a": "x"}), &k).expect("sign");
        env.verify_by(&k.verifying_key()).expect("verifies");
        assert_eq!(env.signatures[0].key_id, key_id(&k.verifying_key()));
        // Canonical input: sorted keys, prefixed with the kind.
        assert_eq!(
            signing_input("order", &env.payload).expect("input"),
            b"notar/v1/order\n{\"a\":\"x\",\"b\":1}"
        );
    }

    #[test]
    fn signed_bytes_are_the_envelope_bytes() {
        let k = key(2);
        let payload = json!({"z": [1, {"y": "\u{202e}\"q"}], "a": -3, "log_index": 7});
        let (env, bytes) = Envelope::sign_to_bytes("guarantee", payload, &k).expect("sign");
        assert_eq!(bytes, env.to_bytes().expect("bytes"));
        assert_eq!(bytes, to_canonical_json(&env).expect("canonical"));
        env.verify_by(&k.verifying_key()).expect("verifies");
        assert!(Envelope::sign_to_bytes("guarantee", json!({"f": 1.5}), &k).is_err());
        // The same payload given as its canonical bytes: the same envelope, byte for byte.
        let canonical = canonical_value(&env.payload).expect("canonical");
        let given = Envelope::sign_canonical("guarantee", &canonical, &k).expect("sign");
        assert_eq!(given, bytes);
    }

    #[test]
    fn any_change_breaks_the_signature() {
        let k = key(1);
        let env = Envelope::sign("order", json!({"amount": 100}), &k).expect("sign");
        let mut p = env.clone();
        p.payload = json!({"amount": 101});
        assert!(matches!(
            p.verify_by(&k.verifying_key()),
            Err(EnvelopeError::BadSignature(_))
        ));
        let mut kind = env.clone();
        kind.kind = "guarantee".into();
        assert!(kind.verify_by(&k.verifying_key()).is_err());
        assert!(matches!(
            env.verify_by(&key(2).verifying_key()),
            Err(EnvelopeError::NotSignedBy(_))
        ));
        let mut garbage = env.clone();
        garbage.signatures[0].sig = "!!".into();
        assert!(garbage.verify_by(&k.verifying_key()).is_err());
    }

    #[test]
    fn bytes_written_member_by_member_are_the_canonical_json() {
        use crate::model::canonical::to_canonical_json;
        let payloads = [
            json!({}),
            json!({"z": [1, -2, {"b": null, "a": true}], "a": "\u{1}\"\\/é\u{2028}😀", "m": {}}),
            json!({"amount": {"currency": "EUR", "minor": 1234}, "log_index": u64::MAX}),
        ];
        for (i, payload) in payloads.into_iter().enumerate() {
            let mut env = Envelope::sign("order\n\"x", payload, &key(1)).expect("sign");
            for extra in 0..i {
                env.signatures.push(EnvelopeSignature {
                    key_id: format!("k{extra}\u{7f}"),
                    alg: "ed25519".into(),
                    sig: "c2ln".into(),
                });
            }
            let (bytes, range) = env.to_bytes_and_payload().expect("bytes");
            assert_eq!(bytes, to_canonical_json(&env).expect("canonical"), "{i}");
            assert_eq!(
                bytes[range].to_vec(),
                to_canonical_json(&env.payload).expect("payload")
            );
        }
        let float = Envelope {
            kind: "order".into(),
            payload: json!({"a": [1.5]}),
            signatures: Vec::new(),
        };
        assert_eq!(float.to_bytes(), Err(CanonicalError::Float));
    }

    #[test]
    fn floats_cannot_be_signed() {
        assert!(Envelope::sign("order", json!({"amount": 1.5}), &key(1)).is_err());
    }

    #[test]
    fn wire_form_round_trips() {
        let env = Envelope::sign("refusal", json!({"reason": "key_revoked"}), &key(3)).expect("s");
        let bytes = env.to_bytes().expect("bytes");
        let back: Envelope = serde_json::from_slice(&bytes).expect("parse");
        assert_eq!(back, env);
        back.verify_by(&key(3).verifying_key()).expect("verifies");
    }
}
