//! The notary's own moves on a case: recording silence once the response deadline has passed (a
//! signed, logged `complaint_silence`, the proof a ruling cites), and settlement by the exchange
//! protocol (the exchange's decision token is the signed statement; the case records its log
//! index).

use std::sync::Arc;

use serde_json::json;

use super::later::{Later, Slot};
use super::{current, keep, keep_later, CaseView, ComplaintRecord, SILENCE_BATCH_MAX};
use crate::model::complaint::{transition, CaseEvent, ComplaintStatus, HistoryWhat};
use crate::model::entry::EntryKind;
use crate::model::time::rfc3339_ms;
use crate::notary::command::Decision;
use crate::notary::sequencer::StageCtx;
use crate::notary::{Notary, NotaryError, Shared};

/// A refused transition as the caller sees it: a conflict with the case's state.
fn conflict(record: &ComplaintRecord, e: crate::model::complaint::TransitionError) -> NotaryError {
    NotaryError::Conflict {
        code: e.code(),
        message: format!("complaint {}: {e}", record.complaint_id),
    }
}

impl Notary {
    /// Records silence on every open complaint whose response deadline has passed (by the
    /// sequencer's clock), at most [`SILENCE_BATCH_MAX`] a round; returns how many it marked.
    /// `notar serve` runs it every `agreements.expiry_scan_s`.
    pub async fn mark_silent_complaints(&self) -> Result<usize, NotaryError> {
        let shared = self.shared.clone();
        let due: Vec<String> = self
            .command(move |ctx| {
                let st = shared.state.lock();
                Ok(Decision::Now(st.complaints.due(ctx.now, SILENCE_BATCH_MAX)))
            })
            .await?;
        let mut marked = 0;
        for id in due {
            let shared = self.shared.clone();
            match self
                .command(move |ctx| stage_silence(&shared, ctx, &id))
                .await
            {
                Ok(()) => marked += 1,
                // Answered or settled meanwhile.
                Err(NotaryError::Conflict { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(marked)
    }

    /// Settles complaint `id` because the exchange protocol decided what it is about: the
    /// exchange's decision token is at `token_log_index`. Only an open case can be settled.
    ///
    /// Called by the fair-exchange side once it has resolved or aborted the stuck exchange a
    /// complaint names (see `hand_on` in `file.rs`).
    #[cfg_attr(
        not(test),
        allow(
            dead_code,
            reason = "wired by the fair-exchange side (issue 9); tested here"
        )
    )]
    pub(crate) async fn settle_by_protocol(
        &self,
        id: &str,
        token_log_index: u64,
    ) -> Result<CaseView, NotaryError> {
        let shared = self.shared.clone();
        let id = id.to_string();
        self.command(move |ctx| {
            let mut st = shared.state.lock();
            let (mut record, _) = current(&shared, &st, &id)?;
            record.status = transition(
                record.status,
                record.response_deadline,
                ctx.now,
                CaseEvent::Settlement,
            )
            .map_err(|e| conflict(&record, e))?;
            record.push(ctx.now, HistoryWhat::Settled, None, Some(token_log_index));
            let view = CaseView::of(record.clone(), ctx.now, true);
            keep(&shared, &mut st, record, None, view)
        })
        .await
    }
}

/// On the sequencer: if the case is still open and its deadline passed, records it silent; the
/// silence is signed by the batch's deferred work.
fn stage_silence(
    shared: &Arc<Shared>,
    ctx: &StageCtx,
    id: &str,
) -> Result<Decision<()>, NotaryError> {
    let mut st = shared.state.lock();
    let (mut record, _) = current(shared, &st, id)?;
    let status = transition(
        record.status,
        record.response_deadline,
        ctx.now,
        CaseEvent::Silence,
    )
    .map_err(|e| conflict(&record, e))?;
    debug_assert_eq!(status, ComplaintStatus::Silent);
    let mut payload = json!({
        "complaint_id": record.complaint_id,
        "complaint_digest": record.complaint_digest,
        "claimant": record.claimant,
        "respondent": record.respondent,
        "kind": record.kind,
        "amount": record.amount,
        "response_deadline": rfc3339_ms(record.response_deadline),
        "receipt_log_index": record.receipt.payload.get("log_index"),
        "recorded_at": rfc3339_ms(ctx.now),
    });
    match (&record.tid, &record.guarantee_id, &record.order_digest) {
        (Some(t), _, _) => payload["tid"] = json!(t),
        (_, Some(g), _) => payload["guarantee_id"] = json!(g),
        (_, _, Some(d)) => payload["order_digest"] = json!(d),
        _ => {}
    }
    payload["log_index"] = json!(ctx.index);
    let silence = Later::new(Slot::Silence, EntryKind::ComplaintSilence, payload);
    record.status = status;
    record.silence = Some(silence.unsigned());
    record.push(ctx.now, HistoryWhat::Silent, None, Some(ctx.index));
    keep_later(shared, &mut st, (ctx, silence), record, |_| Ok(()))
}
