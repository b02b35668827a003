//! `notar replay BUNDLE [--json]`: verifies an evidence bundle offline, joins it to the rule
//! engine's inputs and prints the reasoned ruling (or its canonical JSON). The output depends
//! only on the bundle's content: the same whatever the order of its items or their repeats.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context};
use clap::Args;

use super::{Classify, Failure};
use crate::console::sanitize::sanitize_prefix;
use crate::model::dispute::{
    Action, Bound, Claim, ClaimSubject, Content, Finding, ItemRecord, Ruling,
};
use crate::model::money::Money;
use crate::replay::{replay, Answered, Replay, Section, BUNDLE_LEN_MAX, TSA_UNPROVEN};

/// `notar replay`.
#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// The evidence bundle (notar-bundle/1 JSON, e.g. from `notar case export`).
    pub bundle: PathBuf,
    /// Print the ruling as canonical JSON (RFC 8785): the bytes a signed ruling cites.
    #[arg(long)]
    pub json: bool,
    /// The key id (hex SHA-256 of the Ed25519 key, as `GET /v1/notary` says) of the notary you
    /// trust: a bundle naming another notary key is not replayed (exit 1). Without it, compare
    /// the key id the ruling's first line prints.
    #[arg(long, value_name = "HEX", value_parser = key_id_arg)]
    pub notary_key_id: Option<String>,
}

/// A `--notary-key-id` value: 64 lowercase hex digits (else a usage error, exit 2).
pub(super) fn key_id_arg(s: &str) -> Result<String, String> {
    crate::model::exchange::Sha256Hex::try_from(s.to_string())
        .map(String::from)
        .map_err(|e| format!("{e} (a key id: key_id of GET /v1/notary)"))
}

/// A `--expect-ruling` value: 64 lowercase hex digits (else a usage error, exit 2).
pub(super) fn digest_arg(s: &str) -> Result<String, String> {
    hex_digest(s).map_err(|e| format!("{e} (the `decision digest` line of notar replay)"))
}

/// An option holding a SHA-256 digest (`--tid`, `--order-digest`, `--expect-ruling`): 64 hex
/// digits, checked before anything is read or signed; given in capitals (copied from another
/// tool) it is taken in the lowercase form notar writes (s11 L3).
pub(super) fn hex_digest(s: &str) -> Result<String, String> {
    crate::model::exchange::Sha256Hex::try_from(s.to_ascii_lowercase())
        .map(String::from)
        .map_err(|e| e.to_string())
}

/// Runs `notar replay`.
pub fn run(args: ReplayArgs) -> Result<(), Failure> {
    let bytes = read_bundle(&args.bundle)?;
    let replayed = replay(&bytes)
        .with_context(|| format!("{} cannot be replayed", args.bundle.display()))
        .usage()?;
    let named = &replayed.report.notary_key_id;
    if let Some(trusted) = args.notary_key_id.as_deref().filter(|t| *t != named) {
        return Err(Failure::Refused(anyhow!(
            "the bundle is signed by notary key {named}, not {trusted}: not replayed"
        )));
    }
    if let Some(why) = replayed.report.claim.reason.as_deref() {
        // Replayed, so no verified receipt stated the claim: it rests on the bundle's word.
        eprintln!(
            "warning: the claim is not confirmed by the notary: {}; it is replayed as the bundle states it",
            s(why, 200)
        );
    }
    let answer = replayed
        .report
        .answer
        .warning(&s(&replayed.report.complaint_id, 64));
    if let Some(w) = &answer {
        eprintln!("warning: {w}");
    }
    // A bundle whose TSA is not shown to be the notary's (an old one without its identity
    // entry, or another TSA's chain) admits no token: its ruling can differ from the notary's
    // (s14 F4, it said nothing).
    let tsa = replayed.report.items.iter().find_map(|i| {
        i.reason
            .as_deref()
            .filter(|r| i.kind == "rfc3161_token" && r.starts_with(TSA_UNPROVEN))
    });
    if let Some(why) = tsa {
        eprintln!(
            "warning: {}: no timestamp of this bundle is admitted",
            s(why, 200)
        );
    }
    for a in &replayed.assumed {
        eprintln!("warning: {}", s(a, 400));
    }
    for w in unnamed_failures(&replayed) {
        eprintln!("warning: {w}");
    }
    let out = if args.json {
        let mut b = replayed.ruling.to_canonical_json();
        b.push(b'\n');
        b
    } else {
        let mut text = ruling_text(
            &replayed.ruling,
            &replayed.report.notary_key_id,
            &guarantee_amounts(&replayed.items),
        );
        text.push_str(&context_text(&replayed));
        text.into_bytes()
    };
    // A closed stdout (`| head`) ends the printing quietly.
    let _ = std::io::stdout().lock().write_all(&out);
    Ok(())
}

/// A bundle file's bytes, refused (exit 2) when unreadable or over the size limit.
pub(super) fn read_bundle(file: &Path) -> Result<Vec<u8>, Failure> {
    let meta = std::fs::metadata(file)
        .with_context(|| format!("reading {}", file.display()))
        .usage()?;
    if meta.len() > BUNDLE_LEN_MAX as u64 {
        return Err(Failure::Usage(anyhow!(
            "{} is larger than {BUNDLE_LEN_MAX} bytes",
            file.display()
        )));
    }
    // The size the file system states is not a bound (a device or a FIFO states 0, a file may
    // grow): at most one byte past the limit is read.
    let mut bytes = Vec::new();
    std::fs::File::open(file)
        .and_then(|f| f.take(BUNDLE_LEN_MAX as u64 + 1).read_to_end(&mut bytes))
        .with_context(|| format!("reading {}", file.display()))
        .usage()?;
    if bytes.len() > BUNDLE_LEN_MAX {
        return Err(Failure::Usage(anyhow!(
            "{} is larger than {BUNDLE_LEN_MAX} bytes",
            file.display()
        )));
    }
    Ok(bytes)
}

fn s(text: &str, max: usize) -> String {
    sanitize_prefix(text, max)
}

/// The amount of each guarantee the bundle holds validly signed, by guarantee id: shown beside
/// an action that releases or holds it.
fn guarantee_amounts(items: &[crate::model::dispute::Item]) -> BTreeMap<String, Money> {
    items
        .iter()
        .filter(|i| i.facts.signature_valid)
        .filter_map(|i| match &i.content {
            Content::Guarantee {
                guarantee_id,
                amount,
                ..
            } => Some((guarantee_id.clone(), *amount)),
            _ => None,
        })
        .collect()
}

/// The ruling for people: header, claim, timeline, findings, allocation, actions (`amounts`:
/// of the guarantees they release or hold).
fn ruling_text(r: &Ruling, notary_key_id: &str, amounts: &BTreeMap<String, Money>) -> String {
    let c = &r.claim;
    let mut out = vec![
        format!(
            "ruling under {} (notary key {})",
            r.rules_version,
            s(notary_key_id, 64)
        ),
        format!(
            "policy {} version {} (digest {}), agreement {}",
            s(&r.policy.id, 64),
            r.policy.version,
            s(&r.policy.digest, 64),
            s(&r.agreement, 64)
        ),
        claim_line("claim", c),
        format!(
            "decision digest {} (notar case rule or confirm --expect-ruling: signs only this decision)",
            r.decision_digest()
        ),
        String::new(),
        format!("items ({}, by time):", r.items.len()),
    ];
    out.extend(r.items.iter().map(item_line));
    out.push(String::new());
    out.extend(decision_lines(r, "", &[], amounts));
    if let Some(cc) = &r.counter_claim {
        out.push(claim_line("counter-claim", &cc.claim));
        out.push(String::new());
        out.extend(decision_lines(cc, "counter-claim ", &r.actions, amounts));
    }
    out.join("\n")
}

/// `claim non_payment: sally against bob, guarantee g1, 120.00 EUR, filed …` (`label` is
/// `claim` or `counter-claim`).
fn claim_line(label: &str, c: &Claim) -> String {
    let subject = match &c.subject {
        ClaimSubject::Tid(t) => format!("exchange {}", s(t, 64)),
        ClaimSubject::Guarantee(g) => format!("guarantee {}", s(g, 64)),
        ClaimSubject::Order(o) => format!("order {}", s(o, 64)),
    };
    format!(
        "{label} {}: {} against {}, {subject}, {}, filed {}",
        c.kind.as_str(),
        s(&c.claimant, 64),
        s(&c.respondent, 64),
        c.amount,
        String::from(c.filed_at)
    )
}

/// Findings, allocation and actions of one part of a ruling (the claim's, or with `prefix`
/// `counter-claim ` the counter-claim's), ending with an empty line.
/// `ran` holds the claim's actions: the counter-claim's among them run once, with the claim's.
fn decision_lines(
    r: &Ruling,
    prefix: &str,
    ran: &[Action],
    amounts: &BTreeMap<String, Money>,
) -> Vec<String> {
    let mut out = vec![format!("{prefix}findings ({}):", r.findings.len())];
    out.extend(r.findings.iter().map(finding_line));
    out.push(String::new());
    let a = &r.allocation;
    out.push(format!(
        "{prefix}allocation: buyer pays {}, notary pays {}, seller bears {}, refund to buyer {}",
        a.buyer_pays, a.notary_pays, a.seller_bears, a.refund_to_buyer
    ));
    if r.actions.is_empty() {
        out.push(format!("{prefix}actions: none"));
    } else {
        out.push(format!("{prefix}actions:"));
        out.extend(r.actions.iter().map(|a| match ran.contains(a) {
            true => format!("{} (the claim's too: run once)", action_line(a, amounts)),
            false => action_line(a, amounts),
        }));
    }
    out.push(String::new());
    out
}

/// The bundle items the rules have no content for (the complaint, the response, its receipt),
/// sorted by id and once each, so the output does not depend on the bundle's order.
fn context_text(r: &Replay) -> String {
    let mut out = answer_text(r);
    out.push_str(&loose_stamps(r));
    out.push_str(&unused_text(r));
    out
}

/// How the bundle shows the respondent's answer: the ruling rests on it.
fn answer_text(r: &Replay) -> String {
    let a = &r.report.answer;
    let item = short(a.item.as_deref().unwrap_or(""));
    let shown = match a.shown {
        Answered::Answered => format!("answered (response receipt {item})"),
        Answered::Silent => format!("silent (silence record {item})"),
        Answered::NotShown => "not shown in this bundle (open or settled at filing when exported, or left out: only the notary's records tell)".into(),
    };
    let mut out = format!("\nthe respondent's answer: {shown}\n");
    for id in &a.failed {
        out.push_str(&format!(
            "  a notary record of the answer fails its checks: {}\n",
            short(id)
        ));
    }
    out
}

/// Timestamps whose imprint is no item of the bundle: they bound nothing. A file stamped as
/// written (`notar stamp order.json`) is one: the order's item id is the SHA-256 of its
/// canonical JSON (`notar stamp --envelope`).
fn loose_stamps(r: &Replay) -> String {
    let ids: BTreeSet<&str> = r.report.items.iter().map(|i| i.id.as_str()).collect();
    let loose: BTreeSet<(&str, &str)> = r
        .items
        .iter()
        .filter_map(|i| match &i.content {
            Content::Timestamp { digest, .. } if !ids.contains(digest.as_str()) => {
                Some((i.id.as_str(), digest.as_str()))
            }
            _ => None,
        })
        .collect();
    if loose.is_empty() {
        return String::new();
    }
    let mut out = vec![format!(
        "\ntimestamps over no item of the bundle, so bounding nothing ({}; an envelope is stamped by its canonical JSON: notar stamp --envelope):",
        loose.len()
    )];
    out.extend(
        loose
            .iter()
            .map(|(id, digest)| format!("  {} imprint {}", short(id), short(digest))),
    );
    out.push(String::new());
    out.join("\n")
}

/// Items and registry entries that fail their checks but no finding names (the complaint, the
/// response, a registry entry the rules did not need): the ruling does not show them, yet the
/// bundle is not as the notary made it.
fn unnamed_failures(r: &Replay) -> Vec<String> {
    let parts = std::iter::once(&r.ruling).chain(r.ruling.counter_claim.as_deref());
    let named: BTreeSet<&str> = parts
        .flat_map(|p| &p.findings)
        .filter(|f| f.question == crate::model::dispute::Question::A0)
        .flat_map(|f| f.evidence_ids.iter().map(String::as_str))
        .collect();
    let failing = r
        .report
        .failures()
        .filter(|i| !named.contains(i.id.as_str()));
    let mut out: Vec<String> = failing
        .map(|i| {
            format!(
                "{} {} fails its checks ({}), and no finding names it: the bundle is not as the notary made it (notar bundle verify lists every check)",
                s(&i.kind, 40),
                short(&i.id),
                s(i.reason.as_deref().unwrap_or("it fails"), 160)
            )
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

fn unused_text(r: &Replay) -> String {
    let used: BTreeSet<&str> = r.items.iter().map(|i| i.id.as_str()).collect();
    let other: BTreeSet<(String, String)> = r
        .report
        .items
        .iter()
        .filter(|i| i.section == Section::Items && !used.contains(i.id.as_str()))
        .map(|i| {
            let kind = match i.ok {
                true => s(&i.kind, 40),
                false => format!("{} FAILS its checks", s(&i.kind, 40)),
            };
            (i.id.clone(), kind)
        })
        .collect();
    if other.is_empty() {
        return String::new();
    }
    let mut out = vec![format!(
        "\nalso in the bundle, not used by the rules ({}):",
        other.len()
    )];
    out.extend(
        other
            .iter()
            .map(|(id, kind)| format!("  {} {kind}", short(id))),
    );
    out.push(String::new());
    out.join("\n")
}

fn bound(b: &Option<Bound>) -> String {
    match b {
        Some(b) => format!(
            "{} ({} {})",
            String::from(b.at),
            s(&b.rule_id, 24),
            short(&b.by)
        ),
        None => "-".into(),
    }
}

fn item_line(i: &ItemRecord) -> String {
    format!(
        "  {} {:<20} {:<12} {:<22} earliest {}; latest {}",
        short(&i.id),
        s(&i.what, 20),
        if i.admissible {
            "admitted"
        } else {
            "INADMISSIBLE"
        },
        s(&i.rule_id, 22),
        bound(&i.earliest),
        bound(&i.latest)
    )
}

fn finding_line(f: &Finding) -> String {
    let ids: Vec<String> = f.evidence_ids.iter().map(|i| short(i)).collect();
    format!(
        "  {:<3} {:<26} [{}] {}",
        format!("{:?}", f.question),
        s(&f.rule_id, 26),
        ids.join(","),
        s(&f.answer, 400)
    )
}

fn action_line(a: &Action, amounts: &BTreeMap<String, Money>) -> String {
    format!("  {}", s(&a.with_amount(amounts), 200))
}

fn short(id: &str) -> String {
    s(id, 16)
}
