//! The respondent's answer: check it off the sequencer, then on the sequencer against the case,
//! and sign and log a `complaint_response_receipt`.
//!
//! Checks, first failure wins: `malformed_complaint` (and the evidence and amount codes; also a
//! response naming another complaint id than the route's), the signatures (`bad_signature`,
//! `unknown_key`), then on the sequencer: `unknown_complaint`, `malformed_complaint` (it answers
//! another version of the complaint: the digest differs), `not_respondent` (named or signed by
//! another party than the respondent); the same response again gets its receipt back;
//! `key_revoked`, then the case's state: `already_answered`, `response_too_late` (past the
//! deadline, or recorded as silent), `complaint_settled`.

use std::sync::Arc;

use serde_json::json;

use super::later::{Later, Slot};
use super::signer::{check_signature_count, find_signer, Signer};
use super::{current, keep_later, ComplaintAnswer, ComplaintRecord};
use crate::crypto::envelope::Envelope;
use crate::model::complaint::{transition, CaseEvent, CounterClaim, HistoryWhat, Response};
use crate::model::entry::EntryKind;
use crate::model::error_code::ErrorCode;
use crate::model::text::sanitize_prefix;
use crate::model::time::rfc3339_ms;
use crate::notary::command::Decision;
use crate::notary::sequencer::StageCtx;
use crate::notary::state::State;
use crate::notary::{Notary, NotaryError, Shared};

/// A response that passed the checks needing no case.
pub(super) struct CheckedResponse {
    response: Response<Envelope>,
    envelope: Envelope,
    signer: Signer,
}

impl Notary {
    /// Takes the respondent-signed `complaint_response` envelope to complaint `id`: its receipt,
    /// or the receipt given when the same response (by digest) was taken before.
    pub async fn respond_to_complaint(
        &self,
        id: &str,
        envelope: Envelope,
    ) -> Result<ComplaintAnswer, NotaryError> {
        let response = Response::<Envelope>::parse(&envelope.kind, &envelope.payload)
            .map_err(|e| NotaryError::invalid(e.code(), e.to_string()))?;
        let answered = &response.payload().complaint_id;
        if answered != id {
            return Err(NotaryError::invalid(
                ErrorCode::MalformedComplaint,
                format!(
                    "the response answers complaint \"{}\", not \"{}\"",
                    sanitize_prefix(answered, 64),
                    sanitize_prefix(id, 64)
                ),
            ));
        }
        check_signature_count(&envelope, "response")?;
        let signer = find_signer(&self.shared, &envelope, &response.payload().respondent);
        signer.verified()?;
        let checked = CheckedResponse {
            response,
            envelope,
            signer,
        };
        let shared = self.shared.clone();
        self.command(move |ctx| stage_response(&shared, ctx, checked))
            .await
    }
}

fn not_respondent(record: &ComplaintRecord) -> NotaryError {
    NotaryError::Denied {
        code: ErrorCode::NotRespondent,
        message: format!(
            "only the respondent of complaint {} may answer it",
            record.complaint_id
        ),
    }
}

/// On the sequencer: checks the response against the case, records the answer; its receipt is
/// signed by the batch's deferred work.
/// A counter-claim the rules could only rule empty is refused, as a claim is at filing: in
/// another currency than the case's (`bad_amount`), or, about a guarantee or an order, of a kind the
/// respondent's side of its order may not claim (`wrong_side`: the buyer claiming non-payment).
fn check_counter_claim(
    shared: &Shared,
    st: &State,
    record: &ComplaintRecord,
    counter: Option<&CounterClaim>,
) -> Result<(), NotaryError> {
    let Some(counter) = counter else {
        return Ok(());
    };
    let subject = (
        record.tid.as_deref(),
        record.guarantee_id.as_deref(),
        record.order_digest.as_deref(),
    );
    let parties = [record.claimant.as_str(), record.respondent.as_str()];
    let subjects = super::file::claim_subjects(shared, st, subject, parties)?;
    super::file::check_claimed_once(
        st,
        &subjects,
        &record.respondent,
        counter.kind,
        Some(&record.complaint_id),
    )?;
    if counter.amount.currency != record.amount.currency {
        return Err(NotaryError::invalid(
            ErrorCode::BadAmount,
            format!(
                "the counter-claim is in {}, the case in {}",
                counter.amount.currency, record.amount.currency
            ),
        ));
    }
    let (buyer, seller) = match (&record.guarantee_id, &record.order_digest) {
        (Some(gid), _) => {
            let g = super::file::guarantee(shared, st, gid)?;
            (g.buyer_id, g.seller_id)
        }
        (None, Some(digest)) => {
            let order = super::file::order_parties(
                shared,
                st,
                digest,
                &record.claimant,
                &record.respondent,
            )?;
            (order.buyer, order.seller)
        }
        (None, None) => return Ok(()),
    };
    match counter.kind.wrong_side(&record.respondent, &buyer, &seller) {
        Some(message) => Err(NotaryError::Denied {
            code: ErrorCode::WrongSide,
            message: format!("the counter-claim: {message}"),
        }),
        None => Ok(()),
    }
}

fn stage_response(
    shared: &Arc<Shared>,
    ctx: &StageCtx,
    c: CheckedResponse,
) -> Result<Decision<ComplaintAnswer>, NotaryError> {
    let mut st = shared.state.lock();
    let p = c.response.payload();
    let (record, staged) = current(shared, &st, &p.complaint_id)?;
    if p.complaint_digest.as_str() != record.complaint_digest {
        return Err(NotaryError::invalid(
            ErrorCode::MalformedComplaint,
            "the response's complaint_digest is not the complaint's (see its receipt)",
        ));
    }
    if p.respondent != record.respondent {
        return Err(not_respondent(&record));
    }
    c.signer.by(&record.respondent, not_respondent(&record))?;
    if record.response_digest.as_deref() == Some(c.response.digest().as_str()) {
        let receipt = record
            .response_receipt
            .as_ref()
            .ok_or_else(|| NotaryError::Bug("answered without a receipt".into()))?;
        return Ok(Decision::earlier(
            ComplaintAnswer::of(&record, receipt)?,
            staged,
        ));
    }
    c.signer.in_good_standing(&st, ctx.now)?;
    check_counter_claim(shared, &st, &record, p.counter_claim.as_ref())?;
    let status = transition(
        record.status,
        record.response_deadline,
        ctx.now,
        CaseEvent::Response,
    )
    .map_err(|e| NotaryError::Conflict {
        code: e.code(),
        message: format!("complaint {}: {e}", record.complaint_id),
    })?;
    let (record, receipt) = answered(ctx, &c, record, status);
    keep_later(shared, &mut st, (ctx, receipt), record, |r| {
        let receipt = r
            .response_receipt
            .as_ref()
            .ok_or_else(|| NotaryError::Bug("answered without a receipt".into()))?;
        ComplaintAnswer::of(r, receipt)
    })
}

/// The case as answered, with its `complaint_response_receipt` to be signed by the batch's
/// deferred work (held unsigned in the record until then); changes nothing.
fn answered(
    ctx: &StageCtx,
    c: &CheckedResponse,
    mut record: ComplaintRecord,
    status: crate::model::complaint::ComplaintStatus,
) -> (ComplaintRecord, Later) {
    let p = c.response.payload();
    let mut payload = json!({
        "complaint_id": record.complaint_id,
        "complaint_digest": record.complaint_digest,
        "response_digest": c.response.digest(),
        "claimant": record.claimant,
        "respondent": record.respondent,
        "evidence_ids": c.response.evidence_ids(),
        "received_at": rfc3339_ms(ctx.now),
        "response_deadline": rfc3339_ms(record.response_deadline),
    });
    if let Some(counter) = &p.counter_claim {
        payload["counter_claim"] = json!({"kind": counter.kind, "amount": counter.amount});
    }
    payload["log_index"] = json!(ctx.index);
    let kind = EntryKind::ComplaintResponseReceipt;
    let receipt = Later::new(Slot::ResponseReceipt, kind, payload);
    record.status = status;
    record.response = Some(c.envelope.clone());
    record.response_digest = Some(c.response.digest().as_str().to_string());
    record.response_receipt = Some(receipt.unsigned());
    let counter_claim = p.counter_claim.is_some();
    let by = Some(record.respondent.clone());
    record.push(
        ctx.now,
        HistoryWhat::Answered { counter_claim },
        by,
        Some(ctx.index),
    );
    (record, receipt)
}
