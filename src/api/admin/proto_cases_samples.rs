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
        amount: eur(1_200),
        filed_at: T.into(),
        response_deadline: T.into(),
        status,
        overdue: status == ComplaintStatus::Open,
        taken_by: (status == ComplaintStatus::Answered).then(|| "alice".into()),
        counter_claim: status == ComplaintStatus::Answered,
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
