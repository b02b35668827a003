//! The OpenAPI 3.1 document of the public API: the parts no handler owns (title, version, the
//! seller token scheme), and the route that serves the whole document.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ComponentsBuilder, InfoBuilder, OpenApi, OpenApiBuilder};

use super::AppState;

/// Name of the security scheme the seller routes require.
pub const SELLER_TOKEN: &str = "seller_token";

/// The document before the routes add their paths and schemas.
pub fn base() -> OpenApi {
    let info = InfoBuilder::new()
        .title("notar")
        .version(env!("CARGO_PKG_VERSION"))
        .description(Some(
            "The public HTTP API of a notar notary: RFC 3161 timestamps, the notary log \
             (checkpoints, proofs, entries) and guarantees for sellers. Errors are \
             `{\"error\": {\"code\", \"message\"}}` with a 4xx status for the caller's fault.",
        ));
    let seller_token = HttpBuilder::new()
        .scheme(HttpAuthScheme::Bearer)
        .description(Some("The API token a seller got once, at registration"))
        .build();
    OpenApiBuilder::new()
        .info(info)
        .components(Some(
            ComponentsBuilder::new()
                .security_scheme(SELLER_TOKEN, SecurityScheme::Http(seller_token))
                .build(),
        ))
        .build()
}

/// The document as served: compact JSON, rendered once at start.
pub fn render(doc: &OpenApi) -> Bytes {
    // Invariant: the document is plain data with string map keys, which JSON always encodes.
    let json = doc
        .to_json()
        .expect("an OpenAPI document always encodes as JSON");
    Bytes::from(json)
}

/// This document
///
/// The OpenAPI 3.1 description of every route of the public API, built from the handlers and
/// the types they use.
#[utoipa::path(
    get,
    path = "/v1/openapi.json",
    operation_id = "openapi_document",
    tag = "service",
    responses((
        status = 200,
        description = "The OpenAPI 3.1 document",
        content_type = "application/json",
        body = Object,
    )),
)]
pub async fn document(State(s): State<AppState>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        s.openapi_json.clone(),
    )
}

#[cfg(test)]
#[path = "openapi_tests.rs"]
mod tests;
