//! Staging an abort or resolve on the sequencer, under the state lock: the model decides on the
//! exchange's current state; a decision made before is answered with its stored bytes (waiting
//! for its batch if that is still being built), a new one is signed, recorded and written.
//! Everything that can fail happens before memory changes.

use std::sync::Arc;

use base64::Engine;
use chrono::{DateTime, Utc};

use super::check::{refused, CheckedEvidence, Opening};
use super::record::{decided_answer, token_ref, Earlier, ExchangeRecord, StoredRecord};
use super::token::{entry_kind, payload, Request};
use super::ExchangeAnswer;
use crate::model::canonical::write_str;
use crate::model::exchange::{
    AbortFacts, Context, Decision as ModelDecision, EscrowOpening, Evidence, ExchangeState,
    Pending, ResolveFacts, Signed, Verdict,
};
use crate::model::policy::{Policy, PolicyRef};
use crate::notary::command::{sign_entry_to_bytes, AfterCommit, Decision};
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
    let new = NewRecord::of(req.m1().payload.tid().as_str(), &state, policy)?;
    sign_and_record(shared, ctx, &mut st, req, pending, new)
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

/// What only the sequencer knows of the record of an exchange about to be decided: its deadline
/// and the policy that set it. The rest (m1, the parties) is copied from the request in the
/// deferred work, off the sequencer. No stored record is read: a record is only ever written
/// with its decision, and every decided exchange is in the book (restored from the store at
/// start), so an exchange the book has undecided has none.
struct NewRecord {
    deadline: DateTime<Utc>,
    policy: PolicyRef,
}

impl NewRecord {
    /// What only the sequencer knows, for an exchange the book has undecided.
    fn of(tid: &str, state: &ExchangeState, policy: &Policy) -> Result<NewRecord, NotaryError> {
        let ExchangeState::Undecided(u) = state else {
            return Err(NotaryError::Bug(format!(
                "exchange {tid} decided but decided again"
            )));
        };
        Ok(NewRecord {
            deadline: u.deadline(),
            policy: policy.reference(),
        })
    }

    /// The record before the decision, first seen at `now` (m1 left to the token).
    fn record(self, req: &Request, now: DateTime<Utc>) -> StoredRecord {
        let m1 = req.m1();
        let o = m1.payload.payload();
        ExchangeRecord {
            tid: m1.payload.tid().as_str().to_string(),
            protocol: m1.payload.protocol(),
            originator: o.originator.clone(),
            responder: o.responder.clone(),
            m1: None,
            deadline: self.deadline,
            first_seen: now,
            policy: self.policy,
            decision: None,
        }
    }
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
    new: NewRecord,
) -> Result<Decision<ExchangeAnswer>, NotaryError> {
    let verdict = pending.verdict();
    st.exchanges.record(pending, token_ref(ctx.index));
    let answer = StagedAnswer::default();
    let tid = req.m1().payload.tid().as_str().to_string();
    st.pending.exchanges.insert(tid.clone(), answer.clone());
    let cleanup = shared.clone();
    let after: AfterCommit = Box::new(move || {
        cleanup.state.lock().pending.exchanges.remove(&tid);
        cleanup.exchange_rate.record(1);
    });
    let (shared, ctx) = (shared.clone(), *ctx);
    let run = Box::new(move || {
        let record = new.record(&req, ctx.now);
        let key = released_key(verdict, &req);
        let body = payload(verdict, req, ctx.now);
        let kind = entry_kind(verdict);
        let (_, token_bytes, entry) =
            sign_entry_to_bytes(&shared.notary_key, &ctx, kind, body, None)?;
        let text = answer_of(&record.tid, verdict, &token_bytes, key.clone())?;
        // The token is the leaf's body: the record names it by index and keeps the key.
        let record = record.decided(verdict, (ctx.now, ctx.index), key);
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

/// The escrowed key the answer releases (base64), for a verdict that releases it.
fn released_key(verdict: Verdict, req: &Request) -> Option<String> {
    if !verdict.releases_key() {
        return None;
    }
    match req {
        Request::Resolve {
            evidence: CheckedEvidence::Item(parts),
            ..
        } => match &parts.opening {
            Opening::Opened(k) => {
                Some(base64::engine::general_purpose::STANDARD.encode(k.as_slice()))
            }
            Opening::Failed(_) => None,
        },
        _ => None,
    }
}

/// The answer body `{"key"?,"outcome","status","tid","token"}` (canonical JSON), written
/// member by member in JCS order around the token's canonical bytes (as signed and logged), with
/// no JSON tree; `key` (base64) only with a verdict that releases it.
pub(super) fn answer_of(
    tid: &str,
    verdict: Verdict,
    token: &[u8],
    key: Option<String>,
) -> Result<String, NotaryError> {
    let status = if verdict.is_abort() {
        "aborted"
    } else {
        "resolved"
    };
    let mut out = Vec::with_capacity(token.len() + 192);
    out.push(b'{');
    if let Some(k) = key.filter(|_| verdict.releases_key()) {
        out.extend_from_slice(b"\"key\":");
        write_str(&mut out, &k)?;
        out.push(b',');
    }
    out.extend_from_slice(b"\"outcome\":");
    write_str(&mut out, verdict.outcome().name())?;
    out.extend_from_slice(b",\"status\":");
    write_str(&mut out, status)?;
    out.extend_from_slice(b",\"tid\":");
    write_str(&mut out, tid)?;
    out.extend_from_slice(b",\"token\":");
    out.extend_from_slice(token);
    out.push(b'}');
    String::from_utf8(out).map_err(|e| NotaryError::Bug(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::envelope::Envelope;
    use crate::model::canonical::to_canonical_json;
    use ed25519_dalek::SigningKey;
    use serde_json::json;

    /// The answer as it was made before, through a JSON tree: the reference the writer must
    /// match byte for byte.
    fn through_a_tree(tid: &str, v: Verdict, token: &Envelope, key: Option<&str>) -> String {
        let status = if v.is_abort() { "aborted" } else { "resolved" };
        let mut a = json!({"tid": tid, "status": status, "outcome": v.outcome(), "token": token});
        if let Some(k) = key.filter(|_| v.releases_key()) {
            a["key"] = json!(k);
        }
        String::from_utf8(to_canonical_json(&a).expect("canonical")).expect("utf-8")
    }

    #[test]
    fn the_answer_is_the_canonical_form_of_its_members_for_every_verdict() {
        let key = SigningKey::from_bytes(&[7; 32]);
        let payload = json!({"tid": "ab".repeat(32), "m1": {"kind": "exchange_offer",
            "payload": {"note": "quote \" backslash \\ control \u{1} bidi \u{202e} é"}},
            "log_index": 12});
        let (token, bytes) =
            Envelope::sign_to_bytes("delivery_affidavit", payload, &key).expect("signed");
        let tid = "0f".repeat(32);
        for v in Verdict::ALL {
            for k in [None, Some("a2V5/+==")] {
                let written = answer_of(&tid, v, &bytes, k.map(str::to_owned)).expect("answer");
                assert_eq!(
                    written,
                    through_a_tree(&tid, v, &token, k),
                    "{v:?} key {k:?}"
                );
            }
        }
    }
}
