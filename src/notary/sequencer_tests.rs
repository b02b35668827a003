//! The sequencer's own checks: the staged index is the appended index, and a failed check while
//! staging stops the notary instead of answering.

use std::sync::Mutex;

use serde_json::json;

use super::*;

const ORIGIN: &str = "test.notar/log";

fn core(dir: &tempfile::TempDir) -> (Core, Arc<Store>) {
    core_named(dir, ORIGIN)
}

/// A core whose checkpoints are signed under `key_name`.
fn core_named(dir: &tempfile::TempDir, key_name: &str) -> (Core, Arc<Store>) {
    let store = Arc::new(Store::create(&dir.path().join("db")).expect("create store"));
    let core = Core::load(
        store.clone(),
        SigningKey::from_bytes(&[7; 32]),
        key_name.into(),
        ORIGIN.into(),
        Arc::new(Utc::now),
    )
    .expect("load core");
    (core, store)
}

/// A job that logs one entry at `ctx.index + shift` (a command promising the wrong index when
/// `shift` is not 0) and records whether its batch committed.
fn job(shift: u64, outcome: Arc<Mutex<Vec<bool>>>) -> Job {
    Box::new(move |ctx| {
        let mut entry = ctx
            .entry(EntryKind::Policy, None, json!({"n": ctx.index}))
            .expect("entry");
        entry.index += shift;
        Some(Staged {
            entry: Some(entry),
            records: Vec::new(),
            deferred: None,
            finish: Box::new(move |r| outcome.lock().expect("outcome").push(r.is_ok())),
        })
    })
}

#[test]
fn entries_land_at_their_staged_index() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut core, store) = core(&dir);
    let outcome = Arc::new(Mutex::new(Vec::new()));
    core.run_batch(vec![job(0, outcome.clone()), job(0, outcome.clone())]);
    assert_eq!(*outcome.lock().expect("outcome"), vec![true, true]);
    assert_eq!(core.published().log_size(), 2);
    assert!(!core.published().failed());
    assert!(store
        .get(Cf::LogLeaves, &u64_key(1))
        .expect("get")
        .is_some());
}

#[test]
fn an_entry_appended_elsewhere_than_staged_stops_the_notary_before_writing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut core, store) = core(&dir);
    let outcome = Arc::new(Mutex::new(Vec::new()));
    core.run_batch(vec![job(0, outcome.clone())]);
    // The second job of this batch promises index 2 but the tree appends it at 1.
    core.run_batch(vec![job(0, outcome.clone()), job(1, outcome.clone())]);
    assert_eq!(*outcome.lock().expect("outcome"), vec![true, false, false]);
    let published = core.published();
    assert!(published.failed(), "a mismatch is fail-stop");
    assert_eq!(published.log_size(), 1);
    for index in [1, 2] {
        let leaf = store.get(Cf::LogLeaves, &u64_key(index)).expect("get");
        assert!(leaf.is_none(), "nothing of the failed batch is written");
    }
    assert_eq!(
        store.get(Cf::Meta, LOG_SIZE_KEY).expect("get"),
        Some(1u64.to_be_bytes().to_vec())
    );
}

#[test]
fn a_check_failing_while_staging_stops_the_notary_without_answering() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (core, store) = core(&dir);
    let published = core.published();
    let (tx, rx) = mpsc::channel::<Job>(8);
    let (thread, _ended) = spawn(core, rx).expect("spawn");
    let outcome = Arc::new(Mutex::new(Vec::new()));
    let failing: Job = Box::new(|_| panic!("exposure outside 0..=cap (broken on purpose)"));
    tx.blocking_send(failing).expect("send");
    tx.blocking_send(job(0, outcome.clone())).expect("send");
    drop(tx);
    thread
        .join()
        .expect("the sequencer thread survives the panic");
    assert!(published.failed(), "a failed check is fail-stop");
    assert!(
        outcome.lock().expect("outcome").is_empty(),
        "nobody answered"
    );
    assert_eq!(published.log_size(), 0);
    assert!(store
        .get(Cf::LogLeaves, &u64_key(0))
        .expect("get")
        .is_none());
}

#[test]
fn a_checkpoint_that_cannot_be_signed_fails_the_batch_instead_of_writing_an_empty_note() {
    // A key name with a space cannot sign a note: `sign_checkpoint` would give "". Signed on
    // the sequencer (a small batch) or on the pool (a larger one), the batch fails the same.
    for n in [1, CHECKPOINT_ON_POOL_MIN + 1] {
        let dir = tempfile::tempdir().expect("tempdir");
        let (mut core, store) = core_named(&dir, "bad name");
        let outcome = Arc::new(Mutex::new(Vec::new()));
        core.run_batch((0..n).map(|_| job(0, outcome.clone())).collect());
        assert_eq!(*outcome.lock().expect("outcome"), vec![false; n]);
        let published = core.published();
        assert!(published.failed(), "an unsignable checkpoint is fail-stop");
        let reason = published.failed_reason().expect("a reason");
        assert!(reason.contains("commit failed"), "{reason}");
        assert!(store.last(Cf::Checkpoints, 1).expect("scan").is_empty());
        assert!(store
            .get(Cf::LogLeaves, &u64_key(0))
            .expect("get")
            .is_none());
    }
}

#[test]
fn every_batch_writes_a_checkpoint_of_its_tree_signed_by_the_notary() {
    // Batch sizes on both sides of the pool's threshold: signed on the sequencer or the pool.
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut core, store) = core(&dir);
    let outcome = Arc::new(Mutex::new(Vec::new()));
    let mut size = 0u64;
    for n in [1, CHECKPOINT_ON_POOL_MIN - 1, CHECKPOINT_ON_POOL_MIN, 9] {
        core.run_batch((0..n).map(|_| job(0, outcome.clone())).collect());
        size += n as u64;
        let (_, note) = store.last(Cf::Checkpoints, 1).expect("scan").remove(0);
        let note = String::from_utf8(note).expect("utf-8");
        let key = SigningKey::from_bytes(&[7; 32]).verifying_key();
        let cp = crate::log::checkpoint::open_checkpoint(&note, ORIGIN, &key).expect("opens");
        assert_eq!(cp.size, size);
        assert_eq!(
            cp.root,
            tree_hash(size, &StoreHashes(&store)).expect("root")
        );
        assert_eq!(core.published().log_size(), size);
    }
    assert!(outcome.lock().expect("outcome").iter().all(|ok| *ok));
}

#[test]
fn the_first_failure_is_the_reason_kept() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (core, _store) = core(&dir);
    let published = core.published();
    assert_eq!(published.failed_reason(), None);
    published.stop("first");
    published.stop("second");
    assert!(published.failed());
    assert_eq!(published.failed_reason().as_deref(), Some("first"));
}

/// Dropping the last `Notary` closes the store before the drop returns (the sequencer thread is
/// waited for), so the data dir opens again at once, even without joining the thread: a process
/// that drops its notary and exits never leaves RocksDB closing on another thread.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_the_last_notary_closes_the_store_before_it_returns() {
    let t0 = "2026-03-01T10:00:00Z".parse().expect("t0");
    let w =
        crate::notary::fixture::ClockedDataDir::init(tempfile::tempdir().expect("tmp"), "t", t0)
            .await
            .expect("init");
    for round in 0..20 {
        let (n, _detached) = w.open().expect("open");
        n.issue_nonce()
            .await
            .expect("a write through the sequencer");
        drop(n);
        assert!(
            w.open().is_ok(),
            "round {round}: the store is still held by the ended notary's thread"
        );
    }
}

#[test]
fn a_batch_has_room_for_every_leaf_and_record_it_writes() {
    let ctx = StageCtx {
        index: 40,
        now: Utc::now(),
    };
    let mut first = ctx
        .entry(EntryKind::Policy, None, json!({"text": "x".repeat(3000)}))
        .expect("entry");
    first.then.push(
        ctx.after(1)
            .entry(EntryKind::Policy, Some("ana".into()), json!({"n": 1}))
            .expect("entry"),
    );
    let staged = vec![Staged {
        entry: Some(first),
        records: vec![
            (Cf::Guarantees, vec![1; 36], vec![2; 2500]),
            (Cf::Meta, vec![3; 40], Vec::new()),
        ],
        deferred: None,
        finish: Box::new(|_| {}),
    }];
    let hashes = 7;
    let written: usize = staged
        .iter()
        .flat_map(|s| s.entry.iter().flat_map(StagedEntry::leaves))
        .map(|e| 8 + e.leaf.len())
        .chain(staged[0].records.iter().map(|(_, k, v)| k.len() + v.len()))
        .sum::<usize>()
        + hashes * 40;
    // The checkpoint note and the log size come on top: a note is a few hundred bytes.
    assert!(batch_for(&staged, hashes).bytes_capacity() >= written + 300);
}
