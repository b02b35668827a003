//! Where a case stands and how it moves: the response deadline, the status machine
//! (`open → answered | silent | settled`, each final), who may read a case, and its history.
//!
//! The deadline is inclusive for the respondent: a response received at the deadline itself is in
//! time, and the case turns silent only strictly after it. A response and silence can therefore
//! never both be allowed at one instant.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::ComplaintStatus;
use crate::model::error_code::ErrorCode;
use crate::model::exchange::WireTime;
use crate::model::policy::Policy;

/// How far a signed read request's `at` may be from the notary's clock, in seconds.
pub const READ_SKEW_S: i64 = 300;

/// The respondent's deadline for a complaint filed at `filed_at` under `policy`: `filed_at` +
/// the policy's `complaint_response_time`.
pub fn response_deadline(filed_at: DateTime<Utc>, policy: &Policy) -> DateTime<Utc> {
    // Policy durations are at most ten years: the sum is in range for any time we sign.
    filed_at
        .checked_add_signed(TimeDelta::seconds(policy.complaint_response_time_s))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// Something that happens to a case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CaseEvent {
    /// The respondent's answer arrives.
    Response,
    /// The notary's sweep finds the deadline passed.
    Silence,
    /// The protocol settled what the complaint is about (a stuck exchange decided).
    Settlement,
}

/// Why an event cannot happen to a case in its state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    /// The respondent answered already.
    #[error("the respondent has answered this complaint already")]
    AlreadyAnswered,
    /// The case was marked silent: the deadline passed unanswered.
    #[error("the response deadline passed and the respondent was recorded as silent")]
    WasSilent,
    /// The protocol settled the case.
    #[error("the complaint was settled by the exchange protocol")]
    Settled,
    /// A response after the deadline.
    #[error("the response deadline has passed")]
    TooLate,
    /// Silence before the deadline passed.
    #[error("the response deadline has not passed yet")]
    NotDue,
}

impl TransitionError {
    /// The wire code.
    pub fn code(self) -> ErrorCode {
        match self {
            TransitionError::AlreadyAnswered => ErrorCode::AlreadyAnswered,
            TransitionError::WasSilent | TransitionError::TooLate => ErrorCode::ResponseTooLate,
            TransitionError::Settled => ErrorCode::ComplaintSettled,
            TransitionError::NotDue => ErrorCode::NotDue,
        }
    }
}

/// The status after `event` happens at `at` to a case in `status` with this `deadline`, or why it
/// cannot. Only an open case moves; every other status is final.
pub fn transition(
    status: ComplaintStatus,
    deadline: DateTime<Utc>,
    at: DateTime<Utc>,
    event: CaseEvent,
) -> Result<ComplaintStatus, TransitionError> {
    match status {
        ComplaintStatus::Answered => return Err(TransitionError::AlreadyAnswered),
        ComplaintStatus::Silent => return Err(TransitionError::WasSilent),
        ComplaintStatus::Settled => return Err(TransitionError::Settled),
        ComplaintStatus::Open => {}
    }
    match event {
        CaseEvent::Response if at <= deadline => Ok(ComplaintStatus::Answered),
        CaseEvent::Response => Err(TransitionError::TooLate),
        CaseEvent::Silence if at > deadline => Ok(ComplaintStatus::Silent),
        CaseEvent::Silence => Err(TransitionError::NotDue),
        CaseEvent::Settlement => Ok(ComplaintStatus::Settled),
    }
}

/// Open and past its deadline: the silence is due but not recorded yet.
pub fn overdue(status: ComplaintStatus, deadline: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    status == ComplaintStatus::Open && now > deadline
}

/// A party's side in a case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// The party who complained.
    Claimant,
    /// The party complained about.
    Respondent,
}

/// The side `party` is on, if any: the claimant and the respondent may read a case (the
/// respondent before it answers too); nobody else among the parties may.
pub fn side_of(claimant: &str, respondent: &str, party: &str) -> Option<Side> {
    if party == claimant {
        Some(Side::Claimant)
    } else if party == respondent {
        Some(Side::Respondent)
    } else {
        None
    }
}

/// A signed read made at `at` is fresh at `now`: within [`READ_SKEW_S`] either way.
pub fn read_time_ok(at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    (at - now).num_milliseconds().abs() <= READ_SKEW_S * 1000
}

/// One event of a case's history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HistoryEvent {
    /// When (RFC 3339 UTC, milliseconds, on the wire).
    pub at: WireTime,
    /// What.
    pub what: HistoryWhat,
    /// The party (filed, answered) or the operator (taken, note) who did it; none for the
    /// notary's own acts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    /// Log index of the signed statement of it (receipt, silence, exchange token), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_index: Option<u64>,
}

/// What happened to a case.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case", deny_unknown_fields)]
pub enum HistoryWhat {
    /// The complaint was received.
    Filed,
    /// The respondent answered in time.
    Answered {
        /// With a counter-claim.
        counter_claim: bool,
    },
    /// The deadline passed unanswered.
    Silent,
    /// The protocol settled it: `log_index` is the exchange token's.
    Settled,
    /// An arbitrator took the case.
    Taken {
        /// Who had it before, if anyone.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        previous: Option<String>,
    },
    /// An arbitrator's note.
    Note {
        /// The note.
        text: String,
    },
    /// An arbitrator proposed a ruling that a second arbitrator must confirm (the policy's
    /// `second_arbitrator_above`); nothing is signed yet.
    RulingProposed,
    /// An arbitrator withdrew the case's proposed ruling (its proposer taking it back, or a
    /// second arbitrator rejecting it): nothing was signed, and the case may be ruled afresh.
    ProposalWithdrawn {
        /// Why.
        reason: String,
    },
    /// The ruling was signed: `log_index` is the ruling's; `by` is the arbitrator who decided
    /// it (the proposer, when a second arbitrator confirmed it).
    Ruled {
        /// The second arbitrator who confirmed the proposal, if the ruling needed one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        confirmed_by: Option<String>,
    },
}

impl HistoryEvent {
    /// One line for people: `filed`, `answered`, `taken by alice`, a note's text...
    pub fn line(&self) -> String {
        let by = self.by.as_deref().unwrap_or("?");
        match &self.what {
            HistoryWhat::Filed => "filed".into(),
            HistoryWhat::Answered {
                counter_claim: false,
            } => "answered".into(),
            HistoryWhat::Answered {
                counter_claim: true,
            } => "answered, with a counter-claim".into(),
            HistoryWhat::Silent => "silent: the response deadline passed unanswered".into(),
            HistoryWhat::Settled => "settled by the exchange protocol".into(),
            HistoryWhat::Taken { previous: None } => format!("taken by {by}"),
            HistoryWhat::Taken { previous: Some(p) } => format!("taken by {by} (from {p})"),
            HistoryWhat::Note { text } => format!("note: {text}"),
            HistoryWhat::RulingProposed => format!("ruling proposed by {by}"),
            HistoryWhat::ProposalWithdrawn { reason } => {
                format!("proposed ruling withdrawn by {by}: {reason}")
            }
            HistoryWhat::Ruled { confirmed_by: None } => format!("ruled by {by}"),
            HistoryWhat::Ruled {
                confirmed_by: Some(c),
            } => format!("ruled by {by}, confirmed by {c}"),
        }
    }

    /// True for arbitrators' notes: internal to the notary, not shown to the parties.
    pub fn is_note(&self) -> bool {
        matches!(self.what, HistoryWhat::Note { .. })
    }
}
