//! The plain model of the ledger (docs/design.md §6.3 alone) and the operations a case is made
//! of.

use notar::notary::Closing;
use proptest::prelude::*;
use std::collections::{HashMap, HashSet};

pub const TOTAL_CAP: i64 = 100_000;
pub const PER_TX_CAP: i64 = 50_000;
/// semper-consumer: guarantee_validity 30d + release_grace 7d.
const RELEASE_AFTER_DAYS: i64 = 37;
const AGREEMENT_DAYS: i64 = 365;

/// One request, as generated: closes name a granted guarantee modulo how many there are.
#[derive(Clone, Debug)]
pub enum Req {
    Guarantee {
        rid: u8,
        key: u8,
        amount: i64,
        doc: u8,
    },
    Settle(u8),
    Release(u8),
    Revoke(u8),
}

/// One step of a case.
#[derive(Clone, Debug)]
pub enum Op {
    /// Requests sent at once, each by its own caller (one: a plain serial step).
    Group(Vec<Req>),
    /// `days` pass and the expiry sweep runs.
    Expire { days: i64 },
    /// The `nth` synced store write from now fails (injected).
    FailWrite { nth: u64 },
}

/// A request with its target resolved against the guarantees granted before the step.
#[derive(Clone, Copy, Debug)]
pub enum Call {
    Guarantee {
        rid: u8,
        key: u8,
        amount: i64,
        doc: u8,
    },
    Close {
        idx: usize,
        how: Closing,
    },
    Revoke(u8),
}

fn req() -> impl Strategy<Value = Req> {
    let amount = prop_oneof![
        1 => Just(0i64),
        1 => Just(-500i64),
        2 => 50_001i64..60_000,
        8 => 1i64..50_001,
    ];
    prop_oneof![
        10 => (0u8..24, 0u8..2, amount, 0u8..16)
            .prop_map(|(rid, key, amount, doc)| Req::Guarantee { rid, key, amount, doc }),
        3 => (0u8..32).prop_map(Req::Settle),
        3 => (0u8..32).prop_map(Req::Release),
        1 => (0u8..2).prop_map(Req::Revoke),
    ]
}

pub fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        12 => req().prop_map(|r| Op::Group(vec![r])),
        6 => proptest::collection::vec(req(), 2..=4).prop_map(Op::Group),
        2 => (0i64..45).prop_map(|days| Op::Expire { days }),
        1 => (1u64..4).prop_map(|nth| Op::FailWrite { nth }),
    ]
}

/// An answer as the model spells it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Granted,
    Refused(String),
    Conflict(String),
    Closed(GState),
    Revoked,
    /// Any other error (by code): `unavailable` and `storage_failure` are "not acknowledged".
    Error(String),
}

impl Outcome {
    /// The caller got no answer it may rely on: the request's batch failed or never ran.
    pub fn unacknowledged(&self) -> bool {
        matches!(self, Outcome::Error(c) if c == "unavailable" || c == "storage_failure")
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GState {
    Outstanding,
    Settled,
    Released,
}

#[derive(Clone, Default)]
pub struct Model {
    pub now_days: i64,
    pub revoked: HashSet<u8>,
    docs: HashSet<u8>,
    /// Each request id's parameters and its answer.
    pub requests: HashMap<u8, (u8, i64, u8, Outcome)>,
    /// Granted guarantees in grant order: (amount, release day, state).
    pub granted: Vec<(i64, i64, GState)>,
}

impl Model {
    pub fn exposure(&self) -> i64 {
        self.granted
            .iter()
            .filter(|g| g.2 == GState::Outstanding)
            .map(|g| g.0)
            .sum()
    }

    /// The answer to `call` and whether it changes what the notary holds (a new log entry).
    pub fn apply(&mut self, call: &Call) -> (Outcome, bool) {
        match *call {
            Call::Guarantee {
                rid,
                key,
                amount,
                doc,
            } => self.guarantee(rid, key, amount, doc),
            Call::Close { idx, how } => self.close(idx, how),
            Call::Revoke(k) if self.revoked.insert(k) => (Outcome::Revoked, true),
            Call::Revoke(_) => (Outcome::Conflict("already_revoked".into()), false),
        }
    }

    fn guarantee(&mut self, rid: u8, key: u8, amount: i64, doc: u8) -> (Outcome, bool) {
        if let Some((k, a, d, e)) = self.requests.get(&rid) {
            return if (*k, *a, *d) == (key, amount, doc) {
                (e.clone(), false)
            } else {
                (Outcome::Conflict("request_id_reused".into()), false)
            };
        }
        let refused = if self.now_days >= AGREEMENT_DAYS {
            Some("agreement_inactive")
        } else if self.revoked.contains(&key) {
            Some("key_revoked")
        } else if amount <= 0 {
            Some("bad_amount")
        } else if amount > PER_TX_CAP {
            Some("per_transaction_cap_exceeded")
        } else if self.exposure() + amount > TOTAL_CAP {
            Some("total_cap_exceeded")
        } else if self.docs.contains(&doc) {
            Some("duplicate_transaction")
        } else {
            None
        };
        let e = match refused {
            Some(code) => Outcome::Refused(code.into()),
            None => {
                self.docs.insert(doc);
                let release = self.now_days + RELEASE_AFTER_DAYS;
                self.granted.push((amount, release, GState::Outstanding));
                Outcome::Granted
            }
        };
        self.requests.insert(rid, (key, amount, doc, e.clone()));
        (e, true)
    }

    fn close(&mut self, n: usize, how: Closing) -> (Outcome, bool) {
        let target = match how {
            Closing::Settle => GState::Settled,
            Closing::Release => GState::Released,
        };
        let g = &mut self.granted[n];
        match g.2 {
            GState::Outstanding => {
                g.2 = target;
                (Outcome::Closed(target), true)
            }
            s if s == target => (Outcome::Closed(target), false),
            GState::Settled => (Outcome::Conflict("already_settled".into()), false),
            GState::Released => (Outcome::Conflict("already_released".into()), false),
        }
    }

    /// Releases what is due; how many.
    pub fn expire(&mut self) -> usize {
        let mut n = 0;
        for g in &mut self.granted {
            if g.2 == GState::Outstanding && g.1 <= self.now_days {
                g.2 = GState::Released;
                n += 1;
            }
        }
        n
    }
}
