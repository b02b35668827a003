//! Simulation test: random sequences of guarantee / settle / release / revoke / expire requests
//! against the real notary (RocksDB, sequencer, signatures) and against a plain in-memory model of
//! the ledger written from docs/design.md §6.3 alone. Every answer and the exposure after every
//! step must agree.
//!
//! At depth, as TigerBeetle's simulator does it:
//! - cheap cases: each case opens a copy of one template data dir (initialised and set up once)
//!   on tmpfs, on a clock the case moves; `PROPTEST_CASES` cases (default 1,000);
//! - concurrent callers: a step may send 2-4 requests at once, each from its own task; the
//!   answers must be the model's for some serial order of them, signed changes in log order;
//! - injected store failures: a step may arm "the Nth synced write from now fails"; the notary
//!   must then stop (nothing signed, writes `unavailable`), answer nothing of the failed batch,
//!   and a new notary over the same data dir must hold exactly what was acknowledged.
//!
//! A failing case prints its seed (`NOTAR_SIM_SEED` replays it) and its shrunk operations.

mod util;

#[path = "ledger_model/check.rs"]
mod check;
#[path = "ledger_model/client.rs"]
mod client;
#[path = "ledger_model/model.rs"]
mod model;
#[path = "ledger_model/sim.rs"]
mod sim;

use std::cell::RefCell;
use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use ed25519_dalek::SigningKey;
use notar::model::registry::Role;
use notar::notary::fixture::ClockedDataDir;
use notar::notary::{KeyInput, NewAgreement, Notary};
use proptest::prelude::*;
use proptest::test_runner::TestError;

use client::Parties;
use model::{Model, Op, PER_TX_CAP, TOTAL_CAP};
use sim::{Seen, Sim};
use util::sim::{cases, Template, DEFAULT_CASES};

/// Steps per case: enough for the cap to fill, guarantees to expire and several failures and
/// restarts; few enough for 1,000 cases in about a minute of a debug build.
const STEPS: usize = 32;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 10, 0, 0)
        .single()
        .expect("t0")
}

/// The template: one buyer with two keys, one seller, their agreement.
async fn setup(w: &ClockedDataDir<std::path::PathBuf>) -> Arc<Parties> {
    let (n, seq) = w.open().expect("open");
    let parties = parties(&n).await;
    drop(n);
    tokio::task::spawn_blocking(move || seq.join())
        .await
        .expect("the sequencer thread ends");
    Arc::new(parties)
}

async fn parties(n: &Notary) -> Parties {
    let keys = [
        SigningKey::from_bytes(&[1; 32]),
        SigningKey::from_bytes(&[2; 32]),
    ];
    let buyer = n
        .register_party("bob", Role::Buyer, None)
        .await
        .expect("buyer");
    let mut key_ids = Vec::new();
    for k in &keys {
        let raw = KeyInput::Raw(k.verifying_key().to_bytes());
        let r = n.add_key(&buyer.party.id, raw, None).await.expect("key");
        key_ids.push(r.key_id);
    }
    let seller = n
        .register_party("sally", Role::Seller, None)
        .await
        .expect("seller");
    let ag = NewAgreement {
        buyer_id: buyer.party.id.clone(),
        policy_id: "semper-consumer".into(),
        total_cap_minor: Some(TOTAL_CAP),
        per_tx_cap_minor: Some(PER_TX_CAP),
        ..Default::default()
    };
    let ag = n.create_agreement(ag, None).await.expect("agreement");
    Parties {
        keys,
        key_ids,
        sid: seller.party.id,
        agreement_id: ag.id,
    }
}

/// Plays `ops` on a fresh copy of the template, then stops the notary whatever the outcome.
async fn run(template: &Template<Arc<Parties>>, ops: &[Op], seen: &mut Seen) -> Result<(), String> {
    let mut sim = Sim::new(template.copy(t0()), template.setup.clone());
    let outcome = play(&mut sim, ops, seen).await;
    sim.stop().await;
    outcome
}

async fn play(sim: &mut Sim, ops: &[Op], seen: &mut Seen) -> Result<(), String> {
    let mut model = Model::default();
    for (step, o) in ops.iter().enumerate() {
        let done = match o {
            Op::Group(reqs) => sim.group(&mut model, reqs, seen).await,
            Op::Expire { days } => sim.expire(&mut model, *days, seen).await,
            Op::FailWrite { nth } => {
                sim.arm(*nth);
                Ok(())
            }
        };
        done.and_then(|()| sim.check_exposure(&model))
            .map_err(|e| format!("step {step} ({o:?}): {e}"))?;
    }
    Ok(())
}

/// The seed of this run: `NOTAR_SIM_SEED` when set (to replay a failure), else a fresh one.
fn seed() -> u64 {
    std::env::var("NOTAR_SIM_SEED")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or_else(rand::random)
}

#[test]
fn notary_ledger_matches_the_model() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let template = Template::new(&rt, t0(), setup);
    let (cases, seed) = (cases(DEFAULT_CASES), seed());
    eprintln!("ledger model: {cases} cases, NOTAR_SIM_SEED={seed}");
    let seen = RefCell::new(Seen::default());
    let progress = util::sim::Progress::new("ledger model");
    let ops = proptest::collection::vec(model::op(), 1..STEPS);
    let result = util::sim::seeded_runner(cases, seed).run(&ops, |ops| {
        progress.tick(String::new);
        let mut s = seen.borrow_mut();
        rt.block_on(run(&template, &ops, &mut s))
            .map_err(TestCaseError::fail)
    });
    let seen = seen.into_inner();
    eprintln!("ledger model: {seen:?} in {:?}", progress.elapsed());
    match result {
        Ok(()) => {}
        Err(TestError::Fail(why, ops)) => {
            panic!("NOTAR_SIM_SEED={seed}: {why}\nminimal failing case: {ops:#?}")
        }
        Err(e) => panic!("NOTAR_SIM_SEED={seed}: {e}"),
    }
    if cases >= 100 {
        // Non-vacuity: the run did reach concurrent grants and failures with restarts.
        assert!(seen.concurrent_grants > 0, "{seen:?}");
        assert!(seen.failures > 0, "{seen:?}");
    }
    drop(template);
}
