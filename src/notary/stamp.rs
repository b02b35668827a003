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
    let body = logged_body(&record, &response_der)?;
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
        ctx.entry_of_bytes(EntryKind::Timestamp, operator.as_deref(), &body)?,
        records,
        receipt,
    ))
}

/// The canonical bytes of a timestamp's log entry body, `{"record": …, "response": base64}`,
/// written in one pass (no JSON tree built and walked): members in JCS order, as
/// [`crate::model::canonical`] would sort them; a test holds the two to the same bytes.
fn logged_body(record: &TimestampRecord, response_der: &[u8]) -> Result<Vec<u8>, NotaryError> {
    /// The record's members in sorted order.
    #[derive(serde::Serialize)]
    struct Sorted<'a> {
        gen_time: &'a str,
        hash_alg: crate::crypto::tsa::HashAlg,
        imprint: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        operator: Option<&'a str>,
        serial: u64,
    }
    #[derive(serde::Serialize)]
    struct Body<'a> {
        record: Sorted<'a>,
        response: &'a str,
    }
    let response = base64::engine::general_purpose::STANDARD.encode(response_der);
    let body = Body {
        record: Sorted {
            gen_time: &record.gen_time,
            hash_alg: record.hash_alg,
            imprint: &record.imprint,
            operator: record.operator.as_deref(),
            serial: record.serial,
        },
        response: &response,
    };
    let mut out = Vec::with_capacity(response.len() + 256);
    serde_json::to_writer(&mut out, &body).map_err(|e| NotaryError::Bug(e.to_string()))?;
    Ok(out)
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
            assert_eq!(
                logged_body(&record, &der).expect("body"),
                canonical_value(&tree).expect("canonical"),
                "operator {operator:?}"
            );
        }
    }
}
