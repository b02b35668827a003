//! The crash loop (docs/testing.md "Crash loop"): mixed traffic — guarantees with settlements and
//! releases, fair exchanges, RFC 3161 timestamps — against a real `notar serve`, killed with
//! SIGKILL at a random moment, restarted on the same data dir, and checked: every acknowledged
//! answer is there byte for byte, each checkpoint is extended append-only by the next, and the
//! exposure is within the cap. `NOTAR_CRASH_CYCLES` cycles (5 by default), the kill moments
//! drawn from `NOTAR_CRASH_SEED` (printed, so a failing run can be repeated).
//! `scripts/crash-loop.sh N` runs it against the release build.

mod util;

#[path = "crash_loop/checkpoints.rs"]
mod checkpoints;
#[path = "crash_loop/exchanges.rs"]
mod exchanges;
#[path = "crash_loop/guarantees.rs"]
mod guarantees;
#[path = "crash_loop/timestamps.rs"]
mod timestamps;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use util::ledger::notary_key;
use util::*;

fn env_u64(name: &str) -> Option<u64> {
    let v = std::env::var(name).ok()?;
    Some(
        v.parse()
            .unwrap_or_else(|_| panic!("{name}={v:?} is not a number")),
    )
}

#[test]
fn kill_9_at_random_moments_under_mixed_traffic_loses_nothing_acknowledged() {
    let cycles = env_u64("NOTAR_CRASH_CYCLES").unwrap_or(5) as usize;
    let seed = env_u64("NOTAR_CRASH_SEED").unwrap_or_else(rand::random);
    eprintln!("crash loop: {cycles} cycles, NOTAR_CRASH_SEED={seed}");
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);

    let data = DataDir::init();
    // Every client is on 127.0.0.1: the per-address limit of anonymous routes would answer 429
    // (tests/http_limits.rs tries it); this test is about crashes.
    configure(&data, &[("http", "anonymous_rate_per_s", 0)]);
    let mut srv = Server::start(&data);
    let notary = notary_key(&srv.url);
    let mut g = guarantees::Load::new(&data);
    let mut x = exchanges::Load::new(&data, &srv.url);
    let mut t = timestamps::Load::new(&data);
    let mut cps = checkpoints::Watch::new();
    for cycle in 0..cycles {
        let stop = Arc::new(AtomicBool::new(false));
        let mut threads = g.start(&srv.url, cycle, &stop);
        threads.extend(x.start(&srv.url, cycle, &stop));
        threads.extend(t.start(&srv.url, cycle, &stop));
        threads.push(cps.start(&srv.url, &stop));
        // The kill comes after a random number of guarantee requests, then a random pause:
        // a moment in the stream rather than a fixed time, so a slow machine gets the same test.
        let kill_after = rng.gen_range(150..=600);
        let deadline = Instant::now() + Duration::from_secs(120);
        while g.sent_this_cycle() < kill_after {
            assert!(Instant::now() < deadline, "the clients made no progress");
            std::thread::sleep(Duration::from_millis(5));
        }
        std::thread::sleep(Duration::from_millis(rng.gen_range(0..40)));
        srv.kill9();
        stop.store(true, Ordering::SeqCst);
        for th in threads {
            th.join().expect("client");
        }
        srv = Server::start(&data);
        let tokens = t.check(&srv.url);
        let verified = cps.check(&srv.url, &data, 3);
        x.check(&srv.url);
        g.check(&srv.url, &data, &notary, cycle);
        eprintln!("cycle {cycle}: killed after {kill_after}; {tokens} tokens, {verified} checkpoints verified");
    }
    assert!(g.reached_the_cap(), "the load never reached the cap");
    let (sent, reached) = x.reach();
    assert!(sent >= cycles, "only {sent} exchange requests");
    assert!(
        cycles < 3 || reached > exchanges::EXCHANGE_COUNT / 3,
        "the clients reached only {reached} exchanges"
    );
    assert!(t.received() > 0, "no timestamp was issued");
    srv.stop();
}
