//! Staging a guarantee request on the sequencer: replay an earlier answer, or decide, sign and
//! reserve. Everything that can fail (signing, serialising) happens before memory changes, so a
//! failed request leaves the ledger as it was.

use std::sync::{Arc, OnceLock};

use chrono::Duration;
use serde::Serialize;
use serde_json::json;
use serde_json::value::RawValue;

use super::answers::answer_record;
use super::payload::GuaranteePayload;
use super::stored::granted_bytes;
use super::{GuaranteeAnswer, GuaranteeRequest, OrderPayload};
use crate::crypto::envelope::Envelope;
use crate::model::canonical::canonical_value;
use crate::model::entry::EntryKind;
use crate::model::error_code::ErrorCode;
use crate::model::ledger::{decide, Refusal, RequestFacts, Reservation};
use crate::model::policy::Policy;
use crate::model::registry::{Agreement, KeyStanding};
use crate::model::time::rfc3339_ms;
use crate::notary::agreements::unknown_agreement;
use crate::notary::by_index::envelope_texts;
use crate::notary::command::{AfterCommit, Decision};
use crate::notary::sequencer::{Records, StageCtx, StagedEntry};
use crate::notary::sign_cell::SignCell;
use crate::notary::state::{
    order_key, request_key, to_json, GuaranteeRecord, GuaranteeState, PendingAnswer,
    PendingGuarantee, State, StoredAnswer,
};
use crate::notary::{NotaryError, Shared};
use crate::store::{exposure_check, Cf};

/// A request that passed the checks needing no ledger state: what the sequencer decides on.
pub(super) struct CheckedRequest {
    pub req: GuaranteeRequest,
    pub order: OrderPayload,
    /// Hex SHA-256 of the canonical request: tells a retry from a reused request id.
    pub request_digest: String,
    /// The registered key whose signature on the order verified (None: none did, or the order
    /// names another seller).
    pub signed_by: Option<String>,
}

/// The guarantee or refusal decided for a new request: what it signs (left to the worker
/// pool) and, for a grant, the record to keep.
struct Planned {
    cell: Arc<SignCell>,
    outcome: Outcome,
}

/// What was decided.
enum Outcome {
    /// A grant: its record (with a placeholder for the certificate) and order key.
    Grant {
        record: Arc<GuaranteeRecord>,
        order_key: Vec<u8>,
    },
    /// A refusal: its reason code.
    Refusal { reason: &'static str },
}

/// The answer stored for an earlier request with this key: the same answer again for a retry
/// (once its batch is durable if that is still being built), a conflict for a reused request id.
fn earlier_answer(
    shared: &Shared,
    st: &State,
    rkey: &[u8],
    request_digest: &str,
) -> Result<Option<Decision<GuaranteeAnswer>>, NotaryError> {
    if let Some(p) = st.pending.requests.get(rkey) {
        check_same_request(&p.request_digest, request_digest)?;
        let answer = p.answer.clone();
        return Ok(Some(Decision::Same(Box::new(move || {
            answer.get().cloned()
        }))));
    }
    let stored = shared
        .store
        .get(Cf::Requests, rkey)?
        .map(|raw| serde_json::from_slice::<StoredAnswer>(&raw))
        .transpose()
        .map_err(|e| NotaryError::Corrupt(e.to_string()))?;
    let Some(a) = stored else {
        return Ok(None);
    };
    check_same_request(&a.request_digest, request_digest)?;
    let body = match (a.body, a.at) {
        (Some(body), _) => body,
        (None, Some(at)) => {
            let text = envelope_texts(&shared.store, &[at])?
                .pop()
                .ok_or_else(|| NotaryError::Bug("envelope_texts".into()))?;
            answer_body(a.reason.as_deref(), raw(text.as_bytes())?)?
        }
        (None, None) => {
            return Err(NotaryError::Corrupt(
                "stored answer with neither a body nor a log index".into(),
            ))
        }
    };
    Ok(Some(Decision::Now(GuaranteeAnswer {
        status: a.status,
        body,
    })))
}

/// A request id seen before must carry the same request.
fn check_same_request(earlier: &str, now: &str) -> Result<(), NotaryError> {
    if earlier == now {
        Ok(())
    } else {
        Err(NotaryError::Conflict {
            code: ErrorCode::RequestIdReused,
            message: "this request_id was used for a different request".into(),
        })
    }
}

/// Whether an order with this digest was guaranteed already under any agreement of `buyer_id`
/// (staged in this batch or stored): one signed order is guaranteed once, whichever agreement
/// a seller names. The stored order records, keyed by agreement, are the index.
fn order_guaranteed(
    shared: &Shared,
    st: &State,
    buyer_id: &str,
    order_digest: &str,
) -> Result<bool, NotaryError> {
    let keys: Vec<Vec<u8>> = st
        .agreements
        .values()
        .filter(|a| a.buyer_id == buyer_id)
        .map(|a| order_key(&a.id, order_digest))
        .collect();
    if keys.iter().any(|k| st.pending.orders.contains_key(k)) {
        return Ok(true);
    }
    Ok(shared
        .store
        .multi_get(Cf::Orders, &keys)?
        .iter()
        .any(Option::is_some))
}

/// On the sequencer, under the state lock: replays an earlier answer, or decides the request
/// against the agreement and the ledger and reserves; the guarantee or refusal is signed by the
/// batch's deferred work, on the worker pool.
pub(super) fn stage_request(
    shared: &Arc<Shared>,
    ctx: &StageCtx,
    c: CheckedRequest,
) -> Result<Decision<GuaranteeAnswer>, NotaryError> {
    let mut st = shared.state.lock();
    let rkey = request_key(&c.req.seller_id, &c.req.request_id);
    if let Some(earlier) = earlier_answer(shared, &st, &rkey, &c.request_digest)? {
        return Ok(earlier);
    }
    let ag = st
        .agreements
        .get(&c.req.agreement_id)
        .ok_or_else(|| unknown_agreement(&c.req.agreement_id))?;
    // Every stored agreement's policy is checked at start and policies are never dropped.
    let policy = st
        .policies
        .get(&ag.policy)
        .ok_or_else(|| NotaryError::Bug(format!("policy of agreement {} not loaded", ag.id)))?;
    let order_key = order_key(&ag.id, &c.order.order_digest);
    let duplicate = order_guaranteed(shared, &st, &ag.buyer_id, &c.order.order_digest)?;
    let facts = RequestFacts {
        agreement: ag,
        now: ctx.now,
        signed_by: c.signed_by.as_deref(),
        key_standing: c
            .signed_by
            .as_deref()
            .and_then(|k| st.keys.get(k))
            .map_or(KeyStanding::Good, |k| k.standing_at(ctx.now)),
        amount: c.req.amount,
        order_amount: c.order.amount,
        exposure_minor: st.ledger.exposure(&ag.id),
        duplicate,
    };
    let planned = match decide(&facts) {
        Ok(()) => plan_grant(ctx, &c, ag, policy, order_key),
        Err(reason) => plan_refusal(ctx, &c, ag, reason),
    };
    apply(shared, &mut st, ctx, rkey, c, planned)
}

/// The guarantee for a granted request, to sign, and its record; reserves nothing yet.
fn plan_grant(
    ctx: &StageCtx,
    c: &CheckedRequest,
    ag: &Agreement,
    policy: &Policy,
    order_key: Vec<u8>,
) -> Planned {
    let gid = uuid::Uuid::now_v7().to_string();
    let expires_at = ctx.now + Duration::seconds(policy.guarantee_validity_s);
    let record = GuaranteeRecord {
        guarantee_id: gid.clone(),
        agreement_id: ag.id.clone(),
        buyer_id: ag.buyer_id.clone(),
        seller_id: c.req.seller_id.clone(),
        request_id: c.req.request_id.clone(),
        amount: c.req.amount,
        order_digest: c.order.order_digest.clone(),
        release_at: expires_at + Duration::seconds(policy.release_grace_s),
        state: GuaranteeState::Outstanding,
        guarantee: placeholder(),
        closing: None,
    };
    let record = Arc::new(record);
    let (r, key_id, index, now) = (record.clone(), c.signed_by.clone(), ctx.index, ctx.now);
    let (policy_id, policy_version, policy_digest) =
        (policy.id.clone(), policy.version, policy.digest.clone());
    let make = Box::new(move || {
        let (issued_at, expires_at) = (rfc3339_ms(now), rfc3339_ms(expires_at));
        GuaranteePayload {
            agreement_id: &r.agreement_id,
            amount: r.amount.into(),
            buyer: &r.buyer_id,
            expires_at: &expires_at,
            guarantee_id: &r.guarantee_id,
            issued_at: &issued_at,
            key_id: key_id.as_deref(),
            key_status: "not_revoked",
            log_index: index,
            order_digest: &r.order_digest,
            policy_digest: &policy_digest,
            policy_id: &policy_id,
            policy_version,
            request_id: &r.request_id,
            seller_id: &r.seller_id,
        }
        .to_canonical()
    });
    Planned {
        cell: Arc::new(SignCell::new(EntryKind::Guarantee, make)),
        outcome: Outcome::Grant { record, order_key },
    }
}

/// The refusal of a request for `reason`, to sign.
fn plan_refusal(ctx: &StageCtx, c: &CheckedRequest, ag: &Agreement, reason: Refusal) -> Planned {
    let payload = json!({
        "refusal_id": uuid::Uuid::now_v7().to_string(),
        "request_id": c.req.request_id,
        "agreement_id": ag.id,
        "seller_id": c.req.seller_id,
        "amount": c.req.amount,
        "order_digest": c.order.order_digest,
        "reason": reason.code(),
        "issued_at": rfc3339_ms(ctx.now),
        "log_index": ctx.index,
    });
    Planned {
        cell: Arc::new(SignCell::new(
            EntryKind::Refusal,
            Box::new(move || canonical_value(&payload).map_err(|e| e.to_string())),
        )),
        outcome: Outcome::Refusal {
            reason: reason.code(),
        },
    }
}

/// The empty envelope a granted record holds until its certificate is signed
/// ([`PendingGuarantee::Granted`]); never written.
fn placeholder() -> Envelope {
    Envelope {
        kind: EntryKind::Guarantee.as_str().into(),
        payload: serde_json::Value::Null,
        signatures: Vec::new(),
    }
}

/// Changes memory for a decided request (the reservation of a grant, and the pending entries
/// later commands of this batch must see, dropped once the batch is durable) and leaves the
/// signing and the records to the deferred work.
fn apply(
    shared: &Arc<Shared>,
    st: &mut State,
    ctx: &StageCtx,
    rkey: Vec<u8>,
    c: CheckedRequest,
    planned: Planned,
) -> Result<Decision<GuaranteeAnswer>, NotaryError> {
    let answer = Arc::new(OnceLock::new());
    let mut granted = None;
    let mut check = None;
    if let Outcome::Grant { record, order_key } = &planned.outcome {
        let gid = record.guarantee_id.clone();
        let reservation = Reservation {
            agreement_id: record.agreement_id.clone(),
            amount_minor: record.amount.minor,
            release_at: record.release_at,
        };
        // `decide` granted it, so the ledger must accept it: anything else is a bug.
        st.ledger
            .reserve(&gid, reservation)
            .map_err(|e| NotaryError::Bug(format!("ledger: {e}")))?;
        if shared.store.remote() {
            check = exposure_check_record(st, &record.agreement_id);
        }
        st.pending.orders.insert(order_key.clone(), gid.clone());
        let pending = PendingGuarantee::Granted {
            record: record.clone(),
            cell: planned.cell.clone(),
        };
        st.pending.guarantees.insert(gid.clone(), pending);
        shared.guarantee_rate.record(1);
        granted = Some((gid, order_key.clone()));
    }
    let pending = PendingAnswer {
        request_digest: c.request_digest.clone(),
        answer: answer.clone(),
    };
    st.pending.requests.insert(rkey.clone(), pending);
    let cleanup = shared.clone();
    let cleanup_key = rkey.clone();
    let after: AfterCommit = Box::new(move || {
        let mut st = cleanup.state.lock();
        st.pending.requests.remove(&cleanup_key);
        if let Some((gid, order_key)) = granted {
            st.pending.orders.remove(&order_key);
            st.pending.guarantees.remove(&gid);
        }
    });
    let (shared, ctx) = (shared.clone(), *ctx);
    let run = Box::new(move || {
        let mut made = sign_and_write(&shared, &ctx, &c, rkey, planned)?;
        made.1.extend(check);
        let _ = answer.set(made.2.clone());
        Ok(made)
    });
    Ok(Decision::Deferred {
        count: 1,
        run,
        after: Some(after),
    })
}

/// The agreement's exposure after a grant, for the database's second guard on exposure <=
/// total_cap (PostgreSQL's CHECK; RocksDB does not store it).
fn exposure_check_record(st: &State, agreement_id: &str) -> Option<(Cf, Vec<u8>, Vec<u8>)> {
    let (exposure, cap) = st.ledger.account(agreement_id)?;
    let key = agreement_id.as_bytes().to_vec();
    Some((
        Cf::ExposureCheck,
        key,
        exposure_check(exposure, cap).to_vec(),
    ))
}

/// The deferred work of a decided request, on the worker pool: signs the guarantee or refusal
/// and writes its entry, records and answer, each from the envelope's bytes made once.
fn sign_and_write(
    shared: &Shared,
    ctx: &StageCtx,
    c: &CheckedRequest,
    rkey: Vec<u8>,
    planned: Planned,
) -> Result<(StagedEntry, Records, GuaranteeAnswer), NotaryError> {
    let signed = planned.cell.get(&shared.notary_key)?;
    let env = raw(&signed.bytes)?;
    let entry = ctx.entry_of_bytes(planned.cell.kind(), None, &signed.bytes)?;
    let mut records = Vec::with_capacity(4);
    // The records name the certificate or refusal by its log index: the leaf holds its bytes.
    let (status, reason) = match &planned.outcome {
        Outcome::Grant { record, order_key } => {
            let gid = record.guarantee_id.as_bytes().to_vec();
            let bytes = granted_bytes(record, entry.index)?;
            records.push((Cf::Guarantees, gid.clone(), bytes));
            records.push((Cf::Orders, order_key.clone(), gid));
            (201, None)
        }
        Outcome::Refusal { reason } => (200, Some(*reason)),
    };
    records.push(answer_record(c, entry.index)?);
    let answer = StoredAnswer {
        request_digest: c.request_digest.clone(),
        status,
        body: None,
        at: Some(entry.index),
        reason: reason.map(str::to_string),
    };
    records.push((Cf::Requests, rkey, to_json(&answer)?));
    let value = GuaranteeAnswer {
        status,
        body: answer_body(reason, env)?,
    };
    Ok((entry, records, value))
}

/// The exact body of the answer carrying `env`: a grant, or a refusal for `reason`.
fn answer_body(reason: Option<&str>, env: &RawValue) -> Result<String, NotaryError> {
    match reason {
        None => body_of(&GrantedBody {
            decision: "granted",
            guarantee: env,
        }),
        Some(reason) => body_of(&RefusedBody {
            decision: "refused",
            reason,
            refusal: env,
        }),
    }
}

/// The body of a grant, in JCS member order.
#[derive(Serialize)]
struct GrantedBody<'a> {
    decision: &'static str,
    guarantee: &'a RawValue,
}

/// The body of a refusal, in JCS member order.
#[derive(Serialize)]
struct RefusedBody<'a> {
    decision: &'static str,
    reason: &'a str,
    refusal: &'a RawValue,
}

/// Canonical JSON bytes already made, to embed without parsing or writing them again.
fn raw(bytes: &[u8]) -> Result<&RawValue, NotaryError> {
    let text = std::str::from_utf8(bytes).map_err(|e| NotaryError::Bug(e.to_string()))?;
    serde_json::from_str(text).map_err(|e| NotaryError::Bug(e.to_string()))
}

/// The exact body of an answer: canonical JSON (members in JCS order, the envelope's canonical
/// bytes embedded), stored and replayed byte for byte.
fn body_of<T: Serialize>(value: &T) -> Result<String, NotaryError> {
    serde_json::to_string(value).map_err(|e| NotaryError::Bug(e.to_string()))
}
