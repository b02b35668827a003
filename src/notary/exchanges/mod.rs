//! Fair exchange, the notary's side (docs/design.md §6.4): abort and resolve requests, decided
//! by `model::exchange` on the sequencer, each answered with a signed, logged token; the same
//! bytes for every later request on the same exchange.
//!
//! This file holds the entry points and the reads; `check` (parsing, signatures, the escrow:
//! off the sequencer), `stage` (on the sequencer), `token` (what is signed), `record` (what is
//! stored).

mod check;
mod record;
mod ruled;
pub(crate) use record::stored as stored_exchange;
pub(crate) use ruled::{plan_ruled, record_ruled, RuledDecision, RuledExchange, RuledToken};
mod stage;
mod token;

use serde::Serialize;

use self::check::{open_escrow, parse, parse_abort, parse_offer, CheckedEvidence, ItemParts};
pub(crate) use self::record::load_book;
pub use self::record::{DecisionRecord, ExchangeRecord};
use self::stage::stage;
use self::token::Request;
use super::{Notary, NotaryError};
use crate::crypto::envelope::Envelope;
use crate::model::error_code::ErrorCode;
use crate::model::exchange::{AbortBody, Outcome, Protocol, ResolveBody, Sha256Hex};
use crate::model::time::rfc3339_ms;
use crate::store::Cf;

/// The answer to an abort or resolve: canonical JSON, byte-identical for every request on the
/// same exchange once it is decided (`{"tid","status","outcome","token","key"?}`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExchangeAnswer {
    /// The exact body.
    pub body: String,
}

/// An exchange as `GET /v1/exchanges/{tid}` shows it (never the released key).
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ExchangeView {
    /// Transaction id.
    pub tid: String,
    /// `undecided`, `aborted` or `resolved`.
    pub status: String,
    /// `contract` or `item`.
    #[schema(value_type = String)]
    pub protocol: Protocol,
    /// Originator's party id.
    pub originator: String,
    /// Responder's party id.
    pub responder: String,
    /// After this instant a resolve of the undecided exchange aborts it.
    pub deadline: String,
    /// When the notary first saw it.
    pub first_seen: String,
    /// How it ended, once decided.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub outcome: Option<Outcome>,
    /// The signed decision, once decided.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub token: Option<Envelope>,
}

impl ExchangeView {
    /// The view of a stored record.
    pub fn of(r: &ExchangeRecord) -> ExchangeView {
        let outcome = r.decision.as_ref().map(|d| d.verdict.outcome());
        ExchangeView {
            tid: r.tid.clone(),
            status: match outcome {
                None => "undecided",
                Some(o) if o.is_abort() => "aborted",
                Some(_) => "resolved",
            }
            .into(),
            protocol: r.protocol,
            originator: r.originator.clone(),
            responder: r.responder.clone(),
            deadline: rfc3339_ms(r.deadline),
            first_seen: rfc3339_ms(r.first_seen),
            outcome,
            token: r.decision.as_ref().map(|d| d.token.clone()),
        }
    }
}

/// Most exchanges one listing returns.
pub const EXCHANGE_LIST_MAX: usize = crate::model::exchange::RECENT_DECISIONS;

impl Notary {
    /// The originator's abort: `{m1, abort}`. Refusals change nothing.
    pub async fn abort_exchange(
        &self,
        body: AbortBody<Envelope>,
    ) -> Result<ExchangeAnswer, NotaryError> {
        let (m1, abort) = parse_abort(&self.shared, body.m1, body.abort)?;
        self.decide_exchange(Request::Abort { m1, abort }).await
    }

    /// Either party's resolve: m1 with m2, or m1 with the item-for-receipt parts. The escrow
    /// is opened here, off the sequencer.
    pub async fn resolve_exchange(
        &self,
        body: ResolveBody<Envelope>,
    ) -> Result<ExchangeAnswer, NotaryError> {
        let st = &*self.shared;
        let req = match body {
            ResolveBody::Contract { m1, m2 } => Request::Resolve {
                m1: parse_offer(st, m1)?,
                evidence: CheckedEvidence::Contract {
                    m2: parse(st, "m2", m2)?,
                },
            },
            ResolveBody::Item {
                m1,
                item_escrow,
                receipt,
                escrow,
            } => {
                let m1 = parse_offer(st, m1)?;
                let (escrow_digest, opening) =
                    open_escrow(&self.shared.escrow_key, &m1.payload, &escrow)?;
                let parts = ItemParts {
                    item_escrow: parse(st, "item_escrow", item_escrow)?,
                    receipt: parse(st, "receipt", receipt)?,
                    escrow_digest,
                    opening,
                };
                Request::Resolve {
                    m1,
                    evidence: CheckedEvidence::Item(Box::new(parts)),
                }
            }
        };
        self.decide_exchange(req).await
    }

    async fn decide_exchange(&self, req: Request) -> Result<ExchangeAnswer, NotaryError> {
        let shared = self.shared.clone();
        self.command(move |ctx| stage(&shared, ctx, req)).await
    }

    /// The stored state of exchange `tid`.
    pub fn exchange(&self, tid: &str) -> Result<ExchangeView, NotaryError> {
        let unknown = || NotaryError::unknown(ErrorCode::UnknownExchange, "exchange", tid);
        if Sha256Hex::try_from(tid.to_string()).is_err() {
            return Err(unknown());
        }
        let r = record::stored(&self.shared.store, tid)?.ok_or_else(unknown)?;
        Ok(ExchangeView::of(&r))
    }

    /// Stored exchanges: undecided first (by deadline), then decided, the latest decision
    /// first; at most `limit` (capped at [`EXCHANGE_LIST_MAX`]). The order comes from the book
    /// in memory and only the records listed are read, however many are stored.
    pub fn exchanges(&self, limit: usize) -> Result<Vec<ExchangeRecord>, NotaryError> {
        let keys: Vec<Vec<u8>> = {
            let st = self.shared.state.lock();
            st.exchanges
                .listing(limit.min(EXCHANGE_LIST_MAX))
                .map(|tid| tid.as_str().as_bytes().to_vec())
                .collect()
        };
        let raws = self.shared.store.multi_get(Cf::Exchanges, &keys)?;
        // A decision staged but not yet durable has no record yet: not listed.
        let records = raws
            .into_iter()
            .flatten()
            .map(|raw| record::parse_record(&raw))
            .collect::<Result<Vec<_>, _>>()?;
        record::resolve_records(&self.shared.store, records)
    }
}
