//! Durable storage: one RocksDB database, one column family per kind of record, a schema version,
//! and atomic synced write batches. The store knows bytes and keys, not rules: the notary decides
//! what to write, the store makes sure a batch lands whole or not at all.
//!
//! Trusted for: keeping every committed batch across crashes (`sync` on every write). Not trusted
//! for: deciding anything; reading back hashes is re-checked by the log's proofs.

use std::path::{Path, PathBuf};

use rocksdb::{
    ColumnFamilyDescriptor, Direction, IteratorMode, Options, WriteBatch, WriteOptions, DB,
};

/// The schema this build writes and understands. 4: guarantee records, stored answers and order
/// answers name the notary's envelopes by log index (`notary::by_index`); this build still reads
/// the inline envelopes of 3, and a build of 3 refuses a data dir of 4 (it could not read them).
pub const SCHEMA_VERSION: u32 = 4;
const SCHEMA_KEY: &[u8] = b"schema_version";

/// A kind of record, one RocksDB column family each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cf {
    /// Singletons: schema version, log size.
    Meta,
    /// Log leaf index (u64 BE) -> entry bytes.
    LogLeaves,
    /// Stored Merkle hash index (u64 BE) -> 32-byte hash.
    LogHashes,
    /// Tree size (u64 BE) -> signed checkpoint note.
    Checkpoints,
    /// Timestamp serial (u64 BE) -> timestamp record (JSON).
    Timestamps,
    /// Message imprint || serial (u64 BE) -> empty: find timestamps by digest.
    TimestampsByDigest,
    /// Policy digest (hex) -> policy file text: every version ever used stays known.
    Policies,
    /// Party id -> party record (JSON).
    Parties,
    /// Key id (hex) -> key record (JSON).
    Keys,
    /// Agreement id -> agreement record (JSON).
    Agreements,
    /// SHA-256 of a seller API token -> seller party id (empty once rotated away or revoked).
    SellerTokens,
    /// Guarantee id -> guarantee record (JSON: state, signed objects).
    Guarantees,
    /// seller id, 0, request id -> stored answer (JSON): replayed byte for byte.
    Requests,
    /// agreement id, 0, order digest -> guarantee id: one guarantee per order.
    Orders,
    /// Exchange tid (hex) -> exchange record (JSON: m1, deadline, the decision and its answer).
    Exchanges,
    /// Complaint id -> complaint record (JSON: claim, response, history).
    Complaints,
}

impl Cf {
    /// Every column family this schema has.
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
        }
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
}

/// An open database.
pub struct Store {
    db: DB,
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

/// A group of writes that lands atomically.
#[derive(Default)]
pub struct Batch {
    inner: WriteBatch,
    len: usize,
}

impl Batch {
    /// An empty batch.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of puts queued.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn put_raw(&mut self, store: &Store, cf: Cf, key: &[u8], value: &[u8]) {
        self.inner.put_cf(store.cf(cf), key, value);
        self.len += 1;
    }
}

/// A key and its value, as scans return them.
pub type Record = (Vec<u8>, Vec<u8>);

/// Big-endian key for a u64, so keys sort numerically.
pub fn u64_key(n: u64) -> [u8; 8] {
    n.to_be_bytes()
}

impl Store {
    /// Creates a new database at `path`; fails if one is there.
    pub fn create(path: &Path) -> Result<Self, StoreError> {
        if path.join("CURRENT").exists() {
            return Err(StoreError::AlreadyExists(path.to_path_buf()));
        }
        let mut opts = base_options();
        opts.create_if_missing(true);
        opts.create_missing_column_families(true);
        let db = DB::open_cf_descriptors(&opts, path, descriptors(&[]))?;
        let store = Store {
            db,
            faults: WriteFaults::default(),
        };
        let mut batch = Batch::new();
        batch.put_raw(&store, Cf::Meta, SCHEMA_KEY, &SCHEMA_VERSION.to_be_bytes());
        store.write(batch)?;
        Ok(store)
    }

    /// Opens an existing database and checks its schema version.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        if !path.join("CURRENT").exists() {
            return Err(StoreError::Missing(path.to_path_buf()));
        }
        let mut opts = base_options();
        // Schema 1 -> 2 -> 3 only added column families: creating the missing ones is the upgrade;
        // 3 -> 4 changed new records only (older ones read as before).
        opts.create_missing_column_families(true);
        // Open every column family on disk, also ones a newer schema added, so the version check
        // below (not RocksDB's "unknown column family") is what reports a newer database.
        let existing = DB::list_cf(&opts, path)?;
        let db = DB::open_cf_descriptors(&opts, path, descriptors(&existing)).map_err(|e| {
            // RocksDB reports its LOCK file held by another process only as an I/O message.
            if e.as_ref().contains("lock file") {
                StoreError::Locked(path.to_path_buf())
            } else {
                StoreError::Rocks(e)
            }
        })?;
        let store = Store {
            db,
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
        if found < SCHEMA_VERSION {
            // Additive upgrade (see above): record the new version.
            let mut batch = Batch::new();
            batch.put_raw(&store, Cf::Meta, SCHEMA_KEY, &SCHEMA_VERSION.to_be_bytes());
            store.write(batch)?;
        }
        Ok(store)
    }

    fn cf(&self, cf: Cf) -> &rocksdb::ColumnFamily {
        // Every Cf is created in `create` and opened in `open`, so the handle exists.
        self.db
            .cf_handle(cf.name())
            .expect("column family opened at start")
    }

    /// Queues a put into `batch`.
    pub fn put(&self, batch: &mut Batch, cf: Cf, key: &[u8], value: &[u8]) {
        batch.put_raw(self, cf, key, value);
    }

    /// Writes `batch` atomically and waits until it is synced to disk.
    pub fn write(&self, batch: Batch) -> Result<(), StoreError> {
        if self.faults.fails_now() {
            // As a failed RocksDB write: nothing of the batch lands.
            return Err(StoreError::Injected);
        }
        let mut wo = WriteOptions::default();
        wo.set_sync(true);
        self.db.write_opt(batch.inner, &wo)?;
        Ok(())
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

    /// One value.
    pub fn get(&self, cf: Cf, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.db.get_cf(self.cf(cf), key)?)
    }

    /// Several values of one column family, in the order of `keys`.
    pub fn multi_get(&self, cf: Cf, keys: &[Vec<u8>]) -> Result<Vec<Option<Vec<u8>>>, StoreError> {
        let handle = self.cf(cf);
        self.db
            .multi_get_cf(keys.iter().map(|k| (handle, k.as_slice())))
            .into_iter()
            .map(|r| r.map_err(StoreError::from))
            .collect()
    }

    /// Every record of a column family, in key order (for rebuilding in-memory state at start).
    pub fn scan_all(&self, cf: Cf) -> Result<Vec<Record>, StoreError> {
        self.collect(
            self.db.iterator_cf(self.cf(cf), IteratorMode::Start),
            usize::MAX,
            |_| true,
        )
    }

    /// `f` of every record of a column family, in key order, one at a time: rebuilding memory at
    /// start from a column family that grows with every transaction (guarantees, exchanges)
    /// without holding all of it at once. Stops at the first error `f` returns.
    pub fn for_each<E: From<StoreError>>(
        &self,
        cf: Cf,
        mut f: impl FnMut(&[u8], &[u8]) -> Result<(), E>,
    ) -> Result<(), E> {
        for item in self.db.iterator_cf(self.cf(cf), IteratorMode::Start) {
            let (k, v) = item.map_err(StoreError::from)?;
            f(&k, &v)?;
        }
        Ok(())
    }

    /// Up to `limit` records with the greatest keys, greatest first.
    pub fn last(&self, cf: Cf, limit: usize) -> Result<Vec<Record>, StoreError> {
        self.collect(
            self.db.iterator_cf(self.cf(cf), IteratorMode::End),
            limit,
            |_| true,
        )
    }

    /// Up to `limit` records whose key starts with `prefix`, in key order.
    pub fn with_prefix(
        &self,
        cf: Cf,
        prefix: &[u8],
        limit: usize,
    ) -> Result<Vec<Record>, StoreError> {
        let it = self
            .db
            .iterator_cf(self.cf(cf), IteratorMode::From(prefix, Direction::Forward));
        self.collect(it, limit, |k| k.starts_with(prefix))
    }

    fn collect<'a>(
        &self,
        it: impl Iterator<Item = Result<(Box<[u8]>, Box<[u8]>), rocksdb::Error>> + 'a,
        limit: usize,
        keep: impl Fn(&[u8]) -> bool,
    ) -> Result<Vec<Record>, StoreError> {
        let mut out = Vec::new();
        for item in it {
            if out.len() >= limit {
                break;
            }
            let (k, v) = item?;
            if !keep(&k) {
                break;
            }
            out.push((k.into_vec(), v.into_vec()));
        }
        Ok(out)
    }
}

/// Most bytes of write-ahead log kept before RocksDB flushes the column families that pin the
/// oldest log file. A log file can be deleted only once every column family with data in it has
/// flushed, and column families written rarely (parties, agreements, policies) flush rarely: without
/// a cap, one registration pinned every later log file and the logs grew without bound until a
/// restart (measured: 2.6 GB of logs beside 1.2 GB of tables after 10^7 log leaves,
/// benches/log_scale.rs; BENCHMARKS.md "RocksDB settings").
const WAL_MAX_BYTES: u64 = 256 << 20;

/// Most bytes of memtables across all column families before the largest is flushed: one bound
/// for the whole database instead of 64 MB for each of its column families.
const MEMTABLES_MAX_BYTES: usize = 256 << 20;

fn base_options() -> Options {
    let mut opts = Options::default();
    opts.set_compression_type(rocksdb::DBCompressionType::Lz4);
    opts.set_max_total_wal_size(WAL_MAX_BYTES);
    opts.set_db_write_buffer_size(MEMTABLES_MAX_BYTES);
    opts
}

fn descriptors(existing: &[String]) -> Vec<ColumnFamilyDescriptor> {
    let mut names: Vec<String> = Cf::ALL.iter().map(|c| c.name().to_string()).collect();
    for name in existing {
        if name != "default" && !names.contains(name) {
            names.push(name.clone());
        }
    }
    names
        .into_iter()
        .map(|n| ColumnFamilyDescriptor::new(n, base_options()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

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
