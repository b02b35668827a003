//! The timestamp command: RFC 3161 tokens whose serial number is their log index, so each token
//! itself says where in the notary's log it sits.

use base64::Engine;
use chrono::{DateTime, Utc};

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
    let record_json = serde_json::to_vec(&record).map_err(|e| NotaryError::Bug(e.to_string()))?;
    let body = logged_body(&record_json, &response_der);
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
        ctx.entry_of_bytes(EntryKind::Timestamp, operator.as_deref(), &body)?,
        records,
        receipt,
    ))
}

/// The canonical bytes of a timestamp's log entry body, `{"record": …, "response": base64}`,
/// written in one pass around the record's bytes (canonical: [`TimestampRecord`] declares its
/// members in JCS order), with no JSON tree built and walked; a test holds the two to the same
/// bytes. Base64 has nothing to escape.
fn logged_body(record_json: &[u8], response_der: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(record_json.len() + response_der.len() * 4 / 3 + 32);
    out.extend_from_slice(b"{\"record\":");
    out.extend_from_slice(record_json);
    out.extend_from_slice(b",\"response\":\"");
    let response = base64::engine::general_purpose::STANDARD.encode(response_der);
    out.extend_from_slice(response.as_bytes());
    out.extend_from_slice(b"\"}");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::tsa::HashAlg;
    use crate::model::canonical::canonical_value;
    use serde_json::json;

    #[test]
    fn the_logged_body_is_the_canonical_form_of_the_record_and_response() {
        let operators = [None, Some("ana"), Some("\"ž\u{1}\n\u{202e}x")];
        for (serial, operator) in [0u64, 7, u64::MAX].into_iter().zip(operators) {
            let record = TimestampRecord {
                serial,
                gen_time: "2026-12-01T20:00:00.123Z".into(),
                hash_alg: HashAlg::Sha384,
                imprint: "ab".repeat(48),
                operator: operator.map(str::to_string),
            };
            let der = [0x30u8, 0x82, 0xff, 0x00, 0x7f];
            let tree = json!({
                "record": record,
                "response": base64::engine::general_purpose::STANDARD.encode(der),
            });
            let record_json = serde_json::to_vec(&record).expect("record");
            assert_eq!(
                logged_body(&record_json, &der),
                canonical_value(&tree).expect("canonical"),
                "operator {operator:?}"
            );
        }
    }
}
