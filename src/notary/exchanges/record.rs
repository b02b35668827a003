//! An exchange as the notary stores it (`Cf::Exchanges`, by tid), and the book rebuilt from
//! those records at start.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::crypto::envelope::Envelope;
use crate::model::exchange::{
    ExchangeState, Exchanges, Protocol, Sha256Hex, Tid, Token, Undecided, Verdict,
};
use crate::model::policy::PolicyRef;
use crate::notary::NotaryError;
use crate::store::{Cf, Store};

/// One exchange the notary has seen: m1, its deadline, and once decided, the decision.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ExchangeRecord {
    /// Transaction id.
    pub tid: String,
    /// Contract signing or item for receipt.
    pub protocol: Protocol,
    /// Party id of the originator (sender).
    pub originator: String,
    /// Party id of the responder (recipient).
    pub responder: String,
    /// The originator's signed m1.
    pub m1: Envelope,
    /// After this instant a resolve of the undecided exchange aborts it.
    pub deadline: DateTime<Utc>,
    /// When the notary first saw the exchange.
    pub first_seen: DateTime<Utc>,
    /// The policy whose default deadline applied (the `[exchanges] policy` then).
    pub policy: PolicyRef,
    /// The decision, once made.
    #[serde(default)]
    pub decision: Option<DecisionRecord>,
}

/// A decision on an exchange: terminal.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DecisionRecord {
    /// Aborted or resolved, and how.
    pub verdict: Verdict,
    /// When.
    pub decided_at: DateTime<Utc>,
    /// Log index of the token.
    pub log_index: u64,
    /// The signed token.
    pub token: Envelope,
    /// The exact answer every abort or resolve of this exchange gets (canonical JSON).
    pub answer: String,
}

impl ExchangeRecord {
    /// The record with `decision`: the token signed at `log_index` and `decided_at`, and the
    /// answer every later request gets.
    pub(crate) fn decided(
        self,
        verdict: Verdict,
        (decided_at, log_index): (DateTime<Utc>, u64),
        token: Envelope,
        answer: String,
    ) -> ExchangeRecord {
        ExchangeRecord {
            decision: Some(DecisionRecord {
                verdict,
                decided_at,
                log_index,
                token,
                answer,
            }),
            ..self
        }
    }
}

fn parse_tid(tid: &str) -> Result<Tid, NotaryError> {
    Sha256Hex::try_from(tid.to_string())
        .map(Tid::from)
        .map_err(|e| NotaryError::Corrupt(format!("exchange record tid {tid:?}: {e}")))
}

/// Rebuilds the book of exchanges from the store; a tid stored twice is corruption.
pub(crate) fn load_book(store: &Store) -> Result<Exchanges, NotaryError> {
    let mut book = Exchanges::new();
    for (key, raw) in store.scan_all(Cf::Exchanges)? {
        let r: ExchangeRecord = serde_json::from_slice(&raw)
            .map_err(|e| NotaryError::Corrupt(format!("exchange record: {e}")))?;
        if key != r.tid.as_bytes() {
            return Err(NotaryError::Corrupt(format!(
                "exchange record {} stored under another key",
                r.tid
            )));
        }
        let tid = parse_tid(&r.tid)?;
        let restored = match r.decision {
            None => book.restore(ExchangeState::Undecided(Undecided::new(tid, r.deadline))),
            Some(d) => book.restore_decided(tid, d.verdict, Token::new(d.answer.into_bytes())),
        };
        restored.map_err(|e| NotaryError::Corrupt(e.to_string()))?;
    }
    Ok(book)
}

/// The stored record of `tid`, if any.
pub(crate) fn stored(store: &Store, tid: &str) -> Result<Option<ExchangeRecord>, NotaryError> {
    store
        .get(Cf::Exchanges, tid.as_bytes())?
        .map(|raw| {
            serde_json::from_slice(&raw)
                .map_err(|e| NotaryError::Corrupt(format!("exchange record {tid}: {e}")))
        })
        .transpose()
}
