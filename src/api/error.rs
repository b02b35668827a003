//! HTTP errors: `{"error": {"code", "message"}}` with the right status, the code taken from the
//! error's variant, never typed twice.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use serde_json::json;

use crate::model::error_code::ErrorCode;
use crate::notary::NotaryError;

/// An error answer's code, as sent: one of notar's own, or one about HTTP itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum ApiCode {
    /// A code the notary, the admin protocol and the CLI share.
    Notar(ErrorCode),
    /// A code about the HTTP request itself.
    Http(HttpCode),
}

/// The codes about HTTP itself: no notary error has them and no admin client sees them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HttpCode {
    /// The body is over the route's size limit.
    BodyTooLarge,
    /// The route exists, but not with this method.
    MethodNotAllowed,
    /// The body's Content-Type is not the one the route reads.
    UnsupportedMediaType,
}

impl From<ErrorCode> for ApiCode {
    fn from(code: ErrorCode) -> Self {
        ApiCode::Notar(code)
    }
}

impl From<HttpCode> for ApiCode {
    fn from(code: HttpCode) -> Self {
        ApiCode::Http(code)
    }
}

/// An error answer.
#[derive(Debug)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// snake_case code.
    pub code: ApiCode,
    /// For humans.
    pub message: String,
}

impl ApiError {
    /// An error with this status, code and message.
    pub fn new(status: StatusCode, code: impl Into<ApiCode>, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code: code.into(),
            message: message.into(),
        }
    }

    /// 400 `bad_request`.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, ErrorCode::BadRequest, message)
    }

    /// 404 `not_found`.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, ErrorCode::NotFound, message)
    }

    /// 500 `internal`: a fault inside the server.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::Internal,
            message,
        )
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
