//! `notar bundle verify FILE`: checks an evidence bundle (`notar-bundle/1`) offline; and
//! `notar case export COMPLAINT_ID --out FILE`: an arbitrator's export of a case's bundle over
//! the admin socket; `notar case rule` and `notar case confirm` (in `ruling_cmd`).

use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context};
use clap::{Args, Subcommand};

use super::admin_client::AdminClient;
use super::out::print_json;
use super::{Classify, Failure};
use crate::api::admin::proto::{Op, Reply};
use crate::console::sanitize::sanitize_prefix;
use crate::replay::{verify, ItemReport, Report};

/// `notar bundle ...`.
#[derive(Debug, Args)]
pub struct BundleArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: BundleCommand,
}

/// Subcommands of `notar bundle`.
#[derive(Debug, Subcommand)]
pub enum BundleCommand {
    /// Check an evidence bundle offline, with nothing from the server: the checkpoint's
    /// signature by the bundle's notary key; each notary-signed item's signature and its C2SP
    /// tlog-proof against that checkpoint; each party-signed item's signature by a key the
    /// bundle's registry registers; each RFC 3161 token (signature, chain to the bundle's TSA
    /// root, imprint); each document's content against its digest.
    ///
    /// Prints one line per item. Exit 0: everything verifies; 1: some item fails (named by its
    /// id, with the reason); 2: the file is not a readable bundle. The notary key the bundle
    /// names is printed: compare it with the key you trust, or give it with --notary-key-id.
    #[command(verbatim_doc_comment)]
    Verify {
        /// The bundle (JSON).
        file: PathBuf,
        /// The key id (hex SHA-256 of the Ed25519 key, as `GET /v1/notary` says) of the notary
        /// you trust: a bundle naming another notary key fails (exit 1).
        #[arg(long, value_name = "HEX", value_parser = super::replay_cmd::key_id_arg)]
        notary_key_id: Option<String>,
        /// Print the whole report as JSON (each item's id, result, reason and facts).
        #[arg(long)]
        json: bool,
    },
}

/// `notar case ...`.
#[derive(Debug, Args)]
pub struct CaseArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: CaseCommand,
}

/// Subcommands of `notar case`.
#[derive(Debug, Subcommand)]
pub enum CaseCommand {
    /// Arbitrators: show a case as the notary holds it (the claim, the answer and counter-claim,
    /// the evidence, the history, the ruling or pending proposal), changing nothing (admin
    /// socket of --data). `notar complaint take` shows the same and records you as working it.
    Show {
        /// The complaint.
        complaint_id: String,
        /// Print the case as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Arbitrators: write a case's evidence bundle (notar-bundle/1) from the notary's records
    /// and the parties' submissions (admin socket of --data). Check it with
    /// `notar bundle verify FILE`. A complaint id the notary does not know exits 2, a refusal 1.
    Export {
        /// The complaint.
        complaint_id: String,
        /// Where to write the bundle: a new file (an existing one is kept, exit 2, unless
        /// --force).
        #[arg(long)]
        out: PathBuf,
        /// Write over an existing --out file.
        #[arg(long)]
        force: bool,
        /// Write the bundle the case's signed ruling (or pending proposal) cites, exactly as
        /// the notary replayed it (its SHA-256 is the ruling's bundle_digest), instead of one
        /// built now: a later export holds a newer checkpoint and the ruling itself.
        #[arg(long)]
        ruled: bool,
        /// Print what was written as JSON: `file`, `bundle_digest` (the file's SHA-256, hex:
        /// what a ruling on these bytes cites), `items`, `registry` (counts) and
        /// `checkpoint_size`.
        #[arg(long)]
        json: bool,
    },
    /// Arbitrators: replay a case and have the notary sign its ruling (logged, actions run).
    ///
    /// The notary builds the case's evidence bundle, replays it and signs the ruling, naming
    /// you (your Unix user and its [arbitrators] name) and the bundle's SHA-256. The ruling is
    /// logged and its actions run at once (a released guarantee frees its exposure; an exchange
    /// left undecided is resolved or aborted by a token logged right after the ruling). A
    /// respondent's counter-claim is decided in the same ruling. When the policy sets
    /// `second_arbitrator_above` and the ruling moves more than that (the largest amount claimed or
    /// allocated, or of a guarantee it releases or holds), the ruling is only proposed (exit 0;
    /// with --json, `status` is `proposed`, else `ruled`): another arbitrator confirms it with
    /// `notar case confirm`. Only an answered or
    /// silent case can be ruled (an open one: `response_pending`), and only once (again:
    /// `already_ruled`); refusals exit 1, a complaint id the notary does not know exits 2.
    ///
    /// To sign only the ruling you reviewed: `notar case export ID --out case.json`, read
    /// `notar replay case.json`, then `notar case rule ID --expect-ruling HEX` with the HEX of
    /// its `decision digest` line. When the notary's fresh replay gives another ruling (the
    /// evidence changed: a settlement, an answer, a decided exchange), nothing is signed
    /// (`ruling_changed`, exit 1): review again. The same when such a change lands while the
    /// notary signs, with or without --expect-ruling.
    Rule {
        /// The complaint.
        complaint_id: String,
        /// The `decision digest` `notar replay` printed for the ruling you reviewed (hex SHA-256
        /// of its canonical JSON with `items`, the timeline, emptied to `[]`, here and in a
        /// counter-claim): the notary signs only that decision.
        #[arg(long, value_name = "HEX", value_parser = super::replay_cmd::digest_arg)]
        expect_ruling: Option<String>,
        /// Print the answer as JSON (with the signed `ruling` envelope).
        #[arg(long)]
        json: bool,
    },
    /// Arbitrators: confirm the ruling another arbitrator proposed on a case.
    ///
    /// The notary signs it exactly as proposed, naming both arbitrators, and its actions run.
    /// The proposer cannot confirm (`same_arbitrator`); refusals exit 1, an unknown complaint id 2.
    ///
    /// Review the proposal first: `notar case export ID --ruled --out proposal.json` writes the
    /// bundle it rests on, `notar replay proposal.json` prints its findings, allocation, actions
    /// and `decision digest`; then `notar case confirm ID --expect-ruling HEX`. To reject it
    /// instead: `notar case withdraw ID --reason TEXT`.
    Confirm {
        /// The complaint.
        complaint_id: String,
        /// The `decision digest` `notar replay` printed for the proposal you reviewed: the
        /// notary confirms only that decision (another one: `ruling_changed`, nothing signed).
        #[arg(long, value_name = "HEX", value_parser = super::replay_cmd::digest_arg)]
        expect_ruling: Option<String>,
        /// Print the answer as JSON (with the signed `ruling` envelope).
        #[arg(long)]
        json: bool,
    },
    /// Arbitrators: withdraw the ruling proposed on a case (yours, or another arbitrator's
    /// that you reject).
    ///
    /// Nothing had been signed; the reason goes into the case's history, and the case can be
    /// ruled afresh with `notar case rule`. No proposal: `no_proposal`; refusals exit 1, an unknown
    /// complaint id 2.
    Withdraw {
        /// The complaint.
        complaint_id: String,
        /// Why (1 to 256 printable bytes): recorded in the case's history, which the parties read.
        #[arg(long)]
        reason: String,
        /// Print the case as it now is, as JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Runs `notar bundle ...`.
pub fn run_bundle(args: BundleArgs) -> Result<(), Failure> {
    match args.command {
        BundleCommand::Verify {
            file,
            notary_key_id,
            json,
        } => verify_file(&file, notary_key_id.as_deref(), json),
    }
}

/// Runs `notar case ...`.
pub async fn run_case(data: &Path, args: CaseArgs) -> Result<(), Failure> {
    match args.command {
        CaseCommand::Show { complaint_id, json } => {
            super::complaint_cmd::show_case(data, complaint_id, json).await
        }
        CaseCommand::Export {
            complaint_id,
            out,
            force,
            ruled,
            json,
        } => export(data, complaint_id, (&out, force), ruled, json).await,
        CaseCommand::Rule {
            complaint_id,
            expect_ruling,
            json,
        } => {
            let op = Op::RulingSign {
                complaint_id,
                expect_ruling,
            };
            super::ruling_cmd::rule(data, op, json).await
        }
        CaseCommand::Confirm {
            complaint_id,
            expect_ruling,
            json,
        } => {
            let op = Op::RulingConfirm {
                complaint_id,
                expect_ruling,
            };
            super::ruling_cmd::rule(data, op, json).await
        }
        CaseCommand::Withdraw {
            complaint_id,
            reason,
            json,
        } => super::ruling_cmd::withdraw(data, complaint_id, reason, json).await,
    }
}

async fn export(
    data: &Path,
    complaint_id: String,
    (out, force): (&Path, bool),
    ruled: bool,
    json: bool,
) -> Result<(), Failure> {
    if out.is_dir() {
        return Err(Failure::Usage(anyhow!(
            "{} is a directory: --out takes the path of the bundle file to write",
            out.display()
        )));
    }
    if out.symlink_metadata().is_ok() && !force {
        return Err(Failure::Usage(anyhow!(
            "{} exists: it may be the bundle a ruling cites, so it is not written over (--out ANOTHER, or --force)",
            out.display()
        )));
    }
    let mut admin = AdminClient::connect(data).await?;
    let reply = admin
        .call(Op::CaseExport {
            complaint_id,
            ruled,
        })
        .await?;
    let Reply::CaseBundle { bundle } = reply else {
        return Err(Failure::Refused(anyhow!(
            "unexpected answer from the notary: {reply:?}"
        )));
    };
    let bytes = bundle
        .to_file_bytes()
        .context("encoding the bundle")
        .refused()?;
    super::out::write_file(out, &bytes, force)?;
    let digest = crate::model::exchange::Sha256Hex::of(&bytes);
    if json {
        let v = serde_json::json!({
            "file": out.display().to_string(),
            "bundle_digest": digest.as_str(),
            "items": bundle.items.len(),
            "registry": bundle.registry.len(),
            "checkpoint_size": checkpoint_size(&bundle.checkpoint).parse::<u64>().ok(),
        });
        super::out::print_json_text(&v.to_string());
        return Ok(());
    }
    outln!(
        "wrote {}: {} items, {} registry entries, checkpoint of {} entries",
        out.display(),
        bundle.items.len(),
        bundle.registry.len(),
        checkpoint_size(&bundle.checkpoint)
    );
    outln!("bundle digest {}", digest.as_str());
    Ok(())
}

/// The size line of a checkpoint, for people.
fn checkpoint_size(note: &str) -> &str {
    note.lines().nth(1).unwrap_or("?")
}

fn verify_file(file: &Path, trusted: Option<&str>, json: bool) -> Result<(), Failure> {
    let bytes = super::replay_cmd::read_bundle(file)?;
    let report = verify(&bytes)
        .with_context(|| format!("{} is not a readable bundle", file.display()))
        .usage()?;
    if json {
        print_json(&report)?;
    } else {
        print_report(&report);
    }
    if let Some(trusted) = trusted.filter(|t| *t != report.notary_key_id) {
        return Err(Failure::Refused(anyhow!(
            "the bundle is signed by notary key {}, not {}",
            report.notary_key_id,
            sanitize_prefix(trusted, 64)
        )));
    }
    if report.ok() {
        return Ok(());
    }
    Err(Failure::Refused(anyhow!("{}", failing(&report))))
}

/// What fails in a report that is not ok, in one line: the checkpoint, the claim and the
/// counter-claim each with its reason, then the failing items by id (or that every item
/// verifies: before, "0 item(s) fail: " with nothing after it, s10 S10-6).
fn failing(report: &Report) -> String {
    let why = |reason: &Option<String>| {
        reason
            .as_deref()
            .map(|r| format!(" ({})", sanitize_prefix(r, 200)))
            .unwrap_or_default()
    };
    let mut parts = Vec::new();
    if !report.checkpoint.ok {
        parts.push(format!(
            "the checkpoint fails{}",
            why(&report.checkpoint.reason)
        ));
    }
    if !report.claim.ok {
        parts.push(format!("the claim fails{}", why(&report.claim.reason)));
    }
    if let Some(c) = report.counter_claim.as_ref().filter(|c| !c.ok) {
        parts.push(format!("the counter-claim fails{}", why(&c.reason)));
    }
    let failed: Vec<String> = report.failures().map(|i| short(&i.id)).collect();
    parts.push(match failed.len() {
        0 => "every item verifies".to_string(),
        n => format!("{n} item(s) fail: {}", failed.join(", ")),
    });
    parts.join("; ")
}

/// Prints the report; a closed stdout (`| head`) ends the printing quietly.
fn print_report(r: &Report) {
    use std::io::Write;
    let _ = std::io::stdout()
        .lock()
        .write_all(report_text(r).as_bytes());
}

fn report_text(r: &Report) -> String {
    let fail = |reason: &Option<String>| sanitize_prefix(reason.as_deref().unwrap_or(""), 200);
    let mut out = vec![
        format!(
            "bundle for complaint {}",
            sanitize_prefix(&r.complaint_id, 64)
        ),
        format!("notary key {}", r.notary_key_id),
        match r.checkpoint.ok {
            true => format!(
                "checkpoint ok: {} entries, root {}",
                r.checkpoint.size.unwrap_or(0),
                r.checkpoint.root.as_deref().unwrap_or("")
            ),
            false => format!("checkpoint FAIL: {}", fail(&r.checkpoint.reason)),
        },
        match r.claim.ok {
            true => format!(
                "claim ok: as the notary's receipt {} states it",
                short(r.claim.receipt.as_deref().unwrap_or(""))
            ),
            false => format!("claim FAIL: {}", fail(&r.claim.reason)),
        },
    ];
    out.extend(r.counter_claim.as_ref().map(|c| match c.ok {
        true => format!(
            "counter-claim ok: as the notary's response receipt {} and the response state it",
            short(c.receipt.as_deref().unwrap_or(""))
        ),
        false => format!("counter-claim FAIL: {}", fail(&c.reason)),
    }));
    let answer = r.answer.warning(&sanitize_prefix(&r.complaint_id, 64));
    let shown = short(r.answer.item.as_deref().unwrap_or(""));
    out.push(match answer {
        Some(w) => format!("answer: NOTE {w}"),
        None if r.answer.shown == crate::replay::Answered::Silent => {
            format!("answer: none in time, the notary's silence record {shown}")
        }
        None => format!("answer: the notary's response receipt {shown}"),
    });
    out.extend(r.items.iter().map(line));
    out.push(format!(
        "{} items, {} fail\n",
        r.items.len(),
        r.failures().count()
    ));
    out.join("\n")
}

/// One line: result, id, section, kind, then what was established or why it fails.
fn line(i: &ItemReport) -> String {
    let head = format!(
        "{} {} {:<8} {:<26}",
        if i.ok { "ok  " } else { "FAIL" },
        sanitize_prefix(&i.id, 64),
        match i.section {
            crate::replay::Section::Items => "item",
            crate::replay::Section::Registry => "registry",
        },
        sanitize_prefix(&i.kind, 26)
    );
    if let Some(reason) = &i.reason {
        return format!("{head} {}", sanitize_prefix(reason, 200));
    }
    let f = &i.facts;
    let mut facts = Vec::new();
    if let Some(s) = &f.signer {
        let who = s
            .party_id
            .as_deref()
            .map_or("notary".into(), |p| format!("party {p}"));
        facts.push(format!(
            "signed by {} ({})",
            short(&s.key_id),
            sanitize_prefix(&who, 48)
        ));
    }
    if let Some(l) = &f.in_log {
        facts.push(format!(
            "log #{} at {}",
            l.index,
            sanitize_prefix(&l.logged_at, 32)
        ));
    }
    if let Some(t) = &f.gen_time {
        facts.push(format!("genTime {}", sanitize_prefix(t, 32)));
    }
    if f.content_ok == Some(true) {
        facts.push("content matches".into());
    }
    format!("{head} {}", facts.join(", "))
}

fn short(id: &str) -> String {
    sanitize_prefix(id, 16)
}
