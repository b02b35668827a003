//! The terms a bundle's case is ruled under (docs/formats.md "From a bundle to the rules"): the
//! agreement and the policy version it recorded (a guarantee or order case), or the policy the
//! complaint receipt recorded (an exchange case: the notary's `[exchanges]` policy).
//!
//! - **Agreement**: a guarantee case takes the newest verified `agreement` entry of the
//!   guarantee's agreement; an order case (the claim names an `order_digest`) that of the
//!   agreement of the verified guarantees and refusals naming that digest. When none of those
//!   verifies, the one agreement of the parties' the registry holds (under the complaint
//!   receipt's policy), and the replay says it took it. An exchange case has none: it gets the
//!   stand-in [`NO_AGREEMENT`] (no keys, no caps, the receipt's policy), so the rules about
//!   orders find nothing to bind.
//! - **Policy**: the text of a `policy` entry of the registry that parses and hashes to the
//!   recorded digest. An exchange case whose complaint receipt does not verify takes the one
//!   policy version of the registry, and the replay says so.

use chrono::DateTime;
use serde_json::Value;

use super::adjudicate::{at, entries, log_index, verified_items, ReplayError, NO_AGREEMENT};
use super::format::{names_complaint, Bundle, Item as BundleItem};
use super::join::{money, text};
use super::verify::{ItemReport, Report};
use crate::model::dispute::{Claim, ClaimSubject};
use crate::model::policy::{parse_policy, Policy, PolicyRef};
use crate::model::registry::{Agreement, AgreementStatus};

/// The terms a case is ruled under, and what the bundle did not show of them but had to be
/// taken from the rest of it (each a sentence; empty when the verified items named them).
pub(super) struct Terms {
    /// The agreement (the stand-in [`NO_AGREEMENT`] for an exchange case).
    pub agreement: Agreement,
    /// The policy version recorded for the case.
    pub policy: Policy,
    /// What was taken instead of a verified item that should have named it.
    pub assumed: Option<String>,
}

/// The agreement and the policy version it (or the complaint receipt) recorded.
pub(super) fn terms(
    bundle: &Bundle,
    report: &Report,
    claim: &Claim,
    reports: &[ItemReport],
) -> Result<Terms, ReplayError> {
    let named = match (&claim.subject, &bundle.claim.order_digest) {
        (ClaimSubject::Guarantee(gid), _) => Some(
            guarantee_agreement(bundle, report, gid)
                .ok_or_else(|| format!("no verified guarantee {gid}")),
        ),
        (ClaimSubject::Order(_), Some(d)) => Some(
            order_agreement(bundle, report, d)
                .ok_or_else(|| format!("no verified guarantee or refusal of order {d}")),
        ),
        _ => None,
    };
    let mut assumed = None;
    if let Some(named) = named {
        let agreement_id = match named {
            Ok(id) => id,
            Err(why) => {
                let id = sole_agreement(bundle, report, claim, reports).ok_or_else(|| {
                    ReplayError::Policy(format!(
                        "{why}, and the registry holds no single agreement of the parties' to take instead"
                    ))
                })?;
                assumed = Some(format!(
                    "{why} names the agreement: it is {id}, the one agreement of the parties' in the bundle's registry (a bundle cannot show it holds all of them: compare it with the notary's own export)"
                ));
                id
            }
        };
        let agreement = agreement(&bundle.registry, reports, &agreement_id).ok_or_else(|| {
            ReplayError::Policy(format!("no verified entry of agreement {agreement_id}"))
        })?;
        let policy = policy(&bundle.registry, &agreement.policy)?;
        return Ok(Terms {
            agreement,
            policy,
            assumed,
        });
    }
    let recorded = match receipt_policy(bundle, report) {
        Some(recorded) => recorded,
        None => {
            let sole = sole_policy(&bundle.registry, reports).ok_or_else(|| {
                ReplayError::Policy(
                    "no verified complaint receipt names one, and the registry holds more than one policy version or none".into(),
                )
            })?;
            assumed = Some(format!(
                "no verified complaint receipt names the policy: it is {} version {}, the one policy version in the bundle's registry",
                sole.id, sole.version
            ));
            sole
        }
    };
    let policy = policy(&bundle.registry, &recorded)?;
    Ok(Terms {
        agreement: no_agreement(claim, &policy),
        policy,
        assumed,
    })
}

/// The agreement of a guarantee or order case whose guarantee or refusal failed verification
/// (or was left out): the one agreement whose verified entries name the claimant or the
/// respondent as its buyer, under the policy the verified complaint receipt recorded when there
/// is one. None when there are several (the bundle cannot say which) or none.
fn sole_agreement(
    bundle: &Bundle,
    report: &Report,
    claim: &Claim,
    reports: &[ItemReport],
) -> Option<String> {
    let recorded = receipt_policy(bundle, report);
    let party = |p: &Value| {
        text(p, "buyer_id").is_some_and(|b| b == claim.claimant || b == claim.respondent)
    };
    let under = |p: &Value| {
        recorded.as_ref().is_none_or(|r| {
            p.get("policy")
                .and_then(|v| serde_json::from_value::<PolicyRef>(v.clone()).ok())
                .as_ref()
                == Some(r)
        })
    };
    let mut ids: Vec<String> = entries(&bundle.registry, reports, "agreement")
        .filter(|p| party(p) && under(p))
        .filter_map(|p| text(p, "agreement_id"))
        .collect();
    ids.sort();
    ids.dedup();
    match ids.as_slice() {
        [one] => Some(one.clone()),
        _ => None,
    }
}

/// The policy of an exchange case whose complaint receipt failed verification: the one policy
/// version among the registry's verified `policy` entries. None when there are several.
fn sole_policy(registry: &[BundleItem], reports: &[ItemReport]) -> Option<PolicyRef> {
    let found = sorted(
        entries(registry, reports, "policy")
            .filter_map(|p| policy_ref(p, ["policy_id", "version", "digest"])),
    );
    match found.as_slice() {
        [one] => Some(one.clone()),
        _ => None,
    }
}

fn guarantee_agreement(bundle: &Bundle, report: &Report, gid: &str) -> Option<String> {
    let mut found: Vec<String> = verified_items(bundle, report, "guarantee")
        .filter(|p| text(p, "guarantee_id").as_deref() == Some(gid))
        .filter_map(|p| text(p, "agreement_id"))
        .collect();
    found.sort();
    found.into_iter().next()
}

/// The agreement under which the notary answered the order with `order_digest`: that of its
/// verified guarantees, the only agreement under which the notary took the order on; without
/// one, that of its refusals (the smallest id if they differ).
fn order_agreement(bundle: &Bundle, report: &Report, order_digest: &str) -> Option<String> {
    let under = |kind: &str| {
        verified_items(bundle, report, kind)
            .filter(|p| text(p, "order_digest").as_deref() == Some(order_digest))
            .filter_map(|p| text(p, "agreement_id"))
            .min()
    };
    under("guarantee").or_else(|| under("refusal"))
}

fn receipt_policy(bundle: &Bundle, report: &Report) -> Option<PolicyRef> {
    let cid = &bundle.claim.complaint_id;
    let fields = ["policy_id", "policy_version", "policy_digest"];
    let found = sorted(
        verified_items(bundle, report, "complaint_receipt")
            .filter(|p| names_complaint(p, cid))
            .filter_map(|p| policy_ref(p, fields)),
    );
    found.into_iter().next()
}

/// The policy reference in `p`'s fields named [id, version, digest].
fn policy_ref(p: &Value, [id, version, digest]: [&str; 3]) -> Option<PolicyRef> {
    Some(PolicyRef {
        id: text(p, id)?,
        version: u32::try_from(p.get(version)?.as_u64()?).ok()?,
        digest: text(p, digest)?,
    })
}

/// Policy references sorted, without repeats.
fn sorted(refs: impl Iterator<Item = PolicyRef>) -> Vec<PolicyRef> {
    let mut found: Vec<PolicyRef> = refs.collect();
    found.sort_by(|a, b| (&a.id, a.version, &a.digest).cmp(&(&b.id, b.version, &b.digest)));
    found.dedup();
    found
}

/// The newest verified entry (by log index) of agreement `id`.
fn agreement(registry: &[BundleItem], reports: &[ItemReport], id: &str) -> Option<Agreement> {
    let newest = entries(registry, reports, "agreement")
        .filter(|p| text(p, "agreement_id").as_deref() == Some(id))
        .max_by_key(|p| log_index(p))?;
    let p = newest;
    let cap = |f: &str| money(p, f).map(|m| m.minor);
    Some(Agreement {
        id: id.to_string(),
        buyer_id: text(p, "buyer_id")?,
        policy: serde_json::from_value(p.get("policy")?.clone()).ok()?,
        currency: serde_json::from_value(p.get("currency")?.clone()).ok()?,
        total_cap_minor: cap("total_cap")?,
        per_tx_cap_minor: cap("per_tx_cap")?,
        valid_from: at(p, "valid_from")?,
        valid_until: at(p, "valid_until")?,
        keys: serde_json::from_value(p.get("keys")?.clone()).ok()?,
        status: serde_json::from_value(p.get("status")?.clone()).ok()?,
        created_at: at(p, "created_at")?,
        log_index: log_index(p),
    })
}

/// The stand-in agreement of an exchange case: no keys, no caps, the policy applied.
fn no_agreement(claim: &Claim, policy: &Policy) -> Agreement {
    Agreement {
        id: NO_AGREEMENT.into(),
        buyer_id: claim.respondent.clone(),
        policy: policy.reference(),
        currency: claim.amount.currency,
        total_cap_minor: 0,
        per_tx_cap_minor: 0,
        valid_from: DateTime::UNIX_EPOCH,
        valid_until: DateTime::UNIX_EPOCH,
        keys: vec![],
        status: AgreementStatus::Ended,
        created_at: DateTime::UNIX_EPOCH,
        log_index: 0,
    }
}

/// The policy `recorded` names: the text of a registry `policy` entry that parses and hashes to
/// the recorded digest. The digest binds the text, so an entry whose signature fails still
/// gives it (`notar bundle verify` names the entry).
fn policy(registry: &[BundleItem], recorded: &PolicyRef) -> Result<Policy, ReplayError> {
    let mut why = format!(
        "{} version {} (digest {}) is not in the bundle's registry",
        recorded.id, recorded.version, recorded.digest
    );
    let candidates = registry.iter().filter_map(|i| match i {
        BundleItem::NotaryEnvelope { envelope, .. } if envelope.kind == "policy" => {
            Some(&envelope.payload)
        }
        _ => None,
    });
    for p in candidates {
        if text(p, "digest").as_deref() != Some(recorded.digest.as_str()) {
            continue;
        }
        let Some(body) = text(p, "text") else {
            continue;
        };
        match parse_policy(&format!("{}.toml", recorded.id), &body) {
            Ok(parsed) if parsed.digest == recorded.digest => return Ok(parsed),
            Ok(_) => why = "the logged policy text does not hash to the recorded digest".into(),
            Err(e) => why = format!("the logged policy text does not parse: {e}"),
        }
    }
    Err(ReplayError::Policy(why))
}
