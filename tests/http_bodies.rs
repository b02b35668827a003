//! Request bodies read one way only, against the real server with curl: a member name repeated
//! in one object (the parser would keep the last; another reader might keep the first) is
//! refused, also inside a signed order; `POST /v1/nonce` takes no body; settle and release take
//! none or `{"reason"}`. Every refusal is `400 bad_request` and signs and logs nothing.

mod util;

use serde_json::Value;
use util::ledger::*;
use util::*;

/// `{..., "amount": A, ...}` with a second `"amount"` member spliced in before the last brace.
fn with_second(body: &Value, member: &str, value: &str) -> Vec<u8> {
    let text = serde_json::to_string(body).expect("json");
    let end = text.rfind('}').expect("an object");
    format!("{},\"{member}\":{value}}}", &text[..end]).into_bytes()
}

#[test]
fn a_repeated_member_is_refused_and_changes_nothing() {
    let data = DataDir::init();
    let srv = Server::start(&data);
    let mut admin = Admin::connect(&data);
    let deal = make_deal(&mut admin, 100_000, 50_000);
    let req = request(&deal, "dup-1", 700, "chairs");
    let size = log_size(&srv.url);
    let twice = with_second(&req, "amount", r#"{"minor":9999,"currency":"EUR"}"#);
    let got = post(&srv.url, "/v1/guarantees", Some(&deal.token), &twice);
    assert_error(&got, 400, "bad_request");
    let message = json(&got.1)["error"]["message"].clone();
    assert!(
        message
            .as_str()
            .is_some_and(|m| m.contains("\"amount\" appears twice")),
        "{message}"
    );
    // Inside the buyer's signed order: its order_digest twice.
    let mut order = req["order"].clone();
    let payload = order["payload"].take();
    let inner = with_second(&payload, "order_digest", &format!("\"{}\"", "0".repeat(64)));
    let mut text = serde_json::to_string(&req).expect("json");
    let old = serde_json::to_string(&payload).expect("json");
    text = text.replace(&old, std::str::from_utf8(&inner).expect("utf-8"));
    let got = post(
        &srv.url,
        "/v1/guarantees",
        Some(&deal.token),
        text.as_bytes(),
    );
    assert_error(&got, 400, "bad_request");
    assert_eq!(log_size(&srv.url), size, "nothing signed or logged");
    // The genuine request is not blocked by the refused ones (no request id was taken).
    let body = serde_json::to_vec(&req).expect("json");
    let got = post(&srv.url, "/v1/guarantees", Some(&deal.token), &body);
    assert_eq!(got.0, 201, "{}", String::from_utf8_lossy(&got.1));
}

#[test]
fn a_nonce_takes_no_body_and_a_closing_only_a_reason() {
    let data = DataDir::init();
    let srv = Server::start(&data);
    let mut admin = Admin::connect(&data);
    let deal = make_deal(&mut admin, 100_000, 50_000);
    let size = log_size(&srv.url);
    assert_error(
        &post(&srv.url, "/v1/nonce", None, &[b'a'; 70_000]),
        413,
        "body_too_large",
    );
    assert_error(
        &post(&srv.url, "/v1/nonce", None, br#"{"a":1}"#),
        400,
        "bad_request",
    );
    assert_eq!(log_size(&srv.url), size, "no nonce for a refused request");
    for ok in [&b""[..], b"null", b"{}"] {
        assert_eq!(post(&srv.url, "/v1/nonce", None, ok).0, 200);
    }
    let body = serde_json::to_vec(&request(&deal, "r-1", 1_000, "lamp")).expect("json");
    let got = post(&srv.url, "/v1/guarantees", Some(&deal.token), &body);
    assert_eq!(got.0, 201, "{}", String::from_utf8_lossy(&got.1));
    let gid = json(&got.1)["guarantee"]["payload"]["guarantee_id"]
        .as_str()
        .expect("id")
        .to_string();
    let size = log_size(&srv.url);
    for (path, bad) in [
        ("settle", &br#""hello""#[..]),
        ("settle", b"[]"),
        ("release", b"42"),
        ("release", br#"{"foo":1}"#),
    ] {
        let got = post(
            &srv.url,
            &format!("/v1/guarantees/{gid}/{path}"),
            Some(&deal.token),
            bad,
        );
        assert_error(&got, 400, "bad_request");
    }
    assert_eq!(log_size(&srv.url), size, "nothing closed");
    let release = format!("/v1/guarantees/{gid}/release");
    let got = post(
        &srv.url,
        &release,
        Some(&deal.token),
        br#"{"reason":"cancelled"}"#,
    );
    assert_eq!(got.0, 200, "{}", String::from_utf8_lossy(&got.1));
}
