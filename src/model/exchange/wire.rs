//! What the parties of a fair exchange sign, and the bytes the notary derives from it: the
//! transaction id (tid) and the escrow binding. docs/formats.md ("Fair exchange") states the same
//! bytes for implementers in other languages.
//!
//! A received payload becomes a typed value once, here, and only if it is already in its one
//! canonical shape: re-serialising the parsed value must give back exactly the JSON received
//! (nothing dropped, nothing defaulted). That makes the tid computed from the typed value the tid
//! the parties computed from the bytes they signed.

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::ExchangeRefusal;
use crate::model::canonical::{canonical_value, signing_bytes_of, CanonicalError};
use crate::model::money::Money;
use crate::model::time::rfc3339_ms;

/// Longest party id accepted in an exchange payload, in bytes.
pub const PARTY_ID_LEN_MAX: usize = 128;

pub use crate::model::canonical::signing_bytes;

/// A SHA-256 digest as 64 lowercase hex digits: the only spelling a digest has on the wire.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Sha256Hex(String);

impl Sha256Hex {
    /// The digest of `bytes` (h(na), a ciphertext's digest, an escrow's digest).
    pub fn of(bytes: &[u8]) -> Sha256Hex {
        Sha256Hex(hex::encode(Sha256::digest(bytes)))
    }

    /// The 64 hex digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Sha256Hex {
    type Error = String;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        let lower_hex = |b: u8| b.is_ascii_digit() || (b'a'..=b'f').contains(&b);
        if s.len() == 64 && s.bytes().all(lower_hex) {
            Ok(Sha256Hex(s))
        } else {
            Err("a digest is 64 lowercase hex digits".into())
        }
    }
}

impl From<Sha256Hex> for String {
    fn from(d: Sha256Hex) -> String {
        d.0
    }
}

/// An exchange's transaction id: hex SHA-256 of m1's signing bytes (see [`Tid::of`]).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Tid(Sha256Hex);

impl Tid {
    /// `SHA-256("notar/v1/exchange_offer\n" + JCS(offer))`, as hex: the hash of exactly the bytes
    /// the originator signed, so every holder of m1 computes the same tid.
    pub fn of(offer: &ContractOffer) -> Result<Tid, CanonicalError> {
        Ok(Tid(Sha256Hex::of(&signing_bytes(
            ContractOffer::KIND,
            offer,
        )?)))
    }

    /// The 64 hex digits.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl From<Sha256Hex> for Tid {
    /// A tid read from elsewhere (a URL path, a stored record); it names an exchange, it proves
    /// nothing about one.
    fn from(d: Sha256Hex) -> Tid {
        Tid(d)
    }
}

/// An instant on the wire: RFC 3339, UTC, milliseconds, `Z` (docs/design.md §4). Any other
/// spelling of the same instant is refused, so a parsed time re-serialises to the same bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct WireTime(DateTime<Utc>);

impl WireTime {
    /// `t`, which must carry no precision below the millisecond.
    pub fn new(t: DateTime<Utc>) -> Option<WireTime> {
        let nanos = t.timestamp_subsec_nanos();
        // chrono holds a leap second (`:60`) as nanoseconds past a whole second: refused, as
        // it names an instant only at the end of some days and some parsers reject it.
        (nanos.is_multiple_of(1_000_000) && nanos < 1_000_000_000).then_some(WireTime(t))
    }

    /// The instant.
    pub fn at(self) -> DateTime<Utc> {
        self.0
    }
}

impl TryFrom<String> for WireTime {
    type Error = String;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        let t = DateTime::parse_from_rfc3339(&s)
            .map_err(|e| format!("not an RFC 3339 time: {e}"))?
            .to_utc();
        if rfc3339_ms(t) != s {
            return Err(
                "a time is RFC 3339 UTC with milliseconds, e.g. 2026-03-10T12:00:00.000Z".into(),
            );
        }
        WireTime::new(t).ok_or_else(|| format!("{s} is a leap second (:60), not accepted"))
    }
}

impl From<WireTime> for String {
    fn from(t: WireTime) -> String {
        rfc3339_ms(t.0)
    }
}

/// Which of the two protocols an exchange runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Protocol {
    /// Contract signing (Asokan–Shoup–Waidner): both signatures on a contract, or neither.
    Contract,
    /// Item for receipt (certified delivery): the item for the recipient's receipt.
    Item,
}

/// What an exchange is about; its tag `protocol` sits beside m1's other fields.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "protocol", rename_all = "snake_case")]
pub enum Subject {
    /// A contract both parties sign.
    Contract {
        /// SHA-256 of the contract document.
        contract_digest: Sha256Hex,
    },
    /// An item the originator sends, encrypted, for the responder's receipt.
    Item {
        /// SHA-256 of the AEAD ciphertext of the item.
        ciphertext_digest: Sha256Hex,
        /// SHA-256 of the item itself, so anyone holding the key can check what was delivered.
        item_digest: Sha256Hex,
        /// When the item is a payment token: what it pays, stated by the payer (the sender)
        /// and, through the tid, acknowledged by the payee's receipt. A dispute reads a payment
        /// by exchange as this amount and nothing more; a payment m1 without it shows no sum.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        amount: Option<Money>,
        /// When the payment token pays for an order: the order's `order_digest` (as its
        /// guarantee or refusal names it), stated by the payer with the amount. A dispute about
        /// that order counts the payment; one without it is counted only in a case about its
        /// own exchange.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        order_digest: Option<Sha256Hex>,
    },
}

/// A payload one party of an exchange signs, with the envelope kind it is signed as.
pub trait ExchangePayload: Serialize + DeserializeOwned {
    /// The envelope `kind`.
    const KIND: &'static str;

    /// Rules serde cannot state (ids well formed, parties distinct).
    fn check(&self) -> Result<(), ExchangeRefusal> {
        Ok(())
    }

    /// Parses a received payload. Refused (`malformed_exchange`) unless it is exactly the
    /// canonical shape of a valid value: no unknown or defaulted fields, no other spellings.
    fn from_payload(value: &Value) -> Result<Self, ExchangeRefusal> {
        let parsed = Self::deserialize(value).map_err(|_| ExchangeRefusal::MalformedExchange)?;
        parsed.check()?;
        match serde_json::to_value(&parsed) {
            Ok(again) if again == *value => Ok(parsed),
            _ => Err(ExchangeRefusal::MalformedExchange),
        }
    }
}

/// m1, signed by the originator: who exchanges what with whom, before which notary.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractOffer {
    /// The protocol and what it is about.
    #[serde(flatten)]
    pub subject: Subject,
    /// Party id of the originator (O; the sender, for item for receipt).
    pub originator: String,
    /// Party id of the responder (R; the recipient, for item for receipt).
    pub responder: String,
    /// `key_id` of the notary that may abort or resolve this exchange.
    pub notary_key_id: Sha256Hex,
    /// h(na): SHA-256 of the originator's secret nonce na. It also makes every tid unique.
    pub na_digest: Sha256Hex,
    /// After this instant a resolve of an undecided exchange aborts it (`expired`). Absent: the
    /// policy's `exchange_default_deadline` after the notary first sees the exchange.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<WireTime>,
}

impl ExchangePayload for ContractOffer {
    const KIND: &'static str = "exchange_offer";

    fn check(&self) -> Result<(), ExchangeRefusal> {
        if !party_id_ok(&self.originator)
            || !party_id_ok(&self.responder)
            || self.originator == self.responder
        {
            return Err(ExchangeRefusal::MalformedExchange);
        }
        if let Subject::Item {
            amount,
            order_digest,
            ..
        } = &self.subject
        {
            if amount.is_some_and(|a| !a.is_positive_in_range()) {
                return Err(ExchangeRefusal::MalformedExchange);
            }
            // An order is paid by a sum: naming one without stating what it pays says nothing.
            if order_digest.is_some() && amount.is_none() {
                return Err(ExchangeRefusal::MalformedExchange);
            }
        }
        Ok(())
    }
}

/// 1 to [`PARTY_ID_LEN_MAX`] bytes of `A-Za-z0-9-_.:` (UUIDs and the ids of docs/formats.md).
fn party_id_ok(id: &str) -> bool {
    let allowed = |b: u8| b.is_ascii_alphanumeric() || b"-_.:".contains(&b);
    (1..=PARTY_ID_LEN_MAX).contains(&id.len()) && id.bytes().all(allowed)
}

/// m2, signed by the responder: acceptance of the offer `tid`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractAcceptance {
    /// The offer accepted.
    pub tid: Tid,
    /// h(nb): SHA-256 of the responder's secret nonce nb.
    pub nb_digest: Sha256Hex,
}

impl ExchangePayload for ContractAcceptance {
    const KIND: &'static str = "exchange_acceptance";
}

/// `Sig_O("abort", tid)`: the originator's request to abort. "abort" is the envelope kind, which
/// the signature covers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AbortRequest {
    /// The exchange to abort.
    pub tid: Tid,
}

impl ExchangePayload for AbortRequest {
    const KIND: &'static str = "exchange_abort";
}

/// Signed by the sender of an item: "this escrow holds the key of the ciphertext, bound to this
/// exchange and this recipient". What makes a failing escrow the sender's fault.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemEscrow {
    /// The exchange.
    pub tid: Tid,
    /// SHA-256 of the item's ciphertext (as in m1).
    pub ciphertext_digest: Sha256Hex,
    /// Party id of the recipient (m1's responder).
    pub recipient: String,
    /// SHA-256 of the escrow: the HPKE encapsulated key followed by the sealed key k.
    pub escrow_digest: Sha256Hex,
}

impl ExchangePayload for ItemEscrow {
    const KIND: &'static str = "exchange_item_escrow";
}

/// Signed by the recipient (NRR): "I received this ciphertext and this escrow for exchange tid".
/// It plays m2's part in item for receipt.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    /// The exchange.
    pub tid: Tid,
    /// SHA-256 of the ciphertext received.
    pub ciphertext_digest: Sha256Hex,
    /// SHA-256 of the escrow received.
    pub escrow_digest: Sha256Hex,
}

impl ExchangePayload for Receipt {
    const KIND: &'static str = "exchange_receipt";
}

/// What the escrowed key is bound to: the notary opens the escrow with these bytes, so an escrow
/// made for another exchange, ciphertext or recipient does not open.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EscrowBinding {
    /// The exchange.
    pub tid: Tid,
    /// SHA-256 of the item's ciphertext.
    pub ciphertext_digest: Sha256Hex,
    /// Party id of the recipient.
    pub recipient: String,
}

impl EscrowBinding {
    /// The binding bytes, `"notar/v1/exchange_escrow\n" + JCS(binding)`: the HPKE `aad` of the
    /// escrow (docs/formats.md).
    pub fn to_bytes(&self) -> Result<Vec<u8>, CanonicalError> {
        signing_bytes("exchange_escrow", self)
    }
}

/// A checked m1 and its tid: the tid is computed once, from the exact payload, and cannot
/// drift from it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Offer {
    payload: ContractOffer,
    tid: Tid,
}

impl Offer {
    /// An offer from a payload a party built (a client, a test).
    pub fn new(payload: ContractOffer) -> Result<Offer, ExchangeRefusal> {
        payload.check()?;
        let tid = Tid::of(&payload).map_err(|_| ExchangeRefusal::MalformedExchange)?;
        Ok(Offer { payload, tid })
    }

    /// An offer from a received m1 payload (see [`ExchangePayload::from_payload`]).
    pub fn from_payload(value: &Value) -> Result<Offer, ExchangeRefusal> {
        Offer::received(ContractOffer::from_payload(value)?, value)
    }

    /// An offer from `payload`, which [`ExchangePayload::from_payload`] parsed from `value`:
    /// that check proved the two the same JSON, so the tid is taken from `value`'s canonical
    /// bytes, without serialising the offer again (the same tid as [`Offer::new`]; tested).
    pub fn received(payload: ContractOffer, value: &Value) -> Result<Offer, ExchangeRefusal> {
        payload.check()?;
        let canonical = canonical_value(value).map_err(|_| ExchangeRefusal::MalformedExchange)?;
        let signed = signing_bytes_of(ContractOffer::KIND, &canonical);
        Ok(Offer {
            payload,
            tid: Tid(Sha256Hex::of(&signed)),
        })
    }

    /// The payload as signed.
    pub fn payload(&self) -> &ContractOffer {
        &self.payload
    }

    /// The exchange's tid.
    pub fn tid(&self) -> &Tid {
        &self.tid
    }

    /// Contract signing or item for receipt.
    pub fn protocol(&self) -> Protocol {
        match self.payload.subject {
            Subject::Contract { .. } => Protocol::Contract,
            Subject::Item { .. } => Protocol::Item,
        }
    }

    /// The binding the recipient's escrow must carry (`None` for contract signing).
    pub fn escrow_binding(&self) -> Option<EscrowBinding> {
        match &self.payload.subject {
            Subject::Contract { .. } => None,
            Subject::Item {
                ciphertext_digest, ..
            } => Some(EscrowBinding {
                tid: self.tid.clone(),
                ciphertext_digest: ciphertext_digest.clone(),
                recipient: self.payload.responder.clone(),
            }),
        }
    }
}

/// The body of an abort request (`POST /v1/exchanges/abort`), generic over the envelope type
/// (crypto's `Envelope`), which the model does not know.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AbortBody<E> {
    /// m1.
    pub m1: E,
    /// The originator's [`AbortRequest`].
    pub abort: E,
}

/// The body of a resolve request (`POST /v1/exchanges/resolve`): m1 and what stands for m2.
/// Either party may send it; no further signature is needed, as m1 and m2 are already signed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "protocol", rename_all = "snake_case", deny_unknown_fields)]
pub enum ResolveBody<E> {
    /// Contract signing.
    Contract {
        /// m1.
        m1: E,
        /// The responder's [`ContractAcceptance`].
        m2: E,
    },
    /// Item for receipt.
    Item {
        /// m1.
        m1: E,
        /// The sender's [`ItemEscrow`].
        item_escrow: E,
        /// The recipient's [`Receipt`].
        receipt: E,
        /// The escrow itself, base64 (standard, padded).
        escrow: String,
    },
}
