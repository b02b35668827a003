//! Complaints (docs/design.md §6.4, "Complaints"): receive a party's signed complaint, sign and log
//! a `complaint_receipt` with the response deadline, take the respondent's signed answer (a
//! `complaint_response_receipt`), and when the deadline passes unanswered sign and log a
//! `complaint_silence`: the proof of silence a ruling cites. Arbitrators take cases and add notes.
//!
//! The same signed complaint (by its digest) or response gets the same answer, byte for byte. Bad
//! input changes nothing and signs nothing. Every change goes through the sequencer; the case is
//! one JSON record in CF complaints, and the queue lines (with the open cases by deadline, for the
//! sweep) are kept in memory, rebuilt from the store at start.
//!
//! Files: `book` (the memory side), `signer` (who signed, who reads), `file`, `respond`, `sweep`
//! (silence, and settlement by the exchange protocol), `desk` (reads and the arbitrators' acts).

mod basis;
mod book;
mod desk;
mod file;
mod later;
mod respond;
mod review;
mod rulings;
mod settle;
mod signer;
mod sweep;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use book::ComplaintLine;
pub(crate) use book::{subject_key, ComplaintBook};
pub(crate) use file::claim_subjects;
pub use rulings::{Arbitrator, RulingOutcome};
pub(crate) use signer::signed_by_one_of;
pub use signer::SignedRead;

use super::command::{AfterCommit, Decision};
use super::sequencer::{StageCtx, StagedEntry};
use super::state::{to_json, State};
use super::{NotaryError, Shared};
use crate::crypto::envelope::Envelope;
use crate::model::canonical::to_canonical_json;
use crate::model::complaint::{
    ComplaintKind, ComplaintStatus, EvidenceEnvelope, HistoryEvent, HistoryWhat,
};
use crate::model::error_code::ErrorCode;
use crate::model::exchange::WireTime;
use crate::model::money::Money;
use crate::model::policy::PolicyRef;
use crate::model::time::truncate_ms;
use crate::store::Cf;

/// Most complaints the silence sweep marks per round.
pub const SILENCE_BATCH_MAX: usize = 256;

impl EvidenceEnvelope for Envelope {
    fn kind(&self) -> &str {
        &self.kind
    }
    fn payload(&self) -> &Value {
        &self.payload
    }
}

/// A complaint as stored (CF complaints, key: the complaint id).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ComplaintRecord {
    /// UUIDv7.
    pub complaint_id: String,
    /// Hex SHA-256 of the complaint's signing bytes: a refiled complaint is found by it.
    pub complaint_digest: String,
    /// What it is about.
    pub kind: ComplaintKind,
    /// The claimant's party id.
    pub claimant: String,
    /// The respondent's party id.
    pub respondent: String,
    /// The exchange concerned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tid: Option<String>,
    /// The guarantee concerned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guarantee_id: Option<String>,
    /// The order concerned (its `order_digest`), for a complaint about an order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_digest: Option<String>,
    /// Amount claimed.
    pub amount: Money,
    /// When the notary received it.
    pub filed_at: DateTime<Utc>,
    /// The respondent's deadline (inclusive).
    pub response_deadline: DateTime<Utc>,
    /// The policy whose `complaint_response_time` set the deadline.
    pub policy: PolicyRef,
    /// Where it stands.
    pub status: ComplaintStatus,
    /// The claimant-signed complaint.
    pub complaint: Envelope,
    /// The notary's `complaint_receipt`.
    pub receipt: Envelope,
    /// The respondent-signed `complaint_response`, once answered.
    #[serde(default)]
    pub response: Option<Envelope>,
    /// Hex SHA-256 of the response's signing bytes: a repeated response is found by it.
    #[serde(default)]
    pub response_digest: Option<String>,
    /// The notary's `complaint_response_receipt`.
    #[serde(default)]
    pub response_receipt: Option<Envelope>,
    /// The notary's `complaint_silence`, once the deadline passed unanswered.
    #[serde(default)]
    pub silence: Option<Envelope>,
    /// The arbitrator (operator) working the case.
    #[serde(default)]
    pub taken_by: Option<String>,
    /// The notary's signed `ruling`, once ruled (a case is ruled once).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ruling: Option<Envelope>,
    /// A ruling proposed by a first arbitrator, waiting for a second one to confirm it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proposal: Option<RulingProposal>,
    /// What happened, oldest first.
    pub history: Vec<HistoryEvent>,
}

impl ComplaintRecord {
    /// The pair of every write: the envelopes a status needs are there, and no others. Checked
    /// before a changed record is kept and when the book is rebuilt from disk.
    fn check(&self) -> Result<(), String> {
        let (response, silence) = (self.response.is_some(), self.silence.is_some());
        let receipt = self.response_receipt.is_some() && self.response_digest.is_some();
        let ok = match self.status {
            ComplaintStatus::Open | ComplaintStatus::Settled => !response && !silence,
            ComplaintStatus::Answered => response && receipt && !silence,
            ComplaintStatus::Silent => silence && !response,
        };
        if ok && self.history.first().map(|h| &h.what) == Some(&HistoryWhat::Filed) {
            Ok(())
        } else {
            Err(format!(
                "complaint {} is {} but its record does not say so",
                self.complaint_id,
                self.status.as_str()
            ))
        }
    }

    /// Appends an event at `at`.
    fn push(&mut self, at: DateTime<Utc>, what: HistoryWhat, by: Option<String>, log: Option<u64>) {
        self.history.push(HistoryEvent {
            at: wire_time(at),
            what,
            by,
            log_index: log,
        });
    }
}

/// A ruling one arbitrator proposed on a case above the policy's `second_arbitrator_above`:
/// unsigned and unlogged; it takes effect, exactly as proposed, when a second arbitrator confirms.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RulingProposal {
    /// The proposing arbitrator's name (notar.toml `[arbitrators]`).
    pub arbitrator: String,
    /// The proposing arbitrator's Unix user.
    pub user: String,
    /// Hex SHA-256 of the bundle replayed.
    pub bundle_digest: String,
    /// The model's ruling, canonical JSON.
    pub ruling: String,
    /// When it was proposed (RFC 3339 ms).
    pub proposed_at: WireTime,
}

/// The answer to a filing or a response: the exact body, stored and replayed byte for byte.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ComplaintAnswer {
    /// The complaint.
    pub complaint_id: String,
    /// Where it stands after this request.
    pub status: ComplaintStatus,
    /// Canonical JSON `{"complaint_id", "receipt"}`.
    pub body: String,
}

impl ComplaintAnswer {
    /// The answer carrying `receipt` (a complaint or response receipt) for `record`.
    fn of(record: &ComplaintRecord, receipt: &Envelope) -> Result<ComplaintAnswer, NotaryError> {
        let v = serde_json::json!({"complaint_id": record.complaint_id, "receipt": receipt});
        let bytes = to_canonical_json(&v).map_err(|e| NotaryError::Bug(e.to_string()))?;
        Ok(ComplaintAnswer {
            complaint_id: record.complaint_id.clone(),
            status: record.status,
            body: String::from_utf8(bytes).map_err(|e| NotaryError::Bug(e.to_string()))?,
        })
    }

    /// The signed receipt in the body.
    pub fn receipt(&self) -> Option<Envelope> {
        let v: Value = serde_json::from_str(&self.body).ok()?;
        serde_json::from_value(v.get("receipt")?.clone()).ok()
    }
}

/// A case as its parties (or an arbitrator) read it.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct CaseView {
    /// Id.
    pub complaint_id: String,
    /// `open`, `answered`, `silent` or `settled`.
    #[schema(value_type = String, example = "open")]
    pub status: ComplaintStatus,
    /// Open and past its deadline: the silence is due but not recorded yet.
    pub overdue: bool,
    /// `non_delivery`, `non_payment`, `not_as_described`, `contract_validity`, `other`.
    #[schema(value_type = String, example = "non_delivery")]
    pub kind: ComplaintKind,
    /// The claimant's party id.
    pub claimant: String,
    /// The respondent's party id.
    pub respondent: String,
    /// The exchange concerned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tid: Option<String>,
    /// The guarantee concerned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guarantee_id: Option<String>,
    /// The order concerned (its `order_digest`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_digest: Option<String>,
    /// Amount claimed.
    pub amount: Money,
    /// When the notary received it (RFC 3339 ms).
    pub filed_at: String,
    /// The respondent's deadline, inclusive (RFC 3339 ms).
    pub response_deadline: String,
    /// The arbitrator working the case.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub taken_by: Option<String>,
    /// The claimant-signed complaint.
    pub complaint: Envelope,
    /// The notary's complaint receipt.
    pub receipt: Envelope,
    /// The respondent-signed response.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response: Option<Envelope>,
    /// The notary's response receipt.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_receipt: Option<Envelope>,
    /// The notary's signed record of silence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub silence: Option<Envelope>,
    /// The notary's signed `ruling` (docs/formats.md "Ruling"), once the case is ruled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ruling: Option<Envelope>,
    /// A proposed ruling waiting for a second arbitrator (arbitrators only; not sent to parties).
    #[serde(skip)]
    pub proposal: Option<RulingProposal>,
    /// What happened, oldest first: `{"at", "what": {"event", ...}, "by"?, "log_index"?}`.
    /// Parties do not see the arbitrators' notes.
    #[schema(value_type = Vec<Object>)]
    pub history: Vec<HistoryEvent>,
    /// The case's queue line (for the admin protocol; not sent over HTTP).
    #[serde(skip)]
    pub line: ComplaintLine,
}

impl CaseView {
    fn of(r: ComplaintRecord, now: DateTime<Utc>, notes: bool) -> CaseView {
        use crate::model::time::rfc3339_ms;
        CaseView {
            line: ComplaintLine::of(&r),
            overdue: crate::model::complaint::overdue(r.status, r.response_deadline, now),
            complaint_id: r.complaint_id,
            status: r.status,
            kind: r.kind,
            claimant: r.claimant,
            respondent: r.respondent,
            tid: r.tid,
            guarantee_id: r.guarantee_id,
            order_digest: r.order_digest,
            amount: r.amount,
            filed_at: rfc3339_ms(r.filed_at),
            response_deadline: rfc3339_ms(r.response_deadline),
            taken_by: r.taken_by,
            complaint: r.complaint,
            receipt: r.receipt,
            response: r.response,
            response_receipt: r.response_receipt,
            silence: r.silence,
            ruling: r.ruling,
            proposal: if notes { r.proposal } else { None },
            history: r
                .history
                .into_iter()
                .filter(|h| notes || !h.is_note())
                .collect(),
        }
    }
}

/// Who reads a case.
#[derive(Clone, Debug)]
pub enum Reader {
    /// A party, by a signed read request: only the claimant and the respondent, without notes.
    Party(SignedRead),
    /// An arbitrator on the admin socket: every case, with notes.
    Arbitrator,
}

/// `t` as a wire time; sequencer times are whole milliseconds already.
fn wire_time(t: DateTime<Utc>) -> WireTime {
    let t = truncate_ms(t);
    // Invariant: `truncate_ms` leaves no precision below the millisecond.
    WireTime::new(t).unwrap_or_else(|| unreachable!("truncated to ms"))
}

fn unknown_complaint(id: &str) -> NotaryError {
    NotaryError::unknown(ErrorCode::UnknownComplaint, "complaint", id)
}

/// Keeps a new or changed case: its record written beside `entry` (when the change is signed),
/// the book updated (the record staged until the batch is durable); then answers `value`.
fn keep<T>(
    shared: &Arc<Shared>,
    st: &mut State,
    record: ComplaintRecord,
    entry: Option<StagedEntry>,
    value: T,
) -> Result<Decision<T>, NotaryError> {
    let records = written(&record)?;
    let id = record.complaint_id.clone();
    st.complaints.put(record, None)?;
    Ok(Decision::Write {
        entry,
        records,
        value,
        after: Some(committed(shared, id)),
    })
}

/// The write of a case's record (CF complaints, by id).
fn written(record: &ComplaintRecord) -> Result<super::sequencer::Records, NotaryError> {
    let key = record.complaint_id.as_bytes().to_vec();
    Ok(vec![(Cf::Complaints, key, to_json(record)?)])
}

/// Drops case `id`'s staged record once its batch is durable.
fn committed(shared: &Arc<Shared>, id: String) -> AfterCommit {
    let cleanup = shared.clone();
    Box::new(move || cleanup.state.lock().complaints.committed(&id))
}

/// Keeps a new or changed case whose new envelope (`later`, held unsigned in `record`) is signed
/// by the batch's deferred work, which then logs it at `ctx.index`, writes the record and makes
/// the answer with `answer` from the record as written. That work cannot fail on a caller's
/// input: the payload is made of values the notary checked or made itself.
fn keep_later<T: Send + 'static>(
    shared: &Arc<Shared>,
    st: &mut State,
    (ctx, later): (&StageCtx, later::Later),
    mut record: ComplaintRecord,
    answer: impl FnOnce(&ComplaintRecord) -> Result<T, NotaryError> + Send + 'static,
) -> Result<Decision<T>, NotaryError> {
    let later = Arc::new(later);
    let id = record.complaint_id.clone();
    st.complaints.put(record.clone(), Some(later.clone()))?;
    let (key, ctx) = (shared.notary_key.clone(), *ctx);
    let run = Box::new(move || {
        later.fill(&mut record, &key)?;
        let entry = ctx.entry_of_bytes(later.kind(), None, &later.signed(&key)?.bytes)?;
        let records = written(&record)?;
        Ok((entry, records, answer(&record)?))
    });
    Ok(Decision::Deferred {
        count: 1,
        run,
        after: Some(committed(shared, id)),
    })
}

/// The complaint `id` as durably stored.
pub(crate) fn stored(shared: &Shared, id: &str) -> Result<ComplaintRecord, NotaryError> {
    let raw = shared
        .store
        .get(Cf::Complaints, id.as_bytes())?
        .ok_or_else(|| unknown_complaint(id))?;
    serde_json::from_slice(&raw).map_err(|e| NotaryError::Corrupt(format!("complaint {id}: {e}")))
}

/// The complaint `id` as the sequencer sees it: staged in this batch (`true`; its envelope
/// still to sign is signed now, so the record is as it will be written), or stored.
fn current(shared: &Shared, st: &State, id: &str) -> Result<(ComplaintRecord, bool), NotaryError> {
    match st.complaints.pending(id) {
        Some((r, later)) => {
            let mut r = r.clone();
            if let Some(later) = later {
                later.fill(&mut r, &shared.notary_key)?;
            }
            Ok((r, true))
        }
        None => stored(shared, id).map(|r| (r, false)),
    }
}

#[cfg(test)]
mod tests;
