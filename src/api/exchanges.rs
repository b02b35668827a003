//! Fair exchange routes (docs/design.md §6.4): the notary as the recovery party. No API token:
//! the request carries the parties' signed objects, and the notary checks each signature against
//! the registered keys.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::error::{RateLimitedErrors, SigningErrors};
use super::guarantees::json_body;
use super::{ApiError, AppState, ErrorBody};
use crate::crypto::envelope::Envelope;
use crate::model::error_code::ErrorCode;
use crate::notary::{ExchangeAnswer, ExchangeView};

/// `POST /v1/exchanges/abort`: m1 and the originator's `exchange_abort` {tid}.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)] // describes the body; the handler reads it as model::exchange::AbortBody
pub struct AbortBodyDoc {
    /// m1: the originator's `exchange_offer`.
    pub m1: Envelope,
    /// The originator's `exchange_abort` {tid}.
    pub abort: Envelope,
}

/// `POST /v1/exchanges/resolve`: m1 and what stands for m2 (`protocol` says which).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(tag = "protocol", rename_all = "snake_case")]
#[allow(dead_code)] // describes the body; the handler reads it as model::exchange::ResolveBody
pub enum ResolveBodyDoc {
    /// Contract signing: m1 and the responder's `exchange_acceptance` (m2).
    Contract {
        /// m1.
        m1: Envelope,
        /// m2.
        m2: Envelope,
    },
    /// Item for receipt: m1, the sender's `exchange_item_escrow`, the recipient's
    /// `exchange_receipt`, and the escrow (base64).
    Item {
        /// m1.
        m1: Envelope,
        /// The sender's statement of the escrow.
        item_escrow: Envelope,
        /// The recipient's receipt.
        receipt: Envelope,
        /// The escrow: HPKE encapsulated key and sealed item key, base64.
        escrow: String,
    },
}

/// The notary's decision: the same bytes for every later abort or resolve of the exchange.
#[derive(Debug, Serialize, ToSchema)]
#[allow(dead_code)] // describes the answer; the notary renders it as canonical JSON
pub struct ExchangeDecisionDoc {
    /// Transaction id.
    pub tid: String,
    /// `aborted` or `resolved`.
    pub status: String,
    /// `aborted`, `expired`, `resolved`, `delivered` or `escrow_failed`.
    pub outcome: String,
    /// The signed token: `exchange_abort_token`, `replacement_contract`, `delivery_affidavit` or
    /// `escrow_failure_affidavit`, its `log_index` inside the payload.
    pub token: Envelope,
    /// Delivered only: the item key k, base64, for the recipient.
    pub key: Option<String>,
}

/// Reads a body as `T`; what does not fit is `malformed_exchange`.
async fn exchange_body<T: DeserializeOwned>(body: Body) -> Result<T, ApiError> {
    let v: Value = json_body(body).await?;
    serde_json::from_value(v).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::MalformedExchange,
            format!("exchange request: {e}"),
        )
    })
}

fn answer(a: ExchangeAnswer) -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        a.body,
    )
        .into_response()
}

/// Abort an exchange
///
/// The originator gives up on an exchange the responder has not answered. The first decision
/// on an exchange is final: an exchange resolved before gets its replacement contract or
/// affidavit back, an aborted one the same abort token, byte for byte.
#[utoipa::path(
    post,
    path = "/v1/exchanges/abort",
    operation_id = "abort_exchange",
    tag = "exchanges",
    request_body = AbortBodyDoc,
    responses(
        (status = 200, description = "The decision (new or stored)", body = ExchangeDecisionDoc),
        (
            status = 400,
            description = "`malformed_exchange`, `wrong_notary`, `unknown_key`, `bad_signature`, \
                           `key_revoked`: nothing signed",
            body = ErrorBody,
        ),
        (status = 403, description = "`not_originator`", body = ErrorBody),
        SigningErrors,
        RateLimitedErrors,
    ),
)]
pub async fn abort(State(s): State<AppState>, body: Body) -> Result<Response, ApiError> {
    let req = exchange_body(body).await?;
    Ok(answer(s.notary.abort_exchange(req).await?))
}

/// Resolve an exchange
///
/// Either party asks the notary to finish an exchange the other stalled: with m2, the notary
/// signs a replacement contract; with a receipt and the escrow, it opens the escrow and releases
/// the key (delivery affidavit) or, if the escrow fails, signs an escrow-failure affidavit. Past
/// the deadline an undecided exchange is aborted (`expired`). The first decision is final.
#[utoipa::path(
    post,
    path = "/v1/exchanges/resolve",
    operation_id = "resolve_exchange",
    tag = "exchanges",
    request_body = ResolveBodyDoc,
    responses(
        (status = 200, description = "The decision (new or stored)", body = ExchangeDecisionDoc),
        (
            status = 400,
            description = "`malformed_exchange`, `wrong_notary`, `bad_m2`, `unknown_key`, \
                           `bad_signature`, `key_revoked`: nothing signed",
            body = ErrorBody,
        ),
        SigningErrors,
        RateLimitedErrors,
    ),
)]
pub async fn resolve(State(s): State<AppState>, body: Body) -> Result<Response, ApiError> {
    let req = exchange_body(body).await?;
    Ok(answer(s.notary.resolve_exchange(req).await?))
}

/// Read an exchange
///
/// Where an exchange stands and, once decided, the signed decision (never the released key).
#[utoipa::path(
    get,
    path = "/v1/exchanges/{tid}",
    operation_id = "get_exchange",
    tag = "exchanges",
    params(("tid" = String, Path, description = "Transaction id (64 hex digits)")),
    responses(
        (status = 200, description = "The exchange", body = ExchangeView),
        (status = 404, description = "`unknown_exchange`", body = ErrorBody),
    ),
)]
pub async fn get_one(
    State(s): State<AppState>,
    Path(tid): Path<String>,
) -> Result<Json<ExchangeView>, ApiError> {
    Ok(Json(s.notary.exchange(&tid)?))
}
