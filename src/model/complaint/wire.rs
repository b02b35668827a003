//! What the parties of a complaint sign: the claimant's `complaint`, the respondent's
//! `complaint_response`, and the `complaint_read` a party signs to read its case. docs/formats.md
//! ("Complaints") states the same fields for implementers in other languages.
//!
//! A received payload becomes a typed value once, here, and only if it is already in its one
//! canonical shape (re-serialising the parsed value gives back exactly the JSON received), so the
//! digest computed from the typed value is the digest of the bytes the party signed.

use base64::Engine;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{
    malformed, ComplaintError, ComplaintKind, DOCUMENT_CONTENT_LEN_MAX, DOCUMENT_NAME_LEN_MAX,
    EVIDENCE_ITEMS_MAX, EVIDENCE_ITEM_LEN_MAX, ID_LEN_MAX, MEDIA_TYPE_LEN_MAX, STATEMENT_LEN_MAX,
};
use crate::model::canonical::{signing_bytes, to_canonical_json, CanonicalError};
use crate::model::exchange::{Offer, Sha256Hex, Tid, WireTime, PARTY_ID_LEN_MAX};
use crate::model::money::{Currency, Money, MINOR_MAX};

/// A signed object given as evidence: what the model needs of crypto's envelope (which it cannot
/// name). Whether its signature holds is for the ruling to find; the notary only receives it.
pub trait EvidenceEnvelope: Clone + Serialize + DeserializeOwned {
    /// The envelope's `kind`.
    fn kind(&self) -> &str;
    /// The signed payload.
    fn payload(&self) -> &Value;
}

/// One evidence item, as signed inside a complaint or a response. Its id is the hex SHA-256 of
/// its own bytes: the envelope's canonical JSON, the token's DER, the document's content.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Evidence<E> {
    /// A signed envelope, party- or notary-signed (an order, m1, a guarantee, a token...).
    Envelope {
        /// The envelope as its signer made it.
        envelope: E,
    },
    /// An RFC 3161 timestamp: base64 (standard, padded) of the DER `TimeStampResp` or bare token.
    Rfc3161Token {
        /// Base64 DER.
        token: String,
    },
    /// A document, by digest; its content only when small.
    Document {
        /// SHA-256 of the document's bytes.
        sha256: Sha256Hex,
        /// File name, for people.
        name: String,
        /// Media type, e.g. `application/pdf`.
        media_type: String,
        /// Base64 (standard, padded) of the whole document, at most
        /// [`DOCUMENT_CONTENT_LEN_MAX`] bytes once decoded.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        content: Option<String>,
    },
}

impl<E: EvidenceEnvelope> Evidence<E> {
    /// What the item is in one word: the envelope's kind, `rfc3161_token` or `document`.
    pub fn label(&self) -> &str {
        match self {
            Evidence::Envelope { envelope } => envelope.kind(),
            Evidence::Rfc3161Token { .. } => "rfc3161_token",
            Evidence::Document { .. } => "document",
        }
    }
}

/// The claimant's complaint (envelope kind `complaint`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComplaintPayload<E> {
    /// What it is about.
    pub kind: ComplaintKind,
    /// Party id of the claimant (the signer).
    pub claimant: String,
    /// Party id of the party complained about.
    pub respondent: String,
    /// The exchange concerned (exactly one of `tid`, `guarantee_id` and `order_digest`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tid: Option<Tid>,
    /// The guarantee concerned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guarantee_id: Option<String>,
    /// The order concerned, by its `order_digest` as the notary's guarantee or refusal names it:
    /// for an order the notary refused (there is no guarantee id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_digest: Option<Sha256Hex>,
    /// Amount claimed.
    pub amount: Money,
    /// The claimant's account of it.
    pub statement: String,
    /// Its evidence (may be empty).
    pub evidence: Vec<Evidence<E>>,
    /// `key_id` of the notary the complaint is made to.
    pub notary_key_id: Sha256Hex,
    /// The claimant's own time of writing. It proves nothing (the receipt's `received_at` does);
    /// it tells two otherwise equal complaints apart.
    pub created_at: WireTime,
}

/// What a complaint is about: an exchange, a guarantee or an order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ComplaintSubject {
    /// A fair exchange, by tid.
    Exchange(Tid),
    /// A guarantee, by id.
    Guarantee(String),
    /// An order the notary answered (granted or refused), by its `order_digest`.
    Order(Sha256Hex),
}

/// A counter-claim the respondent files with its answer: ruled on together with the claim.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CounterClaim {
    /// What it is about.
    pub kind: ComplaintKind,
    /// Amount claimed from the claimant.
    pub amount: Money,
    /// The respondent's account of it.
    pub statement: String,
}

/// The respondent's answer (envelope kind `complaint_response`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResponsePayload<E> {
    /// The complaint answered.
    pub complaint_id: String,
    /// Its digest (`complaint_digest` of the receipt): the answer is to exactly that complaint.
    pub complaint_digest: Sha256Hex,
    /// Party id of the respondent (the signer).
    pub respondent: String,
    /// The respondent's account.
    pub statement: String,
    /// Its evidence (may be empty).
    pub evidence: Vec<Evidence<E>>,
    /// A counter-claim, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counter_claim: Option<CounterClaim>,
    /// The respondent's own time of writing; proves nothing.
    pub created_at: WireTime,
}

/// What a party signs to read its case (`GET /v1/complaints/{id}`): never sent as an envelope,
/// only its signature travels, in the query.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadRequest {
    /// The case to read.
    pub complaint_id: String,
    /// When the reader signed; must be within [`super::READ_SKEW_S`] of the notary's clock.
    pub at: WireTime,
}

impl ReadRequest {
    /// The kind the signature covers.
    pub const KIND: &'static str = "complaint_read";

    /// `"notar/v1/complaint_read\n" + JCS({"at", "complaint_id"})`: what the reader signs.
    pub fn signing_bytes(&self) -> Result<Vec<u8>, CanonicalError> {
        signing_bytes(Self::KIND, self)
    }
}

/// A checked complaint: its payload, what it concerns, its digest and the ids of its evidence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Complaint<E> {
    payload: ComplaintPayload<E>,
    subject: ComplaintSubject,
    digest: Sha256Hex,
    evidence_ids: Vec<Sha256Hex>,
}

impl<E: EvidenceEnvelope> Complaint<E> {
    /// The envelope kind.
    pub const KIND: &'static str = "complaint";

    /// Checks a received envelope's `kind` and `payload`, first failure wins: the kind, the
    /// evidence count and item sizes, the canonical shape, the parties (two different, well-formed
    /// ids), exactly one of tid, guarantee_id and order_digest, the amount, the statement, each evidence item,
    /// and for a complaint about an exchange every m1 among the evidence (its tid and parties).
    pub fn parse(kind: &str, payload: &Value) -> Result<Complaint<E>, ComplaintError> {
        expect_kind(kind, Self::KIND)?;
        check_evidence_bounds(payload)?;
        check_currency(payload.get("amount"), "amount")?;
        let p: ComplaintPayload<E> = canonical_parse(payload, Self::KIND)?;
        check_party_id("claimant", &p.claimant)?;
        check_party_id("respondent", &p.respondent)?;
        if p.claimant == p.respondent {
            return Err(malformed(
                "the respondent must be another party than the claimant",
            ));
        }
        let subject = subject_of(&p)?;
        check_amount(&p.amount, "amount")?;
        check_statement("statement", &p.statement)?;
        let evidence_ids = check_evidence(&p.evidence)?;
        if let ComplaintSubject::Exchange(tid) = &subject {
            check_offers(&p, tid)?;
        }
        Ok(Complaint {
            digest: digest_of(Self::KIND, payload)?,
            payload: p,
            subject,
            evidence_ids,
        })
    }

    /// The payload as signed.
    pub fn payload(&self) -> &ComplaintPayload<E> {
        &self.payload
    }

    /// The exchange or guarantee concerned.
    pub fn subject(&self) -> &ComplaintSubject {
        &self.subject
    }

    /// `hex(SHA-256("notar/v1/complaint\n" + JCS(payload)))`: what makes a refiled complaint the
    /// same complaint, whoever's signatures it carries.
    pub fn digest(&self) -> &Sha256Hex {
        &self.digest
    }

    /// The id of each evidence item, in order.
    pub fn evidence_ids(&self) -> &[Sha256Hex] {
        &self.evidence_ids
    }
}

/// A checked response: its payload, digest and evidence ids. Whether it answers this case, in
/// time and by the respondent, is for the notary to check against the case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response<E> {
    payload: ResponsePayload<E>,
    digest: Sha256Hex,
    evidence_ids: Vec<Sha256Hex>,
}

impl<E: EvidenceEnvelope> Response<E> {
    /// The envelope kind.
    pub const KIND: &'static str = "complaint_response";

    /// Checks a received envelope's `kind` and `payload` as [`Complaint::parse`] does, and the
    /// counter-claim's amount and statement.
    pub fn parse(kind: &str, payload: &Value) -> Result<Response<E>, ComplaintError> {
        expect_kind(kind, Self::KIND)?;
        check_evidence_bounds(payload)?;
        check_currency(
            payload.get("counter_claim").and_then(|c| c.get("amount")),
            "counter_claim.amount",
        )?;
        let p: ResponsePayload<E> = canonical_parse(payload, Self::KIND)?;
        check_id("complaint_id", &p.complaint_id)?;
        check_party_id("respondent", &p.respondent)?;
        check_statement("statement", &p.statement)?;
        let evidence_ids = check_evidence(&p.evidence)?;
        if let Some(c) = &p.counter_claim {
            check_amount(&c.amount, "counter_claim.amount")?;
            check_statement("counter_claim.statement", &c.statement)?;
        }
        Ok(Response {
            digest: digest_of(Self::KIND, payload)?,
            payload: p,
            evidence_ids,
        })
    }

    /// The payload as signed.
    pub fn payload(&self) -> &ResponsePayload<E> {
        &self.payload
    }

    /// `hex(SHA-256("notar/v1/complaint_response\n" + JCS(payload)))`.
    pub fn digest(&self) -> &Sha256Hex {
        &self.digest
    }

    /// The id of each evidence item, in order.
    pub fn evidence_ids(&self) -> &[Sha256Hex] {
        &self.evidence_ids
    }
}

fn expect_kind(got: &str, want: &str) -> Result<(), ComplaintError> {
    if got == want {
        return Ok(());
    }
    let got: String = got.chars().take(64).collect();
    Err(malformed(format!(
        "expected a {want:?} envelope, got {got:?}"
    )))
}

/// `value` as a `T`, refused unless it is exactly the canonical shape of that `T`: nothing
/// unknown, defaulted or spelled another way.
fn canonical_parse<T: Serialize + DeserializeOwned>(
    value: &Value,
    what: &str,
) -> Result<T, ComplaintError> {
    let parsed = T::deserialize(value).map_err(|e| malformed(format!("{what} payload: {e}")))?;
    match serde_json::to_value(&parsed) {
        Ok(again) if again == *value => Ok(parsed),
        _ => Err(malformed(format!(
            "{what} payload is not in its canonical shape (absent optional fields are left out, \
             times are 2026-03-10T12:00:00.000Z, digests lowercase hex)"
        ))),
    }
}

fn digest_of(kind: &str, payload: &Value) -> Result<Sha256Hex, ComplaintError> {
    signing_bytes(kind, payload)
        .map(|b| Sha256Hex::of(&b))
        .map_err(|e| malformed(format!("{kind} payload: {e}")))
}

/// The count and sizes of the evidence, checked on the JSON as received, before anything else
/// reads it: a long list or a large item gets its own code, whatever else is wrong with it.
fn check_evidence_bounds(payload: &Value) -> Result<(), ComplaintError> {
    let Some(items) = payload.get("evidence").and_then(Value::as_array) else {
        return Ok(()); // missing or not a list: the typed parse says so
    };
    if items.len() > EVIDENCE_ITEMS_MAX {
        return Err(ComplaintError::TooManyEvidenceItems { count: items.len() });
    }
    for (index, item) in items.iter().enumerate() {
        let len = to_canonical_json(item)
            .map_err(|e| malformed(format!("evidence item {index}: {e}")))?
            .len();
        if len > EVIDENCE_ITEM_LEN_MAX {
            return Err(ComplaintError::EvidenceTooLarge {
                index,
                what: "the item",
                len,
                max: EVIDENCE_ITEM_LEN_MAX,
            });
        }
    }
    Ok(())
}

/// 1 to [`PARTY_ID_LEN_MAX`] bytes of `A-Za-z0-9-_.:`, the party ids of the exchange model.
fn check_party_id(field: &str, id: &str) -> Result<(), ComplaintError> {
    let allowed = |b: u8| b.is_ascii_alphanumeric() || b"-_.:".contains(&b);
    if (1..=PARTY_ID_LEN_MAX).contains(&id.len()) && id.bytes().all(allowed) {
        return Ok(());
    }
    Err(malformed(format!(
        "{field} must be a party id: 1 to {PARTY_ID_LEN_MAX} characters of A-Z a-z 0-9 - _ . :"
    )))
}

/// A notary-issued id (guarantee, complaint): 1 to [`ID_LEN_MAX`] of `A-Za-z0-9-`.
fn check_id(field: &str, id: &str) -> Result<(), ComplaintError> {
    let allowed = |b: u8| b.is_ascii_alphanumeric() || b == b'-';
    if (1..=ID_LEN_MAX).contains(&id.len()) && id.bytes().all(allowed) {
        return Ok(());
    }
    Err(malformed(format!(
        "{field} must be 1 to {ID_LEN_MAX} characters of A-Z a-z 0-9 -"
    )))
}

fn subject_of<E>(p: &ComplaintPayload<E>) -> Result<ComplaintSubject, ComplaintError> {
    match (&p.tid, &p.guarantee_id, &p.order_digest) {
        (Some(tid), None, None) => Ok(ComplaintSubject::Exchange(tid.clone())),
        (None, Some(gid), None) => {
            check_id("guarantee_id", gid)?;
            Ok(ComplaintSubject::Guarantee(gid.clone()))
        }
        (None, None, Some(d)) => Ok(ComplaintSubject::Order(d.clone())),
        _ => Err(malformed(
            "a complaint names exactly one of tid (an exchange), guarantee_id and order_digest",
        )),
    }
}

/// An amount's currency, read before the typed parse so that a code ISO 4217 does not list is
/// `bad_amount`, as on every other route, and not a shape error.
fn check_currency(amount: Option<&Value>, field: &str) -> Result<(), ComplaintError> {
    match amount
        .and_then(|a| a.get("currency"))
        .and_then(Value::as_str)
    {
        Some(code) => Currency::parse(code)
            .map(|_| ())
            .map_err(|e| ComplaintError::BadAmount(format!("{field}.currency: {e}"))),
        None => Ok(()), // missing or not text: the typed parse names it
    }
}

fn check_amount(m: &Money, field: &str) -> Result<(), ComplaintError> {
    if m.is_positive_in_range() {
        return Ok(());
    }
    Err(ComplaintError::BadAmount(format!(
        "{field}.minor must be between 1 and {MINOR_MAX} minor units, not {}",
        m.minor
    )))
}

fn check_statement(field: &str, text: &str) -> Result<(), ComplaintError> {
    if text.len() > STATEMENT_LEN_MAX || text.trim().is_empty() {
        return Err(malformed(format!(
            "{field} must be 1 to {STATEMENT_LEN_MAX} bytes of text, not {} bytes{}",
            text.len(),
            if text.is_empty() { "" } else { " (or blank)" }
        )));
    }
    crate::model::registry::check_free_text(field, text).map_err(malformed)
}

/// Checks each item and returns its id; the same item twice is refused.
fn check_evidence<E: EvidenceEnvelope>(
    items: &[Evidence<E>],
) -> Result<Vec<Sha256Hex>, ComplaintError> {
    let mut ids: Vec<Sha256Hex> = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        let id = evidence_id(index, item)?;
        if let Some(first) = ids.iter().position(|seen| *seen == id) {
            return Err(malformed(format!(
                "evidence items {first} and {index} are the same item"
            )));
        }
        ids.push(id);
    }
    Ok(ids)
}

fn evidence_id<E: EvidenceEnvelope>(
    index: usize,
    item: &Evidence<E>,
) -> Result<Sha256Hex, ComplaintError> {
    let bad = |what: String| malformed(format!("evidence item {index}: {what}"));
    match item {
        Evidence::Envelope { envelope } => to_canonical_json(envelope)
            .map(|b| Sha256Hex::of(&b))
            .map_err(|e| bad(e.to_string())),
        Evidence::Rfc3161Token { token } => {
            let der = base64::engine::general_purpose::STANDARD
                .decode(token)
                .map_err(|_| bad("token is not base64".into()))?;
            if der.first() != Some(&0x30) {
                return Err(bad("token is not DER (a TimeStampResp or a token)".into()));
            }
            Ok(Sha256Hex::of(&der))
        }
        Evidence::Document {
            sha256,
            name,
            media_type,
            content,
        } => {
            check_document(index, name, media_type)?;
            if let Some(content) = content {
                check_content(index, sha256, content)?;
            }
            Ok(sha256.clone())
        }
    }
}

fn check_document(index: usize, name: &str, media_type: &str) -> Result<(), ComplaintError> {
    let bad = |what: String| malformed(format!("evidence item {index}: {what}"));
    let hazard = crate::model::text::first_hazard(name);
    if name.is_empty() || name.len() > DOCUMENT_NAME_LEN_MAX || hazard.is_some() {
        return Err(bad(format!(
            "a document's name is 1 to {DOCUMENT_NAME_LEN_MAX} bytes without control, invisible \
             or bidi formatting characters"
        )));
    }
    let token = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&b))
    };
    let well_formed = media_type.len() <= MEDIA_TYPE_LEN_MAX
        && media_type
            .split_once('/')
            .is_some_and(|(t, s)| token(t) && token(s));
    if !well_formed {
        return Err(bad(format!(
            "media_type must be type/subtype (RFC 6838), at most {MEDIA_TYPE_LEN_MAX} bytes"
        )));
    }
    Ok(())
}

fn check_content(index: usize, sha256: &Sha256Hex, content: &str) -> Result<(), ComplaintError> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(content)
        .map_err(|_| malformed(format!("evidence item {index}: content is not base64")))?;
    if bytes.len() > DOCUMENT_CONTENT_LEN_MAX {
        return Err(ComplaintError::EvidenceTooLarge {
            index,
            what: "the document's content",
            len: bytes.len(),
            max: DOCUMENT_CONTENT_LEN_MAX,
        });
    }
    if Sha256Hex::of(&bytes) != *sha256 {
        return Err(malformed(format!(
            "evidence item {index}: the content's SHA-256 is not the sha256 given"
        )));
    }
    Ok(())
}

/// Every m1 (`exchange_offer`) among the evidence of a complaint about exchange `tid` must be
/// that exchange's, between the claimant and the respondent.
fn check_offers<E: EvidenceEnvelope>(
    p: &ComplaintPayload<E>,
    tid: &Tid,
) -> Result<(), ComplaintError> {
    for (index, item) in p.evidence.iter().enumerate() {
        let Evidence::Envelope { envelope } = item else {
            continue;
        };
        if envelope.kind() != "exchange_offer" {
            continue;
        }
        let offer = Offer::from_payload(envelope.payload()).map_err(|_| {
            malformed(format!(
                "evidence item {index}: not a valid exchange_offer (m1)"
            ))
        })?;
        if offer.tid() != tid {
            return Err(malformed(format!(
                "evidence item {index} is m1 of exchange {}, not of the complaint's tid {}",
                offer.tid().as_str(),
                tid.as_str()
            )));
        }
        let o = offer.payload();
        let same = |a: &str, b: &str| a == p.claimant && b == p.respondent;
        if !same(&o.originator, &o.responder) && !same(&o.responder, &o.originator) {
            return Err(malformed(format!(
                "evidence item {index}: m1's parties are not the claimant and the respondent"
            )));
        }
    }
    Ok(())
}
