//! Guarantee traffic for the crash loop: several client threads of a seller fire guarantee
//! requests, settlements and releases at a real `notar serve` until it is killed; the restarted
//! server must keep every answer a client received (docs/design.md §10 invariants 1, 2, 5): each
//! granted guarantee is there with the same signed bytes, each answered request gets the same
//! bytes again, every signature a client saw is in the log, and the exposure is exactly the sum
//! of the outstanding guarantees and within the cap.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use ed25519_dalek::VerifyingKey;
use notar::crypto::envelope::Envelope;
use rand::{Rng, SeedableRng};
use serde_json::Value;

use crate::util::ledger::*;
use crate::util::*;

pub const TOTAL_CAP: i64 = 100_000;
const PER_TX_CAP: i64 = 5_000;
const CLIENTS: usize = 6;

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

/// What is known of the guarantees granted so far: each one's envelope and amount, and the ones
/// seen closed (settled or released is final, so they need no further look).
#[derive(Default)]
struct Kept {
    granted: BTreeMap<String, (Envelope, i64)>,
    closed: std::collections::BTreeSet<String>,
}

/// Checks the restarted server against everything the clients were told since `from` (the
/// journal's lengths when the cycle started; earlier answers were checked after their cycle),
/// and the exposure against every guarantee still open.
fn verify(
    url: &str,
    data: &DataDir,
    deal: &Deal,
    notary: &VerifyingKey,
    (journal, from): (&mut Journal, (usize, usize)),
    kept: &mut Kept,
) -> Vec<String> {
    // Requests the kill cut off: retry them now so that every grant is known (a retry either
    // finds the answer that was committed before the kill, or is decided afresh).
    let (requests, closings) = (
        &mut journal.requests[from.0..],
        &mut journal.closings[from.1..],
    );
    for s in requests.iter_mut().chain(closings.iter_mut()) {
        if s.answer.is_none() {
            s.answer = Some(send(url, &deal.token, s));
        }
    }
    let sent: Vec<&Sent> = requests.iter().chain(closings.iter()).collect();
    // Invariant 5: every answered request gets the same bytes again.
    for s in &sent {
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
    kept.granted
        .extend(every_signature_is_in_the_log(url, notary, &sent));
    let open = every_guarantee_is_kept(url, deal, notary, kept);
    let outstanding = open.len();
    let outstanding_minor: i64 = open.iter().map(|gid| kept.granted[gid].1).sum();
    // A closing a client was told about stuck.
    for s in closings.iter() {
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
    open
}

/// Invariant 2: every notary signature a client saw is in the log, at its index. The granted
/// guarantees among them, by id, with their amounts.
fn every_signature_is_in_the_log(
    url: &str,
    notary: &VerifyingKey,
    sent: &[&Sent],
) -> BTreeMap<String, (Envelope, i64)> {
    let mut log_indexes = BTreeMap::new();
    let mut granted = BTreeMap::new();
    for s in sent {
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

/// Every guarantee a client got and not yet seen closed is still there, with the same signed
/// bytes, and a closed one carries a signed closing. The ids of those outstanding.
fn every_guarantee_is_kept(
    url: &str,
    deal: &Deal,
    notary: &VerifyingKey,
    kept: &mut Kept,
) -> Vec<String> {
    let mut open = Vec::new();
    for (gid, (env, _)) in &kept.granted {
        if kept.closed.contains(gid) {
            continue;
        }
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
                open.push(gid.clone());
            }
            Some("settled") | Some("released") => {
                let c: Envelope = serde_json::from_value(v["closing"].clone()).expect("closing");
                c.verify_by(notary).expect("closing signature");
                kept.closed.insert(gid.clone());
            }
            other => panic!("guarantee {gid} in state {other:?}"),
        }
    }
    open
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

/// The guarantee side of the loop: one deal, its clients' journal and the open guarantees.
pub struct Load {
    deal: Arc<Deal>,
    journal: Arc<Mutex<Journal>>,
    pool: Pool,
    /// Requests and closings in the journal when the current cycle started.
    before: (usize, usize),
    kept: Kept,
}

impl Load {
    /// A buyer, a seller and their agreement with the crash loop's caps.
    pub fn new(data: &DataDir) -> Load {
        let mut admin = Admin::connect(data);
        Load {
            deal: Arc::new(make_deal(&mut admin, TOTAL_CAP, PER_TX_CAP)),
            journal: Arc::default(),
            pool: Arc::default(),
            before: (0, 0),
            kept: Kept::default(),
        }
    }

    /// Starts the cycle's client threads against `url`.
    pub fn start(
        &mut self,
        url: &str,
        cycle: usize,
        stop: &Arc<AtomicBool>,
    ) -> Vec<JoinHandle<()>> {
        let j = self.journal.lock().expect("journal");
        self.before = (j.requests.len(), j.closings.len());
        drop(j);
        start_clients(url, &self.deal, cycle, stop, &self.pool, &self.journal)
    }

    /// Guarantee requests sent in this cycle so far.
    pub fn sent_this_cycle(&self) -> usize {
        self.journal.lock().expect("journal").requests.len() - self.before.0
    }

    /// After the restart: the cycle had load, and the new server keeps everything it was told.
    pub fn check(&mut self, url: &str, data: &DataDir, notary: &VerifyingKey, cycle: usize) {
        let mut j = self.journal.lock().expect("journal");
        the_cycle_had_load(&j, cycle, self.before.0, self.before.1);
        let journal = (&mut *j, self.before);
        let open = verify(url, data, &self.deal, notary, journal, &mut self.kept);
        // The next cycle's clients may close any guarantee still open, including those granted
        // by a retry above (a grant cut off by the kill): otherwise they would hold the cap for
        // ever and headroom would stop coming back after enough cycles.
        *self.pool.lock().expect("pool") = open;
    }

    /// Whether some request was refused for `total_cap_exceeded` (the cap was reached).
    pub fn reached_the_cap(&self) -> bool {
        let j = self.journal.lock().expect("journal");
        j.requests
            .iter()
            .filter_map(|s| s.answer.as_ref())
            .any(|(_, b)| {
                serde_json::from_slice::<Value>(b)
                    .is_ok_and(|v| v["reason"] == "total_cap_exceeded")
            })
    }
}
