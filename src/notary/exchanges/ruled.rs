//! An exchange decided by a signed ruling (docs/design.md §6.5): the ruling's `resolve_exchange`
//! or `abort_exchange` action, run on the sequencer in the ruling's own command. The model
//! decides ([`crate::model::exchange::decide_ruled`]: the first decision is final; a resolve past
//! the deadline aborts, `expired`), the notary signs the token as it signs any exchange token,
//! naming the ruling, and stores the exchange's record, from which every later abort or resolve
//! gets the same answer; the ruling's action result cites the token's log index.
//!
//! Two steps, so nothing changes in memory before every action is planned: [`plan_ruled`]
//! decides (reads only), [`record_ruled`] records the decision and gives the token to sign. The
//! token is signed, its answer made and the record serialised by the ruling's deferred work on the
//! worker pool (DESIGN §2: the sequencer only orders); its payload is checked for a canonical form
//! while planning, so that work cannot fail on what the case's evidence holds.

use std::sync::Arc;

use serde_json::{json, Map, Value};

use super::record::{stored_raw, token_index, token_ref, ExchangeRecord, StoredRecord};
use super::stage::answer_of;
use super::token::{cause_name, entry_kind};
use crate::crypto::envelope::Envelope;
use crate::model::canonical::check_canonical;
use crate::model::error_code::ErrorCode;
use crate::model::exchange::{
    Context, Decision as ModelDecision, ExchangeState, Offer, Pending, Protocol, Ruled, Subject,
    Verdict,
};
use crate::model::time::rfc3339_ms;
use crate::notary::command::{sign_entry_to_bytes, AfterCommit};
use crate::notary::policies::exchange_policy;
use crate::notary::sequencer::{Records, StageCtx, StagedEntry};
use crate::notary::state::{to_json, StagedAnswer, State};
use crate::notary::{NotaryError, Shared};
use crate::store::Cf;

/// An exchange a ruling's action decides: what the ruling asks, and the case's envelopes it
/// rests on (m1 of the tid, and for a resolve the m2 the ruling's findings cite).
#[derive(Clone, Debug)]
pub(crate) struct RuledExchange {
    /// The tid.
    pub tid: String,
    /// Resolve or abort.
    pub ruled: Ruled,
    /// m1, if the case's evidence holds it.
    pub m1: Option<Envelope>,
    /// m2, if the case's evidence holds one the ruling cites.
    pub m2: Option<Envelope>,
}

impl RuledExchange {
    /// The action's wire name.
    pub fn action(&self) -> &'static str {
        match self.ruled {
            Ruled::Resolve => "resolve_exchange",
            Ruled::Abort => "abort_exchange",
        }
    }
}

/// A decision planned for a ruling, not yet recorded.
pub(crate) struct RuledDecision {
    pending: Pending,
    token: Unsigned,
}

/// A ruled decision's token and record, to make once signed.
struct Unsigned {
    record: StoredRecord,
    verdict: Verdict,
    /// Where the token is logged (its payload names `ctx.index`) and when it was decided.
    ctx: StageCtx,
    /// The token's payload, checked to have a canonical form.
    body: Value,
}

/// A ruled decision's token, recorded in memory and still to sign: the ruling's deferred work
/// signs it ([`RuledToken::sign`]).
pub(crate) struct RuledToken {
    token: Unsigned,
    /// Set to the answer once signed: a request on the exchange in the same batch waits for it.
    answer: StagedAnswer,
}

impl RuledToken {
    /// Signs the token with `key`: its log entry (at the index its payload names) and the
    /// exchange's record; the answer every request on the exchange gets is set.
    pub fn sign(
        self,
        key: &ed25519_dalek::SigningKey,
    ) -> Result<(StagedEntry, Records), NotaryError> {
        let Unsigned {
            record,
            verdict,
            ctx,
            body,
        } = self.token;
        let kind = entry_kind(verdict);
        let (_, token_bytes, entry) = sign_entry_to_bytes(key, &ctx, kind, body, None)?;
        let answer = answer_of(&record.tid, verdict, &token_bytes, None)?;
        let key = record.tid.as_bytes().to_vec();
        let records = vec![(Cf::Exchanges, key, to_json(&record)?)];
        let _ = self.answer.set(answer);
        Ok((entry, records))
    }
}

/// The action's result when it does not run, and why.
fn not_run(x: &RuledExchange, reason: &str, detail: Value) -> Value {
    let mut r = json!({"action": x.action(), "tid": x.tid, "result": "not_run", "reason": reason});
    if let (Some(obj), Value::Object(more)) = (r.as_object_mut(), detail) {
        obj.extend(more);
    }
    r
}

/// Decides `x` for the ruling `ruling` (`{complaint_id, log_index}`), the token at `ctx.index`.
/// The action's result, and the decision to record when one was made. Reads only; signs nothing.
pub(crate) fn plan_ruled(
    shared: &Shared,
    st: &State,
    ctx: &StageCtx,
    x: &RuledExchange,
    ruling: &Value,
) -> Result<(Value, Option<RuledDecision>), NotaryError> {
    let offer =
        x.m1.as_ref()
            .and_then(|e| Some((e, Offer::from_payload(&e.payload).ok()?)));
    let Some((m1, offer)) = offer.filter(|(_, o)| o.tid().as_str() == x.tid) else {
        return Ok((not_run(x, "no_offer", json!({})), None));
    };
    if offer.payload().notary_key_id.as_str() != shared.identity.key_id {
        return Ok((not_run(x, "wrong_notary", json!({})), None));
    }
    if offer.protocol() != Protocol::Contract {
        return Ok((not_run(x, "not_a_contract_exchange", json!({})), None));
    }
    let m2 =
        x.m2.as_ref()
            .filter(|m2| m2.payload.get("tid").and_then(Value::as_str) == Some(x.tid.as_str()));
    if x.ruled == Ruled::Resolve && m2.is_none() {
        return Ok((not_run(x, "no_acceptance", json!({})), None));
    }
    let policy = exchange_policy(shared, st)?;
    let c = Context {
        notary_key_id: &shared.identity.key_id,
        now: ctx.now,
        default_deadline_s: policy.exchange_default_deadline_s,
    };
    let pending = match st.exchanges.decide_ruled(&offer, &c, x.ruled) {
        ModelDecision::Stored(d) => {
            // The book names the decision's token by its log index; its outcome is the verdict's.
            let detail = json!({"outcome": d.verdict().outcome(),
                "log_index": token_index(d.token())?});
            return Ok((not_run(x, "already_decided", detail), None));
        }
        ModelDecision::New(p) => p,
    };
    let verdict = pending.verdict();
    let body = token_payload(verdict, &offer, m1, m2, ruling, ctx);
    // Signing happens on the worker pool, where a failure stops the notary: a payload without a
    // canonical form (the case's m1 or m2 with a float, or too deep) is refused here instead.
    check_canonical(&body).map_err(|e| {
        NotaryError::invalid(
            ErrorCode::BadRequest,
            format!("exchange {}: its token cannot be signed: {e}", x.tid),
        )
    })?;
    let record = exchange_record(shared, st, &c, &offer, policy)?;
    let record = record.decided(verdict, (ctx.now, ctx.index), None);
    let result = json!({"action": x.action(), "tid": x.tid, "result": "done",
        "outcome": verdict.outcome(), "log_index": ctx.index});
    Ok((
        result,
        Some(RuledDecision {
            pending,
            token: Unsigned {
                record,
                verdict,
                ctx: *ctx,
                body,
            },
        }),
    ))
}

/// The stored record of the exchange, or a new one (its deadline, first seen now, the
/// `[exchanges]` policy; m1 left to the token) for an exchange the notary had not seen.
fn exchange_record(
    shared: &Shared,
    st: &State,
    c: &Context<'_>,
    offer: &Offer,
    policy: &crate::model::policy::Policy,
) -> Result<StoredRecord, NotaryError> {
    let tid = offer.tid().as_str();
    if let Some(r) = stored_raw(&shared.store, tid)? {
        return Ok(r);
    }
    let ExchangeState::Undecided(u) = st.exchanges.current(offer, c) else {
        return Err(NotaryError::Bug(format!(
            "exchange {tid} decided but not stored"
        )));
    };
    Ok(ExchangeRecord {
        tid: tid.to_string(),
        protocol: offer.protocol(),
        originator: offer.payload().originator.clone(),
        responder: offer.payload().responder.clone(),
        m1: None,
        deadline: u.deadline(),
        first_seen: c.now,
        policy: policy.reference(),
        decision: None,
    })
}

/// The token's payload: what any token of the verdict holds, and the ruling that decided it.
fn token_payload(
    verdict: Verdict,
    offer: &Offer,
    m1: &Envelope,
    m2: Option<&Envelope>,
    ruling: &Value,
    ctx: &StageCtx,
) -> Value {
    let o = offer.payload();
    let mut p = Map::new();
    p.insert("tid".into(), json!(offer.tid().as_str()));
    p.insert("decided_at".into(), json!(rfc3339_ms(ctx.now)));
    p.insert("m1".into(), json!(m1));
    p.insert("originator".into(), json!(o.originator));
    p.insert("responder".into(), json!(o.responder));
    match (verdict, &o.subject, m2) {
        (Verdict::Aborted(cause), _, _) => {
            p.insert("cause".into(), json!(cause_name(cause)));
        }
        (_, Subject::Contract { contract_digest }, Some(m2)) => {
            p.insert("contract_digest".into(), json!(contract_digest.as_str()));
            p.insert("m2".into(), json!(m2));
        }
        // plan_ruled resolves only contract exchanges with an m2.
        _ => {}
    }
    p.insert("ruling".into(), ruling.clone());
    Value::Object(p)
}

/// Records a decision [`plan_ruled`] made: in the book (so every later request gets its answer,
/// once the batch is durable), as staged until then. The token to sign, and the cleanup.
pub(crate) fn record_ruled(
    shared: &Arc<Shared>,
    st: &mut State,
    d: RuledDecision,
) -> (RuledToken, AfterCommit) {
    st.exchanges.record(d.pending, token_ref(d.token.ctx.index));
    let answer = StagedAnswer::default();
    let tid = d.token.record.tid.clone();
    st.pending.exchanges.insert(tid.clone(), answer.clone());
    let cleanup = shared.clone();
    let after: AfterCommit = Box::new(move || {
        cleanup.state.lock().pending.exchanges.remove(&tid);
        cleanup.exchange_rate.record(1);
    });
    let token = RuledToken {
        token: d.token,
        answer,
    };
    (token, after)
}
