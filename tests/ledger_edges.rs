//! Edges of the guarantee ledger over HTTP against the real `notar serve`: one signed order is
//! guaranteed once across all of its buyer's agreements (also after a restart), a seller cannot
//! release with the reason `ruled`, and the coverage check is rate-limited per seller and
//! counted in `/metrics`.

mod util;

use serde_json::{json, Value};
use util::ledger::*;
use util::*;

/// Another agreement for the deal's buyer (same policy and caps).
fn another_agreement(admin: &mut Admin, deal: &Deal) -> String {
    let a = admin.ok(
        "agreement_create",
        json!({"buyer_id": deal.buyer_id, "policy_id": "semper-consumer",
               "total_cap_minor": 100_000, "per_tx_cap_minor": 50_000}),
    );
    a["id"].as_str().expect("agreement id").to_string()
}

/// `POST /v1/guarantees` of `order` under `agreement_id`; (status, parsed body).
fn ask(
    url: &str,
    deal: &Deal,
    agreement_id: &str,
    request_id: &str,
    order: &Value,
) -> (u16, Value) {
    let body = json!({
        "request_id": request_id,
        "agreement_id": agreement_id,
        "seller_id": deal.seller_id,
        "amount": eur(2_500),
        "order": order,
    });
    let (status, bytes) = post(
        url,
        "/v1/guarantees",
        Some(&deal.token),
        body.to_string().as_bytes(),
    );
    (status, json(&bytes))
}

fn is_duplicate(answer: &(u16, Value)) {
    assert_eq!(answer.0, 200, "{}", answer.1);
    assert_eq!(answer.1["decision"], "refused", "{}", answer.1);
    assert_eq!(answer.1["reason"], "duplicate_transaction", "{}", answer.1);
}

#[test]
fn one_signed_order_is_guaranteed_once_across_the_buyers_agreements() {
    let data = DataDir::init();
    let srv = Server::start(&data);
    let mut admin = Admin::connect(&data);
    let deal = make_deal(&mut admin, 100_000, 50_000);
    let second = another_agreement(&mut admin, &deal);
    let order = request(&deal, "r1", 2_500, "one order")["order"].clone();

    let (status, granted) = ask(&srv.url, &deal, &deal.agreement_id, "r1", &order);
    assert_eq!(status, 201, "{granted}");
    is_duplicate(&ask(&srv.url, &deal, &second, "r2", &order));
    assert_eq!(admin.exposure(&second), 0);

    drop(admin);
    srv.kill9();
    let srv = Server::start(&data);
    let mut admin = Admin::connect(&data);
    let third = another_agreement(&mut admin, &deal);
    is_duplicate(&ask(&srv.url, &deal, &third, "r3", &order));
    is_duplicate(&ask(&srv.url, &deal, &second, "r4", &order));
    assert_eq!(admin.exposure(&third), 0);
    // Another order of the same buyer is still granted under the other agreements.
    let other = request(&deal, "r5", 2_500, "another order")["order"].clone();
    assert_eq!(ask(&srv.url, &deal, &third, "r5", &other).0, 201);
}

#[test]
fn a_seller_cannot_release_with_the_reason_ruled() {
    let data = DataDir::init();
    let srv = Server::start(&data);
    let mut admin = Admin::connect(&data);
    let deal = make_deal(&mut admin, 100_000, 50_000);
    let body = request(&deal, "r1", 2_500, "order");
    let (status, granted) = post(
        &srv.url,
        "/v1/guarantees",
        Some(&deal.token),
        body.to_string().as_bytes(),
    );
    assert_eq!(status, 201, "{}", String::from_utf8_lossy(&granted));
    let gid = json(&granted)["guarantee"]["payload"]["guarantee_id"]
        .as_str()
        .expect("guarantee id")
        .to_string();
    let path = format!("/v1/guarantees/{gid}/release");
    let size = log_size(&srv.url);

    let refused = post(&srv.url, &path, Some(&deal.token), br#"{"reason":"ruled"}"#);
    assert_error(&refused, 400, "bad_reason");
    let message = json(&refused.1)["error"]["message"].to_string();
    assert!(message.contains("ruling"), "{message}");
    assert_eq!(
        log_size(&srv.url),
        size,
        "a refused release logged something"
    );
    assert_eq!(admin.exposure(&deal.agreement_id), 2_500);

    let (status, released) = post(
        &srv.url,
        &path,
        Some(&deal.token),
        br#"{"reason":"aborted"}"#,
    );
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&released));
    assert_eq!(admin.exposure(&deal.agreement_id), 0);
}

/// `GET /v1/agreements/{id}/check` with `token`: (status, body, Retry-After header if any).
fn check(
    url: &str,
    agreement_id: &str,
    token: &str,
    dir: &std::path::Path,
) -> (u16, Value, Option<u64>) {
    let headers = dir.join("headers.txt");
    let target = format!("{url}/v1/agreements/{agreement_id}/check?amount=10.00");
    let auth = format!("Authorization: Bearer {token}");
    let (status, body) = curl(&["--max-time", "60", "-D", p(&headers), "-H", &auth, &target]);
    let head = std::fs::read_to_string(&headers).expect("headers");
    let retry = head.lines().find_map(|l| {
        let (name, value) = l.split_once(':')?;
        name.eq_ignore_ascii_case("retry-after")
            .then(|| value.trim().parse().expect("seconds"))
    });
    (status, json(&body), retry)
}

/// The value of one line of `/metrics`.
fn metric(url: &str, line_start: &str) -> u64 {
    let (status, body) = get(url, "/metrics", None);
    assert_eq!(status, 200);
    let text = String::from_utf8_lossy(&body).into_owned();
    text.lines()
        .find_map(|l| l.strip_prefix(line_start))
        .unwrap_or_else(|| panic!("no {line_start} in {text}"))
        .trim()
        .parse()
        .expect("a count")
}

#[test]
fn the_coverage_check_is_rate_limited_per_seller_and_counted() {
    let data = DataDir::init();
    let toml = data.path.join("notar.toml");
    let text = std::fs::read_to_string(&toml).expect("notar.toml");
    assert!(text.contains("check_per_minute = 600"), "{text}");
    std::fs::write(
        &toml,
        text.replace("check_per_minute = 600", "check_per_minute = 2"),
    )
    .expect("write notar.toml");
    let srv = Server::start(&data);
    let mut admin = Admin::connect(&data);
    let deal = make_deal(&mut admin, 100_000, 50_000);
    let (_, other_token) = admin.seller("Other Shop");

    // The burst: two calls right away.
    for _ in 0..2 {
        let (status, body, _) = check(&srv.url, &deal.agreement_id, &deal.token, data.work());
        assert_eq!(status, 200, "{body}");
    }
    let mut limited = 0;
    for _ in 0..4 {
        let (status, body, retry) = check(&srv.url, &deal.agreement_id, &deal.token, data.work());
        if status == 429 {
            limited += 1;
            assert_eq!(body["error"]["code"], "rate_limited", "{body}");
            let retry = retry.expect("Retry-After");
            assert!((1..=60).contains(&retry), "Retry-After {retry}");
        } else {
            // Only a refill (one call per 30 s) lets a call through.
            assert_eq!(status, 200, "{body}");
        }
    }
    assert!(
        limited >= 3,
        "{limited} of 4 calls over the limit were refused"
    );
    // Another seller has its own budget.
    let (status, body, _) = check(&srv.url, &deal.agreement_id, &other_token, data.work());
    assert_eq!(status, 200, "{body}");
    let refused = metric(
        &srv.url,
        "notar_agreement_checks_total{outcome=\"rate_limited\"}",
    );
    let answered = metric(
        &srv.url,
        "notar_agreement_checks_total{outcome=\"answered\"}",
    );
    assert_eq!(refused, limited);
    assert_eq!(answered, 7 - limited);
}

/// The Authorization scheme's name is case-insensitive (RFC 9110 §11.1): clients and proxies
/// that send `bearer` get the same answer as `Bearer`; another scheme is still refused.
#[test]
fn the_bearer_scheme_is_case_insensitive() {
    let data = DataDir::init();
    let srv = Server::start(&data);
    let mut admin = Admin::connect(&data);
    let deal = make_deal(&mut admin, 100_000, 50_000);
    let target = format!(
        "{}/v1/agreements/{}/check?amount=10.00",
        srv.url, deal.agreement_id
    );
    for (scheme, want) in [
        ("Bearer", 200),
        ("bearer", 200),
        ("BEARER", 200),
        ("Basic", 401),
    ] {
        let auth = format!("Authorization: {scheme} {}", deal.token);
        let (status, body) = curl(&["--max-time", "60", "-H", &auth, &target]);
        assert_eq!(status, want, "{scheme}: {}", String::from_utf8_lossy(&body));
    }
}
