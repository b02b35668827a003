//! Replaying a bundle: [`replay`] verifies it, joins it to the rule engine's inputs and
//! adjudicates. The registry side of the join is here (docs/formats.md "From a bundle to the
//! rules"); the agreement and policy are in `terms`:
//!
//! - **Registry**: the notary's key id and the key id standing for its TSA (hex SHA-256 of the
//!   TSA certificate's DER); a `KeyRecord` per verified `key_registration` entry, with the
//!   revocation of every verified `revocation` entry naming it; a `GuaranteeRecord` per verified
//!   guarantee item, ended by a verified release or settlement of it, or a verified ruling whose
//!   actions released it. Only what the bundle holds.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::format::{hex_sha256, Bundle, Item as BundleItem};
use super::join::{join, text, time, Index, Orders, PaymentClaim};
use super::par::{beside, drop_beside, on_pool, par_chunks};
use super::terms::terms;
use super::verify::{check, ItemReport, Report, Unreadable};
use crate::model::complaint::ComplaintKind;
use crate::model::dispute::{
    adjudicate_with_counter, counter_claim_of, Claim, ClaimSubject, Content, GuaranteeRecord, Item,
    Registry, Ruling,
};
use crate::model::exchange::WireTime;
use crate::model::policy::Policy;
use crate::model::registry::{Agreement, KeyRecord, KeySource, Revocation};

pub use crate::model::dispute::NO_AGREEMENT;

/// Why a bundle cannot be replayed.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    /// Not a bundle.
    #[error(transparent)]
    Unreadable(#[from] Unreadable),
    /// The claim cannot be stated to the rules.
    #[error("the claim: {0}")]
    Claim(String),
    /// The policy to apply is not in the bundle.
    #[error("the policy: {0}")]
    Policy(String),
}

/// A replayed bundle: what verification found, the engine's inputs and the ruling.
#[derive(Debug)]
pub struct Replay {
    /// The verification report.
    pub report: Report,
    /// The engine's items (one per bundle item the rules have content for).
    pub items: Vec<Item>,
    /// The claim as stated to the rules.
    pub claim: Claim,
    /// The registry the rules were given.
    pub registry: Registry,
    /// The agreement the rules applied (the stand-in [`NO_AGREEMENT`] for an exchange case).
    pub agreement: Agreement,
    /// The policy the rules applied.
    pub policy: Policy,
    /// The ruling.
    pub ruling: Ruling,
    /// What the replay took from the rest of the bundle because the verified item that should
    /// state it is not there (left out, or failing its checks), each a sentence: the agreement
    /// or policy found another way, a counter-claim left undecided. `notar replay` prints them
    /// as warnings; the notary rules only on a bundle of its own records that needs none.
    pub assumed: Vec<String>,
}

/// Verifies `bytes` as a bundle and adjudicates its claim. Items that fail verification go in
/// as facts (the rules make them inadmissible); only an unreadable bundle, a claim the rules
/// cannot state or a missing policy is an error.
pub fn replay(bytes: &[u8]) -> Result<Replay, ReplayError> {
    on_pool(bytes.len(), || replay_here(bytes))
}

/// [`replay`], on the thread it is called on.
fn replay_here(bytes: &[u8]) -> Result<Replay, ReplayError> {
    let (bundle, report) = check(bytes)?;
    // A verified receipt that the claim contradicts, or whose evidence the bundle lacks: the
    // claim is not the one the notary received (without a verified receipt the claim goes in
    // as the bundle states it, and `notar replay` says so).
    if let (false, Some(receipt), Some(reason)) =
        (report.claim.ok, &report.claim.receipt, &report.claim.reason)
    {
        return Err(ReplayError::Claim(format!("{reason} (receipt {receipt})")));
    }
    let undecided = counter_undecided(&report)?;
    let counter_shown = undecided.is_none();
    let mut assumed: Vec<String> = undecided.into_iter().collect();
    let claim = claim(&bundle, &report.items[..bundle.items.len()])?;
    let registry_reports = &report.items[bundle.items.len()..];
    let item_reports = &report.items[..bundle.items.len()];
    let tsa_key_id = bundle
        .notary
        .tsa_chain
        .first()
        .and_then(|c| base64_decode(c))
        .map(|der| hex_sha256(&der))
        .unwrap_or_default();
    let counter = match counter_shown {
        true => counter_claim(&bundle, &claim)?,
        false => None,
    };
    // The payment either part names is a fact of the case for both (bob's non-delivery claim
    // and sally's non-payment counter-claim rest on the one payment he made, which is not a
    // delivery of goods): one reading of it, whoever filed first.
    let payment = || payment_claim(&claim).or_else(|| counter.as_ref().and_then(payment_claim));
    // The terms (reading the policy text is most of it) beside the join, on a large bundle.
    // The join's index is made beside them too; the join itself uses every core.
    let (terms, index) = beside(
        bundle.items.len(),
        || terms(&bundle, &report, &claim, registry_reports),
        || Index::new(&bundle.items, item_reports, payment(), tsa_key_id.clone()),
    );
    let items = joined(&bundle, item_reports, &index);
    drop(index);
    // The counter-claim is judged on the same items: one join, with the one payment reading.
    let counter_items = counter.as_ref().map(|_| items.clone());
    let registry = Registry {
        notary_keys: vec![bundle.notary.key_id.clone(), tsa_key_id],
        keys: keys(&bundle.registry, registry_reports),
        guarantees: guarantees(&items),
    };
    let terms = terms.map_err(|e| name_failures(e, &report))?;
    assumed.extend(terms.assumed);
    let (agreement, policy) = (terms.agreement, terms.policy);
    let counter = counter.as_ref().zip(counter_items.as_deref());
    let ruling = drop_beside(bundle.items, || {
        adjudicate_with_counter(&claim, &items, counter, &registry, &agreement, &policy)
    });
    Ok(Replay {
        report,
        items,
        claim,
        registry,
        agreement,
        policy,
        ruling,
        assumed,
    })
}

/// A counter-claim no verified response receipt and response state is not one the notary
/// received: the respondent's claim is taken only as the notary recorded it. One those records
/// contradict makes the bundle fail; one they are missing for (left out, or failing their
/// checks) is left undecided, said in the returned sentence, and the claim is still decided.
fn counter_undecided(report: &Report) -> Result<Option<String>, ReplayError> {
    let Some(c) = report.counter_claim.as_ref().filter(|c| !c.ok) else {
        return Ok(None);
    };
    let why = c
        .reason
        .as_deref()
        .unwrap_or("it is not the one the notary received");
    if !c.unshown {
        return Err(ReplayError::Claim(format!("the counter-claim: {why}")));
    }
    Ok(Some(format!("the counter-claim is not decided: {why}")))
}

/// A policy the bundle cannot establish is often an item that failed (the guarantee or
/// refusal the agreement is found through, the checkpoint every proof rests on): the error
/// names what failed, as `notar bundle verify` would.
fn name_failures(e: ReplayError, report: &Report) -> ReplayError {
    let ReplayError::Policy(message) = e else {
        return e;
    };
    let mut failed: Vec<String> = Vec::new();
    if !report.checkpoint.ok {
        let why = report.checkpoint.reason.as_deref().unwrap_or("it fails");
        failed.push(format!("the checkpoint: {why}"));
    }
    let items: Vec<&ItemReport> = report.failures().collect();
    failed.extend(items.iter().take(3).map(|i| {
        let why = i.reason.as_deref().unwrap_or("it fails");
        format!("{} {}: {why}", i.kind, i.id)
    }));
    if items.len() > 3 {
        failed.push(format!("{} more items", items.len() - 3));
    }
    if failed.is_empty() {
        return ReplayError::Policy(message);
    }
    ReplayError::Policy(format!("{message}; failing: {}", failed.join("; ")))
}

/// The engine's items of the bundle, joined through `index` (which holds the payment a claim
/// names, if any: the exchange whose m1 moved it).
fn joined(bundle: &Bundle, reports: &[ItemReport], index: &Index) -> Vec<Item> {
    let pairs: Vec<(&BundleItem, &ItemReport)> = bundle.items.iter().zip(reports).collect();
    let joined = par_chunks(&pairs, |part| {
        part.iter().map(|(i, r)| join(i, r, index)).collect()
    });
    let mut items: Vec<Item> = joined.into_iter().flatten().collect();
    fill_order_agreements(&mut items);
    items
}

/// The bundle's counter-claim as a claim of the respondent against the claimant.
fn counter_claim(bundle: &Bundle, claim: &Claim) -> Result<Option<Claim>, ReplayError> {
    let Some(c) = &bundle.claim.counter_claim else {
        return Ok(None);
    };
    let kind = ComplaintKind::parse(&c.kind).ok_or_else(|| {
        ReplayError::Claim(format!("the counter-claim's kind {:?} is unknown", c.kind))
    })?;
    let filed_at = WireTime::try_from(c.filed_at.clone())
        .map_err(|e| ReplayError::Claim(format!("the counter-claim's filed_at: {e}")))?;
    Ok(Some(counter_claim_of(claim, kind, c.amount, filed_at)))
}

fn base64_decode(s: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.decode(s).ok()
}

fn claim(bundle: &Bundle, reports: &[ItemReport]) -> Result<Claim, ReplayError> {
    let c = &bundle.claim;
    let kind = ComplaintKind::parse(&c.kind)
        .ok_or_else(|| ReplayError::Claim(format!("unknown kind {:?}", c.kind)))?;
    let subject = match (&c.tid, &c.guarantee_id, &c.order_digest) {
        (Some(t), None, None) => ClaimSubject::Tid(t.clone()),
        (None, Some(g), None) => ClaimSubject::Guarantee(g.clone()),
        (None, None, Some(d)) => ClaimSubject::Order(order_item(bundle, reports, d)),
        _ => {
            return Err(ReplayError::Claim(
                "not exactly one of tid, guarantee_id and order_digest".into(),
            ))
        }
    };
    let filed_at = WireTime::try_from(c.filed_at.clone()).map_err(ReplayError::Claim)?;
    Ok(Claim {
        kind,
        claimant: c.claimant.clone(),
        respondent: c.respondent.clone(),
        subject,
        amount: c.amount,
        filed_at,
    })
}

/// The payment a claim about an exchange names: a `non_payment` claim says the respondent
/// paid (or owed) the claimant, a `non_delivery` claim that the claimant paid the respondent;
/// the item-for-receipt m1 of that tid from the payer to the payee moved it.
fn payment_claim(claim: &Claim) -> Option<PaymentClaim> {
    let (payee, payer) = match claim.kind {
        ComplaintKind::NonPayment => (&claim.claimant, &claim.respondent),
        // The buyer's claim about the exchange that paid: he paid the respondent.
        ComplaintKind::NonDelivery => (&claim.respondent, &claim.claimant),
        _ => return None,
    };
    match &claim.subject {
        ClaimSubject::Tid(tid) => Some(PaymentClaim {
            tid: tid.clone(),
            payee: payee.clone(),
            payer: payer.clone(),
            currency: claim.amount.currency,
        }),
        _ => None,
    }
}

/// An order that names no agreement is under the agreement of the guarantee that embeds it
/// (the notary took it on there), else of the refusal that does (the notary checked it there);
/// of several, the smallest id.
fn fill_order_agreements(items: &mut [Item]) {
    // (answered by a refusal only, agreement id): the smallest wins.
    let mut named: HashMap<String, (bool, String)> = HashMap::new();
    for i in items.iter() {
        let (refused, agreement) = match &i.content {
            Content::Guarantee { agreement, .. } => (false, agreement),
            Content::Refusal { agreement, .. } => (true, agreement),
            _ => continue,
        };
        for e in &i.embeds {
            let this = (refused, agreement.clone());
            match named.get_mut(e) {
                Some(a) if this < *a => *a = this,
                Some(_) => {}
                None => {
                    named.insert(e.clone(), this);
                }
            }
        }
    }
    for item in items.iter_mut() {
        if let Content::Order { agreement, .. } = &mut item.content {
            if agreement.is_empty() {
                if let Some((_, a)) = named.get(&item.id) {
                    agreement.clone_from(a);
                }
            }
        }
    }
}

/// Verified registry envelopes of `kind`, in bundle order.
pub(super) fn entries<'a>(
    registry: &'a [BundleItem],
    reports: &'a [ItemReport],
    kind: &'a str,
) -> impl Iterator<Item = &'a Value> + 'a {
    registry
        .iter()
        .zip(reports)
        .filter_map(move |(i, r)| match i {
            BundleItem::NotaryEnvelope { envelope, .. } if r.ok && envelope.kind == kind => {
                Some(&envelope.payload)
            }
            _ => None,
        })
}

pub(super) fn log_index(p: &Value) -> u64 {
    p.get("log_index").and_then(Value::as_u64).unwrap_or(0)
}

pub(super) fn at(p: &Value, field: &str) -> Option<DateTime<Utc>> {
    time(p, field).map(WireTime::at)
}

fn keys(registry: &[BundleItem], reports: &[ItemReport]) -> Vec<KeyRecord> {
    let mut keys: Vec<KeyRecord> = entries(registry, reports, "key_registration")
        .filter_map(|p| {
            Some(KeyRecord {
                key_id: text(p, "key_id")?,
                party_id: text(p, "party_id")?,
                public_key: text(p, "public_key").unwrap_or_default(),
                source: p
                    .get("source")
                    .and_then(|s| serde_json::from_value(s.clone()).ok())
                    .unwrap_or(KeySource::Raw),
                registered_at: at(p, "registered_at")?,
                log_index: log_index(p),
                revocation: None,
            })
        })
        .collect();
    keys.sort_by(|a, b| (&a.key_id, a.log_index).cmp(&(&b.key_id, b.log_index)));
    keys.dedup_by(|later, first| later.key_id == first.key_id);
    for p in entries(registry, reports, "revocation") {
        let Some(registered_at) = at(p, "registered_at") else {
            continue;
        };
        let revoked = p.get("revoked").and_then(Value::as_array);
        for r in revoked.into_iter().flatten() {
            let Some(k) = keys
                .iter_mut()
                .find(|k| Some(k.key_id.as_str()) == r["key_id"].as_str())
            else {
                continue;
            };
            let rev = Revocation {
                registered_at,
                reason: text(p, "reason").unwrap_or_default(),
                source: text(p, "source").unwrap_or_default(),
                claimed_at: at(r, "claimed_at"),
                log_index: log_index(p),
            };
            let earlier = |old: &Revocation| {
                (rev.registered_at, rev.log_index) < (old.registered_at, old.log_index)
            };
            if k.revocation.as_ref().is_none_or(earlier) {
                k.revocation = Some(rev);
            }
        }
    }
    keys
}

/// The guarantees the bundle's admitted-looking items show, ended by their closings.
fn guarantees(items: &[Item]) -> Vec<GuaranteeRecord> {
    let mut out: Vec<GuaranteeRecord> = items
        .iter()
        .filter(|i| i.facts.signature_valid)
        .filter_map(|i| match &i.content {
            Content::Guarantee {
                guarantee_id,
                agreement,
                amount,
                issued_at,
                valid_until,
                ..
            } => Some(GuaranteeRecord {
                id: guarantee_id.clone(),
                agreement: agreement.clone(),
                amount: *amount,
                issued_at: issued_at.at(),
                valid_until: valid_until.at(),
                ended_at: None,
            }),
            _ => None,
        })
        .collect();
    // The earliest release, settlement or releasing ruling of each guarantee.
    let mut ended: HashMap<&str, DateTime<Utc>> = HashMap::new();
    for i in items.iter().filter(|i| i.facts.signature_valid) {
        let (gids, at) = match &i.content {
            Content::Release { guarantee_id, at } | Content::Settlement { guarantee_id, at } => {
                (std::slice::from_ref(guarantee_id), at)
            }
            Content::Ruling {
                released,
                decided_at,
                ..
            } => (released.as_slice(), decided_at),
            _ => continue,
        };
        for gid in gids {
            let e = ended.entry(gid.as_str()).or_insert(at.at());
            *e = (*e).min(at.at());
        }
    }
    for g in &mut out {
        g.ended_at = ended.get(g.id.as_str()).copied();
    }
    // Keys borrowed, not made per comparison.
    fn key(g: &GuaranteeRecord) -> (&str, impl Ord, &str) {
        let at = (g.issued_at, g.valid_until, g.amount.minor);
        (g.id.as_str(), at, g.agreement.as_str())
    }
    out.sort_by(|a, b| key(a).cmp(&key(b)));
    out.dedup_by(|later, first| later.id == first.id);
    out
}

pub(super) fn verified_items<'a>(
    bundle: &'a Bundle,
    report: &'a Report,
    kind: &'a str,
) -> impl Iterator<Item = &'a Value> + 'a {
    entries(&bundle.items, &report.items[..bundle.items.len()], kind)
}

/// The item id of the order with `order_digest` (the smallest, as the join picks it); the
/// digest itself when the bundle holds no such order (the rules then find no order).
fn order_item(bundle: &Bundle, reports: &[ItemReport], order_digest: &str) -> String {
    let orders = Orders::new(&bundle.items, reports);
    let answered = bundle
        .items
        .iter()
        .zip(reports)
        .filter_map(|(i, r)| match i {
            BundleItem::NotaryEnvelope { envelope, .. }
                if r.ok
                    && matches!(envelope.kind.as_str(), "guarantee" | "refusal")
                    && text(&envelope.payload, "order_digest").as_deref() == Some(order_digest) =>
            {
                orders.answered(&envelope.payload, envelope.kind == "guarantee")
            }
            _ => None,
        });
    answered
        .min()
        .or_else(|| orders.verified(order_digest).into_iter().min())
        .unwrap_or_else(|| order_digest.to_string())
}

#[cfg(test)]
#[path = "adjudicate_tests.rs"]
mod tests;
