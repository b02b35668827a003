//! `notar case rule CASE_ID`, `notar case confirm CASE_ID` and `notar case withdraw CASE_ID`: an
//! arbitrator has the notary sign (or propose, or confirm) a case's ruling over the admin socket,
//! or withdraws a proposed one.

use std::path::Path;

use anyhow::anyhow;

use super::admin_client::AdminClient;
use super::out::print_json;
use super::Failure;
use crate::api::admin::proto::{Op, Reply};
use crate::console::sanitize::sanitize_prefix;
use crate::model::money::Money;

/// Sends `op` (`RulingSign` or `RulingConfirm`) and prints the answer.
pub async fn rule(data: &Path, op: Op, json: bool) -> Result<(), Failure> {
    let mut admin = AdminClient::connect(data).await?;
    let reply = admin.call(op).await?;
    let Reply::Ruling(item) = reply else {
        return Err(Failure::Refused(anyhow!(
            "unexpected answer from the notary: {reply:?}"
        )));
    };
    if json {
        return print_json(&item);
    }
    let clean = |s: &str| sanitize_prefix(s, 200);
    match &item.ruling {
        Some(r) => {
            let index = r.payload["log_index"].as_u64().unwrap_or_default();
            let confirmed = r.payload["confirmed_by"]["name"]
                .as_str()
                .map(|c| format!(", confirmed by {}", clean(c)))
                .unwrap_or_default();
            outln!(
                "case {} ruled by {}{confirmed}: ruling at log index {index}",
                clean(&item.complaint_id),
                clean(&item.arbitrator)
            );
            for a in r.payload["actions"].as_array().into_iter().flatten() {
                let what = a["action"].as_str().unwrap_or("?");
                let result = a["result"].as_str().unwrap_or("?");
                let mut line = format!("  {}: {}", clean(what), clean(result));
                // A guarantee's id and amount: what the action moves (s12 M1).
                if let Some(g) = a["guarantee_id"].as_str() {
                    let amount = serde_json::from_value::<Money>(a["amount"].clone())
                        .map(|m| format!(" ({m})"))
                        .unwrap_or_default();
                    line.push_str(&format!(", guarantee {}{amount}", clean(g)));
                }
                if let Some(reason) = a["reason"].as_str().filter(|_| result == "not_run") {
                    line.push_str(&format!(" ({})", clean(reason)));
                }
                if let Some(token) = a["log_index"].as_u64() {
                    line.push_str(&format!(", exchange token at log index {token}"));
                }
                outln!("{line}");
            }
        }
        None => {
            let id = clean(&item.complaint_id);
            outln!(
                "case {id}: ruling proposed by {}; nothing is signed until a second arbitrator \
                 confirms it",
                clean(&item.arbitrator)
            );
            outln!(
                "  review: notar case export {id} --ruled --out proposal.json && notar replay \
                 proposal.json"
            );
            outln!("  confirm: notar case confirm {id} --expect-ruling HEX (its decision digest)");
            outln!("  reject: notar case withdraw {id} --reason TEXT");
        }
    }
    outln!("bundle sha256 {}", clean(&item.bundle_digest));
    Ok(())
}

/// `notar case withdraw`: withdraws a case's proposed ruling, saying why.
pub async fn withdraw(
    data: &Path,
    complaint_id: String,
    reason: String,
    json: bool,
) -> Result<(), Failure> {
    let mut admin = AdminClient::connect(data).await?;
    let op = Op::ProposalWithdraw {
        complaint_id,
        reason,
    };
    let reply = admin.call(op).await?;
    let Reply::Complaint(detail) = reply else {
        return Err(Failure::Refused(anyhow!(
            "unexpected answer from the notary: {reply:?}"
        )));
    };
    if json {
        return print_json(&detail);
    }
    let id = sanitize_prefix(&detail.item.complaint_id, 200);
    outln!("case {id}: proposed ruling withdrawn; nothing was signed");
    outln!("  rule it afresh: notar case rule {id}");
    Ok(())
}
