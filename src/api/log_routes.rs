//! The log routes: checkpoint, inclusion and consistency proofs, entries.

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::Engine;
use serde::{Deserialize, Serialize};

use super::{ApiError, AppState};
use crate::log::merkle::Hash;

/// A Merkle proof on the wire: hashes in base64, as RFC 9162 orders them.
#[derive(Debug, Serialize, Deserialize)]
pub struct ProofJson {
    /// Leaf index (inclusion) or first tree size (consistency).
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

/// The latest signed checkpoint.
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
#[derive(Deserialize)]
pub struct InclusionParams {
    index: u64,
    size: Option<u64>,
}

/// Inclusion proof.
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
#[derive(Deserialize)]
pub struct ConsistencyParams {
    size1: u64,
    size2: Option<u64>,
}

/// Consistency proof.
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

/// The raw leaf bytes (canonical JSON), so a client hashes exactly what the tree holds.
pub async fn entry(
    State(s): State<AppState>,
    index: Result<Path<u64>, PathRejection>,
) -> Result<Response, ApiError> {
    let Path(index) = index.map_err(|e| ApiError::bad_request(format!("entry index: {e}")))?;
    let bytes = s.notary.entry(index)?;
    Ok(([(header::CONTENT_TYPE, "application/json")], bytes).into_response())
}
