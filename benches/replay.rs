//! Replaying an evidence bundle, in items per second (bundle items + registry entries), next to
//! raw Ed25519 verification of one item-sized message and the pure rules alone, measured in the
//! same run:
//! - `replay::verify`: every signature, digest and inclusion proof of the bundle checked;
//! - `replay::replay`: verify + join + `model::dispute::adjudicate`;
//! - `ed25519_verify`: one verification of the case's m1 signing input;
//! - `model_dispute_adjudicate`: the rules alone on the inputs `replay` joined.
//!
//!
//! And on a large guarantee case (group `replay_large`), where the rate shows: a buyer's
//! [`LARGE_GUARANTEES`] guarantees under one agreement, the seller's complaint about the first,
//! its `Notary::case_bundle` and, added to it with their inclusion proofs against the bundle's
//! checkpoint, the notary's other guarantees of that agreement and the buyer's orders they rest
//! on (what a dispute about the agreement's caps reads). Next to it, in the same run, on one
//! core: one Ed25519 verification (dalek's cofactorless `verify`, and ed25519-zebra's ZIP-215
//! one, replay's rule), dalek's `verify_batch` and zebra's ZIP-215 batch of [`BATCH`]
//! signatures (one key, as replay's mostly are, and [`BATCH`] keys).
//!
//! Last, a summary line (`replay summary:`) measured in the same run with a plain clock: the
//! single-verify rate of one core and the full replay rates of both bundles, in items per
//! second, and their ratio, the figure of the goal (docs/design.md, "Replay throughput"); then
//! (`replay paired:`) the same ratio for the large bundle taken round by round, each round
//! timing single verifies and then replays back to back, so that the VM's slow and fast spells
//! fall on both sides of each ratio. Each round's first replay comes after 15 ms without one, in
//! which mimalloc has returned the pages the last one freed: the paired ratio also counts that
//! cold start, and reads a few per cent under the summary (BENCHMARKS.md, "Why the paired ratio
//! dips below the summary").
//!
//! Run: `cargo bench --bench replay`. The bundles are made before the timed part by an in-process
//! notary on a temporary data dir. The small one in the shape of D7: bob pays sally by an
//! item-for-receipt exchange the notary resolves (delivery affidavit); sally claims non-payment
//! with m1; bob answers with his escrow statement and sally's receipt; `Notary::case_bundle`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ed25519_dalek::{Signer as _, SigningKey, Verifier};
use notar::crypto::envelope::{signing_input, Envelope};
use notar::crypto::escrow::EscrowPublicKey;
use notar::model::dispute::adjudicate;
use notar::model::exchange::ResolveBody;
use notar::model::registry::Role;
use notar::notary::datadir::DataDir;
use notar::notary::fixture::exchange::{payment_exchange, Signer};
use notar::notary::fixture::{buyer_with_agreement, eur, request};
use notar::notary::{KeyInput, Notary};
use notar::replay::{Item, TlogProof};
use serde_json::{json, Value};

/// Guarantees in the large case.
const LARGE_GUARANTEES: usize = 400;

/// Signatures per `verify_batch` in the raw line.
const BATCH: usize = 64;

/// A case bundle's file bytes, its item count (items + registry entries) and its m1.
struct Case {
    bytes: Vec<u8>,
    items: u64,
    m1: Envelope,
}

async fn party(notary: &Notary, name: &str, role: Role, seed: u8) -> (String, SigningKey) {
    let key = SigningKey::from_bytes(&[seed; 32]);
    let raw = KeyInput::Raw(key.verifying_key().to_bytes());
    let (p, _) = notary
        .register_party_with_key(name, role, Some(raw), None)
        .await
        .expect("party");
    (p.party.id, key)
}

/// The D7-shaped case on `notary`.
async fn make_case(notary: &Notary) -> Case {
    let bob = party(notary, "bob", Role::Buyer, 1).await;
    let sally = party(notary, "sally", Role::Seller, 2).await;
    let id = notary.identity();
    let escrow = EscrowPublicKey::from_base64(&id.escrow_public_key).expect("escrow key");
    let (b, s) = (
        Signer {
            id: &bob.0,
            key: &bob.1,
        },
        Signer {
            id: &sally.0,
            key: &sally.1,
        },
    );
    let item = b"payment token: 120.00 EUR to sally";
    let paid = Some(eur(12_000));
    let x = payment_exchange(&b, &s, (&id.key_id, &escrow), item, [9; 32], paid).expect("x");
    let ResolveBody::Item {
        m1,
        item_escrow,
        receipt,
        ..
    } = x.resolve.clone()
    else {
        unreachable!("an item exchange resolves as an item");
    };
    let resolved = notary.resolve_exchange(x.resolve).await.expect("resolve");
    assert!(resolved.body.contains("\"delivered\""), "{}", resolved.body);
    let claim = json!({
        "kind": "non_payment",
        "claimant": sally.0,
        "respondent": bob.0,
        "tid": x.offer.tid(),
        "amount": {"minor": 12000, "currency": "EUR"},
        "statement": "bob never paid.",
        "evidence": [{"type": "envelope", "envelope": m1}],
        "notary_key_id": id.key_id,
        "created_at": "2026-03-01T09:00:00.000Z",
    });
    let filed = Envelope::sign("complaint", claim, &sally.1).expect("sign");
    let filed = notary.file_complaint(filed).await.expect("filed");
    let body: Value = serde_json::from_str(&filed.body).expect("answer");
    let answer = json!({
        "complaint_id": filed.complaint_id,
        "complaint_digest": body["receipt"]["payload"]["complaint_digest"],
        "respondent": bob.0,
        "statement": "Paid: sally signed her receipt and the notary released the key.",
        "evidence": [{"type": "envelope", "envelope": item_escrow},
                     {"type": "envelope", "envelope": receipt}],
        "created_at": "2026-03-01T11:00:00.000Z",
    });
    let answer = Envelope::sign("complaint_response", answer, &bob.1).expect("sign");
    notary
        .respond_to_complaint(&filed.complaint_id, answer)
        .await
        .expect("answered");
    let bundle = notary
        .case_bundle(&filed.complaint_id)
        .await
        .expect("bundle");
    Case {
        bytes: bundle.to_file_bytes().expect("bytes"),
        items: (bundle.items.len() + bundle.registry.len()) as u64,
        m1,
    }
}

/// The guarantee envelope in a granted answer.
fn granted(body: &str) -> Envelope {
    let v: Value = serde_json::from_str(body).expect("answer JSON");
    serde_json::from_value(v["guarantee"].clone()).expect("a granted answer holds its guarantee")
}

/// The large guarantee case on `notary` (see the module doc).
async fn make_large_case(notary: &Notary) -> Case {
    let bob_key = SigningKey::from_bytes(&[3; 32]);
    let (bob, agreement) = buyer_with_agreement(
        notary,
        "carol",
        &bob_key,
        "semper-business",
        Some((1_000_000_000, 1_000_000)),
    )
    .await
    .expect("buyer");
    let sally = party(notary, "dave", Role::Seller, 4).await;
    let mut guarantees = Vec::new();
    for i in 0..LARGE_GUARANTEES {
        let doc = format!("order {i}: 12.34 EUR of parts");
        let r = request(
            &format!("r-{i}"),
            &agreement,
            &sally.0,
            &bob_key,
            eur(1234),
            doc.as_bytes(),
        );
        let order = r.order.clone();
        let answer = notary.request_guarantee(r, &sally.0).await.expect("answer");
        assert!(answer.granted(), "{}", answer.body);
        guarantees.push((granted(&answer.body), order));
    }
    let gid = guarantees[0].0.payload["guarantee_id"].clone();
    let claim = json!({
        "kind": "non_payment", "claimant": sally.0, "respondent": bob, "guarantee_id": gid,
        "amount": eur(1234), "statement": "bob never paid order 0.", "evidence": [],
        "notary_key_id": notary.identity().key_id, "created_at": "2026-03-01T09:00:00.000Z",
    });
    let filed = Envelope::sign("complaint", claim, &sally.1).expect("sign");
    let filed = notary.file_complaint(filed).await.expect("filed");
    let mut bundle = notary
        .case_bundle(&filed.complaint_id)
        .await
        .expect("bundle");
    let size: u64 = bundle
        .checkpoint
        .lines()
        .nth(1)
        .and_then(|l| l.parse().ok())
        .expect("size");
    for (g, order) in guarantees {
        let index = g.payload["log_index"].as_u64().expect("log_index");
        let proof = TlogProof {
            extra: Some(notary.entry(index).expect("entry")),
            index,
            hashes: notary.inclusion_proof(index, size).expect("proof"),
            checkpoint: bundle.checkpoint.clone(),
        };
        for item in [Item::notary(g, proof.to_text()), Item::party(order)] {
            let item = item.expect("item");
            if !bundle.items.iter().any(|i| i.id() == item.id()) {
                bundle.items.push(item);
            }
        }
    }
    Case {
        bytes: bundle.to_file_bytes().expect("bytes"),
        items: (bundle.items.len() + bundle.registry.len()) as u64,
        m1: Envelope::sign("order", json!({}), &bob_key).expect("sign"),
    }
}

/// Makes both cases on a temporary notary, which is closed before anything is timed.
fn cases() -> (Case, Case) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = DataDir::new(tmp.path().join("data"));
    rt.block_on(Notary::init(&dir, "bench")).expect("init");
    let (notary, thread) = Notary::open(&dir).expect("open");
    let case = rt.block_on(make_case(&notary));
    let large = rt.block_on(make_large_case(&notary));
    drop(notary);
    thread.join();
    (case, large)
}

fn replay(c: &mut Criterion) {
    let (case, large) = cases();
    let replayed = notar::replay::replay(&case.bytes).expect("replay");
    assert!(replayed.report.ok(), "every item of the bundle verifies");
    eprintln!(
        "bundle: {} bytes, {} items (items + registry entries), {} engine items",
        case.bytes.len(),
        case.items,
        replayed.items.len()
    );
    let mut g = c.benchmark_group("replay");
    g.sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    g.throughput(Throughput::Elements(case.items));
    g.bench_function("bundle_verify", |b| {
        b.iter(|| notar::replay::verify(black_box(&case.bytes)).map(|r| r.ok()))
    });
    g.bench_function("bundle_replay", |b| {
        b.iter(|| notar::replay::replay(black_box(&case.bytes)).map(|r| r.ruling))
    });
    g.bench_function("model_dispute_adjudicate", |b| {
        b.iter(|| {
            adjudicate(
                black_box(&replayed.claim),
                black_box(&replayed.items),
                &replayed.registry,
                &replayed.agreement,
                &replayed.policy,
            )
        })
    });
    g.throughput(Throughput::Elements(1));
    let msg = signing_input(&case.m1.kind, &case.m1.payload).expect("m1 signing input");
    let key = SigningKey::from_bytes(&[42; 32]);
    let (vk, sig) = (key.verifying_key(), key.sign(&msg));
    g.bench_function("ed25519_verify", |b| {
        b.iter(|| vk.verify(black_box(&msg), &sig).is_ok())
    });
    g.finish();
    replay_large(c, &large);
    summary(&case, &large);
}

/// The large case, and raw single and batch verification, in the same run.
fn replay_large(c: &mut Criterion, case: &Case) {
    let replayed = notar::replay::replay(&case.bytes).expect("replay");
    assert!(
        replayed.report.ok(),
        "every item of the large bundle verifies"
    );
    eprintln!(
        "large bundle: {} bytes, {} items, {} engine items",
        case.bytes.len(),
        case.items,
        replayed.items.len()
    );
    let mut g = c.benchmark_group("replay_large");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    g.throughput(Throughput::Elements(case.items));
    g.bench_function("bundle_replay", |b| {
        b.iter(|| notar::replay::replay(black_box(&case.bytes)).map(|r| r.ruling))
    });
    g.bench_function("bundle_verify", |b| {
        b.iter(|| notar::replay::verify(black_box(&case.bytes)).map(|r| r.ok()))
    });
    g.bench_function("model_dispute_adjudicate", |b| {
        b.iter(|| {
            adjudicate(
                black_box(&replayed.claim),
                black_box(&replayed.items),
                &replayed.registry,
                &replayed.agreement,
                &replayed.policy,
            )
        })
    });
    g.bench_function("bundle_parse", |b| {
        b.iter(|| serde_json::from_slice::<notar::replay::Bundle>(black_box(&case.bytes)).is_ok())
    });
    raw_verify(&mut g);
    g.finish();
}

/// `BATCH` order signing inputs and their signatures by `BATCH` keys (or one, `seed` 42).
fn signed_batch(distinct: bool) -> Vec<(SigningKey, Vec<u8>, ed25519_dalek::Signature)> {
    (0..BATCH)
        .map(|i| {
            let key = SigningKey::from_bytes(&[if distinct { i as u8 } else { 42 }; 32]);
            let msg = signing_input("order", &json!({"n": i, "seller_id": "s"})).expect("input");
            let sig = key.sign(&msg);
            (key, msg, sig)
        })
        .collect()
}

/// Raw single and batch verification on one core, dalek's and ZIP-215's.
fn raw_verify(g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>) {
    let one = signed_batch(false);
    let (key, msg, sig) = &one[0];
    let vk = key.verifying_key();
    let zk = ed25519_zebra::VerificationKey::try_from(vk.to_bytes()).expect("key");
    g.throughput(Throughput::Elements(1));
    g.bench_function("ed25519_verify", |b| {
        b.iter(|| vk.verify(black_box(msg), sig).is_ok())
    });
    g.bench_function("zip215_verify", |b| {
        b.iter(|| zk.verify(sig, black_box(msg)).is_ok())
    });
    g.throughput(Throughput::Elements(BATCH as u64));
    let refs: Vec<&[u8]> = one.iter().map(|(_, m, _)| m.as_slice()).collect();
    let sigs: Vec<_> = one.iter().map(|(_, _, s)| *s).collect();
    let keys: Vec<_> = one.iter().map(|(k, _, _)| k.verifying_key()).collect();
    g.bench_function("ed25519_verify_batch", |b| {
        b.iter(|| ed25519_dalek::verify_batch(black_box(&refs), &sigs, &keys).is_ok())
    });
    for (name, batch) in [
        ("zip215_verify_batch_one_key", one),
        ("zip215_verify_batch_distinct_keys", signed_batch(true)),
    ] {
        g.bench_function(name, |b| {
            b.iter(|| {
                let mut v = ed25519_zebra::batch::Verifier::new();
                for (k, m, s) in &batch {
                    let vk =
                        ed25519_zebra::VerificationKeyBytes::from(k.verifying_key().to_bytes());
                    v.queue((vk, *s, black_box(m.as_slice())));
                }
                v.verify(rand::thread_rng()).is_ok()
            })
        });
    }
}

/// Samples in [`rate`] and rounds in [`paired`].
const SAMPLES: usize = 15;

/// Calls per second of `n` calls of `f`, one sample.
fn sample(n: u32, f: &mut impl FnMut()) -> f64 {
    let t = Instant::now();
    for _ in 0..n {
        f();
    }
    f64::from(n) / t.elapsed().as_secs_f64()
}

/// The median of `xs`.
fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

/// Calls per second of `f`: the median of [`SAMPLES`] samples of `n` calls.
fn rate(n: u32, mut f: impl FnMut()) -> f64 {
    median((0..SAMPLES).map(|_| sample(n, &mut f)).collect())
}

/// The rate of `a` over the rate of `b`, round by round: each of [`SAMPLES`] rounds times `na`
/// calls of `a` right after `nb` calls of `b`, so that a slow or fast spell of the VM (this one
/// swings ±30 % over seconds) falls on both sides of a ratio alike. The median ratio and the
/// lowest and highest.
fn paired(na: u32, mut a: impl FnMut(), nb: u32, mut b: impl FnMut()) -> (f64, f64, f64) {
    let ratios: Vec<f64> = (0..SAMPLES)
        .map(|_| {
            let rb = sample(nb, &mut b);
            sample(na, &mut a) / rb
        })
        .collect();
    let lowest = ratios.iter().copied().fold(f64::INFINITY, f64::min);
    let highest = ratios.iter().copied().fold(0.0, f64::max);
    (median(ratios), lowest, highest)
}

/// The goal's figures, measured one after the other in this run (see the module doc).
fn summary(small: &Case, large: &Case) {
    let one = signed_batch(false);
    let (key, msg, sig) = &one[0];
    let vk = key.verifying_key();
    let zk = ed25519_zebra::VerificationKey::try_from(vk.to_bytes()).expect("key");
    let dalek = rate(2000, || assert!(vk.verify(black_box(msg), sig).is_ok()));
    let zebra = rate(2000, || assert!(zk.verify(sig, black_box(msg)).is_ok()));
    let replay = |c: &Case, n| {
        rate(n, || {
            assert!(notar::replay::replay(black_box(&c.bytes)).is_ok());
        }) * c.items as f64
    };
    let (d7, big) = (replay(small, 200), replay(large, 5));
    eprintln!(
        "replay summary: single verify on one core {:.1} k/s (dalek), {:.1} k/s (ZIP-215); \
         replay D7 {:.1} k items/s ({:.2}x), large {:.1} k items/s ({:.2}x) of dalek's single rate",
        dalek / 1e3,
        zebra / 1e3,
        d7 / 1e3,
        d7 / dalek,
        big / 1e3,
        big / dalek
    );
    // The large bundle's replays counted in items, each round right after the single verifies.
    let (replays, verifies) = (5, 500);
    let (ratio, lowest, highest) = paired(
        replays,
        || assert!(notar::replay::replay(black_box(&large.bytes)).is_ok()),
        verifies,
        || assert!(vk.verify(black_box(msg), sig).is_ok()),
    );
    let items = large.items as f64;
    eprintln!(
        "replay paired: large {:.2}x of dalek's single rate, the median of {SAMPLES} rounds each \
         timing {verifies} single verifies then {replays} replays (rounds {:.2}x to {:.2}x)",
        ratio * items,
        lowest * items,
        highest * items
    );
}

criterion_group!(benches, replay);
criterion_main!(benches);
