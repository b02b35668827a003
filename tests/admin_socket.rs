//! The admin socket: the operator comes from peer credentials, unknown Unix users are refused,
//! and an operator's actions are recorded in the log entries they cause.

mod util;

use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixStream;

use util::*;

fn call(sock: &std::path::Path, lines: &[&str]) -> Vec<serde_json::Value> {
    let stream = UnixStream::connect(sock).expect("connect admin.sock");
    let mut w = stream.try_clone().expect("clone");
    let mut r = BufReader::new(stream);
    let mut out = Vec::new();
    for l in lines {
        w.write_all(l.as_bytes()).expect("write");
        w.write_all(b"\n").expect("write");
        let mut resp = String::new();
        r.read_line(&mut resp).expect("read");
        out.push(serde_json::from_str(&resp).expect("json line"));
    }
    out
}

fn me() -> String {
    String::from_utf8(
        std::process::Command::new("id")
            .arg("-un")
            .output()
            .expect("id")
            .stdout,
    )
    .expect("utf8")
    .trim()
    .to_string()
}

#[test]
fn the_creator_is_an_arbitrator_and_stamps_are_signed_in_their_name() {
    let data = DataDir::init();
    let srv = Server::start(&data);
    let sock = data.path.join("admin.sock");
    assert_eq!(mode(&sock), 0o660);
    let imprint = "aa".repeat(32);
    let r = call(
        &sock,
        &[
            r#"{"id":1,"op":"hello"}"#,
            &format!(r#"{{"id":2,"op":"stamp","hash_alg":"sha256","imprint":"{imprint}"}}"#),
            r#"{"id":3,"op":"timestamps_search","imprint":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}"#,
            r#"{"id":4,"op":"status"}"#,
            r#"{"id":5,"op":"prove","index":1}"#,
            r#"{"id":6,"op":"no_such_op"}"#,
            r#"{"id":7,"op":"stamp","hash_alg":"sha256","imprint":"abcd"}"#,
            r#"{"id":8,"op":"stamp","hash_alg":"md5","imprint":"abcd"}"#,
        ],
    );
    // A fresh log holds the identity (0) and the two shipped policies (1, 2).
    assert_eq!(r[0]["id"], 1);
    assert_eq!(r[0]["ok"]["operator"], me());
    assert_eq!(r[1]["ok"]["serial"], 3);
    assert_eq!(r[1]["ok"]["operator"], me());
    assert_eq!(r[2]["ok"]["items"][0]["serial"], 3, "{}", r[2]);
    assert_eq!(r[3]["ok"]["log_size"], 4);
    assert_eq!(r[3]["ok"]["timestamps_total"], 1);
    assert_eq!(r[4]["ok"]["index"], 1);
    assert_eq!(r[5]["error"]["code"], "bad_request");
    assert_eq!(r[6]["error"]["code"], "bad_request", "wrong imprint length");
    assert_eq!(r[7]["error"]["code"], "bad_request", "unknown algorithm");

    // The log entry names the operator.
    let (_, entry) = curl(&[&format!("{}/v1/log/entries/3", srv.url)]);
    assert_eq!(json(&entry)["operator"], me());
    // Bad requests changed nothing.
    let (_, health) = curl(&[&format!("{}/healthz", srv.url)]);
    assert_eq!(json(&health)["log_size"], 4);
}

#[test]
fn a_second_server_on_the_same_data_dir_is_refused() {
    let data = DataDir::init();
    let _srv = Server::start(&data);
    let o = notar(&["serve", "--data", data.arg(), "--listen", "127.0.0.1:0"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("in use") || text(&o).contains("lock"),
        "{}",
        text(&o)
    );
}

/// A Unix user that is not an arbitrator reaches the socket (group access granted) and is
/// refused by the notary with a clear message, before any terminal handling.
#[test]
fn a_user_not_listed_as_arbitrator_is_refused() {
    if me() != "root" {
        eprintln!("skipped: needs root to run the console as another user");
        return;
    }
    let data = DataDir::init();
    let bin = nobody_can_reach(&data);
    let _srv = Server::start(&data);
    let o = console_as_nobody(&data, &bin);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let t = text(&o);
    assert!(t.contains("'nobody' is not an arbitrator"), "{t}");
    assert!(t.contains("[arbitrators]"), "{t}");
}

#[test]
fn status_counts_since_start_and_the_feed_names_the_seller() {
    use serde_json::json;
    use util::ledger::{make_deal, post, request, Admin};

    let data = DataDir::init();
    let srv = Server::start(&data);
    let mut admin = Admin::connect(&data);
    let deal = make_deal(&mut admin, 100_000, 50_000);
    let ask = |rid: &str, minor: i64| {
        let body = serde_json::to_vec(&request(&deal, rid, minor, rid)).expect("json");
        let (code, body) = post(&srv.url, "/v1/guarantees", Some(&deal.token), &body);
        (code, json(&body))
    };
    let (code, g) = ask("r1", 10_000);
    assert_eq!((code, &g["decision"]), (201, &json!("granted")), "{g}");
    assert_eq!(
        ask("r1", 10_000).1,
        g,
        "a retry is answered, not counted again"
    );
    let (code, r) = ask("r2", 60_000);
    assert_eq!((code, &r["decision"]), (200, &json!("refused")), "{r}");
    let gid = g["guarantee"]["payload"]["guarantee_id"]
        .as_str()
        .expect("guarantee_id");
    let path = format!("/v1/guarantees/{gid}/settle");
    let (code, body) = post(&srv.url, &path, Some(&deal.token), b"");
    assert_eq!(code, 200, "{}", String::from_utf8_lossy(&body));

    let s = admin.ok("status", json!({}));
    assert_eq!(
        s["guarantees"],
        json!({"granted": 1, "refused": 1, "settled": 1, "released": 0}),
        "{s}"
    );
    assert_eq!(s["exchanges_decided"], 0, "{s}");
    for series in ["stamps", "guarantees", "exchanges"] {
        let h = s["activity"][series].as_array().expect("a series");
        assert_eq!(h.len(), notar::notary::HISTORY_SECS, "{series}: {s}");
        assert!(h.iter().all(|c| c.as_u64().is_some()), "{series}: {s}");
    }

    let feed = admin.ok("ledger_feed", json!({"limit": 10}));
    let items = feed["items"].as_array().expect("items");
    let kinds: Vec<&str> = items.iter().filter_map(|e| e["kind"].as_str()).collect();
    assert_eq!(kinds, ["settlement", "refusal", "guarantee"], "{feed}");
    for e in items {
        assert_eq!(e["seller_id"], deal.seller_id.as_str(), "{e}");
        assert_eq!(e["seller_name"], "sally", "{e}");
    }
}

/// `notar console` with no notary running: one line saying why, exit 1 (the console prints its
/// own error; the command line does not print it a second time).
#[test]
fn a_console_that_cannot_connect_says_why_once() {
    let data = DataDir::init();
    let o = notar(&["console", "--data", data.arg()]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    assert_eq!(
        err.matches("cannot connect to the admin socket").count(),
        1,
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
}

/// `notar serve` where something other than a socket sits at `DATA/admin.sock`: what it is;
/// `None` when the server started anyway (it is then killed).
fn serve_refuses(data: &DataDir) -> Option<String> {
    let mut child = std::process::Command::new(notar_bin())
        .args(["serve", "--data", data.arg(), "--listen", "127.0.0.1:0"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        if let Ok(Some(_)) = child.try_wait() {
            let o = child.wait_with_output().expect("output");
            return Some(String::from_utf8_lossy(&o.stderr).to_string());
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// A symlink or a regular file at the socket's path is neither followed nor removed: the start
/// stops and says what is there (only a stale socket is replaced).
#[test]
fn a_symlink_or_file_at_the_socket_path_is_left_alone_and_stops_the_start() {
    let data = DataDir::init();
    let sock = data.path.join("admin.sock");
    let target = data.work().join("precious.txt");
    std::fs::write(&target, b"keep me").expect("target");
    std::os::unix::fs::symlink(&target, &sock).expect("symlink");
    let err = serve_refuses(&data).expect("the start stops");
    assert!(err.contains("symbolic link, not a socket"), "{err}");
    assert!(std::fs::symlink_metadata(&sock)
        .expect("still there")
        .file_type()
        .is_symlink());
    assert_eq!(std::fs::read(&target).expect("target"), b"keep me");

    std::fs::remove_file(&sock).expect("rm");
    std::fs::write(&sock, b"not a socket").expect("file");
    let err = serve_refuses(&data).expect("the start stops");
    assert!(err.contains("regular file, not a socket"), "{err}");
    assert_eq!(std::fs::read(&sock).expect("kept"), b"not a socket");
}

/// Lets `nobody` reach the data dir's socket as docs/operating.md describes (group `nogroup`,
/// search on the 0710 data dir) and gives it a copy of the binary it may execute; its path
/// (inside a directory kept with `data`).
fn nobody_can_reach(data: &DataDir) -> std::path::PathBuf {
    let st = std::process::Command::new("chgrp")
        .args(["nogroup", data.arg()])
        .status()
        .expect("chgrp");
    assert!(st.success());
    std::fs::set_permissions(&data.path, std::fs::Permissions::from_mode(0o710)).expect("chmod");
    std::fs::set_permissions(data.tmp.path(), std::fs::Permissions::from_mode(0o755))
        .expect("chmod");
    let bin_dir = data.tmp.path().join("bin");
    std::fs::create_dir_all(&bin_dir).expect("bin dir");
    std::fs::set_permissions(&bin_dir, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let bin = bin_dir.join("notar");
    std::fs::copy(notar_bin(), &bin).expect("copy");
    std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    bin
}

/// `notar console` as the Unix user `nobody`, with the binary `bin` it may execute.
fn console_as_nobody(data: &DataDir, bin: &std::path::Path) -> std::process::Output {
    std::process::Command::new("setpriv")
        .args(["--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"])
        .arg(bin)
        .args(["console", "--data", data.arg()])
        .output()
        .expect("setpriv")
}

/// A non-arbitrator connecting in a loop cannot flood the service log: 30 refused consoles,
/// at most one warning line (which counts what it stands for).
#[test]
fn refused_connections_are_logged_at_most_once_per_interval() {
    if me() != "root" {
        eprintln!("skipped: needs root to run the console as another user");
        return;
    }
    let data = DataDir::init();
    let bin = nobody_can_reach(&data);
    let log = data.work().join("serve.log");
    let mut child = std::process::Command::new(notar_bin())
        .args(["serve", "--data", data.arg(), "--listen", "127.0.0.1:0"])
        .env("NOTAR_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .stderr(std::fs::File::create(&log).expect("log"))
        .spawn()
        .expect("spawn");
    listening_url(&mut child);
    let started = std::time::Instant::now();
    for _ in 0..30 {
        let o = console_as_nobody(&data, &bin);
        assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    }
    let _ = child.kill();
    let _ = child.wait();
    let text = std::fs::read_to_string(&log).expect("log");
    let lines = text.matches("refused admin connection").count();
    // One line per started 10 s (a slow machine may take longer than one interval).
    let allowed = 1 + started.elapsed().as_secs() / 10;
    assert!(
        lines >= 1 && lines as u64 <= allowed,
        "{lines} warning lines, {allowed} allowed:\n{text}"
    );
}

/// Reads one JSON line from a fresh admin connection; `None` at end of stream.
fn read_reply(r: &mut BufReader<UnixStream>) -> Option<serde_json::Value> {
    let mut line = String::new();
    match r
        .read_line(&mut line)
        .expect("read within the test's timeout")
    {
        0 => None,
        _ => Some(serde_json::from_str(&line).expect("json line")),
    }
}

fn admin_stream(sock: &std::path::Path) -> (UnixStream, BufReader<UnixStream>) {
    let s = UnixStream::connect(sock).expect("connect admin.sock");
    s.set_read_timeout(Some(std::time::Duration::from_secs(60)))
        .expect("timeout");
    let r = BufReader::new(s.try_clone().expect("clone"));
    (s, r)
}

fn hello(w: &mut UnixStream, r: &mut BufReader<UnixStream>, id: u64) -> serde_json::Value {
    w.write_all(format!("{{\"id\":{id},\"op\":\"hello\"}}\n").as_bytes())
        .expect("write");
    read_reply(r).expect("an answer")
}

/// `[admin] max_connections`: one connection past the cap is answered `overloaded` and closed;
/// when a connection ends, its place is free again.
#[test]
fn admin_connections_past_the_cap_are_answered_overloaded() {
    let data = DataDir::init();
    configure(&data, &[("admin", "max_connections", 2)]);
    let _srv = Server::start(&data);
    let sock = data.path.join("admin.sock");
    let (mut w1, mut r1) = admin_stream(&sock);
    let (mut w2, mut r2) = admin_stream(&sock);
    assert!(hello(&mut w1, &mut r1, 1).get("ok").is_some());
    assert!(hello(&mut w2, &mut r2, 1).get("ok").is_some());
    let (_w3, mut r3) = admin_stream(&sock);
    let refusal = read_reply(&mut r3).expect("a refusal");
    assert_eq!(refusal["error"]["code"], "overloaded", "{refusal}");
    assert!(read_reply(&mut r3).is_none(), "closed after the refusal");
    drop((w1, r1));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let (mut w, mut r) = admin_stream(&sock);
        // A connection still past the cap is answered and closed at once, possibly before the
        // hello is written (a broken pipe): its answer is read either way.
        let _ = w.write_all(b"{\"id\":1,\"op\":\"hello\"}\n");
        let answer = read_reply(&mut r).expect("an answer");
        if answer.get("ok").is_some() {
            break;
        }
        assert_eq!(answer["error"]["code"], "overloaded", "{answer}");
        assert!(
            std::time::Instant::now() < deadline,
            "the place never came back"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// `[admin] idle_timeout_s`: a connection that keeps asking (as the console does, every second)
/// stays open past the timeout; one that falls silent is closed.
#[test]
fn an_idle_admin_connection_is_closed_and_a_polling_one_is_not() {
    let data = DataDir::init();
    configure(&data, &[("admin", "idle_timeout_s", 2)]);
    let _srv = Server::start(&data);
    let (mut w, mut r) = admin_stream(&data.path.join("admin.sock"));
    assert!(hello(&mut w, &mut r, 1).get("ok").is_some());
    for id in 2..7 {
        std::thread::sleep(std::time::Duration::from_millis(800));
        w.write_all(format!("{{\"id\":{id},\"op\":\"status\"}}\n").as_bytes())
            .expect("write");
        let answer = read_reply(&mut r).expect("still open");
        assert!(answer.get("ok").is_some(), "{answer}");
    }
    assert!(read_reply(&mut r).is_none(), "closed once silent");
}

/// An `[arbitrators]` entry that pins a uid refuses the user name under any other uid (a user
/// renamed, or re-created under the name, is not the configured arbitrator).
#[test]
fn an_arbitrator_under_another_uid_is_refused() {
    if me() != "root" {
        eprintln!("skipped: needs root to run the console as another user");
        return;
    }
    let data = DataDir::init();
    let bin = nobody_can_reach(&data);
    let toml_path = data.path.join("notar.toml");
    let mut config = std::fs::read_to_string(&toml_path).expect("notar.toml");
    config.push_str("nobody = { name = \"Nobody\", uid = 4242 }\n");
    std::fs::write(&toml_path, config).expect("write");
    let _srv = Server::start(&data);
    let o = console_as_nobody(&data, &bin);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let out = text(&o);
    assert!(out.contains("bound to uid 4242"), "{out}");
    // The creator, bound at start to the uid it has, still gets in.
    let r = call(&data.path.join("admin.sock"), &[r#"{"id":1,"op":"hello"}"#]);
    assert!(r[0].get("ok").is_some(), "{}", r[0]);
}

/// A connected console (an open admin connection) does not keep a stopping notary alive:
/// SIGTERM ends `notar serve` (it waited for the console to quit, or for the idle timeout of
/// 10 minutes, with the data dir locked), and the connection is closed.
#[test]
fn sigterm_stops_the_notary_with_an_admin_connection_open() {
    let data = DataDir::init();
    let srv = Server::start(&data);
    let (mut w, mut r) = admin_stream(&data.path.join("admin.sock"));
    let greeting = hello(&mut w, &mut r, 1);
    assert_eq!(greeting["ok"]["kind"], "hello", "{greeting}");
    let status = srv.stop();
    assert!(status.success(), "{status:?}");
    assert!(read_reply(&mut r).is_none(), "the connection is closed");
}

/// Arbitrator names go into signed rulings, and the second arbitrator of a ruling must be
/// another person: `notar serve` refuses (exit 2, naming the entry) a name that mixes scripts
/// (`rооt` with Cyrillic о, s7 L7) or looks like another arbitrator's (`ROOT` beside `root`,
/// or with spaces, a full stop or a combining mark that are easily missed), saying why once.
/// `notar serve` with `config` as its notar.toml: it stops at start (exit 2); what it said.
fn refused_at_start(data: &DataDir, config: &str) -> String {
    std::fs::write(data.path.join("notar.toml"), config).expect("write");
    let serve = [
        "20",
        util::notar_bin(),
        "serve",
        "--data",
        data.arg(),
        "--listen",
        "127.0.0.1:0",
    ];
    let o = run_in(&data.path, "timeout", &serve);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(2), "{t}");
    t
}

#[test]
fn look_alike_arbitrator_names_are_refused_at_start() {
    let data = DataDir::init();
    let toml_path = data.path.join("notar.toml");
    let config = std::fs::read_to_string(&toml_path).expect("notar.toml");
    let me = me();
    for (name, says) in [
        ("r\u{43e}\u{43e}t", "mixes scripts"),
        (&*me.to_uppercase(), "looks like"),
        (&*format!(" {me}  "), "looks like"),
        (&*format!("{me}."), "looks like"),
        (&*format!("{me}\u{336}"), "looks like"),
        (".", "no letter or digit"),
        ("\u{301}", "no letter or digit"),
    ] {
        let t = refused_at_start(&data, &format!("{config}zz-mallory = \"{name}\"\n"));
        assert!(
            t.contains("zz-mallory") && t.contains(says),
            "{name:?}: {t}"
        );
        assert_eq!(t.matches(says).count(), 1, "said once: {t}");
    }
    // Two entries pinned to one uid: refused, naming the second (s10 S10-7: started, the
    // second entry dead without a word).
    let twice = "zz-ann = { name = \"Ann Arbiter\", uid = 4242 }\nzz-bea = { name = \"Bea Arbiter\", uid = 4242 }\n";
    let t = refused_at_start(&data, &format!("{config}{twice}"));
    assert!(t.contains("zz-bea: uid 4242 is pinned to zz-ann"), "{t}");
    // Names in one script, or Latin with Han (UTS #39 "highly restrictive"), unlike the
    // others, start.
    let fine =
        "zz-ivan = \"\u{418}\u{432}\u{430}\u{43d}\"\nzz-wang = \"Wang Wei \u{738b}\u{4f1f}\"\n";
    std::fs::write(&toml_path, format!("{config}{fine}")).expect("write");
    let _srv = Server::start(&data);
}
