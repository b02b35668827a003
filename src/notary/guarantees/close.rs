//! Staging a settlement or release on the sequencer: close an outstanding guarantee (signed, its
//! reservation returned to headroom), or answer as it was closed before.

use std::sync::Arc;

use serde_json::json;

use super::stored::record_bytes;
use super::{check_owner, stored_guarantee, view, Caller, Closing, GuaranteeView};
use crate::crypto::envelope::Envelope;
use crate::model::entry::EntryKind;
use crate::model::error_code::ErrorCode;
use crate::model::ledger::ReleaseReason;
use crate::model::time::rfc3339_ms;
use crate::notary::command::{sign_entry, AfterCommit, Decision};
use crate::notary::sequencer::{Records, StageCtx};
use crate::notary::state::{GuaranteeRecord, GuaranteeState, PendingGuarantee, State};
use crate::notary::{NotaryError, Shared};
use crate::store::Cf;

/// A settle or release request, its reason checked.
pub(super) struct CloseRequest {
    pub id: String,
    pub caller: Caller,
    pub how: Closing,
    pub reason: Option<ReleaseReason>,
    pub operator: Option<String>,
}

impl Closing {
    /// The state a guarantee closed this way ends in.
    fn target(self) -> GuaranteeState {
        match self {
            Closing::Settle => GuaranteeState::Settled,
            Closing::Release => GuaranteeState::Released,
        }
    }

    /// The kind of the signed closing and its `outcome` field.
    fn signed_as(self) -> (EntryKind, &'static str) {
        match self {
            Closing::Settle => (EntryKind::Settlement, "settled"),
            Closing::Release => (EntryKind::Release, "released"),
        }
    }
}

/// The reason a closing records: none for a settlement, `cancelled` by default for a release,
/// else one the caller may choose (`expired` is the notary's own: see `release_expired`; `ruled`
/// is a ruling's, which a seller cannot claim).
pub(super) fn closing_reason(
    how: Closing,
    reason: Option<&str>,
    caller: &Caller,
) -> Result<Option<ReleaseReason>, NotaryError> {
    match (how, reason) {
        (Closing::Settle, _) => Ok(None),
        (Closing::Release, None) => Ok(Some(ReleaseReason::Cancelled)),
        (Closing::Release, Some(text)) => match ReleaseReason::chosen(text) {
            Some(ReleaseReason::Ruled) if matches!(caller, Caller::Seller(_)) => {
                Err(NotaryError::invalid(
                    ErrorCode::BadReason,
                    "release reason `ruled` is for a ruling alone: a seller releases with \
                     `cancelled` or `aborted`",
                ))
            }
            Some(r) => Ok(Some(r)),
            None => Err(NotaryError::invalid(
                ErrorCode::BadReason,
                format!(
                    "release reason must be one of {}",
                    ReleaseReason::CHOSEN.map(ReleaseReason::as_str).join(", ")
                ),
            )),
        },
    }
}

/// A guarantee already closed: the same signed object again if closed the same way (waiting for
/// its batch if still staged), a conflict otherwise.
fn closed_before(
    record: &GuaranteeRecord,
    target: GuaranteeState,
    staged: bool,
) -> Result<Decision<GuaranteeView>, NotaryError> {
    if record.state != target {
        return Err(NotaryError::Conflict {
            code: if record.state == GuaranteeState::Settled {
                ErrorCode::AlreadySettled
            } else {
                ErrorCode::AlreadyReleased
            },
            message: format!(
                "guarantee {} is already {}",
                record.guarantee_id,
                record.state.as_str()
            ),
        });
    }
    Ok(Decision::earlier(view(record), staged))
}

/// On the sequencer, under the state lock: closes an outstanding guarantee (signed, and its
/// reservation returned to headroom), or answers as it was closed before.
pub(super) fn stage_close(
    shared: &Arc<Shared>,
    ctx: &StageCtx,
    c: CloseRequest,
) -> Result<Decision<GuaranteeView>, NotaryError> {
    let mut st = shared.state.lock();
    let (record, staged) = match st.pending.guarantees.get(&c.id) {
        Some(r) => (r.record(&shared.notary_key)?, true),
        None => (stored_guarantee(shared, &c.id)?, false),
    };
    check_owner(&c.caller, &record)?;
    let target = c.how.target();
    if record.state != GuaranteeState::Outstanding {
        return closed_before(&record, target, staged);
    }
    if c.reason == Some(ReleaseReason::Expired) && record.release_at > ctx.now {
        return Err(NotaryError::Conflict {
            code: ErrorCode::NotDue,
            message: format!("guarantee {} is not due for release", c.id),
        });
    }
    let (kind, outcome) = c.how.signed_as();
    let payload = json!({
        "guarantee_id": c.id,
        "agreement_id": record.agreement_id,
        "seller_id": record.seller_id,
        "amount": record.amount,
        "outcome": outcome,
        "reason": c.reason,
        "closed_at": rfc3339_ms(ctx.now),
    });
    let (env, entry) = sign_entry(&shared.notary_key, ctx, kind, payload, c.operator)?;
    let (value, records, after) = apply_closing(shared, &mut st, record, target, env)?;
    Ok(Decision::Write {
        entry: Some(entry),
        records,
        value,
        after: Some(after),
    })
}

/// Closes the outstanding guarantee `record` as `target` with the signed `closing` (a release or
/// settlement, or the ruling that released it): the record to write, its reservation returned to
/// headroom in the same staging, and the cleanup once durable. The caller holds the state lock
/// and signs `closing` into the same batch.
pub(crate) fn apply_closing(
    shared: &Arc<Shared>,
    st: &mut State,
    record: GuaranteeRecord,
    target: GuaranteeState,
    closing: Envelope,
) -> Result<(GuaranteeView, Records, AfterCommit), NotaryError> {
    let id = record.guarantee_id.clone();
    let record = GuaranteeRecord {
        state: target,
        closing: Some(closing),
        ..record
    };
    let records = vec![(
        Cf::Guarantees,
        id.as_bytes().to_vec(),
        record_bytes(&record)?,
    )];
    // Memory is rebuilt from disk at start and changed only here: an outstanding record always
    // has its reservation.
    if st.ledger.close(&id).is_none() {
        return Err(NotaryError::Bug(format!(
            "guarantee {id} is outstanding but not in the ledger"
        )));
    }
    let value = view(&record);
    st.pending
        .guarantees
        .insert(id.clone(), PendingGuarantee::Record(Box::new(record)));
    let cleanup = shared.clone();
    let after: AfterCommit = Box::new(move || {
        cleanup.state.lock().pending.guarantees.remove(&id);
    });
    Ok((value, records, after))
}
