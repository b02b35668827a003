//! Reading cases, and the arbitrators' acts on them: take a case (the operator is recorded) and
//! add a note. Neither act makes the notary sign: they change the case's record only, through
//! the sequencer like every change.

use std::sync::Arc;

use super::signer::read_by;
use super::{current, keep, stored, CaseView, ComplaintLine, ComplaintRecord, Reader};
use crate::model::complaint::{side_of, HistoryWhat, HISTORY_LEN_MAX, NOTE_LEN_MAX};
use crate::model::error_code::ErrorCode;
use crate::notary::command::Decision;
use crate::notary::sequencer::StageCtx;
use crate::notary::{Notary, NotaryError, Shared};

/// Most queue lines one listing returns.
pub const QUEUE_LEN_MAX: usize = 500;

impl Notary {
    /// Complaint `id` as `reader` may see it: a party only its own cases, by a signed read;
    /// an arbitrator every case, with notes. Reads the durable record.
    pub fn complaint(&self, id: &str, reader: &Reader) -> Result<CaseView, NotaryError> {
        let now = (self.shared.clock)();
        let party = match reader {
            Reader::Arbitrator => None,
            Reader::Party(read) => Some(read_by(&self.shared, id, read, now)?),
        };
        let r = stored(&self.shared, id)?;
        if let Some(party) = &party {
            if side_of(&r.claimant, &r.respondent, party).is_none() {
                return Err(NotaryError::Denied {
                    code: ErrorCode::NotAParty,
                    message: format!(
                        "only the claimant and the respondent may read complaint {id}"
                    ),
                });
            }
        }
        Ok(CaseView::of(r, now, party.is_none()))
    }

    /// The queue (for arbitrators): open and answered complaints by deadline, then the rest,
    /// newest first; at most `limit` (and [`QUEUE_LEN_MAX`]). With the time it was read at,
    /// which says which open cases are overdue.
    pub fn complaints(&self, limit: usize) -> (Vec<ComplaintLine>, chrono::DateTime<chrono::Utc>) {
        let now = (self.shared.clock)();
        let lines = self
            .shared
            .state
            .lock()
            .complaints
            .queue(limit.min(QUEUE_LEN_MAX));
        (lines, now)
    }

    /// Takes case `id` for `operator` (who is recorded in its history). Taking a case one holds
    /// already changes nothing.
    pub async fn take_complaint(&self, id: &str, operator: &str) -> Result<CaseView, NotaryError> {
        let operator = operator.to_string();
        self.desk(id, move |record, ctx| {
            if record.taken_by.as_deref() == Some(operator.as_str()) {
                return Ok(false);
            }
            let previous = record.taken_by.replace(operator.clone());
            record.push(
                ctx.now,
                HistoryWhat::Taken { previous },
                Some(operator),
                None,
            );
            Ok(true)
        })
        .await
    }

    /// Adds `operator`'s note (1 to [`NOTE_LEN_MAX`] bytes) to case `id`'s history.
    pub async fn note_complaint(
        &self,
        id: &str,
        operator: &str,
        text: &str,
    ) -> Result<CaseView, NotaryError> {
        let text = text.trim();
        if text.is_empty() || text.len() > NOTE_LEN_MAX {
            return Err(NotaryError::BadRequest(format!(
                "a note is 1 to {NOTE_LEN_MAX} bytes of text"
            )));
        }
        crate::model::registry::check_free_text("the note", text)
            .map_err(NotaryError::BadRequest)?;
        let (operator, text) = (operator.to_string(), text.to_string());
        self.desk(id, move |record, ctx| {
            let what = HistoryWhat::Note { text };
            record.push(ctx.now, what, Some(operator), None);
            Ok(true)
        })
        .await
    }

    /// Applies an arbitrator's `act` to case `id` on the sequencer; `act` says whether it changed
    /// anything. A case's history holds at most [`HISTORY_LEN_MAX`] events.
    pub(super) async fn desk<F>(&self, id: &str, act: F) -> Result<CaseView, NotaryError>
    where
        F: FnOnce(&mut ComplaintRecord, &StageCtx) -> Result<bool, NotaryError> + Send + 'static,
    {
        let shared: Arc<Shared> = self.shared.clone();
        let id = id.to_string();
        self.command(move |ctx| {
            let mut st = shared.state.lock();
            let (mut record, staged) = current(&shared, &st, &id)?;
            if record.history.len() >= HISTORY_LEN_MAX {
                return Err(NotaryError::BadRequest(format!(
                    "case {id} holds {HISTORY_LEN_MAX} events already"
                )));
            }
            if !act(&mut record, ctx)? {
                return Ok(Decision::earlier(
                    CaseView::of(record, ctx.now, true),
                    staged,
                ));
            }
            let view = CaseView::of(record.clone(), ctx.now, true);
            keep(&shared, &mut st, record, None, view)
        })
        .await
    }
}
