//! Complaints (docs/design.md §6.4): what a party can complain about, what it signs to complain
//! and to answer, and where a complaint stands. The rules of filing, answering and the response
//! deadline live here too, as pure functions, so the notary, the console and later the dispute
//! rules share one reading.
//!
//! The data path: the notary receives a party-signed envelope; [`Complaint::parse`] (or
//! [`Response::parse`]) turns its payload into a typed, checked value once, with its digest and the
//! ids of its evidence, or refuses it with a [`ComplaintError`] whose code the caller sees. The
//! case then moves through [`transition`]: `open → answered | silent | settled`, each final.

mod case;
mod wire;

pub use case::{
    overdue, read_time_ok, response_deadline, side_of, transition, CaseEvent, HistoryEvent,
    HistoryWhat, Side, TransitionError, READ_SKEW_S,
};
pub use wire::{
    Complaint, ComplaintPayload, ComplaintSubject, CounterClaim, Evidence, EvidenceEnvelope,
    ReadRequest, Response, ResponsePayload,
};

use serde::{Deserialize, Serialize};

use super::error_code::ErrorCode;

/// Longest statement (of a claim, a response or a counter-claim), in bytes.
pub const STATEMENT_LEN_MAX: usize = 4096;
/// Most evidence items one complaint or response may carry.
pub const EVIDENCE_ITEMS_MAX: usize = 16;
/// Largest evidence item, in bytes of its canonical JSON as signed.
pub const EVIDENCE_ITEM_LEN_MAX: usize = 16 * 1024;
/// Largest content of a document given in full (decoded bytes); larger ones go by digest only.
pub const DOCUMENT_CONTENT_LEN_MAX: usize = 8 * 1024;
/// Longest document name, in bytes.
pub const DOCUMENT_NAME_LEN_MAX: usize = 256;
/// Longest media type, in bytes (RFC 6838 allows 127).
pub const MEDIA_TYPE_LEN_MAX: usize = 127;
/// Longest notary-issued id a party names (guarantee, complaint), in bytes.
pub const ID_LEN_MAX: usize = 64;
/// Longest arbitrator's note, in bytes.
pub const NOTE_LEN_MAX: usize = 2000;
/// Most events a case's history holds (notes beyond it are refused).
pub const HISTORY_LEN_MAX: usize = 256;

/// Why a complaint or a response is refused before anything changes. In JSON it is its
/// [`ComplaintError::code`] and its message.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ComplaintError {
    /// Not the kind expected, not in its canonical shape, or a field out of its rules.
    #[error("{0}")]
    Malformed(String),
    /// More evidence items than [`EVIDENCE_ITEMS_MAX`].
    #[error("{count} evidence items; at most {EVIDENCE_ITEMS_MAX}")]
    TooManyEvidenceItems {
        /// How many were sent.
        count: usize,
    },
    /// One evidence item larger than [`EVIDENCE_ITEM_LEN_MAX`] (or its document content larger
    /// than [`DOCUMENT_CONTENT_LEN_MAX`]).
    #[error("evidence item {index}: {what} is {len} bytes; at most {max}")]
    EvidenceTooLarge {
        /// 0-based position of the item.
        index: usize,
        /// What is too large.
        what: &'static str,
        /// Its size.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// An amount that is not 1 ..= 10^15 minor units.
    #[error("{0}")]
    BadAmount(String),
    /// The complaint names another notary.
    #[error("the complaint names notary key {0}, not this notary's")]
    WrongNotary(String),
}

impl ComplaintError {
    /// The wire code.
    pub fn code(&self) -> ErrorCode {
        match self {
            ComplaintError::Malformed(_) => ErrorCode::MalformedComplaint,
            ComplaintError::TooManyEvidenceItems { .. } => ErrorCode::TooManyEvidenceItems,
            ComplaintError::EvidenceTooLarge { .. } => ErrorCode::EvidenceTooLarge,
            ComplaintError::BadAmount(_) => ErrorCode::BadAmount,
            ComplaintError::WrongNotary(_) => ErrorCode::WrongNotary,
        }
    }
}

/// A [`ComplaintError::Malformed`] with this message.
fn malformed(message: impl Into<String>) -> ComplaintError {
    ComplaintError::Malformed(message.into())
}

/// What a complaint is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
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

/// The side of an order a party stands on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrderSide {
    /// The buyer, who signed the order and pays.
    Buyer,
    /// The seller, who is paid.
    Seller,
}

impl OrderSide {
    /// The word for it.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderSide::Buyer => "buyer",
            OrderSide::Seller => "seller",
        }
    }
}

impl ComplaintKind {
    /// The side of the order a claim of this kind is filed by: non-payment by the seller (the
    /// payee), non-delivery by the buyer (who paid); other kinds by either. Read the other way
    /// round, a buyer's "non-payment" claim would have the claimant pay.
    pub fn claimant_side(self) -> Option<OrderSide> {
        match self {
            ComplaintKind::NonPayment => Some(OrderSide::Seller),
            ComplaintKind::NonDelivery => Some(OrderSide::Buyer),
            _ => None,
        }
    }

    /// Why `claimant` may not file this kind about an order between `buyer` and `seller`.
    pub fn wrong_side(self, claimant: &str, buyer: &str, seller: &str) -> Option<String> {
        let side = self.claimant_side()?;
        let party = match side {
            OrderSide::Buyer => buyer,
            OrderSide::Seller => seller,
        };
        let side = side.as_str();
        (claimant != party).then(|| {
            format!(
                "a {} claim is the order's {side}'s ({party}); {claimant} is not the {side}",
                self.as_str()
            )
        })
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

impl ComplaintKind {
    /// Parses a wire name.
    pub fn parse(name: &str) -> Option<ComplaintKind> {
        ComplaintKind::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

impl ComplaintStatus {
    /// True once nothing the respondent or the sweep does can change it.
    pub fn is_final(self) -> bool {
        self != ComplaintStatus::Open
    }
}

#[cfg(test)]
mod tests;
