//! One function per admin operation: translate the request, call the notary, shape the reply.

use base64::Engine;

use super::proto::{CheckpointItem, EntryItem, Hello, Op, ProofItem, Reply, Status, TimestampItem};
use crate::crypto::tsa::{HashAlg, TimestampQuery};
use crate::model::entry::LogEntry;
use crate::model::time::rfc3339_ms;
use crate::notary::{Notary, NotaryError, TimestampRecord};

/// Most items one listing returns.
const LIMIT_MAX: u32 = 500;

/// The caller, from the socket's peer credentials.
pub struct Operator {
    /// Unix user name.
    pub user: String,
    /// Arbitrator name from notar.toml.
    pub arbitrator: String,
}

type OpResult = Result<Reply, (&'static str, String)>;

fn fail(e: NotaryError) -> (&'static str, String) {
    (e.code(), e.to_string())
}

fn item(r: TimestampRecord) -> TimestampItem {
    TimestampItem {
        serial: r.serial,
        gen_time: r.gen_time,
        hash_alg: r.hash_alg,
        imprint: r.imprint,
        operator: r.operator,
    }
}

fn parse_imprint(hex_text: &str) -> Result<Vec<u8>, (&'static str, String)> {
    hex::decode(hex_text.trim()).map_err(|e| ("bad_request", format!("imprint is not hex: {e}")))
}

/// Runs one operation for `op`erator.
pub async fn handle(notary: &Notary, operator: &Operator, op: Op) -> OpResult {
    let op = match op {
        Op::Hello
        | Op::Status
        | Op::TimestampsRecent { .. }
        | Op::TimestampsSearch { .. }
        | Op::Stamp { .. }
        | Op::Checkpoints { .. }
        | Op::Entries { .. }
        | Op::Prove { .. } => op,
        other => {
            return super::ops_ledger::handle(notary, operator, other)
                .await
                .unwrap_or_else(|| Err(("bad_request", "unknown operation".into())))
        }
    };
    match op {
        Op::Hello => {
            let id = notary.identity();
            Ok(Reply::Hello(Hello {
                operator: operator.user.clone(),
                arbitrator: operator.arbitrator.clone(),
                notary: id.name.clone(),
                key_id: id.key_id.clone(),
                checkpoint_vkey: id.checkpoint_vkey.clone(),
                tsa_subject: id.tsa_subject.clone(),
                timestamp_policy: id.timestamp_policy.clone(),
                timestamp_accuracy_ms: id.timestamp_accuracy_ms,
            }))
        }
        Op::Status => {
            let s = notary.stats();
            Ok(Reply::Status(Status {
                now: rfc3339_ms(s.now),
                started_at: rfc3339_ms(notary.started_at()),
                log_size: notary.log_size(),
                checkpoint_size: s.checkpoint_size,
                checkpoint_age_ms: s.checkpoint_age_ms,
                timestamps_per_s_milli: s.timestamps_per_s_milli,
                timestamps_total: s.timestamps_total,
                failed: notary.is_failed(),
            }))
        }
        Op::TimestampsRecent { limit } => {
            let items = notary
                .recent_timestamps(limit.min(LIMIT_MAX) as usize)
                .map_err(fail)?;
            Ok(Reply::Timestamps {
                items: items.into_iter().map(item).collect(),
            })
        }
        Op::TimestampsSearch { imprint } => {
            let bytes = parse_imprint(&imprint)?;
            let items = notary.timestamps_by_imprint(&bytes).map_err(fail)?;
            Ok(Reply::Timestamps {
                items: items.into_iter().map(item).collect(),
            })
        }
        Op::Stamp { hash_alg, imprint } => {
            let alg = HashAlg::ALL
                .into_iter()
                .find(|a| a.name() == hash_alg)
                .ok_or_else(|| {
                    (
                        "bad_request",
                        format!("unknown hash algorithm {hash_alg:?}"),
                    )
                })?;
            let query = TimestampQuery::for_imprint(alg, parse_imprint(&imprint)?)
                .map_err(|r| ("bad_request", r.text))?;
            let r = notary
                .stamp_query(query.clone(), Some(operator.user.clone()))
                .await
                .map_err(fail)?;
            Ok(Reply::Stamped(TimestampItem {
                serial: r.serial,
                gen_time: rfc3339_ms(r.gen_time),
                hash_alg: alg.name().to_string(),
                imprint: hex::encode(&query.imprint),
                operator: Some(operator.user.clone()),
            }))
        }
        Op::Checkpoints { limit } => {
            let items = notary
                .recent_checkpoints(limit.min(LIMIT_MAX) as usize)
                .map_err(fail)?;
            Ok(Reply::Checkpoints {
                items: items
                    .into_iter()
                    .map(|(size, note)| CheckpointItem { size, note })
                    .collect(),
            })
        }
        Op::Entries { start, limit } => {
            let size = notary.log_size();
            let end = start
                .saturating_add(u64::from(limit.min(LIMIT_MAX)))
                .min(size);
            let mut items = Vec::new();
            for index in start..end {
                let raw = notary.entry(index).map_err(fail)?;
                items.push(entry_item(index, raw));
            }
            Ok(Reply::Entries { items })
        }
        Op::Prove { index } => {
            let cp = notary
                .checkpoint()
                .ok_or(("not_found", "no checkpoint yet".to_string()))?;
            let size = cp.size;
            if index >= size {
                return Err((
                    "bad_request",
                    format!("entry {index} is not in the log of size {size}"),
                ));
            }
            let raw = notary.entry(index).map_err(fail)?;
            let proof = notary.inclusion_proof(index, size).map_err(fail)?;
            Ok(Reply::Proof(ProofItem {
                index,
                raw: String::from_utf8_lossy(&raw).into_owned(),
                checkpoint: cp.note.clone(),
                proof: proof
                    .iter()
                    .map(|h| base64::engine::general_purpose::STANDARD.encode(h))
                    .collect(),
            }))
        }
        _ => Err(("bad_request", "unknown operation".into())),
    }
}

fn entry_item(index: u64, raw: Vec<u8>) -> EntryItem {
    let parsed: Option<LogEntry> = serde_json::from_slice(&raw).ok();
    let text = String::from_utf8_lossy(&raw).into_owned();
    match parsed {
        Some(e) => EntryItem {
            index,
            kind: serde_json::to_value(e.kind)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
            logged_at: e.logged_at,
            operator: e.operator,
            raw: text,
        },
        None => EntryItem {
            index,
            kind: "unreadable".into(),
            logged_at: String::new(),
            operator: None,
            raw: text,
        },
    }
}
