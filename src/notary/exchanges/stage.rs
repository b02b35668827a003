//! Staging an abort or resolve on the sequencer, under the state lock: the model decides on the
//! exchange's current state; a decision made before is answered with its stored bytes (waiting
//! for its batch if that is still being built), a new one is signed, recorded and written.
//! Everything that can fail happens before memory changes.

use std::sync::Arc;

use base64::Engine;
use serde_json::{json, Map, Value};

use super::check::{refused, CheckedEvidence, Opening};
use super::record::{decided_answer, stored, token_ref, Earlier, ExchangeRecord};
use super::token::{entry_kind, payload, Request};
use super::ExchangeAnswer;
use crate::model::canonical::to_canonical_json;
use crate::model::exchange::{
    AbortFacts, Context, Decision as ModelDecision, EscrowOpening, Evidence, ExchangeState,
    Pending, ResolveFacts, Signed, Verdict,
};
use crate::model::policy::Policy;
use crate::notary::command::{sign_entry, AfterCommit, Decision};
use crate::notary::policies::exchange_policy;
use crate::notary::sequencer::StageCtx;
use crate::notary::state::{to_json, StagedAnswer, State};
use crate::notary::{NotaryError, Shared};
use crate::store::Cf;

/// Decides `req` and stages what it writes.
pub(super) fn stage(
    shared: &Arc<Shared>,
    ctx: &StageCtx,
    req: Request,
) -> Result<Decision<ExchangeAnswer>, NotaryError> {
    let mut st = shared.state.lock();
    let policy = exchange_policy(shared, &st)?;
    let c = Context {
        notary_key_id: &shared.identity.key_id,
        now: ctx.now,
        default_deadline_s: policy.exchange_default_deadline_s,
    };
    let decision = decide(&st, c, &req).map_err(|r| refused(r, ""))?;
    let pending = match decision {
        ModelDecision::Stored(d) => {
            let tid = d.tid().as_str();
            return Ok(
                match decided_answer(&shared.store, &st.pending.exchanges, tid)? {
                    Earlier::Durable(body) => Decision::Now(ExchangeAnswer { body }),
                    // Answered once the batch that signs it is durable.
                    Earlier::Staged(cell) => Decision::Same(Box::new(move || {
                        cell.get().map(|body| ExchangeAnswer { body: body.clone() })
                    })),
                },
            );
        }
        ModelDecision::New(p) => p,
    };
    let state = st.exchanges.current(&req.m1().payload, &c);
    let record = new_record(shared, ctx, &req, &state, policy)?;
    sign_and_record(shared, ctx, &mut st, req, pending, record)
}

/// The model's decision on `req`, with each signature's key standing as of now.
fn decide(
    st: &State,
    c: Context<'_>,
    req: &Request,
) -> Result<ModelDecision, crate::model::exchange::ExchangeRefusal> {
    let m1 = req.m1();
    let m1 = Signed {
        payload: &m1.payload,
        signature: m1.seen.check(&st.keys, c.now),
    };
    match req {
        Request::Abort { abort, .. } => st.exchanges.decide_abort(&AbortFacts {
            ctx: c,
            m1,
            abort: Signed {
                payload: &abort.payload,
                signature: abort.seen.check(&st.keys, c.now),
            },
        }),
        Request::Resolve { evidence, .. } => {
            let evidence = match evidence {
                CheckedEvidence::Contract { m2 } => Evidence::Contract {
                    m2: Signed {
                        payload: &m2.payload,
                        signature: m2.seen.check(&st.keys, c.now),
                    },
                },
                CheckedEvidence::Item(parts) => Evidence::Item {
                    item_escrow: Signed {
                        payload: &parts.item_escrow.payload,
                        signature: parts.item_escrow.seen.check(&st.keys, c.now),
                    },
                    receipt: Signed {
                        payload: &parts.receipt.payload,
                        signature: parts.receipt.seen.check(&st.keys, c.now),
                    },
                    escrow_digest: &parts.escrow_digest,
                    opening: match &parts.opening {
                        Opening::Opened(_) => EscrowOpening::Opened,
                        Opening::Failed(f) => EscrowOpening::Failed(*f),
                    },
                },
            };
            st.exchanges.decide_resolve(&ResolveFacts {
                ctx: c,
                m1,
                evidence,
            })
        }
    }
}

/// The record of the exchange before the decision: m1, the deadline, when first seen.
fn new_record(
    shared: &Shared,
    ctx: &StageCtx,
    req: &Request,
    state: &ExchangeState,
    policy: &Policy,
) -> Result<ExchangeRecord, NotaryError> {
    let m1 = req.m1();
    let tid = m1.payload.tid().as_str();
    if let Some(r) = stored(&shared.store, tid)? {
        return Ok(r);
    }
    let ExchangeState::Undecided(u) = state else {
        return Err(NotaryError::Bug(format!(
            "exchange {tid} decided but not stored"
        )));
    };
    let o = m1.payload.payload();
    Ok(ExchangeRecord {
        tid: tid.to_string(),
        protocol: m1.payload.protocol(),
        originator: o.originator.clone(),
        responder: o.responder.clone(),
        m1: m1.envelope.clone(),
        deadline: u.deadline(),
        first_seen: ctx.now,
        policy: policy.reference(),
        decision: None,
    })
}

/// Records the decision of `pending` in memory and leaves signing its token, making the answer
/// and serialising the record to the batch's deferred work on the worker pool (the sequencer
/// only orders). That work cannot fail on the caller's input: the token embeds the parties'
/// envelopes, whose payloads were accepted only in their exact canonical shape (strings, a
/// fixed depth), so the token always has a canonical form.
fn sign_and_record(
    shared: &Arc<Shared>,
    ctx: &StageCtx,
    st: &mut State,
    req: Request,
    pending: Pending,
    record: ExchangeRecord,
) -> Result<Decision<ExchangeAnswer>, NotaryError> {
    let verdict = pending.verdict();
    st.exchanges.record(pending, token_ref(ctx.index));
    let answer = StagedAnswer::default();
    st.pending
        .exchanges
        .insert(record.tid.clone(), answer.clone());
    let cleanup = shared.clone();
    let tid = record.tid.clone();
    let after: AfterCommit = Box::new(move || {
        cleanup.state.lock().pending.exchanges.remove(&tid);
        cleanup.exchange_rate.record(1);
    });
    let (shared, ctx) = (shared.clone(), *ctx);
    let run = Box::new(move || {
        let body = payload(verdict, &req, ctx.now);
        let kind = entry_kind(verdict);
        let (token, entry) = sign_entry(&shared.notary_key, &ctx, kind, body, None)?;
        let text = answer_body(&record.tid, verdict, &token, &req)?;
        let record = record.decided(verdict, (ctx.now, ctx.index), token, text.clone());
        let records = vec![(
            Cf::Exchanges,
            record.tid.as_bytes().to_vec(),
            to_json(&record)?,
        )];
        let _ = answer.set(text.clone());
        Ok((entry, records, ExchangeAnswer { body: text }))
    });
    Ok(Decision::Deferred {
        count: 1,
        run,
        after: Some(after),
    })
}

/// The answer every abort or resolve of this exchange gets from now on (canonical JSON).
fn answer_body(
    tid: &str,
    verdict: Verdict,
    token: &crate::crypto::envelope::Envelope,
    req: &Request,
) -> Result<String, NotaryError> {
    let mut key = None;
    if verdict.releases_key() {
        if let Request::Resolve {
            evidence: CheckedEvidence::Item(parts),
            ..
        } = req
        {
            if let Opening::Opened(k) = &parts.opening {
                key = Some(base64::engine::general_purpose::STANDARD.encode(k.as_slice()));
            }
        }
    }
    answer_of(tid, verdict, token, key)
}

/// The answer body `{"tid","status","outcome","token","key"?}` (canonical JSON); `key` (base64)
/// only with a verdict that releases it.
pub(super) fn answer_of(
    tid: &str,
    verdict: Verdict,
    token: &crate::crypto::envelope::Envelope,
    key: Option<String>,
) -> Result<String, NotaryError> {
    let mut a = Map::new();
    a.insert("tid".into(), json!(tid));
    let status = if verdict.is_abort() {
        "aborted"
    } else {
        "resolved"
    };
    a.insert("status".into(), json!(status));
    a.insert("outcome".into(), json!(verdict.outcome()));
    a.insert(
        "token".into(),
        serde_json::to_value(token).map_err(|e| NotaryError::Bug(e.to_string()))?,
    );
    if let Some(k) = key.filter(|_| verdict.releases_key()) {
        a.insert("key".into(), json!(k));
    }
    let bytes = to_canonical_json(&Value::Object(a))?;
    String::from_utf8(bytes).map_err(|e| NotaryError::Bug(e.to_string()))
}
