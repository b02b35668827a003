//! `POST /v1/timestamp` (RFC 3161 over HTTP) and `GET /v1/timestamp/certchain`.

use std::sync::atomic::Ordering;

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::error::{RateLimitedErrors, SigningErrors};
use super::{ApiError, AppState, ErrorBody, HttpCode, BODY_LEN_MAX};
use crate::notary::StampOutcome;

const QUERY_TYPE: &str = "application/timestamp-query";
const REPLY_TYPE: &str = "application/timestamp-reply";

/// Timestamp a digest (RFC 3161)
///
/// Issues a token, or an RFC 3161 rejection for a malformed query (HTTP 200 either way, as
/// RFC 3161 §3.4 expects). Transport-level faults get JSON errors. The token's serial number is
/// its index in the notary log.
#[utoipa::path(
    post,
    path = "/v1/timestamp",
    operation_id = "timestamp",
    tag = "timestamps",
    request_body(
        description = "A DER TimeStampReq, as `openssl ts -query` writes it (at most 64 KiB)",
        content(("application/timestamp-query")),
    ),
    responses(
        (
            status = 200,
            description = "A DER TimeStampResp: a granted token, or a rejection (status 2) for a \
                           malformed query",
            content(("application/timestamp-reply")),
            headers(("notar-log-index" = u64, description = "Log index of a granted token")),
        ),
        (
            status = 415,
            description = "`unsupported_media_type`: send application/timestamp-query",
            body = ErrorBody,
        ),
        SigningErrors,
        RateLimitedErrors,
    ),
)]
pub async fn stamp(
    State(s): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let ctype = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let media = ctype.split(';').next().unwrap_or("").trim();
    if !media.eq_ignore_ascii_case(QUERY_TYPE) {
        s.metrics.errors.fetch_add(1, Ordering::Relaxed);
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            HttpCode::UnsupportedMediaType,
            format!("Content-Type must be {QUERY_TYPE}, got {ctype:?}"),
        ));
    }
    let read = super::guarantees::read_body(body, BODY_LEN_MAX, "timestamp queries").await;
    let bytes = read.inspect_err(|_| {
        s.metrics.errors.fetch_add(1, Ordering::Relaxed);
    })?;
    let outcome = s.notary.stamp(&bytes).await.inspect_err(|_| {
        s.metrics.errors.fetch_add(1, Ordering::Relaxed);
    })?;
    let (der, index) = match outcome {
        StampOutcome::Granted(r) => {
            s.metrics.timestamps_granted.fetch_add(1, Ordering::Relaxed);
            (r.response_der, Some(r.serial))
        }
        StampOutcome::Rejected { response_der, .. } => {
            s.metrics
                .timestamps_rejected
                .fetch_add(1, Ordering::Relaxed);
            (response_der, None)
        }
    };
    let mut resp = (StatusCode::OK, [(header::CONTENT_TYPE, REPLY_TYPE)], der).into_response();
    if let Some(i) = index {
        resp.headers_mut()
            .insert("notar-log-index", HeaderValue::from(i));
    }
    Ok(resp)
}

/// The TSA certificate chain
///
/// The TSA certificate followed by its root, PEM: the `-untrusted` chain for
/// `openssl ts -verify`.
#[utoipa::path(
    get,
    path = "/v1/timestamp/certchain",
    operation_id = "timestamp_certchain",
    tag = "timestamps",
    responses((
        status = 200,
        description = "TSA certificate then root certificate, PEM",
        content_type = "application/pem-certificate-chain",
        body = String,
    )),
)]
pub async fn certchain(State(s): State<AppState>) -> impl IntoResponse {
    let id = s.notary.identity();
    let chain = format!("{}{}", id.tsa_certificate, id.root_certificate);
    (
        [(header::CONTENT_TYPE, "application/pem-certificate-chain")],
        chain,
    )
}
