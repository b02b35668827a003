//! The notary's append-only Merkle log (RFC 9162 hashing), its signed checkpoints (C2SP signed
//! notes) and inclusion/consistency proofs. Storage-agnostic: the caller keeps the hashes.

pub mod checkpoint;
mod inclusions;
pub mod merkle;

pub use checkpoint::{
    check_key_name, check_origin, open_checkpoint, open_checkpoint_bytes, parse_vkey,
    sign_checkpoint, try_sign_checkpoint, vkey, Checkpoint,
};
pub use inclusions::Inclusions;
pub use merkle::{
    empty_root, leaf_hash, node_hash, prove_consistency, prove_inclusion, stored_hash_count,
    stored_hash_index, stored_hashes_for_append, tree_hash, verify_consistency, verify_inclusion,
    Hash, HashReader, MemoryHashStore, PendingHashes,
};

/// Everything that can go wrong in the log layer. Each variant is something a caller can act on:
/// a bad request (`IndexOutOfRange`, `InvalidSizes`), a proof or note that does not verify, or a
/// storage failure.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    /// A leaf index at or beyond the tree size (including any index into the empty tree).
    #[error("leaf index {index} is not in a tree of size {size}")]
    IndexOutOfRange {
        /// The requested leaf index.
        index: u64,
        /// The tree size it was checked against.
        size: u64,
    },
    /// Consistency needs `0 < size1 <= size2`.
    #[error("no consistency proof from tree size {size1} to {size2} (need 0 < size1 <= size2)")]
    InvalidSizes {
        /// The older tree size.
        size1: u64,
        /// The newer tree size.
        size2: u64,
    },
    /// A tree size beyond [`merkle::MAX_TREE_SIZE`], where stored-hash indexes would overflow.
    #[error("tree size {size} exceeds the supported maximum")]
    TreeTooLarge {
        /// The offending size.
        size: u64,
    },
    /// A proof with the wrong number of hashes for its (index, size) or (size1, size2).
    #[error("proof has {got} hashes, expected {want}")]
    ProofLength {
        /// Hashes in the proof.
        got: usize,
        /// Hashes RFC 9162 prescribes for these parameters.
        want: usize,
    },
    /// A well-formed proof that does not lead to the given root(s).
    #[error("proof does not verify against the given root")]
    ProofMismatch,
    /// The hash store has no hash at this stored-hash index (not yet written, or lost).
    #[error("stored hash {index} is missing")]
    MissingHash {
        /// The stored-hash index (see [`merkle::stored_hash_index`]).
        index: u64,
    },
    /// A [`HashReader`] answered with the wrong number of hashes.
    #[error("hash store returned {returned} hashes for {requested} indexes")]
    ShortRead {
        /// Indexes asked for.
        requested: usize,
        /// Hashes returned.
        returned: usize,
    },
    /// The hash store failed (I/O, corruption); the source says why.
    #[error("hash store: {0}")]
    Store(#[source] Box<dyn std::error::Error + Send + Sync + 'static>),
    /// A checkpoint body that is not exactly `origin\nsize\nbase64(root)\n`.
    #[error("malformed checkpoint: {0}")]
    MalformedCheckpoint(&'static str),
    /// A signed note that is not well-formed (C2SP signed-note).
    #[error("malformed note: {0}")]
    MalformedNote(&'static str),
    /// A note larger than [`checkpoint::MAX_NOTE_BYTES`].
    #[error("note is {size} bytes, more than the limit of {limit}")]
    NoteTooLarge {
        /// Size of the input.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// A note with more than [`checkpoint::MAX_NOTE_SIGNATURES`] signature lines.
    #[error("note has more than {limit} signature lines")]
    TooManySignatures {
        /// The limit.
        limit: usize,
    },
    /// A key name that is empty or holds a Unicode space or `+`.
    #[error("invalid note key name")]
    InvalidKeyName,
    /// A verifier key string that is not `name+hex8(keyid)+base64(0x01||pubkey)`.
    #[error("malformed verifier key: {0}")]
    MalformedVerifierKey(&'static str),
    /// The note carries a signature line from our key that does not verify: reject the note.
    #[error("invalid signature from key {key}")]
    InvalidSignature {
        /// `name+hex8(keyid)` of the key.
        key: String,
    },
    /// The note carries no signature from our key.
    #[error("note has no signature from key {key}")]
    NoSignature {
        /// `name+hex8(keyid)` of the key.
        key: String,
    },
    /// A broken internal invariant; a bug, reported instead of panicking.
    #[error("internal error in the log layer: {0}")]
    Internal(&'static str),
}
