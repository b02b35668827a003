//! An exchange as the notary stores it (`Cf::Exchanges`, by tid), and the book rebuilt from
//! those records at start.
//!
//! A decision's token is the body of its log leaf, byte for byte, so the record names it by
//! its log index (`{"at": N}`, [`Signed`]) and keeps only what the leaf does not hold: the
//! escrowed key a resolve released. The answer every repeat gets is made again from the leaf
//! and that key ([`decided_answer`]), the same bytes. m1 is not stored either (`"m1": null`):
//! every record is written with its decision, and every token embeds m1, so reading a record
//! takes m1 from its token. Older records carry m1 (and those written before 2026-12-02 the
//! token inline and the answer whole); they read as before.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::stage::answer_of;
use crate::crypto::envelope::Envelope;
use crate::model::exchange::{
    ExchangeState, Exchanges, Protocol, Sha256Hex, Tid, Token, Undecided, Verdict,
};
use crate::model::policy::PolicyRef;
use crate::notary::by_index::{envelope_texts, resolve, Signed};
use crate::notary::state::StagedAnswer;
use crate::notary::NotaryError;
use crate::store::{Cf, Store};

/// One exchange the notary has seen: m1, its deadline, and once decided, the decision. `D` is
/// [`DecisionRecord`] (the token read back) or, as stored, [`StoredDecision`]; `M` is m1, or as
/// stored ([`StoredRecord`]) `None` (its token holds it; `Some` in records written before).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ExchangeRecord<D = DecisionRecord, M = Envelope> {
    /// Transaction id.
    pub tid: String,
    /// Contract signing or item for receipt.
    pub protocol: Protocol,
    /// Party id of the originator (sender).
    pub originator: String,
    /// Party id of the responder (recipient).
    pub responder: String,
    /// The originator's signed m1.
    pub m1: M,
    /// After this instant a resolve of the undecided exchange aborts it.
    pub deadline: DateTime<Utc>,
    /// When the notary first saw the exchange.
    pub first_seen: DateTime<Utc>,
    /// The policy whose default deadline applied (the `[exchanges] policy` then).
    pub policy: PolicyRef,
    /// The decision, once made.
    #[serde(default = "Option::default")]
    pub decision: Option<D>,
}

/// A decision on an exchange: terminal.
#[derive(Clone, Debug)]
pub struct DecisionRecord {
    /// Aborted or resolved, and how.
    pub verdict: Verdict,
    /// When.
    pub decided_at: DateTime<Utc>,
    /// Log index of the token.
    pub log_index: u64,
    /// The signed token.
    pub token: Envelope,
}

/// A decision as the record stores it: the token by its log index.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct StoredDecision {
    verdict: Verdict,
    decided_at: DateTime<Utc>,
    log_index: u64,
    /// `{"at": log_index}`; inline in records written before.
    token: Signed,
    /// The escrowed key the answer released (base64), when it released one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    key: Option<String>,
    /// The whole answer, in records written before (their key is in it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    answer: Option<String>,
}

/// An exchange's record as stored: its decision's token named by log index, m1 left to the token.
pub(crate) type StoredRecord = ExchangeRecord<StoredDecision, Option<Envelope>>;

impl<D, M> ExchangeRecord<D, M> {
    /// The same record with `decision` and `m1` in place of its own.
    fn with<E, N>(self, decision: Option<E>, m1: N) -> ExchangeRecord<E, N> {
        ExchangeRecord {
            tid: self.tid,
            protocol: self.protocol,
            originator: self.originator,
            responder: self.responder,
            m1,
            deadline: self.deadline,
            first_seen: self.first_seen,
            policy: self.policy,
            decision,
        }
    }

    /// The record to store with `decision`: the token signed at `log_index` and `decided_at`
    /// (it embeds m1, which the record then leaves out), the key its answer released (if any).
    pub(crate) fn decided(
        self,
        verdict: Verdict,
        (decided_at, log_index): (DateTime<Utc>, u64),
        key: Option<String>,
    ) -> StoredRecord {
        self.with(
            Some(StoredDecision {
                verdict,
                decided_at,
                log_index,
                token: Signed::At { at: log_index },
                key: key.filter(|_| verdict.releases_key()),
                answer: None,
            }),
            None,
        )
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
        let r = parse_record(raw)?;
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
/// itself (about 1.6 KB) is made again from the token's leaf and the exchange's record when a
/// repeat asks ([`decided_answer`]): memory does not grow by an answer per exchange ever decided.
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

/// The answer to a repeat of the decided exchange `tid`: the one its batch makes, if that is
/// not durable yet; else the stored answer of a record written before, or the answer made again
/// around the token's leaf bytes and the released key (what [`answer_of`] made the first time).
pub(crate) fn decided_answer(
    store: &Store,
    pending: &HashMap<String, StagedAnswer>,
    tid: &str,
) -> Result<Earlier, NotaryError> {
    if let Some(answer) = pending.get(tid) {
        return Ok(Earlier::Staged(answer.clone()));
    }
    let decision = stored_raw(store, tid)?.and_then(|r| r.decision);
    let d = decision.ok_or_else(|| {
        NotaryError::Corrupt(format!(
            "exchange {tid} is decided but no decision is stored"
        ))
    })?;
    if let Some(answer) = d.answer {
        return Ok(Earlier::Durable(answer));
    }
    let token = match d.token {
        Signed::At { at } => envelope_texts(store, &[at])?.remove(0),
        Signed::Inline(env) => {
            let bytes = env
                .to_bytes()
                .map_err(|e| NotaryError::Corrupt(format!("exchange {tid}'s stored token: {e}")))?;
            String::from_utf8(bytes).map_err(|e| NotaryError::Bug(e.to_string()))?
        }
    };
    answer_of(tid, d.verdict, token.as_bytes(), d.key).map(Earlier::Durable)
}

/// The stored record of `tid` as written, if any (its token not read).
pub(crate) fn stored_raw(store: &Store, tid: &str) -> Result<Option<StoredRecord>, NotaryError> {
    store
        .get(Cf::Exchanges, tid.as_bytes())?
        .map(|raw| parse_record(&raw))
        .transpose()
}

/// The stored record of `tid`, if any, its token read from the log.
pub(crate) fn stored(store: &Store, tid: &str) -> Result<Option<ExchangeRecord>, NotaryError> {
    let Some(r) = stored_raw(store, tid)? else {
        return Ok(None);
    };
    Ok(resolve_records(store, vec![r])?.pop())
}

/// A stored record's bytes, parsed.
pub(crate) fn parse_record(raw: &[u8]) -> Result<StoredRecord, NotaryError> {
    serde_json::from_slice(raw).map_err(|e| NotaryError::Corrupt(format!("exchange record: {e}")))
}

/// Stored records with their tokens read from the log (one multi-get for all of them), and m1
/// from the token where the record leaves it out.
pub(crate) fn resolve_records(
    store: &Store,
    records: Vec<StoredRecord>,
) -> Result<Vec<ExchangeRecord>, NotaryError> {
    let tokens: Vec<Signed> = records
        .iter()
        .filter_map(|r| r.decision.as_ref().map(|d| d.token.clone()))
        .collect();
    let mut tokens = resolve(store, tokens)?.into_iter();
    records
        .into_iter()
        .map(|mut r| {
            let decision = match r.decision.take() {
                None => None,
                Some(d) => Some(DecisionRecord {
                    verdict: d.verdict,
                    decided_at: d.decided_at,
                    log_index: d.log_index,
                    token: tokens
                        .next()
                        .ok_or_else(|| NotaryError::Bug("resolve_records".into()))?,
                }),
            };
            let m1 = match r.m1.take() {
                Some(m1) => m1,
                None => m1_of(&r.tid, decision.as_ref())?,
            };
            Ok(r.with(decision, m1))
        })
        .collect()
}

/// m1 as the decision's token embeds it.
fn m1_of(tid: &str, decision: Option<&DecisionRecord>) -> Result<Envelope, NotaryError> {
    let m1 = decision.and_then(|d| d.token.payload.get("m1"));
    let m1 = m1.ok_or_else(|| {
        NotaryError::Corrupt(format!(
            "exchange {tid}: its record holds no m1 and no token that embeds it"
        ))
    })?;
    Envelope::deserialize(m1)
        .map_err(|e| NotaryError::Corrupt(format!("exchange {tid}: the token's m1: {e}")))
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
