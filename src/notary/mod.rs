//! The notary: the one owner of state changes. Front ends (HTTP API, console, CLI) call it; it
//! sends every signing command through the sequencer and answers reads from the store.

mod agreements;
mod by_index;
mod case_export;
mod case_orders;
mod command;
mod complaints;
pub mod config;
pub mod datadir;
mod decoded_keys;
mod exchanges;
mod faults;
mod feed;
pub mod fixture;
mod guarantees;
pub mod hashes;
mod nonce;
mod order_sigs;
mod parties;
mod policies;
mod rate;
mod reads;
pub mod sequencer;
mod sign_cell;
mod sign_pool;
mod stamp;
mod state;
mod tokens;
mod workers;

use std::sync::Arc;

use base64::Engine;
use chrono::{DateTime, Utc};
use serde::Serialize;
use tokio::sync::mpsc;

pub use agreements::{AgreementView, NewAgreement};
pub use complaints::{
    Arbitrator, CaseView, ComplaintAnswer, ComplaintLine, ComplaintRecord, Reader, RulingOutcome,
    RulingProposal, SignedRead, SILENCE_BATCH_MAX,
};
pub use exchanges::{
    DecisionRecord, ExchangeAnswer, ExchangeRecord, ExchangeView, EXCHANGE_LIST_MAX,
};
pub use feed::FeedEvent;
pub use guarantees::{
    Caller, Closing, GuaranteeAnswer, GuaranteeRequest, GuaranteeText, GuaranteeView, OrderPayload,
};
pub use parties::{CrlImport, KeyInput, PartyReceipt};
pub use rate::{SignedTotals, HISTORY_SECS};
pub use reads::{Activity, Stats, TimestampRecord};
pub use sequencer::PublishedCheckpoint;
pub use stamp::{StampOutcome, StampReceipt};
pub use state::{GuaranteeRecord, GuaranteeState};
pub use tokens::{TokenChange, TokenReceipt};

use self::config::Config;
use self::datadir::{DataDir, DataDirError, Material};
use self::sequencer::{Clock, Core, Job, Published};
use crate::crypto::keys::key_id;
use crate::crypto::tsa::TsaSigner;
use crate::log::checkpoint::vkey;
use crate::log::LogError;
use crate::model::canonical::CanonicalError;
use crate::model::entry::EntryKind;
use crate::model::error_code::ErrorCode;
use crate::store::{u64_key, Cf, Store, StoreError};

/// Most commands waiting for the sequencer; past it callers get `Overloaded` (HTTP 503).
pub const QUEUE_LEN_MAX: usize = 8192;

/// Why the notary could not do what was asked. `code()` is the wire name.
#[derive(Debug, thiserror::Error)]
pub enum NotaryError {
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The data dir is unusable.
    #[error(transparent)]
    DataDir(#[from] DataDirError),
    /// The Merkle log refused an operation (bad proof range, missing hash).
    #[error("log: {0}")]
    Log(#[from] LogError),
    /// Building or signing an RFC 3161 token failed.
    #[error("timestamp signing failed: {0}")]
    Tsa(String),
    /// A log entry could not be encoded.
    #[error(transparent)]
    Canonical(#[from] CanonicalError),
    /// Stored data contradicts itself: the notary refuses to continue on it.
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
    /// The notary's own code broke one of its invariants (not the data's fault): a bug.
    #[error("internal error (a bug in the notary): {0}")]
    Bug(String),
    /// Signing an object the notary built failed.
    #[error("signing failed: {0}")]
    Signing(String),
    /// The queue is full.
    #[error("the notary is busy; retry shortly")]
    Overloaded,
    /// The sequencer stopped (shutdown, or an earlier failed write, failed check or panic).
    #[error("the notary is not signing (stopping, or stopped after a failure: GET /healthz says why; it signs again once restarted)")]
    Unavailable,
    /// This process may not write: a standby or replica of a PostgreSQL store, or a writer
    /// another process took over from (`/healthz` says which).
    #[error("this notar does not sign now: {0}; send writes to the active notary")]
    NotWriter(String),
    /// The batch holding this command was not made durable.
    #[error("could not make the record durable: {0}")]
    CommitFailed(String),
    /// Nothing with that index/id.
    #[error("{0}")]
    NotFound(String),
    /// The request's parameters are out of range or malformed.
    #[error("{0}")]
    BadRequest(String),
    /// Bad input with a specific code (`malformed_order`, `bad_amount`, `certificate_expired`...).
    #[error("{message}")]
    Invalid {
        /// Wire code.
        code: ErrorCode,
        /// For humans.
        message: String,
    },
    /// A named thing does not exist (`unknown_agreement`, `unknown_guarantee`, ...).
    #[error("{message}")]
    Unknown {
        /// Wire code.
        code: ErrorCode,
        /// For humans.
        message: String,
    },
    /// The request contradicts the current state (`request_id_reused`, `already_settled`, ...).
    #[error("{message}")]
    Conflict {
        /// Wire code.
        code: ErrorCode,
        /// For humans.
        message: String,
    },
    /// The configuration, a policy file or a CA root cannot be used; the notary does not start.
    #[error("{0}")]
    Setup(String),
    /// No or an unknown API token.
    #[error("{0}")]
    Unauthorized(String),
    /// The caller is known but may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// The caller may not do this, with a specific code (`not_originator`).
    #[error("{message}")]
    Denied {
        /// Wire code.
        code: ErrorCode,
        /// For humans.
        message: String,
    },
}

impl NotaryError {
    /// Bad input with a specific wire code.
    pub(crate) fn invalid(code: ErrorCode, message: impl Into<String>) -> Self {
        NotaryError::Invalid {
            code,
            message: message.into(),
        }
    }

    /// `what` named `id` does not exist (`unknown_<what>`); the id is echoed, shortened to 64
    /// characters and escaped by the one rule of what is shown (`model::text::sanitize`).
    pub(crate) fn unknown(code: ErrorCode, what: &str, id: &str) -> Self {
        let id: String = id.chars().take(64).collect();
        NotaryError::Unknown {
            code,
            message: format!("no {what} \"{}\"", crate::model::text::sanitize(&id)),
        }
    }

    /// The wire code: what the caller can act on, named by the variant.
    pub fn code(&self) -> ErrorCode {
        match self {
            NotaryError::Store(_) | NotaryError::CommitFailed(_) => ErrorCode::StorageFailure,
            NotaryError::DataDir(_) => ErrorCode::DataDir,
            NotaryError::Log(_)
            | NotaryError::Canonical(_)
            | NotaryError::Tsa(_)
            | NotaryError::Bug(_)
            | NotaryError::Signing(_) => ErrorCode::Internal,
            NotaryError::Corrupt(_) => ErrorCode::Corrupt,
            NotaryError::Overloaded => ErrorCode::Overloaded,
            NotaryError::Unavailable => ErrorCode::Unavailable,
            NotaryError::NotWriter(_) => ErrorCode::Standby,
            NotaryError::NotFound(_) => ErrorCode::NotFound,
            NotaryError::BadRequest(_) => ErrorCode::BadRequest,
            NotaryError::Invalid { code, .. }
            | NotaryError::Unknown { code, .. }
            | NotaryError::Conflict { code, .. }
            | NotaryError::Denied { code, .. } => *code,
            NotaryError::Unauthorized(_) => ErrorCode::Unauthorized,
            NotaryError::Setup(_) => ErrorCode::Setup,
            NotaryError::Forbidden(_) => ErrorCode::Forbidden,
        }
    }
}

/// The notary's public identity, as served by `GET /v1/notary`.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Identity {
    /// Short name, shown to users.
    pub name: String,
    /// Ed25519 key id (hex SHA-256 of the public key).
    pub key_id: String,
    /// Ed25519 public key, base64.
    pub public_key: String,
    /// C2SP note verifier key for checkpoints.
    pub checkpoint_vkey: String,
    /// Checkpoint origin line.
    pub log_origin: String,
    /// TSA certificate, PEM.
    pub tsa_certificate: String,
    /// Root certificate of the TSA, PEM.
    pub root_certificate: String,
    /// Subject of the TSA certificate (RFC 4514 form).
    pub tsa_subject: String,
    /// TSA policy OID.
    pub timestamp_policy: String,
    /// Declared timestamp accuracy.
    pub timestamp_accuracy_ms: u32,
    /// X25519 public key (raw 32 bytes, base64) item-for-receipt senders seal the item key to.
    pub escrow_public_key: String,
    /// The HPKE suite of the escrow (`crypto::escrow::ESCROW_SUITE`).
    pub escrow_suite: String,
}

struct Shared {
    store: Arc<Store>,
    published: Arc<Published>,
    identity: Identity,
    config: Config,
    tsa: TsaSigner,
    policy: const_oid::ObjectIdentifier,
    started_at: DateTime<Utc>,
    /// The HTTP API's address once the process listens (`http://ADDR:PORT`).
    http_url: std::sync::OnceLock<String>,
    stamp_rate: rate::RateMeter,
    guarantee_rate: rate::RateMeter,
    exchange_rate: rate::RateMeter,
    notary_key: ed25519_dalek::SigningKey,
    escrow_key: crate::crypto::escrow::EscrowSecretKey,
    state: state::StateCell,
    clock: Clock,
    ended: sequencer::Ended,
    /// Order signatures at guarantee intake, verified in batches.
    order_sigs: Arc<order_sigs::OrderSigs>,
    /// Registered keys decoded once, for the envelopes of fair-exchange requests.
    decoded_keys: decoded_keys::DecodedKeys,
}

impl Drop for Shared {
    /// The last handle on the notary is going: its sender is already dropped (a `Notary` drops
    /// its sender before its shared state), so the sequencer ends; wait for it, so that the
    /// store closes here and now (see [`sequencer::Ended`]).
    fn drop(&mut self) {
        self.ended.wait(std::time::Duration::from_secs(10));
    }
}

/// A handle on the running notary; cheap to clone.
#[derive(Clone)]
pub struct Notary {
    tx: mpsc::Sender<Job>,
    shared: Arc<Shared>,
}

/// Keeps the sequencer thread; dropping every `Notary` ends it, `join` waits for it.
pub struct SequencerThread(std::thread::JoinHandle<()>);

impl SequencerThread {
    /// Waits until the sequencer has committed what it had and stopped.
    pub fn join(self) {
        let _ = self.0.join();
    }
}

/// The subject of a PEM certificate, RFC 4514 form.
fn subject_of_pem(pem: &str) -> Result<String, NotaryError> {
    use der::Decode;
    // Not `Certificate::from_pem`: see `cert_der_from_pem` (it can loop on a truncated block).
    let cert = crate::crypto::pki::cert_der_from_pem(pem)
        .and_then(|der| {
            x509_cert::Certificate::from_der(&der)
                .map_err(|e| crate::crypto::pki::PkiError::Pem(e.to_string()))
        })
        .map_err(|e| NotaryError::Tsa(format!("TSA certificate: {e}")))?;
    Ok(cert.tbs_certificate.subject.to_string())
}

/// The public identity `GET /v1/notary` serves, from the data dir's material.
fn identity_of(m: &Material) -> Result<Identity, NotaryError> {
    let vk = m.notary_key.verifying_key();
    Ok(Identity {
        name: m.config.notary.name.clone(),
        key_id: key_id(&vk),
        public_key: base64::engine::general_purpose::STANDARD.encode(vk.as_bytes()),
        checkpoint_vkey: vkey(&m.config.notary.log_origin, &vk),
        log_origin: m.config.notary.log_origin.clone(),
        tsa_certificate: m.tsa_cert_pem.clone(),
        root_certificate: m.root_cert_pem.clone(),
        tsa_subject: subject_of_pem(&m.tsa_cert_pem)?,
        timestamp_policy: m.config.timestamp.policy_oid.clone(),
        timestamp_accuracy_ms: m.config.timestamp.accuracy_ms,
        escrow_public_key: m.escrow_key.public_key().to_base64(),
        escrow_suite: crate::crypto::escrow::ESCROW_SUITE.to_string(),
    })
}

fn system_clock() -> Clock {
    Arc::new(Utc::now)
}

impl Notary {
    /// `notar init`: creates the data dir, keys, database and the genesis log entry.
    pub async fn init(dir: &DataDir, name: &str) -> Result<Identity, NotaryError> {
        Self::init_with_clock(dir, name, system_clock()).await
    }

    /// As `init`, with the database in PostgreSQL at `store_url` when given (`notar init
    /// --store`).
    pub async fn init_on(
        dir: &DataDir,
        name: &str,
        store_url: Option<String>,
    ) -> Result<Identity, NotaryError> {
        Self::init_with_store(dir, name, system_clock(), store_url).await
    }

    /// As `init`, on a given clock (sample data and tests): the certificates start at its time,
    /// so tokens it stamps at that time verify. All or nothing: on any failure, what it made is
    /// removed (the store closed first), so no half-made data dir is left to start on.
    pub async fn init_with_clock(
        dir: &DataDir,
        name: &str,
        clock: Clock,
    ) -> Result<Identity, NotaryError> {
        Self::init_with_store(dir, name, clock, None).await
    }

    /// As `init_with_clock`, with the database in PostgreSQL at `store_url` when given
    /// (`notar init --store`): the database must hold no notary yet.
    pub async fn init_with_store(
        dir: &DataDir,
        name: &str,
        clock: Clock,
        store_url: Option<String>,
    ) -> Result<Identity, NotaryError> {
        config::check_notary_name(name)
            .map_err(|e| NotaryError::Setup(format!("the notary's name {name:?}: {e}")))?;
        dir.check_new()?;
        let existed = dir.root().exists();
        let made = Self::init_steps(dir, name, clock, store_url).await;
        if made.is_err() {
            dir.remove_partial(existed);
        }
        made
    }

    /// The steps of `init`: every one may fail, and then `init_with_clock` undoes them all.
    async fn init_steps(
        dir: &DataDir,
        name: &str,
        clock: Clock,
        store_url: Option<String>,
    ) -> Result<Identity, NotaryError> {
        let material = dir.create_with_store(name, clock(), store_url)?;
        drop(Store::create_at(&dir.store_location(&material.config))?);
        let (notary, thread, new_policies) = Self::start(dir, material, clock)?;
        let identity = notary.identity().clone();
        let body = serde_json::to_value(&identity).map_err(|e| NotaryError::Bug(e.to_string()))?;
        notary
            .log_plain(EntryKind::NotaryIdentity, None, body)
            .await?;
        // Entry 0 is the identity; the shipped policies follow it.
        notary.log_policies(new_policies)?;
        let published = notary.shared.published.clone();
        drop(notary);
        tokio::task::spawn_blocking(move || thread.join())
            .await
            .map_err(|e| NotaryError::Bug(e.to_string()))?;
        if let Some(why) = published.failed_reason() {
            return Err(NotaryError::CommitFailed(why));
        }
        if faults::init_fails() {
            return Err(NotaryError::Setup(format!(
                "init failed on purpose ({})",
                faults::FAIL_INIT
            )));
        }
        Ok(identity)
    }

    /// Opens an existing data dir and starts the sequencer.
    pub fn open(dir: &DataDir) -> Result<(Notary, SequencerThread), NotaryError> {
        Self::open_with_clock(dir, system_clock())
    }

    /// As `open`, with a given clock (tests).
    pub fn open_with_clock(
        dir: &DataDir,
        clock: Clock,
    ) -> Result<(Notary, SequencerThread), NotaryError> {
        let material = dir.load()?;
        let (notary, thread, new_policies) = Self::start(dir, material, clock)?;
        // A standby or replica writes nothing: the writer logs these (and so does this process
        // once it takes over, when it opens again).
        if notary.role().writes() {
            notary.log_policies(new_policies)?;
            notary.log_new_escrow_key()?;
        }
        Ok((notary, thread))
    }

    /// A data dir made before fair exchange gains its escrow key at a start (datadir.rs), after
    /// log entry 0 recorded the identity without it: the identity is then logged again, once,
    /// so the log says which key escrows are sealed to. `Cf::Meta` remembers the key logged.
    /// Returns once that is durable, and with it the policy versions queued before it: a notary
    /// that has opened serves a log that already says what it starts with.
    fn log_new_escrow_key(&self) -> Result<(), NotaryError> {
        const LOGGED: &[u8] = b"escrow_key_logged";
        let key = self.identity().escrow_public_key.clone();
        let store = &self.shared.store;
        // Already logged: the job logs nothing and only waits its turn behind the policies.
        let logged = store.get(Cf::Meta, LOGGED)?.as_deref() == Some(key.as_bytes());
        // Entry 0 is read only when the key is not known to be logged.
        let in_genesis = logged || Self::genesis_holds_escrow_key(store, &key)?;
        let record = if logged {
            Vec::new()
        } else {
            vec![(Cf::Meta, LOGGED.to_vec(), key.clone().into_bytes())]
        };
        let (done_tx, done_rx) = std::sync::mpsc::channel();
        let body =
            serde_json::to_value(self.identity()).map_err(|e| NotaryError::Bug(e.to_string()))?;
        let job: Job = Box::new(move |ctx| {
            let entry = match (!in_genesis)
                .then(|| ctx.entry(EntryKind::NotaryIdentity, None, body))
                .transpose()
            {
                Ok(entry) => entry,
                Err(e) => {
                    tracing::error!("the notary's identity cannot be logged: {e}");
                    return None;
                }
            };
            Some(sequencer::Staged {
                entry,
                records: record,
                deferred: None,
                finish: Box::new(move |outcome| {
                    let _ = done_tx.send(outcome);
                }),
            })
        });
        self.submit(job)?;
        // A job dropped unrun (the sequencer stopped) drops the sender: no wait forever.
        match done_rx.recv() {
            Ok(Ok(())) => Ok(()),
            Ok(Err(sequencer::CommitFailed(why))) => Err(NotaryError::CommitFailed(why)),
            Err(_) => Err(NotaryError::Unavailable),
        }
    }

    /// Whether log entry 0 (the identity `init` logged) already names `key` as the escrow key.
    fn genesis_holds_escrow_key(store: &Store, key: &str) -> Result<bool, NotaryError> {
        let genesis: serde_json::Value = match store.get(Cf::LogLeaves, &u64_key(0))? {
            Some(raw) => serde_json::from_slice(&raw)
                .map_err(|e| NotaryError::Corrupt(format!("log entry 0: {e}")))?,
            None => serde_json::Value::Null,
        };
        Ok(genesis["body"]["escrow_public_key"] == key)
    }

    /// Queues the logging of policy versions not yet in the log; being first in the queue, they
    /// are logged before any agreement can name them.
    fn log_policies(&self, new: Vec<crate::model::policy::Policy>) -> Result<(), NotaryError> {
        for p in new {
            self.submit(policies::log_policy_job(self, p))?;
        }
        Ok(())
    }

    fn start(
        dir: &DataDir,
        m: Material,
        clock: Clock,
    ) -> Result<(Notary, SequencerThread, Vec<crate::model::policy::Policy>), NotaryError> {
        let store = Arc::new(Store::open_at(&dir.store_location(&m.config))?);
        let tsa = TsaSigner::from_pem(&m.tsa_key_pem, &m.tsa_cert_pem)
            .map_err(|e| NotaryError::Tsa(e.to_string()))?;
        let policy = m
            .config
            .timestamp
            .policy_oid
            .parse()
            .map_err(|_| NotaryError::BadRequest("timestamp.policy_oid".into()))?;
        let identity = identity_of(&m)?;
        let book = policies::load(dir, &m.config, &store)?;
        let roots = policies::load_ca_roots(dir, &m.config)?;
        let new_policies = book.unlogged;
        if book.book.latest(&m.config.exchanges.policy).is_none() {
            return Err(NotaryError::Setup(format!(
                "notar.toml [exchanges] policy = {:?}: no such policy in the policy dir",
                m.config.exchanges.policy
            )));
        }
        let st = state::State::load(&store, book.book, roots)?;
        let core = Core::load(
            store.clone(),
            m.notary_key.clone(),
            m.config.notary.log_origin.clone(),
            m.config.notary.log_origin.clone(),
            clock.clone(),
        )?;
        // A standby or replica read all of that in one snapshot (the writer goes on writing).
        store.loaded();
        let published = core.published();
        let (tx, rx) = mpsc::channel(QUEUE_LEN_MAX);
        let (thread, ended) =
            sequencer::spawn(core, rx).map_err(|e| NotaryError::Tsa(e.to_string()))?;
        let shared = Shared {
            ended,
            store,
            published,
            identity,
            config: m.config,
            tsa,
            policy,
            started_at: clock(),
            http_url: std::sync::OnceLock::new(),
            stamp_rate: rate::RateMeter::default(),
            guarantee_rate: rate::RateMeter::default(),
            exchange_rate: rate::RateMeter::default(),
            notary_key: m.notary_key,
            escrow_key: m.escrow_key,
            state: state::StateCell::new(st),
            clock,
            order_sigs: Arc::default(),
            decoded_keys: decoded_keys::DecodedKeys::default(),
        };
        let notary = Notary {
            tx,
            shared: Arc::new(shared),
        };
        Ok((notary, SequencerThread(thread), new_policies))
    }

    /// The notary's public identity.
    pub fn identity(&self) -> &Identity {
        &self.shared.identity
    }

    /// The loaded configuration.
    pub fn config(&self) -> &Config {
        &self.shared.config
    }

    /// When this process started serving.
    pub fn started_at(&self) -> DateTime<Utc> {
        self.shared.started_at
    }

    /// Records the address the HTTP API listens on (the first call wins), so the console can
    /// tell an operator where the API is: `notar up` may have picked the port itself.
    pub fn set_http_url(&self, url: String) {
        let _ = self.shared.http_url.set(url);
    }

    /// The HTTP API's address, once [`Notary::set_http_url`] recorded it.
    pub fn http_url(&self) -> Option<&str> {
        self.shared.http_url.get().map(String::as_str)
    }

    fn submit(&self, job: Job) -> Result<(), NotaryError> {
        self.check_writer()?;
        self.tx.try_send(job).map_err(|e| match e {
            mpsc::error::TrySendError::Full(_) => NotaryError::Overloaded,
            mpsc::error::TrySendError::Closed(_) => NotaryError::Unavailable,
        })
    }

    /// Refuses a write when this process cannot sign: stopped (fail-stop), or not the writer of
    /// a PostgreSQL store.
    pub(crate) fn check_writer(&self) -> Result<(), NotaryError> {
        if self.shared.published.failed() {
            return Err(NotaryError::Unavailable);
        }
        use crate::store::Role;
        let why = match self.shared.store.role() {
            Role::Single | Role::Active => return Ok(()),
            Role::Standby => "it is a standby; it signs once the active notar's lease lapses",
            Role::Replica => "it serves reads from a database replica",
            Role::Fenced => "another notar took the writer's lease over",
        };
        Err(NotaryError::NotWriter(why.to_string()))
    }

    /// Logs an entry that carries no signature of its own beyond the checkpoint (the genesis
    /// identity record). Returns its log index.
    async fn log_plain(
        &self,
        kind: EntryKind,
        operator: Option<String>,
        body: serde_json::Value,
    ) -> Result<u64, NotaryError> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |ctx| {
            let index = ctx.index;
            let entry = match ctx.entry(kind, operator, body) {
                Ok(entry) => entry,
                Err(e) => {
                    sequencer::reply(tx, Err(e));
                    return None;
                }
            };
            Some(sequencer::Staged {
                entry: Some(entry),
                records: Vec::new(),
                deferred: None,
                finish: Box::new(move |r| {
                    sequencer::reply(
                        tx,
                        r.map(|_| index).map_err(|e| NotaryError::CommitFailed(e.0)),
                    )
                }),
            })
        });
        self.submit(job)?;
        rx.await.map_err(|_| NotaryError::Unavailable)?
    }
}

#[cfg(test)]
mod batch_tests;
#[cfg(test)]
mod close_tests;
#[cfg(test)]
#[path = "error_tests.rs"]
mod error_tests;
#[cfg(test)]
mod evidence_tests;
#[cfg(test)]
mod held_tests;
#[cfg(test)]
mod stored_tests;
