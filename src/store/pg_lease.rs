//! The single writer on PostgreSQL: one state row, `notar_log_state`, holds the writer's epoch,
//! its lease (until a time on the database's clock) and the committed tree size.
//!
//! - A writer takes the lease only once it has lapsed, by raising the epoch in one conditional
//!   UPDATE; then it rebuilds its memory from the database (the notary loads after the store
//!   opens) before it signs anything.
//! - Every batch is one statement led by the fence: `UPDATE … WHERE epoch = mine AND tree_size =
//!   old` (`pg.rs`, `WRITE_BATCH`), which must touch exactly one row, and every insert of the
//!   batch depends on that row. A deposed or paused writer's next batch touches none: nothing is
//!   written and it signs nothing more, whatever it still believes.
//! - A heartbeat renews the lease every third of its length while the writer is idle.
//! - The writer's sessions end a transaction left idle longer than the lease (there are none
//!   today: a batch is one statement; this guards the state row's lock against a future change)
//!   and give up waiting for a lock after the lease, so a takeover never hangs.

use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use postgres::Client;

use super::pg::{connect, pg_error};
use super::{Role, StoreError};

/// The tables, made if missing at every start of a writer (the schema's migration: the version
/// itself is the `schema_version` record every store keeps).
const DDL: &str = "
CREATE TABLE IF NOT EXISTS notar_log_state (
    id smallint PRIMARY KEY CHECK (id = 1),
    epoch bigint NOT NULL CHECK (epoch > 0),
    tree_size bigint NOT NULL CHECK (tree_size >= 0),
    lease_until timestamptz NOT NULL,
    holder text NOT NULL
);
CREATE TABLE IF NOT EXISTS notar_leaves (
    idx bigint PRIMARY KEY CHECK (idx >= 0),
    entry bytea NOT NULL
);
CREATE TABLE IF NOT EXISTS notar_exposure_checks (
    agreement_id bytea PRIMARY KEY,
    exposure bigint NOT NULL,
    total_cap bigint NOT NULL,
    CHECK (exposure >= 0 AND exposure <= total_cap)
);
CREATE TABLE IF NOT EXISTS notar_records (
    cf smallint NOT NULL,
    k bytea NOT NULL,
    v bytea NOT NULL,
    PRIMARY KEY (cf, k)
);";

/// What this process knows of the lease.
pub(super) struct Lease {
    ttl: Duration,
    holder: String,
    state: Mutex<State>,
}

struct State {
    epoch: i64,
    tree_size: i64,
    role: Role,
}

impl Lease {
    pub(super) fn new(ttl: Duration) -> Self {
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|h| h.trim().to_string())
            .unwrap_or_else(|_| "?".into());
        Lease {
            ttl,
            holder: format!("{host}:{}", std::process::id()),
            state: Mutex::new(State {
                epoch: 0,
                tree_size: 0,
                role: Role::Standby,
            }),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        // The state is three plain fields: a panic elsewhere cannot leave it half-written.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(super) fn ms(&self) -> f64 {
        self.ttl.as_secs_f64() * 1000.0
    }

    /// This process's role.
    pub(super) fn role(&self) -> Role {
        self.state().role
    }

    /// The epoch and committed tree size to write under; an error unless this is the writer.
    pub(super) fn writer(&self) -> Result<(i64, i64), StoreError> {
        let s = self.state();
        match s.role {
            Role::Active => Ok((s.epoch, s.tree_size)),
            other => Err(StoreError::NotWriter(format!(
                "this notar's role is {} (it last held epoch {})",
                other.as_str(),
                s.epoch
            ))),
        }
    }

    fn took(&self, epoch: i64, tree_size: i64) {
        let mut s = self.state();
        (s.epoch, s.tree_size, s.role) = (epoch, tree_size, Role::Active);
    }

    /// The fence touched no row: another process holds a higher epoch.
    pub(super) fn fenced(&self, epoch: i64) -> StoreError {
        self.lose(epoch);
        StoreError::NotWriter(format!(
            "the lease of epoch {epoch} was taken over by another notar; this one signs nothing more"
        ))
    }

    /// Stops writing under `epoch` (deposed, or a COMMIT of unknown outcome).
    pub(super) fn lose(&self, epoch: i64) {
        let mut s = self.state();
        if s.epoch == epoch && s.role == Role::Active {
            s.role = Role::Fenced;
        }
    }

    /// A batch committed: the tree now has `size` leaves.
    pub(super) fn committed(&self, size: i64) {
        self.state().tree_size = size;
    }
}

/// Session settings of the writer's connection: a transaction idle past the lease is ended by
/// the server; a lock not granted within the lease fails the statement.
pub(super) fn writer_setup(ttl: Duration) -> String {
    let ms = ttl.as_millis();
    format!(
        "SET application_name = 'notar writer'; SET client_min_messages = warning; \
         SET idle_in_transaction_session_timeout = {ms}; SET lock_timeout = {ms}"
    )
}

/// Makes the tables and the state row (epoch 1, this process the writer). False when the state
/// row was already there: the database already holds a notary.
pub(super) fn create(c: &mut Client, db: &str, lease: &Lease) -> Result<bool, StoreError> {
    let e = |e: postgres::Error| pg_error(db, &e);
    c.batch_execute(DDL).map_err(e)?;
    let n = c
        .execute(
            "INSERT INTO notar_log_state (id, epoch, tree_size, lease_until, holder) \
             VALUES (1, 1, 0, now() + $1::float8 * interval '1 millisecond', $2) \
             ON CONFLICT (id) DO NOTHING",
            &[&lease.ms(), &lease.holder],
        )
        .map_err(e)?;
    if n == 1 {
        lease.took(1, 0);
    }
    Ok(n == 1)
}

/// Opens a database `create` made (false when it did not): migrates the tables and takes the
/// lease if it has lapsed, else this process is a standby; a replica only reads.
pub(super) fn open(
    c: &mut Client,
    db: &str,
    lease: &Lease,
    replica: bool,
) -> Result<bool, StoreError> {
    let e = |e: postgres::Error| pg_error(db, &e);
    let made: bool = c
        .query_one("SELECT to_regclass('notar_log_state') IS NOT NULL", &[])
        .map_err(e)?
        .get(0);
    if !made {
        return Ok(false);
    }
    if replica {
        lease.state().role = Role::Replica;
        return Ok(true);
    }
    c.batch_execute(DDL).map_err(e)?;
    acquire(c, db, lease)?;
    Ok(true)
}

/// Takes the lease if it has lapsed (raising the epoch); otherwise leaves this a standby.
fn acquire(c: &mut Client, db: &str, lease: &Lease) -> Result<(), StoreError> {
    let row = c
        .query_opt(
            "UPDATE notar_log_state SET epoch = epoch + 1, \
             lease_until = now() + $1::float8 * interval '1 millisecond', holder = $2 \
             WHERE id = 1 AND lease_until < now() RETURNING epoch, tree_size",
            &[&lease.ms(), &lease.holder],
        )
        .map_err(|e| pg_error(db, &e))?;
    if let Some(row) = row {
        let (epoch, size): (i64, i64) = (row.get(0), row.get(1));
        tracing::info!(epoch, tree_size = size, "took the writer's lease");
        lease.took(epoch, size);
    }
    Ok(())
}

/// Gives the lease of `epoch` back (it lapses now); this process writes nothing more.
pub(super) fn release(
    c: &mut Client,
    db: &str,
    lease: &Lease,
    epoch: i64,
) -> Result<(), StoreError> {
    lease.lose(epoch);
    c.execute(
        "UPDATE notar_log_state SET lease_until = now() - interval '1 millisecond' \
         WHERE id = 1 AND epoch = $1",
        &[&epoch],
    )
    .map_err(|e| pg_error(db, &e))?;
    Ok(())
}

/// Whether the lease has lapsed (on the database's clock).
pub(super) fn lapsed(c: &mut Client, db: &str) -> Result<bool, StoreError> {
    let row = c
        .query_one(
            "SELECT lease_until < now() FROM notar_log_state WHERE id = 1",
            &[],
        )
        .map_err(|e| pg_error(db, &e))?;
    Ok(row.get(0))
}

/// Renews the writer's lease every third of its length on a connection of its own; stops when
/// dropped. A renewal that touches no row means another notar took over: the lease is lost.
pub(super) struct Heartbeat {
    _stop: mpsc::Sender<()>,
}

impl Heartbeat {
    pub(super) fn start(url: &str, db: Arc<str>, lease: Arc<Lease>) -> Result<Self, StoreError> {
        let setup = format!(
            "SET application_name = 'notar heartbeat'; SET lock_timeout = {}",
            lease.ttl.as_millis()
        );
        let (stop, stopped) = mpsc::channel::<()>();
        let (ready_tx, ready) = mpsc::sync_channel(1);
        let url = url.to_string();
        let thread_db = db.clone();
        std::thread::Builder::new()
            .name("notar-lease".into())
            .spawn(move || {
                // The blocking client connects (and is dropped) on this thread, never inside the
                // caller's runtime.
                let mut client = match connect(&url, &setup) {
                    Ok(c) => {
                        let _ = ready_tx.send(Ok(()));
                        c
                    }
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                beat(&mut client, &url, &setup, &thread_db, &lease, &stopped);
            })
            .map_err(|e| StoreError::Postgres {
                db: db.to_string(),
                message: format!("cannot start the lease heartbeat: {e}"),
            })?;
        match ready.recv() {
            Ok(Ok(())) => Ok(Heartbeat { _stop: stop }),
            Ok(Err(message)) => Err(StoreError::Postgres {
                db: db.to_string(),
                message,
            }),
            Err(_) => Err(StoreError::Postgres {
                db: db.to_string(),
                message: "the lease heartbeat ended".into(),
            }),
        }
    }
}

/// Renews every third of the lease until `stopped` closes or this process is no longer the
/// writer.
fn beat(
    client: &mut Client,
    url: &str,
    setup: &str,
    db: &str,
    lease: &Lease,
    stopped: &mpsc::Receiver<()>,
) {
    let every = lease.ttl / 3;
    let mut broken = false;
    while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(every) {
        let Ok((epoch, _)) = lease.writer() else {
            return;
        };
        if broken {
            match connect(url, setup) {
                Ok(c) => *client = c,
                Err(e) => {
                    tracing::warn!("lease heartbeat cannot reconnect to {db}: {e}");
                    continue;
                }
            }
        }
        broken = !renew(client, db, lease, epoch);
    }
}

/// One renewal; false when the connection failed (the caller reconnects).
fn renew(c: &mut Client, db: &str, lease: &Lease, epoch: i64) -> bool {
    let renewed = c.execute(
        "UPDATE notar_log_state SET lease_until = now() + $1::float8 * interval '1 millisecond' \
         WHERE id = 1 AND epoch = $2",
        &[&lease.ms(), &epoch],
    );
    match renewed {
        Ok(1) => true,
        Ok(_) => {
            let e = lease.fenced(epoch);
            tracing::error!("{e}");
            true
        }
        Err(e) => {
            tracing::warn!("lease heartbeat on {db}: {e}");
            c.simple_query("").is_ok()
        }
    }
}
