//! A case's notary envelope (a complaint receipt, a response receipt, a silence, a ruling)
//! decided on the sequencer and signed by the batch's deferred work on the worker pool (DESIGN
//! §2: the sequencer only orders), through a [`SignCell`]. Until then the case's staged record
//! holds the envelope unsigned; a later command of the same batch that reads the case (a
//! refiling, a response, an arbitrator's act, another ruling act) signs it itself through the
//! same cell, so it always sees the record as it will be written, and the deferred work then
//! finds it done.

use std::sync::Arc;

use ed25519_dalek::SigningKey;
use serde_json::Value;

use super::ComplaintRecord;
use crate::crypto::envelope::Envelope;
use crate::model::canonical::canonical_value;
use crate::model::entry::EntryKind;
use crate::notary::sign_cell::{SignCell, SignedEnvelope};
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
    /// `ruling`: the signed ruling (also the closing of each guarantee it releases).
    Ruling,
}

/// One envelope of a case, signed at most once.
pub(crate) struct Later {
    slot: Slot,
    /// The envelope without its signature (the payload holds its `log_index`).
    unsigned: Envelope,
    cell: Arc<SignCell>,
}

impl Later {
    /// The envelope of `kind` over `payload` (an object that already holds its `log_index`),
    /// for `slot`, not signed yet.
    pub fn new(slot: Slot, kind: EntryKind, payload: Value) -> Self {
        let unsigned = Envelope {
            kind: kind.as_str().to_string(),
            payload: payload.clone(),
            signatures: Vec::new(),
        };
        let make = Box::new(move || canonical_value(&payload).map_err(|e| e.to_string()));
        Later {
            slot,
            unsigned,
            cell: Arc::new(SignCell::new(kind, make)),
        }
    }

    /// The kind it is logged as.
    pub fn kind(&self) -> EntryKind {
        self.cell.kind()
    }

    /// Its cell, for another record that holds the same envelope (a guarantee a ruling
    /// releases): whoever needs it first signs it, once.
    pub fn cell(&self) -> Arc<SignCell> {
        self.cell.clone()
    }

    /// The envelope unsigned: what the staged record holds until it is signed.
    pub fn unsigned(&self) -> Envelope {
        self.unsigned.clone()
    }

    /// The signed envelope's canonical bytes: signed now with `key` unless it was already.
    pub fn signed(&self, key: &SigningKey) -> Result<&SignedEnvelope, NotaryError> {
        self.cell.get(key)
    }

    /// Puts the signed envelope in its place in `record`.
    pub fn fill(&self, record: &mut ComplaintRecord, key: &SigningKey) -> Result<(), NotaryError> {
        let env = self.signed(key)?.envelope()?;
        match self.slot {
            Slot::Receipt => record.receipt = env,
            Slot::ResponseReceipt => record.response_receipt = Some(env),
            Slot::Silence => record.silence = Some(env),
            Slot::Ruling => record.ruling = Some(env),
        }
        Ok(())
    }
}
