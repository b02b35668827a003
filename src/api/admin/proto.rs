//! The admin protocol spoken on `DATA/admin.sock` between the console/CLI and the notary:
//! one JSON object per line each way. A request carries an `id` the response echoes, so a client
//! may pipeline requests. The operator is not in the request: the server takes it from the
//! socket's peer credentials.

use serde::{Deserialize, Serialize};

/// Longest request line accepted (bytes).
pub const LINE_LEN_MAX: usize = 256 * 1024;

/// A request: `{"id": 7, "op": "timestamps_recent", "limit": 50}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    /// Echoed in the response.
    pub id: u64,
    /// What to do.
    #[serde(flatten)]
    pub op: Op,
}

/// The operations.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Op {
    /// Who am I, and which notary is this.
    Hello,
    /// Dashboard figures.
    Status,
    /// Most recent timestamps, newest first.
    TimestampsRecent {
        /// How many (capped by the server).
        limit: u32,
    },
    /// Timestamps over this imprint (hex).
    TimestampsSearch {
        /// Message imprint, hex.
        imprint: String,
    },
    /// Make the notary sign a timestamp over this imprint; the operator is recorded in the log.
    Stamp {
        /// `sha256`, `sha384` or `sha512`.
        hash_alg: String,
        /// Imprint, hex.
        imprint: String,
    },
    /// Most recent checkpoints, newest first.
    Checkpoints {
        /// How many (capped by the server).
        limit: u32,
    },
    /// Log entries `start..start+limit`.
    Entries {
        /// First index.
        start: u64,
        /// How many (capped by the server).
        limit: u32,
    },
    /// Inclusion proof for `index` at the current checkpoint, for the client to verify.
    Prove {
        /// Leaf index.
        index: u64,
    },
}

/// A response: `{"id": 7, "ok": {...}}` or `{"id": 7, "error": {"code": "...", "message": "..."}}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Response {
    /// The request's id (0 when the request could not be parsed).
    pub id: u64,
    /// Success body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ok: Option<Reply>,
    /// Failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorBody>,
}

/// An error answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// snake_case code.
    pub code: String,
    /// For humans.
    pub message: String,
}

/// Success bodies, one per operation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reply {
    /// Answer to `Hello`.
    Hello(Hello),
    /// Answer to `Status`.
    Status(Status),
    /// Answer to `TimestampsRecent` and `TimestampsSearch`.
    Timestamps {
        /// The records.
        items: Vec<TimestampItem>,
    },
    /// Answer to `Stamp`.
    Stamped(TimestampItem),
    /// Answer to `Checkpoints`.
    Checkpoints {
        /// Signed notes with their sizes, newest first.
        items: Vec<CheckpointItem>,
    },
    /// Answer to `Entries`.
    Entries {
        /// The entries.
        items: Vec<EntryItem>,
    },
    /// Answer to `Prove`.
    Proof(ProofItem),
}

/// Who the caller is and what notary it talks to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hello {
    /// Unix user name of the caller.
    pub operator: String,
    /// Arbitrator name from notar.toml.
    pub arbitrator: String,
    /// Notary short name.
    pub notary: String,
    /// Notary Ed25519 key id (hex).
    pub key_id: String,
    /// C2SP checkpoint verifier key.
    pub checkpoint_vkey: String,
    /// Subject of the TSA certificate.
    pub tsa_subject: String,
    /// TSA policy OID.
    pub timestamp_policy: String,
    /// Declared accuracy.
    pub timestamp_accuracy_ms: u32,
}

/// Dashboard figures.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Status {
    /// Server clock, RFC 3339 ms.
    pub now: String,
    /// Process start, RFC 3339 ms.
    pub started_at: String,
    /// Committed log size.
    pub log_size: u64,
    /// Size of the latest checkpoint.
    pub checkpoint_size: u64,
    /// Milliseconds since the latest checkpoint was signed.
    pub checkpoint_age_ms: u64,
    /// Timestamps issued over the last 10 seconds, per second (x1000 to stay an integer).
    pub timestamps_per_s_milli: u64,
    /// Timestamps issued since start.
    pub timestamps_total: u64,
    /// True when a storage failure stopped signing.
    pub failed: bool,
}

/// One timestamp.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimestampItem {
    /// Serial = log index.
    pub serial: u64,
    /// genTime, RFC 3339 ms.
    pub gen_time: String,
    /// Hash algorithm name.
    pub hash_alg: String,
    /// Imprint, hex.
    pub imprint: String,
    /// Arbitrator who asked, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<String>,
}

/// One checkpoint.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckpointItem {
    /// Tree size.
    pub size: u64,
    /// The signed note.
    pub note: String,
}

/// One log entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryItem {
    /// Leaf index.
    pub index: u64,
    /// Entry kind (`timestamp`, `notary_identity`, ...).
    pub kind: String,
    /// When it was logged.
    pub logged_at: String,
    /// Who caused it, if an arbitrator did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<String>,
    /// The leaf bytes (canonical JSON) as text.
    pub raw: String,
}

/// An inclusion proof with the checkpoint it is relative to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProofItem {
    /// Leaf index.
    pub index: u64,
    /// Leaf bytes as text.
    pub raw: String,
    /// The signed checkpoint note the proof is for.
    pub checkpoint: String,
    /// Proof hashes, base64.
    pub proof: Vec<String>,
}
