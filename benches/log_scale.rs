//! The Merkle log at scale, in RocksDB as the notary keeps it (issue 12: "a benchmark at 10^8
//! leaves, run once and recorded; not in CI"). Appends LEAVES leaves of about 100 bytes to a new
//! store in synced batches of BATCH (leaf bytes in `log_leaves`, the stored hashes in
//! `log_hashes`, one batch write per round, as the sequencer does, without the signatures), and
//! at each power of ten measures, reading hashes from RocksDB: inclusion and consistency proofs
//! (made and verified, 1,000 random ones), the tree hash, and the append rate since the last
//! power of ten. It prints progress every 1 % and the process's peak RSS at the end.
//!
//! Run (about 20 GB of disk at 10^8; DIR must not exist):
//! `cargo bench --bench log_scale -- 100000000 /some/disk/log-scale [BATCH]`

use std::path::PathBuf;
use std::time::{Duration, Instant};

use notar::log::merkle::{
    leaf_hash, prove_consistency, prove_inclusion, tree_hash, verify_consistency, verify_inclusion,
    PendingHashes,
};
use notar::notary::hashes::StoreHashes;
use notar::store::{u64_key, Batch, Cf, Store};

/// Random proofs measured at each power of ten.
const PROOFS: u64 = 1000;

fn main() {
    // `cargo bench` passes `--bench` (and `cargo test` may pass libtest flags); the rest are ours.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    if args.is_empty() {
        // A plain `cargo bench` runs every bench: this one only when asked, it takes long.
        println!("log_scale: skipped (run: cargo bench --bench log_scale -- LEAVES DIR [BATCH])");
        return;
    }
    let (Some(leaves), Some(dir)) = (
        args.first().and_then(|a| a.parse::<u64>().ok()),
        args.get(1).map(PathBuf::from),
    ) else {
        eprintln!("usage: cargo bench --bench log_scale -- LEAVES DIR [BATCH]");
        std::process::exit(2);
    };
    let batch_size: u64 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(1024);
    if dir.exists() {
        eprintln!("{} exists: give a new directory", dir.display());
        std::process::exit(2);
    }
    let store = Store::create(&dir).unwrap_or_else(|e| panic!("create {}: {e}", dir.display()));
    println!(
        "log_scale: {leaves} leaves in synced batches of {batch_size}, {}",
        dir.display()
    );
    let started = Instant::now();
    let (mut size, mut next_power, mut since) = (0u64, 1_000_000u64, (0u64, Instant::now()));
    let mut next_progress = leaves / 100;
    while size < leaves {
        let n = batch_size.min(leaves - size);
        append(&store, size, n);
        size += n;
        if size >= next_progress {
            let secs = started.elapsed().as_secs_f64();
            println!(
                "  {size} leaves ({:.0} %), {secs:.0} s, {:.0} leaves/s overall",
                100.0 * size as f64 / leaves as f64,
                size as f64 / secs
            );
            next_progress += leaves / 100;
        }
        if size >= next_power || size == leaves {
            let rate = (size - since.0) as f64 / since.1.elapsed().as_secs_f64();
            measure(&store, size, rate);
            while next_power <= size {
                next_power *= 10;
            }
            since = (size, Instant::now());
        }
    }
    println!(
        "done: {size} leaves in {:.0} s; peak RSS {} KB; db {:.1} GB",
        started.elapsed().as_secs_f64(),
        peak_rss_kb(),
        dir_bytes(&dir) as f64 / 1e9
    );
}

/// Appends leaves `from..from + n` in one synced write.
fn append(store: &Store, from: u64, n: u64) {
    let base = StoreHashes(store);
    let mut tree = PendingHashes::new(&base, from);
    let mut batch = Batch::new();
    for i in from..from + n {
        let leaf = format!(
            r#"{{"body":{{"digest":"{:064x}","index":{i}}},"kind":"bench","logged_at":"2026-12-01T00:00:00.000Z"}}"#,
            i.wrapping_mul(0x9e37_79b9_7f4a_7c15)
        );
        let index = tree.append(leaf_hash(leaf.as_bytes())).expect("append");
        store.put(&mut batch, Cf::LogLeaves, &u64_key(index), leaf.as_bytes());
    }
    for (i, h) in (tree.start_index()..).zip(tree.pending()) {
        store.put(&mut batch, Cf::LogHashes, &u64_key(i), h);
    }
    store.write(batch).expect("write");
}

/// Proofs at `size`, read from the store, and the append rate that led here.
fn measure(store: &Store, size: u64, rate: f64) {
    let r = StoreHashes(store);
    let t = Instant::now();
    let root = tree_hash(size, &r).expect("tree hash");
    let tree_time = t.elapsed();
    let mut x = size ^ 0x5bd1_e995;
    let mut next = move || {
        // xorshift: spread indexes over the whole tree, the same each run.
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let (mut prove, mut verify) = (Duration::ZERO, Duration::ZERO);
    let (mut cprove, mut cverify) = (Duration::ZERO, Duration::ZERO);
    for _ in 0..PROOFS {
        let index = next() % size;
        let leaf = store
            .get(Cf::LogLeaves, &u64_key(index))
            .expect("get")
            .expect("leaf");
        let t = Instant::now();
        let proof = prove_inclusion(index, size, &r).expect("prove");
        prove += t.elapsed();
        let t = Instant::now();
        verify_inclusion(&leaf_hash(&leaf), index, size, &proof, &root).expect("verifies");
        verify += t.elapsed();
        let old = 1 + next() % size;
        let old_root = tree_hash(old, &r).expect("old root");
        let t = Instant::now();
        let proof = prove_consistency(old, size, &r).expect("prove consistency");
        cprove += t.elapsed();
        let t = Instant::now();
        verify_consistency(old, size, &proof, &old_root, &root).expect("consistent");
        cverify += t.elapsed();
    }
    let us = |d: Duration| d.as_secs_f64() * 1e6 / PROOFS as f64;
    println!(
        "at {size} leaves: appends {rate:.0} leaves/s since the last mark; tree hash {:.1} us; \
         inclusion proof {:.1} us (verify {:.1} us); consistency proof {:.1} us (verify {:.1} us)",
        tree_time.as_secs_f64() * 1e6,
        us(prove),
        us(verify),
        us(cprove),
        us(cverify)
    );
}

fn peak_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn dir_bytes(p: &std::path::Path) -> u64 {
    std::fs::read_dir(p)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.metadata().map(|m| m.len()).unwrap_or(0))
                .sum()
        })
        .unwrap_or(0)
}
