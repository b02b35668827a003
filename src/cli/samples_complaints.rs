//! Complaint sample data for `notar up`, after the sample exchanges: one complaint waiting for
//! its respondent, one answered with a counter-claim, one answered with the notary's delivery
//! affidavit, and one about a stuck contract exchange that the notary settles at once — so the
//! console's complaint queue and case view have cases, and its Cases screen two to replay.

use anyhow::{anyhow, Context};
use ed25519_dalek::SigningKey;
use serde_json::{json, Value};

use super::samples_exchanges::{secret, ExchangesLoaded};
use crate::crypto::envelope::Envelope;
use crate::model::complaint::ComplaintStatus;
use crate::model::exchange::{Sha256Hex, Subject};
use crate::notary::fixture::exchange::{acceptance, offer, Signer};
use crate::notary::{ComplaintAnswer, Notary};

/// The complaints filed, by status after loading.
pub struct ComplaintsLoaded {
    /// (status, complaint id), in the order filed.
    pub filed: Vec<(ComplaintStatus, String)>,
}

fn sign(kind: &str, payload: Value, key: &SigningKey) -> anyhow::Result<Envelope> {
    Envelope::sign(kind, payload, key).map_err(|e| anyhow!("signing a sample {kind}: {e}"))
}

/// The signed m1 of sample exchange `outcome`, from the notary's record.
fn m1_of(notary: &Notary, loaded: &ExchangesLoaded, outcome: &str) -> anyhow::Result<Value> {
    let tid = loaded.tid(outcome)?;
    let record = notary
        .exchanges(100)?
        .into_iter()
        .find(|r| r.tid == tid)
        .ok_or_else(|| anyhow!("sample exchange {outcome} not stored"))?;
    Ok(serde_json::to_value(record.m1)?)
}

/// A complaint payload with the common fields.
fn claim(
    notary: &Notary,
    (claimant, respondent): (&str, &str),
    (kind, tid, minor): (&str, &str, i64),
    statement: &str,
    evidence: Vec<Value>,
) -> Value {
    json!({
        "kind": kind,
        "claimant": claimant,
        "respondent": respondent,
        "tid": tid,
        "amount": {"minor": minor, "currency": "EUR"},
        "statement": statement,
        "evidence": evidence.into_iter().map(|e| json!({"type": "envelope", "envelope": e})).collect::<Vec<_>>(),
        "notary_key_id": notary.identity().key_id,
        "created_at": "2026-11-02T09:30:00.000Z",
    })
}

async fn file(notary: &Notary, env: Envelope) -> anyhow::Result<ComplaintAnswer> {
    notary
        .file_complaint(env)
        .await
        .map_err(|e| anyhow!("filing a sample complaint: {e}"))
}

/// Files the sample complaints between the sample exchange parties (`b` the buyer, `s` the
/// seller).
pub async fn load(
    notary: &Notary,
    loaded: &ExchangesLoaded,
    b: &Signer<'_>,
    s: &Signer<'_>,
) -> anyhow::Result<ComplaintsLoaded> {
    let mut filed = Vec::new();
    // Waiting for the seller's answer: the print files never came.
    let tid = loaded.tid("escrow_failed")?;
    let c = claim(
        notary,
        (b.id, s.id),
        ("non_delivery", &tid, 2_500),
        "The print files never arrived; the notary found the escrow could not be opened.",
        vec![m1_of(notary, loaded, "escrow_failed")?],
    );
    let a = file(notary, sign("complaint", c, b.key)?).await?;
    filed.push((a.status, a.complaint_id));
    // Answered, with a counter-claim.
    let a = answered(notary, loaded, b, s).await?;
    filed.push((a.status, a.complaint_id));
    // Answered with the delivery affidavit: a replay finds the files delivered.
    let a = answered_delivered(notary, loaded, b, s).await?;
    filed.push((a.status, a.complaint_id));
    // A stuck contract: the seller signed m2 but kept nb; m1 and m2 let the notary resolve it.
    let subject = Subject::Contract {
        contract_digest: Sha256Hex::of(b"sample contract: reprint rights, 2027 edition"),
    };
    let key_id = notary.identity().key_id.clone();
    let (m1, o) = offer(b, s.id, &key_id, subject, &secret("stuck"), None)
        .ok_or_else(|| anyhow!("sample stuck m1"))?;
    let m2 = acceptance(s, &o, &secret("stuck-nb"));
    let c = claim(
        notary,
        (b.id, s.id),
        ("contract_validity", o.tid().as_str(), 40_000),
        "Nordlicht accepted the reprint contract but never sent its nonce.",
        vec![serde_json::to_value(m1)?, serde_json::to_value(m2)?],
    );
    let a = file(notary, sign("complaint", c, b.key)?).await?;
    filed.push((a.status, a.complaint_id));
    Ok(ComplaintsLoaded { filed })
}

/// The seller's claim of non-payment, and the buyer's answer with a counter-claim.
async fn answered(
    notary: &Notary,
    loaded: &ExchangesLoaded,
    b: &Signer<'_>,
    s: &Signer<'_>,
) -> anyhow::Result<ComplaintAnswer> {
    let tid = loaded.tid("resolved")?;
    let c = claim(
        notary,
        (s.id, b.id),
        ("non_payment", &tid, 18_000),
        "The contract was resolved by the notary; the buyer has not paid.",
        vec![m1_of(notary, loaded, "resolved")?],
    );
    let filed = file(notary, sign("complaint", c, s.key)?).await?;
    let receipt = filed.receipt().context("a complaint receipt")?;
    let response = json!({
        "complaint_id": filed.complaint_id,
        "complaint_digest": receipt.payload["complaint_digest"],
        "respondent": b.id,
        "statement": "Paid 120.00 EUR on 3 November; the rest is withheld: the edition arrived damaged.",
        "evidence": [],
        "counter_claim": {
            "kind": "not_as_described",
            "amount": {"minor": 6_000, "currency": "EUR"},
            "statement": "40 of 200 copies water-damaged.",
        },
        "created_at": "2026-11-04T10:00:00.000Z",
    });
    notary
        .respond_to_complaint(
            &filed.complaint_id,
            sign("complaint_response", response, b.key)?,
        )
        .await
        .map_err(|e| anyhow!("answering a sample complaint: {e}"))
}

/// The buyer's claim that the print files never came, and the seller's answer with the notary's
/// delivery affidavit and the buyer's own receipt it carries.
async fn answered_delivered(
    notary: &Notary,
    loaded: &ExchangesLoaded,
    b: &Signer<'_>,
    s: &Signer<'_>,
) -> anyhow::Result<ComplaintAnswer> {
    let tid = loaded.tid("delivered")?;
    let c = claim(
        notary,
        (b.id, s.id),
        ("non_delivery", &tid, 2_000),
        "The print files of the new edition never arrived.",
        vec![m1_of(notary, loaded, "delivered")?],
    );
    let filed = file(notary, sign("complaint", c, b.key)?).await?;
    let receipt = filed.receipt().context("a complaint receipt")?;
    let record = notary
        .exchanges(100)?
        .into_iter()
        .find(|r| r.tid == tid)
        .ok_or_else(|| anyhow!("sample exchange delivered not stored"))?;
    let affidavit = record
        .decision
        .map(|d| d.token)
        .ok_or_else(|| anyhow!("sample exchange delivered not decided"))?;
    let buyers_receipt = affidavit.payload["receipt"].clone();
    let response = json!({
        "complaint_id": filed.complaint_id,
        "complaint_digest": receipt.payload["complaint_digest"],
        "respondent": s.id,
        "statement": "The notary released the key to the buyer: here is its affidavit and the buyer's receipt.",
        "evidence": [{"type": "envelope", "envelope": affidavit},
                     {"type": "envelope", "envelope": buyers_receipt}],
        "created_at": "2026-11-05T08:00:00.000Z",
    });
    notary
        .respond_to_complaint(
            &filed.complaint_id,
            sign("complaint_response", response, s.key)?,
        )
        .await
        .map_err(|e| anyhow!("answering a sample complaint: {e}"))
}
