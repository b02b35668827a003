//! Request ids and the table of outstanding requests, so an answer can be matched to what it
//! was for (two `Timestamps` answers may mean "recent" or "search"), and a poll is not sent
//! again while the previous one is still on its way. What a request was for (`P`) is the
//! app's [`Pending`](super::app::Pending); this table only keeps it.

use std::collections::BTreeMap;

use crate::api::admin::proto::{Op, Request};

use super::command::Command;

/// Outstanding requests kept at most; older ones are forgotten (their answers are then ignored).
pub const PENDING_MAX: usize = 256;
/// A request older than this no longer counts as "in flight" for polling decisions.
pub const PENDING_STALE_MS: u64 = 10_000;

/// Allocates increasing ids and remembers what each request was for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Requests<P> {
    next_id: u64,
    pending: BTreeMap<u64, (P, u64)>,
}

impl<P> Requests<P> {
    /// Ids start at `first_id`.
    pub fn new(first_id: u64) -> Self {
        Requests {
            next_id: first_id,
            pending: BTreeMap::new(),
        }
    }

    /// Records `what`, sent at `now_ms`, and returns the command that sends `op` with a new id.
    pub fn issue(&mut self, what: P, op: Op, now_ms: u64) -> Command {
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
    pub fn in_flight(&self, now_ms: u64, f: impl Fn(&P) -> bool) -> bool {
        self.pending
            .values()
            .any(|(p, at)| f(p) && now_ms.saturating_sub(*at) < PENDING_STALE_MS)
    }

    /// Forgets request `id` and returns what it was for.
    pub fn complete(&mut self, id: u64) -> Option<P> {
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
