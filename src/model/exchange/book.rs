//! The notary's book of exchanges: per tid, undecided or decided, and the token of the decision.
//!
//! Exclusivity is checked as a pair. On write, [`Exchanges::record`] asserts in every build that
//! the tid is not decided yet: a second decision is a bug, and the panic stops the notary's
//! sequencer before a second token is signed. On read, [`Exchanges::restore`] refuses a tid that
//! the stored data holds twice. A decided state has no setter: the stored token is the one every
//! later request gets back.
//!
//! The book also keeps the exchange list's order, so that listing reads only what it lists: the
//! undecided exchanges by deadline, and the latest [`RECENT_DECISIONS`] decisions.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, TimeDelta, Utc};

use super::decide::{
    decide_abort, decide_resolve, decide_ruled, AbortFacts, Context, Pending, ResolveFacts, Ruled,
    Verdict,
};
use super::wire::{Offer, Tid};
use super::ExchangeRefusal;

/// The bytes the notary answers with for a decision (its signed token, as stored). Opaque to the
/// model, which only keeps them and hands them back unchanged.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Token(Vec<u8>);

impl Token {
    /// Wraps the stored bytes.
    pub fn new(bytes: Vec<u8>) -> Token {
        Token(bytes)
    }

    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

/// An exchange nobody has decided yet. Only a decision consumes it, into a [`Pending`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Undecided {
    pub(super) tid: Tid,
    deadline: DateTime<Utc>,
}

impl Undecided {
    /// An undecided exchange with `deadline` (for a notary rebuilding its book from disk).
    pub fn new(tid: Tid, deadline: DateTime<Utc>) -> Undecided {
        Undecided { tid, deadline }
    }

    /// The exchange.
    pub fn tid(&self) -> &Tid {
        &self.tid
    }

    /// After this instant a resolve aborts the exchange (`expired`).
    pub fn deadline(&self) -> DateTime<Utc> {
        self.deadline
    }
}

/// A decided exchange: terminal, with the token every later request gets back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decided {
    tid: Tid,
    verdict: Verdict,
    token: Token,
}

impl Decided {
    /// The exchange.
    pub fn tid(&self) -> &Tid {
        &self.tid
    }

    /// Aborted or resolved, and how.
    pub fn verdict(&self) -> Verdict {
        self.verdict
    }

    /// The token stored with the decision.
    pub fn token(&self) -> &Token {
        &self.token
    }
}

/// Where an exchange stands: it cannot be both aborted and resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExchangeState {
    /// Nobody decided it yet.
    Undecided(Undecided),
    /// Decided for good.
    Decided(Decided),
}

impl ExchangeState {
    /// The exchange.
    pub fn tid(&self) -> &Tid {
        match self {
            ExchangeState::Undecided(u) => &u.tid,
            ExchangeState::Decided(d) => &d.tid,
        }
    }
}

/// What a valid request comes to.
#[derive(Debug, PartialEq, Eq)]
pub enum Decision {
    /// Decided before: answer with this token, unchanged, and sign nothing.
    Stored(Decided),
    /// Decide now: sign the token of `Pending::verdict`, then [`Exchanges::record`] it.
    New(Pending),
}

/// Stored exchanges that contradict the rules.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExchangeBookError {
    /// The stored data holds a tid twice.
    #[error("exchange {0} is stored twice")]
    Duplicate(String),
}

/// How many of the latest decisions the book keeps in order (the longest exchange list).
pub const RECENT_DECISIONS: usize = 500;

/// Every exchange the notary has seen, by tid.
#[derive(Clone, Debug, Default)]
pub struct Exchanges {
    /// Ordered, not hashed, like the ledger's reservations: this grows with every exchange the
    /// notary sees, and a hash map's doubling would stop the sequencer while it moved them all.
    states: BTreeMap<Tid, ExchangeState>,
    /// The undecided ones, by deadline.
    undecided: BTreeSet<(DateTime<Utc>, Tid)>,
    /// The latest decisions (at most [`RECENT_DECISIONS`]), by token: the notary's tokens sort
    /// in the order it decided (their log index, big-endian).
    recent: BTreeSet<(Token, Tid)>,
}

impl Exchanges {
    /// An empty book.
    pub fn new() -> Exchanges {
        Exchanges::default()
    }

    /// The stored state of `tid`, if the notary has seen it.
    pub fn get(&self, tid: &Tid) -> Option<&ExchangeState> {
        self.states.get(tid)
    }

    /// How many exchanges the book holds.
    pub fn len(&self) -> usize {
        self.states.len()
    }

    /// True if the book holds none.
    pub fn is_empty(&self) -> bool {
        self.states.is_empty()
    }

    /// The state a decision on `offer` starts from: the stored one, or an undecided exchange whose
    /// deadline is m1's, else the policy's default counted from now.
    pub fn current(&self, offer: &Offer, ctx: &Context<'_>) -> ExchangeState {
        if let Some(state) = self.states.get(offer.tid()) {
            return state.clone();
        }
        let deadline = match offer.payload().deadline {
            Some(t) => t.at(),
            None => default_deadline(ctx),
        };
        ExchangeState::Undecided(Undecided::new(offer.tid().clone(), deadline))
    }

    /// Records an exchange the notary learned of without deciding it (a complaint about a stuck
    /// exchange): from then on its deadline is fixed. Changes nothing for a known tid.
    pub fn open(&mut self, offer: &Offer, ctx: &Context<'_>) -> &ExchangeState {
        let state = self.current(offer, ctx);
        if !self.states.contains_key(offer.tid()) {
            self.listed(&state);
        }
        self.states.entry(offer.tid().clone()).or_insert(state)
    }

    /// The exchange list: the undecided exchanges by deadline, then the latest decisions,
    /// newest first; at most `limit` (and past [`RECENT_DECISIONS`] decisions, no older ones).
    pub fn listing(&self, limit: usize) -> impl Iterator<Item = &Tid> {
        let undecided = self.undecided.iter().map(|(_, tid)| tid);
        let decided = self.recent.iter().rev().map(|(_, tid)| tid);
        undecided.chain(decided).take(limit)
    }

    /// Puts a state newly held into the list's order.
    fn listed(&mut self, state: &ExchangeState) {
        match state {
            ExchangeState::Undecided(u) => {
                self.undecided.insert((u.deadline, u.tid.clone()));
            }
            ExchangeState::Decided(d) => {
                self.recent.insert((d.token.clone(), d.tid.clone()));
                if self.recent.len() > RECENT_DECISIONS {
                    self.recent.pop_first();
                }
            }
        }
    }

    /// [`decide_abort`] on the exchange's current state.
    pub fn decide_abort(&self, f: &AbortFacts<'_>) -> Result<Decision, ExchangeRefusal> {
        decide_abort(self.current(f.m1.payload, &f.ctx), f)
    }

    /// [`decide_resolve`] on the exchange's current state.
    pub fn decide_resolve(&self, f: &ResolveFacts<'_>) -> Result<Decision, ExchangeRefusal> {
        decide_resolve(self.current(f.m1.payload, &f.ctx), f)
    }

    /// [`decide_ruled`] on the exchange's current state.
    pub fn decide_ruled(&self, offer: &Offer, ctx: &Context<'_>, ruled: Ruled) -> Decision {
        decide_ruled(self.current(offer, ctx), ruled, ctx.now)
    }

    /// Stores a new decision and its token; returns what is now stored.
    ///
    /// # Panics
    /// If the tid is decided already: two decisions on one exchange (see the module doc).
    pub fn record(&mut self, pending: Pending, token: Token) -> Decided {
        let Pending { tid, verdict } = pending;
        if let Some(ExchangeState::Decided(earlier)) = self.states.get(&tid) {
            panic!(
                "exchange invariant broken: {} is {} already; a second decision ({}) was recorded",
                tid.as_str(),
                earlier.verdict.name(),
                verdict.name()
            );
        }
        let decided = Decided {
            tid: tid.clone(),
            verdict,
            token,
        };
        let state = ExchangeState::Decided(decided.clone());
        self.listed(&state);
        if let Some(ExchangeState::Undecided(u)) = self.states.insert(tid, state) {
            self.undecided.remove(&(u.deadline, u.tid));
        }
        decided
    }

    /// Puts back a stored decision (when the notary rebuilds the book from disk).
    pub fn restore_decided(
        &mut self,
        tid: Tid,
        verdict: Verdict,
        token: Token,
    ) -> Result<(), ExchangeBookError> {
        let decided = Decided {
            tid,
            verdict,
            token,
        };
        self.restore(ExchangeState::Decided(decided))
    }

    /// Puts back a stored state; refuses a tid restored before: the read-side check.
    pub fn restore(&mut self, state: ExchangeState) -> Result<(), ExchangeBookError> {
        let tid = state.tid().clone();
        if self.states.contains_key(&tid) {
            return Err(ExchangeBookError::Duplicate(tid.as_str().to_string()));
        }
        self.listed(&state);
        self.states.insert(tid, state);
        Ok(())
    }
}

/// Now plus the policy's default, or the last representable instant if that overflows.
fn default_deadline(ctx: &Context<'_>) -> DateTime<Utc> {
    TimeDelta::try_seconds(ctx.default_deadline_s)
        .and_then(|d| ctx.now.checked_add_signed(d))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}
