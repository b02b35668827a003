//! What a dispute is decided on: the claim, the evidence items as facts, and the registry as of
//! the relevant times. The verifying layer (signatures, inclusion proofs, digests) fills in
//! [`Facts`]; nothing here checks a signature itself.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::complaint::ComplaintKind;
use crate::model::exchange::{Protocol, WireTime};
use crate::model::money::Money;
use crate::model::registry::KeyRecord;

/// What a claim is about: an exchange, a guarantee, or an order (by its item id).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", content = "id", rename_all = "snake_case")]
pub enum ClaimSubject {
    /// A fair exchange, by tid.
    Tid(String),
    /// A guarantee, by the notary's guarantee id.
    Guarantee(String),
    /// An order, by its item id (hex SHA-256 of its bytes).
    Order(String),
}

/// A claim one party makes against another.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Claim {
    /// What it is about.
    pub kind: ComplaintKind,
    /// Party id of the claimant.
    pub claimant: String,
    /// Party id of the respondent.
    pub respondent: String,
    /// The exchange, guarantee or order.
    pub subject: ClaimSubject,
    /// The amount claimed.
    pub amount: Money,
    /// When the notary received the claim (its complaint receipt's time).
    pub filed_at: WireTime,
}

/// What the verifying layer found about one item's authenticity.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Facts {
    /// The signature verifies under `signer` (ignored for unsigned items).
    pub signature_valid: bool,
    /// The item's id is not the SHA-256 of its bytes: the bundle misnames it (`A0.id_mismatch`,
    /// whatever its signature).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub misnamed: bool,
    /// A notary-signed item whose signature verifies but whose inclusion proof does not (another
    /// checkpoint's, a broken path, another entry): refused for the proof
    /// (`A0.no_inclusion_proof`), not as forged. `signature_valid` stays false: nothing rests on it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unproven: bool,
    /// Key id (hex SHA-256 of the public key) that signed it; none for unsigned items.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signer: Option<String>,
    /// For notary-signed items: `true` when an inclusion proof against the bundle's checkpoint
    /// verified, `false` when the log contradicts it (absent at that index or another entry),
    /// none when no proof was checked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_log: Option<bool>,
}

/// One evidence item: its id, its parsed content and what the verifier found.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    /// Lowercase hex SHA-256 of the item's bytes, computed by the verifying layer.
    pub id: String,
    /// The typed content the rules need.
    pub content: Content,
    /// Ids of other items whose digest this item's signed bytes contain.
    #[serde(default)]
    pub embeds: Vec<String>,
    /// Signature and log facts.
    pub facts: Facts,
}

/// Who an exchange party is, for the preimage of its nonce.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The originator (na).
    Originator,
    /// The responder (nb).
    Responder,
}

/// The parsed content of an item, by what it is.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "what", rename_all = "snake_case", deny_unknown_fields)]
pub enum Content {
    /// A buyer's signed order. `claimed_at` is the buyer's own statement: it proves nothing.
    Order {
        buyer: String,
        seller: String,
        amount: Money,
        agreement: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tid: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        claimed_at: Option<WireTime>,
    },
    /// The notary's guarantee certificate (embeds the order).
    Guarantee {
        guarantee_id: String,
        agreement: String,
        buyer: String,
        amount: Money,
        issued_at: WireTime,
        valid_until: WireTime,
    },
    /// The notary's signed refusal of a guarantee request (embeds the order).
    Refusal {
        agreement: String,
        reason: String,
        at: WireTime,
    },
    /// The notary's release of a guarantee.
    Release { guarantee_id: String, at: WireTime },
    /// The notary's settlement (pay-out) of a guarantee.
    Settlement { guarantee_id: String, at: WireTime },
    /// A signed ruling of an earlier case; `released`: the guarantees its actions released;
    /// `held`: those it holds for their sellers (the buyer ruled to pay under them).
    Ruling {
        released: Vec<String>,
        held: Vec<String>,
        decided_at: WireTime,
    },
    /// An RFC 3161 token over the item `digest`.
    Timestamp {
        digest: String,
        gen_time: WireTime,
        accuracy_ms: i64,
    },
    /// A nonce the notary issued and logged: embedding it proves "signed after".
    Nonce { issued_at: WireTime },
    /// A signed checkpoint of the notary's log: embedding its root proves "signed after".
    Checkpoint { size: u64, at: WireTime },
    /// m1. `payment` is set when the item sent is a payment token: the amount m1 states (signed
    /// by the payer, acknowledged by the payee's receipt through the tid), or zero in the
    /// claim's currency when m1 states none (a payment of no shown sum).
    Offer {
        tid: String,
        protocol: Protocol,
        originator: String,
        responder: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        payment: Option<Money>,
        /// The ids of the order items this payment m1 says it pays (by their `order_digest`):
        /// a case about one of them counts the payment. Not an embedding: the digest is the
        /// order document's, known before the order was signed, so it bounds no time.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        pays: Vec<String>,
    },
    /// m2, by the responder.
    Acceptance { tid: String },
    /// The originator's abort request.
    AbortRequest { tid: String },
    /// The sender's escrow statement.
    ItemEscrow { tid: String },
    /// The recipient's receipt of the ciphertext.
    ExchangeReceipt { tid: String },
    /// A revealed nonce preimage; `matches` says it hashes to the digest in m1 or m2.
    NonceReveal {
        tid: String,
        role: Role,
        matches: bool,
    },
    /// The notary's abort token (cause `requested` or `expired`).
    AbortToken {
        tid: String,
        cause: String,
        decided_at: WireTime,
    },
    /// The notary's replacement contract.
    ReplacementContract { tid: String, decided_at: WireTime },
    /// The notary's delivery affidavit: the key was released to the recipient.
    DeliveryAffidavit { tid: String, decided_at: WireTime },
    /// The notary's escrow-failure affidavit: the sender is at fault.
    EscrowFailure { tid: String, decided_at: WireTime },
    /// The notary's receipt of a complaint.
    ComplaintReceipt {
        complaint_id: String,
        filed_at: WireTime,
    },
    /// The notary's receipt of the respondent's answer: it names the answer's evidence, so
    /// each of those items was signed by its `received_at` at the latest.
    ResponseReceipt {
        complaint_id: String,
        received_at: WireTime,
    },
    /// The notary's record that the respondent stayed silent.
    ComplaintSilence { complaint_id: String, at: WireTime },
    /// The buyer's signed receipt of the goods (embeds the order).
    GoodsReceipt { buyer: String },
    /// A document, by its digest only: it proves what it says to nobody.
    Document { name: String },
}

/// Who must sign an item of some kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signer {
    /// One of the notary's keys; the item must be in the notary's log.
    Notary,
    /// A party's registered key.
    Party,
    /// Nobody: data whose digest is its only authentication.
    Nobody,
}

impl Content {
    /// The wire name of what it is.
    pub fn what(&self) -> &'static str {
        match self {
            Content::Order { .. } => "order",
            Content::Guarantee { .. } => "guarantee",
            Content::Refusal { .. } => "refusal",
            Content::Release { .. } => "release",
            Content::Settlement { .. } => "settlement",
            Content::Ruling { .. } => "ruling",
            Content::Timestamp { .. } => "timestamp",
            Content::Nonce { .. } => "nonce",
            Content::Checkpoint { .. } => "checkpoint",
            Content::Offer { .. } => "offer",
            Content::Acceptance { .. } => "acceptance",
            Content::AbortRequest { .. } => "abort_request",
            Content::ItemEscrow { .. } => "item_escrow",
            Content::ExchangeReceipt { .. } => "exchange_receipt",
            Content::NonceReveal { .. } => "nonce_reveal",
            Content::AbortToken { .. } => "abort_token",
            Content::ReplacementContract { .. } => "replacement_contract",
            Content::DeliveryAffidavit { .. } => "delivery_affidavit",
            Content::EscrowFailure { .. } => "escrow_failure",
            Content::ComplaintReceipt { .. } => "complaint_receipt",
            Content::ResponseReceipt { .. } => "complaint_response_receipt",
            Content::ComplaintSilence { .. } => "complaint_silence",
            Content::GoodsReceipt { .. } => "goods_receipt",
            Content::Document { .. } => "document",
        }
    }

    /// Who must have signed it.
    pub fn signer(&self) -> Signer {
        match self {
            Content::Order { .. }
            | Content::Offer { .. }
            | Content::Acceptance { .. }
            | Content::AbortRequest { .. }
            | Content::ItemEscrow { .. }
            | Content::ExchangeReceipt { .. }
            | Content::GoodsReceipt { .. } => Signer::Party,
            Content::NonceReveal { .. } | Content::Document { .. } => Signer::Nobody,
            _ => Signer::Notary,
        }
    }

    /// The notary's own time in a notary-signed item: the notary is its own witness.
    pub fn notary_time(&self) -> Option<WireTime> {
        match self {
            Content::Guarantee { issued_at: t, .. }
            | Content::Refusal { at: t, .. }
            | Content::Release { at: t, .. }
            | Content::Settlement { at: t, .. }
            | Content::Ruling { decided_at: t, .. }
            | Content::Nonce { issued_at: t }
            | Content::Checkpoint { at: t, .. }
            | Content::AbortToken { decided_at: t, .. }
            | Content::ReplacementContract { decided_at: t, .. }
            | Content::DeliveryAffidavit { decided_at: t, .. }
            | Content::EscrowFailure { decided_at: t, .. }
            | Content::ComplaintReceipt { filed_at: t, .. }
            | Content::ResponseReceipt { received_at: t, .. }
            | Content::ComplaintSilence { at: t, .. } => Some(*t),
            _ => None,
        }
    }

    /// When it closes guarantee `gid`, and whether by a settlement (a pay-out) rather than a
    /// release: the guarantee's release or settlement, or a ruling that released it.
    pub fn closing_of(&self, gid: &str) -> Option<(WireTime, bool)> {
        match self {
            Content::Release { guarantee_id, at } if guarantee_id == gid => Some((*at, false)),
            Content::Settlement { guarantee_id, at } if guarantee_id == gid => Some((*at, true)),
            Content::Ruling {
                released,
                decided_at,
                ..
            } if released.iter().any(|g| g == gid) => Some((*decided_at, false)),
            _ => None,
        }
    }

    /// Whether it is an earlier case's ruling that holds guarantee `gid` for its seller: no
    /// later case may release it (the seller's settle or release ends it).
    pub fn holds(&self, gid: &str) -> bool {
        matches!(self, Content::Ruling { held, .. } if held.iter().any(|g| g == gid))
    }

    /// The exchange it belongs to, if any.
    pub fn tid(&self) -> Option<&str> {
        match self {
            Content::Offer { tid, .. }
            | Content::Acceptance { tid }
            | Content::AbortRequest { tid }
            | Content::ItemEscrow { tid }
            | Content::ExchangeReceipt { tid }
            | Content::NonceReveal { tid, .. }
            | Content::AbortToken { tid, .. }
            | Content::ReplacementContract { tid, .. }
            | Content::DeliveryAffidavit { tid, .. }
            | Content::EscrowFailure { tid, .. } => Some(tid),
            Content::Order { tid, .. } => tid.as_deref(),
            _ => None,
        }
    }
}

/// A guarantee in the notary's ledger, for the headroom at an instant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GuaranteeRecord {
    /// The guarantee id.
    pub id: String,
    /// The agreement it counts against.
    pub agreement: String,
    /// Its amount.
    pub amount: Money,
    /// When it was issued.
    pub issued_at: DateTime<Utc>,
    /// When it stopped counting by itself (expiry), exclusive.
    pub valid_until: DateTime<Utc>,
    /// When it was released or settled, if it was.
    #[serde(default)]
    pub ended_at: Option<DateTime<Utc>>,
}

impl GuaranteeRecord {
    /// Whether it counted against the caps at `at`.
    pub fn outstanding_at(&self, at: DateTime<Utc>) -> bool {
        self.issued_at <= at && at < self.valid_until && self.ended_at.is_none_or(|e| at < e)
    }
}

/// The registry as of the times the case needs, from the notary's own logged records.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Registry {
    /// Key ids of the notary (envelope signing and TSA).
    pub notary_keys: Vec<String>,
    /// The parties' keys, each with its registration and revocation.
    pub keys: Vec<KeyRecord>,
    /// Guarantees of the agreement over time.
    pub guarantees: Vec<GuaranteeRecord>,
}

impl Registry {
    /// The key record of `key_id`.
    pub fn key(&self, key_id: &str) -> Option<&KeyRecord> {
        self.keys.iter().find(|k| k.key_id == key_id)
    }
}
