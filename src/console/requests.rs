//! Request ids and the table of outstanding requests, so an answer can be matched to what it
//! was for (two `Timestamps` answers may mean "recent" or "search"), and a poll is not sent
//! again while the previous one is still on its way.

use std::collections::BTreeMap;

use crate::api::admin::proto::{Op, Request};

use super::action::Command;
use super::screens::agreements::plans::LedgerPlan;

/// Outstanding requests kept at most; older ones are forgotten (their answers are then ignored).
pub const PENDING_MAX: usize = 256;
/// A request older than this no longer counts as "in flight" for polling decisions.
pub const PENDING_STALE_MS: u64 = 10_000;

/// What an outstanding request was for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Pending {
    /// Dashboard figures.
    Status,
    /// The recent timestamps list.
    TimestampsRecent,
    /// A search by imprint.
    TimestampsSearch {
        /// The imprint searched, lowercase hex.
        imprint: String,
    },
    /// A signing request for this imprint.
    Stamp {
        /// The imprint sent, lowercase hex.
        imprint: String,
    },
    /// The checkpoints list.
    Checkpoints,
    /// A page of entries.
    Entries {
        /// First index asked for.
        start: u64,
    },
    /// An inclusion proof.
    Prove {
        /// The leaf index asked for.
        index: u64,
    },
    /// The agreements list for this search.
    Agreements {
        /// The search text.
        query: String,
    },
    /// The parties list for this search.
    Parties {
        /// The search text.
        query: String,
    },
    /// One agreement's detail.
    AgreementShow {
        /// Its id.
        id: String,
    },
    /// One party's detail.
    PartyShow {
        /// Its id.
        id: String,
    },
    /// The guarantee feed.
    Feed,
    /// The policy versions.
    Policies,
    /// A confirmed registry or ledger request, kept to check the answer against (boxed: the
    /// other entries are small).
    Ledger(Box<LedgerPlan>),
}

impl Pending {
    /// True for the requests the agreements screen answers (see `agreements_update`).
    pub fn is_agreements(&self) -> bool {
        matches!(
            self,
            Pending::Agreements { .. }
                | Pending::Parties { .. }
                | Pending::AgreementShow { .. }
                | Pending::PartyShow { .. }
                | Pending::Feed
                | Pending::Policies
                | Pending::Ledger(_)
        )
    }
}

/// Allocates increasing ids and remembers what each request was for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Requests {
    next_id: u64,
    pending: BTreeMap<u64, (Pending, u64)>,
}

impl Requests {
    /// Ids start at `first_id`.
    pub fn new(first_id: u64) -> Self {
        Requests {
            next_id: first_id,
            pending: BTreeMap::new(),
        }
    }

    /// Records `what`, sent at `now_ms`, and returns the command that sends `op` with a new id.
    pub fn issue(&mut self, what: Pending, op: Op, now_ms: u64) -> Command {
        let id = self.next_id;
        self.next_id += 1;
        self.pending.insert(id, (what, now_ms));
        while self.pending.len() > PENDING_MAX {
            self.pending.pop_first();
        }
        Command::Send(Request { id, op })
    }

    /// The id the next request will get.
    pub fn next_id(&self) -> u64 {
        self.next_id
    }

    /// True when a request matching `f`, sent less than [`PENDING_STALE_MS`] ago, is awaited.
    pub fn in_flight(&self, now_ms: u64, f: impl Fn(&Pending) -> bool) -> bool {
        self.pending
            .values()
            .any(|(p, at)| f(p) && now_ms.saturating_sub(*at) < PENDING_STALE_MS)
    }

    /// Forgets request `id` and returns what it was for.
    pub fn complete(&mut self, id: u64) -> Option<Pending> {
        self.pending.remove(&id).map(|(p, _)| p)
    }

    /// Forgets everything (the connection is gone).
    pub fn clear(&mut self) {
        self.pending.clear();
    }

    /// Number of outstanding requests.
    pub fn len(&self) -> usize {
        self.pending.len()
    }

    /// True when nothing is outstanding.
    pub fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }
}
