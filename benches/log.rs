//! Merkle log costs at 10^6 leaves: appending a leaf (what the sequencer pays per signature),
//! proving (what a proof request costs the server) and verifying (what a client pays).
//! The tree is built once, outside the timed loops. Run: `cargo bench --bench log`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::measurement::WallTime;
use criterion::{
    criterion_group, criterion_main, BatchSize, BenchmarkGroup, Criterion, Throughput,
};
use notar::log::merkle::{
    leaf_hash, prove_consistency, prove_inclusion, tree_hash, verify_consistency, verify_inclusion,
    MemoryHashStore, PendingHashes,
};

const SIZE: u64 = 1_000_000;

fn build_store() -> MemoryHashStore {
    let started = Instant::now();
    let mut store = MemoryHashStore::new();
    for i in 0..SIZE {
        store
            .append(format!("entry {i}").as_bytes())
            .expect("appending to a memory store cannot fail below MAX_TREE_SIZE");
    }
    eprintln!(
        "built a {SIZE}-leaf MemoryHashStore ({} hashes) in {:?}",
        store.hashes().len(),
        started.elapsed()
    );
    store
}

fn log_benches(c: &mut Criterion) {
    let store = build_store();
    let mut g = c.benchmark_group("log_1e6");
    g.sample_size(20)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(2));
    append_and_prove(&mut g, &store);
    verify(&mut g, &store);
    g.finish();

    // A sequencer batch of 256 leaves through the overlay, then the new root: per leaf.
    let mut g = c.benchmark_group("log_1e6_batch");
    g.sample_size(20)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(2))
        .throughput(Throughput::Elements(256));
    g.bench_function("append_batch_256_and_root", |b| {
        b.iter_batched(
            || PendingHashes::new(&store, SIZE),
            |mut tree| {
                for i in 0..256u32 {
                    tree.append(leaf_hash(&i.to_be_bytes())).expect("append");
                }
                tree_hash(tree.size(), &tree).expect("root")
            },
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

/// What the server pays: appending a leaf, the root, and proofs.
fn append_and_prove(g: &mut BenchmarkGroup<'_, WallTime>, store: &MemoryHashStore) {
    // Leaf 10^6 completes no subtree (its index ends in a 0 bit): one leaf hash, no reads.
    g.bench_function("append_leaf_1000000", |b| {
        b.iter(|| {
            let mut tree = PendingHashes::new(store, SIZE);
            tree.append(leaf_hash(black_box(b"a new signature")))
                .expect("append")
        })
    });
    // Leaf 999999 = 0b...0111111 completes six subtrees: six reads and seven hashes.
    g.bench_function("append_leaf_999999", |b| {
        b.iter(|| {
            let mut tree = PendingHashes::new(store, SIZE - 1);
            tree.append(leaf_hash(black_box(b"a new signature")))
                .expect("append")
        })
    });

    g.bench_function("tree_hash", |b| {
        b.iter(|| tree_hash(black_box(SIZE), store).expect("root"))
    });

    let mut index = 0u64;
    g.bench_function("prove_inclusion", |b| {
        b.iter(|| {
            index = (index + 7919) % SIZE;
            prove_inclusion(black_box(index), SIZE, store).expect("proof")
        })
    });
    g.bench_function("prove_consistency_half", |b| {
        b.iter(|| prove_consistency(black_box(SIZE / 2), SIZE, store).expect("proof"))
    });
}

/// What a client pays: checking an inclusion and a consistency proof.
fn verify(g: &mut BenchmarkGroup<'_, WallTime>, store: &MemoryHashStore) {
    let root = tree_hash(SIZE, store).expect("root");
    let half = SIZE / 2;
    let half_root = tree_hash(half, store).expect("half root");
    let leaf_index = 123_456;
    let leaf = leaf_hash(format!("entry {leaf_index}").as_bytes());
    let inclusion = prove_inclusion(leaf_index, SIZE, store).expect("proof");
    g.bench_function("verify_inclusion", |b| {
        b.iter(|| {
            verify_inclusion(black_box(&leaf), leaf_index, SIZE, &inclusion, &root)
                .expect("valid proof")
        })
    });
    let consistency = prove_consistency(half, SIZE, store).expect("proof");
    g.bench_function("verify_consistency_half", |b| {
        b.iter(|| {
            verify_consistency(half, SIZE, black_box(&consistency), &half_root, &root)
                .expect("valid proof")
        })
    });
}

criterion_group!(benches, log_benches);
criterion_main!(benches);
