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

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use ed25519_dalek::SigningKey;
use notar::crypto::envelope::Envelope;
use notar::crypto::escrow::EscrowPublicKey;
use notar::model::exchange::{AbortBody, ResolveBody, Sha256Hex, Subject, WireTime};
use notar::model::registry::Role;
use notar::notary::datadir::DataDir;
use notar::notary::fixture::exchange::{abort_request, acceptance, item_exchange, offer, Signer};
use notar::notary::{KeyInput, Notary, NotaryError};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::Value;

const EXCHANGES: usize = 6;
const OPS: usize = 24;
const CASES: u32 = 24;

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
    _tmp: tempfile::TempDir,
    notary: Notary,
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

async fn world() -> World {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = DataDir::new(tmp.path().join("data"));
    Notary::init(&dir, "t").await.expect("init");
    let (notary, _thread) = Notary::open(&dir).expect("open");
    let o = party(&notary, "olga").await;
    let r = party(&notary, "rita").await;
    let id = notary.identity().clone();
    World {
        _tmp: tmp,
        notary,
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

#[test]
fn concurrent_clients_keep_the_lemmas() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .expect("runtime");
    let w = rt.block_on(world());
    let config = Config {
        cases: CASES,
        failure_persistence: None,
        ..Config::default()
    };
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]);
    let mut runner = TestRunner::new_with_rng(config, rng);
    let strategy = (
        prop::collection::vec(spec(), EXCHANGES),
        prop::collection::vec(op(), OPS),
    );
    let reached = std::cell::RefCell::new(BTreeSet::new());
    let result = runner.run(&strategy, |(specs, ops)| {
        let run = Arc::new(w.run(specs));
        let answers = rt.block_on(concurrently(&w.notary, &run, &ops));
        let got = check(&run, &ops, &answers).map_err(TestCaseError::fail)?;
        // Idempotence: every request again gets the same answer.
        let again = rt.block_on(concurrently(&w.notary, &run, &ops));
        prop_assert_eq!(&again, &answers);
        reached.borrow_mut().extend(got);
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
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
        reached.into_inner(),
        all,
        "every outcome is reached in the generated runs"
    );
}

/// The checker is not vacuous: a run whose answers hold two different decisions for one tid
/// (exclusivity broken on purpose) is rejected.
#[test]
fn the_checker_rejects_two_decisions() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let w = rt.block_on(world());
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
    let aborted = rt.block_on(send(&w.notary, &run, ops[0])).expect("abort");
    let forged = aborted.replace("\"outcome\":\"aborted\"", "\"outcome\":\"resolved\"");
    let answers = vec![Ok(aborted.clone()), Ok(forged)];
    let err = check(&run, &ops, &answers).expect_err("two decisions must be rejected");
    assert!(err.contains("two decisions"), "{err}");
    // And the real notary gives the stored abort to the resolve.
    let resolved = rt.block_on(send(&w.notary, &run, ops[1]));
    assert_eq!(resolved, Ok(aborted));
}
