//! Counter-claims: decided in the same ruling by the same rules, the parties swapped.

use super::fixture::*;
use super::rows_tests::{d1, d9, rule, Row};
use super::*;
use crate::model::complaint::ComplaintKind;
use crate::model::policy::UncoveredRule;

/// The row's claim and, when given, a counter-claim of `kind` for `minor` filed at `filed`.
fn rule_with(row: &Row, counter: Option<(ComplaintKind, i64, &str)>) -> Ruling {
    let p = policy(UncoveredRule::Capped);
    let cc = counter
        .map(|(kind, minor, filed)| counter_claim_of(&row.claim, kind, eur(minor), wt(filed)));
    adjudicate_with_counter(
        &row.claim,
        &row.items,
        cc.as_ref().map(|c| (c, row.items.as_slice())),
        &registry(row.guarantees.clone()),
        &agreement(&p),
        &p,
    )
}

fn without_receipt(mut row: Row) -> Row {
    row.items.retain(|i| i.id != id("e1"));
    row
}

#[test]
fn without_a_counter_claim_the_ruling_and_its_bytes_are_unchanged() {
    for row in [d1(), d9(), without_receipt(d1())] {
        let plain = rule(&row, UncoveredRule::Capped);
        let with = rule_with(&row, None);
        assert_eq!(with, plain);
        assert_eq!(with.to_canonical_json(), plain.to_canonical_json());
        let text = String::from_utf8(with.to_canonical_json()).expect("utf-8");
        assert!(!text.contains("counter_claim"), "{text}");
    }
}

/// Sally claims payment on guarantee g-d1; bob answers that nothing was delivered. His receipt
/// of the goods decides both: he pays, and gets nothing back.
#[test]
fn a_counter_claim_is_decided_with_its_own_findings_and_allocation() {
    let r = rule_with(
        &d1(),
        Some((
            ComplaintKind::NonDelivery,
            30_000,
            "2026-03-21T10:00:00.000Z",
        )),
    );
    let plain = rule(&d1(), UncoveredRule::Capped);
    assert_eq!(r.findings, plain.findings);
    assert_eq!(r.allocation, plain.allocation);
    let c = r
        .counter_claim
        .as_deref()
        .expect("the counter-claim is decided");
    // The same evidence, read the same way; the parties swapped, its own filing time, and
    // nothing owed back: bob signed a receipt of the goods.
    let expected = render(&plain)
        .replace(
            "claim non_payment sally->bob",
            "claim non_delivery bob->sally",
        )
        .replace("2026-03-20T09:00:00.000Z", "2026-03-21T10:00:00.000Z")
        .replace("buyer_pays 300.00 EUR", "buyer_pays 0.00 EUR")
        .replace("\nhold_guarantee g-d1", "");
    assert_eq!(render(c), expected);
    assert!(render(c).contains("Q5 Q5.goods_receipt"));
    // Filed on its own, bob's claim does not free the guarantee either: his receipt shows the
    // goods delivered and nothing shows them paid for, so sally still needs it.
    let alone = rule_with(
        &Row {
            claim: counter_claim_of(
                &d1().claim,
                ComplaintKind::NonDelivery,
                eur(30_000),
                wt("2026-03-21T10:00:00.000Z"),
            ),
            ..d1()
        },
        None,
    );
    assert!(alone.actions.is_empty(), "{:?}", alone.actions);
    assert!(c.actions.is_empty(), "{:?}", c.actions);
    // The claim's part holds the guarantee bob is ruled to pay under; the counter-claim's
    // part does nothing.
    let hold = Action::HoldGuarantee {
        guarantee_id: "g-d1".into(),
    };
    assert_eq!(r.all_actions(), vec![&hold]);
    let text = String::from_utf8(r.to_canonical_json()).expect("utf-8");
    assert!(text.contains(r#""counter_claim":{"#), "{text}");
    let back: Ruling = serde_json::from_str(&text).expect("a ruling reads back");
    assert_eq!(back, r);
}

/// Nothing shows delivery: neither part allocates anything; both release the guarantee, and
/// signing runs that action once.
#[test]
fn the_actions_of_both_parts_run_once() {
    let r = rule_with(
        &without_receipt(d1()),
        Some((
            ComplaintKind::NonDelivery,
            30_000,
            "2026-03-21T10:00:00.000Z",
        )),
    );
    let release = Action::ReleaseGuarantee {
        guarantee_id: "g-d1".into(),
    };
    let c = r.counter_claim.as_deref().expect("counter-claim");
    assert_eq!(r.actions, vec![release.clone()]);
    assert_eq!(c.actions, vec![release.clone()]);
    assert_eq!(r.all_actions(), vec![&release]);
}

/// The counter-claim's window runs to its own filing: filed too late, it is out of time while
/// the claim is decided.
#[test]
fn a_late_counter_claim_is_out_of_its_window() {
    let r = rule_with(
        &d1(),
        Some((
            ComplaintKind::NotAsDescribed,
            5_000,
            "2026-09-01T10:00:00.000Z",
        )),
    );
    assert_eq!(r.allocation.buyer_pays.minor, 30_000);
    let c = r.counter_claim.as_deref().expect("counter-claim");
    assert_eq!(c.claim.claimant, "bob");
    assert_eq!(c.claim.respondent, "sally");
    let q8 = c.findings.last().expect("Q8");
    assert_eq!(q8.rule_id, "Q8.expired");
}
