//! A complaint about a stuck exchange that the protocol settles by itself (docs/design.md §6.4):
//! when the claimant's evidence holds what the claimant could send the notary itself — m1 with
//! m2, or m1 with the escrow statement, the receipt and the escrow (a document with its content)
//! for a resolve; else m1 with the originator's abort — the notary decides the exchange at once,
//! and the complaint is settled with that decision. A request the exchange rules refuse (an m2 for
//! another exchange, a revoked key), or an exchange already decided the other way (aborted before
//! the claimant's resolve), leaves the complaint open for an arbitrator.

use base64::Engine;
use serde_json::Value;

use super::ComplaintAnswer;
use crate::crypto::envelope::Envelope;
use crate::model::canonical::to_canonical_json;
use crate::model::complaint::{ComplaintPayload, ComplaintStatus, Evidence};
use crate::model::exchange::{AbortBody, Offer, ResolveBody, Sha256Hex, Tid};
use crate::notary::{Notary, NotaryError};

/// What the evidence lets the notary do about the exchange.
pub(super) enum Settling {
    Abort(AbortBody<Envelope>),
    Resolve(ResolveBody<Envelope>),
}

/// The envelopes of `kind` in the evidence whose payload names `tid`.
fn about<'a>(c: &'a ComplaintPayload<Envelope>, kind: &str, tid: &Tid) -> Option<&'a Envelope> {
    c.evidence.iter().find_map(|e| match e {
        Evidence::Envelope { envelope } if envelope.kind == kind => {
            let named = envelope.payload.get("tid").and_then(Value::as_str);
            (named == Some(tid.as_str())).then_some(envelope)
        }
        _ => None,
    })
}

/// The m1 in the evidence whose tid is `tid`.
fn m1_of<'a>(c: &'a ComplaintPayload<Envelope>, tid: &Tid) -> Option<&'a Envelope> {
    c.evidence.iter().find_map(|e| match e {
        Evidence::Envelope { envelope } if envelope.kind == "exchange_offer" => {
            let offer = Offer::from_payload(&envelope.payload).ok()?;
            (offer.tid() == tid).then_some(envelope)
        }
        _ => None,
    })
}

/// The content (base64) of a document in the evidence whose SHA-256 is `digest`.
fn document(c: &ComplaintPayload<Envelope>, digest: &str) -> Option<String> {
    c.evidence.iter().find_map(|e| match e {
        Evidence::Document {
            sha256,
            content: Some(content),
            ..
        } if sha256.as_str() == digest => Some(content.clone()),
        _ => None,
    })
}

/// What the evidence of a complaint about an exchange lets the notary do, if anything.
pub(super) fn settling(c: &ComplaintPayload<Envelope>) -> Option<Settling> {
    let tid = c.tid.as_ref()?;
    let m1 = m1_of(c, tid)?.clone();
    if let Some(m2) = about(c, "exchange_acceptance", tid) {
        let m2 = m2.clone();
        return Some(Settling::Resolve(ResolveBody::Contract { m1, m2 }));
    }
    if let (Some(item_escrow), Some(receipt)) = (
        about(c, "exchange_item_escrow", tid),
        about(c, "exchange_receipt", tid),
    ) {
        let digest = item_escrow.payload.get("escrow_digest")?.as_str()?;
        let escrow = document(c, digest)?;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(&escrow)
            .ok()?;
        if Sha256Hex::of(&bytes).as_str() != digest {
            return None;
        }
        return Some(Settling::Resolve(ResolveBody::Item {
            m1,
            item_escrow: item_escrow.clone(),
            receipt: receipt.clone(),
            escrow,
        }));
    }
    let abort = about(c, "exchange_abort", tid)?.clone();
    Some(Settling::Abort(AbortBody { m1, abort }))
}

impl Notary {
    /// Settles a filed complaint by deciding its exchange, if its evidence allows: the answer then
    /// carries the exchange decision as `settlement` beside the receipt (the same bytes on a
    /// refiling: the exchange answers with its stored decision).
    pub(super) async fn settle(
        &self,
        filed: ComplaintAnswer,
        settling: Settling,
    ) -> Result<ComplaintAnswer, NotaryError> {
        if !matches!(
            filed.status,
            ComplaintStatus::Open | ComplaintStatus::Settled
        ) {
            return Ok(filed);
        }
        let asked = match &settling {
            Settling::Abort(_) => "aborted",
            Settling::Resolve(_) => "resolved",
        };
        let decided = match settling {
            Settling::Abort(b) => self.abort_exchange(b).await,
            Settling::Resolve(b) => self.resolve_exchange(b).await,
        };
        let decided = match decided {
            Ok(d) => d,
            // Refused by the exchange rules: nothing was decided; an arbitrator takes it from here.
            Err(NotaryError::Invalid { .. } | NotaryError::Denied { .. }) => return Ok(filed),
            Err(e) => return Err(e),
        };
        let decision: Value = serde_json::from_str(&decided.body)
            .map_err(|e| NotaryError::Bug(format!("exchange answer: {e}")))?;
        // Decided the other way (an abort that stood before the claimant's resolve, or a resolve
        // before its abort; or a resolve too late): the protocol did not give the claimant what
        // the evidence asks for, and that is the dispute. A standard contract, say, beats an
        // abort token (docs/design.md §6.5 Q7): an arbitrator rules on it.
        if decision["status"].as_str() != Some(asked) {
            return Ok(filed);
        }
        if filed.status == ComplaintStatus::Open {
            let index = decision["token"]["payload"]["log_index"]
                .as_u64()
                .ok_or_else(|| NotaryError::Bug("exchange token without log_index".into()))?;
            match self.settle_by_protocol(&filed.complaint_id, index).await {
                // A concurrent refiling settled it first.
                Ok(_) | Err(NotaryError::Conflict { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        let mut answer: Value = serde_json::from_str(&filed.body)
            .map_err(|e| NotaryError::Bug(format!("complaint answer: {e}")))?;
        answer["settlement"] = decision;
        let body = to_canonical_json(&answer).map_err(|e| NotaryError::Bug(e.to_string()))?;
        Ok(ComplaintAnswer {
            complaint_id: filed.complaint_id,
            status: ComplaintStatus::Settled,
            body: String::from_utf8(body).map_err(|e| NotaryError::Bug(e.to_string()))?,
        })
    }
}
