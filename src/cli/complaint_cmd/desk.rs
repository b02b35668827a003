//! `notar complaint list|take|note`: the arbitrators' side, over the admin socket of `--data`
//! (the caller's Unix user is the operator the notary records).

use std::path::Path;

use anyhow::anyhow;

use crate::api::admin::proto::{ComplaintDetail, ComplaintItem, Op, Reply};
use crate::cli::admin_client::AdminClient;
use crate::cli::out::{print_fields, print_json, print_table};
use crate::cli::Failure;
use crate::console::sanitize::sanitize;

fn unexpected(reply: &Reply) -> Failure {
    Failure::Refused(anyhow!("unexpected answer from the notary: {reply:?}"))
}

/// The queue, by deadline; overdue and silent cases marked in words.
pub(super) async fn list(data: &Path, limit: u32, json: bool) -> Result<(), Failure> {
    let mut admin = AdminClient::connect(data).await?;
    let reply = admin.call(Op::Complaints { limit }).await?;
    let Reply::Complaints { items } = &reply else {
        return Err(unexpected(&reply));
    };
    if json {
        return print_json(&reply);
    }
    let rows: Vec<Vec<String>> = items.iter().map(row).collect();
    print_table(
        &[
            "COMPLAINT",
            "STATUS",
            "DEADLINE",
            "KIND",
            "AMOUNT",
            "CLAIMANT",
            "RESPONDENT",
            "TAKEN",
        ],
        &rows,
    );
    Ok(())
}

fn row(c: &ComplaintItem) -> Vec<String> {
    let mut status = c.status.as_str().to_string();
    if c.overdue {
        status.push_str(" OVERDUE");
    }
    if c.counter_claim {
        status.push_str(" +counter");
    }
    if let Some(r) = &c.ruling {
        status.push(' ');
        status.push_str(&prefix(r, 12).to_uppercase());
    }
    vec![
        c.complaint_id.clone(),
        status,
        c.response_deadline.clone(),
        c.kind.as_str().to_string(),
        c.amount.to_string(),
        prefix(&c.claimant_name, 24),
        prefix(&c.respondent_name, 24),
        c.taken_by.clone().unwrap_or_default(),
    ]
}

/// The first `n` characters of `s`, `…` after them when cut. Raw: the table and the fields
/// sanitise what they print, once (s10 S10-3: escaped here too, a `\u{202e}` showed doubled).
fn prefix(s: &str, n: usize) -> String {
    match s.char_indices().nth(n) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s.to_string(),
    }
}

/// Shows a case, changing nothing (`notar case show`).
pub(crate) async fn show(data: &Path, complaint_id: String, json: bool) -> Result<(), Failure> {
    let mut admin = AdminClient::connect(data).await?;
    let reply = admin.call(Op::ComplaintShow { complaint_id }).await?;
    print_case(&reply, json)
}

/// Takes a case.
pub(super) async fn take(data: &Path, complaint_id: String, json: bool) -> Result<(), Failure> {
    let mut admin = AdminClient::connect(data).await?;
    let reply = admin.call(Op::ComplaintTake { complaint_id }).await?;
    print_case(&reply, json)
}

/// Adds a note to a case.
pub(super) async fn note(
    data: &Path,
    complaint_id: String,
    text: String,
    json: bool,
) -> Result<(), Failure> {
    let mut admin = AdminClient::connect(data).await?;
    let reply = admin.call(Op::ComplaintNote { complaint_id, text }).await?;
    print_case(&reply, json)
}

fn print_case(reply: &Reply, json: bool) -> Result<(), Failure> {
    let Reply::Complaint(detail) = reply else {
        return Err(unexpected(reply));
    };
    if json {
        return print_json(reply);
    }
    print_detail(detail);
    Ok(())
}

fn print_detail(d: &ComplaintDetail) {
    let c = &d.item;
    let mut fields = vec![
        ("complaint", c.complaint_id.clone()),
        ("status", row(c)[1].clone()),
        ("claimant", format!("{} ({})", c.claimant_name, c.claimant)),
        (
            "respondent",
            format!("{} ({})", c.respondent_name, c.respondent),
        ),
        ("deadline", c.response_deadline.clone()),
        ("taken by", c.taken_by.clone().unwrap_or_default()),
        ("statement", d.statement.clone()),
    ];
    for e in &d.evidence {
        fields.push(("evidence", e.summary.clone()));
    }
    if let Some(r) = &d.response {
        fields.push(("answered", r.answered_at.clone()));
        fields.push(("response", r.statement.clone()));
    }
    // Raw: `print_fields` sanitises each value (once).
    print_fields(&fields);
    outln!("history");
    for h in &d.history {
        let by = h.by.as_deref().map(|b| format!(" [{}]", sanitize(b)));
        outln!(
            "  {}  {}{}",
            h.at,
            sanitize(&h.what),
            by.unwrap_or_default()
        );
    }
}
