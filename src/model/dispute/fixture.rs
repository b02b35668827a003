//! The Fixture of the dispute scenarios: bob (keys kb1, kb2), sally (ks1), the notary (nk1),
//! agreement `ag-bob` under `semper-consumer`, kb1's revocation registered at
//! R = 2026-03-10T12:00:00Z. Items are built as facts, with short readable ids.

use chrono::{DateTime, Utc};

use super::*;
use crate::model::complaint::ComplaintKind;
use crate::model::exchange::{Protocol, WireTime};
use crate::model::money::{Currency, Money};
use crate::model::policy::{parse_policy, UncoveredRule};
use crate::model::registry::{AgreementStatus, KeyRecord, KeySource, Revocation};

/// The instant R at which the notary registered kb1's revocation.
pub const R: &str = "2026-03-10T12:00:00.000Z";

/// An item id: `label` (hex digits) left-padded with zeros to 64.
pub fn id(label: &str) -> String {
    format!("{label:0>64}")
}

pub fn wt(s: &str) -> WireTime {
    WireTime::try_from(s.to_string()).expect("fixture times are canonical")
}

pub fn at(s: &str) -> DateTime<Utc> {
    wt(s).at()
}

pub fn eur(minor: i64) -> Money {
    Money {
        minor,
        currency: Currency::parse("EUR").expect("EUR"),
    }
}

/// `semper-consumer` as shipped (capped), or the same terms as version 2 with `strict`.
pub fn policy(rule: UncoveredRule) -> Policy {
    let text = include_str!("../../../policies/semper-consumer.toml");
    let text = match rule {
        UncoveredRule::Capped => text.to_string(),
        UncoveredRule::Strict => text
            .replace("uncovered_rule = \"capped\"", "uncovered_rule = \"strict\"")
            .replace("version = 1", "version = 2"),
    };
    parse_policy("semper-consumer.toml", &text).expect("the shipped policy parses")
}

pub fn agreement(policy: &Policy) -> Agreement {
    Agreement {
        id: "ag-bob".into(),
        buyer_id: "bob".into(),
        policy: policy.reference(),
        currency: Currency::parse("EUR").expect("EUR"),
        total_cap_minor: 100_000,
        per_tx_cap_minor: 50_000,
        valid_from: at("2026-01-01T00:00:00.000Z"),
        valid_until: at("2027-01-01T00:00:00.000Z"),
        keys: vec!["kb1".into(), "kb2".into()],
        status: AgreementStatus::Active,
        created_at: at("2026-01-01T00:00:00.000Z"),
        log_index: 3,
    }
}

fn key(key_id: &str, party: &str, registered: &str, revoked: Option<&str>) -> KeyRecord {
    KeyRecord {
        key_id: key_id.into(),
        party_id: party.into(),
        public_key: String::new(),
        source: KeySource::Raw,
        registered_at: at(registered),
        log_index: 1,
        revocation: revoked.map(|r| Revocation {
            registered_at: at(r),
            reason: "key compromise".into(),
            source: "manual".into(),
            claimed_at: None,
            log_index: 9,
        }),
    }
}

pub fn registry(guarantees: Vec<GuaranteeRecord>) -> Registry {
    Registry {
        notary_keys: vec!["nk1".into()],
        keys: vec![
            key("kb1", "bob", "2026-01-01T00:00:00.000Z", Some(R)),
            key("kb2", "bob", R, None),
            key("ks1", "sally", "2026-01-01T00:00:00.000Z", None),
        ],
        guarantees,
    }
}

/// A guarantee in the ledger, outstanding for 30 days from `issued`.
pub fn ledger_guarantee(gid: &str, minor: i64, issued: &str) -> GuaranteeRecord {
    let issued_at = at(issued);
    GuaranteeRecord {
        id: gid.into(),
        agreement: "ag-bob".into(),
        amount: eur(minor),
        issued_at,
        valid_until: issued_at + chrono::TimeDelta::days(30),
        ended_at: None,
    }
}

/// An item with a valid signature by `key`.
fn signed(label: &str, content: Content, embeds: &[&str], key: &str, in_log: Option<bool>) -> Item {
    Item {
        id: id(label),
        content,
        embeds: embeds.iter().map(|l| id(l)).collect(),
        facts: Facts {
            signature_valid: true,
            misnamed: false,
            unproven: false,
            signer: Some(key.into()),
            in_log,
        },
    }
}

/// A party-signed item, signature valid, signed with `key`.
pub fn party(label: &str, content: Content, embeds: &[&str], key: &str) -> Item {
    signed(label, content, embeds, key, None)
}

/// A notary-signed item, signature valid, in the log.
pub fn notary(label: &str, content: Content, embeds: &[&str]) -> Item {
    signed(label, content, embeds, "nk1", Some(true))
}

pub fn order(label: &str, minor: i64, tid: Option<&str>, embeds: &[&str], key: &str) -> Item {
    let content = Content::Order {
        buyer: "bob".into(),
        seller: "sally".into(),
        amount: eur(minor),
        agreement: "ag-bob".into(),
        tid: tid.map(id),
        claimed_at: Some(wt("2026-01-01T00:00:00.000Z")),
    };
    party(label, content, embeds, key)
}

/// A timestamp (accuracy 1 s) over the item `over`.
pub fn stamp(label: &str, over: &str, gen: &str) -> Item {
    let content = Content::Timestamp {
        digest: id(over),
        gen_time: wt(gen),
        accuracy_ms: 1000,
    };
    notary(label, content, &[])
}

pub fn guarantee(label: &str, gid: &str, minor: i64, issued: &str, over: &str) -> Item {
    let content = Content::Guarantee {
        guarantee_id: gid.into(),
        agreement: "ag-bob".into(),
        buyer: "bob".into(),
        amount: eur(minor),
        issued_at: wt(issued),
        valid_until: WireTime::new(at(issued) + chrono::TimeDelta::days(30)).expect("ms"),
    };
    notary(label, content, &[over])
}

pub fn refusal(label: &str, reason: &str, when: &str, over: &str) -> Item {
    let content = Content::Refusal {
        agreement: "ag-bob".into(),
        reason: reason.into(),
        at: wt(when),
    };
    notary(label, content, &[over])
}

pub fn goods_receipt(label: &str, over: &str, key: &str) -> Item {
    party(
        label,
        Content::GoodsReceipt {
            buyer: "bob".into(),
        },
        &[over],
        key,
    )
}

pub fn offer(
    label: &str,
    tid: &str,
    protocol: Protocol,
    o: (&str, &str),
    pay: Option<i64>,
) -> Item {
    let content = Content::Offer {
        tid: id(tid),
        protocol,
        originator: o.0.into(),
        responder: o.1.into(),
        payment: pay.map(eur),
        pays: vec![],
    };
    let key = if o.0 == "bob" { "kb2" } else { "ks1" };
    party(label, content, &[], key)
}

pub fn claim(kind: ComplaintKind, by: (&str, &str), subject: ClaimSubject, minor: i64) -> Claim {
    Claim {
        kind,
        claimant: by.0.into(),
        respondent: by.1.into(),
        subject,
        amount: eur(minor),
        filed_at: wt("2026-03-20T09:00:00.000Z"),
    }
}

/// One line per part of a ruling, every field of it, for whole-ruling comparisons.
pub fn render(r: &Ruling) -> String {
    let short = |s: &str| s.trim_start_matches('0').to_string();
    let ids = |v: &[String]| v.iter().map(|s| short(s)).collect::<Vec<_>>().join(",");
    let bound = |b: &Option<Bound>| match b {
        Some(b) => format!("{} {} {}", String::from(b.at), b.rule_id, short(&b.by)),
        None => "-".into(),
    };
    let c = &r.claim;
    let mut out = vec![
        format!(
            "{} {} v{} {} {}",
            r.rules_version,
            r.policy.id,
            r.policy.version,
            &r.policy.digest[..8],
            r.agreement
        ),
        format!(
            "claim {} {}->{} {:?} {} {}",
            c.kind.as_str(),
            c.claimant,
            c.respondent,
            c.subject,
            c.amount,
            String::from(c.filed_at)
        ),
    ];
    for i in &r.items {
        out.push(format!(
            "item {} {} {} {} | {} | {}",
            short(&i.id),
            i.what,
            i.admissible,
            i.rule_id,
            bound(&i.earliest),
            bound(&i.latest)
        ));
    }
    for f in &r.findings {
        out.push(format!(
            "{:?} {} [{}] {}",
            f.question,
            f.rule_id,
            ids(&f.evidence_ids),
            f.answer
        ));
    }
    let a = &r.allocation;
    out.push(format!(
        "buyer_pays {} notary_pays {} seller_bears {} refund_to_buyer {}",
        a.buyer_pays, a.notary_pays, a.seller_bears, a.refund_to_buyer
    ));
    for act in &r.actions {
        out.push(match act {
            Action::ReleaseGuarantee { guarantee_id } => {
                format!("release_guarantee {guarantee_id}")
            }
            Action::HoldGuarantee { guarantee_id } => format!("hold_guarantee {guarantee_id}"),
            Action::ResolveExchange { tid } => format!("resolve_exchange {}", short(tid)),
            Action::AbortExchange { tid } => format!("abort_exchange {}", short(tid)),
            Action::FlagNotaryFault { item } => format!("flag_notary_fault {}", short(item)),
        });
    }
    out.join("\n")
}
