//! Client-side checks of what the notary sends: checkpoint signatures (with the verifier key
//! from `Hello`) and inclusion proofs (against the root of that verified checkpoint). The
//! console shows OK only for what it checked itself.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use ed25519_dalek::VerifyingKey;

use crate::api::admin::proto::{CheckpointItem, ProofItem};
use crate::log::checkpoint::{open_checkpoint, Checkpoint};
use crate::log::merkle::{leaf_hash, verify_inclusion, Hash};

/// Longest inclusion proof accepted (a tree of 2^64 leaves needs 64 hashes).
pub const PROOF_HASHES_MAX: usize = 64;

/// The parsed checkpoint verifier key (name, key) or why it is unusable.
pub type CheckpointKey = Result<(String, VerifyingKey), String>;

/// One checkpoint as listed, with the outcome of its signature check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckpointRow {
    /// Size the server claims for it.
    pub size: u64,
    /// The verified checkpoint, or why it did not verify.
    pub check: Result<Checkpoint, String>,
}

/// Verifies a checkpoint note with the notary's checkpoint key: signature, strict body, origin
/// equal to the key name, and the size the server listed it under.
pub fn open_note(key: &CheckpointKey, note: &str) -> Result<Checkpoint, String> {
    let (name, vk) = key.as_ref().map_err(Clone::clone)?;
    let cp = open_checkpoint(note, name, vk).map_err(|e| format!("signature check failed: {e}"))?;
    if cp.origin != *name {
        return Err(format!(
            "origin {:?} is not the notary's log {name:?}",
            cp.origin
        ));
    }
    Ok(cp)
}

/// Checks a listed checkpoint.
pub fn check_checkpoint(key: &CheckpointKey, item: &CheckpointItem) -> CheckpointRow {
    let check = open_note(key, &item.note).and_then(|cp| {
        if cp.size == item.size {
            Ok(cp)
        } else {
            Err(format!(
                "listed as size {} but signed size is {}",
                item.size, cp.size
            ))
        }
    });
    CheckpointRow {
        size: item.size,
        check,
    }
}

/// The result of checking one inclusion proof.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifyOutcome {
    /// The entry asked about.
    pub index: u64,
    /// The verified checkpoint the proof was checked against, when its signature held.
    pub checkpoint: Option<Checkpoint>,
    /// `Ok` when every check passed, else the first failure.
    pub result: Result<(), String>,
}

impl VerifyOutcome {
    /// True when the entry is proven to be in the signed log.
    pub fn is_ok(&self) -> bool {
        self.result.is_ok()
    }
}

/// Checks `proof` for entry `requested`: the checkpoint's signature, the leaf being the entry
/// the console displayed (`shown_raw`, when cached), and the audit path up to the signed root.
pub fn verify_proof(
    key: &CheckpointKey,
    requested: u64,
    shown_raw: Option<&str>,
    proof: &ProofItem,
) -> VerifyOutcome {
    let fail = |checkpoint, why: String| VerifyOutcome {
        index: requested,
        checkpoint,
        result: Err(why),
    };
    let cp = match open_note(key, &proof.checkpoint) {
        Ok(cp) => cp,
        Err(why) => return fail(None, format!("checkpoint: {why}")),
    };
    if proof.index != requested {
        let why = format!(
            "asked for entry {requested}, got a proof for {}",
            proof.index
        );
        return fail(Some(cp), why);
    }
    if shown_raw.is_some_and(|raw| raw != proof.raw) {
        let why = "the proven leaf differs from the entry displayed".to_string();
        return fail(Some(cp), why);
    }
    let hashes = match decode_hashes(&proof.proof) {
        Ok(h) => h,
        Err(why) => return fail(Some(cp), why),
    };
    let leaf = leaf_hash(proof.raw.as_bytes());
    match verify_inclusion(&leaf, requested, cp.size, &hashes, &cp.root) {
        Ok(()) => VerifyOutcome {
            index: requested,
            checkpoint: Some(cp),
            result: Ok(()),
        },
        Err(e) => fail(Some(cp), format!("proof does not match the root: {e}")),
    }
}

fn decode_hashes(b64: &[String]) -> Result<Vec<Hash>, String> {
    if b64.len() > PROOF_HASHES_MAX {
        return Err(format!(
            "proof has {} hashes (at most {PROOF_HASHES_MAX})",
            b64.len()
        ));
    }
    b64.iter()
        .map(|s| {
            let bytes = BASE64
                .decode(s)
                .map_err(|e| format!("proof hash is not base64: {e}"))?;
            Hash::try_from(bytes.as_slice())
                .map_err(|_| format!("proof hash has {} bytes, not 32", bytes.len()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::console::tests::fixtures::{signed_log, SignedLog};

    fn item(log: &SignedLog, index: u64) -> ProofItem {
        log.proof(index)
    }

    #[test]
    fn a_good_proof_verifies() {
        let log = signed_log(13);
        let out = verify_proof(&log.key(), 5, Some(&log.raw(5)), &item(&log, 5));
        assert_eq!(out.result, Ok(()));
        assert_eq!(out.checkpoint.map(|c| c.size), Some(13));
    }

    #[test]
    fn a_tampered_leaf_fails() {
        let log = signed_log(13);
        let mut p = item(&log, 5);
        p.raw.push(' ');
        let out = verify_proof(&log.key(), 5, None, &p);
        assert!(out.result.is_err());
        // And the displayed entry must be the one proven.
        let out = verify_proof(&log.key(), 5, Some("{}"), &item(&log, 5));
        assert!(out.result.is_err());
    }

    #[test]
    fn a_wrong_index_or_hash_fails() {
        let log = signed_log(13);
        let p = item(&log, 6);
        assert!(verify_proof(&log.key(), 5, None, &p).result.is_err());
        let mut p = item(&log, 5);
        p.proof[0] = BASE64.encode([0u8; 32]);
        assert!(verify_proof(&log.key(), 5, None, &p).result.is_err());
        p.proof[0] = "not base64!".into();
        assert!(verify_proof(&log.key(), 5, None, &p).result.is_err());
    }

    #[test]
    fn a_checkpoint_signed_by_another_key_fails() {
        let log = signed_log(13);
        let other = signed_log(13);
        let out = verify_proof(&other.key_with_seed(9), 5, None, &item(&log, 5));
        assert!(out.checkpoint.is_none());
        assert!(out.result.is_err());
    }

    #[test]
    fn checkpoint_rows_check_signature_and_size() {
        let log = signed_log(4);
        let good = CheckpointItem {
            size: 4,
            note: log.note.clone(),
        };
        assert!(check_checkpoint(&log.key(), &good).check.is_ok());
        let lying = CheckpointItem { size: 5, ..good };
        assert!(check_checkpoint(&log.key(), &lying).check.is_err());
    }
}
