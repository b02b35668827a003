//! A case's notary envelope (a complaint receipt, a response receipt, a silence) decided on the
//! sequencer and signed by the batch's deferred work on the worker pool (DESIGN §2: the
//! sequencer only orders). Until then the case's staged record holds the envelope unsigned; a
//! later command of the same batch that reads the case (a refiling, a response, an arbitrator's
//! act, a ruling) signs it itself through the same sign-once cell, so it always sees the record
//! as it will be written, and the deferred work then finds it done.

use std::sync::OnceLock;

use ed25519_dalek::SigningKey;
use serde_json::Value;

use super::ComplaintRecord;
use crate::crypto::envelope::Envelope;
use crate::model::entry::EntryKind;
use crate::notary::NotaryError;

/// Which of a case's envelopes it is.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Slot {
    /// `receipt`: the complaint's receipt.
    Receipt,
    /// `response_receipt`.
    ResponseReceipt,
    /// `silence`.
    Silence,
}

/// One envelope of a case, signed at most once.
pub(crate) struct Later {
    slot: Slot,
    kind: EntryKind,
    /// The envelope without its signature (the payload holds its `log_index`).
    unsigned: Envelope,
    signed: OnceLock<Result<(Envelope, Vec<u8>), String>>,
}

impl Later {
    /// The envelope of `kind` over `payload` (an object that already holds its `log_index`),
    /// for `slot`, not signed yet.
    pub fn new(slot: Slot, kind: EntryKind, payload: Value) -> Self {
        Later {
            slot,
            kind,
            unsigned: Envelope {
                kind: kind.as_str().to_string(),
                payload,
                signatures: Vec::new(),
            },
            signed: OnceLock::new(),
        }
    }

    /// The kind it is logged as.
    pub fn kind(&self) -> EntryKind {
        self.kind
    }

    /// The envelope unsigned: what the staged record holds until it is signed.
    pub fn unsigned(&self) -> Envelope {
        self.unsigned.clone()
    }

    /// The signed envelope and its canonical bytes: signed now with `key` unless it was
    /// already (two callers at once sign it once; the second waits).
    pub fn signed(&self, key: &SigningKey) -> Result<&(Envelope, Vec<u8>), NotaryError> {
        self.signed
            .get_or_init(|| {
                let payload = self.unsigned.payload.clone();
                Envelope::sign_to_bytes(&self.unsigned.kind, payload, key)
                    .map_err(|e| format!("{}: {e}", self.unsigned.kind))
            })
            .as_ref()
            .map_err(|e| NotaryError::Signing(e.clone()))
    }

    /// Puts the signed envelope in its place in `record`.
    pub fn fill(&self, record: &mut ComplaintRecord, key: &SigningKey) -> Result<(), NotaryError> {
        let env = self.signed(key)?.0.clone();
        match self.slot {
            Slot::Receipt => record.receipt = env,
            Slot::ResponseReceipt => record.response_receipt = Some(env),
            Slot::Silence => record.silence = Some(env),
        }
        Ok(())
    }
}
