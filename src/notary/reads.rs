//! Read-only queries: log entries, proofs, checkpoints, timestamp records. They read committed
//! data only (never beyond the published log size), so they need no lock on the sequencer.

use serde::{Deserialize, Serialize};

use super::hashes::StoreHashes;
use super::rate::SignedTotals;
use super::sequencer::PublishedCheckpoint;
use super::{Notary, NotaryError};
use crate::crypto::tsa::HashAlg;
use crate::log::merkle::{self, Hash};
use crate::store::{u64_key, Cf};

/// Most records one listing returns.
pub const LIST_LEN_MAX: usize = 1000;

/// What is kept about each timestamp besides its log entry. Its members are declared in JCS
/// order, so its JSON is its canonical form: the same bytes are the stored record and the
/// `record` of the log entry's body (`notary::stamp`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimestampRecord {
    /// genTime, RFC 3339 ms.
    pub gen_time: String,
    /// `sha256`, `sha384` or `sha512`.
    pub hash_alg: HashAlg,
    /// Message imprint, hex.
    pub imprint: String,
    /// Arbitrator who asked for it through the console, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<String>,
    /// Serial = log index.
    pub serial: u64,
}

/// Dashboard figures.
#[derive(Clone, Debug)]
pub struct Stats {
    /// The notary's clock.
    pub now: chrono::DateTime<chrono::Utc>,
    /// Size of the latest checkpoint.
    pub checkpoint_size: u64,
    /// Age of the latest checkpoint.
    pub checkpoint_age_ms: u64,
    /// Timestamps per second over the last 10 s, times 1000.
    pub timestamps_per_s_milli: u64,
    /// Timestamps issued since start.
    pub timestamps_total: u64,
    /// Guarantee events and exchange decisions signed since start.
    pub since_start: SignedTotals,
    /// Timestamps, guarantees granted and exchanges decided in each of the last
    /// [`HISTORY_SECS`](super::HISTORY_SECS) complete seconds, oldest first.
    pub activity: Activity,
}

/// Per-second counts of the notary's work, oldest first, each [`HISTORY_SECS`](super::HISTORY_SECS)
/// long.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Activity {
    /// Timestamps issued.
    pub stamps: Vec<u32>,
    /// Guarantees granted.
    pub guarantees: Vec<u32>,
    /// Exchanges decided.
    pub exchanges: Vec<u32>,
}

impl Notary {
    /// Committed log size.
    pub fn log_size(&self) -> u64 {
        self.shared.published.log_size()
    }

    /// True once a failure (a failed write, a failed check, a panic) stopped the sequencer.
    pub fn is_failed(&self) -> bool {
        self.shared.published.failed()
    }

    /// What this process may do with its database: `single` (RocksDB), or on PostgreSQL
    /// `active`, `standby`, `fenced` (another notar took over) or `replica`.
    pub fn role(&self) -> crate::store::Role {
        self.shared.store.role()
    }

    /// Whether the writer's lease has lapsed (PostgreSQL): a standby may take over now.
    pub fn lease_lapsed(&self) -> Result<bool, NotaryError> {
        Ok(self.shared.store.lease_lapsed()?)
    }

    /// A standby or replica (PostgreSQL): serves the log as far as the writer has committed it,
    /// by publishing the latest checkpoint in the database once its signature checks. Returns
    /// the log size served. Does nothing for a writer, whose sequencer publishes.
    pub fn follow_log(&self) -> Result<u64, NotaryError> {
        if self.role().writes() {
            return Ok(self.log_size());
        }
        let last = self.shared.store.last(Cf::Checkpoints, 1)?;
        if let Some((_, note)) = last.into_iter().next() {
            let note =
                String::from_utf8(note).map_err(|_| NotaryError::Corrupt("checkpoint".into()))?;
            let origin = &self.shared.config.notary.log_origin;
            let key = self.shared.notary_key.verifying_key();
            let cp = crate::log::checkpoint::open_checkpoint(&note, origin, &key)?;
            if cp.origin != *origin {
                return Err(NotaryError::Corrupt("checkpoint of another log".into()));
            }
            self.shared
                .published
                .follow(cp.size, note, (self.shared.clock)());
        }
        Ok(self.log_size())
    }

    /// Why the sequencer stopped, once it has.
    pub fn failed_reason(&self) -> Option<String> {
        self.shared.published.failed_reason()
    }

    /// Latest signed checkpoint (C2SP signed note) with its size.
    pub fn checkpoint(&self) -> Option<std::sync::Arc<PublishedCheckpoint>> {
        self.shared.published.checkpoint()
    }

    /// The most recent checkpoints `(size, note)`, newest first.
    pub fn recent_checkpoints(&self, limit: usize) -> Result<Vec<(u64, String)>, NotaryError> {
        let rows = self
            .shared
            .store
            .last(Cf::Checkpoints, limit.min(LIST_LEN_MAX))?;
        rows.into_iter()
            .map(|(k, v)| {
                let size = <[u8; 8]>::try_from(k.as_slice())
                    .map(u64::from_be_bytes)
                    .map_err(|_| NotaryError::Corrupt("checkpoint key".into()))?;
                let note =
                    String::from_utf8(v).map_err(|_| NotaryError::Corrupt("checkpoint".into()))?;
                Ok((size, note))
            })
            .collect()
    }

    /// Figures for the dashboard.
    pub fn stats(&self) -> Stats {
        let now = chrono::Utc::now();
        let cp = self.checkpoint();
        Stats {
            now,
            checkpoint_size: cp.as_ref().map_or(0, |c| c.size),
            checkpoint_age_ms: cp
                .map_or(0, |c| (now - c.signed_at).num_milliseconds().max(0) as u64),
            timestamps_per_s_milli: self.shared.stamp_rate.per_s_milli(),
            timestamps_total: self.shared.stamp_rate.total(),
            since_start: self.shared.published.signed_since_start(),
            activity: Activity {
                stamps: self.shared.stamp_rate.history(),
                guarantees: self.shared.guarantee_rate.history(),
                exchanges: self.shared.exchange_rate.history(),
            },
        }
    }

    /// The signed checkpoint for exactly `size`, if the notary issued one.
    pub fn checkpoint_at(&self, size: u64) -> Result<Option<String>, NotaryError> {
        let raw = self.shared.store.get(Cf::Checkpoints, &u64_key(size))?;
        raw.map(|b| String::from_utf8(b).map_err(|_| NotaryError::Corrupt("checkpoint".into())))
            .transpose()
    }

    /// Leaf bytes at `index`.
    pub fn entry(&self, index: u64) -> Result<Vec<u8>, NotaryError> {
        let size = self.log_size();
        if index >= size {
            return Err(NotaryError::NotFound(format!(
                "no log entry {index} (log size {size})"
            )));
        }
        self.shared
            .store
            .get(Cf::LogLeaves, &u64_key(index))?
            .ok_or_else(|| NotaryError::Corrupt(format!("log entry {index} missing")))
    }

    fn check_size(&self, size: u64) -> Result<(), NotaryError> {
        let have = self.log_size();
        if size == 0 || size > have {
            return Err(NotaryError::BadRequest(format!(
                "tree size must be 1..={have}, got {size}"
            )));
        }
        Ok(())
    }

    /// Inclusion proof of leaf `index` in the tree of `size`.
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<Hash>, NotaryError> {
        self.check_size(size)?;
        if index >= size {
            return Err(NotaryError::BadRequest(format!(
                "index {index} is not below size {size}"
            )));
        }
        Ok(merkle::prove_inclusion(
            index,
            size,
            &StoreHashes(&self.shared.store),
        )?)
    }

    /// Consistency proof between trees of `size1` and `size2`.
    pub fn consistency_proof(&self, size1: u64, size2: u64) -> Result<Vec<Hash>, NotaryError> {
        self.check_size(size2)?;
        if size1 == 0 || size1 > size2 {
            return Err(NotaryError::BadRequest(format!(
                "size1 must be 1..={size2}, got {size1}"
            )));
        }
        Ok(merkle::prove_consistency(
            size1,
            size2,
            &StoreHashes(&self.shared.store),
        )?)
    }

    /// Root hash of the committed tree of `size`.
    pub fn tree_hash(&self, size: u64) -> Result<Hash, NotaryError> {
        self.check_size(size)?;
        Ok(merkle::tree_hash(size, &StoreHashes(&self.shared.store))?)
    }

    /// The most recent timestamps, newest first.
    pub fn recent_timestamps(&self, limit: usize) -> Result<Vec<TimestampRecord>, NotaryError> {
        let rows = self
            .shared
            .store
            .last(Cf::Timestamps, limit.min(LIST_LEN_MAX))?;
        rows.into_iter()
            .map(|(_, v)| {
                serde_json::from_slice(&v).map_err(|e| NotaryError::Corrupt(e.to_string()))
            })
            .collect()
    }

    /// Timestamps over exactly this message imprint, oldest first.
    pub fn timestamps_by_imprint(
        &self,
        imprint: &[u8],
    ) -> Result<Vec<TimestampRecord>, NotaryError> {
        let rows = self
            .shared
            .store
            .with_prefix(Cf::TimestampsByDigest, imprint, LIST_LEN_MAX)?;
        let keys: Vec<Vec<u8>> = rows
            .into_iter()
            .filter(|(k, _)| k.len() == imprint.len() + 8)
            .map(|(k, _)| k[imprint.len()..].to_vec())
            .collect();
        self.shared
            .store
            .multi_get(Cf::Timestamps, &keys)?
            .into_iter()
            .flatten()
            .map(|v| serde_json::from_slice(&v).map_err(|e| NotaryError::Corrupt(e.to_string())))
            .collect()
    }
}
