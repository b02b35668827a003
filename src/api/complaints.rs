//! Complaint routes (docs/design.md §6.4, "Complaints"). No API token: a complaint or a response
//! is an envelope the party signed, and a read carries the reader's signature in its query
//! (docs/formats.md, "Reading a case").

use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, IntoResponses, ToSchema};

use super::error::RateLimitedErrors;
use super::guarantees::json_body_limited;
use super::{ApiError, AppState, ErrorBody};
use crate::crypto::envelope::Envelope;
use crate::model::complaint::{EVIDENCE_ITEMS_MAX, EVIDENCE_ITEM_LEN_MAX};
use crate::model::error_code::ErrorCode;
use crate::notary::{CaseView, ComplaintAnswer, Reader, SignedRead};

/// Largest body of a complaint or a response: room for [`EVIDENCE_ITEMS_MAX`] items of
/// [`EVIDENCE_ITEM_LEN_MAX`] bytes and the rest of the envelope.
pub const COMPLAINT_BODY_LEN_MAX: usize = EVIDENCE_ITEMS_MAX * EVIDENCE_ITEM_LEN_MAX + 64 * 1024;

/// The answer to a filing or a response: the same bytes for the same signed envelope.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ComplaintReceiptAnswer {
    /// The complaint (UUIDv7).
    pub complaint_id: String,
    /// The notary's `complaint_receipt` (or, for a response, `complaint_response_receipt`),
    /// its `log_index` inside the payload.
    pub receipt: Envelope,
}

/// What a route that reads a complaint or response answers when the body is too large or the
/// notary too busy.
#[derive(IntoResponses)]
#[expect(dead_code, reason = "describes answers; handlers answer with ApiError")]
pub enum ComplaintBodyErrors {
    /// `body_too_large`: bodies are at most 320 KiB
    #[response(status = 413)]
    TooLarge(ErrorBody),
    /// `overloaded` or `unavailable`: retry later
    #[response(status = 503)]
    Busy(ErrorBody),
}

/// Reads a body as a party's signed envelope; anything else is `malformed_complaint`.
async fn envelope_body(body: Body) -> Result<Envelope, ApiError> {
    let v: Value = json_body_limited(body, COMPLAINT_BODY_LEN_MAX).await?;
    serde_json::from_value(v).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::MalformedComplaint,
            format!("the body must be a signed envelope: {e}"),
        )
    })
}

fn created(a: ComplaintAnswer) -> Response {
    (
        StatusCode::CREATED,
        [(header::CONTENT_TYPE, "application/json")],
        a.body,
    )
        .into_response()
}

/// File a complaint
///
/// The body is the claimant-signed `complaint` envelope: kind, claimant, respondent, the `tid`,
/// `guarantee_id` or `order_digest` concerned, amount, statement, evidence (docs/formats.md). The notary
/// answers with its signed, logged `complaint_receipt`, which sets the respondent's deadline
/// from the policy's `complaint_response_time`. The same signed complaint filed again gets the
/// same answer, byte for byte.
#[utoipa::path(
    post,
    path = "/v1/complaints",
    operation_id = "file_complaint",
    tag = "complaints",
    request_body(content = Envelope, description = "The claimant-signed `complaint` envelope"),
    responses(
        (status = 201, description = "Filed (or filed before): the receipt", body = ComplaintReceiptAnswer),
        (
            status = 400,
            description = "`malformed_complaint`, `too_many_evidence_items`, \
                           `evidence_too_large`, `bad_amount`, `wrong_notary`, \
                           `bad_signature`, `unknown_key`, `key_revoked`: nothing signed",
            body = ErrorBody,
        ),
        (
            status = 403,
            description = "`not_a_party`: the parties are not the guarantee's buyer and seller",
            body = ErrorBody,
        ),
        (status = 404, description = "`unknown_party`, `unknown_guarantee`, `unknown_order`", body = ErrorBody),
        ComplaintBodyErrors,
        RateLimitedErrors,
    ),
)]
pub async fn file(State(s): State<AppState>, body: Body) -> Result<Response, ApiError> {
    let env = envelope_body(body).await?;
    Ok(created(s.notary.file_complaint(env).await?))
}

/// Answer a complaint
///
/// The body is the respondent-signed `complaint_response` envelope: the complaint id and digest,
/// a statement, evidence and optionally a counter-claim (kind, amount, statement), ruled on with
/// the claim. Accepted up to the response deadline, once; the same response again gets the same
/// answer, byte for byte.
#[utoipa::path(
    post,
    path = "/v1/complaints/{id}/response",
    operation_id = "answer_complaint",
    tag = "complaints",
    params(("id" = String, Path, description = "Complaint id")),
    request_body(
        content = Envelope,
        description = "The respondent-signed `complaint_response` envelope",
    ),
    responses(
        (
            status = 201,
            description = "Answered (or answered before with this response): the receipt",
            body = ComplaintReceiptAnswer,
        ),
        (
            status = 400,
            description = "`malformed_complaint`, `too_many_evidence_items`, \
                           `evidence_too_large`, `bad_amount`, `bad_signature`, `unknown_key`, \
                           `key_revoked`: nothing signed",
            body = ErrorBody,
        ),
        (status = 403, description = "`not_respondent`", body = ErrorBody),
        (status = 404, description = "`unknown_complaint`", body = ErrorBody),
        (
            status = 409,
            description = "`already_answered`, `response_too_late`, `complaint_settled`",
            body = ErrorBody,
        ),
        ComplaintBodyErrors,
        RateLimitedErrors,
    ),
)]
pub async fn respond(
    State(s): State<AppState>,
    Path(id): Path<String>,
    body: Body,
) -> Result<Response, ApiError> {
    let env = envelope_body(body).await?;
    Ok(created(s.notary.respond_to_complaint(&id, env).await?))
}

/// Query of `GET /v1/complaints/{id}`: the reader's signed read request.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReadQuery {
    /// The reader's registered key id (hex SHA-256 of the raw public key).
    key_id: String,
    /// When the reader signed, RFC 3339 UTC with milliseconds; within 5 minutes of the notary's
    /// clock.
    #[param(example = "2026-03-01T10:00:00.000Z")]
    at: String,
    /// Ed25519 signature over `"notar/v1/complaint_read\n" + JCS({"at", "complaint_id"})`,
    /// base64url without padding.
    sig: String,
}

/// Read a case
///
/// The complaint, its receipt, the response and its receipt, the signed silence, the status and
/// the history. Only the claimant and the respondent may read a case (the respondent before it
/// answers too); they prove who they are by signing the read (`key_id`, `at`, `sig`).
#[utoipa::path(
    get,
    path = "/v1/complaints/{id}",
    operation_id = "get_complaint",
    tag = "complaints",
    params(("id" = String, Path, description = "Complaint id"), ReadQuery),
    responses(
        (status = 200, description = "The case", body = CaseView),
        (
            status = 400,
            description = "`bad_request` (no signed read, or `at` too far from the notary's \
                           clock), `unknown_key`, `bad_signature`, `key_revoked`",
            body = ErrorBody,
        ),
        (status = 403, description = "`not_a_party`", body = ErrorBody),
        (status = 404, description = "`unknown_complaint`", body = ErrorBody),
    ),
)]
pub async fn read(
    State(s): State<AppState>,
    Path(id): Path<String>,
    q: Result<Query<ReadQuery>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    // What is wrong with the query (a parameter missing, repeated or unknown) after how to
    // write it (s10 S10-5: a repeated `at` got the how alone).
    let Query(q) = q.map_err(|e| {
        let why: String = e.body_text().chars().take(200).collect();
        ApiError::bad_request(format!(
            "sign the read: ?key_id=<hex>&at=<RFC 3339 ms>&sig=<base64url> (docs/formats.md); \
             {why}"
        ))
    })?;
    let reader = Reader::Party(SignedRead {
        key_id: q.key_id,
        at: q.at,
        sig: q.sig,
    });
    let view = s.notary.complaint(&id, &reader)?;
    serde_json::to_value(&view)
        .map(Json)
        .map_err(|e| ApiError::internal(e.to_string()))
}
