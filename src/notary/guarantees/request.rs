//! Staging a guarantee request on the sequencer: replay an earlier answer, or decide, sign and
//! reserve. Everything that can fail (signing, serialising) happens before memory changes, so a
//! failed request leaves the ledger as it was.

use std::sync::Arc;

use chrono::Duration;
use serde_json::json;

use super::answers::answer_record;
use super::{GuaranteeAnswer, GuaranteeRequest, OrderPayload};
use crate::model::canonical::to_canonical_json;
use crate::model::entry::EntryKind;
use crate::model::error_code::ErrorCode;
use crate::model::ledger::{decide, Refusal, RequestFacts, Reservation};
use crate::model::policy::Policy;
use crate::model::registry::{Agreement, KeyStanding};
use crate::model::time::rfc3339_ms;
use crate::notary::agreements::unknown_agreement;
use crate::notary::command::{sign_entry, AfterCommit, Decision};
use crate::notary::sequencer::{Records, StageCtx, StagedEntry};
use crate::notary::state::{
    order_key, request_key, to_json, GuaranteeRecord, GuaranteeState, State, StoredAnswer,
};
use crate::notary::{NotaryError, Shared};
use crate::store::Cf;

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

/// A granted guarantee, signed, not yet reserved.
struct Grant {
    record: GuaranteeRecord,
    order_key: Vec<u8>,
}

/// The signed answer to a new request, before anything in memory changes.
struct SignedAnswer {
    entry: StagedEntry,
    status: u16,
    body: String,
    records: Records,
    grant: Option<Grant>,
}

/// The answer stored for an earlier request with this key: the same answer again for a retry
/// (waiting for its batch if that is still being built), a conflict for a reused request id.
fn earlier_answer(
    shared: &Shared,
    st: &State,
    rkey: &[u8],
    request_digest: &str,
) -> Result<Option<Decision<GuaranteeAnswer>>, NotaryError> {
    let earlier = match st.pending.requests.get(rkey) {
        Some(a) => Some((a.clone(), true)),
        None => shared
            .store
            .get(Cf::Requests, rkey)?
            .map(|raw| serde_json::from_slice::<StoredAnswer>(&raw))
            .transpose()
            .map_err(|e| NotaryError::Corrupt(e.to_string()))?
            .map(|a| (a, false)),
    };
    let Some((a, staged)) = earlier else {
        return Ok(None);
    };
    if a.request_digest != request_digest {
        return Err(NotaryError::Conflict {
            code: ErrorCode::RequestIdReused,
            message: "this request_id was used for a different request".into(),
        });
    }
    let value = GuaranteeAnswer {
        status: a.status,
        body: a.body,
    };
    Ok(Some(Decision::earlier(value, staged)))
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
/// against the agreement and the ledger, signs the guarantee or refusal, and reserves.
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
    let answer = match decide(&facts) {
        Ok(()) => sign_grant(shared, ctx, &c, ag, policy, order_key)?,
        Err(reason) => sign_refusal(shared, ctx, &c, ag, reason)?,
    };
    apply_answer(shared, &mut st, rkey, c.request_digest, answer)
}

/// Signs a guarantee for a granted request and builds its record; reserves nothing yet.
fn sign_grant(
    shared: &Shared,
    ctx: &StageCtx,
    c: &CheckedRequest,
    ag: &Agreement,
    policy: &Policy,
    order_key: Vec<u8>,
) -> Result<SignedAnswer, NotaryError> {
    let gid = uuid::Uuid::now_v7().to_string();
    let expires_at = ctx.now + Duration::seconds(policy.guarantee_validity_s);
    let payload = json!({
        "guarantee_id": gid,
        "request_id": c.req.request_id,
        "agreement_id": ag.id,
        "buyer": ag.buyer_id,
        "seller_id": c.req.seller_id,
        "amount": c.req.amount,
        "order_digest": c.order.order_digest,
        "key_id": c.signed_by,
        "key_status": "not_revoked",
        "issued_at": rfc3339_ms(ctx.now),
        "expires_at": rfc3339_ms(expires_at),
        "policy_id": policy.id,
        "policy_version": policy.version,
        "policy_digest": policy.digest,
    });
    let (env, entry) = sign_entry(&shared.notary_key, ctx, EntryKind::Guarantee, payload, None)?;
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
        guarantee: env.clone(),
        closing: None,
    };
    let records = vec![
        (Cf::Guarantees, gid.as_bytes().to_vec(), to_json(&record)?),
        (Cf::Orders, order_key.clone(), gid.into_bytes()),
        answer_record(c, &env)?,
    ];
    Ok(SignedAnswer {
        entry,
        status: 201,
        body: body_of(&json!({"decision": "granted", "guarantee": env}))?,
        records,
        grant: Some(Grant { record, order_key }),
    })
}

/// Signs the refusal of a request for `reason`.
fn sign_refusal(
    shared: &Shared,
    ctx: &StageCtx,
    c: &CheckedRequest,
    ag: &Agreement,
    reason: Refusal,
) -> Result<SignedAnswer, NotaryError> {
    let payload = json!({
        "refusal_id": uuid::Uuid::now_v7().to_string(),
        "request_id": c.req.request_id,
        "agreement_id": ag.id,
        "seller_id": c.req.seller_id,
        "amount": c.req.amount,
        "order_digest": c.order.order_digest,
        "reason": reason.code(),
        "issued_at": rfc3339_ms(ctx.now),
    });
    let (env, entry) = sign_entry(&shared.notary_key, ctx, EntryKind::Refusal, payload, None)?;
    Ok(SignedAnswer {
        entry,
        status: 200,
        body: body_of(&json!({"decision": "refused", "reason": reason.code(), "refusal": env}))?,
        records: vec![answer_record(c, &env)?],
        grant: None,
    })
}

/// Changes memory once everything is signed and serialised: the reservation of a grant, and the
/// pending records later commands of this batch must see, dropped once the batch is durable.
fn apply_answer(
    shared: &Arc<Shared>,
    st: &mut State,
    rkey: Vec<u8>,
    request_digest: String,
    a: SignedAnswer,
) -> Result<Decision<GuaranteeAnswer>, NotaryError> {
    let SignedAnswer {
        entry,
        status,
        body,
        mut records,
        grant,
    } = a;
    let answer = StoredAnswer {
        request_digest,
        status,
        body: body.clone(),
    };
    records.push((Cf::Requests, rkey.clone(), to_json(&answer)?));
    let mut granted = None;
    if let Some(Grant { record, order_key }) = grant {
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
        st.pending.orders.insert(order_key.clone(), gid.clone());
        st.pending.guarantees.insert(gid.clone(), record);
        shared.guarantee_rate.record(1);
        granted = Some((gid, order_key));
    }
    st.pending.requests.insert(rkey.clone(), answer);
    let cleanup = shared.clone();
    let after: AfterCommit = Box::new(move || {
        let mut st = cleanup.state.lock();
        st.pending.requests.remove(&rkey);
        if let Some((gid, order_key)) = granted {
            st.pending.orders.remove(&order_key);
            st.pending.guarantees.remove(&gid);
        }
    });
    Ok(Decision::Write {
        entry: Some(entry),
        records,
        value: GuaranteeAnswer { status, body },
        after: Some(after),
    })
}

/// The exact body of an answer: canonical JSON, stored and replayed byte for byte.
fn body_of(value: &serde_json::Value) -> Result<String, NotaryError> {
    let bytes = to_canonical_json(value).map_err(|e| NotaryError::Bug(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| NotaryError::Bug(e.to_string()))
}
