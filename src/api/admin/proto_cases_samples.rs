//! Sample exchange and complaint bodies for the round-trip tests: every enum value once.

use super::super::*;
use crate::model::money::Money;

const T: &str = "2025-03-02T12:00:00.000Z";

pub fn exchanges() -> Vec<ExchangeItem> {
    let undecided = ExchangeItem {
        tid: "ab".repeat(32),
        protocol: Protocol::Contract,
        originator: "p1".into(),
        originator_name: "Bob".into(),
        responder: "p2".into(),
        responder_name: "Shop".into(),
        status: ExchangeStatus::Undecided,
        outcome: None,
        deadline: T.into(),
        first_seen: T.into(),
        decided_at: None,
        log_index: None,
    };
    let outcomes = [
        (
            ExchangeStatus::Aborted,
            Outcome::Aborted,
            Protocol::Contract,
        ),
        (ExchangeStatus::Aborted, Outcome::Expired, Protocol::Item),
        (
            ExchangeStatus::Resolved,
            Outcome::Resolved,
            Protocol::Contract,
        ),
        (ExchangeStatus::Resolved, Outcome::Delivered, Protocol::Item),
        (
            ExchangeStatus::Resolved,
            Outcome::EscrowFailed,
            Protocol::Item,
        ),
    ];
    let decided = outcomes.map(|(status, outcome, protocol)| ExchangeItem {
        protocol,
        status,
        outcome: Some(outcome),
        decided_at: Some(T.into()),
        log_index: Some(7),
        ..undecided.clone()
    });
    std::iter::once(undecided).chain(decided).collect()
}

pub fn complaint(status: ComplaintStatus) -> ComplaintItem {
    let kind = ComplaintKind::ALL[status as usize % ComplaintKind::ALL.len()];
    ComplaintItem {
        complaint_id: "c1".into(),
        kind,
        claimant: "p1".into(),
        claimant_name: "Bob".into(),
        respondent: "p2".into(),
        respondent_name: "Shop".into(),
        tid: (status != ComplaintStatus::Open).then(|| "ab".repeat(32)),
        guarantee_id: (status == ComplaintStatus::Open).then(|| "g1".into()),
        order_digest: None,
        amount: eur(1_200),
        filed_at: T.into(),
        response_deadline: T.into(),
        status,
        overdue: status == ComplaintStatus::Open,
        taken_by: (status == ComplaintStatus::Answered).then(|| "alice".into()),
        counter_claim: status == ComplaintStatus::Answered,
        ruling: (status == ComplaintStatus::Silent).then(|| "proposed".into()),
    }
}

pub fn detail() -> ComplaintDetail {
    let evidence = |kind: &str| EvidenceItem {
        id: "cd".repeat(32),
        kind: kind.into(),
        summary: format!("{kind} signed by Bob"),
        signer: Some("p1".into()),
    };
    ComplaintDetail {
        item: complaint(ComplaintStatus::Answered),
        statement: "never delivered".into(),
        evidence: vec![evidence("exchange_offer"), evidence("rfc3161_token")],
        response: Some(ResponseItem {
            answered_at: T.into(),
            statement: "delivered on time".into(),
            evidence: vec![evidence("document")],
            counter_claim: Some(CounterClaimItem {
                kind: ComplaintKind::NonPayment,
                amount: eur(500),
                statement: "not paid".into(),
            }),
        }),
        history: vec![HistoryItem {
            at: T.into(),
            what: "filed".into(),
            by: Some("p1".into()),
            log_index: Some(3),
        }],
    }
}

fn eur(minor: i64) -> Money {
    let eur = crate::model::money::Currency::parse("EUR").expect("EUR is ISO 4217");
    Money::positive(minor, eur).expect("a positive amount")
}

/// A bundle with one item of each type (not a valid one: for the round trip).
pub fn bundle() -> crate::replay::Bundle {
    use crate::crypto::envelope::{Envelope, EnvelopeSignature};
    use crate::replay::{Bundle, Claim, Item, NotaryKeys, FORMAT};
    let env = Envelope {
        kind: "order".into(),
        payload: serde_json::json!({"n": 1}),
        signatures: vec![EnvelopeSignature {
            key_id: "k1".into(),
            alg: "ed25519".into(),
            sig: "c2ln".into(),
        }],
    };
    Bundle {
        format: FORMAT.into(),
        claim: Claim {
            complaint_id: "c1".into(),
            kind: "non_delivery".into(),
            claimant: "p1".into(),
            respondent: "p2".into(),
            tid: Some("ab".repeat(32)),
            guarantee_id: None,
            order_digest: None,
            amount: eur(12_000),
            filed_at: T.into(),
            counter_claim: None,
        },
        items: vec![
            Item::PartyEnvelope {
                id: "i1".into(),
                envelope: env.clone(),
            },
            Item::NotaryEnvelope {
                id: "i2".into(),
                envelope: env,
                proof: "c2sp.org/tlog-proof@v1\nindex 0\n\ncp".into(),
            },
            Item::Rfc3161Token {
                id: "i3".into(),
                token: "MA==".into(),
                imprint: "00".into(),
            },
            Item::Document {
                id: "i4".into(),
                sha256: "i4".into(),
                name: "a.pdf".into(),
                media_type: "application/pdf".into(),
                content: Some("YQ==".into()),
            },
        ],
        registry: vec![],
        notary: NotaryKeys {
            name: "notar".into(),
            key_id: "k0".into(),
            public_key: "AA==".into(),
            checkpoint_vkey: "v".into(),
            log_origin: "o".into(),
            tsa_chain: vec!["MA==".into()],
            identity: None,
        },
        checkpoint: "cp".into(),
    }
}

/// A sample instant.
fn wire(s: &str) -> crate::model::exchange::WireTime {
    let t = chrono::DateTime::parse_from_rfc3339(s).expect("a sample RFC 3339 time");
    crate::model::exchange::WireTime::new(t.with_timezone(&chrono::Utc))
        .expect("a sample time in whole milliseconds")
}

/// The sample ruling's timeline: four items, the last inadmissible, the first two bounded.
fn ruling_items() -> Vec<crate::model::dispute::ItemRecord> {
    use crate::model::dispute::{Bound, ItemRecord};
    let bound = |s: &str, rule: &str, by: &str| Bound {
        at: wire(s),
        rule_id: rule.into(),
        by: by.into(),
    };
    let item = |id: &str, what: &str, ok: bool, rule: &str| ItemRecord {
        id: id.repeat(32),
        what: what.into(),
        admissible: ok,
        rule_id: rule.into(),
        earliest: None,
        latest: None,
    };
    let mut items = vec![
        item("a1", "order", true, "A0.admitted"),
        item("b2", "guarantee", true, "A0.admitted"),
        item("c3", "timestamp", true, "A0.admitted"),
        item("d4", "goods_receipt", false, "A0.bad_signature"),
    ];
    items[0].earliest = Some(bound(
        "2026-03-01T09:58:00.000Z",
        "T.freshness",
        &"e5".repeat(32),
    ));
    items[0].latest = Some(bound(
        "2026-03-01T10:00:01.250Z",
        "T.timestamp",
        &"c3".repeat(32),
    ));
    items[1].latest = Some(bound(
        "2026-03-01T10:00:02.000Z",
        "T.notary_time",
        &"b2".repeat(32),
    ));
    items
}

/// The sample ruling's findings, in order.
fn ruling_findings() -> Vec<crate::model::dispute::Finding> {
    use crate::model::dispute::{Finding, Question};
    let finding = |q: Question, answer: &str, rule: &str, ids: &[&str]| Finding {
        question: q,
        answer: answer.into(),
        rule_id: rule.into(),
        evidence_ids: ids.iter().map(|i| i.repeat(32)).collect(),
    };
    vec![
        finding(
            Question::P,
            "the agreement's policy standard v1",
            "P.recorded",
            &[],
        ),
        finding(
            Question::A0,
            "the goods receipt's signature fails",
            "A0.bad_signature",
            &["d4"],
        ),
        finding(Question::Q1, "a valid order", "Q1.valid", &["a1"]),
        finding(
            Question::Q3,
            "guarantee g1 covers the order",
            "Q3.covered",
            &["a1", "b2"],
        ),
        finding(
            Question::Q5,
            "no admissible proof of delivery",
            "Q5.not_delivered",
            &[],
        ),
    ]
}

/// A replayed non-delivery claim: four items on the timeline (one inadmissible), findings with
/// rule ids, an allocation and two actions (not an adjudicated one: for the round trip and the
/// console's views).
pub fn ruling() -> crate::model::dispute::Ruling {
    use crate::model::dispute::{Action, Allocation, Claim, ClaimSubject, Ruling, RULES_VERSION};
    let zero = Money { minor: 0, ..eur(1) };
    Ruling {
        rules_version: RULES_VERSION.into(),
        policy: crate::model::policy::PolicyRef {
            id: "standard".into(),
            version: 1,
            digest: "f0".repeat(32),
        },
        agreement: "agr-1".into(),
        claim: Claim {
            kind: ComplaintKind::NonDelivery,
            claimant: "p1".into(),
            respondent: "p2".into(),
            subject: ClaimSubject::Guarantee("g1".into()),
            amount: eur(12_000),
            filed_at: wire(T),
        },
        items: ruling_items(),
        findings: ruling_findings(),
        allocation: Allocation {
            buyer_pays: zero,
            notary_pays: zero,
            seller_bears: zero,
            refund_to_buyer: eur(12_000),
        },
        actions: vec![
            Action::ReleaseGuarantee {
                guarantee_id: "g1".into(),
            },
            Action::FlagNotaryFault {
                item: "d4".repeat(32),
            },
        ],
        counter_claim: None,
    }
}
