//! Fair exchange (docs/design.md §6.4), the pure part: what the parties sign, the checks a request
//! goes through, and the per-exchange state machine of the notary as the recovery party.
//!
//! Per tid the state goes `undecided → aborted | resolved`, terminal and exclusive. The data path:
//! the notary verifies the signatures and states what it found as facts; [`decide_abort`] or
//! [`decide_resolve`] refuses the request or turns it into a [`Decision`]: either the token stored
//! for an earlier decision, or a [`Pending`] verdict the notary signs and hands back to
//! [`Exchanges::record`]. Only a decision can make a `Pending`, and `record` asserts in every build
//! that no tid is decided twice, so an exchange can never be both aborted and resolved.

mod book;
mod decide;
mod wire;

pub use book::{
    Decided, Decision, ExchangeBookError, ExchangeState, Exchanges, Token, Undecided,
    RECENT_DECISIONS,
};
pub use decide::{
    decide_abort, decide_resolve, decide_ruled, AbortCause, AbortFacts, Context, EscrowFault,
    EscrowOpening, Evidence, Outcome, Pending, Resolution, ResolveFacts, Ruled, SignatureCheck,
    Signed, Verdict,
};
pub use wire::{
    signing_bytes, AbortBody, AbortRequest, ContractAcceptance, ContractOffer, EscrowBinding,
    ExchangePayload, ItemEscrow, Offer, Protocol, Receipt, ResolveBody, Sha256Hex, Subject, Tid,
    WireTime, PARTY_ID_LEN_MAX,
};

use serde::{Deserialize, Serialize};

/// Why the notary refuses an abort or resolve request. A refused request changes nothing. In
/// JSON it is its [`ExchangeRefusal::code`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExchangeRefusal {
    /// A payload is not in its canonical shape, or the parts of the request do not belong
    /// together (another tid, the other protocol, an escrow that is not the one signed for).
    MalformedExchange,
    /// m1 names another notary (T8).
    WrongNotary,
    /// An object is signed by no registered key.
    UnknownKey,
    /// A signature does not verify, or is by a key of the wrong party.
    BadSignature,
    /// The signing key is revoked (or its certificate is out of validity).
    KeyRevoked,
    /// An abort not signed by the originator (T7).
    NotOriginator,
    /// m2 (or the receipt) does not bind this exchange (T9).
    BadM2,
}

impl ExchangeRefusal {
    /// Every refusal.
    pub const ALL: [ExchangeRefusal; 7] = [
        ExchangeRefusal::MalformedExchange,
        ExchangeRefusal::WrongNotary,
        ExchangeRefusal::UnknownKey,
        ExchangeRefusal::BadSignature,
        ExchangeRefusal::KeyRevoked,
        ExchangeRefusal::NotOriginator,
        ExchangeRefusal::BadM2,
    ];

    /// The code on the wire.
    pub fn code(self) -> &'static str {
        match self {
            ExchangeRefusal::MalformedExchange => "malformed_exchange",
            ExchangeRefusal::WrongNotary => "wrong_notary",
            ExchangeRefusal::UnknownKey => "unknown_key",
            ExchangeRefusal::BadSignature => "bad_signature",
            ExchangeRefusal::KeyRevoked => "key_revoked",
            ExchangeRefusal::NotOriginator => "not_originator",
            ExchangeRefusal::BadM2 => "bad_m2",
        }
    }

    /// Parses a wire code.
    pub fn from_code(code: &str) -> Option<ExchangeRefusal> {
        ExchangeRefusal::ALL.into_iter().find(|r| r.code() == code)
    }
}

#[cfg(test)]
mod tests;
