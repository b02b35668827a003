//! The admin operations: one `match` routes every [`Op`] to its handler (so a new operation
//! without one does not compile). The handlers translate the request, call the notary and shape
//! the reply: those on the log and timestamps are here, the registry and ledger ones in
//! `ops_ledger`, the exchange ones in `ops_exchanges`, the complaint ones in `ops_cases`,
//! the case export in `ops_case_export`, the case replay in `ops_case_replay`, the rulings in
//! `ops_rulings`, the sellers' tokens in `ops_tokens`.

use base64::Engine;

use super::ops_case_export as case_export;
use super::ops_case_replay as case_replay;
use super::ops_cases as cases;
use super::ops_exchanges as exchanges;
use super::ops_ledger as ledger;
use super::ops_rulings as rulings;
use super::ops_tokens as tokens;
use super::proto::{
    CheckpointItem, EntryItem, ErrorBody, ErrorCode, GuaranteeCounts, HashAlg, Hello, Op,
    ProofItem, Reply, Status, TimestampItem,
};
use crate::crypto::tsa::TimestampQuery;
use crate::model::entry::LogEntry;
use crate::model::time::rfc3339_ms;
use crate::notary::{Notary, NotaryError};

/// Most items one listing returns.
const LIMIT_MAX: u32 = 500;

/// The caller, from the socket's peer credentials.
pub struct Operator {
    /// Unix user name.
    pub user: String,
    /// Arbitrator name from notar.toml.
    pub arbitrator: String,
}

impl Operator {
    /// The name recorded in the log entries this caller causes.
    pub(super) fn logged(&self) -> Option<String> {
        Some(self.user.clone())
    }
}

/// What an operation answers.
pub(super) type OpResult = Result<Reply, ErrorBody>;

/// Runs one operation for `op`erator.
pub async fn handle(notary: &Notary, operator: &Operator, op: Op) -> OpResult {
    match op {
        Op::Hello => Ok(hello(notary, operator)),
        Op::Status => Ok(status(notary)),
        Op::TimestampsRecent { limit } => timestamps_recent(notary, limit),
        Op::TimestampsSearch { imprint } => timestamps_search(notary, &imprint),
        Op::Stamp { hash_alg, imprint } => stamp(notary, operator, hash_alg, &imprint).await,
        Op::Checkpoints { limit } => checkpoints(notary, limit),
        Op::Entries { start, limit } => entries(notary, start, limit),
        Op::Prove { index } => prove(notary, index),
        Op::PartyRegister {
            name,
            role,
            public_key_hex,
            certificate_b64,
        } => {
            let key = ledger::key_input(public_key_hex, certificate_b64)?;
            ledger::register_party(notary, operator, &name, role, key).await
        }
        Op::Parties { query } => Ok(ledger::parties(notary, &query)),
        Op::PartyShow { party_id } => ledger::party(notary, &party_id),
        Op::KeyAdd {
            party_id,
            public_key_hex: hex,
            certificate_b64: cert,
        } => ledger::add_key(notary, operator, &party_id, (hex, cert)).await,
        Op::KeyRevoke { key_id, reason } => {
            ledger::revoke_key(notary, operator, &key_id, &reason).await
        }
        Op::CrlImport { crl_b64 } => ledger::import_crl(notary, operator, &crl_b64).await,
        Op::SellerToken { party_id, change } => {
            tokens::change(notary, operator, &party_id, change).await
        }
        Op::AgreementCreate {
            buyer_id,
            policy_id,
            total_cap_minor,
            per_tx_cap_minor,
            valid_until,
            keys,
        } => {
            let caps = (total_cap_minor, per_tx_cap_minor);
            let req = ledger::new_agreement(buyer_id, policy_id, caps, valid_until, keys)?;
            ledger::create_agreement(notary, operator, req).await
        }
        Op::AgreementStatus {
            agreement_id,
            status,
            reason,
        } => ledger::set_agreement_status(notary, operator, &agreement_id, status, &reason).await,
        Op::Agreements { query } => Ok(ledger::agreements(notary, &query)),
        Op::AgreementShow {
            agreement_id,
            limit,
        } => ledger::agreement(notary, &agreement_id, limit),
        Op::LedgerFeed { limit } => ledger::feed(notary, limit),
        Op::Policies => Ok(ledger::policies(notary)),
        Op::Exchanges { limit } => exchanges::exchanges(notary, limit),
        op @ (Op::Complaints { .. }
        | Op::ComplaintShow { .. }
        | Op::ComplaintTake { .. }
        | Op::ComplaintNote { .. }
        | Op::CaseExport { .. }
        | Op::RulingSign { .. }
        | Op::RulingConfirm { .. }
        | Op::ProposalWithdraw { .. }
        | Op::CaseReplay { .. }) => case_op(notary, operator, op).await,
    }
}

/// Runs one of the complaint and case operations (the queue, the desk, rulings).
async fn case_op(notary: &Notary, operator: &Operator, op: Op) -> OpResult {
    match op {
        Op::Complaints { limit } => cases::complaints(notary, limit),
        Op::ComplaintShow { complaint_id } => cases::show(notary, &complaint_id),
        Op::ComplaintTake { complaint_id } => cases::take(notary, operator, &complaint_id).await,
        Op::ComplaintNote { complaint_id, text } => {
            cases::note(notary, operator, &complaint_id, &text).await
        }
        Op::CaseExport {
            complaint_id,
            ruled,
        } => case_export::export(notary, &complaint_id, ruled).await,
        Op::RulingSign {
            complaint_id: id,
            expect_ruling,
        } => rulings::sign(notary, operator, &id, expect_ruling.as_deref()).await,
        Op::RulingConfirm {
            complaint_id: id,
            expect_ruling,
        } => rulings::confirm(notary, operator, &id, expect_ruling.as_deref()).await,
        Op::ProposalWithdraw {
            complaint_id: id,
            reason,
        } => rulings::withdraw(notary, operator, &id, &reason).await,
        Op::CaseReplay { complaint_id } => case_replay::replay(notary, &complaint_id).await,
        // `handle` sends only the operations above here.
        other => Err(ErrorBody::new(
            ErrorCode::Internal,
            format!("not a case operation: {other:?}"),
        )),
    }
}

fn hello(notary: &Notary, operator: &Operator) -> Reply {
    let id = notary.identity();
    Reply::Hello(Hello {
        operator: operator.user.clone(),
        arbitrator: operator.arbitrator.clone(),
        notary: id.name.clone(),
        key_id: id.key_id.clone(),
        checkpoint_vkey: id.checkpoint_vkey.clone(),
        tsa_subject: id.tsa_subject.clone(),
        timestamp_policy: id.timestamp_policy.clone(),
        timestamp_accuracy_ms: id.timestamp_accuracy_ms,
        http_url: notary.http_url().map(str::to_string),
    })
}

fn status(notary: &Notary) -> Reply {
    let s = notary.stats();
    let signed = s.since_start;
    Reply::Status(Status {
        now: rfc3339_ms(s.now),
        started_at: rfc3339_ms(notary.started_at()),
        log_size: notary.log_size(),
        checkpoint_size: s.checkpoint_size,
        checkpoint_age_ms: s.checkpoint_age_ms,
        timestamps_per_s_milli: s.timestamps_per_s_milli,
        timestamps_total: s.timestamps_total,
        guarantees: GuaranteeCounts {
            granted: signed.guarantees,
            refused: signed.refusals,
            settled: signed.settlements,
            released: signed.releases,
        },
        exchanges_decided: signed.exchange_decisions,
        activity: s.activity,
        failed: notary.is_failed(),
        failed_reason: notary.failed_reason(),
        role: Some(notary.role().as_str().to_string()),
    })
}

fn parse_imprint(hex_text: &str) -> Result<Vec<u8>, ErrorBody> {
    hex::decode(hex_text.trim())
        .map_err(|e| ErrorBody::bad_request(format!("imprint is not hex: {e}")))
}

fn timestamps_recent(notary: &Notary, limit: u32) -> OpResult {
    let items = notary.recent_timestamps(limit.min(LIMIT_MAX) as usize)?;
    Ok(Reply::Timestamps { items })
}

fn timestamps_search(notary: &Notary, imprint: &str) -> OpResult {
    let items = notary.timestamps_by_imprint(&parse_imprint(imprint)?)?;
    Ok(Reply::Timestamps { items })
}

async fn stamp(notary: &Notary, operator: &Operator, alg: HashAlg, imprint: &str) -> OpResult {
    let query = TimestampQuery::for_imprint(alg, parse_imprint(imprint)?)
        .map_err(|r| ErrorBody::bad_request(r.text))?;
    let r = notary.stamp_query(query.clone(), operator.logged()).await?;
    Ok(Reply::Stamped(TimestampItem {
        serial: r.serial,
        gen_time: rfc3339_ms(r.gen_time),
        hash_alg: alg,
        imprint: hex::encode(&query.imprint),
        operator: operator.logged(),
    }))
}

fn checkpoints(notary: &Notary, limit: u32) -> OpResult {
    let items = notary.recent_checkpoints(limit.min(LIMIT_MAX) as usize)?;
    Ok(Reply::Checkpoints {
        items: items
            .into_iter()
            .map(|(size, note)| CheckpointItem { size, note })
            .collect(),
    })
}

fn entries(notary: &Notary, start: u64, limit: u32) -> OpResult {
    let end = start
        .saturating_add(u64::from(limit.min(LIMIT_MAX)))
        .min(notary.log_size());
    let items = (start..end)
        .map(|index| Ok(entry_item(index, notary.entry(index)?)))
        .collect::<Result<_, NotaryError>>()?;
    Ok(Reply::Entries { items })
}

fn prove(notary: &Notary, index: u64) -> OpResult {
    let cp = notary
        .checkpoint()
        .ok_or_else(|| ErrorBody::new(ErrorCode::NotFound, "no checkpoint yet"))?;
    let size = cp.size;
    if index >= size {
        return Err(ErrorBody::bad_request(format!(
            "entry {index} is not in the log of size {size}"
        )));
    }
    let raw = notary.entry(index)?;
    let proof = notary.inclusion_proof(index, size)?;
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

fn entry_item(index: u64, raw: Vec<u8>) -> EntryItem {
    let parsed: Option<LogEntry> = serde_json::from_slice(&raw).ok();
    let raw = String::from_utf8_lossy(&raw).into_owned();
    match parsed {
        Some(e) => EntryItem {
            index,
            kind: Some(e.kind),
            logged_at: e.logged_at,
            operator: e.operator,
            raw,
        },
        None => EntryItem {
            index,
            kind: None,
            logged_at: String::new(),
            operator: None,
            raw,
        },
    }
}
