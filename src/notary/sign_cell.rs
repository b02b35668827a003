//! An envelope the sequencer decided to sign but left to the worker pool (DESIGN §2): signed
//! once, by whoever needs it first. The batch's deferred work normally does; a later command of
//! the same batch that needs the object at once (closing a guarantee granted a moment before)
//! signs it on the sequencer instead, and the deferred work then finds it done.

use std::sync::{Mutex, OnceLock};

use ed25519_dalek::SigningKey;

use super::NotaryError;
use crate::crypto::envelope::Envelope;
use crate::model::entry::EntryKind;

/// Makes the canonical JSON bytes of the payload to sign (`log_index` included), or says why it
/// cannot: built where it is signed.
pub(crate) type MakePayload = Box<dyn FnOnce() -> Result<Vec<u8>, String> + Send>;

/// A signed envelope as its canonical bytes (the leaf body, the stored and answered bytes).
pub(crate) struct SignedEnvelope {
    /// [`Envelope::to_bytes`] of the envelope.
    pub bytes: Vec<u8>,
}

impl SignedEnvelope {
    /// The envelope read back from its bytes (for the rare reader that needs the structure).
    pub fn envelope(&self) -> Result<Envelope, NotaryError> {
        serde_json::from_slice(&self.bytes).map_err(|e| NotaryError::Bug(e.to_string()))
    }
}

/// One envelope, signed at most once.
pub(crate) struct SignCell {
    kind: EntryKind,
    todo: Mutex<Option<MakePayload>>,
    done: OnceLock<Result<SignedEnvelope, String>>,
}

impl SignCell {
    /// An envelope of `kind` over the payload `make` builds, not signed yet.
    pub fn new(kind: EntryKind, make: MakePayload) -> Self {
        SignCell {
            kind,
            todo: Mutex::new(Some(make)),
            done: OnceLock::new(),
        }
    }

    /// The kind it signs as.
    pub fn kind(&self) -> EntryKind {
        self.kind
    }

    /// The signed envelope: signed now with `key` unless it was already. Two callers at once
    /// sign it once (the second waits for the first).
    pub fn get(&self, key: &SigningKey) -> Result<&SignedEnvelope, NotaryError> {
        {
            let mut todo = self.todo.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(make) = todo.take() {
                let kind = self.kind.as_str();
                let signed = make()
                    .and_then(|p| {
                        Envelope::sign_canonical(kind, &p, key).map_err(|e| e.to_string())
                    })
                    .map(|bytes| SignedEnvelope { bytes })
                    .map_err(|e| format!("{kind}: {e}"));
                let _ = self.done.set(signed);
            }
        }
        match self.done.get() {
            Some(Ok(signed)) => Ok(signed),
            Some(Err(e)) => Err(NotaryError::Signing(e.clone())),
            // The payload was taken by a signer that panicked: the batch fails.
            None => Err(NotaryError::Bug(format!(
                "the {} signature was never made",
                self.kind.as_str()
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::canonical::canonical_value;
    use serde_json::json;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    #[test]
    fn signs_once_whoever_asks_first() {
        let key = SigningKey::from_bytes(&[7; 32]);
        let made = Arc::new(AtomicUsize::new(0));
        let counter = made.clone();
        let cell = Arc::new(SignCell::new(
            EntryKind::Guarantee,
            Box::new(move || {
                counter.fetch_add(1, Ordering::SeqCst);
                canonical_value(&json!({"guarantee_id": "g", "log_index": 3}))
                    .map_err(|e| e.to_string())
            }),
        ));
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let (cell, key) = (cell.clone(), key.clone());
                std::thread::spawn(move || cell.get(&key).expect("signed").bytes.clone())
            })
            .collect();
        let bytes: Vec<Vec<u8>> = threads
            .into_iter()
            .map(|t| t.join().expect("join"))
            .collect();
        assert_eq!(made.load(Ordering::SeqCst), 1);
        assert!(bytes.windows(2).all(|w| w[0] == w[1]));
        let signed = cell.get(&key).expect("signed");
        let env = signed.envelope().expect("envelope");
        assert_eq!(signed.bytes, env.to_bytes().expect("bytes"));
        env.verify_by(&key.verifying_key()).expect("verifies");
    }

    #[test]
    fn a_payload_that_cannot_be_signed_is_an_error_every_time() {
        let key = SigningKey::from_bytes(&[7; 32]);
        let make = || canonical_value(&json!({"f": 0.5})).map_err(|e| e.to_string());
        let cell = SignCell::new(EntryKind::Refusal, Box::new(make));
        assert!(matches!(cell.get(&key), Err(NotaryError::Signing(_))));
        assert!(matches!(cell.get(&key), Err(NotaryError::Signing(_))));
    }
}
