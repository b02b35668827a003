//! The public HTTP API (axum). Thin: it parses, calls the notary, and encodes the answer.

pub mod admin;
mod error;
mod guarantees;
mod log_routes;
mod timestamp;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;

pub use error::ApiError;
pub use error::{ApiCode, HttpCode};

use crate::notary::Notary;

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
}

/// What every handler sees.
#[derive(Clone)]
pub struct AppState {
    notary: Notary,
    metrics: Arc<Metrics>,
}

/// The router for the public API.
pub fn router(notary: Notary) -> Router {
    let state = AppState {
        notary,
        metrics: Arc::new(Metrics::default()),
    };
    Router::new()
        .route("/v1/timestamp", post(timestamp::stamp))
        .route("/v1/timestamp/certchain", get(timestamp::certchain))
        .route("/v1/guarantees", post(guarantees::create))
        .route("/v1/guarantees/{id}", get(guarantees::get_one))
        .route("/v1/guarantees/{id}/settle", post(guarantees::settle))
        .route("/v1/guarantees/{id}/release", post(guarantees::release))
        .route("/v1/agreements/{id}/check", get(guarantees::check))
        .route("/v1/notary", get(notary_identity))
        .route("/v1/log/checkpoint", get(log_routes::checkpoint))
        .route("/v1/log/proof/inclusion", get(log_routes::inclusion))
        .route("/v1/log/proof/consistency", get(log_routes::consistency))
        .route("/v1/log/entries/{index}", get(log_routes::entry))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state)
}

async fn notary_identity(State(s): State<AppState>) -> impl IntoResponse {
    Json(s.notary.identity().clone())
}

async fn healthz(State(s): State<AppState>) -> impl IntoResponse {
    let failed = s.notary.is_failed();
    let status = if failed {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::OK
    };
    let body = json!({
        "status": if failed { "failed" } else { "ok" },
        "log_size": s.notary.log_size(),
    });
    (status, Json(body))
}

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
         # HELP notar_uptime_seconds Seconds since start.\n# TYPE notar_uptime_seconds gauge\nnotar_uptime_seconds {}\n",
        s.notary.log_size(),
        m.timestamps_granted.load(Ordering::Relaxed),
        m.timestamps_rejected.load(Ordering::Relaxed),
        m.guarantees_granted.load(Ordering::Relaxed),
        m.guarantees_refused.load(Ordering::Relaxed),
        m.errors.load(Ordering::Relaxed),
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
