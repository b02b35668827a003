//! The Disputes table of the scenarios (D1–D11) at the model level: each row's evidence as
//! facts, each compared as a whole ruling (every item, finding, the allocation, the actions).

use super::fixture::*;
use super::*;
use crate::model::complaint::ComplaintKind;
use crate::model::exchange::Protocol;
use crate::model::policy::UncoveredRule;

/// A scenario: the claim, its items, the ledger's guarantees.
#[derive(Clone)]
pub(super) struct Row {
    pub claim: Claim,
    pub items: Vec<Item>,
    pub guarantees: Vec<GuaranteeRecord>,
}

pub(super) fn rule(row: &Row, uncovered: UncoveredRule) -> Ruling {
    let p = policy(uncovered);
    adjudicate(
        &row.claim,
        &row.items,
        &registry(row.guarantees.clone()),
        &agreement(&p),
        &p,
    )
}

fn check(row: &Row, uncovered: UncoveredRule, expected: &str) {
    let got = render(&rule(row, uncovered));
    assert_eq!(got, expected.trim(), "\n--- got ---\n{got}\n");
}

pub(super) fn d1() -> Row {
    let subject = ClaimSubject::Guarantee("g-d1".into());
    Row {
        claim: claim(ComplaintKind::NonPayment, ("sally", "bob"), subject, 30_000),
        items: vec![
            order("a1", 30_000, None, &[], "kb1"),
            stamp("c1", "a1", "2026-03-01T10:00:00.000Z"),
            guarantee("b1", "g-d1", 30_000, "2026-03-01T10:00:05.000Z", "a1"),
            goods_receipt("e1", "a1", "kb1"),
            stamp("ee1", "e1", "2026-03-02T15:00:00.000Z"),
        ],
        guarantees: vec![ledger_guarantee("g-d1", 30_000, "2026-03-01T10:00:05.000Z")],
    }
}

pub(super) fn d2() -> Row {
    let nonce = Content::Nonce {
        issued_at: wt("2026-03-11T08:59:00.000Z"),
    };
    Row {
        claim: claim(
            ComplaintKind::NonPayment,
            ("sally", "bob"),
            ClaimSubject::Order(id("a2")),
            35_000,
        ),
        items: vec![
            notary("12", nonce, &[]),
            order("a2", 35_000, None, &["12"], "kb1"),
            stamp("c2", "a2", "2026-03-11T09:00:00.000Z"),
            refusal("f2", "key_revoked", "2026-03-11T09:00:02.000Z", "a2"),
            goods_receipt("e2", "a2", "kb2"),
        ],
        guarantees: vec![],
    }
}

pub(super) fn d4() -> Row {
    Row {
        claim: claim(
            ComplaintKind::NonPayment,
            ("sally", "bob"),
            ClaimSubject::Order(id("a4")),
            80_000,
        ),
        items: vec![
            order("a4", 80_000, None, &[], "kb1"),
            stamp("c4", "a4", "2026-03-02T10:00:00.000Z"),
            refusal(
                "f4",
                "per_transaction_cap_exceeded",
                "2026-03-02T10:00:03.000Z",
                "a4",
            ),
            goods_receipt("e4", "a4", "kb1"),
            stamp("ee4", "e4", "2026-03-03T10:00:00.000Z"),
        ],
        guarantees: vec![],
    }
}

pub(super) fn d5() -> Row {
    Row {
        claim: claim(
            ComplaintKind::NonPayment,
            ("sally", "bob"),
            ClaimSubject::Order(id("a5")),
            30_000,
        ),
        items: vec![
            order("a5", 30_000, None, &[], "kb1"),
            stamp("c5", "a5", "2026-03-05T10:00:00.000Z"),
            refusal("f5", "total_cap_exceeded", "2026-03-05T10:00:03.000Z", "a5"),
            goods_receipt("e5", "a5", "kb1"),
            stamp("ee5", "e5", "2026-03-06T10:00:00.000Z"),
        ],
        guarantees: vec![
            ledger_guarantee("g-a", 50_000, "2026-03-03T10:00:00.000Z"),
            ledger_guarantee("g-b", 40_000, "2026-03-04T10:00:00.000Z"),
        ],
    }
}

pub(super) fn d7() -> Row {
    let t = "7";
    let decided = wt("2026-03-12T10:00:00.000Z");
    Row {
        claim: claim(
            ComplaintKind::NonPayment,
            ("sally", "bob"),
            ClaimSubject::Tid(id(t)),
            12_000,
        ),
        items: vec![
            offer("a7", t, Protocol::Item, ("bob", "sally"), Some(12_000)),
            party("b7", Content::ItemEscrow { tid: id(t) }, &["a7"], "kb2"),
            party(
                "c7",
                Content::ExchangeReceipt { tid: id(t) },
                &["a7", "b7"],
                "ks1",
            ),
            notary(
                "d7",
                Content::DeliveryAffidavit {
                    tid: id(t),
                    decided_at: decided,
                },
                &["a7", "b7", "c7"],
            ),
        ],
        guarantees: vec![],
    }
}

pub(super) fn d9() -> Row {
    let t = "9";
    let decided = wt("2026-03-07T10:00:00.000Z");
    let abort = Content::AbortToken {
        tid: id(t),
        cause: "requested".into(),
        decided_at: decided,
    };
    Row {
        claim: claim(
            ComplaintKind::NonPayment,
            ("sally", "bob"),
            ClaimSubject::Guarantee("g-d9".into()),
            18_000,
        ),
        items: vec![
            order("a9", 18_000, Some(t), &[], "kb1"),
            stamp("c9", "a9", "2026-03-06T10:00:00.000Z"),
            guarantee("b9", "g-d9", 18_000, "2026-03-06T10:00:02.000Z", "a9"),
            offer("d9", t, Protocol::Item, ("sally", "bob"), None),
            party("e9", Content::ItemEscrow { tid: id(t) }, &["d9"], "ks1"),
            party("f9", Content::AbortRequest { tid: id(t) }, &["d9"], "ks1"),
            notary("19", abort, &["d9", "f9"]),
        ],
        guarantees: vec![ledger_guarantee("g-d9", 18_000, "2026-03-06T10:00:02.000Z")],
    }
}

/// A contract exchange sally (originator) and bob (responder), with `decision` signed at t1 and
/// `late` (the other party's request) at t2.
fn contract_row(t: &str, claimant: (&str, &str), decision: Item, late: Item) -> Row {
    Row {
        claim: claim(
            ComplaintKind::ContractValidity,
            claimant,
            ClaimSubject::Tid(id(t)),
            25_000,
        ),
        items: vec![
            offer(
                &format!("a{t}"),
                t,
                Protocol::Contract,
                ("sally", "bob"),
                None,
            ),
            party(
                &format!("b{t}"),
                Content::Acceptance { tid: id(t) },
                &[&format!("a{t}")],
                "kb2",
            ),
            decision,
            late,
        ],
        guarantees: vec![],
    }
}

pub(super) fn d10() -> Row {
    let t = "10";
    let abort = Content::AbortToken {
        tid: id(t),
        cause: "requested".into(),
        decided_at: wt("2026-03-12T10:00:00.000Z"),
    };
    let request = party("c10", Content::AbortRequest { tid: id(t) }, &["a10"], "ks1");
    contract_row(
        t,
        ("bob", "sally"),
        notary("d10", abort, &["a10", "c10"]),
        request,
    )
}

pub(super) fn d11() -> Row {
    let t = "11";
    let rc = Content::ReplacementContract {
        tid: id(t),
        decided_at: wt("2026-03-12T10:00:00.000Z"),
    };
    let request = party("c11", Content::AbortRequest { tid: id(t) }, &["a11"], "ks1");
    contract_row(
        t,
        ("sally", "bob"),
        notary("d11", rc, &["a11", "b11"]),
        request,
    )
}

/// D1: signed before the revocation, guaranteed, delivered: the buyer pays. (`capped`)
#[test]
fn d1_capped() {
    check(
        &d1(),
        UncoveredRule::Capped,
        r#"
notar-rules/1 semper-consumer v1 f127e843 ag-bob
claim non_payment sally->bob Guarantee("g-d1") 300.00 EUR 2026-03-20T09:00:00.000Z
item a1 order true A0.admitted | - | 2026-03-01T10:00:01.000Z T.timestamp c1
item c1 timestamp true A0.notary_logged | 2026-03-01T09:59:59.000Z T.notary_time c1 | 2026-03-01T10:00:01.000Z T.notary_time c1
item b1 guarantee true A0.notary_logged | 2026-03-01T10:00:05.000Z T.notary_time b1 | 2026-03-01T10:00:05.000Z T.notary_time b1
item e1 goods_receipt true A0.admitted | - | 2026-03-02T15:00:01.000Z T.timestamp ee1
item ee1 timestamp true A0.notary_logged | 2026-03-02T14:59:59.000Z T.notary_time ee1 | 2026-03-02T15:00:01.000Z T.notary_time ee1
P P.recorded [] semper-consumer version 1, as agreement ag-bob recorded
Q1 Q1.valid [a1] order of 300.00 EUR signed by bob with key kb1
Q2 Q2.before_revocation [a1,c1] signed by 2026-03-01T10:00:01.000Z at the latest, before the revocation registered at 2026-03-10T12:00:00.000Z
Q3 Q3.valid [b1] guarantee g-d1 covers the order
Q4 Q4.covered [] the guarantee covers the order
Q5 Q5.goods_receipt [e1] bob signed a receipt of the goods
Q6 Q6.not_shown [] nothing shows a payment by bob for this order
Q7 Q7.not_applicable [] no contract exchange
Q8 Q8.within_window [a1,c1] filed 2026-03-20T09:00:00.000Z within the window ending 2026-05-30T10:00:01.000Z
buyer_pays 300.00 EUR notary_pays 0.00 EUR seller_bears 0.00 EUR refund_to_buyer 0.00 EUR
hold_guarantee g-d1
"#,
    );
}

/// D2: the order embeds a nonce logged after the revocation: the buyer is not bound. (`capped`)
#[test]
fn d2_capped() {
    check(
        &d2(),
        UncoveredRule::Capped,
        r#"
notar-rules/1 semper-consumer v1 f127e843 ag-bob
claim non_payment sally->bob Order("00000000000000000000000000000000000000000000000000000000000000a2") 350.00 EUR 2026-03-20T09:00:00.000Z
item 12 nonce true A0.notary_logged | 2026-03-11T08:59:00.000Z T.notary_time 12 | 2026-03-11T08:59:00.000Z T.notary_time 12
item e2 goods_receipt true A0.admitted | 2026-03-11T08:59:00.000Z T.freshness a2 | -
item a2 order true A0.admitted | 2026-03-11T08:59:00.000Z T.freshness 12 | 2026-03-11T09:00:01.000Z T.timestamp c2
item c2 timestamp true A0.notary_logged | 2026-03-11T08:59:59.000Z T.notary_time c2 | 2026-03-11T09:00:01.000Z T.notary_time c2
item f2 refusal true A0.notary_logged | 2026-03-11T09:00:02.000Z T.notary_time f2 | 2026-03-11T09:00:02.000Z T.notary_time f2
P P.recorded [] semper-consumer version 1, as agreement ag-bob recorded
Q1 Q1.valid [a2] order of 350.00 EUR signed by bob with key kb1
Q2 Q2.after_revocation [12,a2] signed at 2026-03-11T08:59:00.000Z at the earliest, after the revocation registered at 2026-03-10T12:00:00.000Z
Q3 Q3.refused [f2] the notary refused a guarantee: key_revoked
Q4 Q4.within_caps [a2,c2] uncovered_rule capped: at 2026-03-11T09:00:01.000Z the headroom was 1000.00 EUR and the per-transaction cap 500.00 EUR; the order would bind 350.00 EUR, but the buyer is not bound by an order Q2 does not show signed before the key's revocation
Q5 Q5.goods_receipt [e2] bob signed a receipt of the goods
Q6 Q6.not_shown [] nothing shows a payment by bob for this order
Q7 Q7.not_applicable [] no contract exchange
Q8 Q8.within_window [a2,c2] filed 2026-03-20T09:00:00.000Z within the window ending 2026-06-09T09:00:01.000Z
buyer_pays 0.00 EUR notary_pays 0.00 EUR seller_bears 350.00 EUR refund_to_buyer 0.00 EUR
"#,
    );
}

/// D4: above the per-transaction cap, no guarantee. (`capped`)
#[test]
fn d4_capped() {
    check(
        &d4(),
        UncoveredRule::Capped,
        r#"
notar-rules/1 semper-consumer v1 f127e843 ag-bob
claim non_payment sally->bob Order("00000000000000000000000000000000000000000000000000000000000000a4") 800.00 EUR 2026-03-20T09:00:00.000Z
item a4 order true A0.admitted | - | 2026-03-02T10:00:01.000Z T.timestamp c4
item c4 timestamp true A0.notary_logged | 2026-03-02T09:59:59.000Z T.notary_time c4 | 2026-03-02T10:00:01.000Z T.notary_time c4
item f4 refusal true A0.notary_logged | 2026-03-02T10:00:03.000Z T.notary_time f4 | 2026-03-02T10:00:03.000Z T.notary_time f4
item e4 goods_receipt true A0.admitted | - | 2026-03-03T10:00:01.000Z T.timestamp ee4
item ee4 timestamp true A0.notary_logged | 2026-03-03T09:59:59.000Z T.notary_time ee4 | 2026-03-03T10:00:01.000Z T.notary_time ee4
P P.recorded [] semper-consumer version 1, as agreement ag-bob recorded
Q1 Q1.valid [a4] order of 800.00 EUR signed by bob with key kb1
Q2 Q2.before_revocation [a4,c4] signed by 2026-03-02T10:00:01.000Z at the latest, before the revocation registered at 2026-03-10T12:00:00.000Z
Q3 Q3.refused [f4] the notary refused a guarantee: per_transaction_cap_exceeded
Q4 Q4.over_per_tx_cap [a4,c4] uncovered_rule capped: at 2026-03-02T10:00:01.000Z the headroom was 1000.00 EUR and the per-transaction cap 500.00 EUR; the order binds 500.00 EUR
Q5 Q5.goods_receipt [e4] bob signed a receipt of the goods
Q6 Q6.not_shown [] nothing shows a payment by bob for this order
Q7 Q7.not_applicable [] no contract exchange
Q8 Q8.within_window [a4,c4] filed 2026-03-20T09:00:00.000Z within the window ending 2026-05-31T10:00:01.000Z
buyer_pays 500.00 EUR notary_pays 0.00 EUR seller_bears 300.00 EUR refund_to_buyer 0.00 EUR
"#,
    );
}

/// D5: above the headroom left by outstanding guarantees at the order's time. (`capped`)
#[test]
fn d5_capped() {
    check(
        &d5(),
        UncoveredRule::Capped,
        r#"
notar-rules/1 semper-consumer v1 f127e843 ag-bob
claim non_payment sally->bob Order("00000000000000000000000000000000000000000000000000000000000000a5") 300.00 EUR 2026-03-20T09:00:00.000Z
item a5 order true A0.admitted | - | 2026-03-05T10:00:01.000Z T.timestamp c5
item c5 timestamp true A0.notary_logged | 2026-03-05T09:59:59.000Z T.notary_time c5 | 2026-03-05T10:00:01.000Z T.notary_time c5
item f5 refusal true A0.notary_logged | 2026-03-05T10:00:03.000Z T.notary_time f5 | 2026-03-05T10:00:03.000Z T.notary_time f5
item e5 goods_receipt true A0.admitted | - | 2026-03-06T10:00:01.000Z T.timestamp ee5
item ee5 timestamp true A0.notary_logged | 2026-03-06T09:59:59.000Z T.notary_time ee5 | 2026-03-06T10:00:01.000Z T.notary_time ee5
P P.recorded [] semper-consumer version 1, as agreement ag-bob recorded
Q1 Q1.valid [a5] order of 300.00 EUR signed by bob with key kb1
Q2 Q2.before_revocation [a5,c5] signed by 2026-03-05T10:00:01.000Z at the latest, before the revocation registered at 2026-03-10T12:00:00.000Z
Q3 Q3.refused [f5] the notary refused a guarantee: total_cap_exceeded
Q4 Q4.over_headroom [a5,c5] uncovered_rule capped: at 2026-03-05T10:00:01.000Z the headroom was 100.00 EUR and the per-transaction cap 500.00 EUR; the order binds 100.00 EUR
Q5 Q5.goods_receipt [e5] bob signed a receipt of the goods
Q6 Q6.not_shown [] nothing shows a payment by bob for this order
Q7 Q7.not_applicable [] no contract exchange
Q8 Q8.within_window [a5,c5] filed 2026-03-20T09:00:00.000Z within the window ending 2026-06-03T10:00:01.000Z
buyer_pays 100.00 EUR notary_pays 0.00 EUR seller_bears 200.00 EUR refund_to_buyer 0.00 EUR
"#,
    );
}

/// D7: paid by a delivery affidavit of the payment token: nothing owed. (`capped`)
#[test]
fn d7_capped() {
    check(
        &d7(),
        UncoveredRule::Capped,
        r#"
notar-rules/1 semper-consumer v1 f127e843 ag-bob
claim non_payment sally->bob Tid("0000000000000000000000000000000000000000000000000000000000000007") 120.00 EUR 2026-03-20T09:00:00.000Z
item a7 offer true A0.admitted | - | 2026-03-12T10:00:00.000Z T.embedded_by b7
item b7 item_escrow true A0.admitted | - | 2026-03-12T10:00:00.000Z T.embedded_by c7
item c7 exchange_receipt true A0.admitted | - | 2026-03-12T10:00:00.000Z T.embedded_by d7
item d7 delivery_affidavit true A0.notary_logged | 2026-03-12T10:00:00.000Z T.notary_time d7 | 2026-03-12T10:00:00.000Z T.notary_time d7
P P.recorded [] semper-consumer version 1, as agreement ag-bob recorded
Q1 Q1.no_order [] no admissible order
Q2 Q2.not_applicable [] no valid order
Q3 Q3.not_applicable [] no valid order
Q4 Q4.not_applicable [] no valid order
Q5 Q5.not_shown [] nothing shows a delivery
Q6 Q6.paid_by_affidavit [a7,d7] bob paid 120.00 EUR to sally
Q7 Q7.not_applicable [] no contract exchange
Q8 Q8.within_window [d7] filed 2026-03-20T09:00:00.000Z within the window ending 2026-06-10T10:00:00.000Z
buyer_pays 0.00 EUR notary_pays 0.00 EUR seller_bears 0.00 EUR refund_to_buyer 0.00 EUR
"#,
    );
}

/// D9: the delivering exchange was aborted: nothing owed, the guarantee released. (`capped`)
#[test]
fn d9_capped() {
    check(
        &d9(),
        UncoveredRule::Capped,
        r#"
notar-rules/1 semper-consumer v1 f127e843 ag-bob
claim non_payment sally->bob Guarantee("g-d9") 180.00 EUR 2026-03-20T09:00:00.000Z
item a9 order true A0.admitted | - | 2026-03-06T10:00:01.000Z T.timestamp c9
item c9 timestamp true A0.notary_logged | 2026-03-06T09:59:59.000Z T.notary_time c9 | 2026-03-06T10:00:01.000Z T.notary_time c9
item b9 guarantee true A0.notary_logged | 2026-03-06T10:00:02.000Z T.notary_time b9 | 2026-03-06T10:00:02.000Z T.notary_time b9
item 19 abort_token true A0.notary_logged | 2026-03-07T10:00:00.000Z T.notary_time 19 | 2026-03-07T10:00:00.000Z T.notary_time 19
item d9 offer true A0.admitted | - | 2026-03-07T10:00:00.000Z T.embedded_by 19
item f9 abort_request true A0.admitted | - | 2026-03-07T10:00:00.000Z T.embedded_by 19
item e9 item_escrow true A0.admitted | - | -
P P.recorded [] semper-consumer version 1, as agreement ag-bob recorded
Q1 Q1.valid [a9] order of 180.00 EUR signed by bob with key kb1
Q2 Q2.before_revocation [a9,c9] signed by 2026-03-06T10:00:01.000Z at the latest, before the revocation registered at 2026-03-10T12:00:00.000Z
Q3 Q3.valid [b9] guarantee g-d9 covers the order
Q4 Q4.covered [] the guarantee covers the order
Q5 Q5.aborted [19] the delivering exchange was aborted; no key was released
Q6 Q6.not_shown [] nothing shows a payment by bob for this order
Q7 Q7.not_applicable [] no contract exchange
Q8 Q8.within_window [a9,c9] filed 2026-03-20T09:00:00.000Z within the window ending 2026-06-04T10:00:01.000Z
buyer_pays 0.00 EUR notary_pays 0.00 EUR seller_bears 0.00 EUR refund_to_buyer 0.00 EUR
release_guarantee g-d9
"#,
    );
}

/// D10: an abort token and no replacement: no contract. (`capped`)
#[test]
fn d10_capped() {
    check(
        &d10(),
        UncoveredRule::Capped,
        r#"
notar-rules/1 semper-consumer v1 f127e843 ag-bob
claim contract_validity bob->sally Tid("0000000000000000000000000000000000000000000000000000000000000010") 250.00 EUR 2026-03-20T09:00:00.000Z
item a10 offer true A0.admitted | - | 2026-03-12T10:00:00.000Z T.embedded_by c10
item c10 abort_request true A0.admitted | - | 2026-03-12T10:00:00.000Z T.embedded_by d10
item d10 abort_token true A0.notary_logged | 2026-03-12T10:00:00.000Z T.notary_time d10 | 2026-03-12T10:00:00.000Z T.notary_time d10
item b10 acceptance true A0.admitted | - | -
P P.recorded [] semper-consumer version 1, as agreement ag-bob recorded
Q1 Q1.no_order [] no admissible order
Q2 Q2.not_applicable [] no valid order
Q3 Q3.not_applicable [] no valid order
Q4 Q4.not_applicable [] no valid order
Q5 Q5.not_shown [] nothing shows a delivery
Q6 Q6.not_shown [] nothing shows a payment by sally
Q7 Q7.aborted [a10,d10] no contract: the exchange was aborted
Q8 Q8.within_window [d10] filed 2026-03-20T09:00:00.000Z within the window ending 2026-06-10T10:00:00.000Z
buyer_pays 0.00 EUR notary_pays 0.00 EUR seller_bears 0.00 EUR refund_to_buyer 0.00 EUR
"#,
    );
}

/// D11: a replacement contract beats the later abort request: the contract binds both. (`capped`)
#[test]
fn d11_capped() {
    check(
        &d11(),
        UncoveredRule::Capped,
        r#"
notar-rules/1 semper-consumer v1 f127e843 ag-bob
claim contract_validity sally->bob Tid("0000000000000000000000000000000000000000000000000000000000000011") 250.00 EUR 2026-03-20T09:00:00.000Z
item a11 offer true A0.admitted | - | 2026-03-12T10:00:00.000Z T.embedded_by b11
item b11 acceptance true A0.admitted | - | 2026-03-12T10:00:00.000Z T.embedded_by d11
item d11 replacement_contract true A0.notary_logged | 2026-03-12T10:00:00.000Z T.notary_time d11 | 2026-03-12T10:00:00.000Z T.notary_time d11
item c11 abort_request true A0.admitted | - | -
P P.recorded [] semper-consumer version 1, as agreement ag-bob recorded
Q1 Q1.no_order [] no admissible order
Q2 Q2.not_applicable [] no valid order
Q3 Q3.not_applicable [] no valid order
Q4 Q4.not_applicable [] no valid order
Q5 Q5.not_shown [] nothing shows a delivery
Q6 Q6.not_shown [] nothing shows a payment by bob
Q7 Q7.replacement_contract [a11,d11] contract valid: the notary's replacement contract binds both
Q8 Q8.within_window [d11] filed 2026-03-20T09:00:00.000Z within the window ending 2026-06-10T10:00:00.000Z
buyer_pays 0.00 EUR notary_pays 0.00 EUR seller_bears 0.00 EUR refund_to_buyer 0.00 EUR
"#,
    );
}

/// D4: above the per-transaction cap, no guarantee. (`strict`)
#[test]
fn d4_strict() {
    check(
        &d4(),
        UncoveredRule::Strict,
        r#"
notar-rules/1 semper-consumer v2 a4db6f94 ag-bob
claim non_payment sally->bob Order("00000000000000000000000000000000000000000000000000000000000000a4") 800.00 EUR 2026-03-20T09:00:00.000Z
item a4 order true A0.admitted | - | 2026-03-02T10:00:01.000Z T.timestamp c4
item c4 timestamp true A0.notary_logged | 2026-03-02T09:59:59.000Z T.notary_time c4 | 2026-03-02T10:00:01.000Z T.notary_time c4
item f4 refusal true A0.notary_logged | 2026-03-02T10:00:03.000Z T.notary_time f4 | 2026-03-02T10:00:03.000Z T.notary_time f4
item e4 goods_receipt true A0.admitted | - | 2026-03-03T10:00:01.000Z T.timestamp ee4
item ee4 timestamp true A0.notary_logged | 2026-03-03T09:59:59.000Z T.notary_time ee4 | 2026-03-03T10:00:01.000Z T.notary_time ee4
P P.recorded [] semper-consumer version 2, as agreement ag-bob recorded
Q1 Q1.valid [a4] order of 800.00 EUR signed by bob with key kb1
Q2 Q2.before_revocation [a4,c4] signed by 2026-03-02T10:00:01.000Z at the latest, before the revocation registered at 2026-03-10T12:00:00.000Z
Q3 Q3.refused [f4] the notary refused a guarantee: per_transaction_cap_exceeded
Q4 Q4.strict [a4] uncovered_rule strict: an order without a guarantee does not bind
Q5 Q5.goods_receipt [e4] bob signed a receipt of the goods
Q6 Q6.not_shown [] nothing shows a payment by bob for this order
Q7 Q7.not_applicable [] no contract exchange
Q8 Q8.within_window [a4,c4] filed 2026-03-20T09:00:00.000Z within the window ending 2026-05-31T10:00:01.000Z
buyer_pays 0.00 EUR notary_pays 0.00 EUR seller_bears 800.00 EUR refund_to_buyer 0.00 EUR
"#,
    );
}

/// D5: above the headroom left by outstanding guarantees at the order's time. (`strict`)
#[test]
fn d5_strict() {
    check(
        &d5(),
        UncoveredRule::Strict,
        r#"
notar-rules/1 semper-consumer v2 a4db6f94 ag-bob
claim non_payment sally->bob Order("00000000000000000000000000000000000000000000000000000000000000a5") 300.00 EUR 2026-03-20T09:00:00.000Z
item a5 order true A0.admitted | - | 2026-03-05T10:00:01.000Z T.timestamp c5
item c5 timestamp true A0.notary_logged | 2026-03-05T09:59:59.000Z T.notary_time c5 | 2026-03-05T10:00:01.000Z T.notary_time c5
item f5 refusal true A0.notary_logged | 2026-03-05T10:00:03.000Z T.notary_time f5 | 2026-03-05T10:00:03.000Z T.notary_time f5
item e5 goods_receipt true A0.admitted | - | 2026-03-06T10:00:01.000Z T.timestamp ee5
item ee5 timestamp true A0.notary_logged | 2026-03-06T09:59:59.000Z T.notary_time ee5 | 2026-03-06T10:00:01.000Z T.notary_time ee5
P P.recorded [] semper-consumer version 2, as agreement ag-bob recorded
Q1 Q1.valid [a5] order of 300.00 EUR signed by bob with key kb1
Q2 Q2.before_revocation [a5,c5] signed by 2026-03-05T10:00:01.000Z at the latest, before the revocation registered at 2026-03-10T12:00:00.000Z
Q3 Q3.refused [f5] the notary refused a guarantee: total_cap_exceeded
Q4 Q4.strict [a5] uncovered_rule strict: an order without a guarantee does not bind
Q5 Q5.goods_receipt [e5] bob signed a receipt of the goods
Q6 Q6.not_shown [] nothing shows a payment by bob for this order
Q7 Q7.not_applicable [] no contract exchange
Q8 Q8.within_window [a5,c5] filed 2026-03-20T09:00:00.000Z within the window ending 2026-06-03T10:00:01.000Z
buyer_pays 0.00 EUR notary_pays 0.00 EUR seller_bears 300.00 EUR refund_to_buyer 0.00 EUR
"#,
    );
}
