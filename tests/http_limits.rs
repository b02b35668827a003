//! The HTTP server's limits against the real binary on loopback: slow clients are cut by the
//! header and body timeouts, connections stay below the open-file limit so the admin socket and
//! the store keep working, and the anonymous write routes are rate-limited per address.

mod util;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::os::unix::process::CommandExt;
use std::time::{Duration, Instant};

use serde_json::json;
use util::ledger::{make_deal, post, request, Admin};
use util::*;

/// `notar serve` with soft and hard open-file limits of `nofile`, as a service usually runs.
fn serve_with_nofile(data: &DataDir, nofile: u64) -> Server {
    use nix::sys::resource::{setrlimit, Resource};
    let mut cmd = Server::command(data);
    // SAFETY: setrlimit is a plain system call, safe between fork and exec.
    unsafe {
        cmd.pre_exec(move || {
            setrlimit(Resource::RLIMIT_NOFILE, nofile, nofile).map_err(std::io::Error::from)
        });
    }
    Server::spawn(cmd)
}

/// Raises this test process's soft open-file limit to its hard limit (it holds many sockets).
fn raise_own_nofile() -> u64 {
    use nix::sys::resource::{getrlimit, setrlimit, Resource};
    let (_, hard) = getrlimit(Resource::RLIMIT_NOFILE).expect("getrlimit");
    setrlimit(Resource::RLIMIT_NOFILE, hard, hard).expect("setrlimit");
    hard
}

/// A TCP connection to `server` from the loopback address `from` (127.0.0.0/8 is all local).
fn connect_from(from: [u8; 4], server: SocketAddr) -> std::io::Result<TcpStream> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()?;
    rt.block_on(async {
        let socket = tokio::net::TcpSocket::new_v4()?;
        socket.bind(SocketAddr::from((from, 0)))?;
        let stream = socket.connect(server).await?.into_std()?;
        stream.set_nonblocking(false)?;
        Ok(stream)
    })
}

fn addr(srv: &Server) -> SocketAddr {
    srv.url
        .strip_prefix("http://")
        .expect("http url")
        .parse()
        .expect("socket address")
}

/// One request on a fresh connection (`Connection: close`) from `from`; status, head, body.
fn exchange(from: [u8; 4], srv: &Server, head: &str, body: &[u8]) -> (u16, String, Vec<u8>) {
    let mut s = connect_from(from, addr(srv)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(60)))
        .expect("timeout");
    s.write_all(head.as_bytes()).expect("write head");
    s.write_all(body).expect("write body");
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).expect("read answer to its end");
    split_answer(&raw)
}

fn split_answer(raw: &[u8]) -> (u16, String, Vec<u8>) {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no complete head: {:?}", String::from_utf8_lossy(raw)));
    let head = String::from_utf8_lossy(&raw[..end]).to_string();
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .expect("status code");
    (status, head, raw[end + 4..].to_vec())
}

/// A `POST /v1/timestamp` of the RFC 3161 query `query`, from `from`.
fn stamp_from(from: [u8; 4], srv: &Server, query: &[u8]) -> (u16, String, Vec<u8>) {
    let head = format!(
        "POST /v1/timestamp HTTP/1.1\r\nHost: notar\r\nConnection: close\r\n\
         Content-Type: application/timestamp-query\r\nContent-Length: {}\r\n\r\n",
        query.len()
    );
    exchange(from, srv, &head, query)
}

/// An RFC 3161 query made by `openssl ts -query`.
fn query(data: &DataDir) -> Vec<u8> {
    std::fs::write(data.work().join("deed.txt"), b"a deed").expect("write");
    openssl(
        data.work(),
        &[
            "ts", "-query", "-data", "deed.txt", "-sha256", "-cert", "-out", "deed.tsq",
        ],
    );
    std::fs::read(data.work().join("deed.tsq")).expect("query")
}

const LOCAL: [u8; 4] = [127, 0, 0, 1];
const OTHER: [u8; 4] = [127, 0, 0, 2];

/// Slowloris under the usual service limit of 1,024 descriptors: 1,000 connections from 20
/// addresses send a request head a line at a time and never finish it. The server holds what
/// its connection cap allows, keeps descriptors for the store and the admin socket (the CLI and
/// the admin protocol work throughout), cuts the slow ones at the header timeout, and then
/// serves a timestamp and a guarantee to a normal client.
#[test]
fn slow_headers_cannot_take_the_descriptors_and_are_cut() {
    let data = DataDir::init();
    configure(&data, &[("http", "header_read_timeout_s", 3)]);
    let q = query(&data);
    assert!(
        raise_own_nofile() >= 1_200,
        "the test needs ~1,100 descriptors"
    );
    let srv = serve_with_nofile(&data, 1_024);
    let mut admin = Admin::connect(&data);
    let deal = make_deal(&mut admin, 100_000, 10_000);
    let server = addr(&srv);
    let mut slow = Vec::new();
    for i in 0..1_000u32 {
        let from = [127, 0, 1, (i % 20) as u8 + 10];
        let mut s =
            connect_from(from, server).expect("the kernel queues what the server holds off");
        let _ = s.write_all(b"POST /v1/timestamp HTTP/1.1\r\nHost: notar\r\n");
        slow.push(s);
    }
    // A line at a time, a few times over: still no end of head.
    for round in 0..3 {
        for s in &mut slow {
            let _ = s.write_all(format!("X-Slow-{round}: 1\r\n").as_bytes());
        }
        std::thread::sleep(Duration::from_millis(300));
    }
    // The admin socket and the CLI work while the slow connections are held.
    let status = admin.ok("status", json!({}));
    assert!(status.is_object(), "{status}");
    // Bounded: before the limits, the CLI hung here (its connection was never accepted).
    let parties = std::process::Command::new("timeout")
        .args(["120", notar_bin(), "party", "list", "--data", data.arg()])
        .output()
        .expect("timeout");
    assert!(parties.status.success(), "{}", text(&parties));
    // A normal client gets its timestamp and guarantee once the slow ones are cut.
    let (code, head, body) = stamp_from(OTHER, &srv, &q);
    assert_eq!(code, 200, "{head}");
    assert!(head.contains("notar-log-index"), "a granted token: {head}");
    assert!(!body.is_empty());
    let ask = request(&deal, "rid-slowloris", 1_000, "order after the flood");
    let (code, body) = post(
        &srv.url,
        "/v1/guarantees",
        Some(&deal.token),
        ask.to_string().as_bytes(),
    );
    assert_eq!(code, 201, "{}", String::from_utf8_lossy(&body));
    // Every slow connection was closed by the server (EOF or reset, not our read timeout).
    let deadline = Instant::now() + Duration::from_secs(120);
    for s in &mut slow {
        let left = deadline.saturating_duration_since(Instant::now());
        s.set_read_timeout(Some(left.max(Duration::from_millis(10))))
            .expect("timeout");
        let mut buf = [0u8; 4096];
        let closed = loop {
            match s.read(&mut buf) {
                Ok(0) => break true,
                Ok(_) => continue,
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break true,
                Err(_) => break false,
            }
        };
        assert!(
            closed,
            "a slow connection is still open after the header timeout"
        );
    }
    drop(slow);
    let (code, head, _) = stamp_from(LOCAL, &srv, &q);
    assert_eq!(code, 200, "recovered: {head}");
    let status = admin.ok("status", json!({}));
    assert!(status.is_object(), "{status}");
}

/// A client that sends its head with a Content-Length and never the body is answered
/// `408 body_timeout` and closed after `body_timeout_s`.
#[test]
fn a_body_that_never_comes_is_answered_408_and_closed() {
    let data = DataDir::init();
    configure(&data, &[("http", "body_timeout_s", 2)]);
    let srv = Server::start(&data);
    let head = "POST /v1/timestamp HTTP/1.1\r\nHost: notar\r\n\
                Content-Type: application/timestamp-query\r\nContent-Length: 100\r\n\r\n";
    let (code, _, body) = exchange(LOCAL, &srv, head, b"0123456789");
    assert_eq!(code, 408);
    assert_eq!(json(&body)["error"]["code"], "body_timeout");
    // The same for a JSON route.
    let head = "POST /v1/exchanges/abort HTTP/1.1\r\nHost: notar\r\n\
                Content-Type: application/json\r\nContent-Length: 100\r\n\r\n";
    let (code, _, body) = exchange(LOCAL, &srv, head, b"{");
    assert_eq!(code, 408);
    assert_eq!(json(&body)["error"]["code"], "body_timeout");
}

/// A head whose Content-Length is past the route's limit is refused at once, `413
/// body_too_large`, without waiting for the body: it waited for bytes it would refuse and
/// answered `408 body_timeout` when the client sent only part of them.
#[test]
fn a_declared_length_past_the_limit_is_refused_without_waiting_for_the_body() {
    let data = DataDir::init();
    configure(&data, &[("http", "body_timeout_s", 30)]);
    let srv = Server::start(&data);
    for (route, ctype, first) in [
        ("/v1/timestamp", "application/timestamp-query", &b"0123"[..]),
        ("/v1/exchanges/abort", "application/json", &b"{"[..]),
        ("/v1/complaints", "application/json", &b"{"[..]),
    ] {
        let head = format!(
            "POST {route} HTTP/1.1\r\nHost: notar\r\nContent-Type: {ctype}\r\n\
             Content-Length: 50000000\r\n\r\n"
        );
        let (code, _, body) = exchange(LOCAL, &srv, &head, first);
        assert_eq!(code, 413, "{route}: {}", String::from_utf8_lossy(&body));
        assert_eq!(json(&body)["error"]["code"], "body_too_large", "{route}");
    }
}

/// A burst of timestamps from one address past `anonymous_burst` is answered `429
/// rate_limited` with `Retry-After`; other routes, and other addresses, are served meanwhile.
#[test]
fn a_burst_of_timestamps_from_one_address_is_rate_limited() {
    let data = DataDir::init();
    configure(
        &data,
        &[
            ("http", "anonymous_rate_per_s", 1),
            ("http", "anonymous_burst", 5),
        ],
    );
    let q = query(&data);
    let srv = Server::start(&data);
    let codes: Vec<u16> = (0..12).map(|_| stamp_from(LOCAL, &srv, &q).0).collect();
    assert!(
        codes.iter().filter(|c| **c == 200).count() >= 5,
        "{codes:?}"
    );
    let (code, head, body) = stamp_from(LOCAL, &srv, &q);
    assert_eq!(code, 429, "{head}");
    let err = json(&body);
    assert_eq!(err["error"]["code"], "rate_limited", "{err}");
    assert!(err["error"]["message"]
        .as_str()
        .is_some_and(|m| !m.is_empty()));
    let retry = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("retry-after: ")
                .map(str::to_string)
        })
        .unwrap_or_else(|| panic!("no Retry-After: {head}"));
    assert!(retry.parse::<u64>().is_ok_and(|s| s >= 1), "{retry}");
    // The nonce route shares the limit: the same address is refused there too.
    let nonce =
        "POST /v1/nonce HTTP/1.1\r\nHost: notar\r\nConnection: close\r\nContent-Length: 0\r\n\r\n";
    assert_eq!(exchange(LOCAL, &srv, nonce, b"").0, 429);
    // Reads from the same address, and timestamps from another, are served.
    let health = "GET /healthz HTTP/1.1\r\nHost: notar\r\nConnection: close\r\n\r\n";
    assert_eq!(exchange(LOCAL, &srv, health, b"").0, 200);
    assert_eq!(stamp_from(OTHER, &srv, &q).0, 200);
}
