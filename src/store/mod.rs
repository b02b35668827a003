//! Durable storage: one database, one keyspace per kind of record, a schema version, and atomic
//! synced write batches. The store knows bytes and keys, not rules: the notary decides what to
//! write, the store makes sure a batch lands whole or not at all.
//!
//! Two engines behind one interface ([`Backend`]): embedded RocksDB in the data dir (the default,
//! one machine; `rocks.rs`) and PostgreSQL (`pg.rs`: replicas, a fenced single writer and standby
//! takeover, docs/operating.md "Running on PostgreSQL").
//!
//! Trusted for: keeping every committed batch across crashes (synced on every write). Not trusted
//! for: deciding anything; reading back hashes is re-checked by the log's proofs.

mod pg;
mod pg_cache;
mod pg_lease;
mod rocks;

use std::path::{Path, PathBuf};
use std::time::Duration;

/// The schema this build writes and understands. 4: guarantee records, stored answers and order
/// answers name the notary's envelopes by log index (`notary::by_index`); this build still reads
/// the inline envelopes of 3, and a build of 3 refuses a data dir of 4 (it could not read them).
pub const SCHEMA_VERSION: u32 = 4;
const SCHEMA_KEY: &[u8] = b"schema_version";

/// A kind of record: one RocksDB column family each, one `cf` code each in PostgreSQL (the codes
/// are stored: never renumber, only append).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(i16)]
pub enum Cf {
    /// Singletons: schema version, log size.
    Meta = 0,
    /// Log leaf index (u64 BE) -> entry bytes.
    LogLeaves = 1,
    /// Stored Merkle hash index (u64 BE) -> 32-byte hash.
    LogHashes = 2,
    /// Tree size (u64 BE) -> signed checkpoint note.
    Checkpoints = 3,
    /// Timestamp serial (u64 BE) -> timestamp record (JSON).
    Timestamps = 4,
    /// Message imprint || serial (u64 BE) -> empty: find timestamps by digest.
    TimestampsByDigest = 5,
    /// Policy digest (hex) -> policy file text: every version ever used stays known.
    Policies = 6,
    /// Party id -> party record (JSON).
    Parties = 7,
    /// Key id (hex) -> key record (JSON).
    Keys = 8,
    /// Agreement id -> agreement record (JSON).
    Agreements = 9,
    /// SHA-256 of a seller API token -> seller party id (empty once rotated away or revoked).
    SellerTokens = 10,
    /// Guarantee id -> guarantee record (JSON: state, signed objects).
    Guarantees = 11,
    /// seller id, 0, request id -> stored answer (JSON): replayed byte for byte.
    Requests = 12,
    /// agreement id, 0, order digest -> guarantee id: one guarantee per order.
    Orders = 13,
    /// Exchange tid (hex) -> exchange record (JSON: m1, deadline, the decision and its answer).
    Exchanges = 14,
    /// Complaint id -> complaint record (JSON: claim, response, history).
    Complaints = 15,
    /// Agreement id -> its exposure right after a grant and its total cap (i64 BE each): not
    /// stored by RocksDB, never read. PostgreSQL keeps it in `notar_exposure_checks` under
    /// `CHECK (exposure <= total_cap)`, a second guard beside the ledger's own: a grant past the
    /// cap cannot commit.
    ExposureCheck = 16,
}

impl Cf {
    /// Every column family this schema has (RocksDB; [`Cf::ExposureCheck`] is not one).
    pub const ALL: [Cf; 16] = [
        Cf::Meta,
        Cf::LogLeaves,
        Cf::LogHashes,
        Cf::Checkpoints,
        Cf::Timestamps,
        Cf::TimestampsByDigest,
        Cf::Policies,
        Cf::Parties,
        Cf::Keys,
        Cf::Agreements,
        Cf::SellerTokens,
        Cf::Guarantees,
        Cf::Requests,
        Cf::Orders,
        Cf::Exchanges,
        Cf::Complaints,
    ];

    fn name(self) -> &'static str {
        match self {
            Cf::Meta => "meta",
            Cf::LogLeaves => "log_leaves",
            Cf::LogHashes => "log_hashes",
            Cf::Checkpoints => "checkpoints",
            Cf::Timestamps => "timestamps",
            Cf::TimestampsByDigest => "timestamps_by_digest",
            Cf::Policies => "policies",
            Cf::Parties => "parties",
            Cf::Keys => "keys",
            Cf::Agreements => "agreements",
            Cf::SellerTokens => "seller_tokens",
            Cf::Guarantees => "guarantees",
            Cf::Requests => "requests",
            Cf::Orders => "orders",
            Cf::Exchanges => "exchanges",
            Cf::Complaints => "complaints",
            Cf::ExposureCheck => "exposure_checks",
        }
    }

    /// The stored code (PostgreSQL's `cf` column).
    fn code(self) -> i16 {
        self as i16
    }
}

/// Why the store could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// `create` found a database already there.
    #[error("a database already exists at {0}")]
    AlreadyExists(PathBuf),
    /// `open` found no database.
    #[error("no database at {0} (run `notar init` first)")]
    Missing(PathBuf),
    /// The database was written by a newer notar.
    #[error("database schema version {found} is newer than this notar understands ({supported}); upgrade notar")]
    SchemaTooNew {
        /// Version on disk.
        found: u32,
        /// Version this build writes.
        supported: u32,
    },
    /// The schema record is absent or unreadable.
    #[error("database has no valid schema version record: {0}")]
    BadSchema(String),
    /// Another process has the database open.
    #[error("the database at {0} is in use by another notar process")]
    Locked(PathBuf),
    /// A test armed this write to fail ([`Store::fail_write_in`]); never in a release service.
    #[error("injected write failure (a test)")]
    Injected,
    /// RocksDB itself failed (disk full, I/O error, corruption).
    #[error("storage failure: {0}")]
    Rocks(#[from] rocksdb::Error),
    /// PostgreSQL failed or could not be reached. A failed COMMIT may or may not have landed:
    /// the notary treats it as failed-unknown (stops, then reloads from the database).
    #[error("PostgreSQL ({db}): {message}")]
    Postgres {
        /// Where (the URL without its password).
        db: String,
        /// What the server or the client said.
        message: String,
    },
    /// This process does not hold the writer's lease: another notar took over (its epoch is
    /// higher), or this one waits as a standby or serves reads from a replica. Nothing was
    /// written; a deposed writer stops signing (fail-stop) and reloads.
    #[error("not the writer: {0}")]
    NotWriter(String),
}

/// What this process may do with the database.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// RocksDB: the only process (its lock file keeps others out).
    Single,
    /// PostgreSQL: holds the writer's lease (epoch) and signs.
    Active,
    /// PostgreSQL: waits for the writer's lease to lapse; serves reads, refuses writes.
    Standby,
    /// PostgreSQL: lost the lease (another process raised the epoch): signs nothing more.
    Fenced,
    /// PostgreSQL hot standby (read-only replica): serves reads only, never takes over.
    Replica,
}

impl Role {
    /// The word `/healthz` and the console show.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Single => "single",
            Role::Active => "active",
            Role::Standby => "standby",
            Role::Fenced => "fenced",
            Role::Replica => "replica",
        }
    }

    /// Whether this role may write (sign) at all.
    pub fn writes(self) -> bool {
        matches!(self, Role::Single | Role::Active)
    }
}

/// Where the database is: from the data dir and notar.toml's `[store]`.
#[derive(Clone, Debug)]
pub enum Location {
    /// RocksDB in this directory (the data dir's `db/`).
    Rocks(PathBuf),
    /// PostgreSQL.
    Postgres {
        /// `postgres://user[:password]@host[:port]/dbname`.
        url: String,
        /// How long the writer's lease lasts without renewal (a standby takes over after it).
        lease: Duration,
        /// A read-only replica: never writes, never takes the lease.
        replica: bool,
    },
}

/// A group of writes that lands atomically: puts in order (a later put of the same key wins),
/// and the log size the batch brings the log to, if it appends.
#[derive(Default)]
pub struct Batch {
    bytes: Vec<u8>,
    puts: Vec<(Cf, u32, u32)>,
    log_size: Option<u64>,
}

impl Batch {
    /// An empty batch.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty batch with room for `puts` puts of `bytes` key and value bytes in all, so a
    /// large batch is not copied as it grows.
    pub fn with_capacity(bytes: usize, puts: usize) -> Self {
        Batch {
            bytes: Vec::with_capacity(bytes),
            puts: Vec::with_capacity(puts),
            log_size: None,
        }
    }

    /// Bytes of keys and values queued.
    pub(crate) fn bytes_len(&self) -> usize {
        self.bytes.len()
    }

    /// Bytes of keys and values it holds without growing.
    #[cfg(test)]
    pub(crate) fn bytes_capacity(&self) -> usize {
        self.bytes.capacity()
    }

    /// Number of puts queued.
    pub fn len(&self) -> usize {
        self.puts.len()
    }

    /// True when nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.puts.is_empty()
    }

    /// Records that this batch brings the log to `size` leaves. PostgreSQL makes it the fence:
    /// the batch commits only if the stored size is still the one this writer last committed.
    pub fn set_log_size(&mut self, size: u64) {
        self.log_size = Some(size);
    }

    fn put_raw(&mut self, cf: Cf, key: &[u8], value: &[u8]) {
        // Keys and values are small (at most a few KB): u32 lengths never truncate.
        self.bytes.extend_from_slice(key);
        self.bytes.extend_from_slice(value);
        self.puts.push((cf, key.len() as u32, value.len() as u32));
    }

    /// The puts in order.
    fn iter(&self) -> impl Iterator<Item = (Cf, &[u8], &[u8])> + '_ {
        let mut at = 0usize;
        self.puts.iter().map(move |&(cf, k, v)| {
            let (k, v) = (k as usize, v as usize);
            let key = &self.bytes[at..at + k];
            let value = &self.bytes[at + k..at + k + v];
            at += k + v;
            (cf, key, value)
        })
    }
}

/// A key and its value, as scans return them.
pub type Record = (Vec<u8>, Vec<u8>);

/// The value of a [`Cf::ExposureCheck`] record: exposure and total cap, i64 big-endian each.
pub fn exposure_check(exposure_minor: i64, total_cap_minor: i64) -> [u8; 16] {
    let mut v = [0u8; 16];
    v[..8].copy_from_slice(&exposure_minor.to_be_bytes());
    v[8..].copy_from_slice(&total_cap_minor.to_be_bytes());
    v
}

/// Big-endian key for a u64, so keys sort numerically.
pub fn u64_key(n: u64) -> [u8; 8] {
    n.to_be_bytes()
}

/// Which records a scan visits, and in which order.
#[derive(Clone, Copy)]
enum Range<'a> {
    /// All, in key order.
    Forward,
    /// All, greatest key first.
    Reverse,
    /// Those whose key starts with this, in key order.
    Prefix(&'a [u8]),
}

/// `f` gets each record; `Ok(false)` stops the scan.
type Visit<'a> = dyn FnMut(&[u8], &[u8]) -> Result<bool, StoreError> + 'a;

/// One storage engine. Every method is blocking and may be called from any thread.
trait Backend: Send + Sync {
    /// Writes `batch` atomically and durably, or nothing of it.
    fn write(&self, batch: Batch) -> Result<(), StoreError>;
    /// One value.
    fn get(&self, cf: Cf, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError>;
    /// Several values of one kind, in the order of `keys`.
    fn multi_get(&self, cf: Cf, keys: &[Vec<u8>]) -> Result<Vec<Option<Vec<u8>>>, StoreError>;
    /// Visits the records of `cf` in `range` until `f` says stop.
    fn scan(&self, cf: Cf, range: Range<'_>, f: &mut Visit<'_>) -> Result<(), StoreError>;
    /// What this process may do with the database.
    fn role(&self) -> Role;
    /// Whether the writer's lease has lapsed (a standby may take over now).
    fn lease_lapsed(&self) -> Result<bool, StoreError>;
    /// The caller has rebuilt its memory: reads need no longer come from one snapshot.
    fn loaded(&self) {}
    /// Whether reads are round trips worth prefetching and the exposure check is kept
    /// (PostgreSQL): callers skip preparing either for RocksDB.
    fn remote(&self) -> bool {
        false
    }
    /// Notes a key the next batch will read (see [`Store::want`]).
    fn want(&self, _cf: Cf, _key: &[u8]) {}
    /// Reads the wanted keys at once (see [`Store::prefetch`]).
    fn prefetch(&self) -> Result<(), StoreError> {
        Ok(())
    }
}

/// An open database.
pub struct Store {
    backend: Box<dyn Backend>,
    faults: WriteFaults,
}

/// The test hook on the write path: "fail the Nth synced batch write from now". It exists only
/// in builds with `debug_assertions` (what `cargo test` builds) or the `sim-faults` feature (long
/// simulation runs in release); elsewhere it is an empty struct and the check compiles to
/// nothing. It is armed only in-process, through [`Store::fail_write_in`] (by
/// `Notary::fail_store_write_in`), never from the environment, a file or the network, so no
/// running service can be made to fail by anyone but code linked into it.
#[derive(Default)]
struct WriteFaults {
    /// Writes still to succeed plus one; 0 when disarmed.
    #[cfg(any(debug_assertions, feature = "sim-faults"))]
    countdown: std::sync::atomic::AtomicU64,
}

impl WriteFaults {
    /// True when this write is the armed one (which disarms the hook).
    #[cfg(any(debug_assertions, feature = "sim-faults"))]
    fn fails_now(&self) -> bool {
        use std::sync::atomic::Ordering;
        let step = |n: u64| n.checked_sub(1);
        matches!(
            self.countdown
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, step),
            Ok(1)
        )
    }

    #[cfg(not(any(debug_assertions, feature = "sim-faults")))]
    #[inline(always)]
    fn fails_now(&self) -> bool {
        false
    }
}

impl Store {
    /// Creates a new RocksDB database at `path`; fails if one is there.
    pub fn create(path: &Path) -> Result<Self, StoreError> {
        Self::create_at(&Location::Rocks(path.to_path_buf()))
    }

    /// Opens an existing RocksDB database and checks its schema version.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        Self::open_at(&Location::Rocks(path.to_path_buf()))
    }

    /// Creates a new database at `at`; fails if one is there. A new PostgreSQL database makes
    /// this process its writer (epoch 1).
    pub fn create_at(at: &Location) -> Result<Self, StoreError> {
        let backend: Box<dyn Backend> = match at {
            Location::Rocks(path) => Box::new(rocks::RocksBackend::create(path)?),
            Location::Postgres { url, lease, .. } => Box::new(pg::PgBackend::create(url, *lease)?),
        };
        let store = Store {
            backend,
            faults: WriteFaults::default(),
        };
        let mut batch = Batch::new();
        batch.put_raw(Cf::Meta, SCHEMA_KEY, &SCHEMA_VERSION.to_be_bytes());
        store.write(batch)?;
        Ok(store)
    }

    /// Opens an existing database at `at` and checks its schema version. PostgreSQL: this
    /// process becomes the writer if the lease is free, else a standby (or a replica, if
    /// configured so); see [`Store::role`].
    pub fn open_at(at: &Location) -> Result<Self, StoreError> {
        let backend: Box<dyn Backend> = match at {
            Location::Rocks(path) => Box::new(rocks::RocksBackend::open(path)?),
            Location::Postgres {
                url,
                lease,
                replica,
            } => Box::new(pg::PgBackend::open(url, *lease, *replica)?),
        };
        let store = Store {
            backend,
            faults: WriteFaults::default(),
        };
        let raw = store
            .get(Cf::Meta, SCHEMA_KEY)?
            .ok_or_else(|| StoreError::BadSchema("missing".into()))?;
        let found = <[u8; 4]>::try_from(raw.as_slice())
            .map(u32::from_be_bytes)
            .map_err(|_| StoreError::BadSchema(format!("{} bytes", raw.len())))?;
        if found > SCHEMA_VERSION {
            return Err(StoreError::SchemaTooNew {
                found,
                supported: SCHEMA_VERSION,
            });
        }
        if found == 0 {
            return Err(StoreError::BadSchema("version 0".into()));
        }
        if found < SCHEMA_VERSION && store.role().writes() {
            // Schema 1 -> 2 -> 3 only added column families (RocksDB creates the missing ones
            // at open); 3 -> 4 changed new records only (older ones read as before). So the
            // upgrade is recording the new version.
            let mut batch = Batch::new();
            batch.put_raw(Cf::Meta, SCHEMA_KEY, &SCHEMA_VERSION.to_be_bytes());
            store.write(batch)?;
        }
        Ok(store)
    }

    /// Queues a put into `batch`.
    pub fn put(&self, batch: &mut Batch, cf: Cf, key: &[u8], value: &[u8]) {
        batch.put_raw(cf, key, value);
    }

    /// Writes `batch` atomically and waits until it is durable (synced to disk; on PostgreSQL,
    /// committed as configured, e.g. on a synchronous standby too).
    pub fn write(&self, batch: Batch) -> Result<(), StoreError> {
        if self.faults.fails_now() {
            // As a failed write: nothing of the batch lands.
            return Err(StoreError::Injected);
        }
        self.backend.write(batch)
    }

    /// Test hook (debug builds and the `sim-faults` feature only, see [`WriteFaults`]): the
    /// `nth` synced batch write from now (1 = the next) fails with [`StoreError::Injected`] and
    /// writes nothing; the writes before it and after it are untouched. 0 disarms.
    #[cfg(any(debug_assertions, feature = "sim-faults"))]
    pub fn fail_write_in(&self, nth: u64) {
        self.faults
            .countdown
            .store(nth, std::sync::atomic::Ordering::SeqCst);
    }

    /// What this process may do with the database (writer, standby, ...).
    pub fn role(&self) -> Role {
        self.backend.role()
    }

    /// Whether the writer's lease has lapsed, so a standby may take over (always false on
    /// RocksDB, which has no lease).
    pub fn lease_lapsed(&self) -> Result<bool, StoreError> {
        self.backend.lease_lapsed()
    }

    /// Says the notary has rebuilt its memory from the store. Until then, a process that is not
    /// the writer (a PostgreSQL standby or replica) reads from one snapshot, so what it loads
    /// is one consistent state although the writer goes on committing; after, reads see the
    /// latest commits.
    pub fn loaded(&self) {
        self.backend.loaded();
    }

    /// Whether the database is a server (PostgreSQL): each read is a round trip, so callers
    /// name what a batch will read ([`Store::want`]), and grants write the database's exposure
    /// check ([`Cf::ExposureCheck`]). False for RocksDB, where callers skip both.
    pub fn remote(&self) -> bool {
        self.backend.remote()
    }

    /// Notes that a command about to be queued for the sequencer will read `key` while it is
    /// staged (a request id's stored answer, an order's guarantee). On PostgreSQL, where each
    /// read is a round trip, the sequencer then reads every wanted key of a batch in one
    /// ([`Store::prefetch`]) instead of one by one under its lock. A hint only: a key not
    /// prefetched is read as usual. RocksDB ignores it.
    pub fn want(&self, cf: Cf, key: &[u8]) {
        self.backend.want(cf, key);
    }

    /// The sequencer, before staging a batch: reads the wanted keys in one round trip per kind
    /// and answers reads of them from memory until the next write (which forgets them before it
    /// commits). Exact, because the sequencer is the only writer and the previous batch is
    /// committed. A failure is only a lost hint: the keys are then read one by one.
    pub fn prefetch(&self) -> Result<(), StoreError> {
        self.backend.prefetch()
    }

    /// One value.
    pub fn get(&self, cf: Cf, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        self.backend.get(cf, key)
    }

    /// Several values of one column family, in the order of `keys`.
    pub fn multi_get(&self, cf: Cf, keys: &[Vec<u8>]) -> Result<Vec<Option<Vec<u8>>>, StoreError> {
        self.backend.multi_get(cf, keys)
    }

    /// Every record of a column family, in key order (for rebuilding in-memory state at start).
    pub fn scan_all(&self, cf: Cf) -> Result<Vec<Record>, StoreError> {
        self.collect(cf, Range::Forward, usize::MAX)
    }

    /// `f` of every record of a column family, in key order, one at a time: rebuilding memory at
    /// start from a column family that grows with every transaction (guarantees, exchanges)
    /// without holding all of it at once. Stops at the first error `f` returns.
    pub fn for_each<E: From<StoreError>>(
        &self,
        cf: Cf,
        mut f: impl FnMut(&[u8], &[u8]) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut failed = None;
        self.backend
            .scan(cf, Range::Forward, &mut |k, v| match f(k, v) {
                Ok(()) => Ok(true),
                Err(e) => {
                    failed = Some(e);
                    Ok(false)
                }
            })?;
        failed.map_or(Ok(()), Err)
    }

    /// Up to `limit` records with the greatest keys, greatest first.
    pub fn last(&self, cf: Cf, limit: usize) -> Result<Vec<Record>, StoreError> {
        self.collect(cf, Range::Reverse, limit)
    }

    /// Up to `limit` records whose key starts with `prefix`, in key order.
    pub fn with_prefix(
        &self,
        cf: Cf,
        prefix: &[u8],
        limit: usize,
    ) -> Result<Vec<Record>, StoreError> {
        self.collect(cf, Range::Prefix(prefix), limit)
    }

    fn collect(&self, cf: Cf, range: Range<'_>, limit: usize) -> Result<Vec<Record>, StoreError> {
        let mut out = Vec::new();
        if limit == 0 {
            return Ok(out);
        }
        self.backend.scan(cf, range, &mut |k, v| {
            out.push((k.to_vec(), v.to_vec()));
            Ok(out.len() < limit)
        })?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_made_with_room_holds_the_same_puts_without_growing() {
        let puts: Vec<(Cf, Vec<u8>, Vec<u8>)> = (0..50u64)
            .map(|i| {
                (
                    Cf::LogLeaves,
                    u64_key(i).to_vec(),
                    vec![i as u8; 100 + i as usize],
                )
            })
            .collect();
        let bytes: usize = puts.iter().map(|(_, k, v)| k.len() + v.len()).sum();
        let (mut plain, mut roomy) = (Batch::new(), Batch::with_capacity(bytes, puts.len()));
        let room = roomy.bytes_capacity();
        for (cf, k, v) in &puts {
            plain.put_raw(*cf, k, v);
            roomy.put_raw(*cf, k, v);
        }
        assert_eq!(
            roomy.bytes_capacity(),
            room,
            "the bytes were moved to a larger buffer"
        );
        assert_eq!(roomy.bytes_len(), bytes);
        assert!(plain.iter().eq(roomy.iter()));
    }

    #[test]
    fn for_each_visits_every_record_in_key_order_and_stops_at_an_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::create(&dir.path().join("db")).expect("create");
        let mut b = Batch::new();
        for i in [3u64, 1, 2] {
            store.put(
                &mut b,
                Cf::Guarantees,
                &u64_key(i),
                format!("v{i}").as_bytes(),
            );
        }
        store.write(b).expect("write");
        let mut seen = Vec::new();
        store
            .for_each(Cf::Guarantees, |_, v| {
                seen.push(String::from_utf8_lossy(v).into_owned());
                Ok::<(), StoreError>(())
            })
            .expect("scan");
        assert_eq!(seen, ["v1", "v2", "v3"]);
        let mut visited = 0;
        let stopped = store.for_each(Cf::Guarantees, |k, _| {
            visited += 1;
            match k == u64_key(2) {
                true => Err(StoreError::BadSchema("stop".into())),
                false => Ok(()),
            }
        });
        assert!(stopped.is_err());
        assert_eq!(visited, 2);
    }

    #[test]
    fn create_then_open_round_trips_a_batch() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("db");
        {
            let store = Store::create(&path).expect("create");
            let mut b = Batch::new();
            store.put(&mut b, Cf::LogLeaves, &u64_key(0), b"zero");
            store.put(&mut b, Cf::LogLeaves, &u64_key(1), b"one");
            store.write(b).expect("write");
        }
        let store = Store::open(&path).expect("open");
        assert_eq!(
            store.get(Cf::LogLeaves, &u64_key(1)).expect("get"),
            Some(b"one".to_vec())
        );
        let last = store.last(Cf::LogLeaves, 1).expect("last");
        assert_eq!(last, vec![(u64_key(1).to_vec(), b"one".to_vec())]);
    }

    #[test]
    fn create_refuses_an_existing_database() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("db");
        drop(Store::create(&path).expect("create"));
        assert!(matches!(
            Store::create(&path),
            Err(StoreError::AlreadyExists(_))
        ));
    }

    #[test]
    fn open_refuses_a_missing_database() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert!(matches!(
            Store::open(&dir.path().join("db")),
            Err(StoreError::Missing(_))
        ));
    }

    #[test]
    fn open_refuses_a_newer_schema_with_a_clear_message() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("db");
        {
            let store = Store::create(&path).expect("create");
            let mut b = Batch::new();
            store.put(
                &mut b,
                Cf::Meta,
                SCHEMA_KEY,
                &(SCHEMA_VERSION + 1).to_be_bytes(),
            );
            store.write(b).expect("write");
        }
        let err = Store::open(&path).err().expect("must refuse");
        assert!(
            matches!(err, StoreError::SchemaTooNew { found, .. } if found == SCHEMA_VERSION + 1)
        );
        assert!(err.to_string().contains("newer"));
    }

    /// The test hook: the armed write fails and writes nothing; the ones before and after it
    /// land.
    #[test]
    fn an_injected_failure_fails_exactly_the_nth_write_and_writes_nothing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::create(&dir.path().join("db")).expect("create");
        store.fail_write_in(2);
        let put = |n: u64| {
            let mut b = Batch::new();
            store.put(&mut b, Cf::LogLeaves, &u64_key(n), b"x");
            store.write(b)
        };
        put(1).expect("the first write lands");
        assert!(matches!(put(2), Err(StoreError::Injected)));
        put(3).expect("the hook disarmed itself");
        let got = |n: u64| store.get(Cf::LogLeaves, &u64_key(n)).expect("get");
        assert_eq!(
            (got(1).is_some(), got(2), got(3).is_some()),
            (true, None, true)
        );
    }

    #[test]
    fn prefix_scan_stops_at_the_prefix_end() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::create(&dir.path().join("db")).expect("create");
        let mut b = Batch::new();
        for (k, v) in [(b"aa1", b"1"), (b"aa2", b"2"), (b"ab1", b"3")] {
            store.put(&mut b, Cf::TimestampsByDigest, k, v);
        }
        store.write(b).expect("write");
        let got = store
            .with_prefix(Cf::TimestampsByDigest, b"aa", 10)
            .expect("scan");
        assert_eq!(got.len(), 2);
    }
}
