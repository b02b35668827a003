//! The PostgreSQL store (issue 13) against real PostgreSQL: a primary and a synchronous streaming
//! replica (scripts/pg-cluster.sh), two `notar serve` processes on it (active + standby), under
//! concurrent timestamp load, and each fault in turn: `kill -9` of the active notar; SIGSTOP of
//! the active one for three lease periods, then SIGCONT (its next batch must fail, not sign);
//! immediate stop of the primary and promotion of the replica. After them: every acknowledged
//! answer is in the log at the index it was given, with its bytes; indices are exactly 0..N-1 and
//! the recomputed root is the signed one; no index was ever answered with two different tokens;
//! every checkpoint a client saw is consistency-provable to the last.

mod util;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use sha2::{Digest, Sha256};
use util::ledger::{make_deal, post, request, Admin, Deal};
use util::pg::{copy_of, init_on, role, signal, wait_role, Cluster};
use util::{curl, json, notar, p, run_in, text, DataDir, Server};

const LEASE_MS: i64 = 1500;
const LOAD_THREADS: usize = 4;
/// Each guarantee asks for this much (minor units) against `TOTAL_CAP`: the cap binds mid-run.
const AMOUNT: i64 = 100;
const TOTAL_CAP: i64 = 15_000;

/// Granted guarantees: log index -> the guarantee envelope.
type Granted = Arc<Mutex<BTreeMap<u64, Value>>>;

/// What the load saw acknowledged: log index -> the timestamp reply (DER).
type Acks = Arc<Mutex<BTreeMap<u64, Vec<u8>>>>;

/// A timestamp query file per load thread (openssl makes them; each carries its own nonce).
fn queries(dir: &Path) -> Vec<std::path::PathBuf> {
    (0..LOAD_THREADS)
        .map(|i| {
            let name = format!("doc{i}");
            std::fs::write(dir.join(&name), &name).expect("write");
            let tsq = format!("{name}.tsq");
            let q = run_in(
                dir,
                "openssl",
                &["ts", "-query", "-data", &name, "-out", &tsq],
            );
            assert!(q.status.success(), "{}", text(&q));
            dir.join(tsq)
        })
        .collect()
}

/// Posts a timestamp query; on 200, (log index, reply).
fn stamp(url: &str, tsq: &Path) -> Option<(u64, Vec<u8>)> {
    let body = tempfile::NamedTempFile::new().expect("tmp");
    let out = Command::new("curl")
        .args(["-s", "-D", "-", "-o", p(body.path()), "--max-time", "10"])
        .args(["-H", "Content-Type: application/timestamp-query"])
        .arg("--data-binary")
        .arg(format!("@{}", tsq.display()))
        .arg(format!("{url}/v1/timestamp"))
        .output()
        .expect("curl");
    let head = String::from_utf8_lossy(&out.stdout).to_ascii_lowercase();
    if !head.starts_with("http/1.1 200") {
        return None;
    }
    let index = head
        .lines()
        .find_map(|l| l.strip_prefix("notar-log-index:"))
        .and_then(|v| v.trim().parse().ok())
        .expect("a granted token names its log index");
    Some((index, std::fs::read(body.path()).expect("body")))
}

/// Posts a timestamp query that must be refused: (status, the error's code).
fn refused_stamp(url: &str, tsq: &Path) -> (u16, Value) {
    let (code, body) = curl(&[
        "-H",
        "Content-Type: application/timestamp-query",
        "--data-binary",
        &format!("@{}", tsq.display()),
        &format!("{url}/v1/timestamp"),
    ]);
    (code, json(&body)["error"]["code"].clone())
}

/// Load threads: each sends to whichever server takes it, until `stop`.
fn start_load(
    urls: Arc<Mutex<Vec<String>>>,
    tsqs: Vec<std::path::PathBuf>,
    acks: Acks,
    stop: Arc<AtomicBool>,
) -> Vec<std::thread::JoinHandle<()>> {
    tsqs.into_iter()
        .enumerate()
        .map(|(i, tsq)| {
            let (urls, acks, stop) = (urls.clone(), acks.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut turn = i;
                while !stop.load(Ordering::Relaxed) {
                    let url = {
                        let urls = urls.lock().expect("urls");
                        urls[turn % urls.len()].clone()
                    };
                    match stamp(&url, &tsq) {
                        Some((index, reply)) => {
                            let mut acks = acks.lock().expect("acks");
                            if let Some(earlier) = acks.insert(index, reply.clone()) {
                                assert_eq!(earlier, reply, "index {index} answered twice");
                            }
                        }
                        None => {
                            turn += 1;
                            std::thread::sleep(Duration::from_millis(20));
                        }
                    }
                }
            })
        })
        .collect()
}

/// Guarantee load from one seller: request `r{n}` is sent, and sent again to the other server
/// after a failure or a 503, until one answers it (a request id always gets the same answer).
fn start_guarantees(
    urls: Arc<Mutex<Vec<String>>>,
    deal: Arc<Deal>,
    granted: Granted,
    stop: Arc<AtomicBool>,
) -> std::thread::JoinHandle<usize> {
    std::thread::spawn(move || {
        let mut turn = 0;
        let mut refused = 0;
        for n in 0.. {
            let body = request(&deal, &format!("r{n}"), AMOUNT, &format!("order {n}"));
            let body = serde_json::to_vec(&body).expect("json");
            loop {
                if stop.load(Ordering::Relaxed) {
                    return refused;
                }
                let url = {
                    let urls = urls.lock().expect("urls");
                    urls[turn % urls.len()].clone()
                };
                match post(&url, "/v1/guarantees", Some(&deal.token), &body) {
                    (201, answer) => {
                        let g = json(&answer)["guarantee"].clone();
                        let index = g["payload"]["log_index"].as_u64().expect("log_index");
                        let mut granted = granted.lock().expect("granted");
                        if let Some(earlier) = granted.insert(index, g.clone()) {
                            assert_eq!(earlier, g, "index {index} answered twice");
                        }
                        break;
                    }
                    (200, answer) => {
                        assert_eq!(json(&answer)["reason"], "total_cap_exceeded");
                        refused += 1;
                        break;
                    }
                    _ => {
                        turn += 1;
                        std::thread::sleep(Duration::from_millis(20));
                    }
                }
            }
        }
        refused
    })
}

/// Saves the checkpoint the server at `url` serves now (a client's view), checked against the
/// notary key in `data`.
fn save_checkpoint(data: &DataDir, url: &str, n: usize) -> std::path::PathBuf {
    let file = data.work().join(format!("cp{n}.txt"));
    let out = notar(&[
        "log",
        "checkpoint",
        "--server",
        url,
        "--data",
        data.arg(),
        "--out",
        p(&file),
    ]);
    assert!(out.status.success(), "notar log checkpoint: {}", text(&out));
    file
}

fn leaf_hash(entry: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(entry);
    h.finalize().into()
}

/// RFC 6962 Merkle tree hash of `leaves`.
fn root(leaves: &[[u8; 32]]) -> [u8; 32] {
    match leaves.len() {
        0 => Sha256::digest([]).into(),
        1 => leaves[0],
        n => {
            // The largest power of two below n.
            let k = 1usize << (usize::BITS - 1 - (n - 1).leading_zeros());
            let mut h = Sha256::new();
            h.update([1u8]);
            h.update(root(&leaves[..k]));
            h.update(root(&leaves[k..]));
            h.finalize().into()
        }
    }
}

/// The position of the active server in `servers`, waiting up to `timeout` for one. A notar
/// whose connection to a stopped primary breaks only after it has signed on the promoted one
/// stops signing, reloads and takes the lease again once it lapses: for that while, none is
/// active (seen in a CI run).
fn active_of(servers: &[&Server], timeout: Duration) -> usize {
    let deadline = std::time::Instant::now() + timeout;
    loop {
        if let Some(at) = servers.iter().position(|s| role(&s.url).1 == "active") {
            return at;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no active notar within {timeout:?}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Every granted guarantee is the log's entry at its index, and the agreement's exposure is
/// their sum (none was released), within the cap.
fn check_guarantees(url: &str, admin: &mut Admin, deal: &Deal, granted: &BTreeMap<u64, Value>) {
    for (index, g) in granted {
        let (code, entry) = curl(&[&format!("{url}/v1/log/entries/{index}")]);
        assert_eq!(code, 200);
        assert_eq!(
            &json(&entry)["body"],
            g,
            "log entry {index} holds another object"
        );
    }
    let exposure = admin.exposure(&deal.agreement_id);
    assert_eq!(
        exposure,
        granted.len() as i64 * AMOUNT,
        "exposure = the outstanding guarantees"
    );
    assert!(exposure <= TOTAL_CAP, "exposure {exposure} over the cap");
}

/// The checks after the faults, against the active server.
fn check_log(
    data: &DataDir,
    url: &str,
    acks: &BTreeMap<u64, Vec<u8>>,
    seen: &[std::path::PathBuf],
) {
    let (code, body) = curl(&[&format!("{url}/v1/log/checkpoint")]);
    assert_eq!(code, 200);
    let note = String::from_utf8(body).expect("utf8");
    let mut lines = note.lines();
    let _origin = lines.next();
    let size: u64 = lines.next().and_then(|l| l.parse().ok()).expect("size");
    let signed_root = lines.next().expect("root").to_string();
    let mut hashes = Vec::new();
    for i in 0..size {
        let (code, entry) = curl(&[&format!("{url}/v1/log/entries/{i}")]);
        assert_eq!(code, 200, "entry {i} of {size}");
        hashes.push(leaf_hash(&entry));
        if let Some(reply) = acks.get(&i) {
            let logged = json(&entry)["body"]["response"].as_str().map(base64_decode);
            assert_eq!(
                logged.as_ref(),
                Some(reply),
                "the reply acknowledged at index {i} is the logged one, byte for byte"
            );
        }
    }
    let (code, _) = curl(&[&format!("{url}/v1/log/entries/{size}")]);
    assert_eq!(code, 404, "no entry past the checkpoint");
    assert!(
        acks.keys().all(|&i| i < size),
        "an acknowledged index is missing"
    );
    let got = base64_encode(&root(&hashes));
    assert_eq!(got, signed_root, "recomputed root");
    for cp in seen {
        let out = notar(&[
            "log",
            "verify",
            "--server",
            url,
            "--data",
            data.arg(),
            "--checkpoint",
            p(cp),
        ]);
        assert!(out.status.success(), "{}: {}", cp.display(), text(&out));
    }
}

fn base64_decode(s: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(s)
        .expect("base64")
}

fn base64_encode(b: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(b)
}

/// Two notar processes on `cluster` from copies of one data dir: the first active, the
/// second a standby.
fn active_and_standby(cluster: &Cluster) -> (DataDir, DataDir, Server, Server) {
    let lease = Duration::from_millis(LEASE_MS as u64);
    let a = init_on(&cluster.url, LEASE_MS);
    let b = copy_of(&a);
    let sa = Server::start(&a);
    wait_role(&sa.url, "active", lease * 5);
    let sb = Server::start(&b);
    wait_role(&sb.url, "standby", lease * 5);
    (a, b, sa, sb)
}

/// The load of a test: timestamps from `LOAD_THREADS` threads and one seller's guarantees,
/// each sent to whichever of `urls` takes it.
struct Load {
    urls: Arc<Mutex<Vec<String>>>,
    acks: Acks,
    granted: Granted,
    deal: Arc<Deal>,
    stop: Arc<AtomicBool>,
    stamps: Vec<std::thread::JoinHandle<()>>,
    guarantees: std::thread::JoinHandle<usize>,
}

impl Load {
    /// Makes a deal through `data`'s admin socket and starts the load on `urls`.
    fn start(data: &DataDir, urls: Vec<String>) -> Load {
        let deal = Arc::new(make_deal(&mut Admin::connect(data), TOTAL_CAP, 1_000));
        let urls = Arc::new(Mutex::new(urls));
        let (acks, granted): (Acks, Granted) = (Arc::default(), Arc::default());
        let stop = Arc::new(AtomicBool::new(false));
        let stamps = start_load(
            urls.clone(),
            queries(data.work()),
            acks.clone(),
            stop.clone(),
        );
        let guarantees =
            start_guarantees(urls.clone(), deal.clone(), granted.clone(), stop.clone());
        Load {
            urls,
            acks,
            granted,
            deal,
            stop,
            stamps,
            guarantees,
        }
    }

    /// Timestamps acknowledged so far.
    fn acked(&self) -> usize {
        self.acks.lock().expect("acks").len()
    }

    /// Stops the load: (acknowledged timestamps, granted guarantees, refusals at the cap).
    fn finish(self) -> (BTreeMap<u64, Vec<u8>>, BTreeMap<u64, Value>, usize) {
        self.stop.store(true, Ordering::Relaxed);
        for t in self.stamps {
            t.join().expect("load thread");
        }
        let refused = self.guarantees.join().expect("guarantee thread");
        let acks = self.acks.lock().expect("acks").clone();
        let granted = self.granted.lock().expect("granted").clone();
        (acks, granted, refused)
    }
}

#[test]
fn active_and_standby_survive_kill_pause_and_primary_loss_without_losing_or_forking_the_log() {
    let cluster = Cluster::up();
    let (a, b, sa, sb) = active_and_standby(&cluster);
    let lease = Duration::from_millis(LEASE_MS as u64);
    let (code, r) = role(&sb.url);
    assert_eq!(
        (code, r.as_str()),
        (503, "standby"),
        "the second notar waits"
    );
    let tsqs = queries(a.work());
    let (code, error) = refused_stamp(&sb.url, &tsqs[0]);
    assert_eq!(code, 503, "a standby refuses to sign");
    assert_eq!(error, "standby");

    let load = Load::start(&a, vec![sa.url.clone(), sb.url.clone()]);
    let mut seen = Vec::new();
    let mut watch = |url: &str| {
        std::thread::sleep(Duration::from_millis(700));
        seen.push(save_checkpoint(&a, url, seen.len()));
    };

    // 1. kill -9 of the active notar: the standby takes over.
    watch(&sa.url);
    sa.kill9();
    wait_role(&sb.url, "active", lease * 6);
    watch(&sb.url);
    let sa2 = Server::start(&a);
    wait_role(&sa2.url, "standby", lease * 5);
    load.urls.lock().expect("urls")[0] = sa2.url.clone();
    watch(&sb.url);

    // 2. SIGSTOP of the active one for three lease periods: the other takes over; after SIGCONT
    // the paused one's next batch fails (fenced) and it reloads as a standby.
    let before = load.acked();
    signal(&sb, "STOP");
    std::thread::sleep(lease * 3);
    wait_role(&sa2.url, "active", lease * 4);
    signal(&sb, "CONT");
    wait_role(&sb.url, "standby", lease * 8);
    watch(&sa2.url);
    assert!(load.acked() > before, "load went on");

    // 3. The primary stops at once; the replica is promoted: the writer's connection breaks, it
    // reloads, and a notar takes the lease on the new primary.
    cluster.stop_primary();
    cluster.promote();
    // What was acknowledged before (the stopped primary takes no more), then a notar active.
    let after_promotion = load.acked();
    watch(&[&sa2, &sb][active_of(&[&sa2, &sb], lease * 30)].url);
    std::thread::sleep(lease * 2);
    assert!(
        load.acked() > after_promotion,
        "signing resumed on the promoted replica"
    );

    let deal = load.deal.clone();
    let (acks, granted, refused) = load.finish();
    let at = active_of(&[&sa2, &sb], lease * 10);
    let (active, active_data) = ([&sa2, &sb][at].url.clone(), [&a, &b][at]);
    assert!(
        acks.len() > 20,
        "the load was acknowledged ({} answers)",
        acks.len()
    );
    assert!(
        acks.keys().all(|i| !granted.contains_key(i)),
        "an index answered both as a timestamp and as a guarantee"
    );
    check_log(&a, &active, &acks, &seen);
    check_guarantees(&active, &mut Admin::connect(active_data), &deal, &granted);
    let checked = cluster.psql(
        &cluster.replica_url,
        "SELECT exposure || '/' || total_cap FROM notar_exposure_checks",
    );
    assert_eq!(
        checked,
        format!("{}/{TOTAL_CAP}", granted.len() as i64 * AMOUNT),
        "the database's exposure check saw every grant"
    );
    let state = cluster.psql(
        &cluster.replica_url,
        "SELECT epoch, tree_size FROM notar_log_state",
    );
    eprintln!(
        "postgres failover: {} acknowledged timestamps, {} guarantees granted and {refused} \
         refused at the cap, {} checkpoints checked, state row (epoch|tree size) {state}",
        acks.len(),
        granted.len(),
        seen.len()
    );
}

/// Reads from a replica (issue 13, item 4): a notar with `[store] replica = true` on the hot
/// standby serves the log as far as the writer has committed it (its checkpoints, entries and
/// proofs, checked by `notar log prove`), says `replica`, and refuses to sign.
#[test]
fn a_replica_serves_the_committed_log_and_refuses_to_sign() {
    let cluster = Cluster::up();
    let a = init_on(&cluster.url, LEASE_MS);
    let sa = Server::start(&a);
    wait_role(&sa.url, "active", Duration::from_secs(10));
    let r = copy_of(&a);
    util::pg::set_store(&r, &cluster.replica_url, true);
    cluster.wait_replayed();
    let sr = Server::start(&r);
    assert_eq!(role(&sr.url), (200, "replica".to_string()));

    let tsqs = queries(a.work());
    let mut last = 0;
    for tsq in &tsqs {
        let (index, reply) = stamp(&sa.url, tsq).expect("the writer signs");
        last = index;
        // The replica follows within a few of its ticks (a quarter of the lease each).
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            let (code, entry) = curl(&[&format!("{}/v1/log/entries/{index}", sr.url)]);
            let (_, health) = curl(&[&format!("{}/healthz", sr.url)]);
            if code == 200 && json(&health)["log_size"].as_u64() > Some(index) {
                let logged = json(&entry)["body"]["response"].as_str().map(base64_decode);
                assert_eq!(logged, Some(reply), "the replica serves the writer's entry");
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the replica did not follow to {index}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    let out = notar(&[
        "log",
        "prove",
        "--server",
        &sr.url,
        "--data",
        a.arg(),
        "--index",
        &last.to_string(),
    ]);
    assert!(
        out.status.success(),
        "inclusion proof from the replica: {}",
        text(&out)
    );
    assert!(stamp(&sr.url, &tsqs[0]).is_none(), "a replica never signs");
    assert_eq!(
        refused_stamp(&sr.url, &tsqs[0]),
        (503, Value::from("standby"))
    );
}

/// Both at once: `kill -9` of the active notar, the primary stopped and the replica promoted.
/// The standby reconnects to the new primary, takes the lease once it lapses, and signs; nothing
/// acknowledged before is lost or forked.
#[test]
fn the_standby_takes_over_when_the_active_notar_and_the_primary_die_together() {
    let cluster = Cluster::up();
    let (a, b, sa, sb) = active_and_standby(&cluster);
    let lease = Duration::from_millis(LEASE_MS as u64);
    let load = Load::start(&a, vec![sa.url.clone(), sb.url.clone()]);
    std::thread::sleep(lease);
    let seen = vec![save_checkpoint(&a, &sa.url, 0)];
    std::thread::sleep(lease / 2);

    sa.kill9();
    cluster.stop_primary();
    cluster.promote();
    wait_role(&sb.url, "active", lease * 30);
    let took_over = load.acked();
    std::thread::sleep(lease * 2);
    assert!(load.acked() > took_over, "the standby signs");

    let deal = load.deal.clone();
    let (acks, granted, _) = load.finish();
    check_log(&a, &sb.url, &acks, &seen);
    check_guarantees(&sb.url, &mut Admin::connect(&b), &deal, &granted);
}
