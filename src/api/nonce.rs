//! `POST /v1/nonce`: a fresh notary-signed nonce, anonymous like timestamps.

use axum::body::Body;
use axum::extract::State;
use axum::Json;

use super::error::{RateLimitedErrors, SigningErrors};
use super::guarantees::json_body;
use super::{ApiError, AppState, ErrorBody};
use crate::crypto::envelope::Envelope;

/// Issue a freshness nonce
///
/// 32 random bytes (hex) the notary signs and logs with the time it issued them: a `nonce`
/// envelope `{nonce, issued_at, log_index}`. Embed the envelope's item id (hex SHA-256 of its
/// canonical JSON) in what you sign next, such as an order's `fresh`, and a dispute can prove it
/// was signed after `issued_at`. No body, no token.
#[utoipa::path(
    post,
    path = "/v1/nonce",
    operation_id = "nonce",
    tag = "notary",
    responses(
        (status = 200, description = "The signed, logged `nonce` envelope", body = Envelope),
        (status = 400, description = "`bad_request`: a body other than none, `null` or `{}`", body = ErrorBody),
        SigningErrors,
        RateLimitedErrors,
    ),
)]
pub async fn issue(State(s): State<AppState>, body: Body) -> Result<Json<Envelope>, ApiError> {
    // No body: empty, `null` or `{}` (a client that always sends JSON); past 64 KiB 413.
    let v = json_body(body).await?;
    if !(v.is_null() || v.as_object().is_some_and(|o| o.is_empty())) {
        return Err(ApiError::bad_request("POST /v1/nonce takes no body"));
    }
    Ok(Json(s.notary.issue_nonce().await?))
}
