//! `GET /v1/openapi.json` against the real `notar serve`: the document is served as OpenAPI 3.1
//! JSON, every operation it describes is answered by a handler (not by the unknown-route
//! fallback) with a status and media type the document lists, every route it leaves out is
//! unknown to the server, and real guarantee answers read as the documented types.

mod util;

use std::collections::BTreeSet;

use notar::api::GuaranteeDecision;
use serde_json::Value;
use util::ledger::*;
use util::*;

/// Stands in for `{id}` path parameters: well formed, never issued.
const PLACEHOLDER_ID: &str = "01900000-0000-7000-8000-000000000000";

/// Methods probed on every path (HEAD is left out: axum answers it wherever GET is routed).
const METHODS: [&str; 5] = ["get", "post", "put", "delete", "patch"];

/// The routes docs/design.md §8 names. Each one the document lacks must be unknown to the server.
const DESIGN_ROUTES: [(&str, &str); 21] = [
    ("post", "/v1/timestamp"),
    ("get", "/v1/timestamp/certchain"),
    ("post", "/v1/guarantees"),
    ("get", "/v1/guarantees/{id}"),
    ("post", "/v1/guarantees/{id}/settle"),
    ("post", "/v1/guarantees/{id}/release"),
    ("get", "/v1/agreements/{id}/check"),
    ("post", "/v1/exchanges/abort"),
    ("post", "/v1/exchanges/resolve"),
    ("get", "/v1/exchanges/{tid}"),
    ("post", "/v1/complaints"),
    ("post", "/v1/complaints/{id}/response"),
    ("get", "/v1/complaints/{id}"),
    ("get", "/v1/log/checkpoint"),
    ("get", "/v1/log/proof/inclusion"),
    ("get", "/v1/log/proof/consistency"),
    ("get", "/v1/log/entries/{index}"),
    ("get", "/v1/notary"),
    ("post", "/v1/nonce"),
    ("get", "/healthz"),
    ("get", "/metrics"),
];

/// One HTTP answer.
struct Answer {
    status: u16,
    content_type: String,
    body: Vec<u8>,
}

impl Answer {
    fn media_type(&self) -> String {
        media_type(&self.content_type)
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// True when no handler answered: the router's fallbacks for an unknown route (404
    /// "no such route", or any 404 that is not a JSON error) or an unrouted method (405).
    fn by_fallback(&self) -> bool {
        let error = serde_json::from_slice::<Value>(&self.body)
            .map(|v| v["error"].clone())
            .unwrap_or(Value::Null);
        match self.status {
            405 => error["code"] == "method_not_allowed",
            404 => error["code"].is_null() || error["message"] == "no such route",
            _ => false,
        }
    }
}

/// `type/subtype` of a Content-Type value, lowercase.
fn media_type(content_type: &str) -> String {
    let media = content_type.split(';').next().unwrap_or_default();
    media.trim().to_ascii_lowercase()
}

/// `curl -X METHOD URL` with an optional bearer token and no body.
fn call(method: &str, url: &str, token: Option<&str>) -> Answer {
    let out = tempfile::NamedTempFile::new().expect("tmp");
    let mut cmd = std::process::Command::new("curl");
    cmd.args(["-s", "--max-time", "60", "-X", &method.to_uppercase()])
        .args(["-o", out.path().to_str().expect("utf8")])
        .args(["-w", "%{http_code} %{content_type}"]);
    if let Some(t) = token {
        cmd.args(["-H", &format!("Authorization: Bearer {t}")]);
    }
    let o = cmd.arg(url).output().expect("run curl");
    let written = String::from_utf8_lossy(&o.stdout).into_owned();
    let (status, content_type) = written.split_once(' ').unwrap_or((&written, ""));
    Answer {
        status: status.parse().expect("http code"),
        content_type: content_type.to_string(),
        body: std::fs::read(out.path()).expect("body"),
    }
}

/// A path template with its parameters filled by placeholders.
fn concrete(path: &str) -> String {
    path.replace("{index}", "0")
        .replace("{id}", PLACEHOLDER_ID)
        .replace("{tid}", PLACEHOLDER_ID)
}

fn fetch_document(srv: &Server) -> Value {
    let a = call("get", &format!("{}/v1/openapi.json", srv.url), None);
    assert_eq!(a.status, 200, "{}", a.text());
    assert_eq!(a.media_type(), "application/json", "{}", a.content_type);
    json(&a.body)
}

/// (method, path template, operation) of every operation the document describes.
fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let paths = doc["paths"].as_object().expect("paths");
    let mut ops = Vec::new();
    for (path, item) in paths {
        for method in METHODS {
            if let Some(op) = item.get(method) {
                ops.push((method.to_string(), path.clone(), op.clone()));
            }
        }
    }
    ops
}

/// Checks that a handler gave `a`, with a status and media type `op` documents.
fn assert_documented(name: &str, op: &Value, a: &Answer) {
    assert!(
        !a.by_fallback(),
        "{name}: no handler ({}) {}",
        a.status,
        a.text()
    );
    let response = &op["responses"][a.status.to_string()];
    assert!(
        response.is_object(),
        "{name}: answered {} which the document does not list: {}",
        a.status,
        a.text()
    );
    if let Some(content) = response["content"].as_object() {
        let documented: BTreeSet<String> = content.keys().map(|k| media_type(k)).collect();
        assert!(
            documented.contains(&a.media_type()),
            "{name} {}: served {:?}, documented {documented:?}",
            a.status,
            a.content_type
        );
    }
}

#[test]
fn the_document_is_served_as_openapi_3_1_json() {
    let data = DataDir::init();
    let srv = Server::start(&data);
    let doc = fetch_document(&srv);
    let version = doc["openapi"].as_str().expect("openapi");
    assert!(version.starts_with("3.1."), "openapi {version}");
    assert_eq!(doc["info"]["title"], "notar");
    assert_eq!(doc["info"]["version"], env!("CARGO_PKG_VERSION"));
    assert!(doc["paths"]["/v1/openapi.json"]["get"].is_object());
}

#[test]
fn every_described_operation_is_answered_by_its_handler_as_described() {
    let data = DataDir::init();
    let srv = Server::start(&data);
    let deal = make_deal(&mut Admin::connect(&data), 100_000, 50_000);
    let doc = fetch_document(&srv);
    let ops = operations(&doc);
    assert!(ops.len() >= 15, "only {} operations", ops.len());
    for (method, path, op) in &ops {
        let url = format!("{}{}", srv.url, concrete(path));
        for token in [None, Some(deal.token.as_str())] {
            let name = format!(
                "{} {path} (token: {})",
                method.to_uppercase(),
                token.is_some()
            );
            assert_documented(&name, op, &call(method, &url, token));
        }
    }
}

#[test]
fn routes_the_document_leaves_out_are_unknown_to_the_server() {
    let data = DataDir::init();
    let srv = Server::start(&data);
    let doc = fetch_document(&srv);
    let described: BTreeSet<(String, String)> = operations(&doc)
        .into_iter()
        .map(|(m, p, _)| (m, p))
        .collect();
    let mut probes: BTreeSet<(String, String)> = DESIGN_ROUTES
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    for (_, path) in &described {
        probes.extend(METHODS.iter().map(|m| (m.to_string(), path.clone())));
    }
    for (method, path) in probes.difference(&described) {
        let a = call(method, &format!("{}{}", srv.url, concrete(path)), None);
        assert!(
            a.by_fallback(),
            "{} {path} is served ({}) but not described: {}",
            method.to_uppercase(),
            a.status,
            a.text()
        );
    }
}

#[test]
fn guarantee_answers_read_as_the_documented_decision() {
    let data = DataDir::init();
    let srv = Server::start(&data);
    let deal = make_deal(&mut Admin::connect(&data), 100_000, 50_000);
    let token = Some(deal.token.as_str());
    let (status, body) = post(
        &srv.url,
        "/v1/guarantees",
        token,
        &serde_json::to_vec(&request(&deal, "oa-1", 12_000, "2 chairs")).expect("json"),
    );
    assert_eq!(status, 201, "{}", String::from_utf8_lossy(&body));
    let granted: GuaranteeDecision = serde_json::from_slice(&body).expect("granted answer");
    assert!(
        matches!(&granted, GuaranteeDecision::Granted { guarantee }
            if guarantee.kind == "guarantee"),
        "{granted:?}"
    );
    let (status, body) = post(
        &srv.url,
        "/v1/guarantees",
        token,
        &serde_json::to_vec(&request(&deal, "oa-2", 60_000, "a sofa")).expect("json"),
    );
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let refused: GuaranteeDecision = serde_json::from_slice(&body).expect("refused answer");
    assert!(
        matches!(&refused, GuaranteeDecision::Refused { reason, refusal }
            if reason.code() == "per_transaction_cap_exceeded" && refusal.kind == "refusal"),
        "{refused:?}"
    );
}
