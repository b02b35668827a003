//! HTTP errors: `{"error": {"code", "message"}}` with the right status, the code taken from the
//! error's variant, never typed twice.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use utoipa::{IntoResponses, ToSchema};

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
    /// The body did not arrive in time (`[http] body_timeout_s` between pieces).
    BodyTimeout,
    /// Too many requests from the client's address on the anonymous routes: retry after the
    /// `Retry-After` header's seconds.
    RateLimited,
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

    /// 413 `body_too_large` past `len_max`, or 408 `body_timeout` when the body stopped
    /// arriving (`what` names the body in the message: "timestamp queries").
    pub fn body_unread(e: axum::Error, what: &str, len_max: usize) -> Self {
        let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&e);
        while let Some(err) = source {
            if err.is::<tower_http::timeout::TimeoutError>() {
                return Self::new(
                    StatusCode::REQUEST_TIMEOUT,
                    HttpCode::BodyTimeout,
                    "the request body stopped arriving; the connection is closed",
                );
            }
            source = err.source();
        }
        Self::body_too_large(what, len_max)
    }

    /// 413 `body_too_large`: `what` are at most `len_max` bytes.
    pub fn body_too_large(what: &str, len_max: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            HttpCode::BodyTooLarge,
            format!("{what} are at most {len_max} bytes"),
        )
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
            NotaryError::Forbidden(_) | NotaryError::Denied { .. } => StatusCode::FORBIDDEN,
            NotaryError::Overloaded | NotaryError::Unavailable | NotaryError::NotWriter(_) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        // A standby refusing to sign is its normal work, not a fault.
        if status.is_server_error() && !matches!(e, NotaryError::NotWriter(_)) {
            tracing::error!("{e}");
        }
        ApiError::new(status, e.code(), e.to_string())
    }
}

/// The body of every error answer: `{"error": {"code", "message"}}`.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    /// What went wrong.
    pub error: ErrorDetail,
}

/// What went wrong, inside an [`ErrorBody`].
#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// snake_case code a client can act on: `unauthorized`, `bad_amount`, `unknown_guarantee`...
    #[schema(value_type = String, example = "bad_request")]
    pub code: ApiCode,
    /// For humans; may change between versions.
    pub message: String,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code,
                message: self.message,
            },
        };
        (self.status, Json(body)).into_response()
    }
}

// Error answers several routes share, for their OpenAPI descriptions (`responses(...)` of a
// `#[utoipa::path]`). Never built: handlers answer with `ApiError`; these say which statuses
// and codes a route can give.

/// What a seller route answers without a valid seller token.
#[derive(IntoResponses)]
#[expect(dead_code, reason = "describes answers; handlers answer with ApiError")]
pub enum SellerAuthErrors {
    /// `unauthorized`: no valid seller token (`Authorization: Bearer <token>`)
    #[response(status = 401)]
    Unauthorized(ErrorBody),
}

/// What a route that reads a body and signs answers when the body is too large or the notary
/// too busy.
#[derive(IntoResponses)]
#[expect(dead_code, reason = "describes answers; handlers answer with ApiError")]
pub enum SigningErrors {
    /// `body_too_large`: bodies are at most 64 KiB
    #[response(status = 413)]
    TooLarge(ErrorBody),
    /// `overloaded` or `unavailable`: retry later
    #[response(status = 503)]
    Busy(ErrorBody),
}

/// What an anonymous write route answers past its per-address rate (`[http]
/// anonymous_rate_per_s`, `anonymous_burst`).
#[derive(IntoResponses)]
#[expect(dead_code, reason = "describes answers; handlers answer with ApiError")]
pub enum RateLimitedErrors {
    /// `rate_limited`: too many requests from this address; retry after `Retry-After` seconds
    #[response(
        status = 429,
        headers(("Retry-After" = u64, description = "Seconds to wait before retrying"))
    )]
    RateLimited(ErrorBody),
}

/// What a route about one guarantee answers when the seller may not see it.
#[derive(IntoResponses)]
#[expect(dead_code, reason = "describes answers; handlers answer with ApiError")]
pub enum GuaranteeLookupErrors {
    /// `forbidden`: issued to another seller
    #[response(status = 403)]
    Forbidden(ErrorBody),
    /// `unknown_guarantee`
    #[response(status = 404)]
    Unknown(ErrorBody),
}
