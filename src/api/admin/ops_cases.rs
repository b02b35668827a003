//! The admin operations on complaints: the arbitrators' queue, a case in full, taking a case and
//! adding a note. Party names come from the registry; each evidence item is one line (what it
//! is, who signed it, its id's prefix), every string left for the console to sanitise.

use base64::Engine;
use ed25519_dalek::VerifyingKey;

use super::ops::{OpResult, Operator};
use super::proto::{
    ComplaintDetail, ComplaintItem, CounterClaimItem, EvidenceItem, HistoryItem, Reply,
    ResponseItem,
};
use crate::crypto::envelope::Envelope;
use crate::model::complaint::{overdue, Complaint, Evidence, Response};
use crate::model::exchange::Sha256Hex;
use crate::model::time::rfc3339_ms;
use crate::notary::{CaseView, ComplaintLine, Notary, Reader};

/// Hex digits of an evidence id shown in a summary.
const ID_PREFIX_LEN: usize = 12;

/// The queue: open and answered complaints by deadline, then the rest.
pub(super) fn complaints(notary: &Notary, limit: u32) -> OpResult {
    let (lines, now) = notary.complaints(limit as usize);
    let items = lines
        .iter()
        .map(|l| line_item(notary, l, overdue(l.status, l.response_deadline, now)))
        .collect();
    Ok(Reply::Complaints { items })
}

/// One case in full.
pub(super) fn show(notary: &Notary, complaint_id: &str) -> OpResult {
    let view = notary.complaint(complaint_id, &Reader::Arbitrator)?;
    Ok(Reply::Complaint(detail(notary, view)))
}

/// Takes a case for the calling arbitrator.
pub(super) async fn take(notary: &Notary, operator: &Operator, complaint_id: &str) -> OpResult {
    let view = notary.take_complaint(complaint_id, &operator.user).await?;
    Ok(Reply::Complaint(detail(notary, view)))
}

/// Adds the calling arbitrator's note to a case.
pub(super) async fn note(
    notary: &Notary,
    operator: &Operator,
    complaint_id: &str,
    text: &str,
) -> OpResult {
    let view = notary
        .note_complaint(complaint_id, &operator.user, text)
        .await?;
    Ok(Reply::Complaint(detail(notary, view)))
}

fn line_item(notary: &Notary, l: &ComplaintLine, overdue: bool) -> ComplaintItem {
    ComplaintItem {
        complaint_id: l.complaint_id.clone(),
        kind: l.kind,
        claimant: l.claimant.clone(),
        claimant_name: notary.party_name(&l.claimant),
        respondent: l.respondent.clone(),
        respondent_name: notary.party_name(&l.respondent),
        tid: l.tid.clone(),
        guarantee_id: l.guarantee_id.clone(),
        order_digest: l.order_digest.clone(),
        amount: l.amount,
        filed_at: rfc3339_ms(l.filed_at),
        response_deadline: rfc3339_ms(l.response_deadline),
        status: l.status,
        overdue,
        taken_by: l.taken_by.clone(),
        counter_claim: l.counter_claim,
        ruling: l.ruling.map(str::to_string),
    }
}

pub(super) fn detail(notary: &Notary, v: CaseView) -> ComplaintDetail {
    // Both envelopes were parsed when the notary took them; a stored one that no longer
    // parses shows as empty rather than hiding the rest of the case.
    let claim = Complaint::<Envelope>::parse(&v.complaint.kind, &v.complaint.payload).ok();
    let (statement, evidence) = claim.as_ref().map_or((String::new(), Vec::new()), |c| {
        let items = evidence_items(notary, &c.payload().evidence, c.evidence_ids());
        (c.payload().statement.clone(), items)
    });
    let response = v.response.as_ref().map(|r| response_item(notary, &v, r));
    let history = v
        .history
        .iter()
        .map(|h| HistoryItem {
            at: String::from(h.at),
            what: h.line(),
            by: h.by.as_deref().map(|by| name_or_id(notary, by)),
            log_index: h.log_index,
        })
        .collect();
    ComplaintDetail {
        item: line_item(notary, &v.line, v.overdue),
        statement,
        evidence,
        response,
        history,
    }
}

/// A party's display name, or `id` itself (an operator, or a party no longer known).
fn name_or_id(notary: &Notary, id: &str) -> String {
    let name = notary.party_name(id);
    if name.is_empty() {
        id.to_string()
    } else {
        name
    }
}

fn response_item(notary: &Notary, v: &CaseView, r: &Envelope) -> ResponseItem {
    let answered_at = v
        .response_receipt
        .as_ref()
        .and_then(|rr| rr.payload.get("received_at"))
        .and_then(|t| t.as_str())
        .unwrap_or_default()
        .to_string();
    match Response::<Envelope>::parse(&r.kind, &r.payload) {
        Ok(resp) => {
            let p = resp.payload();
            ResponseItem {
                answered_at,
                statement: p.statement.clone(),
                evidence: evidence_items(notary, &p.evidence, resp.evidence_ids()),
                counter_claim: p.counter_claim.as_ref().map(|c| CounterClaimItem {
                    kind: c.kind,
                    amount: c.amount,
                    statement: c.statement.clone(),
                }),
            }
        }
        // Stored before a rule it now fails (a statement with a control character): its
        // statement as it stands, shown inert by the console and the CLI.
        Err(_) => ResponseItem {
            answered_at,
            statement: r.payload["statement"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            evidence: Vec::new(),
            counter_claim: None,
        },
    }
}

fn evidence_items(
    notary: &Notary,
    items: &[Evidence<Envelope>],
    ids: &[Sha256Hex],
) -> Vec<EvidenceItem> {
    items
        .iter()
        .zip(ids)
        .map(|(e, id)| evidence_item(notary, e, id))
        .collect()
}

/// One line for an evidence item: `order · signed by Bob · 3fa2c1d4e5f6`.
fn evidence_item(notary: &Notary, e: &Evidence<Envelope>, id: &Sha256Hex) -> EvidenceItem {
    let prefix: String = id.as_str().chars().take(ID_PREFIX_LEN).collect();
    let (what, signer) = match e {
        Evidence::Envelope { envelope } => {
            let (who, party) = signed_by(notary, envelope);
            (format!("signed by {who}"), party)
        }
        Evidence::Rfc3161Token { token } => {
            let len = token.len() / 4 * 3;
            (format!("RFC 3161 timestamp, about {len} bytes"), None)
        }
        Evidence::Document {
            name,
            media_type,
            content,
            ..
        } => {
            let how = if content.is_some() {
                "attached"
            } else {
                "by digest"
            };
            (format!("{name} ({media_type}), {how}"), None)
        }
    };
    EvidenceItem {
        id: id.as_str().to_string(),
        kind: e.label().to_string(),
        summary: format!("{} · {what} · {prefix}", e.label()),
        signer,
    }
}

/// Who signed `env`, in words, and the signer's party id when a registered key signed; a
/// signature that does not verify says so.
fn signed_by(notary: &Notary, env: &Envelope) -> (String, Option<String>) {
    let Some(kid) = env.signer_key_ids().next() else {
        return ("nobody (no signature)".into(), None);
    };
    let short: String = kid.chars().take(8).collect();
    let id = notary.identity();
    let (who, party, key) = if kid == id.key_id {
        let raw = base64::engine::general_purpose::STANDARD
            .decode(&id.public_key)
            .ok();
        ("the notary".to_string(), None, raw)
    } else if let Some(k) = notary.key(kid) {
        let name = notary.party_name(&k.party_id);
        (
            name,
            Some(k.party_id.clone()),
            hex::decode(&k.public_key).ok(),
        )
    } else {
        return (format!("unknown key {short}…"), None);
    };
    let verifies = key
        .and_then(|raw| <[u8; 32]>::try_from(raw).ok())
        .and_then(|raw| VerifyingKey::from_bytes(&raw).ok())
        .is_some_and(|vk| env.verify_by(&vk).is_ok());
    if verifies {
        (who, party)
    } else {
        (format!("{who} (signature does not verify)"), party)
    }
}
