//! The public HTTP API (axum). Thin: it parses, calls the notary, and encodes the answer.
//!
//! Each handler carries its `#[utoipa::path]` description, and [`router`] registers handlers only
//! through one list (`documented_routes`), so the routes served and the OpenAPI document served
//! at `GET /v1/openapi.json` cannot drift apart.

pub mod admin;
mod complaints;
mod declared_length;
mod error;
mod exchanges;
mod guarantees;
mod log_routes;
mod nonce;
mod openapi;
mod rate_limit;
pub mod server;
mod timestamp;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::{Json, Router};
use serde::Serialize;
use tower_http::timeout::RequestBodyTimeoutLayer;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use complaints::{ComplaintReceiptAnswer, COMPLAINT_BODY_LEN_MAX};
pub use error::{ApiCode, ApiError, ErrorBody, ErrorDetail, HttpCode};
pub use guarantees::GuaranteeDecision;

use self::rate_limit::RateLimiter;
use crate::model::error_code::ErrorCode;
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
    check_limiter: Arc<rate_limit::SellerLimiter>,
}

/// The router for the public API, with the limits of notar.toml `[http]`: the body timeout on
/// every route, the per-address rate on the anonymous write routes.
pub fn router(notary: Notary) -> Router {
    let http = &notary.config().http;
    let limiter = RateLimiter::new(http.anonymous_rate_per_s, http.anonymous_burst);
    let body_timeout = Duration::from_secs(u64::from(http.body_timeout_s));
    let (routes, doc) = documented_routes(Arc::new(limiter)).split_for_parts();
    let per_minute = notary.config().agreements.check_per_minute;
    let state = AppState {
        check_limiter: Arc::new(rate_limit::SellerLimiter::per_minute(per_minute)),
        notary,
        metrics: Arc::new(Metrics::default()),
        openapi_json: openapi::render(&doc),
    };
    routes
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state)
        // Inside the timeout layer, whose body wrapper hides the declared length.
        .layer(axum::middleware::map_request(declared_length::declare))
        .layer(RequestBodyTimeoutLayer::new(body_timeout))
}

/// The OpenAPI 3.1 document of the public API, as `GET /v1/openapi.json` serves it.
pub fn openapi() -> utoipa::openapi::OpenApi {
    documented_routes(Arc::new(RateLimiter::new(0, 1))).into_openapi()
}

/// Every public route, each registered with the description on its handler. Add a route here,
/// and nowhere else: a handler without `#[utoipa::path]` does not compile in this list. The
/// anonymous write routes are rate-limited by `limiter` per client address.
fn documented_routes(limiter: Arc<RateLimiter>) -> OpenApiRouter<AppState> {
    let anonymous_writes = OpenApiRouter::new()
        .routes(routes!(timestamp::stamp))
        .routes(routes!(nonce::issue))
        .routes(routes!(complaints::file))
        .routes(routes!(complaints::respond))
        .routes(routes!(exchanges::abort))
        .routes(routes!(exchanges::resolve))
        .route_layer(axum::middleware::from_fn_with_state(
            limiter,
            rate_limit::limit,
        ));
    OpenApiRouter::with_openapi(openapi::base())
        .merge(anonymous_writes)
        .routes(routes!(timestamp::certchain))
        .routes(routes!(guarantees::create))
        .routes(routes!(guarantees::get_one))
        .routes(routes!(guarantees::settle))
        .routes(routes!(guarantees::release))
        .routes(routes!(guarantees::check))
        .routes(routes!(exchanges::get_one))
        .routes(routes!(complaints::read))
        .routes(routes!(notary_identity))
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
    /// Entries in the notary log (as this process knows it).
    log_size: u64,
    /// `ok`; `standby` while this process waits to take over the writer's lease (PostgreSQL);
    /// `failed` once a failure (a failed write, a failed check, a panic while signing, another
    /// process taking over) stopped the notary signing.
    #[schema(example = "ok")]
    status: &'static str,
    /// What this process may do with its database: `single` (RocksDB, the only process),
    /// `active` (PostgreSQL, holds the writer's lease), `standby`, `fenced` (another process took
    /// the lease over), `replica` (reads only, from a hot standby database).
    #[schema(example = "single")]
    role: &'static str,
    /// Why it stopped (only when `failed`).
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
    /// The error every signing request now gets (only when not `ok`): code `unavailable`, or
    /// `standby`.
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<ErrorDetail>,
}

/// Liveness, role and log size
///
/// 503 once a failure stopped signing (a failed write to the store, a failed check or a panic
/// while signing, or, on PostgreSQL, another notar taking the writer's lease over): the notary
/// then signs nothing more until restarted, while reads go on. The body says why, in `reason`
/// and in the usual `error` object. A standby (PostgreSQL) answers 503 `standby` too, so a load
/// balancer's health check sends signing requests only to the active notar.
#[utoipa::path(
    get,
    path = "/healthz",
    operation_id = "healthz",
    tag = "service",
    responses(
        (status = 200, description = "Serving", body = Health),
        (status = 503, description = "Stopped signing after a failure (restart it), or a standby", body = Health),
    ),
)]
async fn healthz(State(s): State<AppState>) -> (StatusCode, Json<Health>) {
    let log_size = s.notary.log_size();
    let role = s.notary.role();
    let failed = s.notary.is_failed() || role == crate::store::Role::Fenced;
    let (status, code, message, reason) = if failed {
        let reason = s
            .notary
            .failed_reason()
            .unwrap_or_else(|| "another notar took the writer's lease over (fenced)".to_string());
        let message = format!(
            "the notary stopped signing ({reason}); reads still work, signing needs a restart"
        );
        ("failed", ErrorCode::Unavailable, message, Some(reason))
    } else if role == crate::store::Role::Standby {
        let message = "this notar is a standby: it signs once the active one's lease lapses";
        ("standby", ErrorCode::Standby, message.to_string(), None)
    } else {
        let body = Health {
            log_size,
            status: "ok",
            role: role.as_str(),
            reason: None,
            error: None,
        };
        return (StatusCode::OK, Json(body));
    };
    let body = Health {
        log_size,
        status,
        role: role.as_str(),
        reason,
        error: Some(ErrorDetail {
            code: code.into(),
            message,
        }),
    };
    (StatusCode::SERVICE_UNAVAILABLE, Json(body))
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
