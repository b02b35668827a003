//! Admissibility rules, time-bound rules and questions beyond the scenario rows; determinism
//! and robustness as properties.

use proptest::prelude::*;

use super::fixture::*;
use super::rows_tests::{d1, d10, d11, d2, d4, d5, d7, d9, rule, Row};
use super::*;
use crate::model::complaint::ComplaintKind;
use crate::model::exchange::{Protocol, WireTime};
use crate::model::policy::UncoveredRule;

fn rule_ids(r: &Ruling) -> Vec<(String, Vec<String>)> {
    r.findings
        .iter()
        .map(|f| (f.rule_id.clone(), f.evidence_ids.clone()))
        .collect()
}

fn has(r: &Ruling, rule_id: &str, evidence: &[&str]) -> bool {
    let ids: Vec<String> = evidence.iter().map(|l| id(l)).collect();
    rule_ids(r).contains(&(rule_id.to_string(), ids))
}

fn item_rule(r: &Ruling, label: &str) -> (bool, String) {
    let rec = r
        .items
        .iter()
        .find(|i| i.id == id(label))
        .expect("the item is on the timeline");
    (rec.admissible, rec.rule_id.clone())
}

fn alloc(r: &Ruling) -> [i64; 4] {
    let a = &r.allocation;
    [
        a.buyer_pays.minor,
        a.notary_pays.minor,
        a.seller_bears.minor,
        a.refund_to_buyer.minor,
    ]
}

fn with(mut row: Row, label: &str, f: impl Fn(&mut Item)) -> Row {
    let item = row
        .items
        .iter_mut()
        .find(|i| i.id == id(label))
        .expect("the row has it");
    f(item);
    row
}

#[test]
fn a_bad_signature_makes_the_item_inadmissible_by_id() {
    let r = rule(
        &with(d1(), "e1", |i| i.facts.signature_valid = false),
        UncoveredRule::Capped,
    );
    assert_eq!(item_rule(&r, "e1"), (false, "A0.bad_signature".into()));
    assert!(has(&r, "A0.bad_signature", &["e1"]));
    // Without the receipt nothing shows delivery: nothing owed, the guarantee released.
    assert!(has(&r, "Q5.not_shown", &[]));
    assert_eq!(alloc(&r), [0, 0, 0, 0]);
    assert_eq!(
        r.actions,
        vec![Action::ReleaseGuarantee {
            guarantee_id: "g-d1".into()
        }]
    );
}

#[test]
fn a_notary_item_the_log_contradicts_is_the_notarys_fault() {
    let r = rule(
        &with(d1(), "b1", |i| i.facts.in_log = Some(false)),
        UncoveredRule::Capped,
    );
    assert_eq!(item_rule(&r, "b1"), (true, "A0.not_in_log".into()));
    let b1 = r.items.iter().find(|i| i.id == id("b1")).expect("b1");
    assert_eq!(
        (&b1.earliest, &b1.latest),
        (&None, &None),
        "an unlogged item bounds no time"
    );
    assert!(has(&r, "A0.not_in_log", &["b1"]));
    assert_eq!(alloc(&r), [30_000, 0, 0, 0]);
    let hold = Action::HoldGuarantee {
        guarantee_id: "g-d1".into(),
    };
    let flag = Action::FlagNotaryFault { item: id("b1") };
    assert_eq!(r.actions, vec![hold, flag]);
}

#[test]
fn a_notary_item_without_a_checked_proof_is_inadmissible() {
    let r = rule(
        &with(d1(), "b1", |i| i.facts.in_log = None),
        UncoveredRule::Capped,
    );
    assert_eq!(item_rule(&r, "b1"), (false, "A0.no_inclusion_proof".into()));
    // The claim names that guarantee: with it out, no order is shown under it.
    assert!(has(&r, "Q1.no_order", &[]));
}

#[test]
fn a_notary_kind_signed_by_a_party_key_is_inadmissible() {
    let r = rule(
        &with(d1(), "b1", |i| i.facts.signer = Some("kb1".into())),
        UncoveredRule::Capped,
    );
    assert_eq!(item_rule(&r, "b1"), (false, "A0.not_notary_key".into()));
}

#[test]
fn unknown_keys_other_parties_and_missing_signatures_are_inadmissible() {
    let r = rule(
        &with(d1(), "a1", |i| i.facts.signer = Some("kx".into())),
        UncoveredRule::Capped,
    );
    assert_eq!(item_rule(&r, "a1"), (false, "A0.unknown_key".into()));
    assert!(has(&r, "Q1.no_order", &[]));
    let r = rule(
        &with(d1(), "a1", |i| i.facts.signer = Some("ks1".into())),
        UncoveredRule::Capped,
    );
    assert_eq!(item_rule(&r, "a1"), (false, "A0.wrong_signer".into()));
    let r = rule(
        &with(d1(), "e1", |i| i.facts.signer = None),
        UncoveredRule::Capped,
    );
    assert_eq!(item_rule(&r, "e1"), (false, "A0.unsigned".into()));
    let r = rule(
        &with(d1(), "e1", |i| i.id = "E1".into()),
        UncoveredRule::Capped,
    );
    assert!(r
        .findings
        .iter()
        .any(|f| f.rule_id == "A0.malformed_id" && f.evidence_ids == ["E1"]));
}

#[test]
fn an_order_between_other_parties_is_not_valid_for_the_claim() {
    let mut row = d1();
    row.claim.claimant = "eve".into();
    let r = rule(&row, UncoveredRule::Capped);
    assert!(has(&r, "Q1.other_parties", &["a1"]));
    // Nor is its buyer's receipt a delivery to the claimant, nor its time the claim's.
    assert!(has(&r, "Q5.not_shown", &[]));
    assert!(has(&r, "Q8.undetermined", &[]));
    assert_eq!(alloc(&r), [0, 0, 0, 0]);
}

#[test]
fn an_order_that_binds_nothing_still_shows_its_goods_delivered_and_its_time() {
    // D4's order in another currency: it binds nothing (Q1), but its buyer signed a receipt
    // of its goods, and it was stamped: the seller delivered. Claimed in EUR, a currency the
    // order is not in, nothing is weighed: the claimant's own figure proves nothing (before,
    // the seller "bore" whatever was claimed).
    let usd = crate::model::money::Currency::parse("USD").expect("USD");
    let row = with(d4(), "a4", |i| {
        if let Content::Order { amount, .. } = &mut i.content {
            amount.currency = usd;
        }
    });
    let r = rule(&row, UncoveredRule::Capped);
    assert!(has(&r, "Q1.currency_mismatch", &["a4"]));
    assert!(has(&r, "Q5.goods_receipt", &["e4"]), "{}", render(&r));
    assert!(has(&r, "Q8.within_window", &["a4", "c4"]), "{}", render(&r));
    assert_eq!(alloc(&r), [0, 0, 0, 0]);
    let mut more = row.clone();
    more.claim.amount.minor = 2_000_000;
    assert_eq!(alloc(&rule(&more, UncoveredRule::Capped)), [0, 0, 0, 0]);
    // Claimed in the order's own currency: still not under the agreement's caps (in EUR), so
    // nothing is weighed against them; the seller bears it in the currency claimed.
    let mut in_usd = row.clone();
    in_usd.claim.amount.currency = usd;
    let r = rule(&in_usd, UncoveredRule::Capped);
    let q1 = r.findings.iter().find(|f| f.question == Question::Q1);
    assert_eq!(
        q1.map(|f| (f.rule_id.as_str(), f.answer.as_str())),
        Some((
            "Q1.currency_mismatch",
            "the order is in USD, the agreement's caps in EUR"
        )),
        "{}",
        render(&r)
    );
    assert_eq!(alloc(&r), [0, 0, 80_000, 0]);
    assert_eq!(r.allocation.seller_bears.currency, usd);
    // Claimed for more than the order: the order's amount, not the claimant's figure.
    in_usd.claim.amount.minor = 2_000_000;
    assert_eq!(
        alloc(&rule(&in_usd, UncoveredRule::Capped)),
        [0, 0, 80_000, 0]
    );
    // An order under another agreement is the same deal, binding nothing.
    let row = with(d4(), "a4", |i| {
        if let Content::Order { agreement, .. } = &mut i.content {
            *agreement = "ag-other".into();
        }
    });
    let r = rule(&row, UncoveredRule::Capped);
    assert!(has(&r, "Q1.not_under_agreement", &["a4"]));
    assert!(has(&r, "Q5.goods_receipt", &["e4"]));
    assert_eq!(alloc(&r), [0, 0, 80_000, 0]);
}

#[test]
fn an_inadmissible_refusal_is_named_not_taken_for_no_request() {
    let r = rule(
        &with(d2(), "f2", |i| i.facts.signature_valid = false),
        UncoveredRule::Capped,
    );
    assert!(has(&r, "Q3.none", &["a2", "f2"]), "{}", render(&r));
    let q3 = r.findings.iter().find(|f| f.rule_id == "Q3.none");
    assert!(
        q3.is_some_and(|f| f.answer.ends_with("this refusal is inadmissible")),
        "{}",
        render(&r)
    );
}

#[test]
fn an_inadmissible_guarantee_names_no_order() {
    let r = rule(
        &with(d1(), "b1", |i| i.facts.signature_valid = false),
        UncoveredRule::Capped,
    );
    assert!(has(&r, "A0.bad_signature", &["b1"]));
    let q1 = r.findings.iter().find(|f| f.rule_id == "Q1.no_order");
    assert_eq!(
        q1.map(|f| f.answer.as_str()),
        Some("no admissible order: no admissible guarantee g-d1 names one")
    );
    assert_eq!(alloc(&r), [0, 0, 0, 0]);
}

#[test]
fn a_party_claimed_time_proves_nothing() {
    // D2's order claims 2026-01-01, before the revocation; its embedded nonce says otherwise.
    let r = rule(&d2(), UncoveredRule::Capped);
    assert!(has(&r, "Q2.after_revocation", &["12", "a2"]));
    // Without the nonce and the timestamp nothing bounds it: undetermined, the seller bears it.
    let mut row = d2();
    row.items
        .retain(|i| i.id != id("12") && i.id != id("c2") && i.id != id("f2"));
    let r = rule(&row, UncoveredRule::Capped);
    assert!(has(&r, "Q2.undetermined", &["a2"]));
    assert!(has(&r, "Q4.undetermined", &["a2"]));
    // With only the nonce's bound before the revocation and the refusal's after it, both
    // are cited: they are why it is undetermined.
    let mut row = d2();
    let early = wt("2026-03-10T08:00:00.000Z");
    row.items.retain(|i| i.id != id("c2"));
    for i in row.items.iter_mut() {
        if let Content::Nonce { issued_at } = &mut i.content {
            *issued_at = early;
        }
    }
    let r = rule(&row, UncoveredRule::Capped);
    assert!(
        has(&r, "Q2.undetermined", &["12", "a2", "f2"]),
        "{}",
        render(&r)
    );
    assert_eq!(alloc(&r), [0, 0, 35_000, 0]);
}

#[test]
fn the_notarys_ingest_bounds_an_order_without_a_timestamp() {
    let mut row = d1();
    row.items.retain(|i| i.id != id("c1"));
    let r = rule(&row, UncoveredRule::Capped);
    let order = r.items.iter().find(|i| i.id == id("a1")).expect("order");
    let latest = order.latest.as_ref().expect("bounded by the guarantee");
    assert_eq!(
        (latest.rule_id.as_str(), latest.by.as_str()),
        ("T.embedded_by", id("b1").as_str())
    );
    assert!(has(&r, "Q2.before_revocation", &["a1", "b1"]));
}

#[test]
fn a_guarantee_issued_after_the_revocation_is_the_notarys_to_pay() {
    let mut row = d2();
    row.items.retain(|i| i.id != id("f2"));
    row.items.push(guarantee(
        "b2",
        "g-d2",
        35_000,
        "2026-03-11T09:00:02.000Z",
        "a2",
    ));
    let r = rule(&row, UncoveredRule::Capped);
    assert!(has(&r, "Q3.issued_after_revocation", &["b2"]));
    assert_eq!(alloc(&r), [0, 35_000, 0, 0]);
    // Up to the guarantee's amount; the rest is the seller's.
    let mut small = row;
    small.items.retain(|i| i.id != id("b2"));
    small.items.push(guarantee(
        "b2",
        "g-d2",
        20_000,
        "2026-03-11T09:00:02.000Z",
        "a2",
    ));
    assert_eq!(
        alloc(&rule(&small, UncoveredRule::Capped)),
        [0, 20_000, 15_000, 0]
    );
    assert_eq!(r.actions, vec![Action::FlagNotaryFault { item: id("b2") }]);
}

/// D1: bob is ruled to pay under the guarantee, so the ruling holds it for sally (N2: the
/// expiry scan released it and her settle got `already_released`). A guarantee the evidence
/// shows settled is not held again, and a buyer who owes nothing leaves nothing to hold.
#[test]
fn a_guarantee_the_buyer_is_ruled_to_pay_under_is_held() {
    let r = rule(&d1(), UncoveredRule::Capped);
    assert_eq!(alloc(&r), [30_000, 0, 0, 0]);
    let hold = Action::HoldGuarantee {
        guarantee_id: "g-d1".into(),
    };
    assert_eq!(r.actions, vec![hold]);
    let mut settled = d1();
    let at = wt("2026-03-15T10:00:00.000Z");
    let content = Content::Settlement {
        guarantee_id: "g-d1".into(),
        at,
    };
    settled.items.push(notary("5e7", content, &[]));
    let r = rule(&settled, UncoveredRule::Capped);
    assert_eq!(r.actions, vec![], "{:?}", alloc(&r));
    let mut unpaid_for = d1();
    unpaid_for.items.retain(|i| i.id != id("e1"));
    let r = rule(&unpaid_for, UncoveredRule::Capped);
    assert_eq!(alloc(&r), [0, 0, 0, 0]);
    assert!(!r
        .actions
        .iter()
        .any(|a| matches!(a, Action::HoldGuarantee { .. })));
}

/// F1: an earlier case's ruling that holds the guarantee (its `hold_guarantee` found it
/// outstanding) stands: a later case in which nothing shows delivery neither releases it nor
/// holds it again; a ruling that only mentions it, or a forged one, changes nothing.
#[test]
fn a_guarantee_an_earlier_ruling_holds_is_not_released_by_a_later_case() {
    let earlier = |held: Vec<String>| Content::Ruling {
        released: vec![],
        held,
        decided_at: wt("2026-03-20T10:00:00.000Z"),
    };
    let mut undelivered = d1();
    undelivered.items.retain(|i| i.id != id("e1"));
    let release = vec![Action::ReleaseGuarantee {
        guarantee_id: "g-d1".into(),
    }];
    assert_eq!(rule(&undelivered, UncoveredRule::Capped).actions, release);
    let mut held = undelivered.clone();
    held.items
        .push(notary("7e1", earlier(vec!["g-d1".into()]), &[]));
    let r = rule(&held, UncoveredRule::Capped);
    assert_eq!(alloc(&r), [0, 0, 0, 0]);
    assert_eq!(r.actions, vec![], "the earlier hold stands");
    assert!(
        has(&r, "Q3.held_by_ruling", &["7e1"]),
        "the ruling says why"
    );
    let mut settled = held.clone();
    let content = Content::Settlement {
        guarantee_id: "g-d1".into(),
        at: wt("2026-03-25T10:00:00.000Z"),
    };
    settled.items.push(notary("5e7", content, &[]));
    let r = rule(&settled, UncoveredRule::Capped);
    assert!(
        !r.findings.iter().any(|f| f.rule_id == "Q3.held_by_ruling"),
        "settled since: no longer held"
    );
    let mut other = undelivered.clone();
    other
        .items
        .push(notary("7e1", earlier(vec!["g-other".into()]), &[]));
    let r = rule(&other, UncoveredRule::Capped);
    assert_eq!(r.actions, release);
    assert!(!r.findings.iter().any(|f| f.rule_id == "Q3.held_by_ruling"));
    let forged = with(held.clone(), "7e1", |i| i.facts.signature_valid = false);
    assert_eq!(rule(&forged, UncoveredRule::Capped).actions, release);
    let mut again = d1();
    again
        .items
        .push(notary("7e1", earlier(vec!["g-d1".into()]), &[]));
    let r = rule(&again, UncoveredRule::Capped);
    assert_eq!(alloc(&r), [30_000, 0, 0, 0]);
    assert_eq!(r.actions, vec![], "held once, by the earlier ruling");
}

#[test]
fn a_claim_after_the_dispute_window_gets_nothing() {
    let mut row = d4();
    row.claim.filed_at = wt("2026-06-01T00:00:00.000Z");
    let r = rule(&row, UncoveredRule::Capped);
    assert!(has(&r, "Q8.expired", &["a4", "c4"]));
    assert_eq!(alloc(&r), [0, 0, 0, 0]);
}

#[test]
fn another_policy_than_the_agreement_recorded_allocates_nothing() {
    let row = d4();
    let capped = policy(UncoveredRule::Capped);
    let strict = policy(UncoveredRule::Strict);
    let r = adjudicate(
        &row.claim,
        &row.items,
        &registry(vec![]),
        &agreement(&capped),
        &strict,
    );
    assert_eq!(r.findings[0].rule_id, "P.mismatch");
    assert_eq!(r.policy, strict.reference());
    assert_eq!(alloc(&r), [0, 0, 0, 0]);
}

#[test]
fn contract_status_standard_undecided_unaccepted_and_double_decisions() {
    let reveal = |label: &str, role: Role, matches: bool| Item {
        id: id(label),
        content: Content::NonceReveal {
            tid: id("10"),
            role,
            matches,
        },
        embeds: vec![],
        facts: Facts {
            signature_valid: false,
            misnamed: false,
            unproven: false,
            signer: None,
            in_log: None,
        },
    };
    let mut row = d10();
    row.items.retain(|i| i.id != id("d10"));
    let r = rule(&row, UncoveredRule::Capped);
    assert!(has(&r, "Q7.undecided", &["a10", "b10"]));
    assert_eq!(r.actions, vec![Action::ResolveExchange { tid: id("10") }]);
    row.items.extend([
        reveal("e10", Role::Originator, true),
        reveal("f10", Role::Responder, true),
    ]);
    let r = rule(&row, UncoveredRule::Capped);
    assert!(has(
        &r,
        "Q7.standard_contract",
        &["a10", "b10", "e10", "f10"]
    ));
    row.items.push(reveal("e10", Role::Originator, false));
    row.items.retain(|i| {
        i.id != id("e10") || matches!(i.content, Content::NonceReveal { matches: false, .. })
    });
    let r = rule(&row, UncoveredRule::Capped);
    assert!(has(&r, "A0.digest_mismatch", &["e10"]));
    row.items.retain(|i| i.id == id("a10"));
    let r = rule(&row, UncoveredRule::Capped);
    assert_eq!(r.actions, vec![Action::AbortExchange { tid: id("10") }]);
    let mut both = d11();
    let abort = Content::AbortToken {
        tid: id("11"),
        cause: "requested".into(),
        decided_at: wt("2026-03-12T11:00:00.000Z"),
    };
    both.items.push(notary("e11", abort, &["a11"]));
    let r = rule(&both, UncoveredRule::Capped);
    assert!(has(&r, "Q7.replacement_contract", &["a11", "d11"]));
    assert_eq!(r.actions, vec![Action::FlagNotaryFault { item: id("e11") }]);
}

#[test]
fn a_paid_buyer_without_delivery_is_refunded() {
    let mut row = d7();
    row.claim = claim(
        ComplaintKind::NonDelivery,
        ("bob", "sally"),
        ClaimSubject::Tid(id("7")),
        12_000,
    );
    let r = rule(&row, UncoveredRule::Capped);
    assert!(has(&r, "Q6.paid_by_affidavit", &["a7", "d7"]));
    assert_eq!(alloc(&r), [0, 0, 0, 12_000]);
}

/// D7's exchange with `stated` as m1's payment (`Some(0)`: m1 states none) and `claim_minor` as
/// what `kind`'s claimant says; the rest of the row unchanged.
fn d7_paying(stated: Option<i64>, kind: ComplaintKind, claim_minor: i64) -> Row {
    let mut row = d7();
    let at = row.items.iter().position(|i| i.id == id("a7")).expect("m1");
    row.items[at] = super::fixture::offer("a7", "7", Protocol::Item, ("bob", "sally"), stated);
    let by = match kind {
        ComplaintKind::NonDelivery => ("bob", "sally"),
        _ => ("sally", "bob"),
    };
    row.claim = claim(kind, by, ClaimSubject::Tid(id("7")), claim_minor);
    row
}

/// A payment by exchange is worth what its m1 states, whatever the claim says: a buyer who paid
/// 1.00 and claims 900.00 back is refunded 1.00; a token whose m1 states no sum shows nothing
/// paid (`Q6.amount_not_stated`, refund 0); a seller paid 50.00 of 120.00 is still owed the rest.
#[test]
fn a_payment_by_exchange_is_worth_what_its_m1_states_not_the_claim() {
    use ComplaintKind::{NonDelivery, NonPayment};
    // (m1 states, claim kind, claimed), then (Q6 rule, answer part, allocation when checked).
    type Expect = (&'static str, &'static str, Option<[i64; 4]>);
    let paid = "Q6.paid_by_affidavit";
    let no_sum = "Q6.amount_not_stated";
    let rows: [((i64, ComplaintKind, i64), Expect); 4] = [
        (
            (100, NonDelivery, 90_000),
            (paid, "bob paid 1.00 EUR", Some([0, 0, 0, 100])),
        ),
        (
            (0, NonDelivery, 90_000),
            (no_sum, "states no amount", Some([0; 4])),
        ),
        (
            (5_000, NonPayment, 12_000),
            (paid, "bob paid 50.00 EUR", None),
        ),
        (
            (0, NonPayment, 12_000),
            (no_sum, "nothing shown paid", None),
        ),
    ];
    for ((stated, kind, claimed), (q6, says, allocation)) in rows {
        let r = rule(
            &d7_paying(Some(stated), kind, claimed),
            UncoveredRule::Capped,
        );
        let text = render(&r);
        assert!(has(&r, q6, &["a7", "d7"]) && text.contains(says), "{text}");
        if let Some(a) = allocation {
            assert_eq!(alloc(&r), a, "{text}");
        }
    }
}

/// D9 with the aborted exchange running the other way (bob, the buyer, sending sally an item):
/// its abort says nothing of the goods, so it does not show them undelivered (it showed
/// `Q5.aborted` and released the guarantee whatever the exchange's direction).
#[test]
fn an_exchange_from_the_buyer_to_the_seller_does_not_deliver_the_goods() {
    let mut row = d9();
    let reversed = super::fixture::offer("d9", "9", Protocol::Item, ("bob", "sally"), None);
    let at = row
        .items
        .iter()
        .position(|i| i.id == id("d9"))
        .expect("offer");
    row.items[at] = reversed;
    let r = rule(&row, UncoveredRule::Capped);
    assert!(has(&r, "Q5.not_shown", &[]), "{}", render(&r));
    assert!(!has(&r, "Q5.aborted", &["19"]));
    let d9 = rule(&d9(), UncoveredRule::Capped);
    assert!(has(&d9, "Q5.aborted", &["19"]), "the seller's own exchange");
}

/// The ruling's byte form reads back to the same ruling; `--nocapture` prints D9's (the example
/// in docs/formats.md).
#[test]
fn canonical_json_round_trips() {
    let r = rule(&d9(), UncoveredRule::Capped);
    let bytes = r.to_canonical_json();
    println!("{}", String::from_utf8_lossy(&bytes));
    let back: Ruling = serde_json::from_slice(&bytes).expect("a ruling reads back");
    assert_eq!(back, r);
}

#[test]
fn copies_of_one_id_with_different_facts_are_settled_the_same_way_in_any_order() {
    let mut forged = d1().items[3].clone();
    forged.facts.signature_valid = false;
    let mut first = d1();
    first.items.insert(0, forged.clone());
    let mut last = d1();
    last.items.push(forged);
    let (a, b) = (
        rule(&first, UncoveredRule::Capped),
        rule(&last, UncoveredRule::Capped),
    );
    assert_eq!(a.to_canonical_json(), b.to_canonical_json());
    assert_eq!(a.items.len(), d1().items.len());
}

fn rows() -> Vec<Row> {
    vec![d1(), d2(), d4(), d5(), d7(), d9(), d10(), d11()]
}

/// `items` shuffled by `seed` (Fisher–Yates with a fixed LCG), with the items at `dups` repeated.
fn scramble(items: &[Item], dups: &[prop::sample::Index], seed: u64) -> Vec<Item> {
    let mut out: Vec<Item> = items.to_vec();
    out.extend(dups.iter().map(|d| items[d.index(items.len())].clone()));
    let mut s = seed;
    for i in (1..out.len()).rev() {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        out.swap(i, (s >> 33) as usize % (i + 1));
    }
    out
}

proptest! {
    #[test]
    fn shuffled_and_duplicated_items_give_the_same_bytes(
        row in 0usize..8,
        dups in prop::collection::vec(any::<prop::sample::Index>(), 0..8),
        seed in any::<u64>(),
        strict in any::<bool>(),
    ) {
        let mut row = rows().swap_remove(row);
        let mode = if strict { UncoveredRule::Strict } else { UncoveredRule::Capped };
        let want = rule(&row, mode).to_canonical_json();
        row.items = scramble(&row.items, &dups, seed);
        prop_assert_eq!(rule(&row, mode).to_canonical_json(), want);
    }

    #[test]
    fn adjudicate_never_panics_on_arbitrary_facts(
        items in prop::collection::vec(arb_item(), 0..24),
        claim in arb_claim(),
        strict in any::<bool>(),
    ) {
        let mode = if strict { UncoveredRule::Strict } else { UncoveredRule::Capped };
        let p = policy(mode);
        let reg = registry(vec![ledger_guarantee("g-1", 90_000, "2026-03-03T10:00:00.000Z")]);
        let r = adjudicate(&claim, &items, &reg, &agreement(&p), &p);
        let mut reversed = items.clone();
        reversed.reverse();
        let again = adjudicate(&claim, &reversed, &reg, &agreement(&p), &p);
        prop_assert_eq!(again.to_canonical_json(), r.to_canonical_json());
        // Nobody is allocated a negative amount or, together, more than was claimed.
        let [buyer, notary, seller, refund] = alloc(&r);
        let most = claim.amount.minor.max(0);
        prop_assert!(buyer >= 0 && notary >= 0 && seller >= 0 && refund >= 0);
        prop_assert!(buyer + notary + seller <= most && refund <= most);
    }
}

const LABELS: [&str; 8] = ["a1", "b1", "c1", "12", "7", "10", "XX", ""];

fn arb_label() -> impl Strategy<Value = String> {
    prop::sample::select(LABELS.to_vec())
        .prop_map(|l| if l == "XX" { l.to_string() } else { id(l) })
}

fn arb_time() -> impl Strategy<Value = WireTime> {
    prop_oneof![
        (1_772_000_000_000i64..1_775_000_000_000i64),
        Just(-8_334_601_228_800_000i64),
        Just(8_210_266_876_799_999i64),
    ]
    .prop_map(|ms| {
        chrono::DateTime::from_timestamp_millis(ms)
            .and_then(WireTime::new)
            .unwrap_or_else(|| wt(R))
    })
}

/// Any content: each of the 14 kinds equally likely.
fn arb_content() -> impl Strategy<Value = Content> {
    prop_oneof![6 => arb_payment_content(), 8 => arb_exchange_content()]
}

fn arb_who() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec!["bob", "sally", "eve"])
}

/// Orders, guarantees and what surrounds them (timestamps, nonces, settlements, receipts).
fn arb_payment_content() -> impl Strategy<Value = Content> {
    prop_oneof![
        (arb_who(), any::<i64>(), prop::option::of(arb_label())).prop_map(|(b, m, tid)| {
            Content::Order {
                buyer: b.into(),
                seller: "sally".into(),
                amount: eur(m),
                agreement: "ag-bob".into(),
                tid,
                claimed_at: None,
            }
        }),
        (any::<i64>(), arb_time(), arb_time()).prop_map(|(m, t, u)| Content::Guarantee {
            guarantee_id: "g-1".into(),
            agreement: "ag-bob".into(),
            buyer: "bob".into(),
            amount: eur(m),
            issued_at: t,
            valid_until: u,
        }),
        (arb_label(), arb_time(), any::<i64>()).prop_map(|(d, t, a)| Content::Timestamp {
            digest: d,
            gen_time: t,
            accuracy_ms: a
        }),
        arb_time().prop_map(|t| Content::Nonce { issued_at: t }),
        arb_time().prop_map(|t| Content::Settlement {
            guarantee_id: "g-1".into(),
            at: t
        }),
        arb_who().prop_map(|b| Content::GoodsReceipt { buyer: b.into() }),
    ]
}

/// The fair-exchange messages and the notary's decisions on them.
fn arb_exchange_content() -> impl Strategy<Value = Content> {
    prop_oneof![
        (
            arb_label(),
            any::<bool>(),
            arb_who(),
            arb_who(),
            prop::option::of(any::<i64>())
        )
            .prop_map(|(tid, c, o, r, p)| Content::Offer {
                tid,
                protocol: if c {
                    Protocol::Contract
                } else {
                    Protocol::Item
                },
                originator: o.into(),
                responder: r.into(),
                payment: p.map(eur),
                pays: vec![],
            }),
        arb_label().prop_map(|tid| Content::Acceptance { tid }),
        arb_label().prop_map(|tid| Content::ExchangeReceipt { tid }),
        (arb_label(), arb_time()).prop_map(|(tid, t)| Content::AbortToken {
            tid,
            cause: "requested".into(),
            decided_at: t
        }),
        (arb_label(), arb_time())
            .prop_map(|(tid, t)| Content::ReplacementContract { tid, decided_at: t }),
        (arb_label(), arb_time())
            .prop_map(|(tid, t)| Content::DeliveryAffidavit { tid, decided_at: t }),
        (arb_label(), arb_time())
            .prop_map(|(tid, t)| Content::EscrowFailure { tid, decided_at: t }),
        (arb_label(), any::<bool>()).prop_map(|(tid, m)| Content::NonceReveal {
            tid,
            role: Role::Originator,
            matches: m
        }),
    ]
}

fn arb_item() -> impl Strategy<Value = Item> {
    let signer = prop::option::of(prop::sample::select(vec!["kb1", "kb2", "ks1", "nk1", "kx"]));
    (
        arb_label(),
        arb_content(),
        prop::collection::vec(arb_label(), 0..4),
        any::<bool>(),
        signer,
        prop::option::of(any::<bool>()),
    )
        .prop_map(|(id, content, embeds, valid, signer, in_log)| Item {
            id,
            content,
            embeds,
            facts: Facts {
                signature_valid: valid,
                misnamed: false,
                unproven: false,
                signer: signer.map(str::to_string),
                in_log,
            },
        })
}

fn arb_claim() -> impl Strategy<Value = Claim> {
    let subject = prop_oneof![
        arb_label().prop_map(ClaimSubject::Tid),
        arb_label().prop_map(ClaimSubject::Order),
        Just(ClaimSubject::Guarantee("g-1".into())),
    ];
    (
        prop::sample::select(ComplaintKind::ALL.to_vec()),
        subject,
        any::<i64>(),
        arb_time(),
    )
        .prop_map(|(k, s, m, t)| {
            let mut c = claim(k, ("sally", "bob"), s, 0);
            c.amount = eur(m);
            c.filed_at = t;
            c
        })
}

/// D1 filed the other way round: the buyer claims "non-payment" from the seller.
#[test]
fn a_non_payment_claim_by_the_buyer_allocates_nothing() {
    let mut row = d1();
    row.claim = claim(
        ComplaintKind::NonPayment,
        ("bob", "sally"),
        ClaimSubject::Guarantee("g-d1".into()),
        30_000,
    );
    let r = rule(&row, UncoveredRule::Capped);
    assert!(has(&r, "Q1.wrong_side", &["a1"]), "{}", render(&r));
    assert_eq!(alloc(&r), [0, 0, 0, 0]);
    assert!(r.actions.is_empty(), "{:?}", r.actions);
}

/// D1: bob signed a receipt of the goods and nothing shows them paid for. A claim of his, of
/// any kind and for any sum, leaves sally's guarantee standing (it freed it: a buyer who took
/// the goods could free himself by complaining about 1.00). Without the receipt his
/// non-delivery claim frees it (nothing shows delivery); a claim out of time frees nothing.
#[test]
fn a_buyers_claim_does_not_free_a_guarantee_the_goods_are_owed_on() {
    let by_bob = |mut row: Row, kind: ComplaintKind| {
        row.claim = claim(
            kind,
            ("bob", "sally"),
            ClaimSubject::Guarantee("g-d1".into()),
            100,
        );
        rule(&row, UncoveredRule::Capped)
    };
    for kind in [
        ComplaintKind::NonDelivery,
        ComplaintKind::NotAsDescribed,
        ComplaintKind::ContractValidity,
        ComplaintKind::Other,
    ] {
        let r = by_bob(d1(), kind);
        assert!(r.actions.is_empty(), "{kind:?}: {:?}", r.actions);
    }
    let mut no_receipt = d1();
    no_receipt.items.retain(|i| i.id != id("e1"));
    let release = vec![Action::ReleaseGuarantee {
        guarantee_id: "g-d1".into(),
    }];
    assert_eq!(
        by_bob(no_receipt.clone(), ComplaintKind::NonDelivery).actions,
        release
    );
    assert!(by_bob(no_receipt.clone(), ComplaintKind::Other)
        .actions
        .is_empty());
    assert_eq!(rule(&no_receipt, UncoveredRule::Capped).actions, release);
    no_receipt.claim.filed_at = wt("2026-09-01T00:00:00.000Z");
    let late = rule(&no_receipt, UncoveredRule::Capped);
    assert!(late.actions.is_empty(), "{}", render(&late));
}

/// A settled guarantee is the buyer's payment to the seller, whichever side files.
#[test]
fn a_non_delivery_claim_reads_the_payment_from_the_order() {
    let settled = |mut row: Row, by: (&str, &str)| {
        row.claim = claim(
            ComplaintKind::NonDelivery,
            by,
            ClaimSubject::Guarantee("g-d1".into()),
            30_000,
        );
        row.items.retain(|i| i.id != id("e1"));
        let s = Content::Settlement {
            guarantee_id: "g-d1".into(),
            at: wt("2026-03-02T10:00:00.000Z"),
        };
        row.items.push(notary("5e", s, &[]));
        rule(&row, UncoveredRule::Capped)
    };
    // The seller's "non-delivery" claim against the buyer: the wrong side, no refund to anyone.
    let r = settled(d1(), ("sally", "bob"));
    assert!(has(&r, "Q1.wrong_side", &["a1"]), "{}", render(&r));
    assert_eq!(alloc(&r), [0, 0, 0, 0]);
    // The buyer's: bob paid sally through the guarantee, nothing was delivered, refunded.
    let r = settled(d1(), ("bob", "sally"));
    let q6 = r
        .findings
        .iter()
        .find(|f| f.rule_id == "Q6.paid_by_guarantee");
    assert_eq!(
        q6.map(|f| f.answer.as_str()),
        Some("bob paid 300.00 EUR to sally"),
        "{}",
        render(&r)
    );
    assert_eq!(alloc(&r), [0, 0, 0, 30_000]);
}

/// D1 where sally released her guarantee before claiming: it no longer covers the order (no
/// notary liability, no second release), and the order is judged as an uncovered one, its own
/// released guarantee not standing against its own headroom. Here nothing but the guarantee
/// bounds the order's time, so that guarantee was outstanding at the very instant the headroom
/// is taken: counted, the headroom would be 1000 - 600 - 300 = 100.00 instead of 400.00.
#[test]
fn a_guarantee_released_before_the_claim_no_longer_covers_the_order() {
    let release = |at: &str| {
        let c = Content::Release {
            guarantee_id: "g-d1".into(),
            at: wt(at),
        };
        notary("5e", c, &[])
    };
    let mut row = d1();
    row.items.retain(|i| i.id != id("c1"));
    row.items.push(release("2026-03-02T10:00:00.000Z"));
    row.guarantees
        .push(ledger_guarantee("g-x", 60_000, "2026-02-20T10:00:00.000Z"));
    let r = rule(&row, UncoveredRule::Capped);
    assert!(has(&r, "Q3.released", &["5e", "b1"]), "{}", render(&r));
    assert!(has(&r, "Q4.within_caps", &["a1", "b1"]), "{}", render(&r));
    assert_eq!(alloc(&r), [30_000, 0, 0, 0], "{}", render(&r));
    assert!(r.actions.is_empty(), "{:?}", r.actions);
    // Under strict an uncovered order binds nothing: the seller, who gave the guarantee up, bears it.
    let r = rule(&row, UncoveredRule::Strict);
    assert_eq!(alloc(&r), [0, 0, 30_000, 0], "{}", render(&r));
    // Released after the claim was filed (by this case's own ruling, say): still the cover.
    let mut row = d1();
    row.items.push(release("2026-03-21T10:00:00.000Z"));
    let r = rule(&row, UncoveredRule::Capped);
    assert!(has(&r, "Q3.valid", &["5e", "b1"]), "{}", render(&r));
    let q3 = r.findings.iter().find(|f| f.rule_id == "Q3.valid");
    assert!(
        q3.is_some_and(|f| f.answer.ends_with(
            "covers the order; its release after the claim was filed leaves the claim as it was filed"
        )),
        "{}",
        render(&r)
    );
    assert_eq!(alloc(&r), [30_000, 0, 0, 0], "{}", render(&r));
}

/// A buyer's receipt signed with a key since revoked shows a delivery only when something shows
/// it signed before the revocation (D1's is timestamped): anyone holding a stolen key could sign
/// one at any time. Untimed, it is `Q5.receipt_key_revoked` and the goods are not shown
/// delivered; the same receipt by a key that stands still counts.
#[test]
fn a_receipt_by_a_revoked_key_counts_only_when_shown_signed_before_the_revocation() {
    let timed = rule(&d1(), UncoveredRule::Capped);
    assert!(
        has(&timed, "Q5.goods_receipt", &["e1"]),
        "{}",
        render(&timed)
    );
    let mut untimed = d1();
    untimed.items.retain(|i| i.id != id("ee1"));
    let r = rule(&untimed, UncoveredRule::Capped);
    assert!(has(&r, "Q5.receipt_key_revoked", &["e1"]), "{}", render(&r));
    assert_eq!(alloc(&r), [0, 0, 0, 0], "{}", render(&r));
    // Sent with an answer the notary received before the revocation: its receipt bounds it.
    let mut answered = untimed.clone();
    let receipt = Content::ResponseReceipt {
        complaint_id: "c".into(),
        received_at: wt("2026-03-05T10:00:00.000Z"),
    };
    answered.items.push(notary("ee9", receipt, &["e1"]));
    let r = rule(&answered, UncoveredRule::Capped);
    assert!(has(&r, "Q5.goods_receipt", &["e1"]), "{}", render(&r));
    let mut by_kb2 = untimed.clone();
    let at = by_kb2
        .items
        .iter()
        .position(|i| i.id == id("e1"))
        .expect("e1");
    by_kb2.items[at] = goods_receipt("e1", "a1", "kb2");
    let r = rule(&by_kb2, UncoveredRule::Capped);
    assert!(has(&r, "Q5.goods_receipt", &["e1"]), "{}", render(&r));
}

/// D5 with the order signed before the guarantees that stood against it when the seller asked:
/// headroom is the least from the order's latest signing time to the claim's filing, so the
/// order and the guarantees issued meanwhile never make the buyer owe more than the total cap
/// (1,000.00: 500.00 + 400.00 guaranteed, so the order binds 100.00, not 300.00).
#[test]
fn an_unguaranteed_order_binds_only_the_headroom_left_until_the_claim() {
    let mut row = d5();
    let at = row.items.iter().position(|i| i.id == id("c5")).expect("c5");
    row.items[at] = stamp("c5", "a5", "2026-03-02T10:00:00.000Z");
    let r = rule(&row, UncoveredRule::Capped);
    let q4 = r.findings.iter().find(|f| f.question == Question::Q4);
    let q4 = q4.expect("Q4");
    assert_eq!(q4.rule_id, "Q4.over_headroom", "{}", render(&r));
    assert_eq!(
        q4.answer,
        "uncovered_rule capped: the least headroom from the order's latest signing time \
         2026-03-02T10:00:01.000Z to the claim's filing at 2026-03-20T09:00:00.000Z was 100.00 \
         EUR (at 2026-03-04T10:00:00.000Z: guarantees issued meanwhile stood against it) and the \
         per-transaction cap 500.00 EUR; the order binds 100.00 EUR"
    );
    for cited in ["a5", "c5"] {
        assert!(q4.evidence_ids.contains(&id(cited)), "{cited}: {q4:?}");
    }
    assert_eq!(alloc(&r), [10_000, 0, 20_000, 0], "{}", render(&r));
    // The first guarantee closed before the second was issued: the least headroom is 500.00.
    let mut closed = row.clone();
    closed.guarantees[0].ended_at = Some(super::fixture::at("2026-03-03T12:00:00.000Z"));
    let r = rule(&closed, UncoveredRule::Capped);
    assert!(has(&r, "Q4.within_caps", &["a5", "c5"]), "{}", render(&r));
    assert_eq!(alloc(&r), [30_000, 0, 0, 0], "{}", render(&r));
    // Answered (refused for another reason) before the guarantees were issued: they still stood
    // beside the order before the claim, so they count (s7b N1: a seller could otherwise fix
    // the span early with a request bound to be refused).
    let mut early = row.clone();
    let at = early
        .items
        .iter()
        .position(|i| i.id == id("f5"))
        .expect("f5");
    early.items[at] = refusal("f5", "bad_amount", "2026-03-02T11:00:00.000Z", "a5");
    let r = rule(&early, UncoveredRule::Capped);
    let q4 = r.findings.iter().find(|f| f.question == Question::Q4);
    assert_eq!(q4.map(|f| f.rule_id.as_str()), Some("Q4.over_headroom"));
    assert_eq!(alloc(&r), [10_000, 0, 20_000, 0], "{}", render(&r));
    // Guarantees issued after the claim was filed do not count.
    let mut later = row.clone();
    for g in &mut later.guarantees {
        g.issued_at += chrono::TimeDelta::days(30);
        g.valid_until += chrono::TimeDelta::days(30);
    }
    let r = rule(&later, UncoveredRule::Capped);
    assert!(has(&r, "Q4.within_caps", &["a5", "c5"]), "{}", render(&r));
    assert_eq!(alloc(&r), [30_000, 0, 0, 0], "{}", render(&r));
}

/// sally's goods to bob by an item-for-receipt exchange the notary resolved: its delivery
/// affidavit shows the delivery whether or not bob's receipt is an item of its own (he may have
/// withheld it from sally; the affidavit carries it). Before, without the receipt item, "nothing
/// shows a delivery" and bob's non-delivery claim was refunded.
#[test]
fn the_notarys_delivery_affidavit_shows_a_delivery_by_itself() {
    let t = "7g";
    let goods = |with_receipt: bool| {
        let mut items = vec![
            offer("a8", t, Protocol::Item, ("sally", "bob"), None),
            party("b8", Content::ItemEscrow { tid: id(t) }, &["a8"], "ks1"),
            notary(
                "d8",
                Content::DeliveryAffidavit {
                    tid: id(t),
                    decided_at: wt("2026-03-12T10:00:00.000Z"),
                },
                &["a8", "b8", "c8"],
            ),
        ];
        if with_receipt {
            let receipt = Content::ExchangeReceipt { tid: id(t) };
            items.push(party("c8", receipt, &["a8", "b8"], "kb2"));
        }
        Row {
            claim: claim(
                ComplaintKind::NonDelivery,
                ("bob", "sally"),
                ClaimSubject::Tid(id(t)),
                15_000,
            ),
            items,
            guarantees: vec![],
        }
    };
    let r = rule(&goods(true), UncoveredRule::Capped);
    assert!(
        has(&r, "Q5.delivery_affidavit", &["c8", "d8"]),
        "{}",
        render(&r)
    );
    assert_eq!(alloc(&r), [0, 0, 0, 0], "{}", render(&r));
    let r = rule(&goods(false), UncoveredRule::Capped);
    assert!(has(&r, "Q5.delivery_affidavit", &["d8"]), "{}", render(&r));
    assert_eq!(alloc(&r), [0, 0, 0, 0], "{}", render(&r));
}

/// D1 where bob paid sally 300.00 by a payment exchange the notary resolved: counted when its m1
/// names the order (s7 M3: before, "nothing shows a payment by bob" and bob was ruled to pay
/// again); one that names no order may pay for anything, and the finding says what it looked for.
#[test]
fn a_payment_exchange_counts_for_the_order_its_m1_names() {
    let paid_by = |pays: Vec<String>| {
        let mut row = d1();
        row.items.retain(|i| i.id != id("c1")); // no settlement of the guarantee
        let t = "d1d";
        let m1 = Content::Offer {
            tid: id(t),
            protocol: Protocol::Item,
            originator: "bob".into(),
            responder: "sally".into(),
            payment: (!pays.is_empty()).then(|| eur(30_000)),
            pays,
        };
        row.items.push(party("fa1", m1, &[], "kb2"));
        let affidavit = Content::DeliveryAffidavit {
            tid: id(t),
            decided_at: wt("2026-03-06T10:00:00.000Z"),
        };
        row.items.push(notary("af1", affidavit, &["fa1"]));
        rule(&row, UncoveredRule::Capped)
    };
    let r = paid_by(vec![id("a1")]);
    assert!(
        has(&r, "Q6.paid_by_affidavit", &["af1", "fa1"]),
        "{}",
        render(&r)
    );
    assert_eq!(alloc(&r), [0, 0, 0, 0], "{}", render(&r));
    let r = paid_by(vec![]);
    let q6 = r.findings.iter().find(|f| f.question == Question::Q6);
    assert_eq!(
        q6.map(|f| f.answer.as_str()),
        Some("nothing shows a payment by bob for this order"),
        "{}",
        render(&r)
    );
    assert_eq!(alloc(&r), [30_000, 0, 0, 0], "{}", render(&r));
}
