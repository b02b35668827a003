//! The OpenAPI document against the routes it describes: the right version and title, exactly
//! the public routes, and each operation fully described (summary, description, parameters,
//! responses, the error shape, the seller token).

use std::collections::BTreeSet;

use serde_json::Value;

use super::{render, SELLER_TOKEN};

/// The public routes built so far (docs/design.md §8 names them), and this document's own.
const ROUTES: [(&str, &str); 22] = [
    ("post", "/v1/timestamp"),
    ("get", "/v1/timestamp/certchain"),
    ("get", "/v1/notary"),
    ("post", "/v1/nonce"),
    ("get", "/v1/log/checkpoint"),
    ("get", "/v1/log/proof/inclusion"),
    ("get", "/v1/log/proof/consistency"),
    ("get", "/v1/log/entries/{index}"),
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
    ("get", "/v1/openapi.json"),
    ("get", "/healthz"),
    ("get", "/metrics"),
];

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

fn doc() -> Value {
    serde_json::to_value(crate::api::openapi()).expect("the document is JSON")
}

/// One operation of the document.
struct Operation<'a> {
    method: &'a str,
    path: &'a str,
    op: &'a Value,
}

impl Operation<'_> {
    fn name(&self) -> String {
        format!("{} {}", self.method.to_uppercase(), self.path)
    }

    /// (status, response object) of every documented answer.
    fn responses(&self) -> Vec<(u16, &Value)> {
        let map = self.op["responses"].as_object().expect("responses object");
        map.iter()
            .map(|(k, v)| (k.parse().expect("numeric status"), v))
            .collect()
    }
}

fn operations(doc: &Value) -> Vec<Operation<'_>> {
    let paths = doc["paths"].as_object().expect("paths object");
    let mut ops = Vec::new();
    for (path, item) in paths {
        for method in METHODS {
            if let Some(op) = item.get(method) {
                ops.push(Operation { method, path, op });
            }
        }
    }
    ops
}

fn is_seller_route(path: &str) -> bool {
    path.starts_with("/v1/guarantees") || path.starts_with("/v1/agreements/")
}

#[test]
fn the_document_is_openapi_3_1_titled_notar_with_the_crate_version() {
    let doc = doc();
    let version = doc["openapi"].as_str().expect("openapi field");
    assert!(version.starts_with("3.1."), "openapi {version}");
    assert_eq!(doc["info"]["title"], "notar");
    assert_eq!(doc["info"]["version"], env!("CARGO_PKG_VERSION"));
}

#[test]
fn the_served_bytes_are_the_document() {
    let served: Value =
        serde_json::from_slice(&render(&crate::api::openapi())).expect("served JSON");
    assert_eq!(served, doc());
}

#[test]
fn the_document_describes_exactly_the_public_routes() {
    let doc = doc();
    let described: BTreeSet<(String, String)> = operations(&doc)
        .iter()
        .map(|o| (o.method.to_string(), o.path.to_string()))
        .collect();
    let expected: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    let undescribed: Vec<_> = expected.difference(&described).collect();
    let unknown: Vec<_> = described.difference(&expected).collect();
    assert!(
        undescribed.is_empty() && unknown.is_empty(),
        "routes without a description: {undescribed:?}; descriptions of unknown routes: {unknown:?}"
    );
}

#[test]
fn every_operation_has_a_summary_a_description_a_tag_and_responses() {
    let doc = doc();
    let mut ids = BTreeSet::new();
    for o in operations(&doc) {
        let name = o.name();
        for field in ["summary", "description", "operationId"] {
            let text = o.op[field].as_str().unwrap_or_default();
            assert!(!text.trim().is_empty(), "{name}: no {field}");
        }
        assert!(
            ids.insert(o.op["operationId"].to_string()),
            "{name}: operationId used twice"
        );
        assert!(o.op["tags"][0].is_string(), "{name}: no tag");
        let responses = o.responses();
        assert!(
            responses.iter().any(|(s, _)| (200..300).contains(s)),
            "{name}: no success answer"
        );
        for (status, r) in responses {
            let text = r["description"].as_str().unwrap_or_default();
            assert!(!text.is_empty(), "{name} {status}: no description");
        }
    }
}

#[test]
fn every_error_answer_has_the_error_shape() {
    let doc = doc();
    for o in operations(&doc) {
        for (status, r) in o.responses() {
            // /healthz answers its 503 with the health report itself, not an error.
            if status < 400 || o.path == "/healthz" {
                continue;
            }
            assert_eq!(
                r["content"]["application/json"]["schema"]["$ref"],
                "#/components/schemas/ErrorBody",
                "{} {status}",
                o.name()
            );
        }
    }
    let schemas = &doc["components"]["schemas"];
    assert_eq!(
        schemas["ErrorBody"]["required"],
        serde_json::json!(["error"])
    );
    assert_eq!(
        schemas["ErrorDetail"]["required"],
        serde_json::json!(["code", "message"])
    );
}

#[test]
fn seller_routes_and_only_they_need_the_bearer_token() {
    let doc = doc();
    let scheme = &doc["components"]["securitySchemes"][SELLER_TOKEN];
    assert_eq!(scheme["type"], "http");
    assert_eq!(scheme["scheme"], "bearer");
    for o in operations(&doc) {
        let seller = is_seller_route(o.path);
        let wants_token = o.op["security"] == serde_json::json!([{ SELLER_TOKEN: [] }]);
        let has_401 = o.responses().iter().any(|(s, _)| *s == 401);
        assert_eq!(wants_token, seller, "{}: security", o.name());
        assert_eq!(has_401, seller, "{}: 401 answer", o.name());
    }
}

#[test]
fn path_parameters_match_the_path_templates() {
    let doc = doc();
    for o in operations(&doc) {
        let in_template: BTreeSet<&str> = o
            .path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{')?.strip_suffix('}'))
            .collect();
        let params = o.op["parameters"].as_array().cloned().unwrap_or_default();
        let declared: BTreeSet<String> = params
            .iter()
            .filter(|p| p["in"] == "path")
            .inspect(|p| assert_eq!(p["required"], true, "{}: {p}", o.name()))
            .map(|p| p["name"].as_str().unwrap_or_default().to_string())
            .collect();
        let declared: BTreeSet<&str> = declared.iter().map(String::as_str).collect();
        assert_eq!(in_template, declared, "{}: path parameters", o.name());
    }
}

/// Every `$ref` string anywhere in `doc`.
fn refs(doc: &Value) -> Vec<&str> {
    let mut found = Vec::new();
    let mut todo = vec![doc];
    while let Some(v) = todo.pop() {
        match v {
            Value::Object(map) => {
                for (k, v) in map {
                    match (k.as_str(), v) {
                        ("$ref", Value::String(r)) => found.push(r.as_str()),
                        _ => todo.push(v),
                    }
                }
            }
            Value::Array(items) => todo.extend(items),
            _ => {}
        }
    }
    found
}

#[test]
fn every_referenced_schema_is_defined() {
    let doc = doc();
    let found = refs(&doc);
    assert!(!found.is_empty());
    for r in found {
        let name = r
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("unexpected reference {r}"));
        assert!(
            doc["components"]["schemas"][name].is_object(),
            "{r} is not defined"
        );
    }
}
