//! The public HTTP API (axum). Thin: it parses, calls the notary, and encodes the answer.
//!
//! Each handler carries its `#[utoipa::path]` description, and [`router`] registers handlers only
//! through one list (`documented_routes`), so the routes served and the OpenAPI document served
//! at `GET /v1/openapi.json` cannot drift apart.

pub mod admin;
mod check_limit;
mod complaints;
mod error;
mod exchanges;
mod guarantees;
mod log_routes;
mod nonce;
mod openapi;
mod timestamp;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::{Json, Router};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use complaints::{ComplaintReceiptAnswer, COMPLAINT_BODY_LEN_MAX};
pub use error::{ApiCode, ApiError, ErrorBody, ErrorDetail, HttpCode};
pub use guarantees::GuaranteeDecision;

use crate::notary::{Identity, Notary};

/// Largest request body accepted by any route.
pub const BODY_LEN_MAX: usize = 64 * 1024;

/// Counters for `/metrics`.
#[derive(Default)]
pub struct Metrics {
    timestamps_granted: AtomicU64,
    timestamps_rejected: AtomicU64,
    guarantees_granted: AtomicU64,
    guarantees_refused: AtomicU64,
    errors: AtomicU64,
    /// Coverage checks answered, and refused by the per-seller limit.
    checks_answered: AtomicU64,
    checks_rate_limited: AtomicU64,
}

/// What every handler sees.
#[derive(Clone)]
pub struct AppState {
    notary: Notary,
    metrics: Arc<Metrics>,
    /// The OpenAPI document, rendered once at start.
    openapi_json: Bytes,
    /// The per-seller limit of the coverage check.
    check_limiter: Arc<check_limit::CheckLimiter>,
}

/// The router for the public API.
pub fn router(notary: Notary) -> Router {
    let (routes, doc) = documented_routes().split_for_parts();
    let per_minute = notary.config().agreements.check_per_minute;
    let state = AppState {
        check_limiter: Arc::new(check_limit::CheckLimiter::new(per_minute)),
        notary,
        metrics: Arc::new(Metrics::default()),
        openapi_json: openapi::render(&doc),
    };
    routes
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state)
}

/// The OpenAPI 3.1 document of the public API, as `GET /v1/openapi.json` serves it.
pub fn openapi() -> utoipa::openapi::OpenApi {
    documented_routes().into_openapi()
}

/// Every public route, each registered with the description on its handler. Add a route here,
/// and nowhere else: a handler without `#[utoipa::path]` does not compile in this list.
fn documented_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(openapi::base())
        .routes(routes!(timestamp::stamp))
        .routes(routes!(timestamp::certchain))
        .routes(routes!(guarantees::create))
        .routes(routes!(guarantees::get_one))
        .routes(routes!(guarantees::settle))
        .routes(routes!(guarantees::release))
        .routes(routes!(guarantees::check))
        .routes(routes!(exchanges::abort))
        .routes(routes!(exchanges::resolve))
        .routes(routes!(exchanges::get_one))
        .routes(routes!(complaints::file))
        .routes(routes!(complaints::respond))
        .routes(routes!(complaints::read))
        .routes(routes!(notary_identity))
        .routes(routes!(nonce::issue))
        .routes(routes!(log_routes::checkpoint))
        .routes(routes!(log_routes::inclusion))
        .routes(routes!(log_routes::consistency))
        .routes(routes!(log_routes::entry))
        .routes(routes!(openapi::document))
        .routes(routes!(healthz))
        .routes(routes!(metrics))
}

/// The notary's public identity
///
/// Its Ed25519 key (every signed object but RFC 3161 tokens), the checkpoint verifier key and
/// log origin, the TSA and root certificates, the timestamp policy and accuracy.
#[utoipa::path(
    get,
    path = "/v1/notary",
    operation_id = "notary_identity",
    tag = "notary",
    responses((
        status = 200,
        description = "The notary's public keys and certificates",
        body = Identity,
    )),
)]
async fn notary_identity(State(s): State<AppState>) -> Json<Identity> {
    Json(s.notary.identity().clone())
}

/// Answer of `GET /healthz`.
#[derive(Serialize, ToSchema)]
struct Health {
    /// Entries in the notary log.
    log_size: u64,
    /// `ok`, or `failed` once a write failed and the notary stopped signing.
    #[schema(example = "ok")]
    status: &'static str,
}

/// Liveness and log size
///
/// 503 once a write to the store failed: the notary then signs nothing more until restarted.
#[utoipa::path(
    get,
    path = "/healthz",
    operation_id = "healthz",
    tag = "service",
    responses(
        (status = 200, description = "Serving", body = Health),
        (status = 503, description = "Stopped signing after a failed write", body = Health),
    ),
)]
async fn healthz(State(s): State<AppState>) -> (StatusCode, Json<Health>) {
    let failed = s.notary.is_failed();
    let status = if failed {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::OK
    };
    let body = Health {
        log_size: s.notary.log_size(),
        status: if failed { "failed" } else { "ok" },
    };
    (status, Json(body))
}

/// Prometheus metrics
///
/// Log size, timestamp and guarantee answers by outcome, error answers, coverage checks by
/// outcome, uptime.
#[utoipa::path(
    get,
    path = "/metrics",
    operation_id = "metrics",
    tag = "service",
    responses((
        status = 200,
        description = "Prometheus text exposition format",
        content_type = "text/plain; version=0.0.4",
        body = String,
    )),
)]
async fn metrics(State(s): State<AppState>) -> impl IntoResponse {
    let m = &s.metrics;
    let uptime = (chrono::Utc::now() - s.notary.started_at())
        .num_seconds()
        .max(0);
    let text = format!(
        "# HELP notar_log_size Entries in the notary log.\n# TYPE notar_log_size gauge\nnotar_log_size {}\n\
         # HELP notar_timestamps_total RFC 3161 answers by outcome.\n# TYPE notar_timestamps_total counter\n\
         notar_timestamps_total{{outcome=\"granted\"}} {}\nnotar_timestamps_total{{outcome=\"rejected\"}} {}\n\
         # HELP notar_guarantees_total Guarantee requests answered, by decision (replays included).\n# TYPE notar_guarantees_total counter\n\
         notar_guarantees_total{{decision=\"granted\"}} {}\nnotar_guarantees_total{{decision=\"refused\"}} {}\n\
         # HELP notar_http_errors_total Error answers.\n# TYPE notar_http_errors_total counter\nnotar_http_errors_total {}\n\
         # HELP notar_agreement_checks_total Coverage checks by outcome (rate_limited: over the per-seller limit).\n# TYPE notar_agreement_checks_total counter\n\
         notar_agreement_checks_total{{outcome=\"answered\"}} {}\nnotar_agreement_checks_total{{outcome=\"rate_limited\"}} {}\n\
         # HELP notar_uptime_seconds Seconds since start.\n# TYPE notar_uptime_seconds gauge\nnotar_uptime_seconds {}\n",
        s.notary.log_size(),
        m.timestamps_granted.load(Ordering::Relaxed),
        m.timestamps_rejected.load(Ordering::Relaxed),
        m.guarantees_granted.load(Ordering::Relaxed),
        m.guarantees_refused.load(Ordering::Relaxed),
        m.errors.load(Ordering::Relaxed),
        m.checks_answered.load(Ordering::Relaxed),
        m.checks_rate_limited.load(Ordering::Relaxed),
        uptime,
    );
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text)
}

async fn not_found() -> ApiError {
    ApiError::not_found("no such route")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        HttpCode::MethodNotAllowed,
        "method not allowed on this route",
    )
}
