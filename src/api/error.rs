//! HTTP errors: `{"error": {"code", "message"}}` with the right status, the code taken from the
//! error's variant, never typed twice.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::notary::NotaryError;

/// An error answer.
#[derive(Debug)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// snake_case code.
    pub code: &'static str,
    /// For humans.
    pub message: String,
}

impl ApiError {
    /// An error with this status, code and message.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
        }
    }

    /// 400 `bad_request`.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }
}

impl From<NotaryError> for ApiError {
    fn from(e: NotaryError) -> Self {
        let status = match &e {
            NotaryError::NotFound(_) | NotaryError::Unknown { .. } => StatusCode::NOT_FOUND,
            NotaryError::BadRequest(_) | NotaryError::Invalid { .. } => StatusCode::BAD_REQUEST,
            NotaryError::Conflict { .. } => StatusCode::CONFLICT,
            NotaryError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            NotaryError::Forbidden(_) => StatusCode::FORBIDDEN,
            NotaryError::Overloaded | NotaryError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        if status.is_server_error() {
            tracing::error!("{e}");
        }
        ApiError::new(status, e.code(), e.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({"error": {"code": self.code, "message": self.message}});
        (self.status, Json(body)).into_response()
    }
}
