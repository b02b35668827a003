//! The counter-claim of a bundle (`claim.counter_claim`, docs/formats.md "Evidence bundle"): what
//! the respondent claims back in its answer, checked offline like the claim is. A verified
//! `complaint_response_receipt` of the claim's complaint must state it (kind, amount, the two
//! parties, `received_at` as its `filed_at`), and the verified `complaint_response` the receipt
//! names by digest must carry it (kind and amount).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::format::{hex_sha256, names_complaint, Bundle, Item};
use super::verify::{ClaimFacts, ItemReport};
use crate::model::canonical::signing_bytes;
use crate::model::money::Money;

/// The respondent's counter-claim: against the claimant, about the claim's subject.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CounterClaim {
    /// `non_delivery`, `non_payment`, `not_as_described`, `contract_validity` or `other`.
    pub kind: String,
    /// Amount claimed from the claimant.
    pub amount: Money,
    /// When the notary received the answer carrying it (the response receipt's `received_at`).
    pub filed_at: String,
}

/// The verified notary envelope of `kind` in `items` for the claim's complaint, with its id.
fn verified<'a>(
    bundle: &'a Bundle,
    reports: &[ItemReport],
    kind: &str,
    party: bool,
) -> Vec<(String, &'a Value)> {
    bundle
        .items
        .iter()
        .zip(reports)
        .filter_map(|(item, r)| {
            let env = match item {
                Item::NotaryEnvelope { envelope, .. } if !party => envelope,
                Item::PartyEnvelope { envelope, .. } if party => envelope,
                _ => return None,
            };
            // The kind first: most items are of another, and their payload is not looked into.
            let ours = || names_complaint(&env.payload, &bundle.claim.complaint_id);
            (r.ok && env.kind == kind && ours()).then(|| (r.id.clone(), &env.payload))
        })
        .collect()
}

fn failed(reason: &str, receipt: Option<String>) -> ClaimFacts {
    ClaimFacts {
        ok: false,
        reason: Some(reason.into()),
        receipt,
        unshown: false,
    }
}

/// Failed for want of a verified record (left out, or failing its checks).
fn unshown(reason: &str, receipt: Option<String>) -> ClaimFacts {
    ClaimFacts {
        unshown: true,
        ..failed(reason, receipt)
    }
}

/// A bundle stating no counter-claim while a verified response receipt states one: the
/// counter-claim's part of the ruling would vanish unseen.
fn left_out(receipts: &[(String, &Value)]) -> Option<ClaimFacts> {
    let stated = receipts
        .iter()
        .find(|(_, p)| p.get("counter_claim").is_some_and(|c| !c.is_null()));
    stated.map(|(id, _)| {
        failed(
            "the notary's response receipt states a counter-claim the bundle's claim leaves out",
            Some(id.clone()),
        )
    })
}

/// The bundle's counter-claim checked against the response receipt and the response; `None`
/// when neither the bundle nor a verified response receipt states one.
pub(super) fn check_counter_claim(bundle: &Bundle, reports: &[ItemReport]) -> Option<ClaimFacts> {
    let receipts = verified(bundle, reports, "complaint_response_receipt", false);
    let Some(cc) = bundle.claim.counter_claim.as_ref() else {
        return left_out(&receipts);
    };
    let Some((id, p)) = receipts.into_iter().next() else {
        return Some(unshown(
            "no verified complaint_response_receipt for the claim's complaint",
            None,
        ));
    };
    let s = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    let stated = p.get("counter_claim");
    let amount = |v: Option<&Value>| {
        v.and_then(|c| c.get("amount"))
            .and_then(|a| serde_json::from_value::<Money>(a.clone()).ok())
    };
    let kind = |v: Option<&Value>| v.and_then(|c| s(c, "kind"));
    let c = &bundle.claim;
    let differs = [
        ("kind", kind(stated) != Some(cc.kind.clone())),
        ("amount", amount(stated) != Some(cc.amount)),
        ("filed_at", s(p, "received_at") != Some(cc.filed_at.clone())),
        ("claimant", s(p, "claimant") != Some(c.claimant.clone())),
        (
            "respondent",
            s(p, "respondent") != Some(c.respondent.clone()),
        ),
    ];
    let wrong: Vec<&str> = differs.iter().filter(|d| d.1).map(|d| d.0).collect();
    if !wrong.is_empty() {
        let why = format!(
            "the counter-claim's {} {} from the notary's response receipt",
            wrong.join(", "),
            if wrong.len() == 1 {
                "differs"
            } else {
                "differ"
            }
        );
        return Some(failed(&why, Some(id)));
    }
    let digest = s(p, "response_digest");
    let response = verified(bundle, reports, "complaint_response", true)
        .into_iter()
        .find(|(_, r)| {
            let d = signing_bytes("complaint_response", r).map(|b| hex_sha256(&b));
            d.ok().is_some_and(|d| Some(d) == digest)
        });
    let Some((_, r)) = response else {
        return Some(unshown(
            "no verified complaint_response with the receipt's response_digest",
            Some(id),
        ));
    };
    let carried = r.get("counter_claim");
    if kind(carried) != Some(cc.kind.clone()) || amount(carried) != Some(cc.amount) {
        return Some(failed(
            "the respondent's signed response does not carry this counter-claim",
            Some(id),
        ));
    }
    Some(ClaimFacts {
        ok: true,
        reason: None,
        receipt: Some(id),
        unshown: false,
    })
}
