//! What the notary signs for each verdict (docs/formats.md "Fair exchange: tokens"): the token
//! restates the parties and digests and embeds the parties' signed objects it rests on, so it
//! can be checked alone.

use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};

use super::check::{CheckedEvidence, Opening, Parsed};
use crate::model::entry::EntryKind;
use crate::model::exchange::{
    AbortCause, AbortRequest, ContractOffer, Offer, Resolution, Sha256Hex, Subject, Verdict,
};
use crate::model::time::rfc3339_ms;

/// A checked request, as the sequencer decides on it.
pub(super) enum Request {
    Abort {
        m1: Parsed<Offer>,
        abort: Parsed<AbortRequest>,
    },
    Resolve {
        m1: Parsed<Offer>,
        evidence: CheckedEvidence,
    },
}

impl Request {
    /// m1.
    pub fn m1(&self) -> &Parsed<Offer> {
        match self {
            Request::Abort { m1, .. } | Request::Resolve { m1, .. } => m1,
        }
    }
}

/// The log entry kind of a verdict's token.
pub(super) fn entry_kind(v: Verdict) -> EntryKind {
    match v {
        Verdict::Aborted(_) => EntryKind::ExchangeAbortToken,
        Verdict::Resolved(Resolution::Replaced) => EntryKind::ReplacementContract,
        Verdict::Resolved(Resolution::Delivered) => EntryKind::DeliveryAffidavit,
        Verdict::Resolved(Resolution::EscrowFailed(_)) => EntryKind::EscrowFailureAffidavit,
    }
}

/// The payload of the token for `verdict` on `req` (`log_index` is added when signed). Takes
/// the request: the parties' envelopes it embeds are moved into the payload, not copied.
pub(super) fn payload(verdict: Verdict, req: Request, decided_at: DateTime<Utc>) -> Value {
    let (m1, evidence, abort) = match req {
        Request::Abort { m1, abort } => (m1, None, Some(abort)),
        Request::Resolve { m1, evidence } => (m1, Some(evidence), None),
    };
    let o = m1.payload.payload();
    let mut p = Map::new();
    p.insert("tid".into(), json!(m1.payload.tid().as_str()));
    p.insert("decided_at".into(), json!(rfc3339_ms(decided_at)));
    match verdict {
        Verdict::Aborted(cause) => {
            p.insert("originator".into(), json!(o.originator));
            p.insert("responder".into(), json!(o.responder));
            p.insert("cause".into(), json!(cause_name(cause)));
            if let Some(abort) = abort {
                p.insert("abort".into(), abort.envelope.into());
            }
        }
        Verdict::Resolved(resolution) => {
            if let Some(evidence) = evidence {
                resolved(&mut p, resolution, o, evidence);
            }
        }
    }
    p.insert("m1".into(), m1.envelope.into());
    Value::Object(p)
}

pub(super) fn cause_name(c: AbortCause) -> &'static str {
    match c {
        AbortCause::Requested => "requested",
        AbortCause::Expired => "expired",
        AbortCause::Ruled => "ruled",
    }
}

/// The fields of a resolution's token, for the offer `o` and the evidence (moved in).
fn resolved(
    p: &mut Map<String, Value>,
    resolution: Resolution,
    o: &ContractOffer,
    e: CheckedEvidence,
) {
    match (e, &o.subject) {
        (CheckedEvidence::Contract { m2 }, Subject::Contract { contract_digest }) => {
            p.insert("originator".into(), json!(o.originator));
            p.insert("responder".into(), json!(o.responder));
            p.insert("contract_digest".into(), json!(contract_digest.as_str()));
            p.insert("m2".into(), m2.envelope.into());
        }
        (
            CheckedEvidence::Item(parts),
            Subject::Item {
                ciphertext_digest,
                item_digest,
                ..
            },
        ) => {
            let parts = *parts;
            p.insert("sender".into(), json!(o.originator));
            p.insert("recipient".into(), json!(o.responder));
            p.insert(
                "ciphertext_digest".into(),
                json!(ciphertext_digest.as_str()),
            );
            p.insert("escrow_digest".into(), json!(parts.escrow_digest.as_str()));
            match (resolution, &parts.opening) {
                (Resolution::EscrowFailed(fault), _) => {
                    p.insert("fault".into(), json!(fault));
                }
                (_, Opening::Opened(k)) => {
                    p.insert("item_digest".into(), json!(item_digest.as_str()));
                    p.insert("key_digest".into(), json!(Sha256Hex::of(k).as_str()));
                }
                (_, Opening::Failed(_)) => {}
            }
            p.insert("item_escrow".into(), parts.item_escrow.envelope.into());
            p.insert("receipt".into(), parts.receipt.envelope.into());
        }
        // The model refuses a resolve whose evidence is for the other protocol.
        _ => {}
    }
}
