//! The timestamp command: RFC 3161 tokens whose serial number is their log index, so each token
//! itself says where in the notary's log it sits.

use base64::Engine;
use chrono::{DateTime, Utc};
use serde_json::json;

use super::command::Decision;
use super::reads::TimestampRecord;
use super::sequencer::{Records, StageCtx, StagedEntry};
use super::{Notary, NotaryError, Shared};
use crate::crypto::tsa::{self, TimestampQuery, TokenParams};
use crate::model::entry::EntryKind;
use crate::model::time::rfc3339_ms;
use crate::store::{u64_key, Cf};

/// A granted timestamp, durable in the log.
#[derive(Clone, Debug)]
pub struct StampReceipt {
    /// DER `TimeStampResp` (status granted) to send back.
    pub response_der: Vec<u8>,
    /// Token serial number = log index.
    pub serial: u64,
    /// Token genTime.
    pub gen_time: DateTime<Utc>,
}

/// The answer to a timestamp query.
#[derive(Clone, Debug)]
pub enum StampOutcome {
    /// Token issued and logged.
    Granted(StampReceipt),
    /// The query was refused; `response_der` is an RFC 3161 rejection (unsigned, not logged).
    Rejected {
        /// DER `TimeStampResp` with status rejection.
        response_der: Vec<u8>,
        /// Why, for humans.
        reason: String,
    },
}

impl Notary {
    /// Answers a DER `TimeStampReq`.
    pub async fn stamp(&self, query_der: &[u8]) -> Result<StampOutcome, NotaryError> {
        match tsa::parse_query(query_der, &self.shared.policy) {
            Ok(q) => Ok(StampOutcome::Granted(self.stamp_query(q, None).await?)),
            Err(rejection) => Ok(StampOutcome::Rejected {
                response_der: tsa::rejection_response(&rejection),
                reason: rejection.to_string(),
            }),
        }
    }

    /// Issues and logs a token for a parsed query; `operator` names the arbitrator who asked.
    pub async fn stamp_query(
        &self,
        query: TimestampQuery,
        operator: Option<String>,
    ) -> Result<StampReceipt, NotaryError> {
        let shared = self.shared.clone();
        let receipt = self
            .command(move |ctx| {
                // The token needs no state, only its serial (the index) and time: its
                // signature and everything made from it are deferred work, on the pool.
                let ctx = *ctx;
                let run = Box::new(move || stage_stamp(&shared, &ctx, &query, operator));
                Ok(Decision::Deferred {
                    count: 1,
                    run,
                    after: None,
                })
            })
            .await?;
        self.shared.stamp_rate.record(1);
        Ok(receipt)
    }
}

/// Issues the token whose serial is `ctx.index` and builds its log entry, its records (by serial
/// and by imprint) and the receipt to answer with once durable.
fn stage_stamp(
    shared: &Shared,
    ctx: &StageCtx,
    query: &TimestampQuery,
    operator: Option<String>,
) -> Result<(StagedEntry, Records, StampReceipt), NotaryError> {
    let params = TokenParams {
        serial: ctx.index,
        gen_time: ctx.now,
        policy: shared.policy,
        accuracy_ms: shared.config.timestamp.accuracy_ms,
    };
    let response_der = tsa::issue_response(&shared.tsa, query, &params)
        .map_err(|e| NotaryError::Tsa(e.to_string()))?;
    let record = TimestampRecord {
        serial: ctx.index,
        gen_time: rfc3339_ms(ctx.now),
        hash_alg: query.hash_alg,
        imprint: hex::encode(&query.imprint),
        operator: operator.clone(),
    };
    let body = json!({
        "record": record,
        "response": base64::engine::general_purpose::STANDARD.encode(&response_der),
    });
    let record_json = serde_json::to_vec(&record).map_err(|e| NotaryError::Bug(e.to_string()))?;
    let mut by_digest = query.imprint.clone();
    by_digest.extend_from_slice(&u64_key(ctx.index));
    let records = vec![
        (Cf::Timestamps, u64_key(ctx.index).to_vec(), record_json),
        (Cf::TimestampsByDigest, by_digest, Vec::new()),
    ];
    let receipt = StampReceipt {
        response_der,
        serial: ctx.index,
        gen_time: ctx.now,
    };
    Ok((
        ctx.entry(EntryKind::Timestamp, operator, body)?,
        records,
        receipt,
    ))
}
