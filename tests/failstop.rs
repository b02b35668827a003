//! Fail-stop end to end (issue 11, item 5): a panic while the sequencer signs stops signing,
//! `/healthz` says so and why, every later write gets a clear 503 (never a hang) while reads go
//! on, and a restart finds everything acknowledged. And `notar init` is all or nothing.
//!
//! The faults are injected with the `NOTAR_TEST_*` variables of `src/notary/faults.rs`, which
//! only a debug build (the one `cargo test` builds) reads.

mod util;

use std::process::Command;

use util::{curl, json, notar, notar_bin, run_in, text, DataDir, Server};

/// Posts a timestamp query for the content `name` (made in the data dir's scratch space).
fn stamp(data: &DataDir, url: &str, name: &str) -> (u16, Vec<u8>) {
    let w = data.work();
    std::fs::write(w.join(name), name).expect("write");
    let tsq = format!("{name}.tsq");
    let q = run_in(w, "openssl", &["ts", "-query", "-data", name, "-out", &tsq]);
    assert!(q.status.success(), "{}", text(&q));
    curl(&[
        "-H",
        "Content-Type: application/timestamp-query",
        "--data-binary",
        &format!("@{}", w.join(&tsq).display()),
        "--max-time",
        "30",
        &format!("{url}/v1/timestamp"),
    ])
}

fn health(url: &str) -> (u16, serde_json::Value) {
    let (code, body) = curl(&[&format!("{url}/healthz")]);
    (code, json(&body))
}

fn entry(url: &str, index: u64) -> Vec<u8> {
    let (code, body) = curl(&[&format!("{url}/v1/log/entries/{index}")]);
    assert_eq!(code, 200, "entry {index}");
    body
}

#[test]
fn a_panic_while_signing_stops_signing_and_healthz_says_why() {
    let data = DataDir::init();
    // The log size a fresh start serves at: the next entries go at `base`, `base + 1`, ...
    let srv = Server::start(&data);
    let base = health(&srv.url).1["log_size"].as_u64().expect("log_size");
    srv.stop();

    let at = (base + 2).to_string();
    let srv = Server::start_with(&data, &[("NOTAR_TEST_PANIC_AT_LOG_INDEX", &at)]);
    assert_eq!(health(&srv.url).0, 200);
    // Two acknowledged timestamps, then the one whose staging panics.
    assert_eq!(stamp(&data, &srv.url, "one").0, 200);
    assert_eq!(stamp(&data, &srv.url, "two").0, 200);
    let (code, body) = stamp(&data, &srv.url, "three");
    assert_eq!(code, 503, "the panicking request is not answered as signed");
    assert_eq!(json(&body)["error"]["code"], "unavailable");

    let (code, h) = health(&srv.url);
    assert_eq!(code, 503, "{h}");
    assert_eq!(h["status"], "failed");
    let reason = h["reason"].as_str().expect("a reason");
    assert!(reason.contains("NOTAR_TEST_PANIC_AT_LOG_INDEX"), "{reason}");
    assert_eq!(h["error"]["code"], "unavailable");
    assert!(h["error"]["message"]
        .as_str()
        .expect("message")
        .contains(reason));
    assert_eq!(h["log_size"], base + 2);

    // Later writes: a clear 503 at once, on HTTP and on the admin socket.
    let (code, body) = stamp(&data, &srv.url, "four");
    assert_eq!(code, 503);
    let err = json(&body);
    assert_eq!(err["error"]["code"], "unavailable");
    assert!(err["error"]["message"]
        .as_str()
        .expect("message")
        .contains("/healthz"));
    let o = notar(&[
        "party",
        "add",
        "--name",
        "Late",
        "--role",
        "buyer",
        "--data",
        data.arg(),
    ]);
    assert!(
        !o.status.success(),
        "a write over the admin socket is refused"
    );
    assert!(text(&o).contains("not signing"), "{}", text(&o));
    // Reads go on, on the admin socket and on HTTP.
    let o = notar(&["party", "list", "--json", "--data", data.arg()]);
    assert!(o.status.success(), "{}", text(&o));
    let (code, _) = curl(&[&format!("{}/v1/log/checkpoint", srv.url)]);
    assert_eq!(code, 200);
    let (code, _) = curl(&[&format!("{}/v1/notary", srv.url)]);
    assert_eq!(code, 200);
    let acknowledged = [entry(&srv.url, base), entry(&srv.url, base + 1)];
    srv.kill9();

    // A restart without the fault: everything acknowledged is there, byte for byte, and it
    // signs again.
    let srv = Server::start(&data);
    let (code, h) = health(&srv.url);
    assert_eq!(code, 200, "{h}");
    assert_eq!(h["log_size"], base + 2);
    assert_eq!(entry(&srv.url, base), acknowledged[0]);
    assert_eq!(entry(&srv.url, base + 1), acknowledged[1]);
    assert_eq!(stamp(&data, &srv.url, "five").0, 200);
}

#[test]
fn a_failed_init_leaves_no_data_dir() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    let o = Command::new(notar_bin())
        .args(["init", "--data", data.to_str().expect("utf8")])
        .env("NOTAR_TEST_FAIL_INIT", "1")
        .output()
        .expect("run notar init");
    assert!(!o.status.success(), "init must fail: {}", text(&o));
    assert!(text(&o).contains("NOTAR_TEST_FAIL_INIT"), "{}", text(&o));
    assert!(!data.exists(), "a failed init leaves nothing");

    // A directory that was there (empty, made by the operator) stays, empty.
    std::fs::create_dir(&data).expect("mkdir");
    let o = Command::new(notar_bin())
        .args(["init", "--data", data.to_str().expect("utf8")])
        .env("NOTAR_TEST_FAIL_INIT", "1")
        .output()
        .expect("run notar init");
    assert!(!o.status.success());
    let left: Vec<_> = std::fs::read_dir(&data).expect("still there").collect();
    assert!(left.is_empty(), "left behind: {left:?}");

    // And without the fault the same directory takes a complete data dir.
    let o = notar(&["init", "--data", data.to_str().expect("utf8")]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(data.join("notar.toml").exists() && data.join("db/CURRENT").exists());
}
