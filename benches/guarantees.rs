//! Guarantees per second through the notary, in-process and durable (each batch is synced), next
//! to what the path costs in raw Ed25519 (one order verification + one guarantee signature) and
//! in the pure ledger rule (`model::ledger::decide`), measured in the same run.
//! Run: `cargo bench --bench guarantees`.
//!
//! The notary runs on a temporary data dir; requests go in rounds of N concurrent tokio tasks
//! (N = 1, 64, 256: the sequencer commits up to 256 commands per synced batch). Orders are
//! signed before the timed part.

use std::hint::black_box;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion, Throughput};
use ed25519_dalek::{Signer, SigningKey, Verifier};
use notar::model::ledger::{decide, RequestFacts};
use notar::model::money::{Currency, MINOR_MAX};
use notar::model::policy::PolicyRef;
use notar::model::registry::{Agreement, AgreementStatus, KeyStanding, Role};
use notar::model::unique_keys::check_unique_keys;
use notar::notary::datadir::DataDir;
use notar::notary::fixture::{buyer_with_agreement, eur, in_rounds, request};
use notar::notary::{GuaranteeAnswer, GuaranteeRequest, Notary, NotaryError, SequencerThread};

/// Buyers (agreements) the requests are spread over.
const BUYERS: usize = 16;

/// A typical order's signing input: what the notary verifies once per request.
const ORDER_MSG: &[u8] = br#"notar/v1/order
{"amount":{"currency":"EUR","minor":1234},"order_digest":"5f2b8e6a0c4d9e1f3a7b2c8d4e6f0a1b3c5d7e9f1a2b4c6d8e0f2a4b6c8d0e2f","seller_id":"0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"}"#;

struct World {
    _tmp: tempfile::TempDir,
    notary: Notary,
    thread: SequencerThread,
    seller_id: String,
    agreements: Vec<(String, SigningKey)>,
    next: usize,
}

impl World {
    async fn new() -> World {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = DataDir::new(tmp.path().join("data"));
        Notary::init(&dir, "bench").await.expect("init");
        let (notary, thread) = Notary::open(&dir).expect("open");
        let seller = notary
            .register_party("Bench Seller", Role::Seller, None)
            .await
            .expect("seller");
        let mut agreements = Vec::new();
        for i in 0..BUYERS {
            let key = SigningKey::from_bytes(&[i as u8 + 1; 32]);
            let (_, agreement_id) = buyer_with_agreement(
                &notary,
                &format!("Bench Buyer {i}"),
                &key,
                "semper-business",
                Some((MINOR_MAX, 1_000_000)),
            )
            .await
            .expect("buyer");
            agreements.push((agreement_id, key));
        }
        World {
            _tmp: tmp,
            notary,
            thread,
            seller_id: seller.party.id,
            agreements,
            next: 0,
        }
    }

    /// `n` fresh signed requests (untimed).
    fn requests(&mut self, n: usize) -> Vec<GuaranteeRequest> {
        (0..n)
            .map(|_| {
                let i = self.next;
                self.next += 1;
                let (ag, key) = &self.agreements[i % self.agreements.len()];
                request(
                    &format!("b-{i}"),
                    ag,
                    &self.seller_id,
                    key,
                    eur(1234),
                    format!("bench order {i}").as_bytes(),
                )
            })
            .collect()
    }
}

/// Sends `reqs` in rounds of `round` concurrent requests; returns the time taken.
async fn drive(
    notary: &Notary,
    seller: &str,
    reqs: Vec<GuaranteeRequest>,
    round: usize,
) -> Duration {
    let work = |r| {
        let (n, s) = (notary.clone(), seller.to_string());
        async move { n.request_guarantee(r, &s).await }
    };
    let check = |answer: Result<GuaranteeAnswer, NotaryError>| {
        assert!(
            answer.expect("answer").granted(),
            "bench requests are granted"
        );
    };
    in_rounds(reqs, round, work, check).await.expect("task")
}

fn guarantees(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let mut world = rt.block_on(World::new());

    let mut g = c.benchmark_group("guarantees");
    g.throughput(Throughput::Elements(1))
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(8));

    for round in [1usize, 64, 256] {
        g.bench_function(format!("notary_durable_round_{round}"), |b| {
            b.iter_custom(|iters| {
                let reqs = world.requests(iters as usize);
                let seller = world.seller_id.clone();
                rt.block_on(drive(&world.notary, &seller, reqs, round))
            })
        });
    }
    raw_ed25519(&mut g);
    model_ledger_decide(&mut g);
    let body = serde_json::to_vec(&world.requests(1)[0]).expect("json");
    request_body(&mut g, &body);
    g.finish();
    // Let the sequencer finish before the data dir goes.
    let World {
        _tmp,
        notary,
        thread,
        ..
    } = world;
    drop(notary);
    thread.join();
}

/// One order verification and one guarantee signature, apart and together.
fn raw_ed25519(g: &mut BenchmarkGroup<'_, WallTime>) {
    let key = SigningKey::from_bytes(&[42; 32]);
    let vk = key.verifying_key();
    let sig = key.sign(ORDER_MSG);
    g.bench_function("ed25519_sign", |b| {
        b.iter(|| key.sign(black_box(ORDER_MSG)))
    });
    g.bench_function("ed25519_verify", |b| {
        b.iter(|| vk.verify(black_box(ORDER_MSG), &sig).is_ok())
    });
    g.bench_function("ed25519_verify_plus_sign", |b| {
        b.iter(|| {
            let ok = vk.verify(black_box(ORDER_MSG), &sig).is_ok();
            (ok, key.sign(black_box(ORDER_MSG)))
        })
    });
}

/// The pure ledger rule on an active agreement with room for the request.
fn model_ledger_decide(g: &mut BenchmarkGroup<'_, WallTime>) {
    let t0 = Utc
        .with_ymd_and_hms(2026, 3, 1, 10, 0, 0)
        .single()
        .expect("t0");
    let ag = Agreement {
        id: "0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b".into(),
        buyer_id: "0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c".into(),
        policy: PolicyRef {
            id: "semper-consumer".into(),
            version: 1,
            digest: "00".into(),
        },
        currency: Currency::parse("EUR").expect("EUR"),
        total_cap_minor: 100_000,
        per_tx_cap_minor: 50_000,
        valid_from: t0 - chrono::Duration::days(30),
        valid_until: t0 + chrono::Duration::days(365),
        keys: vec!["k1".into(), "k2".into()],
        status: AgreementStatus::Active,
        created_at: t0 - chrono::Duration::days(30),
        log_index: 1,
    };
    g.bench_function("model_ledger_decide", |b| {
        b.iter(|| {
            let f = RequestFacts {
                agreement: &ag,
                now: t0,
                signed_by: Some("k2"),
                key_standing: KeyStanding::Good,
                amount: eur(black_box(1234)),
                order_amount: eur(1234),
                exposure_minor: black_box(40_000),
                duplicate: false,
            };
            decide(black_box(&f))
        })
    });
}

/// Reading a guarantee request's body over HTTP: the parse, and the second walk that refuses a
/// member name repeated in one object (`model::unique_keys`).
fn request_body(g: &mut BenchmarkGroup<'_, WallTime>, body: &[u8]) {
    g.bench_function("body_parse_json", |b| {
        b.iter(|| serde_json::from_slice::<serde_json::Value>(black_box(body)).is_ok())
    });
    g.bench_function("body_unique_keys", |b| {
        b.iter(|| check_unique_keys(black_box(body)).is_ok())
    });
}

criterion_group!(benches, guarantees);
criterion_main!(benches);
