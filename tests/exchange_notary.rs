//! Fair exchange on the real notary (in-process, durable store), against a plain model: random
//! interleavings of aborts and resolves — valid, faulty, repeated and late — sent by concurrent
//! clients over many exchanges at once (docs/design.md §6.4, §10 invariant 3). The lemmas of the
//! formal models must hold for every generated run:
//! - exclusivity: all answers about one tid are the same decision, the same bytes;
//! - the decision is one a valid request of the run could make, and faulty requests get exactly
//!   their refusal code, whatever the order (timeliness: nothing else comes back);
//! - idempotence: every valid request, sent again afterwards, gets the same bytes;
//! - item for receipt: a key is released exactly when the answer is a delivery affidavit.
//!
//! Non-vacuity: across the runs every outcome (aborted, expired, resolved, delivered,
//! escrow_failed) is reached, and the checker rejects a run broken on purpose (two decisions for
//! one tid).
//!
//! At depth: `PROPTEST_CASES` runs (default 1,000) on a data dir on tmpfs; a quarter of the runs
//! arm an injected store failure ("the Nth synced write from now fails"). Then the notary must
//! stop (writes refused as `unavailable`), the answers of the failed batch are not
//! acknowledged, and a new notary over the same data dir must hold every acknowledged decision,
//! the same bytes, and no decision nobody was answered; the run goes on with it.

mod util;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use ed25519_dalek::SigningKey;
use notar::crypto::envelope::Envelope;
use notar::crypto::escrow::EscrowPublicKey;
use notar::model::exchange::{AbortBody, ResolveBody, Sha256Hex, Subject, WireTime};
use notar::model::registry::Role;
use notar::notary::datadir::DataDir;
use notar::notary::fixture::exchange::{abort_request, acceptance, item_exchange, offer, Signer};
use notar::notary::{KeyInput, Notary, NotaryError, SequencerThread};
use proptest::prelude::*;
use serde_json::Value;

const EXCHANGES: usize = 6;
const OPS: usize = 24;
/// Cases run on one world (data dir) before the next gets a new one.
const WORLD_CASES: u64 = 500;

/// One exchange of a run.
#[derive(Clone, Copy, Debug)]
enum Spec {
    Contract { expired: bool },
    Item { escrow_opens: bool },
}

/// One request of a run, on exchange `x`.
#[derive(Clone, Copy, Debug)]
enum Op {
    Abort { x: usize, by_responder: bool },
    Resolve { x: usize, m2_for_other: bool },
}

fn spec() -> impl Strategy<Value = Spec> {
    prop_oneof![
        any::<bool>().prop_map(|expired| Spec::Contract { expired }),
        any::<bool>().prop_map(|escrow_opens| Spec::Item { escrow_opens }),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    let x = 0..EXCHANGES;
    prop_oneof![
        (x.clone(), prop::bool::weighted(0.2))
            .prop_map(|(x, by_responder)| Op::Abort { x, by_responder }),
        (x, prop::bool::weighted(0.2))
            .prop_map(|(x, m2_for_other)| Op::Resolve { x, m2_for_other }),
    ]
}

struct World {
    dir: DataDir,
    /// The notary and its sequencer thread (None only while restarting or stopped).
    running: Option<(Notary, SequencerThread)>,
    o: (String, SigningKey),
    r: (String, SigningKey),
    key_id: String,
    escrow: EscrowPublicKey,
}

async fn party(notary: &Notary, name: &str) -> (String, SigningKey) {
    let key = SigningKey::generate(&mut rand::rngs::OsRng);
    let raw = KeyInput::Raw(key.verifying_key().to_bytes());
    let (p, _) = notary
        .register_party_with_key(name, Role::Buyer, Some(raw), None)
        .await
        .expect("party");
    (p.party.id, key)
}

/// A new world in `tmp`: a fresh data dir (`data-N`), its notary open, two parties.
async fn world(tmp: &tempfile::TempDir, n: u64) -> World {
    let dir = DataDir::new(tmp.path().join(format!("data-{n}")));
    Notary::init(&dir, "t").await.expect("init");
    let (notary, thread) = Notary::open(&dir).expect("open");
    let o = party(&notary, "olga").await;
    let r = party(&notary, "rita").await;
    let id = notary.identity().clone();
    World {
        dir,
        running: Some((notary, thread)),
        o,
        r,
        key_id: id.key_id,
        escrow: EscrowPublicKey::from_base64(&id.escrow_public_key).expect("escrow key"),
    }
}

/// The exchanges of one run, signed: m1 and the resolve and abort bodies each op needs.
struct Run {
    specs: Vec<Spec>,
    m1: Vec<Envelope>,
    tid: Vec<String>,
    resolve: Vec<ResolveBody<Envelope>>,
    bad_resolve: Vec<ResolveBody<Envelope>>,
    abort: Vec<AbortBody<Envelope>>,
    stranger_abort: Vec<AbortBody<Envelope>>,
}

impl World {
    fn notary(&self) -> &Notary {
        &self.running.as_ref().expect("a running notary").0
    }

    /// Drops the notary, waits for its sequencer (RocksDB closed), opens a new one on the same
    /// data dir: a restart.
    async fn restart(&mut self) {
        self.stop().await;
        self.running = Some(Notary::open(&self.dir).expect("reopen"));
    }

    /// Drops the notary and waits for its sequencer to end, so the store is closed before the
    /// data dir goes (or is opened again).
    async fn stop(&mut self) {
        if let Some((notary, thread)) = self.running.take() {
            drop(notary);
            tokio::task::spawn_blocking(move || thread.join())
                .await
                .expect("the sequencer thread ends");
        }
    }

    fn signers(&self) -> (Signer<'_>, Signer<'_>) {
        let (o, r) = (&self.o, &self.r);
        (
            Signer {
                id: &o.0,
                key: &o.1,
            },
            Signer {
                id: &r.0,
                key: &r.1,
            },
        )
    }

    fn run(&self, specs: Vec<Spec>) -> Run {
        let (o, r) = self.signers();
        let mut run = Run {
            specs: specs.clone(),
            m1: vec![],
            tid: vec![],
            resolve: vec![],
            bad_resolve: vec![],
            abort: vec![],
            stranger_abort: vec![],
        };
        let nonce = || SigningKey::generate(&mut rand::rngs::OsRng).to_bytes();
        for s in specs {
            let (m1, off, resolve) = match s {
                Spec::Contract { expired } => {
                    let subject = Subject::Contract {
                        contract_digest: Sha256Hex::of(&nonce()),
                    };
                    let deadline = expired.then(|| {
                        WireTime::try_from("2020-01-01T00:00:00.000Z".to_string()).expect("time")
                    });
                    let (m1, off) =
                        offer(&o, r.id, &self.key_id, subject, &nonce(), deadline).expect("m1");
                    let m2 = acceptance(&r, &off, &nonce());
                    let resolve = ResolveBody::Contract { m1: m1.clone(), m2 };
                    (m1, off, resolve)
                }
                Spec::Item { escrow_opens } => {
                    let escrow = if escrow_opens {
                        self.escrow
                    } else {
                        EscrowPublicKey::from_bytes(nonce())
                    };
                    let x = item_exchange(&o, &r, &self.key_id, &escrow, b"goods", nonce())
                        .expect("item");
                    let ResolveBody::Item { m1, .. } = &x.resolve else {
                        unreachable!("an item resolve")
                    };
                    (m1.clone(), x.offer, x.resolve)
                }
            };
            run.tid.push(off.tid().as_str().to_string());
            let abort = abort_request(&o, &off);
            run.abort.push(AbortBody {
                m1: m1.clone(),
                abort,
            });
            let stranger = abort_request(&r, &off);
            run.stranger_abort.push(AbortBody {
                m1: m1.clone(),
                abort: stranger,
            });
            // m2 (or the receipt) of another exchange: it does not bind this one.
            run.bad_resolve.push(resolve.clone());
            run.m1.push(m1);
            run.resolve.push(resolve);
        }
        for x in 0..run.specs.len() {
            let other = (x + 1) % run.specs.len();
            run.bad_resolve[x] = mismatched(&run.m1[x], &run.resolve[other]);
        }
        run
    }
}

/// `m1` with the evidence of another exchange's resolve (of the same protocol, or m1's own
/// evidence kind if the protocols differ: then the parts do not fit either).
fn mismatched(m1: &Envelope, other: &ResolveBody<Envelope>) -> ResolveBody<Envelope> {
    match other.clone() {
        ResolveBody::Contract { m2, .. } => ResolveBody::Contract { m1: m1.clone(), m2 },
        ResolveBody::Item {
            item_escrow,
            receipt,
            escrow,
            ..
        } => ResolveBody::Item {
            m1: m1.clone(),
            item_escrow,
            receipt,
            escrow,
        },
    }
}

/// Sends every op at once, each from its own task (the runtime's worker threads); the answers in
/// the order of `ops`.
async fn concurrently(notary: &Notary, run: &Arc<Run>, ops: &[Op]) -> Vec<Answer> {
    let tasks: Vec<_> = ops
        .iter()
        .map(|&op| {
            let (n, run) = (notary.clone(), run.clone());
            tokio::spawn(async move { send(&n, &run, op).await })
        })
        .collect();
    let mut answers = Vec::with_capacity(tasks.len());
    for t in tasks {
        answers.push(t.await.expect("client task"));
    }
    answers
}

/// What came back for one op: the answer body, or the error code.
type Answer = Result<String, String>;

async fn send(notary: &Notary, run: &Run, op: Op) -> Answer {
    let r: Result<_, NotaryError> = match op {
        Op::Abort { x, by_responder } => {
            let body = if by_responder {
                &run.stranger_abort[x]
            } else {
                &run.abort[x]
            };
            notary.abort_exchange(body.clone()).await
        }
        Op::Resolve { x, m2_for_other } => {
            let body = if m2_for_other {
                &run.bad_resolve[x]
            } else {
                &run.resolve[x]
            };
            notary.resolve_exchange(body.clone()).await
        }
    };
    r.map(|a| a.body).map_err(|e| e.code().to_string())
}

fn x_of(op: Op) -> usize {
    match op {
        Op::Abort { x, .. } | Op::Resolve { x, .. } => x,
    }
}

/// The refusal the plain model expects for `op`, or `None` for a valid request.
fn expected_refusal(run: &Run, op: Op) -> Option<&'static str> {
    match op {
        Op::Abort { by_responder, .. } => by_responder.then_some("not_originator"),
        Op::Resolve { x, m2_for_other } => {
            let other = (x + 1) % run.specs.len();
            let same_protocol = matches!(
                (run.specs[x], run.specs[other]),
                (Spec::Contract { .. }, Spec::Contract { .. })
                    | (Spec::Item { .. }, Spec::Item { .. })
            );
            match (m2_for_other, same_protocol, run.specs[x]) {
                (false, ..) => None,
                // The escrow statement names another tid: the parts do not belong together.
                (true, true, Spec::Item { .. }) | (true, false, _) => Some("malformed_exchange"),
                (true, true, Spec::Contract { .. }) => Some("bad_m2"),
            }
        }
    }
}

/// The outcome a valid `op` decides on an undecided exchange.
fn outcome_of(run: &Run, op: Op) -> &'static str {
    match (op, run.specs[x_of(op)]) {
        (Op::Abort { .. }, _) => "aborted",
        (Op::Resolve { .. }, Spec::Contract { expired: true }) => "expired",
        (Op::Resolve { .. }, Spec::Contract { expired: false }) => "resolved",
        (Op::Resolve { .. }, Spec::Item { escrow_opens: true }) => "delivered",
        (
            Op::Resolve { .. },
            Spec::Item {
                escrow_opens: false,
            },
        ) => "escrow_failed",
    }
}

/// The lemmas over one run's answers; the outcomes reached, or what broke.
fn check(run: &Run, ops: &[Op], answers: &[Answer]) -> Result<BTreeSet<String>, String> {
    let mut decided: BTreeMap<usize, &str> = BTreeMap::new();
    let mut reached = BTreeSet::new();
    for (&op, a) in ops.iter().zip(answers) {
        let x = x_of(op);
        match (expected_refusal(run, op), a) {
            (Some(code), Err(got)) if got == code => {}
            (Some(code), other) => return Err(format!("{op:?}: expected {code}, got {other:?}")),
            (None, Err(e)) => return Err(format!("{op:?}: valid request refused: {e}")),
            (None, Ok(body)) => {
                if let Some(first) = decided.insert(x, body) {
                    if first != body {
                        return Err(format!("two decisions for exchange {x}: {first} / {body}"));
                    }
                }
                let v: Value = serde_json::from_str(body).map_err(|e| e.to_string())?;
                let outcome = v["outcome"].as_str().unwrap_or_default().to_string();
                if v["tid"] != run.tid[x] {
                    return Err(format!("answer for another tid: {body}"));
                }
                if (outcome == "delivered") != v.get("key").is_some() {
                    return Err(format!("key release and delivery disagree: {body}"));
                }
                reached.insert(outcome);
            }
        }
    }
    for (x, body) in decided {
        let v: Value = serde_json::from_str(body).map_err(|e| e.to_string())?;
        let possible: BTreeSet<&str> = ops
            .iter()
            .filter(|&&op| x_of(op) == x && expected_refusal(run, op).is_none())
            .map(|&op| outcome_of(run, op))
            .collect();
        if !possible.contains(v["outcome"].as_str().unwrap_or_default()) {
            return Err(format!("exchange {x}: {body} is none of {possible:?}"));
        }
    }
    Ok(reached)
}

/// The answer reached nobody as an acknowledgement: its batch failed, or never ran.
fn unacknowledged(a: &Answer) -> bool {
    matches!(a, Err(code) if code == "unavailable" || code == "storage_failure")
}

/// The ops and answers that were acknowledged.
fn acknowledged(ops: &[Op], answers: &[Answer]) -> (Vec<Op>, Vec<Answer>) {
    ops.iter()
        .zip(answers)
        .filter(|(_, a)| !unacknowledged(a))
        .map(|(&o, a)| (o, a.clone()))
        .unzip()
}

/// After an injected write failure: the notary stopped (a valid abort is refused as
/// `unavailable`, nothing is logged); a restart keeps the log as it was; an exchange is decided
/// after it exactly when a decision about it was acknowledged.
async fn after_failure(
    w: &mut World,
    run: &Run,
    ops: &[Op],
    answers: &[Answer],
) -> Result<(), String> {
    if !w.notary().is_failed() {
        return Err("a write failed and the notary did not stop".into());
    }
    let size = w.notary().log_size();
    let probe = Op::Abort {
        x: 0,
        by_responder: false,
    };
    let got = send(w.notary(), run, probe).await;
    if got != Err("unavailable".into()) || w.notary().log_size() != size {
        return Err(format!("a stopped notary answered {got:?}"));
    }
    w.restart().await;
    if w.notary().log_size() != size {
        return Err(format!(
            "log size {size} before the restart, {} after",
            w.notary().log_size()
        ));
    }
    for (x, tid) in run.tid.iter().enumerate() {
        let acked = ops
            .iter()
            .zip(answers)
            .any(|(&o, a)| x_of(o) == x && a.is_ok());
        let status = w.notary().exchange(tid).map(|v| v.status);
        let decided = matches!(&status, Ok(s) if s != "undecided");
        if decided != acked {
            return Err(format!(
                "exchange {x}: {status:?} after the restart, acknowledged: {acked}"
            ));
        }
    }
    Ok(())
}

/// What a run of the property reached: outcomes, and how many injected failures fired.
#[derive(Default)]
struct Reached {
    outcomes: BTreeSet<String>,
    failures: u64,
}

/// One run: every op at once (an injected failure armed first, maybe); the lemmas over the
/// acknowledged answers; after a failure, a restart; then every op again: the acknowledged
/// answers come back byte for byte and the lemmas hold over the second round.
fn one_run(
    rt: &tokio::runtime::Runtime,
    w: &mut World,
    (specs, ops, fail_at): (Vec<Spec>, Vec<Op>, Option<u64>),
    reached: &mut Reached,
) -> Result<(), String> {
    let run = Arc::new(w.run(specs));
    if let Some(nth) = fail_at {
        w.notary().fail_store_write_in(nth);
    }
    let answers = rt.block_on(concurrently(w.notary(), &run, &ops));
    // Disarmed if it did not fire.
    w.notary().fail_store_write_in(0);
    let (acked_ops, acked) = acknowledged(&ops, &answers);
    reached.outcomes.extend(check(&run, &acked_ops, &acked)?);
    if acked.len() < answers.len() {
        reached.failures += 1;
        rt.block_on(after_failure(w, &run, &ops, &answers))?;
    }
    // Idempotence: every request again gets the same answer.
    let again = rt.block_on(concurrently(w.notary(), &run, &ops));
    for (i, a) in answers.iter().enumerate() {
        if !unacknowledged(a) && &again[i] != a {
            return Err(format!("{:?}: {a:?}, then {:?}", ops[i], again[i]));
        }
    }
    reached.outcomes.extend(check(&run, &ops, &again)?);
    Ok(())
}

/// The seed: `NOTAR_SIM_SEED` when set, else a fixed one (CI runs the same cases every time).
fn seed() -> u64 {
    std::env::var("NOTAR_SIM_SEED")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(7)
}

#[test]
fn concurrent_clients_keep_the_lemmas() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .expect("runtime");
    let tmp = util::sim::scratch_dir();
    let w = std::cell::RefCell::new(rt.block_on(world(&tmp, 0)));
    let (cases, seed) = (util::sim::cases(util::sim::DEFAULT_CASES), seed());
    eprintln!("exchange notary: {cases} cases, NOTAR_SIM_SEED={seed}");
    let mut runner = util::sim::seeded_runner(cases, seed);
    let fail_at = prop_oneof![3 => Just(None), 1 => (1u64..6).prop_map(Some)];
    let strategy = (
        prop::collection::vec(spec(), EXCHANGES),
        prop::collection::vec(op(), OPS),
        fail_at,
    );
    let reached = std::cell::RefCell::new(Reached::default());
    let progress = util::sim::Progress::new("exchange notary");
    let result = runner.run(&strategy, |case| {
        let done = progress.tick(|| {
            let fired = reached.borrow().failures;
            format!(", {fired} injected failures fired")
        });
        let mut w = w.borrow_mut();
        if done.is_multiple_of(WORLD_CASES) {
            // A new world now and then: a restart reads the whole store, so one world for a
            // deep run would make each case slower than the one before.
            rt.block_on(w.stop());
            let old = w.dir.root().to_path_buf();
            *w = rt.block_on(world(&tmp, done));
            std::fs::remove_dir_all(old).expect("the old world's data dir goes");
        }
        one_run(&rt, &mut w, case, &mut reached.borrow_mut()).map_err(TestCaseError::fail)
    });
    rt.block_on(w.borrow_mut().stop());
    if let Err(e) = result {
        panic!("NOTAR_SIM_SEED={seed}: {e}");
    }
    let reached = reached.into_inner();
    eprintln!(
        "exchange notary: {} injected failures fired",
        reached.failures
    );
    if cases >= 100 {
        assert!(reached.failures > 0, "no injected failure fired");
    }
    let all: BTreeSet<String> = [
        "aborted",
        "expired",
        "resolved",
        "delivered",
        "escrow_failed",
    ]
    .map(String::from)
    .into();
    assert_eq!(
        reached.outcomes, all,
        "every outcome is reached in the generated runs"
    );
}

/// The checker is not vacuous: a run whose answers hold two different decisions for one tid
/// (exclusivity broken on purpose) is rejected.
#[test]
fn the_checker_rejects_two_decisions() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let tmp = util::sim::scratch_dir();
    let mut w = rt.block_on(world(&tmp, 0));
    let run = w.run(vec![Spec::Contract { expired: false }]);
    let ops = [
        Op::Abort {
            x: 0,
            by_responder: false,
        },
        Op::Resolve {
            x: 0,
            m2_for_other: false,
        },
    ];
    let aborted = rt.block_on(send(w.notary(), &run, ops[0])).expect("abort");
    let forged = aborted.replace("\"outcome\":\"aborted\"", "\"outcome\":\"resolved\"");
    let answers = vec![Ok(aborted.clone()), Ok(forged)];
    let err = check(&run, &ops, &answers).expect_err("two decisions must be rejected");
    assert!(err.contains("two decisions"), "{err}");
    // And the real notary gives the stored abort to the resolve.
    let resolved = rt.block_on(send(w.notary(), &run, ops[1]));
    assert_eq!(resolved, Ok(aborted));
    rt.block_on(w.stop());
}
