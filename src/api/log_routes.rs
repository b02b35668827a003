//! The log routes: checkpoint, inclusion and consistency proofs, entries.

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::Engine;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{ApiError, AppState, ErrorBody};
use crate::log::merkle::Hash;

/// A Merkle proof on the wire: hashes in base64, as RFC 9162 orders them.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ProofJson {
    /// Leaf index (inclusion proofs only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<u64>,
    /// First tree size (consistency).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size1: Option<u64>,
    /// Tree size the proof is for (inclusion) / second tree size (consistency).
    pub size: u64,
    /// Base64 hashes.
    pub proof: Vec<String>,
}

fn b64(hashes: &[Hash]) -> Vec<String> {
    hashes
        .iter()
        .map(|h| base64::engine::general_purpose::STANDARD.encode(h))
        .collect()
}

/// The latest signed checkpoint
///
/// A C2SP signed note (origin, tree size, base64 root hash, then the notary's Ed25519 note
/// signature); verify it with the `checkpoint_vkey` of `GET /v1/notary`.
#[utoipa::path(
    get,
    path = "/v1/log/checkpoint",
    operation_id = "log_checkpoint",
    tag = "log",
    responses(
        (
            status = 200,
            description = "The signed note",
            content_type = "text/plain; charset=utf-8",
            body = String,
        ),
        (status = 404, description = "`not_found`: no checkpoint yet", body = ErrorBody),
    ),
)]
pub async fn checkpoint(State(s): State<AppState>) -> Result<Response, ApiError> {
    let cp = s
        .notary
        .checkpoint()
        .ok_or_else(|| ApiError::not_found("no checkpoint yet"))?;
    Ok((
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        cp.note.clone(),
    )
        .into_response())
}

/// `?index=I&size=N` (size defaults to the current tree).
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InclusionParams {
    /// Leaf index.
    index: u64,
    /// Tree size to prove against; defaults to the current size.
    size: Option<u64>,
}

/// Inclusion proof
///
/// Proves that leaf `index` is in the tree of size `size` (RFC 9162 §2.1.3).
#[utoipa::path(
    get,
    path = "/v1/log/proof/inclusion",
    operation_id = "log_inclusion_proof",
    tag = "log",
    params(InclusionParams),
    responses(
        (status = 200, description = "The audit path", body = ProofJson),
        (
            status = 400,
            description = "`bad_request`: missing or bad parameters, index not below size, or \
                           size beyond the tree",
            body = ErrorBody,
        ),
    ),
)]
pub async fn inclusion(
    State(s): State<AppState>,
    q: Result<Query<InclusionParams>, QueryRejection>,
) -> Result<Json<ProofJson>, ApiError> {
    let Query(q) =
        q.map_err(|e| ApiError::bad_request(format!("{e}; expected ?index=I&size=N")))?;
    let size = q.size.unwrap_or_else(|| s.notary.log_size());
    let notary = s.notary.clone();
    let proof = tokio::task::spawn_blocking(move || notary.inclusion_proof(q.index, size))
        .await
        .map_err(|e| ApiError::internal(e.to_string()))??;
    Ok(Json(ProofJson {
        index: Some(q.index),
        size1: None,
        size,
        proof: b64(&proof),
    }))
}

/// `?size1=M&size2=N` (size2 defaults to the current tree).
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ConsistencyParams {
    /// The earlier tree size.
    size1: u64,
    /// The later tree size; defaults to the current size.
    size2: Option<u64>,
}

/// Consistency proof
///
/// Proves that the tree of size `size1` is a prefix of the tree of size `size2` (RFC 9162
/// §2.1.4): the log only grew.
#[utoipa::path(
    get,
    path = "/v1/log/proof/consistency",
    operation_id = "log_consistency_proof",
    tag = "log",
    params(ConsistencyParams),
    responses(
        (status = 200, description = "The consistency proof", body = ProofJson),
        (
            status = 400,
            description = "`bad_request`: missing or bad parameters, or sizes out of order or \
                           beyond the tree",
            body = ErrorBody,
        ),
    ),
)]
pub async fn consistency(
    State(s): State<AppState>,
    q: Result<Query<ConsistencyParams>, QueryRejection>,
) -> Result<Json<ProofJson>, ApiError> {
    let Query(q) =
        q.map_err(|e| ApiError::bad_request(format!("{e}; expected ?size1=M&size2=N")))?;
    let size2 = q.size2.unwrap_or_else(|| s.notary.log_size());
    let notary = s.notary.clone();
    let proof = tokio::task::spawn_blocking(move || notary.consistency_proof(q.size1, size2))
        .await
        .map_err(|e| ApiError::internal(e.to_string()))??;
    Ok(Json(ProofJson {
        index: None,
        size1: Some(q.size1),
        size: size2,
        proof: b64(&proof),
    }))
}

/// A log entry
///
/// The raw leaf bytes (canonical JSON `{"kind", "logged_at", "operator"?, "body"}`), so a client
/// hashes exactly what the tree holds.
#[utoipa::path(
    get,
    path = "/v1/log/entries/{index}",
    operation_id = "log_entry",
    tag = "log",
    params(("index" = u64, Path, description = "Leaf index")),
    responses(
        (status = 200, description = "The leaf, canonical JSON", body = Object),
        (status = 400, description = "`bad_request`: the index is not a number", body = ErrorBody),
        (status = 404, description = "`not_found`: no such entry yet", body = ErrorBody),
    ),
)]
pub async fn entry(
    State(s): State<AppState>,
    index: Result<Path<u64>, PathRejection>,
) -> Result<Response, ApiError> {
    let Path(index) = index.map_err(|e| ApiError::bad_request(format!("entry index: {e}")))?;
    let bytes = s.notary.entry(index)?;
    Ok(([(header::CONTENT_TYPE, "application/json")], bytes).into_response())
}
