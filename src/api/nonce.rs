//! `POST /v1/nonce`: a fresh notary-signed nonce, anonymous like timestamps.

use axum::extract::State;
use axum::Json;

use super::error::{RateLimitedErrors, SigningErrors};
use super::{ApiError, AppState};
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
        SigningErrors,
        RateLimitedErrors,
    ),
)]
pub async fn issue(State(s): State<AppState>) -> Result<Json<Envelope>, ApiError> {
    Ok(Json(s.notary.issue_nonce().await?))
}
