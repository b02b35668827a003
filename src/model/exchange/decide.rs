//! The checks an abort or resolve request goes through, and the verdict on an undecided exchange.
//!
//! Checks, first failure wins (a refused request changes nothing):
//! - abort: `malformed_exchange` (the abort names another tid than m1's), `wrong_notary`, m1's
//!   signature by the originator, then the abort's signature: by the originator, else
//!   `not_originator`.
//! - resolve: `malformed_exchange` (the evidence is for the other protocol, or the sender's escrow
//!   statement does not match m1 or the escrow presented), `wrong_notary`, m1's signature by the
//!   originator, the escrow statement's by the originator (item), m2's or the receipt's by the
//!   responder, then `bad_m2` (m2 or the receipt does not bind this exchange).
//!
//! A signature check fails with `unknown_key` (no registered key signed), `bad_signature` (it does
//! not verify, or the key is another party's) or `key_revoked`.
//!
//! A valid request on a decided exchange gets the stored token back. On an undecided one, an abort
//! aborts it; a resolve past the deadline aborts it too (`expired`), otherwise it resolves it:
//! a replacement contract, or for item for receipt a delivery (key released and delivery
//! affidavit) or, if the escrow does not open with this exchange's binding, an escrow-failure
//! affidavit.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::book::{Decision, ExchangeState, Undecided};
use super::wire::{AbortRequest, ContractAcceptance, ItemEscrow, Offer, Receipt, Sha256Hex, Tid};
use super::ExchangeRefusal;
use crate::model::registry::KeyStanding;

/// What the notary found when it checked the signature on one party's object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SignatureCheck {
    /// A registered key of `party_id` signed, and the signature verifies.
    Valid {
        /// The key's owner.
        party_id: String,
        /// The key's standing now.
        standing: KeyStanding,
    },
    /// A registered key is named but its signature does not verify.
    BadSignature,
    /// No signature by a registered key.
    UnknownKey,
}

impl SignatureCheck {
    /// Ok for a good signature by `party`; `other_party` is the refusal for a good signature by
    /// anyone else.
    fn by(&self, party: &str, other_party: ExchangeRefusal) -> Result<(), ExchangeRefusal> {
        match self {
            SignatureCheck::UnknownKey => Err(ExchangeRefusal::UnknownKey),
            SignatureCheck::BadSignature => Err(ExchangeRefusal::BadSignature),
            SignatureCheck::Valid { party_id, .. } if party_id != party => Err(other_party),
            SignatureCheck::Valid { standing, .. } if *standing != KeyStanding::Good => {
                Err(ExchangeRefusal::KeyRevoked)
            }
            SignatureCheck::Valid { .. } => Ok(()),
        }
    }
}

/// A parsed payload and what the notary found about its signature.
#[derive(Clone, Debug)]
pub struct Signed<'a, T> {
    /// The payload.
    pub payload: &'a T,
    /// Its signature.
    pub signature: SignatureCheck,
}

/// The notary's own facts for a decision.
#[derive(Clone, Copy, Debug)]
pub struct Context<'a> {
    /// This notary's `key_id`: the one m1 must name.
    pub notary_key_id: &'a str,
    /// Now.
    pub now: DateTime<Utc>,
    /// The policy's `exchange_default_deadline`, seconds: the deadline of an exchange whose m1
    /// names none counts from when the notary first sees it.
    pub default_deadline_s: i64,
}

/// An abort request as the notary checked it.
#[derive(Clone, Debug)]
pub struct AbortFacts<'a> {
    /// The notary's facts.
    pub ctx: Context<'a>,
    /// m1.
    pub m1: Signed<'a, Offer>,
    /// `Sig_O("abort", tid)`.
    pub abort: Signed<'a, AbortRequest>,
}

/// Why an escrow fails: the sender's fault either way.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EscrowFault {
    /// It does not decrypt with the notary's key and this exchange's binding.
    DoesNotOpen,
    /// It decrypts, but what it holds is bound to something else or is not a key.
    BindingMismatch,
}

/// What opening the escrow gave.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EscrowOpening {
    /// It opens with this exchange's binding: the key can go to the recipient.
    Opened,
    /// It cannot serve.
    Failed(EscrowFault),
}

/// What a resolve request holds besides m1.
#[derive(Clone, Debug)]
pub enum Evidence<'a> {
    /// Contract signing: m2.
    Contract {
        /// The responder's acceptance.
        m2: Signed<'a, ContractAcceptance>,
    },
    /// Item for receipt.
    Item {
        /// The sender's statement of the escrow.
        item_escrow: Signed<'a, ItemEscrow>,
        /// The recipient's receipt.
        receipt: Signed<'a, Receipt>,
        /// SHA-256 of the escrow presented.
        escrow_digest: &'a Sha256Hex,
        /// What opening that escrow with this exchange's binding gave.
        opening: EscrowOpening,
    },
}

/// A resolve request as the notary checked it.
#[derive(Clone, Debug)]
pub struct ResolveFacts<'a> {
    /// The notary's facts.
    pub ctx: Context<'a>,
    /// m1.
    pub m1: Signed<'a, Offer>,
    /// m2, or the item-for-receipt parts.
    pub evidence: Evidence<'a>,
}

/// Why an exchange was aborted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AbortCause {
    /// The originator asked.
    Requested,
    /// A resolve came after the deadline.
    Expired,
    /// A signed ruling decided it (the arbitrator found no acceptance of m1).
    Ruled,
}

/// How an exchange was resolved.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Resolution {
    /// Contract signing: the notary's replacement contract over (m1, the first m2).
    Replaced,
    /// Item for receipt: the key goes to the recipient, a delivery affidavit to the sender.
    Delivered,
    /// Item for receipt: the escrow failed; an escrow-failure affidavit, the sender at fault.
    EscrowFailed(EscrowFault),
}

/// A terminal decision on an exchange: aborted or resolved, never both.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// No contract, no delivery: an abort token.
    Aborted(AbortCause),
    /// Resolved.
    Resolved(Resolution),
}

impl Verdict {
    /// Every verdict.
    pub const ALL: [Verdict; 7] = [
        Verdict::Aborted(AbortCause::Requested),
        Verdict::Aborted(AbortCause::Expired),
        Verdict::Aborted(AbortCause::Ruled),
        Verdict::Resolved(Resolution::Replaced),
        Verdict::Resolved(Resolution::Delivered),
        Verdict::Resolved(Resolution::EscrowFailed(EscrowFault::DoesNotOpen)),
        Verdict::Resolved(Resolution::EscrowFailed(EscrowFault::BindingMismatch)),
    ];

    /// The outcome's name: `aborted`, `expired`, `resolved`, `delivered` or `escrow_failed`.
    pub fn name(self) -> &'static str {
        self.outcome().name()
    }

    /// The outcome, as parties and the console name it.
    pub fn outcome(self) -> Outcome {
        match self {
            Verdict::Aborted(AbortCause::Requested | AbortCause::Ruled) => Outcome::Aborted,
            Verdict::Aborted(AbortCause::Expired) => Outcome::Expired,
            Verdict::Resolved(Resolution::Replaced) => Outcome::Resolved,
            Verdict::Resolved(Resolution::Delivered) => Outcome::Delivered,
            Verdict::Resolved(Resolution::EscrowFailed(_)) => Outcome::EscrowFailed,
        }
    }

    /// The kind of the object the notary signs as the token of this verdict.
    pub fn token_kind(self) -> &'static str {
        match self {
            Verdict::Aborted(_) => "exchange_abort_token",
            Verdict::Resolved(Resolution::Replaced) => "replacement_contract",
            Verdict::Resolved(Resolution::Delivered) => "delivery_affidavit",
            Verdict::Resolved(Resolution::EscrowFailed(_)) => "escrow_failure_affidavit",
        }
    }

    /// Whether the notary releases the escrowed key to the recipient (with every answer that
    /// carries this verdict).
    pub fn releases_key(self) -> bool {
        match self {
            Verdict::Resolved(Resolution::Delivered) => true,
            Verdict::Aborted(_)
            | Verdict::Resolved(Resolution::Replaced)
            | Verdict::Resolved(Resolution::EscrowFailed(_)) => false,
        }
    }

    /// True for an abort, whatever the cause.
    pub fn is_abort(self) -> bool {
        matches!(self, Verdict::Aborted(_))
    }
}

/// How a decided exchange ended, in one word: a [`Verdict`] without the escrow fault's detail.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Aborted at the originator's request, or by a ruling (the token's `cause` says which).
    Aborted,
    /// Aborted because a resolve came after the deadline.
    Expired,
    /// Contract signing resolved: a replacement contract.
    Resolved,
    /// Item for receipt resolved: the key released, a delivery affidavit.
    Delivered,
    /// Item for receipt: the escrow failed, the sender at fault.
    EscrowFailed,
}

impl Outcome {
    /// The wire name.
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Aborted => "aborted",
            Outcome::Expired => "expired",
            Outcome::Resolved => "resolved",
            Outcome::Delivered => "delivered",
            Outcome::EscrowFailed => "escrow_failed",
        }
    }

    /// True for the two ways an exchange is aborted.
    pub fn is_abort(self) -> bool {
        matches!(self, Outcome::Aborted | Outcome::Expired)
    }
}

/// A verdict on an undecided exchange, not yet signed. Only [`decide_abort`] and
/// [`decide_resolve`] make one; the notary signs its token and gives both to
/// [`Exchanges::record`](super::Exchanges::record).
#[derive(Debug, PartialEq, Eq)]
pub struct Pending {
    pub(super) tid: Tid,
    pub(super) verdict: Verdict,
}

impl Pending {
    /// The exchange.
    pub fn tid(&self) -> &Tid {
        &self.tid
    }

    /// What to sign.
    pub fn verdict(&self) -> Verdict {
        self.verdict
    }
}

/// Decides an abort request on the exchange in `state` (see the module doc for the checks).
///
/// # Panics
/// If `state` is not the state of m1's tid ([`Exchanges::current`](super::Exchanges::current)
/// gives the right one).
pub fn decide_abort(state: ExchangeState, f: &AbortFacts<'_>) -> Result<Decision, ExchangeRefusal> {
    let offer = f.m1.payload;
    if f.abort.payload.tid != *offer.tid() {
        return Err(ExchangeRefusal::MalformedExchange);
    }
    check_offer(&f.ctx, &f.m1)?;
    let originator = &offer.payload().originator;
    f.abort
        .signature
        .by(originator, ExchangeRefusal::NotOriginator)?;
    Ok(decide_on(state, offer.tid(), |_| {
        Verdict::Aborted(AbortCause::Requested)
    }))
}

/// Decides a resolve request on the exchange in `state` (see the module doc for the checks).
///
/// # Panics
/// If `state` is not the state of m1's tid.
pub fn decide_resolve(
    state: ExchangeState,
    f: &ResolveFacts<'_>,
) -> Result<Decision, ExchangeRefusal> {
    let offer = f.m1.payload;
    check_parts_fit(offer, &f.evidence)?;
    check_offer(&f.ctx, &f.m1)?;
    check_evidence(offer, &f.evidence)?;
    Ok(decide_on(state, offer.tid(), |u| {
        resolve_verdict(u, f.ctx.now, &f.evidence)
    }))
}

/// The stored decision, or a new verdict that consumes the undecided exchange.
fn decide_on(
    state: ExchangeState,
    tid: &Tid,
    verdict: impl FnOnce(&Undecided) -> Verdict,
) -> Decision {
    assert_eq!(
        state.tid(),
        tid,
        "a decision is about the exchange whose state it was given"
    );
    match state {
        ExchangeState::Decided(d) => Decision::Stored(d),
        ExchangeState::Undecided(u) => {
            let verdict = verdict(&u);
            Decision::New(Pending {
                tid: u.tid,
                verdict,
            })
        }
    }
}

/// `wrong_notary`, then m1's signature by the originator.
fn check_offer(ctx: &Context<'_>, m1: &Signed<'_, Offer>) -> Result<(), ExchangeRefusal> {
    let offer = m1.payload.payload();
    if offer.notary_key_id.as_str() != ctx.notary_key_id {
        return Err(ExchangeRefusal::WrongNotary);
    }
    m1.signature
        .by(&offer.originator, ExchangeRefusal::BadSignature)
}

/// The evidence is for m1's protocol, and the sender's escrow statement names this exchange, its
/// ciphertext, its recipient and the escrow presented.
fn check_parts_fit(offer: &Offer, evidence: &Evidence<'_>) -> Result<(), ExchangeRefusal> {
    let fits = match (offer.escrow_binding(), evidence) {
        (None, Evidence::Contract { .. }) => true,
        (
            Some(binding),
            Evidence::Item {
                item_escrow,
                escrow_digest,
                ..
            },
        ) => {
            let s = item_escrow.payload;
            s.tid == binding.tid
                && s.ciphertext_digest == binding.ciphertext_digest
                && s.recipient == binding.recipient
                && s.escrow_digest == **escrow_digest
        }
        (None, Evidence::Item { .. }) | (Some(_), Evidence::Contract { .. }) => false,
    };
    if fits {
        Ok(())
    } else {
        Err(ExchangeRefusal::MalformedExchange)
    }
}

/// The signatures on m2 (or the escrow statement and the receipt), then `bad_m2`.
fn check_evidence(offer: &Offer, evidence: &Evidence<'_>) -> Result<(), ExchangeRefusal> {
    let o = offer.payload();
    let binds = match evidence {
        Evidence::Contract { m2 } => {
            m2.signature
                .by(&o.responder, ExchangeRefusal::BadSignature)?;
            m2.payload.tid == *offer.tid()
        }
        Evidence::Item {
            item_escrow,
            receipt,
            ..
        } => {
            item_escrow
                .signature
                .by(&o.originator, ExchangeRefusal::BadSignature)?;
            receipt
                .signature
                .by(&o.responder, ExchangeRefusal::BadSignature)?;
            let (r, s) = (receipt.payload, item_escrow.payload);
            r.tid == s.tid
                && r.ciphertext_digest == s.ciphertext_digest
                && r.escrow_digest == s.escrow_digest
        }
    };
    if binds {
        Ok(())
    } else {
        Err(ExchangeRefusal::BadM2)
    }
}

/// What a valid resolve makes of an undecided exchange. "Past the deadline" is strictly after it.
fn resolve_verdict(u: &Undecided, now: DateTime<Utc>, evidence: &Evidence<'_>) -> Verdict {
    if now > u.deadline() {
        return Verdict::Aborted(AbortCause::Expired);
    }
    match evidence {
        Evidence::Contract { .. } => Verdict::Resolved(Resolution::Replaced),
        Evidence::Item {
            opening: EscrowOpening::Opened,
            ..
        } => Verdict::Resolved(Resolution::Delivered),
        Evidence::Item {
            opening: EscrowOpening::Failed(fault),
            ..
        } => Verdict::Resolved(Resolution::EscrowFailed(*fault)),
    }
}

/// What a signed ruling asks of an exchange (docs/design.md §6.5): the arbitrator's decision,
/// for an exchange the parties left undecided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ruled {
    /// The ruling found m1 and m2: the notary resolves it with a replacement contract.
    Resolve,
    /// The ruling found m1 without an acceptance: the notary aborts it (cause `ruled`).
    Abort,
}

/// Decides the contract exchange in `state` as a ruling asks, at `now`. A decided exchange keeps
/// its decision (the first decision is final, whoever asks). On an undecided one an abort
/// aborts it with cause `ruled`; a resolve replaces the contract, unless the deadline has
/// passed: then it aborts it (`expired`), as any resolve would, so the originator can still rely
/// on m1's deadline. The ruling rests on signatures it already admitted, so no key is checked
/// here.
pub fn decide_ruled(state: ExchangeState, ruled: Ruled, now: DateTime<Utc>) -> Decision {
    let tid = state.tid().clone();
    decide_on(state, &tid, |u| match ruled {
        Ruled::Abort => Verdict::Aborted(AbortCause::Ruled),
        Ruled::Resolve if now > u.deadline() => Verdict::Aborted(AbortCause::Expired),
        Ruled::Resolve => Verdict::Resolved(Resolution::Replaced),
    })
}
