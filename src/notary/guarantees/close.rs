//! Staging a settlement or release on the sequencer: close an outstanding guarantee (its
//! reservation returned to headroom, its closing signed on the worker pool), or answer as it was
//! closed before.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::json;

use super::text::{read_text_record, TextRecord};
use super::{check_owner, unknown_guarantee, Caller, Closing, GuaranteeText};
use crate::model::canonical::canonical_value;
use crate::model::entry::EntryKind;
use crate::model::error_code::ErrorCode;
use crate::model::ledger::ReleaseReason;
use crate::model::time::rfc3339_ms;
use crate::notary::by_index::Signed;
use crate::notary::command::{AfterCommit, Decision};
use crate::notary::complaints::subject_key;
use crate::notary::sequencer::StageCtx;
use crate::notary::sign_cell::SignCell;
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
                match caller {
                    // `ruled` is refused to a seller: not offered to one either.
                    Caller::Seller(_) => {
                        "release reason must be `cancelled` or `aborted`".to_string()
                    }
                    Caller::Notary => format!(
                        "release reason must be one of {}",
                        ReleaseReason::CHOSEN.map(ReleaseReason::as_str).join(", ")
                    ),
                },
            )),
        },
    }
}

/// A guarantee already closed: the same signed object again if closed the same way (waiting for
/// its batch if still staged), a conflict otherwise.
fn closed_before(
    record: &TextRecord,
    target: GuaranteeState,
    staged: bool,
) -> Result<Decision<GuaranteeText>, NotaryError> {
    let state = record.record.state;
    if state != target {
        return Err(NotaryError::Conflict {
            code: if state == GuaranteeState::Settled {
                ErrorCode::AlreadySettled
            } else {
                ErrorCode::AlreadyReleased
            },
            message: format!(
                "guarantee {} is already {}",
                record.record.guarantee_id,
                state.as_str()
            ),
        });
    }
    Ok(Decision::earlier(record.answer(), staged))
}

/// On the sequencer, under the state lock: closes an outstanding guarantee (signed, and its
/// reservation returned to headroom), or answers as it was closed before. `read` is the stored
/// record as the caller read it before staging, used when still current.
pub(super) fn stage_close(
    shared: &Arc<Shared>,
    ctx: &StageCtx,
    c: CloseRequest,
    read: Option<TextRecord>,
) -> Result<Decision<GuaranteeText>, NotaryError> {
    let mut st = shared.state.lock();
    let (record, staged) = match st.pending.guarantees.get(&c.id) {
        Some(r) => (r.text_record(&shared.notary_key)?, true),
        None => match read.filter(|r| still_current(&st, &r.record)) {
            Some(r) => (r, false),
            None => (stored_text_record(shared, &c.id)?, false),
        },
    };
    check_owner(&c.caller, &record.record)?;
    let target = c.how.target();
    if record.record.state != GuaranteeState::Outstanding {
        return closed_before(&record, target, staged);
    }
    if c.reason == Some(ReleaseReason::Expired) && record.record.release_at > ctx.now {
        return Err(NotaryError::Conflict {
            code: ErrorCode::NotDue,
            message: format!("guarantee {} is not due for release", c.id),
        });
    }
    if c.reason == Some(ReleaseReason::Expired) {
        unclaimed(&st, &c.id, &record.record)?;
    }
    if c.how == Closing::Settle {
        settleable(&st, &c.id, &record.record, ctx.now)?;
    }
    let (kind, outcome) = c.how.signed_as();
    let r = &record.record;
    let payload = json!({
        "guarantee_id": c.id,
        "agreement_id": r.agreement_id,
        "seller_id": r.seller_id,
        "amount": r.amount,
        "outcome": outcome,
        "reason": c.reason,
        "closed_at": rfc3339_ms(ctx.now),
        "log_index": ctx.index,
    });
    let make = Box::new(move || canonical_value(&payload).map_err(|e| e.to_string()));
    let cell = Arc::new(SignCell::new(kind, make));
    let (closed, after) = close_with(shared, &mut st, record, target, (ctx.index, cell.clone()))?;
    // The closing is signed on the worker pool (the sequencer only orders); the record and the
    // answer are made there, the certificate's text copied as it was read.
    let (shared, ctx, operator) = (shared.clone(), *ctx, c.operator);
    let run = Box::new(move || {
        let signed = cell.get(&shared.notary_key)?;
        let entry = ctx.entry_of_bytes(kind, operator.as_deref(), &signed.bytes)?;
        let key = closed.record.guarantee_id.as_bytes().to_vec();
        let records = vec![(Cf::Guarantees, key, closed.stored_bytes()?)];
        let closing =
            String::from_utf8(signed.bytes.clone()).map_err(|e| NotaryError::Bug(e.to_string()))?;
        let answer = GuaranteeText {
            closing: Some(closing),
            ..closed.answer()
        };
        Ok((entry, records, answer))
    });
    Ok(Decision::Deferred {
        count: 1,
        run,
        after: Some(after),
    })
}

/// The stored record of guarantee `id` with its envelopes' texts, or `unknown_guarantee`.
pub(crate) fn stored_text_record(shared: &Shared, id: &str) -> Result<TextRecord, NotaryError> {
    read_text_record(shared, id)?.ok_or_else(|| unknown_guarantee(id))
}

/// Whether `r`, read from the store before staging (and not pending), is what the store still
/// holds: a closed record never changes again, and an outstanding one is closed only in a
/// staging that also takes its reservation from the ledger (and keeps it pending until durable),
/// so an outstanding record whose reservation is still there is current.
fn still_current<E>(st: &State, r: &GuaranteeRecord<E>) -> bool {
    r.state != GuaranteeState::Outstanding || st.ledger.outstanding(&r.guarantee_id).is_some()
}

/// Closes a guarantee in memory as `closed` (its new state, its closing still to be signed by
/// `cell`): its reservation returned to headroom, and the closed record pending (a later command
/// of the batch that reads it signs the closing itself through the cell). Returns the cleanup
/// once durable.
fn close_in_memory(
    shared: &Arc<Shared>,
    st: &mut State,
    closed: Arc<TextRecord>,
    cell: Arc<SignCell>,
) -> Result<AfterCommit, NotaryError> {
    let id = closed.record.guarantee_id.clone();
    return_reservation(st, &id)?;
    let pending = PendingGuarantee::Closed {
        record: closed,
        cell,
    };
    st.pending.guarantees.insert(id.clone(), pending);
    Ok(cleanup(shared, id))
}

/// Refuses (`not_due`) to let guarantee `id` expire while [`kept`] keeps it, or a complaint
/// about its order awaits a ruling.
fn unclaimed<E>(st: &State, id: &str, r: &GuaranteeRecord<E>) -> Result<(), NotaryError> {
    if let Some(refused) = kept(st, id) {
        return Err(refused);
    }
    let parties = [r.buyer_id.as_str(), r.seller_id.as_str()];
    let by_order = [subject_key(None, None, Some(&r.order_digest), parties)];
    match st.complaints.undecided_about(&by_order) {
        Some(case) => Err(claimed_in(id, case)),
        None => Ok(()),
    }
}

/// Refuses (`guarantee_lapsed`) to settle guarantee `id` at `now` once its validity and release
/// grace are over, unless a signed ruling holds it for its seller (the buyer was ruled to pay
/// under it). A complaint awaiting a ruling keeps an expired guarantee outstanding for the
/// ruling to use, not for its seller to draw on alone (s10 S10-1: before, a 0.01 EUR complaint
/// filed before expiry let the seller settle long after it).
fn settleable<E>(
    st: &State,
    id: &str,
    r: &GuaranteeRecord<E>,
    now: DateTime<Utc>,
) -> Result<(), NotaryError> {
    if now < r.release_at || st.complaints.holding(id).is_some() {
        return Ok(());
    }
    Err(NotaryError::Conflict {
        code: ErrorCode::GuaranteeLapsed,
        message: format!(
            "guarantee {id} lapsed at {}: its validity and the policy's release grace are over, so \
             its seller no longer settles it; it is released as expired once no pending case keeps \
             it, and a case's ruling may hold it for its seller",
            rfc3339_ms(r.release_at)
        ),
    })
}

/// Why guarantee `id` may not expire, from what memory knows by its id alone (the expiry scan
/// passes such ones by without asking): a signed ruling holds it for its seller (the buyer was
/// ruled to pay under it), or a complaint about it awaits a ruling (the ruling may still take it
/// as the order's cover; released now, its headroom could go to another guarantee while the
/// buyer is ruled to pay under it).
pub(super) fn kept(st: &State, id: &str) -> Option<NotaryError> {
    if let Some(case) = st.complaints.holding(id) {
        return Some(NotaryError::Conflict {
            code: ErrorCode::NotDue,
            message: format!(
                "guarantee {id} is held by the ruling of complaint {case}: the buyer was ruled to pay under it, so it stays outstanding until its seller settles or releases it"
            ),
        });
    }
    // A guarantee id names its deal: no parties needed.
    let by_id = [subject_key(None, Some(id), None, ["", ""])];
    st.complaints
        .undecided_about(&by_id)
        .map(|case| claimed_in(id, case))
}

/// One round of the expiry scan: up to `batch` guarantees due at `now` after `from` that
/// [`kept`] does not keep, and the last one looked at (where the next round goes on).
pub(super) fn due_round(
    st: &State,
    now: DateTime<Utc>,
    from: Option<(DateTime<Utc>, String)>,
    batch: usize,
) -> (Vec<String>, Option<(DateTime<Utc>, String)>) {
    let mut last = from.clone();
    let mut due = Vec::new();
    for d in st.ledger.due_after(now, from.as_ref()) {
        last = Some(d.clone());
        if kept(st, &d.1).is_none() {
            due.push(d.1.clone());
        }
        if due.len() == batch {
            break;
        }
    }
    (due, last)
}

fn claimed_in(id: &str, case: &str) -> NotaryError {
    NotaryError::Conflict {
        code: ErrorCode::NotDue,
        message: format!(
            "guarantee {id} is claimed in complaint {case}: it stays outstanding until the case is ruled"
        ),
    }
}

/// Returns the reservation of outstanding guarantee `id` to headroom. Memory is rebuilt from
/// disk at start and changed only on closing: an outstanding record always has its reservation.
fn return_reservation(st: &mut State, id: &str) -> Result<(), NotaryError> {
    match st.ledger.close(id) {
        Some(_) => Ok(()),
        None => Err(NotaryError::Bug(format!(
            "guarantee {id} is outstanding but not in the ledger"
        ))),
    }
}

/// Drops the pending record of guarantee `id` once its batch is durable.
fn cleanup(shared: &Arc<Shared>, id: String) -> AfterCommit {
    let shared = shared.clone();
    Box::new(move || {
        shared.state.lock().pending.guarantees.remove(&id);
    })
}

/// Closes the outstanding guarantee `record` as `target` by the envelope to be signed at log
/// index `at` through `cell` (its settlement or release, or the ruling that releases it): its
/// reservation returned to headroom now, and the closed record pending until durable (a later
/// command of the batch that reads it signs the closing itself through the cell). The closed
/// record, shared with the pending map rather than copied on the sequencer: it names its closing
/// by index at once, so [`TextRecord::stored_bytes`] needs no signature; the closing's text is
/// added once signed. And the cleanup once durable.
pub(crate) fn close_with(
    shared: &Arc<Shared>,
    st: &mut State,
    record: TextRecord,
    target: GuaranteeState,
    (at, cell): (u64, Arc<SignCell>),
) -> Result<(Arc<TextRecord>, AfterCommit), NotaryError> {
    let mut closed = record;
    closed.record.state = target;
    closed.record.closing = Some(Signed::At { at });
    closed.closing = None;
    let closed = Arc::new(closed);
    let after = close_in_memory(shared, st, closed.clone(), cell)?;
    Ok((closed, after))
}
