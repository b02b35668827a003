//! Fair-exchange resolves per second through the notary, in-process and durable (each batch is
//! synced), next to the raw crypto a resolve needs, measured in the same run:
//! - contract signing: verify m1 and m2, sign the replacement contract (2 verify + 1 sign);
//! - item for receipt: verify m1, the escrow statement and the receipt, open the HPKE escrow,
//!   sign the delivery affidavit (3 verify + 1 HPKE open + 1 sign).
//!
//! Run: `cargo bench --bench exchanges`. Every resolve decides a new exchange (m1 and m2 signed
//! before the timed part), in rounds of N concurrent tokio tasks (N = 1, 64, 256).

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ed25519_dalek::{Signer as _, SigningKey, Verifier};
use notar::crypto::envelope::Envelope;
use notar::crypto::escrow::{seal, EscrowPublicKey, EscrowSecretKey};
use notar::model::exchange::{ResolveBody, Sha256Hex, Subject};
use notar::model::registry::Role;
use notar::notary::datadir::DataDir;
use notar::notary::fixture::exchange::{acceptance, item_exchange, offer, Signer};
use notar::notary::fixture::in_rounds;
use notar::notary::{ExchangeAnswer, KeyInput, Notary, NotaryError, SequencerThread};

/// A typical m1 signing input: what the notary verifies per resolve (m2's is shorter).
const M1_MSG: &[u8] = br#"notar/v1/exchange_offer
{"contract_digest":"5f2b8e6a0c4d9e1f3a7b2c8d4e6f0a1b3c5d7e9f1a2b4c6d8e0f2a4b6c8d0e2f","na_digest":"1a2b4c6d8e0f2a4b6c8d0e2f5f2b8e6a0c4d9e1f3a7b2c8d4e6f0a1b3c5d7e9f","notary_key_id":"c5d7e9f1a2b4c6d8e0f2a4b6c8d0e2f5f2b8e6a0c4d9e1f3a7b2c8d4e6f0a1b3","originator":"0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b","protocol":"contract","responder":"0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c"}"#;

struct World {
    _tmp: tempfile::TempDir,
    notary: Notary,
    thread: SequencerThread,
    o: (String, SigningKey),
    r: (String, SigningKey),
    key_id: String,
    escrow: EscrowPublicKey,
    next: u64,
}

async fn party(notary: &Notary, name: &str, seed: u8) -> (String, SigningKey) {
    let key = SigningKey::from_bytes(&[seed; 32]);
    let raw = KeyInput::Raw(key.verifying_key().to_bytes());
    let (p, _) = notary
        .register_party_with_key(name, Role::Seller, Some(raw), None)
        .await
        .expect("party");
    (p.party.id, key)
}

impl World {
    async fn new() -> World {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = DataDir::new(tmp.path().join("data"));
        Notary::init(&dir, "bench").await.expect("init");
        let (notary, thread) = Notary::open(&dir).expect("open");
        let o = party(&notary, "Bench Originator", 1).await;
        let r = party(&notary, "Bench Responder", 2).await;
        let id = notary.identity();
        let escrow = EscrowPublicKey::from_base64(&id.escrow_public_key).expect("escrow key");
        World {
            key_id: id.key_id.clone(),
            _tmp: tmp,
            notary,
            thread,
            o,
            r,
            escrow,
            next: 0,
        }
    }

    fn signers(&self) -> (Signer<'_>, Signer<'_>) {
        (
            Signer {
                id: &self.o.0,
                key: &self.o.1,
            },
            Signer {
                id: &self.r.0,
                key: &self.r.1,
            },
        )
    }

    /// `n` fresh contract resolves (untimed).
    fn contracts(&mut self, n: usize) -> Vec<ResolveBody<Envelope>> {
        let first = self.next;
        self.next += n as u64;
        let (o, r) = self.signers();
        (first..first + n as u64)
            .map(|i| {
                let subject = Subject::Contract {
                    contract_digest: Sha256Hex::of(format!("contract {i}").as_bytes()),
                };
                let na = format!("na {i}");
                let (m1, off) =
                    offer(&o, r.id, &self.key_id, subject, na.as_bytes(), None).expect("m1");
                let m2 = acceptance(&r, &off, format!("nb {i}").as_bytes());
                ResolveBody::Contract { m1, m2 }
            })
            .collect()
    }

    /// `n` fresh item-for-receipt resolves (untimed).
    fn items(&mut self, n: usize) -> Vec<ResolveBody<Envelope>> {
        let (o, r) = self.signers();
        (0..n)
            .map(|i| {
                let key: [u8; 32] = SigningKey::generate(&mut rand::rngs::OsRng).to_bytes();
                let item = format!("item {i}");
                item_exchange(&o, &r, &self.key_id, &self.escrow, item.as_bytes(), key)
                    .expect("item")
                    .resolve
            })
            .collect()
    }
}

/// Resolves `bodies` in rounds of `round` concurrent requests; returns the time taken.
async fn drive(notary: &Notary, bodies: Vec<ResolveBody<Envelope>>, round: usize) -> Duration {
    let work = |b| {
        let n = notary.clone();
        async move { n.resolve_exchange(b).await }
    };
    let check = |answer: Result<ExchangeAnswer, NotaryError>| {
        let a = answer.expect("answer");
        assert!(a.body.contains("\"status\":\"resolved\""), "{}", a.body);
    };
    in_rounds(bodies, round, work, check).await.expect("task")
}

fn raw_crypto(c: &mut Criterion) {
    let mut g = c.benchmark_group("exchanges_raw");
    g.throughput(Throughput::Elements(1));
    let key = SigningKey::from_bytes(&[42; 32]);
    let vk = key.verifying_key();
    let sig = key.sign(M1_MSG);
    g.bench_function("contract_2_verify_plus_sign", |b| {
        b.iter(|| {
            let ok = vk.verify(black_box(M1_MSG), &sig).is_ok()
                && vk.verify(black_box(M1_MSG), &sig).is_ok();
            (ok, key.sign(black_box(M1_MSG)))
        })
    });
    let escrow_key = EscrowSecretKey::generate();
    let escrow = seal(&escrow_key.public_key(), M1_MSG, &[7; 32]).expect("seal");
    g.bench_function("item_3_verify_open_plus_sign", |b| {
        b.iter(|| {
            let ok = (0..3).all(|_| vk.verify(black_box(M1_MSG), &sig).is_ok());
            let k = escrow_key.open(M1_MSG, black_box(&escrow)).expect("open");
            (ok, k.len(), key.sign(black_box(M1_MSG)))
        })
    });
    g.finish();
}

fn exchanges(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let mut world = rt.block_on(World::new());
    let mut g = c.benchmark_group("exchanges");
    g.throughput(Throughput::Elements(1))
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(8));
    for round in [1usize, 64, 256] {
        g.bench_function(format!("contract_resolve_durable_round_{round}"), |b| {
            b.iter_custom(|iters| {
                let bodies = world.contracts(iters as usize);
                rt.block_on(drive(&world.notary, bodies, round))
            })
        });
    }
    g.bench_function("item_resolve_durable_round_64", |b| {
        b.iter_custom(|iters| {
            let bodies = world.items(iters as usize);
            rt.block_on(drive(&world.notary, bodies, 64))
        })
    });
    g.finish();
    drop(rt);
    let World { notary, thread, .. } = world;
    drop(notary);
    thread.join();
}

criterion_group!(benches, raw_crypto, exchanges);
criterion_main!(benches);
