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
    assert_eq!(
        render(c),
        r#"
notar-rules/1 semper-consumer v1 f127e843 ag-bob
claim non_delivery bob->sally Guarantee("g-d1") 300.00 EUR 2026-03-21T10:00:00.000Z
item a1 order true A0.admitted | - | 2026-03-01T10:00:01.000Z T.timestamp c1
item c1 timestamp true A0.notary_logged | 2026-03-01T09:59:59.000Z T.notary_time c1 | 2026-03-01T10:00:01.000Z T.notary_time c1
item b1 guarantee true A0.notary_logged | 2026-03-01T10:00:05.000Z T.notary_time b1 | 2026-03-01T10:00:05.000Z T.notary_time b1
item e1 goods_receipt true A0.admitted | - | -
P P.recorded [] semper-consumer version 1, as agreement ag-bob recorded
Q1 Q1.valid [a1] order of 300.00 EUR signed by bob with key kb1
Q2 Q2.before_revocation [a1,c1] signed by 2026-03-01T10:00:01.000Z at the latest, before the revocation registered at 2026-03-10T12:00:00.000Z
Q3 Q3.valid [b1] guarantee g-d1 covers the order
Q4 Q4.covered [] the guarantee covers the order
Q5 Q5.goods_receipt [e1] bob signed a receipt of the goods
Q6 Q6.not_shown [] nothing shows a payment by bob
Q7 Q7.not_applicable [] no contract exchange
Q8 Q8.within_window [a1,c1] filed 2026-03-21T10:00:00.000Z within the window ending 2026-05-30T10:00:01.000Z
buyer_pays 0.00 EUR notary_pays 0.00 EUR seller_bears 0.00 EUR refund_to_buyer 0.00 EUR
"#
        .trim()
    );
    // On its own the counter-claim would free the guarantee; the claim draws on it.
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
    assert_eq!(
        alone.actions,
        vec![Action::ReleaseGuarantee {
            guarantee_id: "g-d1".into()
        }]
    );
    assert!(c.actions.is_empty(), "{:?}", c.actions);
    assert!(r.all_actions().is_empty());
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
