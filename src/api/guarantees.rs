//! The seller API: guarantees and the liability check. Every route needs
//! `Authorization: Bearer <seller token>` (401 without a valid one); a seller sees and closes only
//! its own guarantees (403).

use std::sync::atomic::Ordering;

use axum::body::{to_bytes, Body};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::HttpCode;
use super::{ApiError, AppState, BODY_LEN_MAX};
use crate::crypto::envelope::Envelope;
use crate::model::error_code::ErrorCode;
use crate::model::money::{Currency, Money};
use crate::notary::{Caller, Closing, GuaranteeRequest, GuaranteeView};

/// The seller behind the request's bearer token.
fn seller(s: &AppState, headers: &HeaderMap) -> Result<String, ApiError> {
    let unauthorized =
        |m: &str| ApiError::new(StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized, m);
    let value = headers
        .get(header::AUTHORIZATION)
        .ok_or_else(|| unauthorized("send Authorization: Bearer <seller API token>"))?
        .to_str()
        .map_err(|_| unauthorized("malformed Authorization header"))?;
    let token = value
        .strip_prefix("Bearer ")
        .ok_or_else(|| unauthorized("Authorization must use the Bearer scheme"))?
        .trim();
    s.notary
        .seller_for_token(token)
        .ok_or_else(|| unauthorized("unknown API token"))
}

async fn json_body(body: Body) -> Result<Value, ApiError> {
    let bytes = to_bytes(body, BODY_LEN_MAX).await.map_err(|_| {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            HttpCode::BodyTooLarge,
            format!("request bodies are at most {BODY_LEN_MAX} bytes"),
        )
    })?;
    if bytes.is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_slice(&bytes)
        .map_err(|e| ApiError::bad_request(format!("body is not JSON: {e}")))
}

/// Checks an amount object before typed parsing, so an amount that is not a positive integer of
/// minor units gets `bad_amount` (and not a generic parse error).
fn check_amount(v: Option<&Value>, field: &str) -> Result<(), ApiError> {
    let bad = |m: String| ApiError::new(StatusCode::BAD_REQUEST, ErrorCode::BadAmount, m);
    let Some(minor) = v.and_then(|a| a.get("minor")) else {
        return Ok(()); // missing: reported by the typed parse
    };
    let n = minor.as_i64().ok_or_else(|| {
        bad(format!(
            "{field}.minor must be an integer number of minor units"
        ))
    })?;
    if !(1..=crate::model::money::MINOR_MAX).contains(&n) {
        return Err(bad(format!(
            "{field}.minor must be between 1 and {} minor units, not {n}",
            crate::model::money::MINOR_MAX
        )));
    }
    Ok(())
}

/// The request without its order: parsed apart, so that a bad order is `malformed_order` and
/// anything else wrong is `bad_request`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RequestHead {
    request_id: String,
    agreement_id: String,
    seller_id: String,
    amount: Money,
}

fn parse_request(mut v: Value) -> Result<GuaranteeRequest, ApiError> {
    let order = match v.as_object_mut().map(|o| o.remove("order")) {
        None => return Err(ApiError::bad_request("the body must be a JSON object")),
        Some(None) => return Err(ApiError::bad_request("missing field `order`")),
        Some(Some(o)) => o,
    };
    let order: Envelope = serde_json::from_value(order).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::MalformedOrder,
            format!("order is not a signed envelope: {e}"),
        )
    })?;
    let head: RequestHead = serde_json::from_value(v)
        .map_err(|e| ApiError::bad_request(format!("guarantee request: {e}")))?;
    Ok(GuaranteeRequest {
        request_id: head.request_id,
        agreement_id: head.agreement_id,
        seller_id: head.seller_id,
        amount: head.amount,
        order,
    })
}

fn answer(status: u16, body: String) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// `POST /v1/guarantees`
pub async fn create(
    State(s): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let seller_id = seller(&s, &headers)?;
    let v = json_body(body).await?;
    check_amount(v.get("amount"), "amount")?;
    check_amount(
        v.get("order")
            .and_then(|o| o.get("payload"))
            .and_then(|p| p.get("amount")),
        "order.payload.amount",
    )?;
    let req = parse_request(v)?;
    let a = s
        .notary
        .request_guarantee(req, &seller_id)
        .await
        .inspect_err(|_| {
            s.metrics.errors.fetch_add(1, Ordering::Relaxed);
        })?;
    let counter = if a.granted() {
        &s.metrics.guarantees_granted
    } else {
        &s.metrics.guarantees_refused
    };
    counter.fetch_add(1, Ordering::Relaxed);
    Ok(answer(a.status, a.body))
}

fn view_json(v: GuaranteeView) -> Json<Value> {
    Json(json!({
        "guarantee_id": v.guarantee_id,
        "state": v.state,
        "guarantee": v.guarantee,
        "closing": v.closing,
    }))
}

/// `GET /v1/guarantees/{id}`
pub async fn get_one(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let seller_id = seller(&s, &headers)?;
    Ok(view_json(
        s.notary.guarantee(&id, &Caller::Seller(seller_id))?,
    ))
}

async fn close(
    s: AppState,
    headers: HeaderMap,
    id: String,
    body: Body,
    how: Closing,
) -> Result<Json<Value>, ApiError> {
    let seller_id = seller(&s, &headers)?;
    let v = json_body(body).await?;
    let reason = match v.get("reason") {
        None | Some(Value::Null) => None,
        Some(Value::String(r)) => Some(r.clone()),
        Some(_) => return Err(ApiError::bad_request("reason must be a string")),
    };
    let view = s
        .notary
        .close_guarantee(&id, Caller::Seller(seller_id), how, reason, None)
        .await?;
    Ok(view_json(view))
}

/// `POST /v1/guarantees/{id}/settle`
pub async fn settle(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Body,
) -> Result<Json<Value>, ApiError> {
    close(s, headers, id, body, Closing::Settle).await
}

/// `POST /v1/guarantees/{id}/release`
pub async fn release(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Body,
) -> Result<Json<Value>, ApiError> {
    close(s, headers, id, body, Closing::Release).await
}

/// Query of `GET /v1/agreements/{id}/check`.
#[derive(Deserialize)]
pub struct CheckQuery {
    amount: String,
    currency: Option<String>,
}

/// `GET /v1/agreements/{id}/check?amount=12000[&currency=EUR]`: `amount` in minor units, or a
/// decimal such as `120.00`. Says yes or no (with the reason code); reserves nothing.
pub async fn check(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    q: Result<Query<CheckQuery>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    seller(&s, &headers)?;
    let Query(q) = q.map_err(|_| {
        ApiError::bad_request("give ?amount=<minor units or decimal>[&currency=XXX]")
    })?;
    let currency = match &q.currency {
        Some(c) => Currency::parse(c).map_err(|e| ApiError::bad_request(e.to_string()))?,
        None => s.notary.agreement_currency(&id)?,
    };
    let bad = |m: String| ApiError::new(StatusCode::BAD_REQUEST, ErrorCode::BadAmount, m);
    let amount = if q.amount.contains('.') {
        Money::parse_decimal(&q.amount, currency).map_err(|e| bad(e.to_string()))?
    } else {
        let minor: i64 = q.amount.parse().map_err(|_| {
            bad(format!(
                "amount {:?} is not an integer of minor units",
                q.amount
            ))
        })?;
        Money::positive(minor, currency).map_err(|e| bad(e.to_string()))?
    };
    let refusal = s.notary.check(&id, amount)?;
    Ok(Json(json!({
        "agreement_id": id,
        "amount": amount,
        "covered": refusal.is_none(),
        "reason": refusal.map(|r| r.code()),
    })))
}
