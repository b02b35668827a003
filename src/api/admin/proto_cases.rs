//! The admin protocol's bodies for fair exchanges and complaints: what the console's "Exchanges &
//! complaints" screen lists and shows. Closed sets are the model's enums.

use serde::{Deserialize, Serialize};

pub use crate::model::complaint::{ComplaintKind, ComplaintStatus};
pub use crate::model::exchange::{Outcome, Protocol};
use crate::model::money::Money;

/// Where an exchange stands, in one word.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExchangeStatus {
    /// Known to the notary (a complaint named it), nobody decided it yet.
    Undecided,
    /// Aborted (requested or expired).
    Aborted,
    /// Resolved (replacement contract, delivery or escrow failure).
    Resolved,
}

/// One exchange the notary knows of.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExchangeItem {
    /// Transaction id (hex SHA-256 of m1's signing bytes).
    pub tid: String,
    /// Contract signing or item for receipt.
    pub protocol: Protocol,
    /// Originator's party id.
    pub originator: String,
    /// Originator's display name ("" if unknown).
    pub originator_name: String,
    /// Responder's party id.
    pub responder: String,
    /// Responder's display name ("" if unknown).
    pub responder_name: String,
    /// Undecided, aborted or resolved.
    pub status: ExchangeStatus,
    /// How it ended, once decided.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Outcome>,
    /// After this instant a resolve aborts it (RFC 3339 ms).
    pub deadline: String,
    /// When the notary first saw it.
    pub first_seen: String,
    /// When it was decided.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_at: Option<String>,
    /// Log index of the decision's token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_index: Option<u64>,
}

/// One complaint in the queue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplaintItem {
    /// Complaint id (UUIDv7).
    pub complaint_id: String,
    /// What it is about.
    pub kind: ComplaintKind,
    /// Claimant's party id.
    pub claimant: String,
    /// Claimant's display name.
    pub claimant_name: String,
    /// Respondent's party id.
    pub respondent: String,
    /// Respondent's display name.
    pub respondent_name: String,
    /// The exchange concerned, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tid: Option<String>,
    /// The guarantee concerned, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guarantee_id: Option<String>,
    /// The order concerned (its `order_digest`), for an order the notary did not guarantee.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_digest: Option<String>,
    /// Amount claimed.
    pub amount: Money,
    /// When the notary received it (RFC 3339 ms).
    pub filed_at: String,
    /// The respondent's deadline to answer.
    pub response_deadline: String,
    /// Open, answered, silent or settled.
    pub status: ComplaintStatus,
    /// Open and past its deadline (the silence is not logged yet).
    pub overdue: bool,
    /// The arbitrator who took the case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub taken_by: Option<String>,
    /// The respondent filed a counter-claim with its answer.
    pub counter_claim: bool,
    /// `ruled` (a signed ruling) or `proposed` (waiting for a second arbitrator).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ruling: Option<String>,
}

/// One evidence item of a claim or response, described for a reader (never trusted for display:
/// the console sanitises every string).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceItem {
    /// Evidence id: hex SHA-256 of the item's bytes.
    pub id: String,
    /// Envelope kind, `rfc3161_token` or `document`.
    pub kind: String,
    /// One line: what it is and who signed it.
    pub summary: String,
    /// Party id of the signer, for signed items whose key the notary knows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signer: Option<String>,
}

/// A counter-claim filed with a response: ruled on together with the claim.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CounterClaimItem {
    /// What it is about.
    pub kind: ComplaintKind,
    /// Amount claimed.
    pub amount: Money,
    /// The respondent's statement of it.
    pub statement: String,
}

/// The respondent's answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResponseItem {
    /// When the notary received it.
    pub answered_at: String,
    /// The respondent's statement.
    pub statement: String,
    /// Its evidence.
    pub evidence: Vec<EvidenceItem>,
    /// A counter-claim, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counter_claim: Option<CounterClaimItem>,
}

/// One event in a case's history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryItem {
    /// When (RFC 3339 ms).
    pub at: String,
    /// What happened, one line ("filed", "answered", "silent", "taken by …", a note's text).
    pub what: String,
    /// The arbitrator or party who did it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    /// Log index of the notary's signed statement of it, if one was signed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_index: Option<u64>,
}

/// One complaint in full: the case detail.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplaintDetail {
    /// The queue's line for it.
    pub item: ComplaintItem,
    /// The claimant's statement.
    pub statement: String,
    /// The claimant's evidence.
    pub evidence: Vec<EvidenceItem>,
    /// The respondent's answer, once given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<ResponseItem>,
    /// What happened, oldest first.
    pub history: Vec<HistoryItem>,
}

/// Answer to `RulingSign` and `RulingConfirm`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RulingItem {
    /// The case.
    pub complaint_id: String,
    /// `ruled` (signed, logged, its actions run) or `proposed` (a second arbitrator must
    /// confirm it: the policy's `second_arbitrator_above`).
    pub status: String,
    /// Hex SHA-256 of the evidence bundle replayed (the file `notar case export` writes).
    pub bundle_digest: String,
    /// The arbitrator who signed or proposed it.
    pub arbitrator: String,
    /// The notary-signed `ruling` envelope, once ruled (docs/formats.md "Ruling").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ruling: Option<crate::crypto::envelope::Envelope>,
}
