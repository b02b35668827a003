//! The sequencer: the one thread that changes state. It drains the command queue in batches,
//! stages each command (decide, sign, build the log entry with its index), appends every entry to
//! the Merkle log, signs a checkpoint, writes it all in one synced batch, and only then answers.
//! No answer carries a signature that is not durably in the log (docs/design.md §10, invariant 2).
//!
//! Each entry is staged at an index its signed payload already carries; the tree must append it
//! exactly there, and a check failed while staging (a panic) or committing stops the notary
//! (fail-stop): it signs nothing more until restarted, and the batch is not answered.

use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, RwLock};

use chrono::{DateTime, Utc};
use ed25519_dalek::SigningKey;
use tokio::sync::{mpsc, oneshot};

use super::hashes::StoreHashes;
use super::rate::{SignedCounts, SignedTotals};
use super::NotaryError;
use crate::log::checkpoint::{try_sign_checkpoint, Checkpoint};
use crate::log::merkle::{leaf_hash, tree_hash, Hash, PendingHashes};
use crate::model::canonical::canonical_value;
use crate::model::entry::{leaf_bytes, EntryKind};
use crate::model::time::rfc3339_ms;
use crate::store::{u64_key, Batch, Cf, Store};

/// Most commands committed in one batch: bounds a batch's memory and its latency.
pub const BATCH_SIZE_MAX: usize = 256;
/// Meta key holding the committed log size (u64 BE).
const LOG_SIZE_KEY: &[u8] = b"log_size";

/// Where time comes from; tests substitute a fixed clock.
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// A command's work once decided (and signed, or left to sign), waiting for the batch to be
/// durable.
pub(crate) struct Staged {
    /// The log entry and its index. `None` for a command that signs nothing but must still
    /// answer only after this batch is durable (a retry that found its first answer staged in
    /// the same batch), or that left its signing to `deferred`.
    pub entry: Option<StagedEntry>,
    /// Records to write beside the leaf.
    pub records: Records,
    /// Signing and serialising the command left to the worker pool.
    pub deferred: Option<Deferred>,
    /// Called once with the commit's outcome: answers the caller.
    pub finish: Finish,
}

/// The part of a decided command that needs no state: its signature and the serialising of
/// what it writes. The sequencer only orders (DESIGN §2): once every command of a batch is
/// decided under the state lock, the batch's deferred work runs on the worker pool in parallel,
/// and the batch is written when all of it is done. It must log exactly `count` leaves, from
/// the index the command was staged at. Memory already changed when it runs, so a failure
/// fails the batch and stops the notary (fail-stop): only work that cannot fail on a caller's
/// input may be deferred.
pub(crate) struct Deferred {
    /// Leaves it logs.
    pub count: u64,
    /// Signs and serialises: the entry (with `count - 1` entries in `then`) and its records.
    pub run: Box<dyn FnOnce() -> Result<(StagedEntry, Records), NotaryError> + Send>,
}

/// Records a command writes beside its log leaf: (column family, key, value).
pub(crate) type Records = Vec<(Cf, Vec<u8>, Vec<u8>)>;

/// Answers a staged command's caller once its batch is durable, or failed.
pub(crate) type Finish = Box<dyn FnOnce(Result<(), CommitFailed>) + Send>;

/// The batch could not be made durable; the notary stopped signing.
#[derive(Clone, Debug)]
pub struct CommitFailed(pub String);

/// A log entry with the index it was staged at: the `log_index` (or serial) its signed content
/// promises. The commit checks the tree appends it exactly there.
pub(crate) struct StagedEntry {
    /// Index promised when staging.
    pub index: u64,
    /// What the entry holds.
    pub kind: EntryKind,
    /// The leaf: the entry's canonical bytes ([`LogEntry::to_bytes`]), made once when staged.
    pub leaf: Vec<u8>,
    /// The leaf's Merkle hash, taken where the leaf is made (for deferred work, on the worker
    /// pool), so the sequencer only appends it.
    pub leaf_hash: Hash,
    /// Entries the same command logs right after this one, at the next indexes, in the same
    /// batch (a ruling and the exchange tokens its actions sign). Empty for most commands.
    pub then: Vec<StagedEntry>,
}

impl StagedEntry {
    /// How many leaves it appends.
    pub(super) fn count(&self) -> u64 {
        1 + self.then.len() as u64
    }

    /// Itself, then the entries that follow it.
    fn leaves(&self) -> impl Iterator<Item = &StagedEntry> {
        std::iter::once(self).chain(&self.then)
    }
}

/// What a command needs to stage itself.
#[derive(Clone, Copy)]
pub(crate) struct StageCtx {
    /// The log index its entry will get.
    pub index: u64,
    /// Now, never earlier than the previous command's time.
    pub now: DateTime<Utc>,
}

impl StageCtx {
    /// The entry this command logs, at `self.index`, logged now.
    pub fn entry(
        &self,
        kind: EntryKind,
        operator: Option<String>,
        body: serde_json::Value,
    ) -> Result<StagedEntry, NotaryError> {
        let body = canonical_value(&body).map_err(|e| NotaryError::Bug(e.to_string()))?;
        self.entry_of_bytes(kind, operator.as_deref(), &body)
    }

    /// [`StageCtx::entry`] of a body whose canonical bytes are made (a signed envelope's).
    pub fn entry_of_bytes(
        &self,
        kind: EntryKind,
        operator: Option<&str>,
        canonical_body: &[u8],
    ) -> Result<StagedEntry, NotaryError> {
        let leaf = leaf_bytes(kind, &rfc3339_ms(self.now), operator, canonical_body)
            .map_err(|e| NotaryError::Bug(e.to_string()))?;
        Ok(StagedEntry {
            index: self.index,
            kind,
            leaf_hash: leaf_hash(&leaf),
            leaf,
            then: Vec::new(),
        })
    }

    /// The context of the `k`-th entry after this command's own: the same time, `k` indexes on.
    pub fn after(&self, k: u64) -> StageCtx {
        StageCtx {
            index: self.index + k,
            now: self.now,
        }
    }
}

/// A unit of work sent to the sequencer. It decides and signs inside `stage` and returns what to
/// write, or answers its caller directly (with an error) and returns `None`.
pub(crate) type Job = Box<dyn FnOnce(&StageCtx) -> Option<Staged> + Send>;

/// The latest checkpoint, as published after a commit.
#[derive(Clone, Debug)]
pub struct PublishedCheckpoint {
    /// Tree size it covers.
    pub size: u64,
    /// The signed note.
    pub note: String,
    /// When it was signed (sequencer clock).
    pub signed_at: DateTime<Utc>,
}

/// What the sequencer publishes to readers after each commit.
#[derive(Default)]
pub struct Published {
    log_size: AtomicU64,
    checkpoint: RwLock<Option<Arc<PublishedCheckpoint>>>,
    /// Why the notary stopped signing (the first reason only); set once, never cleared.
    failed_reason: OnceLock<String>,
    signed: SignedCounts,
}

impl Published {
    /// Committed log size.
    pub fn log_size(&self) -> u64 {
        self.log_size.load(Ordering::Acquire)
    }
    /// Latest signed checkpoint note.
    pub fn checkpoint(&self) -> Option<Arc<PublishedCheckpoint>> {
        self.checkpoint.read().ok().and_then(|c| c.clone())
    }
    /// True once a write failed: the notary stops signing until restarted.
    pub fn failed(&self) -> bool {
        self.failed_reason.get().is_some()
    }
    /// Why the notary stopped signing, once it has: the first failure, for `/healthz` and the
    /// console.
    pub fn failed_reason(&self) -> Option<String> {
        self.failed_reason.get().cloned()
    }
    /// Fail-stop: after a failed write, a failed check or a panic, memory or disk may not be
    /// what the next batch assumes; only a restart, which rebuilds everything from disk and
    /// checks it, can continue safely. Until then every command is refused as `Unavailable`.
    /// The reason is the flag: whoever sees the notary stopped sees why.
    pub(crate) fn stop(&self, why: &str) {
        let _ = self.failed_reason.set(why.to_string());
        tracing::error!("notary stops signing: {why}");
    }
    /// What was signed since this process started, by kind (the dashboard's counts).
    pub fn signed_since_start(&self) -> SignedTotals {
        self.signed.totals()
    }
    /// Counts a statement signed inside another entry (a guarantee a ruling releases), once
    /// that entry is durable.
    pub(crate) fn count_signed(&self, kind: crate::model::entry::EntryKind) {
        self.signed.count(kind);
    }
    /// A standby or replica: serves the log up to `size`, a checkpoint the writer committed
    /// (never back: a smaller one is ignored).
    pub(crate) fn follow(&self, size: u64, note: String, signed_at: DateTime<Utc>) {
        if size > self.log_size() {
            self.publish(size, note, signed_at);
        }
    }
    fn publish(&self, size: u64, note: String, signed_at: DateTime<Utc>) {
        if let Ok(mut c) = self.checkpoint.write() {
            *c = Some(Arc::new(PublishedCheckpoint {
                size,
                note,
                signed_at,
            }));
        }
        self.log_size.store(size, Ordering::Release);
    }
}

/// The sequencer's state: the log frontier and what it needs to sign.
pub(crate) struct Core {
    store: Arc<Store>,
    /// The key checkpoints are signed with and its name in the note, shared with the signer
    /// thread that signs them.
    note_key: Arc<(SigningKey, String)>,
    origin: String,
    log_size: u64,
    last_time: DateTime<Utc>,
    clock: Clock,
    published: Arc<Published>,
    pool: super::sign_pool::SignPool,
}

impl Core {
    /// Loads the frontier from the store and checks it against the last checkpoint.
    pub fn load(
        store: Arc<Store>,
        notary_key: SigningKey,
        key_name: String,
        origin: String,
        clock: Clock,
    ) -> Result<Self, NotaryError> {
        let log_size = match store.get(Cf::Meta, LOG_SIZE_KEY)? {
            None => 0,
            Some(raw) => <[u8; 8]>::try_from(raw.as_slice())
                .map(u64::from_be_bytes)
                .map_err(|_| NotaryError::Corrupt("log size record".into()))?,
        };
        let published = Arc::new(Published::default());
        if log_size > 0 {
            let (_, note) = store
                .last(Cf::Checkpoints, 1)?
                .into_iter()
                .next()
                .ok_or_else(|| NotaryError::Corrupt("log has entries but no checkpoint".into()))?;
            let note =
                String::from_utf8(note).map_err(|_| NotaryError::Corrupt("checkpoint".into()))?;
            let cp = crate::log::checkpoint::open_checkpoint(
                &note,
                &key_name,
                &notary_key.verifying_key(),
            )?;
            // The pair of the write-side invariant: the stored tree is the one we last signed.
            let root = tree_hash(log_size, &StoreHashes(&store))?;
            if cp.size != log_size || cp.root != root || cp.origin != origin {
                return Err(NotaryError::Corrupt(format!(
                    "last checkpoint (size {}) does not match the stored log (size {log_size})",
                    cp.size
                )));
            }
            published.publish(log_size, note, clock());
        }
        Ok(Core {
            store,
            note_key: Arc::new((notary_key, key_name)),
            origin,
            log_size,
            last_time: DateTime::<Utc>::MIN_UTC,
            clock,
            published,
            pool: super::sign_pool::SignPool::new()?,
        })
    }

    /// Shared view for readers.
    pub fn published(&self) -> Arc<Published> {
        self.published.clone()
    }

    fn now(&mut self) -> DateTime<Utc> {
        let t = crate::model::time::truncate_ms((self.clock)());
        self.last_time = self.last_time.max(t);
        self.last_time
    }

    /// Stages and commits `jobs` as one batch.
    pub fn run_batch(&mut self, jobs: Vec<Job>) {
        // The batch's reads in one round trip each (PostgreSQL); a failure only loses the hint.
        if let Err(e) = self.store.prefetch() {
            tracing::warn!("prefetching the batch's reads: {e}");
        }
        let mut staged: Vec<Staged> = Vec::with_capacity(jobs.len());
        let mut entries = 0u64;
        let mut deferred = self.pool.dispatch();
        for job in jobs {
            let ctx = StageCtx {
                index: self.log_size + entries,
                now: self.now(),
            };
            if let Some(mut s) = job(&ctx) {
                let count = s.entry.as_ref().map_or(0, StagedEntry::count)
                    + s.deferred.as_ref().map_or(0, |d| d.count);
                if count > 0 {
                    super::faults::panic_if_staging_at(ctx.index);
                }
                entries += count;
                if let Some(work) = s.deferred.take() {
                    // Signed on the pool while the sequencer decides the rest of the batch.
                    deferred.start(staged.len(), work);
                }
                staged.push(s);
            }
        }
        if staged.is_empty() {
            return;
        }
        let mut finishes = Vec::with_capacity(staged.len());
        let result = self
            .commit(staged, deferred, &mut finishes)
            .map_err(|e| CommitFailed(e.to_string()));
        if let Err(CommitFailed(e)) = &result {
            // The disk may or may not hold the batch.
            self.stop(&format!("commit failed: {e}"));
        }
        for finish in finishes {
            finish(result.clone());
        }
    }

    /// Fail-stop (see [`Published::stop`]).
    fn stop(&self, why: &str) {
        self.published.stop(why);
    }

    /// Signs the batch's checkpoint: on a signer thread while the sequencer puts the batch's
    /// writes together (DESIGN §2: signatures off the sequencer), or here for a batch of fewer
    /// than [`CHECKPOINT_ON_POOL_MIN`] entries, where the hop would add more latency than it
    /// overlaps (a lone request stays as fast as before).
    fn sign_checkpoint(&self, cp: Checkpoint, entries: usize) -> Note {
        let key = self.note_key.clone();
        // Never `sign_checkpoint`, which returns "" on a bad origin or key name: an empty note
        // must fail the batch (and stop the notary), not be written into it.
        let sign = move || try_sign_checkpoint(&cp, &key.1, &key.0).map_err(NotaryError::from);
        if entries < CHECKPOINT_ON_POOL_MIN {
            Note::Signed(sign())
        } else {
            Note::Later(self.pool.later(sign))
        }
    }

    /// Runs a batch; a panic while staging (a failed assertion, such as the ledger's
    /// exposure <= total_cap) stops the notary. The batch's callers are not answered: dropping
    /// their reply channels gives them `Unavailable`.
    fn run_batch_or_stop(&mut self, jobs: Vec<Job>) {
        let run = std::panic::catch_unwind(AssertUnwindSafe(|| self.run_batch(jobs)));
        if let Err(panic) = run {
            let why = panic_text(panic.as_ref());
            self.stop(&format!("a check failed (panic) while staging: {why}"));
        }
    }

    fn commit(
        &mut self,
        mut staged: Vec<Staged>,
        deferred: super::sign_pool::Dispatch,
        finishes: &mut Vec<Finish>,
    ) -> Result<(), NotaryError> {
        let made = deferred.finish(&mut staged);
        if let Err(e) = made {
            // Unanswered commands must still be answered (with the failure).
            finishes.extend(staged.into_iter().map(|s| s.finish));
            return Err(e);
        }
        let base = StoreHashes(&self.store);
        let mut tree = PendingHashes::new(&base, self.log_size);
        let appended = append_leaves(&mut tree, &staged)
            .and_then(|kinds| Ok((kinds, tree_hash(tree.size(), &tree)?)));
        let (kinds, root) = match appended {
            Ok(appended) => appended,
            Err(e) => {
                // Unanswered commands must still be answered (with the failure).
                finishes.extend(staged.into_iter().map(|s| s.finish));
                return Err(e);
            }
        };
        let size = tree.size();
        let cp = Checkpoint {
            origin: self.origin.clone(),
            size,
            root,
        };
        let note = self.sign_checkpoint(cp, kinds.len());
        let mut batch = batch_for(&staged, tree.pending().len());
        for s in staged {
            finishes.push(s.finish);
            for staged in s.entry.iter().flat_map(StagedEntry::leaves) {
                self.store.put(
                    &mut batch,
                    Cf::LogLeaves,
                    &u64_key(staged.index),
                    &staged.leaf,
                );
            }
            for (cf, k, v) in &s.records {
                self.store.put(&mut batch, *cf, k, v);
            }
        }
        for (i, h) in (tree.start_index()..).zip(tree.pending()) {
            self.store.put(&mut batch, Cf::LogHashes, &u64_key(i), h);
        }
        let note = note.wait()?;
        self.store
            .put(&mut batch, Cf::Checkpoints, &u64_key(size), note.as_bytes());
        self.store
            .put(&mut batch, Cf::Meta, LOG_SIZE_KEY, &size.to_be_bytes());
        batch.set_log_size(size);
        self.store.write(batch)?;
        self.log_size = size;
        let now = self.last_time;
        self.published.publish(size, note, now);
        for kind in kinds {
            self.published.signed.count(kind);
        }
        Ok(())
    }
}

/// An empty batch with room for what `staged` writes (leaves, records, `hashes` Merkle hashes,
/// the checkpoint and the log size), so the batch's bytes are not copied as they grow.
fn batch_for(staged: &[Staged], hashes: usize) -> Batch {
    // Each hash under its u64 key; the note is a few hundred bytes and the log size 8 + 8.
    let (mut bytes, mut puts) = (hashes * (8 + 32) + 512, hashes + 2);
    for s in staged {
        for e in s.entry.iter().flat_map(StagedEntry::leaves) {
            bytes += 8 + e.leaf.len();
            puts += 1;
        }
        for (_, k, v) in &s.records {
            bytes += k.len() + v.len();
            puts += 1;
        }
    }
    Batch::with_capacity(bytes, puts)
}

/// Batches of at least this many entries have their checkpoint signed on the pool.
const CHECKPOINT_ON_POOL_MIN: usize = 4;

/// A batch's checkpoint note, signed or being signed.
enum Note {
    Signed(Result<String, NotaryError>),
    Later(super::sign_pool::Later<Result<String, NotaryError>>),
}

impl Note {
    /// The note, once signed.
    fn wait(self) -> Result<String, NotaryError> {
        match self {
            Note::Signed(note) => note,
            Note::Later(later) => later.wait()?,
        }
    }
}

/// Appends the batch's leaves to `tree` in order, checking each lands at the index its signed
/// content promises; the kinds, for the signed counts.
fn append_leaves(
    tree: &mut PendingHashes<'_, StoreHashes<'_>>,
    staged: &[Staged],
) -> Result<Vec<EntryKind>, NotaryError> {
    let mut kinds = Vec::with_capacity(staged.len());
    for staged in staged
        .iter()
        .flat_map(|s| s.entry.iter())
        .flat_map(StagedEntry::leaves)
    {
        kinds.push(staged.kind);
        let index = tree.append(staged.leaf_hash)?;
        check_appended_at(staged.index, index)?;
    }
    Ok(kinds)
}

/// The pair of `StageCtx::index`: the tree put the entry at the index its signed content
/// promises. Checked in every build; a mismatch fails the commit before anything is written.
fn check_appended_at(staged: u64, appended: u64) -> Result<(), NotaryError> {
    if staged == appended {
        Ok(())
    } else {
        Err(NotaryError::Bug(format!(
            "entry staged at log index {staged} was appended at {appended}"
        )))
    }
}

/// The message of a caught panic (a `&str` or `String` payload, as `panic!` makes).
pub(super) fn panic_text(panic: &(dyn std::any::Any + Send)) -> &str {
    panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("a check panicked")
}

/// Lets the last owner of the notary's shared state wait until the sequencer thread has ended
/// (its `Core`, with its handle on the store, dropped): the store is then closed by that owner,
/// on its own thread, before it goes on. Without the wait, a process that drops its notary and
/// exits (a test binary, a CLI command) can exit while the sequencer thread is still closing
/// RocksDB, which then aborts the process ("pthread lock: Invalid argument").
pub(crate) struct Ended {
    done: std::sync::Mutex<std::sync::mpsc::Receiver<()>>,
    thread: std::thread::ThreadId,
}

impl Ended {
    /// Waits at most `limit` for the sequencer thread to end. Returns at once on the sequencer
    /// thread itself (a job holding the last handle, dropped there, must not wait for itself).
    pub(crate) fn wait(&self, limit: std::time::Duration) {
        if std::thread::current().id() == self.thread {
            return;
        }
        let done = self.done.lock().unwrap_or_else(|e| e.into_inner());
        let _ = done.recv_timeout(limit);
    }
}

/// Runs the sequencer on its own thread until every sender is dropped.
pub(crate) fn spawn(
    core: Core,
    rx: mpsc::Receiver<Job>,
) -> std::io::Result<(std::thread::JoinHandle<()>, Ended)> {
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    let published = core.published();
    let handle = std::thread::Builder::new()
        .name("notar-sequencer".into())
        .spawn(move || {
            // Each batch catches its own panics; one outside them (in the loop itself) ends the
            // thread: the notary must then say it stopped, not look healthy with nobody signing.
            let ran = std::panic::catch_unwind(AssertUnwindSafe(|| run(core, rx)));
            if let Err(panic) = ran {
                published.stop(&format!(
                    "the sequencer thread died: {}",
                    panic_text(panic.as_ref())
                ));
            }
            // `core` and `rx` are gone (moved into `run`): say so to whoever waits.
            let _ = done_tx.send(());
        })?;
    let thread = handle.thread().id();
    let ended = Ended {
        done: std::sync::Mutex::new(done_rx),
        thread,
    };
    Ok((handle, ended))
}

/// The sequencer's loop: batches of jobs until every sender is dropped.
fn run(mut core: Core, mut rx: mpsc::Receiver<Job>) {
    while let Some(first) = rx.blocking_recv() {
        let mut jobs = vec![first];
        while jobs.len() < BATCH_SIZE_MAX {
            match rx.try_recv() {
                Ok(j) => jobs.push(j),
                Err(_) => break,
            }
        }
        if core.published.failed() {
            // Dropping a job drops its reply channel: its caller gets `Unavailable`.
            drop(jobs);
            continue;
        }
        core.run_batch_or_stop(jobs);
    }
}

/// Answers a oneshot, ignoring a caller who stopped waiting.
pub(crate) fn reply<T>(tx: oneshot::Sender<T>, value: T) {
    let _ = tx.send(value);
}

#[cfg(test)]
#[path = "sequencer_tests.rs"]
mod tests;
