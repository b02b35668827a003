//! Screen 2's state: the recent timestamps or the results of a search by imprint, and what a
//! stamp of a local file would sign ([`StampPlan`]) and what became of it ([`StampOutcome`]).
//! Nothing in here does I/O.

pub mod update;
pub mod view;

use crate::api::admin::proto::{HashAlg, Hello, Op, TimestampItem};
use crate::console::components::confirm::{Field, Signable};
use crate::console::components::list::{Keyed, SelectList};
use crate::console::components::text::group_digits;
use crate::console::sanitize::sanitize;

/// Recent timestamps asked for per poll.
pub const TIMESTAMPS_RECENT_LIMIT: u32 = 200;

/// What the timestamps screen lists.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum TimestampMode {
    /// The most recent timestamps, newest first.
    #[default]
    Recent,
    /// Timestamps over one imprint.
    Search {
        /// The imprint, lowercase hex.
        imprint: String,
        /// Where it came from (a path, or "digest"), for the title.
        source: String,
    },
}

impl Keyed for TimestampItem {
    type Key = u64;

    fn key(&self) -> &u64 {
        &self.serial
    }
}

/// The timestamps screen's list: rows newest first, selection kept by serial.
pub type TimestampList = SelectList<TimestampItem, TimestampMode>;

/// The screen's own actions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimestampsAction {
    /// `s`: ask for a file to stamp.
    OpenStampPrompt,
}

/// A timestamp request, as computed locally from the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StampPlan {
    /// The file as the arbitrator named it.
    pub file: String,
    /// Its size in bytes.
    pub size_bytes: u64,
    /// Hash algorithm name on the wire (`sha256`).
    pub hash_alg: HashAlg,
    /// The imprint, lowercase hex.
    pub imprint_hex: String,
}

impl Signable for StampPlan {
    /// The notary signs it (a timestamp token).
    fn signs(&self) -> bool {
        true
    }

    fn headline(&self) -> &'static str {
        "The notary will sign an RFC 3161 timestamp"
    }

    fn fields(&self, hello: &Hello) -> Vec<Field> {
        let f = |label, value: &str| Field {
            label,
            value: sanitize(value),
        };
        vec![
            f("File", &self.file),
            f("Size", &format!("{} bytes", group_digits(self.size_bytes))),
            f("Algorithm", hash_alg_label(self.hash_alg)),
            f("Imprint", &self.imprint_hex),
            f("Policy OID", &hello.timestamp_policy),
            f("Accuracy", &format!("{} ms", hello.timestamp_accuracy_ms)),
            f("TSA subject", &hello.tsa_subject),
            f(
                "Operator",
                &format!("{} (arbitrator {})", hello.operator, hello.arbitrator),
            ),
        ]
    }

    fn op(&self) -> Op {
        Op::Stamp {
            hash_alg: self.hash_alg,
            imprint: self.imprint_hex.clone(),
        }
    }
}

/// What happened to a signing request after confirmation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StampOutcome {
    /// Sent; waiting for the answer.
    Pending {
        /// The imprint sent.
        imprint: String,
    },
    /// Signed over the imprint that was confirmed.
    Done(TimestampItem),
    /// The notary refused or failed; nothing was signed.
    Failed(String),
    /// The answer does not match what was confirmed.
    Mismatch {
        /// What was confirmed.
        expected: String,
        /// What the notary says it signed.
        item: TimestampItem,
    },
    /// The connection ended before the answer: the outcome is unknown.
    Unknown(String),
}

/// `sha256` → `SHA-256`.
pub fn hash_alg_label(alg: HashAlg) -> &'static str {
    match alg {
        HashAlg::Sha256 => "SHA-256",
        HashAlg::Sha384 => "SHA-384",
        HashAlg::Sha512 => "SHA-512",
    }
}

#[cfg(test)]
mod tests;
