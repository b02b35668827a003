//! RFC 3161 traffic for the crash loop: client threads ask for tokens over random data until the
//! server is killed. Every token a client received must verify against the notary's TSA root and
//! be in the log, byte for byte, at the index its serial number names (invariant 2: nothing is
//! answered before it is durable).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use base64::Engine;
use notar::crypto::tsa::{verify_response, HashAlg, TimestampQuery};
use rand::{Rng, SeedableRng};

use crate::util::ledger::{http_typed, log_entry};
use crate::util::{openssl, p, DataDir};

const CLIENTS: usize = 2;

/// A token a client received: the data stamped and the whole response.
struct Stamped {
    data: Vec<u8>,
    response: Vec<u8>,
}

/// The timestamp side of the loop.
pub struct Load {
    root_der: Vec<u8>,
    stamped: Arc<Mutex<Vec<Stamped>>>,
    checked: usize,
}

fn client(url: String, seed: u64, stop: Arc<AtomicBool>, stamped: Arc<Mutex<Vec<Stamped>>>) {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    while !stop.load(Ordering::SeqCst) {
        let data: [u8; 16] = rng.gen();
        let query = TimestampQuery::for_data(HashAlg::Sha256, &data, true)
            .to_der()
            .expect("query DER");
        let ct = "application/timestamp-query";
        let Some((status, response)) = http_typed(&url, "POST", "/v1/timestamp", None, ct, &query)
        else {
            return;
        };
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&response));
        stamped.lock().expect("stamped").push(Stamped {
            data: data.to_vec(),
            response,
        });
    }
}

impl Load {
    /// Trusts the TSA root of `data` (as DER, converted by openssl).
    pub fn new(data: &DataDir) -> Load {
        let root = data.path.join("keys").join("root.crt");
        let root_der = openssl(data.work(), &["x509", "-in", p(&root), "-outform", "DER"]);
        Load {
            root_der,
            stamped: Arc::default(),
            checked: 0,
        }
    }

    /// Starts the cycle's client threads against `url`.
    pub fn start(&self, url: &str, cycle: usize, stop: &Arc<AtomicBool>) -> Vec<JoinHandle<()>> {
        (0..CLIENTS)
            .map(|c| {
                let (url, stop, stamped) = (url.to_string(), stop.clone(), self.stamped.clone());
                let seed = (2_000 + cycle * CLIENTS + c) as u64;
                std::thread::spawn(move || client(url, seed, stop, stamped))
            })
            .collect()
    }

    /// After the restart: every token received in this cycle verifies and is the log's entry
    /// at its serial. Returns how many were checked.
    pub fn check(&mut self, url: &str) -> usize {
        let stamped = self.stamped.lock().expect("stamped");
        let new = &stamped[self.checked..];
        for s in new {
            let token = verify_response(&s.response, &s.data, &self.root_der, None)
                .unwrap_or_else(|e| panic!("a token a client received does not verify: {e}"));
            let serial = token.serial_u64().expect("a serial that is a log index");
            let entry = log_entry(url, serial);
            assert_eq!(entry["kind"], "timestamp", "entry {}: {entry}", serial);
            let logged = entry["body"]["response"].as_str().expect("response");
            let logged = base64::engine::general_purpose::STANDARD
                .decode(logged)
                .expect("base64");
            assert_eq!(logged, s.response, "token {} differs from the log", serial);
        }
        let n = new.len();
        self.checked = stamped.len();
        n
    }

    /// Tokens received over all cycles.
    pub fn received(&self) -> usize {
        self.stamped.lock().expect("stamped").len()
    }
}
