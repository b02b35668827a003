//! notar's error codes: one closed set. crypto and the notary name them by variant, the HTTP API
//! and the admin protocol send them, the console and the CLI read them. A code's wire name is its
//! variant's serde name, and whether it blames the caller's input (CLI exit 2) or the notary's
//! state (exit 1) is one `match` here.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::exchange::ExchangeRefusal;

/// A snake_case error code, as sent in `{"error": {"code": ...}}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The request is malformed or out of range.
    BadRequest,
    /// An amount is not positive, too large or unreadable.
    BadAmount,
    /// A public key is malformed or not acceptable here.
    BadKey,
    /// A display name is empty, too long or holds control, invisible or bidi formatting characters.
    BadName,
    /// A reason is missing or not one of the accepted ones.
    BadReason,
    /// A guarantee request id is malformed.
    BadRequestId,
    /// An agreement's end of validity is not in the future.
    BadValidity,
    /// A signature (certificate, CRL) does not verify.
    BadSignature,
    /// The agreement's status cannot change that way.
    BadTransition,
    /// A signed order cannot be read.
    MalformedOrder,
    /// A certificate cannot be parsed.
    CertificateUnparsable,
    /// A certificate is not valid yet.
    CertificateNotYetValid,
    /// A certificate has expired.
    CertificateExpired,
    /// A CRL cannot be parsed.
    CrlUnparsable,
    /// A CA root is not a CA.
    NotACa,
    /// A certificate holds a key other than Ed25519.
    UnsupportedKey,
    /// Agreements are made with buyers, and this party is a seller.
    NotABuyer,
    /// The buyer has no key in good standing.
    NoKeys,
    /// No such agreement.
    UnknownAgreement,
    /// No such party.
    UnknownParty,
    /// No such policy.
    UnknownPolicy,
    /// No such guarantee.
    UnknownGuarantee,
    /// The notary answered no guarantee request for an order with that digest.
    UnknownOrder,
    /// No such registered key.
    UnknownKey,
    /// A certificate or CRL is not issued by a configured CA.
    UnknownIssuer,
    /// No exchange with that tid is known to the notary.
    UnknownExchange,
    /// Only the originator of an exchange may abort it (T7).
    NotOriginator,
    /// The exchange's m1 names another notary (T8).
    WrongNotary,
    /// m2 (or the receipt) does not bind this exchange (T9).
    BadM2,
    /// The signing key is revoked (or its certificate is out of validity).
    KeyRevoked,
    /// An exchange object is not in its canonical shape, or its parts do not belong together.
    MalformedExchange,
    /// No complaint with that id.
    UnknownComplaint,
    /// A complaint or response is not in its canonical shape, or a field breaks its rules.
    MalformedComplaint,
    /// A complaint or response carries more evidence items than allowed.
    TooManyEvidenceItems,
    /// An evidence item (or a document's content) is larger than allowed.
    EvidenceTooLarge,
    /// The party is neither the claimant nor the respondent (of the case, or of the guarantee
    /// the complaint is about).
    NotAParty,
    /// The claimant is the wrong side of the order for the complaint's kind (non-payment is the
    /// seller's claim, non-delivery the buyer's).
    WrongSide,
    /// Only the respondent of a complaint may answer it.
    NotRespondent,
    /// The complaint's response deadline has passed (or its respondent was recorded as silent).
    ResponseTooLate,
    /// The complaint was answered already.
    AlreadyAnswered,
    /// The complaint was settled by the exchange protocol.
    ComplaintSettled,
    /// The case has a signed ruling already: a case is ruled once.
    AlreadyRuled,
    /// The case is open: the respondent may still answer, so it cannot be ruled yet.
    ResponsePending,
    /// The case's ruling is proposed and waits for a second arbitrator's confirmation.
    AwaitingConfirmation,
    /// The case has no ruling proposal to confirm.
    NoProposal,
    /// The arbitrator who proposed a ruling cannot confirm it: a second, different one must.
    SameArbitrator,
    /// The ruling a fresh replay gives is not the one the arbitrator reviewed (the evidence
    /// changed in between): nothing is signed; review it again.
    RulingChanged,
    /// The party already claims this kind about this subject in another case (as its claim or
    /// its counter-claim): a claim is decided once.
    DuplicateClaim,
    /// Nothing with that index or id.
    NotFound,
    /// The key is revoked already.
    AlreadyRevoked,
    /// The guarantee is settled already.
    AlreadySettled,
    /// The guarantee is released already.
    AlreadyReleased,
    /// The guarantee is not due for release (or a complaint's silence is not due yet).
    NotDue,
    /// The guarantee's validity and its policy's release grace are over and no ruling holds it:
    /// its seller no longer settles it (it is released as expired once no case keeps it).
    GuaranteeLapsed,
    /// A party with that name and role exists.
    PartyExists,
    /// The key is registered already.
    KeyExists,
    /// A request id was used for a different request.
    RequestIdReused,
    /// The caller's Unix user is not an arbitrator of this notary.
    NotAnArbitrator,
    /// No or an unknown API token.
    Unauthorized,
    /// The caller may not do this.
    Forbidden,
    /// The data dir is unusable.
    DataDir,
    /// The database failed, or a record could not be made durable.
    StorageFailure,
    /// Stored data contradicts itself.
    Corrupt,
    /// The notary is busy; retry shortly.
    Overloaded,
    /// The notary is not signing (stopping, or stopped after a failure: a failed write, a failed
    /// check or a panic while signing).
    Unavailable,
    /// This process is not the writer (PostgreSQL store): a standby waiting to take over, a
    /// read replica, or a writer another process took over from. Send writes to the active one.
    Standby,
    /// The configuration cannot be used.
    Setup,
    /// A fault inside the notary (log, encoding, signing).
    Internal,
}

impl ErrorCode {
    /// True when the caller's input was wrong (malformed, unknown ids, untrusted certificates):
    /// the CLI exits 2. Otherwise the state said no or the notary failed: exit 1.
    pub fn is_input_error(self) -> bool {
        use ErrorCode::*;
        match self {
            BadRequest
            | BadAmount
            | BadKey
            | BadName
            | BadReason
            | BadRequestId
            | BadValidity
            | BadSignature
            | MalformedOrder
            | CertificateUnparsable
            | CertificateNotYetValid
            | CertificateExpired
            | CrlUnparsable
            | NotACa
            | UnsupportedKey
            | NotABuyer
            | NoKeys
            | UnknownAgreement
            | UnknownParty
            | UnknownPolicy
            | UnknownGuarantee
            | UnknownOrder
            | UnknownKey
            | UnknownIssuer
            | UnknownExchange
            | WrongNotary
            | BadM2
            | MalformedExchange
            | UnknownComplaint
            | MalformedComplaint
            | TooManyEvidenceItems
            | EvidenceTooLarge
            | NotFound
            | DataDir => true,
            NotOriginator | NotAParty | WrongSide | NotRespondent | ResponseTooLate
            | AlreadyAnswered | ComplaintSettled | AlreadyRuled | ResponsePending
            | AwaitingConfirmation | NoProposal | SameArbitrator | RulingChanged
            | DuplicateClaim | KeyRevoked | BadTransition | AlreadyRevoked | AlreadySettled
            | AlreadyReleased | NotDue | GuaranteeLapsed | PartyExists | KeyExists
            | RequestIdReused | NotAnArbitrator | Unauthorized | Forbidden | StorageFailure
            | Corrupt | Overloaded | Unavailable | Standby | Setup | Internal => false,
        }
    }
}

impl From<ExchangeRefusal> for ErrorCode {
    fn from(r: ExchangeRefusal) -> Self {
        match r {
            ExchangeRefusal::MalformedExchange => ErrorCode::MalformedExchange,
            ExchangeRefusal::WrongNotary => ErrorCode::WrongNotary,
            ExchangeRefusal::UnknownKey => ErrorCode::UnknownKey,
            ExchangeRefusal::BadSignature => ErrorCode::BadSignature,
            ExchangeRefusal::KeyRevoked => ErrorCode::KeyRevoked,
            ExchangeRefusal::NotOriginator => ErrorCode::NotOriginator,
            ExchangeRefusal::BadM2 => ErrorCode::BadM2,
        }
    }
}

impl fmt::Display for ErrorCode {
    /// The wire name (`bad_key`), as the CLI and the console show it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.serialize(f)
    }
}

#[cfg(test)]
#[path = "error_code_tests.rs"]
mod tests;
