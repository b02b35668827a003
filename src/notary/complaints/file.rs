//! Filing a complaint: check it off the sequencer (form, notary, signature), then on the
//! sequencer answer a refiled complaint with its receipt, or check the parties and what the
//! complaint is about, set the deadline from the policy, and sign and log the receipt.
//!
//! Checks, first failure wins: `malformed_complaint` (and `too_many_evidence_items`,
//! `evidence_too_large`, `bad_amount`), `wrong_notary`, the claimant's signature
//! (`bad_signature`, `unknown_key`: by a registered key of the claimant), then on the sequencer:
//! a refiled complaint gets its receipt back; `key_revoked`, `unknown_party` (the respondent),
//! for a guarantee `unknown_guarantee` and `not_a_party` (the two parties are not its buyer
//! and seller), for an order `unknown_order` (the notary answered no guarantee request for an
//! order with that digest) and `not_a_party`. A complaint about a stuck exchange whose evidence lets the notary decide it is
//! then settled at once (`settle`).

use std::sync::Arc;

use serde_json::json;

use super::book::subject_key;
use super::later::{Later, Slot};
use super::settle::settling;
use super::signer::{check_signature_count, find_signer, Signer};
use super::{current, keep_later, ComplaintAnswer, ComplaintRecord};
use crate::crypto::envelope::Envelope;
use crate::model::complaint::{
    response_deadline, Complaint, ComplaintKind, ComplaintPayload, ComplaintStatus,
    ComplaintSubject, HistoryWhat,
};
use crate::model::entry::EntryKind;
use crate::model::error_code::ErrorCode;
use crate::model::money::Currency;
use crate::model::policy::Policy;
use crate::model::time::rfc3339_ms;
use crate::notary::command::Decision;
use crate::notary::policies::exchange_policy;
use crate::notary::sequencer::StageCtx;
use crate::notary::state::{GuaranteeRecord, State};
use crate::notary::{Notary, NotaryError, Shared};

/// A complaint that passed the checks needing no state but the key registry.
pub(super) struct CheckedFiling {
    complaint: Complaint<Envelope>,
    envelope: Envelope,
    signer: Signer,
}

impl Notary {
    /// Files a claimant-signed `complaint` envelope: its receipt, or the receipt given when the
    /// same complaint (by digest) was filed before.
    pub async fn file_complaint(&self, envelope: Envelope) -> Result<ComplaintAnswer, NotaryError> {
        let checked = self.check_filing(envelope)?;
        let settling = settling(checked.complaint.payload());
        let shared = self.shared.clone();
        let filed = self
            .command(move |ctx| stage_filing(&shared, ctx, checked))
            .await?;
        match settling {
            // A stuck exchange the claimant could have the notary decide: decided now.
            Some(s) => self.settle(filed, s).await,
            // The rest wait for the respondent and an arbitrator.
            None => Ok(filed),
        }
    }

    fn check_filing(&self, envelope: Envelope) -> Result<CheckedFiling, NotaryError> {
        let complaint = Complaint::<Envelope>::parse(&envelope.kind, &envelope.payload)
            .map_err(|e| NotaryError::invalid(e.code(), e.to_string()))?;
        let named = complaint.payload().notary_key_id.as_str();
        if named != self.identity().key_id {
            return Err(NotaryError::invalid(
                ErrorCode::WrongNotary,
                format!("the complaint names notary key {named}, not this notary's"),
            ));
        }
        check_signature_count(&envelope, "complaint")?;
        let signer = find_signer(&self.shared, &envelope, &complaint.payload().claimant);
        // Refused before it queues: no registered key of the claimant signed, or no signature
        // verifies. The key's standing is checked on the sequencer, as of the filing.
        let wrong_party = NotaryError::invalid(
            ErrorCode::BadSignature,
            "the complaint is signed by a key of another party than its claimant",
        );
        signer.by(&complaint.payload().claimant, wrong_party)?;
        Ok(CheckedFiling {
            complaint,
            envelope,
            signer,
        })
    }
}

/// The receipt answered for an earlier filing of the same complaint, if there was one.
fn earlier_filing(
    shared: &Shared,
    st: &State,
    digest: &str,
) -> Result<Option<Decision<ComplaintAnswer>>, NotaryError> {
    let Some(id) = st.complaints.id_for_digest(digest) else {
        return Ok(None);
    };
    let (record, staged) = current(shared, st, id)?;
    let answer = ComplaintAnswer::of(&record, &record.receipt)?;
    Ok(Some(Decision::earlier(answer, staged)))
}

/// On the sequencer: replays an earlier filing, or checks the parties and the subject against
/// the state, keeps the new case; its receipt is signed by the batch's deferred work.
fn stage_filing(
    shared: &Arc<Shared>,
    ctx: &StageCtx,
    c: CheckedFiling,
) -> Result<Decision<ComplaintAnswer>, NotaryError> {
    let mut st = shared.state.lock();
    if let Some(earlier) = earlier_filing(shared, &st, c.complaint.digest().as_str())? {
        return Ok(earlier);
    }
    let p = c.complaint.payload();
    c.signer.in_good_standing(&st, ctx.now)?;
    let (tid, gid, digest) = match c.complaint.subject() {
        ComplaintSubject::Exchange(t) => (Some(t.as_str()), None, None),
        ComplaintSubject::Guarantee(g) => (None, Some(g.as_str()), None),
        ComplaintSubject::Order(d) => (None, None, Some(d.as_str())),
    };
    let parties = [p.claimant.as_str(), p.respondent.as_str()];
    let subjects = claim_subjects(shared, &st, (tid, gid, digest), parties)?;
    check_claimed_once(&st, &subjects, &p.claimant, p.kind, None)?;
    for party in [&p.claimant, &p.respondent] {
        if !st.parties.contains_key(party) {
            return Err(NotaryError::unknown(
                ErrorCode::UnknownParty,
                "party",
                party,
            ));
        }
    }
    let policy = policy_for(shared, &st, &c.complaint)?.clone();
    let (record, receipt) = receipt_later(ctx, &c, &policy);
    keep_later(shared, &mut st, (ctx, receipt), record, |r| {
        ComplaintAnswer::of(r, &r.receipt)
    })
}

/// `409 duplicate_claim` when `party` already claims `kind` about `subject` in a case other than
/// `this` (as a claim or a counter-claim): two cases would rule on one claim twice (a second
/// "buyer pays" for one order, a second refund for one payment).
///
/// `subjects` are every name of the subject ([`claim_subjects`]): one order claimed through its
/// guarantee and again through its order digest is one claim.
pub(super) fn check_claimed_once(
    st: &State,
    subjects: &[String],
    party: &str,
    kind: ComplaintKind,
    this: Option<&str>,
) -> Result<(), NotaryError> {
    for subject in subjects {
        check_subject_once(st, subject, party, kind, this)?;
    }
    Ok(())
}

/// The names a case's subject between `parties` is claimed under ([`subject_key`]s): an
/// exchange its tid; a guarantee its id and its order's digest; an order its digest and the id
/// of each guarantee the notary gave for it to these two parties. A guarantee the notary cannot
/// find has its id only (filing refuses it anyway).
pub(crate) fn claim_subjects(
    shared: &Shared,
    st: &State,
    (tid, gid, digest): (Option<&str>, Option<&str>, Option<&str>),
    parties: [&str; 2],
) -> Result<Vec<String>, NotaryError> {
    let mut subjects = vec![subject_key(tid, gid, digest, parties)];
    if tid.is_some() {
        return Ok(subjects);
    }
    if let Some(g) = gid {
        if let Ok(g) = guarantee(shared, st, g) {
            subjects.push(subject_key(None, None, Some(&g.order_digest), parties));
        }
    } else if let Some(d) = digest {
        for a in crate::notary::guarantees::order_answers(shared, d)? {
            let p = &a.answer.payload;
            let party = |f: &str| p.get(f).and_then(|v| v.as_str());
            let theirs = [party("buyer"), party("seller_id")];
            if !theirs
                .iter()
                .all(|t| t.is_some_and(|t| parties.contains(&t)))
            {
                continue;
            }
            if let Some(g) = party("guarantee_id") {
                subjects.push(subject_key(None, Some(g), None, parties));
            }
        }
    }
    Ok(subjects)
}

fn check_subject_once(
    st: &State,
    subject: &str,
    party: &str,
    kind: ComplaintKind,
    this: Option<&str>,
) -> Result<(), NotaryError> {
    match st.complaints.claimed(subject, party, kind) {
        Some(other) if Some(other) != this => Err(NotaryError::Conflict {
            code: ErrorCode::DuplicateClaim,
            message: format!(
                "{party} already claims {} about this {} in complaint {other}: a claim is decided once, in its case",
                kind.as_str(),
                match subject.split(':').next() {
                    Some("t") => "exchange",
                    Some("g") => "guarantee",
                    _ => "order",
                }
            ),
        }),
        _ => Ok(()),
    }
}

/// The policy whose `complaint_response_time` applies: a guarantee's agreement recorded one;
/// a complaint about an exchange takes the latest version of `[exchanges] policy`, and claims in
/// its currency (`bad_amount`) between the exchange's parties when the notary knows them.
fn policy_for<'a>(
    shared: &Shared,
    st: &'a State,
    complaint: &Complaint<Envelope>,
) -> Result<&'a Policy, NotaryError> {
    let gid = match complaint.subject() {
        ComplaintSubject::Exchange(tid) => {
            exchange_sides(shared, tid.as_str(), complaint)?;
            let policy = exchange_policy(shared, st)?;
            let p = complaint.payload();
            if p.amount.currency.as_str() != policy.currency {
                return Err(NotaryError::invalid(
                    ErrorCode::BadAmount,
                    format!(
                        "complaints about exchanges are in {}, the currency of policy {}; the \
                         complaint claims {}",
                        policy.currency, policy.id, p.amount
                    ),
                ));
            }
            return Ok(policy);
        }
        ComplaintSubject::Guarantee(gid) => gid,
        ComplaintSubject::Order(digest) => {
            let agreement_id = order_agreement(shared, st, digest.as_str(), complaint)?;
            return agreement_policy(st, &agreement_id);
        }
    };
    let g = guarantee(shared, st, gid)?;
    let p = complaint.payload();
    let parties = [g.buyer_id.as_str(), g.seller_id.as_str()];
    if !(parties.contains(&p.claimant.as_str()) && parties.contains(&p.respondent.as_str())) {
        return Err(NotaryError::Denied {
            code: ErrorCode::NotAParty,
            message: format!("the claimant and the respondent are not the buyer and the seller of guarantee {gid}"),
        });
    }
    order_sides(p, &g.buyer_id, &g.seller_id)?;
    if g.amount.currency != p.amount.currency {
        return Err(NotaryError::invalid(
            ErrorCode::BadAmount,
            format!(
                "guarantee {gid} is in {}, the complaint claims {}",
                g.amount.currency, p.amount
            ),
        ));
    }
    agreement_policy(st, &g.agreement_id)
}

/// `not_a_party`: an exchange the notary decided or saw (its stored m1) names the parties who
/// may complain about it, the claimant and the respondent both. A tid the notary never saw is
/// left to the evidence (the complaint may be the first it hears of the exchange).
fn exchange_sides(
    shared: &Shared,
    tid: &str,
    complaint: &Complaint<Envelope>,
) -> Result<(), NotaryError> {
    let Some(x) = crate::notary::exchanges::stored_exchange(&shared.store, tid)? else {
        return Ok(());
    };
    let m1 = crate::model::exchange::Offer::from_payload(&x.m1.payload)
        .map_err(|e| NotaryError::Corrupt(format!("stored m1 of exchange {tid}: {e:?}")))?;
    let (o, r) = (&m1.payload().originator, &m1.payload().responder);
    let p = complaint.payload();
    let ours = |id: &String| id == o || id == r;
    if ours(&p.claimant) && ours(&p.respondent) {
        return Ok(());
    }
    Err(NotaryError::Denied {
        code: ErrorCode::NotAParty,
        message: format!(
            "exchange {tid} is between {o} and {r}: the claimant and the respondent must be its parties"
        ),
    })
}

/// `wrong_side`: a claim of a kind only one side of the order may file (the rule is
/// [`ComplaintKind::wrong_side`], the one the rulings apply).
fn order_sides(
    p: &ComplaintPayload<Envelope>,
    buyer: &str,
    seller: &str,
) -> Result<(), NotaryError> {
    match p.kind.wrong_side(&p.claimant, buyer, seller) {
        Some(message) => Err(NotaryError::Denied {
            code: ErrorCode::WrongSide,
            message,
        }),
        None => Ok(()),
    }
}

/// The policy agreement `id` recorded.
fn agreement_policy<'a>(st: &'a State, id: &str) -> Result<&'a Policy, NotaryError> {
    let ag = st
        .agreements
        .get(id)
        .ok_or_else(|| NotaryError::Corrupt(format!("no agreement {id}")))?;
    // Every stored agreement's policy is checked at start and policies are never dropped.
    st.policies
        .get(&ag.policy)
        .ok_or_else(|| NotaryError::Bug(format!("policy of agreement {} not loaded", ag.id)))
}

/// The agreement of the order a complaint is about, after [`order_parties`] found it: the
/// claim must be one the claimant's side may file (`wrong_side`) and in the order's currency
/// (`bad_amount`).
fn order_agreement(
    shared: &Shared,
    st: &State,
    digest: &str,
    complaint: &Complaint<Envelope>,
) -> Result<String, NotaryError> {
    let p = complaint.payload();
    let order = order_parties(shared, st, digest, &p.claimant, &p.respondent)?;
    order_sides(p, &order.buyer, &order.seller)?;
    if order.currency != p.amount.currency {
        return Err(NotaryError::invalid(
            ErrorCode::BadAmount,
            format!(
                "order {digest} is in {}, the complaint claims {}: claim in the order's currency",
                order.currency, p.amount
            ),
        ));
    }
    Ok(order.agreement)
}

/// The two sides of an order a complaint is about, and its agreement.
pub(super) struct OrderParties {
    /// The agreement the guarantee request was answered under.
    pub agreement: String,
    /// The agreement's buyer.
    pub buyer: String,
    /// The seller who asked for the guarantee.
    pub seller: String,
    /// The currency the buyer signed the order in (the agreement's, should the order not say):
    /// what a claim about it is in. An order in another currency than its agreement's binds
    /// nothing under it, which the ruling says (`Q1.currency_mismatch`), in the order's currency.
    pub currency: Currency,
}

/// The order with `order_digest` `digest` between `claimant` and `respondent`: the notary must
/// have answered a guarantee request for it (`unknown_order`), from the seller the order names,
/// who is one of the two parties, under an agreement whose buyer is the other (`not_a_party`). Several such
/// answers (the seller asked again, maybe under another agreement of the buyer): a guarantee's
/// before a refusal's (the agreement the notary took the order on under), then the smallest
/// agreement id, as replay takes it.
pub(super) fn order_parties(
    shared: &Shared,
    st: &State,
    digest: &str,
    claimant: &str,
    respondent: &str,
) -> Result<OrderParties, NotaryError> {
    let answers = crate::notary::guarantees::order_answers(shared, digest)?;
    if answers.is_empty() {
        return Err(NotaryError::unknown(
            ErrorCode::UnknownOrder,
            "order",
            digest,
        ));
    }
    let pair =
        |a: &str, b: &str| (a == claimant && b == respondent) || (a == respondent && b == claimant);
    let field = |e: &Envelope, f: &str| {
        e.payload
            .get(f)
            .and_then(|v| v.as_str())
            .map(str::to_string)
    };
    let mut answers: Vec<_> = answers.iter().collect();
    answers.sort_by_key(|a| {
        (
            a.answer.kind != "guarantee",
            field(&a.answer, "agreement_id"),
        )
    });
    answers
        .into_iter()
        .find_map(|a| {
            let seller = field(&a.answer, "seller_id")?;
            // A seller's request about an order made out to another seller answers nothing
            // between her and the buyer: she may not open a case with it.
            if field(&a.order, "seller_id").as_deref() != Some(seller.as_str()) {
                return None;
            }
            let agreement = field(&a.answer, "agreement_id")?;
            let ag = st.agreements.get(&agreement)?;
            let signed_in = a.order.payload["amount"]["currency"]
                .as_str()
                .and_then(|c| Currency::parse(c).ok());
            pair(&seller, &ag.buyer_id).then(|| OrderParties {
                buyer: ag.buyer_id.clone(),
                currency: signed_in.unwrap_or(ag.currency),
                agreement,
                seller,
            })
        })
        .ok_or_else(|| NotaryError::Denied {
            code: ErrorCode::NotAParty,
            message: format!(
                "no guarantee request for order {digest} came from the seller it names, one of the claimant and the respondent, under an agreement of the other"
            ),
        })
}

/// The guarantee `gid`, staged or stored.
pub(super) fn guarantee(
    shared: &Shared,
    st: &State,
    gid: &str,
) -> Result<GuaranteeRecord, NotaryError> {
    if let Some(g) = st.pending.guarantees.get(gid) {
        return g.record(&shared.notary_key);
    }
    crate::notary::guarantees::read_record(shared, gid)?
        .ok_or_else(|| NotaryError::unknown(ErrorCode::UnknownGuarantee, "guarantee", gid))
}

/// The new case's record and its `complaint_receipt`, to be signed by the batch's deferred work
/// (the record holds it unsigned until then); changes nothing.
fn receipt_later(ctx: &StageCtx, c: &CheckedFiling, policy: &Policy) -> (ComplaintRecord, Later) {
    let p = c.complaint.payload();
    let id = uuid::Uuid::now_v7().to_string();
    let deadline = response_deadline(ctx.now, policy);
    let (tid, guarantee_id, order_digest) = match c.complaint.subject() {
        ComplaintSubject::Exchange(tid) => (Some(tid.as_str().to_string()), None, None),
        ComplaintSubject::Guarantee(g) => (None, Some(g.clone()), None),
        ComplaintSubject::Order(d) => (None, None, Some(d.as_str().to_string())),
    };
    let mut payload = json!({
        "complaint_id": id,
        "complaint_digest": c.complaint.digest(),
        "claimant": p.claimant,
        "respondent": p.respondent,
        "kind": p.kind,
        "amount": p.amount,
        "evidence_ids": c.complaint.evidence_ids(),
        "received_at": rfc3339_ms(ctx.now),
        "response_deadline": rfc3339_ms(deadline),
        "policy_id": policy.id,
        "policy_version": policy.version,
        "policy_digest": policy.digest,
    });
    match (&tid, &guarantee_id, &order_digest) {
        (Some(t), _, _) => payload["tid"] = json!(t),
        (_, Some(g), _) => payload["guarantee_id"] = json!(g),
        (_, _, Some(d)) => payload["order_digest"] = json!(d),
        _ => {}
    }
    payload["log_index"] = json!(ctx.index);
    let receipt = Later::new(Slot::Receipt, EntryKind::ComplaintReceipt, payload);
    let mut record = ComplaintRecord {
        complaint_id: id,
        complaint_digest: c.complaint.digest().as_str().to_string(),
        kind: p.kind,
        claimant: p.claimant.clone(),
        respondent: p.respondent.clone(),
        tid,
        guarantee_id,
        order_digest,
        amount: p.amount,
        filed_at: ctx.now,
        response_deadline: deadline,
        policy: policy.reference(),
        status: ComplaintStatus::Open,
        complaint: c.envelope.clone(),
        receipt: receipt.unsigned(),
        response: None,
        response_digest: None,
        response_receipt: None,
        silence: None,
        taken_by: None,
        ruling: None,
        proposal: None,
        history: Vec::new(),
    };
    record.push(
        ctx.now,
        HistoryWhat::Filed,
        Some(p.claimant.clone()),
        Some(ctx.index),
    );
    (record, receipt)
}
