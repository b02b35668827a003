//! The PostgreSQL engine (docs/operating.md, "Running on PostgreSQL"). Tables:
//! `notar_leaves` (the log, its index the primary key: a second leaf at an index cannot commit),
//! `notar_records` (every other kind, `(cf, k)` the primary key), `notar_exposure_checks` (each
//! agreement's exposure after its last grant, under `CHECK (exposure <= total_cap)`),
//! `notar_log_state` (one row: the writer's epoch and lease and the committed tree size; see
//! `pg_lease.rs`).
//!
//! One batch is one statement, hence one transaction and one round trip, led by the fence: the
//! state row must still carry this writer's epoch and the tree size it last committed, or
//! nothing is written and this process signs nothing more. The blocking `postgres` client runs on threads of its own (a
//! writer, a few readers, the lease's heartbeat), since the store is called from plain threads
//! and runtime workers alike and that client must not run inside a runtime.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use postgres::Client;

use super::pg_cache::{HashCache, Prefetched};
use super::pg_lease::{self, Lease};
use super::{Backend, Batch, Cf, Range, Role, StoreError, Visit};

/// Reader connections (reads run concurrently on them; the writer has its own).
const READERS: usize = 4;
/// Records fetched per round trip when scanning.
const SCAN_CHUNK: i64 = 512;

/// An open PostgreSQL store.
pub(super) struct PgBackend {
    db: Arc<str>,
    writer: Conns,
    readers: Arc<Conns>,
    /// Until the notary has loaded (standby, replica): one connection in one REPEATABLE READ
    /// transaction, so the state it loads is one commit's, not a mix.
    snapshot: Mutex<Option<Arc<Conns>>>,
    lease: Arc<Lease>,
    hashes: Arc<HashCache>,
    prefetched: Prefetched,
    _heartbeat: Option<pg_lease::Heartbeat>,
}

impl PgBackend {
    /// Makes the tables in an empty database and takes the writer's lease (epoch 1).
    pub(super) fn create(url: &str, ttl: Duration) -> Result<Self, StoreError> {
        let db: Arc<str> = redact(url).into();
        let lease = Arc::new(Lease::new(ttl));
        let writer = Conns::start(url, &db, 1, &pg_lease::writer_setup(ttl))?;
        let created = {
            let (lease, db) = (lease.clone(), db.clone());
            writer.call(move |c| pg_lease::create(c, &db, &lease))?
        };
        if !created {
            return Err(StoreError::AlreadyExists(PathBuf::from(&*db)));
        }
        Self::finish(url, db, writer, lease)
    }

    /// Opens a database `create` made: takes the writer's lease if it has lapsed, else waits
    /// as a standby; a `replica` (a read-only hot standby) never takes it.
    pub(super) fn open(url: &str, ttl: Duration, replica: bool) -> Result<Self, StoreError> {
        let db: Arc<str> = redact(url).into();
        let lease = Arc::new(Lease::new(ttl));
        let writer = Conns::start(url, &db, 1, &pg_lease::writer_setup(ttl))?;
        let made = {
            let (lease, db) = (lease.clone(), db.clone());
            writer.call(move |c| pg_lease::open(c, &db, &lease, replica))?
        };
        if !made {
            return Err(StoreError::Missing(PathBuf::from(&*db)));
        }
        Self::finish(url, db, writer, lease)
    }

    fn finish(
        url: &str,
        db: Arc<str>,
        writer: Conns,
        lease: Arc<Lease>,
    ) -> Result<Self, StoreError> {
        let readers = Arc::new(Conns::start(
            url,
            &db,
            READERS,
            "SET application_name = 'notar reader'",
        )?);
        let (heartbeat, snapshot) = match lease.role() {
            Role::Active => (
                Some(pg_lease::Heartbeat::start(url, db.clone(), lease.clone())?),
                None,
            ),
            _ => (
                None,
                Some(Arc::new(Conns::start(
                    url,
                    &db,
                    1,
                    "SET application_name = 'notar load'; \
                     BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
                )?)),
            ),
        };
        Ok(PgBackend {
            db,
            writer,
            readers,
            snapshot: Mutex::new(snapshot),
            lease,
            hashes: Arc::default(),
            prefetched: Prefetched::default(),
            _heartbeat: heartbeat,
        })
    }

    /// Where reads go: the load snapshot while there is one, else the reader pool.
    fn reader(&self) -> Arc<Conns> {
        let snapshot = self.snapshot.lock().unwrap_or_else(|p| p.into_inner());
        snapshot.clone().unwrap_or_else(|| self.readers.clone())
    }
}

impl Drop for PgBackend {
    /// A writer that closes cleanly gives its lease back, so a standby need not wait it out.
    fn drop(&mut self) {
        if let Ok((epoch, _)) = self.lease.writer() {
            let lease = self.lease.clone();
            let db = self.db.clone();
            if let Err(e) = self
                .writer
                .call(move |c| pg_lease::release(c, &db, &lease, epoch))
            {
                tracing::warn!("could not give the writer's lease back: {e}");
            }
        }
    }
}

impl Backend for PgBackend {
    fn write(&self, batch: Batch) -> Result<(), StoreError> {
        // Before the commit can land: no read may be answered from before it afterwards.
        self.prefetched.forget();
        let lease = self.lease.clone();
        let db = self.db.clone();
        self.writer
            .call(move |c| write_batch(c, &db, &lease, &batch))
    }

    fn get(&self, cf: Cf, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.multi_get(cf, &[key.to_vec()])?.pop().flatten())
    }

    fn multi_get(&self, cf: Cf, keys: &[Vec<u8>]) -> Result<Vec<Option<Vec<u8>>>, StoreError> {
        if cf != Cf::LogHashes {
            let known: Option<Vec<_>> =
                keys.iter().map(|k| self.prefetched.lookup(cf, k)).collect();
            return match known {
                Some(values) => Ok(values),
                None => self.fetch(cf, keys.to_vec()),
            };
        }
        let mut got = self.hashes.lookup(keys);
        let missing: Vec<Vec<u8>> = keys
            .iter()
            .zip(&got)
            .filter(|(_, v)| v.is_none())
            .map(|(k, _)| k.clone())
            .collect();
        if missing.is_empty() {
            return Ok(got);
        }
        let mut fetched = self.fetch(cf, missing.clone())?.into_iter();
        for (k, slot) in keys.iter().zip(got.iter_mut()) {
            if slot.is_none() {
                *slot = fetched.next().flatten();
                if let Some(v) = slot {
                    self.hashes.insert(k, v);
                }
            }
        }
        Ok(got)
    }

    fn scan(&self, cf: Cf, range: Range<'_>, f: &mut Visit<'_>) -> Result<(), StoreError> {
        let reverse = matches!(range, Range::Reverse);
        let prefix = match range {
            Range::Prefix(p) => Some(p.to_vec()),
            _ => None,
        };
        // Keyset pagination: each round trip starts after the last key seen.
        let mut after: Option<Vec<u8>> = None;
        let mut from = prefix.clone();
        loop {
            let chunk = {
                let (after, from, db) = (after.clone(), from.take(), self.db.clone());
                self.reader()
                    .call(move |c| scan_chunk(c, &db, cf, reverse, after, from))?
            };
            let full = chunk.len() as i64 == SCAN_CHUNK;
            for (k, v) in &chunk {
                if prefix.as_ref().is_some_and(|p| !k.starts_with(p)) || !f(k, v)? {
                    return Ok(());
                }
            }
            match chunk.into_iter().last() {
                Some((k, _)) if full => after = Some(k),
                _ => return Ok(()),
            }
        }
    }

    fn role(&self) -> Role {
        self.lease.role()
    }

    fn lease_lapsed(&self) -> Result<bool, StoreError> {
        let db = self.db.clone();
        self.readers.call(move |c| pg_lease::lapsed(c, &db))
    }

    fn remote(&self) -> bool {
        true
    }

    fn want(&self, cf: Cf, key: &[u8]) {
        self.prefetched.want(cf, key);
    }

    fn prefetch(&self) -> Result<(), StoreError> {
        // Every kind in one statement: one round trip per batch.
        let wanted: Vec<(Cf, Vec<Vec<u8>>)> = self.prefetched.take_wanted().into_iter().collect();
        if wanted.is_empty() {
            return Ok(());
        }
        let cfs: Vec<i16> = wanted
            .iter()
            .flat_map(|(cf, keys)| keys.iter().map(|_| cf.code()))
            .collect();
        let keys: Vec<Vec<u8>> = wanted.iter().flat_map(|(_, k)| k.iter().cloned()).collect();
        let db = self.db.clone();
        let rows = self.reader().call(move |c| {
            let stmt = c
                .prepared(
                    "SELECT cf, k, v FROM notar_records \
                     WHERE (cf, k) IN (SELECT * FROM unnest($1::smallint[], $2::bytea[]))",
                )
                .map_err(|e| pg_error(&db, &e))?;
            let rows = c
                .query(&stmt, &[&cfs, &keys])
                .map_err(|e| pg_error(&db, &e))?;
            Ok(rows
                .into_iter()
                .map(|r| ((r.get::<_, i16>(0), r.get::<_, Vec<u8>>(1)), r.get(2)))
                .collect::<HashMap<(i16, Vec<u8>), Vec<u8>>>())
        })?;
        for (cf, keys) in wanted {
            // `get`, not `remove`: the same key may be wanted twice (a retried request).
            let values = keys
                .iter()
                .map(|k| rows.get(&(cf.code(), k.clone())).cloned())
                .collect();
            self.prefetched.keep(cf, keys, values);
        }
        Ok(())
    }

    fn loaded(&self) {
        // Dropping the connection ends its transaction.
        self.snapshot
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
    }
}

impl PgBackend {
    /// Reads `keys` of `cf` from the database, in the order of `keys`.
    fn fetch(&self, cf: Cf, keys: Vec<Vec<u8>>) -> Result<Vec<Option<Vec<u8>>>, StoreError> {
        let db = self.db.clone();
        self.reader().call(move |c| {
            let pe = |e: postgres::Error| pg_error(&db, &e);
            let rows = if cf == Cf::LogLeaves {
                let idx: Vec<i64> = keys.iter().filter_map(|k| leaf_index(k)).collect();
                let stmt = c
                    .prepared("SELECT idx, entry FROM notar_leaves WHERE idx = ANY($1)")
                    .map_err(pe)?;
                c.query(&stmt, &[&idx])
            } else {
                let stmt = c
                    .prepared("SELECT k, v FROM notar_records WHERE cf = $1 AND k = ANY($2)")
                    .map_err(pe)?;
                c.query(&stmt, &[&cf.code(), &keys])
            }
            .map_err(|e| pg_error(&db, &e))?;
            let mut found: BTreeMap<Vec<u8>, Vec<u8>> = rows
                .into_iter()
                .map(|r| (row_key(cf, &r), r.get::<_, Vec<u8>>(1)))
                .collect();
            Ok(keys.iter().map(|k| found.remove(k)).collect())
        })
    }
}

/// A batch split by table: leaves by index, records (a later put of the same key wins, as in
/// RocksDB: one INSERT may not touch a row twice), exposure checks.
#[derive(Default)]
struct Split<'a> {
    leaves: (Vec<i64>, Vec<&'a [u8]>),
    records: BTreeMap<(i16, &'a [u8]), &'a [u8]>,
    checks: BTreeMap<&'a [u8], (i64, i64)>,
}

fn split<'a>(db: &str, batch: &'a Batch) -> Result<Split<'a>, StoreError> {
    let mut out = Split::default();
    for (cf, k, v) in batch.iter() {
        if cf == Cf::ExposureCheck {
            out.checks.insert(k, exposure_of(db, v)?);
        } else if cf == Cf::LogLeaves {
            let idx = leaf_index(k).ok_or_else(|| StoreError::Postgres {
                db: db.to_string(),
                message: format!("log leaf key of {} bytes", k.len()),
            })?;
            out.leaves.0.push(idx);
            out.leaves.1.push(v);
        } else {
            out.records.insert((cf.code(), k), v);
        }
    }
    Ok(out)
}

/// The whole batch in one statement, so one round trip (autocommit: a statement is its own
/// transaction, all or nothing). The fence comes first; every insert depends on its row, so if
/// it touches none (another writer's epoch, or another tree size) nothing is written and the
/// statement returns 0. Params: $1..$4 the fence's (new tree size, lease ms, epoch, old tree
/// size), then the leaves, the records (a later put of a key wins: deduplicated before) and the
/// exposure checks as arrays.
const WRITE_BATCH: &str = "WITH fence AS (\
       UPDATE notar_log_state SET tree_size = $1, \
       lease_until = now() + $2::float8 * interval '1 millisecond' \
       WHERE id = 1 AND epoch = $3 AND tree_size = $4 RETURNING 1), \
     leaves AS (INSERT INTO notar_leaves (idx, entry) \
       SELECT * FROM unnest($5::bigint[], $6::bytea[]) WHERE EXISTS (SELECT 1 FROM fence)), \
     records AS (INSERT INTO notar_records (cf, k, v) \
       SELECT * FROM unnest($7::smallint[], $8::bytea[], $9::bytea[]) \
       WHERE EXISTS (SELECT 1 FROM fence) \
       ON CONFLICT (cf, k) DO UPDATE SET v = excluded.v), \
     checks AS (INSERT INTO notar_exposure_checks (agreement_id, exposure, total_cap) \
       SELECT * FROM unnest($10::bytea[], $11::bigint[], $12::bigint[]) \
       WHERE EXISTS (SELECT 1 FROM fence) \
       ON CONFLICT (agreement_id) DO UPDATE \
       SET exposure = excluded.exposure, total_cap = excluded.total_cap) \
     SELECT count(*) FROM fence";

/// One batch, one statement: the fence, the leaves, the records, the exposure checks. Any
/// failure leaves nothing written, except a connection lost before the answer, whose outcome is
/// unknown (the notary stops and reloads).
fn write_batch(c: &mut Conn, db: &str, lease: &Lease, batch: &Batch) -> Result<(), StoreError> {
    let (epoch, old) = lease.writer()?;
    let new = batch.log_size.map_or(old, |s| s as i64);
    let p = split(db, batch)?;
    let e = |e: postgres::Error| pg_error(db, &e);
    // Prepared once per connection.
    let stmt = c.prepared(WRITE_BATCH).map_err(e)?;
    let cfs: Vec<i16> = p.records.keys().map(|(cf, _)| *cf).collect();
    let keys: Vec<&[u8]> = p.records.keys().map(|(_, k)| *k).collect();
    let values: Vec<&[u8]> = p.records.values().copied().collect();
    let ids: Vec<&[u8]> = p.checks.keys().copied().collect();
    let exposure: Vec<i64> = p.checks.values().map(|c| c.0).collect();
    let cap: Vec<i64> = p.checks.values().map(|c| c.1).collect();
    let ms = lease.ms();
    let params: [&(dyn postgres::types::ToSql + Sync); 12] = [
        &new,
        &ms,
        &epoch,
        &old,
        &p.leaves.0,
        &p.leaves.1,
        &cfs,
        &keys,
        &values,
        &ids,
        &exposure,
        &cap,
    ];
    let fenced = match c.query_one(&stmt, &params) {
        Ok(row) => row.get::<_, i64>(0) != 1,
        Err(err) if err.as_db_error().is_some() => return Err(e(err)),
        Err(err) => {
            // No answer from the server: the statement may have committed. This writer must
            // not go on from memory.
            lease.lose(epoch);
            return Err(e(err));
        }
    };
    if fenced {
        return Err(lease.fenced(epoch));
    }
    lease.committed(new);
    Ok(())
}

/// The (exposure, total cap) of a [`Cf::ExposureCheck`] value.
fn exposure_of(db: &str, v: &[u8]) -> Result<(i64, i64), StoreError> {
    match (v.get(..8), v.get(8..)) {
        (Some(e), Some(c)) if v.len() == 16 => {
            let n = |b: &[u8]| <[u8; 8]>::try_from(b).map(i64::from_be_bytes).unwrap_or(0);
            Ok((n(e), n(c)))
        }
        _ => Err(StoreError::Postgres {
            db: db.to_string(),
            message: format!("exposure check of {} bytes", v.len()),
        }),
    }
}

/// One round trip of a scan: up to `SCAN_CHUNK` records after `after` (or from `from`).
fn scan_chunk(
    c: &mut Conn,
    db: &str,
    cf: Cf,
    reverse: bool,
    after: Option<Vec<u8>>,
    from: Option<Vec<u8>>,
) -> Result<Vec<super::Record>, StoreError> {
    // Without `after`, the bound is the least key (or the prefix): `>=` takes everything from it.
    let (cmp, order) = match (reverse, after.is_some()) {
        (true, true) => ("<", "DESC"),
        (true, false) => (">=", "DESC"),
        (false, true) => (">", "ASC"),
        (false, false) => (">=", "ASC"),
    };
    let rows = if cf == Cf::LogLeaves {
        // Keys are 8-byte big-endian indices: a byte prefix is an index lower bound.
        let bound = after.or(from).map_or(0, |k| pad_index(&k));
        let sql = format!(
            "SELECT idx, entry FROM notar_leaves WHERE idx {cmp} $1 ORDER BY idx {order} LIMIT $2"
        );
        let stmt = c.prepared(&sql).map_err(|e| pg_error(db, &e))?;
        c.query(&stmt, &[&bound, &SCAN_CHUNK])
    } else {
        let bound = after.or(from).unwrap_or_default();
        let sql = format!(
            "SELECT k, v FROM notar_records WHERE cf = $1 AND k {cmp} $2 ORDER BY k {order} LIMIT $3"
        );
        let stmt = c.prepared(&sql).map_err(|e| pg_error(db, &e))?;
        c.query(&stmt, &[&cf.code(), &bound, &SCAN_CHUNK])
    }
    .map_err(|e| pg_error(db, &e))?;
    Ok(rows
        .into_iter()
        .map(|r| (row_key(cf, &r), r.get::<_, Vec<u8>>(1)))
        .collect())
}

/// The index an 8-byte big-endian leaf key names (None for any other length or beyond i64).
fn leaf_index(key: &[u8]) -> Option<i64> {
    let raw = <[u8; 8]>::try_from(key).ok()?;
    i64::try_from(u64::from_be_bytes(raw)).ok()
}

/// The smallest index whose key starts with `prefix` (a prefix of at most 8 bytes).
fn pad_index(prefix: &[u8]) -> i64 {
    let mut raw = [0u8; 8];
    let n = prefix.len().min(8);
    raw[..n].copy_from_slice(&prefix[..n]);
    i64::try_from(u64::from_be_bytes(raw)).unwrap_or(i64::MAX)
}

/// A row's key as the store's callers know it.
fn row_key(cf: Cf, row: &postgres::Row) -> Vec<u8> {
    if cf == Cf::LogLeaves {
        let idx: i64 = row.get(0);
        (idx as u64).to_be_bytes().to_vec()
    } else {
        row.get(0)
    }
}

/// The URL without its password: what messages and logs may show.
pub(super) fn redact(url: &str) -> String {
    match url.parse::<postgres::Config>() {
        Ok(cfg) => {
            let host = match cfg.get_hosts().first() {
                Some(postgres::config::Host::Tcp(h)) => h.clone(),
                Some(postgres::config::Host::Unix(p)) => p.display().to_string(),
                None => "localhost".into(),
            };
            let port = cfg.get_ports().first().copied().unwrap_or(5432);
            format!(
                "postgres://{}@{host}:{port}/{}",
                cfg.get_user().unwrap_or(""),
                cfg.get_dbname().unwrap_or("")
            )
        }
        Err(_) => "postgres (unparsable URL)".into(),
    }
}

/// A client error as a store error, with the server's own message when it sent one.
pub(super) fn pg_error(db: &str, e: &postgres::Error) -> StoreError {
    let message = match e.as_db_error() {
        Some(d) => format!("{} ({})", d.message(), d.code().code()),
        None => match std::error::Error::source(e) {
            Some(src) => format!("{e}: {src}"),
            None => e.to_string(),
        },
    };
    StoreError::Postgres {
        db: db.to_string(),
        message,
    }
}

/// A connection and the statements prepared on it.
pub(super) struct Conn {
    client: Client,
    statements: HashMap<String, postgres::Statement>,
}

impl Conn {
    /// `sql` prepared on this connection (once: later calls reuse it).
    fn prepared(&mut self, sql: &str) -> Result<postgres::Statement, postgres::Error> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let s = self.client.prepare(sql)?;
        self.statements.insert(sql.to_string(), s.clone());
        Ok(s)
    }
}

impl std::ops::Deref for Conn {
    type Target = Client;
    fn deref(&self) -> &Client {
        &self.client
    }
}

impl std::ops::DerefMut for Conn {
    fn deref_mut(&mut self) -> &mut Client {
        &mut self.client
    }
}

/// A call on a connection; returns true when it failed (the thread then checks the connection).
type Job = Box<dyn FnOnce(Result<&mut Conn, String>) -> bool + Send>;

/// Connections on threads of their own, sharing one queue of calls.
pub(super) struct Conns {
    db: Arc<str>,
    queue: mpsc::Sender<Job>,
}

impl Conns {
    /// Starts `threads` connections, each running `setup` first; fails if the first cannot
    /// connect. A connection that breaks later reconnects at its next call.
    pub(super) fn start(
        url: &str,
        db: &Arc<str>,
        threads: usize,
        setup: &str,
    ) -> Result<Self, StoreError> {
        let (queue, jobs) = mpsc::channel::<Job>();
        let jobs = Arc::new(Mutex::new(jobs));
        for _ in 0..threads {
            let (ready_tx, ready) = mpsc::sync_channel(1);
            let (url, setup, jobs) = (url.to_string(), setup.to_string(), jobs.clone());
            std::thread::Builder::new()
                .name("notar-pg".into())
                .spawn(move || serve_calls(&url, &setup, &jobs, &ready_tx))
                .map_err(|e| StoreError::Postgres {
                    db: db.to_string(),
                    message: format!("cannot start a connection thread: {e}"),
                })?;
            match ready.recv() {
                Ok(Ok(())) => {}
                Ok(Err(message)) => {
                    return Err(StoreError::Postgres {
                        db: db.to_string(),
                        message,
                    })
                }
                Err(_) => return Err(closed(db)),
            }
        }
        Ok(Conns {
            db: db.clone(),
            queue,
        })
    }

    /// Runs `f` on one of the connections and waits for its answer.
    pub(super) fn call<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Conn) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let (tx, rx) = mpsc::sync_channel(1);
        let db = self.db.clone();
        let job: Job = Box::new(move |client| {
            let out = match client {
                Ok(c) => f(c),
                Err(message) => Err(StoreError::Postgres {
                    db: db.to_string(),
                    message,
                }),
            };
            let failed = out.is_err();
            let _ = tx.send(out);
            failed
        });
        self.queue.send(job).map_err(|_| closed(&self.db))?;
        rx.recv().map_err(|_| closed(&self.db))?
    }
}

fn closed(db: &str) -> StoreError {
    StoreError::Postgres {
        db: db.to_string(),
        message: "the connection thread ended".into(),
    }
}

/// A connection thread: connects, says so on `ready`, then runs calls until the queue closes.
fn serve_calls(
    url: &str,
    setup: &str,
    jobs: &Mutex<mpsc::Receiver<Job>>,
    ready: &mpsc::SyncSender<Result<(), String>>,
) {
    let conn = |c| Conn {
        client: c,
        statements: HashMap::new(),
    };
    let mut client = match connect(url, setup) {
        Ok(c) => {
            let _ = ready.send(Ok(()));
            Some(conn(c))
        }
        Err(message) => {
            let _ = ready.send(Err(message));
            return;
        }
    };
    loop {
        let job = match jobs.lock() {
            Ok(queue) => match queue.recv() {
                Ok(job) => job,
                Err(_) => return,
            },
            Err(_) => return,
        };
        if client.as_ref().is_none_or(|c| c.is_closed()) {
            client = connect(url, setup).ok().map(conn);
        }
        let failed = match client.as_mut() {
            Some(c) => job(Ok(c)),
            None => job(Err("cannot reconnect".into())),
        };
        // After a failed call, a broken connection (the server went away, or a promotion
        // moved the primary) is replaced at the next call; an SQL error leaves it as it is.
        if failed && client.as_mut().is_some_and(|c| c.simple_query("").is_err()) {
            client = None;
        }
    }
}

/// A new connection with `setup` run on it; the error as text.
pub(super) fn connect(url: &str, setup: &str) -> Result<Client, String> {
    let mut c = Client::connect(url, postgres::NoTls).map_err(|e| match e.as_db_error() {
        Some(d) => d.message().to_string(),
        None => match std::error::Error::source(&e) {
            Some(src) => format!("{e}: {src}"),
            None => e.to_string(),
        },
    })?;
    c.batch_execute(setup).map_err(|e| e.to_string())?;
    Ok(c)
}
