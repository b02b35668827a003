//! Complaints (docs/design.md §6.4): what a party can complain about, and where a complaint
//! stands. The rules of filing, answering and the response deadline live here too, as pure
//! functions, so the notary, the console and later the dispute rules share one reading.

use serde::{Deserialize, Serialize};

/// What a complaint is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ComplaintKind {
    /// Paid (or signed) for something that never arrived.
    NonDelivery,
    /// Delivered, not paid.
    NonPayment,
    /// Arrived, but not what was agreed.
    NotAsDescribed,
    /// Whether a contract binds (a stuck or disputed contract exchange).
    ContractValidity,
    /// Anything else; the statement says what.
    Other,
}

impl ComplaintKind {
    /// Every kind.
    pub const ALL: [ComplaintKind; 5] = [
        ComplaintKind::NonDelivery,
        ComplaintKind::NonPayment,
        ComplaintKind::NotAsDescribed,
        ComplaintKind::ContractValidity,
        ComplaintKind::Other,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            ComplaintKind::NonDelivery => "non_delivery",
            ComplaintKind::NonPayment => "non_payment",
            ComplaintKind::NotAsDescribed => "not_as_described",
            ComplaintKind::ContractValidity => "contract_validity",
            ComplaintKind::Other => "other",
        }
    }
}

/// Where a complaint stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ComplaintStatus {
    /// Filed; the respondent may still answer.
    Open,
    /// The respondent answered in time; it waits for an arbitrator.
    Answered,
    /// The response deadline passed without an answer (logged): the ruling may take the claim's
    /// evidence as uncontested.
    Silent,
    /// The protocol settled it by itself (a stuck exchange the notary resolved or aborted).
    Settled,
}

impl ComplaintStatus {
    /// Every status.
    pub const ALL: [ComplaintStatus; 4] = [
        ComplaintStatus::Open,
        ComplaintStatus::Answered,
        ComplaintStatus::Silent,
        ComplaintStatus::Settled,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            ComplaintStatus::Open => "open",
            ComplaintStatus::Answered => "answered",
            ComplaintStatus::Silent => "silent",
            ComplaintStatus::Settled => "settled",
        }
    }
}
