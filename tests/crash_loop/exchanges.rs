//! Exchange traffic for the crash loop (docs/design.md §10 invariants 2, 3, 5): client threads
//! fire aborts and resolves (contract and item for receipt, each with fresh m2s and receipts) at
//! a shared set of exchanges until the server is killed; the restarted server must agree with
//! everything a client was told. No tid ever shows two different decisions, every answer is
//! byte-identical on re-request, and every token a client saw is in the log at its index.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use notar::crypto::escrow::EscrowPublicKey;
use rand::{Rng, SeedableRng};
use serde_json::Value;

use crate::util::exchange::*;
use crate::util::ledger::*;
use crate::util::DataDir;

const EXCHANGES: usize = 24;
const CLIENTS: usize = 3;

/// The exchanges every client works on: contract m1s, and item exchanges (every third one's
/// escrow bound elsewhere, so it fails).
struct Shared {
    o: Party,
    r: Party,
    contracts: Vec<M1>,
    items: Vec<ItemExchange>,
}

/// A request sent and what came back (None: cut off by the kill).
struct Sent {
    route: &'static str,
    tid: String,
    body: Vec<u8>,
    answer: Option<(u16, Vec<u8>)>,
}

fn request(s: &Shared, rng: &mut impl Rng) -> (&'static str, String, Vec<u8>) {
    if rng.gen_bool(0.3) {
        let x = &s.items[rng.gen_range(0..s.items.len())];
        return ("resolve", x.m1.tid.clone(), x.resolve_body());
    }
    let m1 = &s.contracts[rng.gen_range(0..s.contracts.len())];
    if rng.gen_bool(0.5) {
        let abort = abort_request(&s.o, &m1.tid);
        ("abort", m1.tid.clone(), abort_body(&m1.env, &abort))
    } else {
        let m2 = m2(&s.r, &m1.tid);
        ("resolve", m1.tid.clone(), resolve_body(&m1.env, &m2))
    }
}

/// One client: requests until one gets no answer (the server is gone) or `stop`.
fn client(
    url: String,
    s: Arc<Shared>,
    seed: u64,
    stop: Arc<AtomicBool>,
    log: Arc<Mutex<Vec<Sent>>>,
) {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    while !stop.load(Ordering::SeqCst) {
        let (route, tid, body) = request(&s, &mut rng);
        let answer = http(&url, "POST", &format!("/v1/exchanges/{route}"), None, &body);
        let gone = answer.is_none();
        log.lock().expect("log").push(Sent {
            route,
            tid,
            body,
            answer,
        });
        if gone {
            return;
        }
    }
}

/// Checks the restarted server against everything the clients were told.
fn verify(url: &str, sent: &mut [Sent]) {
    let notary = notary_key(url);
    for s in sent.iter_mut().filter(|s| s.answer.is_none()) {
        s.answer = http(
            url,
            "POST",
            &format!("/v1/exchanges/{}", s.route),
            None,
            &s.body,
        );
    }
    let mut by_tid: BTreeMap<&str, &[u8]> = BTreeMap::new();
    for s in sent.iter() {
        let (status, body) = s.answer.as_ref().expect("the restarted server answers");
        assert_eq!(*status, 200, "{}", String::from_utf8_lossy(body));
        // Exclusivity and finality: one answer per tid, whatever was asked.
        let first = by_tid.entry(&s.tid).or_insert(body);
        assert_eq!(
            String::from_utf8_lossy(first),
            String::from_utf8_lossy(body),
            "two decisions for {}",
            s.tid
        );
    }
    for (tid, body) in &by_tid {
        let v: Value = serde_json::from_slice(body).expect("json");
        let token = verified(&v["token"], &notary);
        let index = token.payload["log_index"].as_u64().expect("log_index");
        assert_eq!(
            log_entry(url, index)["body"],
            v["token"],
            "{tid}: token not logged"
        );
        let again = sent.iter().find(|s| s.tid == *tid).expect("sent");
        let (_, b) = http(
            url,
            "POST",
            &format!("/v1/exchanges/{}", again.route),
            None,
            &again.body,
        )
        .expect("answer");
        assert_eq!(&b[..], *body, "{tid}: another answer on re-request");
    }
}

/// The exchange side of the loop: the shared exchanges and everything sent about them.
pub struct Load {
    shared: Arc<Shared>,
    sent: Vec<Sent>,
    log: Arc<Mutex<Vec<Sent>>>,
}

impl Load {
    /// Two parties and the exchanges between them (contract, and item for receipt).
    pub fn new(data: &DataDir, url: &str) -> Load {
        let mut admin = Admin::connect(data);
        let notary_key_id = notar::crypto::keys::key_id(&notary_key(url));
        let ek: EscrowPublicKey = escrow_key(url);
        let o = admin.party("olga", "buyer");
        let r = admin.party("rita", "seller");
        let contracts = (0..EXCHANGES)
            .map(|_| contract_m1(&o, &r, &notary_key_id, None))
            .collect();
        let items = (0..EXCHANGES / 2)
            .map(|i| item_exchange(&o, &r, &notary_key_id, &ek, b"goods", i % 3 == 0))
            .collect();
        let shared = Arc::new(Shared {
            o,
            r,
            contracts,
            items,
        });
        Load {
            shared,
            sent: Vec::new(),
            log: Arc::default(),
        }
    }

    /// Starts the cycle's client threads against `url`.
    pub fn start(
        &mut self,
        url: &str,
        cycle: usize,
        stop: &Arc<AtomicBool>,
    ) -> Vec<JoinHandle<()>> {
        (0..CLIENTS)
            .map(|c| {
                let (url, s, stop, log) = (
                    url.to_string(),
                    self.shared.clone(),
                    stop.clone(),
                    self.log.clone(),
                );
                let seed = (1_000 + cycle * CLIENTS + c) as u64;
                std::thread::spawn(move || client(url, s, seed, stop, log))
            })
            .collect()
    }

    /// After the restart: everything sent so far is answered the same, once per tid.
    pub fn check(&mut self, url: &str) {
        self.sent
            .extend(std::mem::take(&mut *self.log.lock().expect("log")));
        verify(url, &mut self.sent);
    }

    /// Requests sent over all cycles, and the distinct exchanges they reached.
    pub fn reach(&self) -> (usize, usize) {
        let tids = self
            .sent
            .iter()
            .map(|s| &s.tid)
            .collect::<std::collections::BTreeSet<_>>();
        (self.sent.len(), tids.len())
    }
}

/// How many exchanges there are to decide.
pub const EXCHANGE_COUNT: usize = EXCHANGES + EXCHANGES / 2;
