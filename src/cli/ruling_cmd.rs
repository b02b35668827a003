//! `notar case rule CASE_ID` and `notar case confirm CASE_ID`: an arbitrator has the notary sign
//! (or propose, or confirm) a case's ruling over the admin socket.

use std::path::Path;

use anyhow::anyhow;

use super::admin_client::AdminClient;
use super::out::print_json;
use super::Failure;
use crate::api::admin::proto::{Op, Reply};
use crate::console::sanitize::sanitize_prefix;

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
            outln!(
                "case {} ruled by {}: ruling at log index {index}",
                clean(&item.complaint_id),
                clean(&item.arbitrator)
            );
            for a in r.payload["actions"].as_array().into_iter().flatten() {
                let what = a["action"].as_str().unwrap_or("?");
                let result = a["result"].as_str().unwrap_or("?");
                let mut line = format!("  {}: {}", clean(what), clean(result));
                if let Some(reason) = a["reason"].as_str().filter(|_| result == "not_run") {
                    line.push_str(&format!(" ({})", clean(reason)));
                }
                if let Some(token) = a["log_index"].as_u64() {
                    line.push_str(&format!(", exchange token at log index {token}"));
                }
                outln!("{line}");
            }
        }
        None => outln!(
            "case {}: ruling proposed by {}; a second arbitrator confirms it with \
             `notar case confirm {}`",
            clean(&item.complaint_id),
            clean(&item.arbitrator),
            clean(&item.complaint_id)
        ),
    }
    outln!("bundle sha256 {}", clean(&item.bundle_digest));
    Ok(())
}
