//! Disputes (docs/design.md §6.5): a pure rule engine that decides a claim from evidence.
//!
//! [`adjudicate`] takes the claim, the evidence items as facts (the verifying layer checked
//! signatures, digests and inclusion proofs and says what it found in [`Facts`]), the registry
//! as of the relevant times, the agreement and the policy version it recorded, and returns a
//! [`Ruling`]: step 0 admissibility of each item, step 1 time bounds, step 2 the questions
//! Q1–Q8 each with a rule id and the evidence it rests on, step 3 the allocation and actions.
//! No I/O, no clock, no randomness, no cryptography: the same facts give the same ruling bytes
//! whatever their order and however often an item repeats.

mod admit;
mod allocate;
mod bounds;
mod case;
mod counter;
mod q_exchange;
mod q_order;
mod ruling;
mod ruling_diff;
mod types;

use std::collections::BTreeMap;

pub use ruling::{Action, Allocation, Bound, Finding, ItemRecord, Question, Ruling, RULES_VERSION};
pub use ruling_diff::changes;

/// The id of the stand-in agreement of an exchange case: its policy is the one the notary's
/// complaint receipt recorded (`[exchanges] policy`), no agreement's.
pub const NO_AGREEMENT: &str = "none";
pub use types::{
    Claim, ClaimSubject, Content, Facts, GuaranteeRecord, Item, Registry, Role, Signer,
};

use crate::model::canonical::to_canonical_json;
use crate::model::exchange::WireTime;
use crate::model::policy::Policy;
use crate::model::registry::Agreement;
use admit::{admit, Admission};
use allocate::{actions, allocate, Answers};
use bounds::{bounds, Bounds};
use case::{finding, Case};
pub use counter::{adjudicate_with_counter, counter_claim_of};

/// Decides `claim` on `items` under the agreement and the policy version it recorded.
pub fn adjudicate(
    claim: &Claim,
    items: &[Item],
    registry: &Registry,
    agreement: &Agreement,
    policy: &Policy,
) -> Ruling {
    let distinct = distinct(items);
    let by_id: BTreeMap<&str, &Item> = distinct.iter().map(|i| (i.id.as_str(), *i)).collect();
    let admissions: Vec<(&Item, Admission)> = distinct
        .iter()
        .map(|i| (*i, admit(i, &by_id, registry)))
        .collect();
    let admitted: Vec<&Item> = admissions
        .iter()
        .filter(|(_, a)| a.admissible)
        .map(|(i, _)| *i)
        .collect();
    // An item the notary signed but did not log binds the notary, yet bounds nobody's time:
    // a notary fault must not move a party's signing time.
    let timed: Vec<&Item> = admissions
        .iter()
        .filter(|(_, a)| a.admissible && !a.notary_fault)
        .map(|(i, _)| *i)
        .collect();
    let refused: Vec<&Item> = admissions
        .iter()
        .filter(|(_, a)| !a.admissible)
        .map(|(i, _)| *i)
        .collect();
    let case = Case {
        claim,
        registry,
        agreement,
        policy,
        bounds: bounds(&timed),
        items: admitted,
        refused,
    };
    let policy_ok = agreement.policy == policy.reference();
    let mut findings = vec![policy_finding(&case, policy_ok)];
    findings.extend(
        admissions
            .iter()
            .filter_map(|(i, a)| admission_finding(i, a)),
    );
    let mut faults: Vec<String> = admissions
        .iter()
        .filter(|(_, a)| a.notary_fault)
        .map(|(i, _)| i.id.clone())
        .collect();
    let answers = questions(&case, policy_ok, &mut findings, &mut faults);
    let allocation = allocate(&case, &answers);
    let actions = actions(&case, &answers, &allocation, &faults);
    Ruling {
        rules_version: RULES_VERSION.to_string(),
        policy: policy.reference(),
        agreement: agreement.id.clone(),
        claim: claim.clone(),
        items: timeline(&admissions, case.bounds),
        findings,
        allocation,
        actions,
        counter_claim: None,
    }
}

/// Step 2: Q1–Q8 in order; each pushes its finding.
fn questions<'a>(
    case: &Case<'a>,
    policy_ok: bool,
    findings: &mut Vec<Finding>,
    faults: &mut Vec<String>,
) -> Answers<'a> {
    let (f1, order, deal) = q_order::q1(case);
    let wrong_side = f1.rule_id == "Q1.wrong_side";
    let (f2, key_at) = q_order::q2(case, order);
    let (f3, cover) = q_order::q3(case, order);
    let held = q_order::q3_held(case, cover.as_ref());
    let (f4, binds) = q_order::q4(case, order, cover.as_ref(), key_at);
    let (f5, delivery) = q_exchange::q5(case, deal);
    let (f6, paid) = q_exchange::q6(case, order, cover.as_ref().map(|c| c.item));
    let (f7, contract, contract_faults) = q_exchange::q7(case, order);
    let (f8, within) = q_exchange::q8(case, deal);
    findings.extend([f1, f2, f3].into_iter().chain(held));
    findings.extend([f4, f5, f6, f7, f8]);
    faults.extend(contract_faults);
    Answers {
        policy_ok,
        wrong_side,
        order,
        deal,
        key_at,
        cover,
        binds,
        delivery,
        paid,
        contract,
        within,
    }
}

/// Every item once, sorted by id. Copies under one id that differ (an edited copy beside the
/// genuine item: real bytes cannot) keep one whose signature verified first, so a corrupted
/// copy cannot displace the genuine one, then the smallest canonical form, so the choice does
/// not depend on order; the canonical forms are made only for such copies.
fn distinct(items: &[Item]) -> Vec<&Item> {
    let mut sorted: Vec<&Item> = items.iter().collect();
    sorted.sort_by(|a, b| a.id.cmp(&b.id));
    sorted
        .chunk_by(|a, b| a.id == b.id)
        .filter_map(|copies| match copies {
            [one] => Some(*one),
            _ => copies
                .iter()
                .min_by_key(|i| {
                    let form = to_canonical_json(**i).unwrap_or_default();
                    (!i.facts.signature_valid, form)
                })
                .copied(),
        })
        .collect()
}

fn policy_finding(case: &Case, ok: bool) -> Finding {
    let (policy, agreement) = (case.policy, case.agreement);
    let applied = format!("{} version {}", policy.id, policy.version);
    let receipt = case.find(|i| matches!(i.content, Content::ComplaintReceipt { .. }));
    if ok && agreement.id == NO_AGREEMENT && receipt.is_none() {
        // The replay took the policy from elsewhere in the bundle (and said so).
        let answer = format!(
            "{applied}: no admissible complaint receipt records the policy of this exchange case"
        );
        finding(Question::P, "P.recorded", answer, &[])
    } else if ok && agreement.id == NO_AGREEMENT {
        let answer = format!("{applied}, as the complaint receipt recorded (an exchange case)");
        finding(Question::P, "P.recorded", answer, &[])
    } else if ok {
        let answer = format!("{applied}, as agreement {} recorded", agreement.id);
        finding(Question::P, "P.recorded", answer, &[])
    } else {
        let recorded = &agreement.policy;
        let answer = format!(
            "{applied} is not what agreement {} recorded ({} version {}): nothing is allocated",
            agreement.id, recorded.id, recorded.version
        );
        finding(Question::P, "P.mismatch", answer, &[])
    }
}

/// A finding for an item the rules may not rest on, or one that shows a notary fault.
fn admission_finding(item: &Item, a: &Admission) -> Option<Finding> {
    let answer = match (a.admissible, a.notary_fault) {
        (true, false) => return None,
        (true, true) => format!(
            "the notary signed this {} but its log does not hold it: the notary's fault",
            item.content.what()
        ),
        (false, _) => format!("this {} is inadmissible", item.content.what()),
    };
    Some(finding(Question::A0, a.rule_id, answer, &[&item.id]))
}

/// The items by time (the latest bound, else the earliest, else last), then id.
/// `admissions` are distinct and in id order ([`distinct`]) and `bounds` is keyed by a subset
/// of their ids in that same order, so one walk pairs each item with its bounds, and a sort of
/// `(no time, time, position)` orders by time, then id. The records are made in that order:
/// the sort moves small keys, not records.
fn timeline(admissions: &[(&Item, Admission)], bounds: BTreeMap<&str, Bounds>) -> Vec<ItemRecord> {
    let mut bounds = bounds.into_iter().peekable();
    let mut paired: Vec<Option<Bounds>> = admissions
        .iter()
        .map(|(item, _)| bounds.next_if(|(id, _)| *id == item.id).map(|(_, b)| b))
        .collect();
    debug_assert!(bounds.next().is_none(), "bounds of an item not admitted");
    let mut order: Vec<(bool, Option<WireTime>, usize)> = paired
        .iter()
        .enumerate()
        .map(|(n, b)| {
            let b = b.as_ref();
            let at = b.and_then(|b| b.latest.as_ref().or(b.earliest.as_ref()));
            let at = at.map(|b| b.at);
            (at.is_none(), at, n)
        })
        .collect();
    order.sort_unstable();
    order
        .into_iter()
        .map(|(_, _, n)| {
            let (item, a) = &admissions[n];
            let b = paired[n].take().unwrap_or_default();
            ItemRecord {
                id: item.id.clone(),
                what: item.content.what().to_string(),
                admissible: a.admissible,
                rule_id: a.rule_id.to_string(),
                earliest: b.earliest,
                latest: b.latest,
            }
        })
        .collect()
}

#[cfg(test)]
mod counter_tests;
#[cfg(test)]
mod fixture;
#[cfg(test)]
mod rows_tests;
#[cfg(test)]
mod tests;
