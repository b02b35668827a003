//! An exchange as the notary stores it (`Cf::Exchanges`, by tid), and the book rebuilt from
//! those records at start.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::crypto::envelope::Envelope;
use crate::model::exchange::{
    ExchangeState, Exchanges, Protocol, Sha256Hex, Tid, Token, Undecided, Verdict,
};
use crate::model::policy::PolicyRef;
use crate::notary::state::StagedAnswer;
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
    store.for_each(Cf::Exchanges, |key, raw| {
        let r: ExchangeRecord = serde_json::from_slice(raw)
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
            Some(d) => book.restore_decided(tid, d.verdict, token_ref(d.log_index)),
        };
        restored.map_err(|e| NotaryError::Corrupt(e.to_string()))
    })?;
    Ok(book)
}

/// What the book keeps of a decision's answer: the log index of its token (8 bytes). The answer
/// itself (about 1.6 KB) stays in the exchange's record, read when a repeat asks
/// ([`decided_answer`]): memory does not grow by an answer per exchange ever decided.
pub(crate) fn token_ref(log_index: u64) -> Token {
    Token::new(log_index.to_be_bytes().to_vec())
}

/// The log index of the token a book's decision names ([`token_ref`]).
pub(crate) fn token_index(token: &Token) -> Result<u64, NotaryError> {
    <[u8; 8]>::try_from(token.as_bytes())
        .map(u64::from_be_bytes)
        .map_err(|_| NotaryError::Bug("an exchange token reference is not 8 bytes".into()))
}

/// Where the answer to a repeat of a decided exchange is.
pub(crate) enum Earlier {
    /// In the batch being built: answered once it is durable.
    Staged(StagedAnswer),
    /// In the exchange's record.
    Durable(String),
}

/// The answer to a repeat of the decided exchange `tid`.
pub(crate) fn decided_answer(
    store: &Store,
    pending: &HashMap<String, StagedAnswer>,
    tid: &str,
) -> Result<Earlier, NotaryError> {
    if let Some(answer) = pending.get(tid) {
        return Ok(Earlier::Staged(answer.clone()));
    }
    let decision = stored(store, tid)?.and_then(|r| r.decision);
    let d = decision.ok_or_else(|| {
        NotaryError::Corrupt(format!(
            "exchange {tid} is decided but no decision is stored"
        ))
    })?;
    Ok(Earlier::Durable(d.answer))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repeat_reads_the_staged_answer_then_the_stored_one() {
        let tmp = tempfile::tempdir().expect("tmp");
        let store = Store::create(&tmp.path().join("db")).expect("store");
        let mut pending = HashMap::new();
        // Decided in memory, nothing staged or stored: the data dir is damaged, and says so.
        let Err(err) = decided_answer(&store, &pending, "t1") else {
            panic!("found an answer")
        };
        assert!(matches!(err, NotaryError::Corrupt(_)), "{err}");
        let cell = StagedAnswer::default();
        pending.insert("t1".to_string(), cell.clone());
        let Ok(Earlier::Staged(found)) = decided_answer(&store, &pending, "t1") else {
            panic!("not the staged answer")
        };
        assert!(std::sync::Arc::ptr_eq(&found, &cell));
        // The book keeps the token's log index, not the answer.
        assert_eq!(token_ref(7).as_bytes(), &7u64.to_be_bytes());
        assert_eq!(token_index(&token_ref(7)).expect("index"), 7);
    }
}
