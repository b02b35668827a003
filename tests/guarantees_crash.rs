//! `kill -9` under load (docs/design.md §10 invariants 1, 2, 5): several client threads of a seller
//! fire guarantee requests, settlements and releases at a real `notar serve` until it is killed
//! with SIGKILL; a new server on the same data dir must then keep every answer a client received:
//! each granted guarantee is there with the same signed bytes, each answered request gets the
//! same bytes again, every signature a client saw is in the log, and the exposure is exactly the
//! sum of the outstanding guarantees and within the cap. Three kill/restart cycles.

mod util;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ed25519_dalek::VerifyingKey;
use notar::crypto::envelope::Envelope;
use rand::{Rng, SeedableRng};
use serde_json::Value;
use util::ledger::*;
use util::*;

const TOTAL_CAP: i64 = 100_000;
const PER_TX_CAP: i64 = 5_000;
const CLIENTS: usize = 6;
const CYCLES: usize = 3;

/// A request a client sent, and what came back (None: no complete answer before the kill).
#[derive(Clone)]
struct Sent {
    method: &'static str,
    path: String,
    body: Vec<u8>,
    answer: Option<(u16, Vec<u8>)>,
}

/// Everything the clients sent, over all cycles.
#[derive(Default)]
struct Journal {
    requests: Vec<Sent>,
    closings: Vec<Sent>,
}

/// Guarantees the clients hold and have not closed yet: any client may settle or release one.
type Pool = Arc<Mutex<Vec<String>>>;

/// One client: guarantee requests of 1.00 ..= 50.00 EUR with fresh ids. Whenever the cap refuses
/// it (and on one grant in four) it settles or releases some outstanding guarantee, so the cap is
/// reached again and again and headroom keeps coming back. It stops at the first request that
/// gets no answer: the server is gone.
fn client(
    url: String,
    deal: Arc<Deal>,
    name: String,
    seed: u64,
    stop: Arc<AtomicBool>,
    pool: Pool,
    journal: Arc<Mutex<Journal>>,
) {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut seq = 0u64;
    while !stop.load(Ordering::SeqCst) {
        seq += 1;
        let rid = format!("{name}-{seq}");
        let minor = rng.gen_range(100..=5_000);
        let body = serde_json::to_vec(&request(&deal, &rid, minor, &rid)).expect("json");
        let answer = http(&url, "POST", "/v1/guarantees", Some(&deal.token), &body);
        let outcome = answer
            .as_ref()
            .map(|(_, b)| serde_json::from_slice::<Value>(b).unwrap_or_default());
        journal.lock().expect("journal").requests.push(Sent {
            method: "POST",
            path: "/v1/guarantees".into(),
            body,
            answer,
        });
        let Some(v) = outcome else { return };
        let close = match (
            v["guarantee"]["payload"]["guarantee_id"].as_str(),
            v["reason"].as_str(),
        ) {
            (Some(gid), _) => {
                pool.lock().expect("pool").push(gid.to_string());
                rng.gen_range(0..4) == 0
            }
            (None, Some("total_cap_exceeded")) => true,
            _ => false,
        };
        if !close {
            continue;
        }
        let gid = {
            let mut p = pool.lock().expect("pool");
            if p.is_empty() {
                continue;
            }
            let i = rng.gen_range(0..p.len());
            p.swap_remove(i)
        };
        let how = if rng.gen_bool(0.5) {
            "settle"
        } else {
            "release"
        };
        let path = format!("/v1/guarantees/{gid}/{how}");
        let answer = http(&url, "POST", &path, Some(&deal.token), b"");
        let gone = answer.is_none();
        journal.lock().expect("journal").closings.push(Sent {
            method: "POST",
            path,
            body: Vec::new(),
            answer,
        });
        if gone {
            return;
        }
    }
}

fn send(url: &str, token: &str, s: &Sent) -> (u16, Vec<u8>) {
    http(url, s.method, &s.path, Some(token), &s.body)
        .unwrap_or_else(|| panic!("no answer from the restarted server to {}", s.path))
}

/// The notary's envelope inside an answer body, if any (guarantee, refusal or closing).
fn envelopes(body: &[u8]) -> Vec<Envelope> {
    let v: Value = serde_json::from_slice(body).expect("answer JSON");
    ["guarantee", "refusal", "closing"]
        .iter()
        .filter_map(|k| v.get(*k))
        .filter(|e| !e.is_null())
        .map(|e| serde_json::from_value(e.clone()).expect("envelope"))
        .collect()
}

/// `GET /v1/guarantees/{gid}` as the deal's seller.
fn guarantee_now(url: &str, deal: &Deal, gid: &str) -> (u16, Vec<u8>) {
    let path = format!("/v1/guarantees/{gid}");
    http(url, "GET", &path, Some(&deal.token), b"").expect("answer")
}

/// Checks the restarted server against everything the clients were told.
fn verify(url: &str, data: &DataDir, deal: &Deal, notary: &VerifyingKey, journal: &mut Journal) {
    // Requests the kill cut off: retry them now so that every grant is known (a retry either
    // finds the answer that was committed before the kill, or is decided afresh).
    for s in journal
        .requests
        .iter_mut()
        .chain(journal.closings.iter_mut())
    {
        if s.answer.is_none() {
            s.answer = Some(send(url, &deal.token, s));
        }
    }
    // Invariant 5: every answered request gets the same bytes again.
    for s in journal.requests.iter().chain(journal.closings.iter()) {
        let first = s.answer.as_ref().expect("answered");
        let again = send(url, &deal.token, s);
        assert_eq!(
            &again,
            first,
            "{} {}: another answer after the restart: {} vs {}",
            s.method,
            s.path,
            String::from_utf8_lossy(&again.1),
            String::from_utf8_lossy(&first.1),
        );
    }
    let granted = every_signature_is_in_the_log(url, notary, journal);
    let (outstanding, outstanding_minor) = every_guarantee_is_kept(url, deal, notary, &granted);
    // A closing a client was told about stuck.
    for s in &journal.closings {
        let (_, body) = s.answer.as_ref().expect("answered");
        let v: Value = serde_json::from_slice(body).expect("json");
        let gid = v["guarantee_id"].as_str().expect("id");
        let (status, now) = guarantee_now(url, deal, gid);
        assert_eq!(status, 200);
        assert_eq!(
            serde_json::from_slice::<Value>(&now).expect("json"),
            v,
            "closing of {gid} lost"
        );
    }
    let mut admin = Admin::connect(data);
    let a = admin.agreement(&deal.agreement_id);
    let exposure = a["exposure_minor"].as_i64().expect("exposure");
    assert_eq!(
        exposure, outstanding_minor,
        "exposure vs outstanding guarantees: {a}"
    );
    assert_eq!(a["outstanding"], outstanding, "{a}");
    assert!(exposure <= TOTAL_CAP, "invariant 1 broken: {a}");
}

/// Invariant 2: every notary signature a client saw is in the log, at its index. The granted
/// guarantees among them, by id, with their amounts.
fn every_signature_is_in_the_log(
    url: &str,
    notary: &VerifyingKey,
    journal: &Journal,
) -> BTreeMap<String, (Envelope, i64)> {
    let mut log_indexes = BTreeMap::new();
    let mut granted = BTreeMap::new();
    for s in journal.requests.iter().chain(journal.closings.iter()) {
        let (status, body) = s.answer.as_ref().expect("answered");
        assert!(
            [200, 201].contains(status),
            "{} answered {status}: {}",
            s.path,
            String::from_utf8_lossy(body)
        );
        for env in envelopes(body) {
            env.verify_by(notary).expect("notary signature");
            let index = env.payload["log_index"].as_u64().expect("log_index");
            let (status, raw) =
                http(url, "GET", &format!("/v1/log/entries/{index}"), None, b"").expect("answer");
            assert_eq!(status, 200, "log entry {index}");
            let entry: Value = serde_json::from_slice(&raw).expect("entry JSON");
            assert_eq!(
                entry["body"],
                serde_json::to_value(&env).expect("env"),
                "log entry {index} is not the {} a client received",
                env.kind
            );
            // One signature per index: a replayed answer carries the same envelope.
            let seen = log_indexes
                .entry(index)
                .or_insert_with(|| serde_json::to_value(&env).expect("env"));
            assert_eq!(*seen, serde_json::to_value(&env).expect("env"));
            if env.kind == "guarantee" {
                let gid = env.payload["guarantee_id"]
                    .as_str()
                    .expect("id")
                    .to_string();
                let minor = env.payload["amount"]["minor"].as_i64().expect("minor");
                granted.insert(gid, (env, minor));
            }
        }
    }
    granted
}

/// Every guarantee a client got is still there, with the same signed bytes, and a closed one
/// carries a signed closing. How many are outstanding, and their sum.
fn every_guarantee_is_kept(
    url: &str,
    deal: &Deal,
    notary: &VerifyingKey,
    granted: &BTreeMap<String, (Envelope, i64)>,
) -> (usize, i64) {
    let mut outstanding_minor = 0;
    let mut outstanding = 0;
    for (gid, (env, minor)) in granted {
        let (status, body) = guarantee_now(url, deal, gid);
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
        let v: Value = serde_json::from_slice(&body).expect("json");
        assert_eq!(
            v["guarantee"],
            serde_json::to_value(env).expect("env"),
            "guarantee {gid} changed"
        );
        match v["state"].as_str() {
            Some("outstanding") => {
                assert!(v["closing"].is_null());
                outstanding += 1;
                outstanding_minor += minor;
            }
            Some("settled") | Some("released") => {
                let c: Envelope = serde_json::from_value(v["closing"].clone()).expect("closing");
                c.verify_by(notary).expect("closing signature");
            }
            other => panic!("guarantee {gid} in state {other:?}"),
        }
    }
    (outstanding, outstanding_minor)
}

/// `CLIENTS` client threads of cycle `cycle`, sending to `url` until `stop`.
fn start_clients(
    url: &str,
    deal: &Arc<Deal>,
    cycle: usize,
    stop: &Arc<AtomicBool>,
    pool: &Pool,
    journal: &Arc<Mutex<Journal>>,
) -> Vec<std::thread::JoinHandle<()>> {
    (0..CLIENTS)
        .map(|i| {
            let (url, deal, stop, pool, journal) = (
                url.to_string(),
                deal.clone(),
                stop.clone(),
                pool.clone(),
                journal.clone(),
            );
            let name = format!("c{cycle}-t{i}");
            let seed = (cycle * CLIENTS + i) as u64;
            std::thread::spawn(move || client(url, deal, name, seed, stop, pool, journal))
        })
        .collect()
}

/// The cycle's requests from `before` on: enough load, and grants that came back after the cap.
fn the_cycle_had_load(j: &Journal, cycle: usize, before: usize, closings_before: usize) {
    let this_cycle = &j.requests[before..];
    let answered = this_cycle.iter().filter(|s| s.answer.is_some()).count();
    let granted = this_cycle
        .iter()
        .filter(|s| matches!(s.answer, Some((201, _))))
        .count();
    eprintln!(
        "cycle {cycle}: {} requests, {answered} answered, {granted} granted, {} closings",
        this_cycle.len(),
        j.closings.len() - closings_before
    );
    assert!(
        answered >= 50,
        "too little load before the kill: {answered}"
    );
    assert!(granted >= 10, "headroom never came back: {granted} granted");
}

#[test]
fn kill_9_under_load_loses_no_answer_and_keeps_exposure_within_the_cap() {
    let data = DataDir::init();
    let mut srv = Server::start(&data);
    let deal = {
        let mut admin = Admin::connect(&data);
        Arc::new(make_deal(&mut admin, TOTAL_CAP, PER_TX_CAP))
    };
    let notary = notary_key(&srv.url);
    let journal = Arc::new(Mutex::new(Journal::default()));
    let pool: Pool = Arc::default();
    for cycle in 0..CYCLES {
        let (before, closings_before) = {
            let j = journal.lock().expect("journal");
            (j.requests.len(), j.closings.len())
        };
        let stop = Arc::new(AtomicBool::new(false));
        let clients = start_clients(&srv.url, &deal, cycle, &stop, &pool, &journal);
        // Let the cap fill up and closings happen, then pull the plug mid-stream: after a
        // number of answers rather than a fixed time, so a slow machine gets the same test.
        let target = before + 200 + 100 * cycle;
        let deadline = Instant::now() + Duration::from_secs(60);
        while journal.lock().expect("journal").requests.len() < target {
            assert!(Instant::now() < deadline, "the clients made no progress");
            std::thread::sleep(Duration::from_millis(10));
        }
        srv.kill9();
        stop.store(true, Ordering::SeqCst);
        for c in clients {
            c.join().expect("client");
        }
        srv = Server::start(&data);
        let mut j = journal.lock().expect("journal");
        the_cycle_had_load(&j, cycle, before, closings_before);
        verify(&srv.url, &data, &deal, &notary, &mut j);
    }
    // The cap was reached at some point: refusals for total_cap_exceeded were given.
    let j = journal.lock().expect("journal");
    let capped = j
        .requests
        .iter()
        .filter_map(|s| s.answer.as_ref())
        .filter(|(_, b)| {
            serde_json::from_slice::<Value>(b).is_ok_and(|v| v["reason"] == "total_cap_exceeded")
        })
        .count();
    assert!(capped > 0, "the load never reached the cap");
}
