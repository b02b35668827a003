//! The shape every state-changing command shares: a function run by the sequencer that decides
//! (under the state lock), signs, and says what to write; the caller's answer is sent only once
//! the batch holding it is durable.

use std::sync::{Arc, Mutex};

use ed25519_dalek::SigningKey;
use serde_json::Value;
use tokio::sync::oneshot;

use super::sequencer::{reply, Deferred, Finish, Job, Records, StageCtx, Staged, StagedEntry};
use super::{Notary, NotaryError};
use crate::crypto::envelope::Envelope;
use crate::model::entry::EntryKind;

/// Run after the batch is durable, before answering (e.g. drop `pending` entries).
pub(crate) type AfterCommit = Box<dyn FnOnce() + Send>;

/// The deferred work of a command: its entry, records and answer.
pub(crate) type DeferredRun<T> =
    Box<dyn FnOnce() -> Result<(StagedEntry, Records, T), NotaryError> + Send>;

/// What a command decided.
pub(crate) enum Decision<T> {
    /// Answer now: nothing to write, and the answer is already durable (or signs nothing).
    Now(T),
    /// Write this, then answer.
    Write {
        /// The log entry, if the command signed something.
        entry: Option<StagedEntry>,
        /// Records beside it.
        records: Records,
        /// The answer.
        value: T,
        /// Cleanup once durable.
        after: Option<AfterCommit>,
    },
    /// Signing and serialising left to the worker pool ([`super::sequencer::Deferred`]):
    /// `run` makes the entry (`count` leaves), its records and the answer.
    Deferred {
        /// Leaves it logs.
        count: u64,
        /// The deferred work.
        run: DeferredRun<T>,
        /// Cleanup once durable.
        after: Option<AfterCommit>,
    },
    /// Answer, once the batch is durable, what `answer` reads then: an earlier command of the
    /// same batch whose deferred work makes the answer (a retry of it).
    Same(Box<dyn FnOnce() -> Option<T> + Send>),
}

impl<T> Decision<T> {
    /// Answer with an earlier command's result. If that command is still `staged` (in the batch
    /// being built), the answer waits for the batch to be durable: no signature leaves early.
    pub fn earlier(value: T, staged: bool) -> Self {
        if staged {
            Decision::Write {
                entry: None,
                records: Vec::new(),
                value,
                after: None,
            }
        } else {
            Decision::Now(value)
        }
    }
}

impl<T: Send + 'static> Decision<T> {
    /// Write `entry`, signed on the worker pool with `key`, and `records`, then answer `value`.
    pub fn sign_later(key: &SigningKey, entry: ToSign, records: Records, value: T) -> Self {
        Self::sign_later_with(key, entry, move |_| Ok((records, value)))
    }

    /// [`Decision::sign_later`] of records and an answer that need the signed envelope: `make`
    /// runs on the worker pool once it is signed.
    pub fn sign_later_with(
        key: &SigningKey,
        entry: ToSign,
        make: impl FnOnce(Envelope) -> Result<(Records, T), NotaryError> + Send + 'static,
    ) -> Self {
        let key = key.clone();
        Decision::Deferred {
            count: entry.count(),
            run: Box::new(move || {
                let (env, entry) = entry.sign(&key)?;
                let (records, value) = make(env)?;
                Ok((entry, records, value))
            }),
            after: None,
        }
    }
}

/// Signs `payload` (an object; `log_index` is added) as a notary envelope of `kind` and wraps it
/// in the log entry that will sit at `ctx.index`.
pub(crate) fn sign_entry(
    key: &SigningKey,
    ctx: &StageCtx,
    kind: EntryKind,
    payload: Value,
    operator: Option<String>,
) -> Result<(Envelope, StagedEntry), NotaryError> {
    sign_entry_to_bytes(key, ctx, kind, payload, operator).map(|(env, _, entry)| (env, entry))
}

/// [`sign_entry`], and the envelope's canonical bytes (what the entry logs): an answer that
/// embeds the envelope is written around them, not from the envelope again.
pub(crate) fn sign_entry_to_bytes(
    key: &SigningKey,
    ctx: &StageCtx,
    kind: EntryKind,
    mut payload: Value,
    operator: Option<String>,
) -> Result<(Envelope, Vec<u8>, StagedEntry), NotaryError> {
    let Some(obj) = payload.as_object_mut() else {
        return Err(NotaryError::Bug(format!(
            "{} payload is not an object",
            kind.as_str()
        )));
    };
    obj.insert("log_index".into(), Value::from(ctx.index));
    let (env, bytes) = Envelope::sign_to_bytes(kind.as_str(), payload, key)
        .map_err(|e| NotaryError::Signing(format!("{}: {e}", kind.as_str())))?;
    let entry = ctx.entry_of_bytes(kind, operator.as_deref(), &bytes)?;
    Ok((env, bytes, entry))
}

/// A notary entry decided on the sequencer and signed on the worker pool (DESIGN §2: the
/// sequencer only orders): what [`sign_entry`] takes, kept until the batch's deferred work runs.
/// Its payload must be built from values already checked, so that signing it cannot fail on a
/// caller's input (a deferred failure stops the notary).
pub(crate) struct ToSign {
    ctx: StageCtx,
    kind: EntryKind,
    payload: Value,
    operator: Option<String>,
    /// Entries the same command logs right after this one, at the next indexes.
    then: Vec<ToSign>,
}

impl ToSign {
    /// An entry of `kind` holding `payload` (an object; `log_index` is added), at `ctx.index`.
    pub fn new(ctx: &StageCtx, kind: EntryKind, payload: Value, operator: Option<String>) -> Self {
        ToSign {
            ctx: *ctx,
            kind,
            payload,
            operator,
            then: Vec::new(),
        }
    }

    /// Logs `next` right after this entry (and the entries already after it).
    pub fn then(&mut self, next: ToSign) {
        self.then.push(next);
    }

    /// How many leaves it appends.
    fn count(&self) -> u64 {
        1 + self.then.iter().map(ToSign::count).sum::<u64>()
    }

    /// The batch's deferred work that signs it with `key` and writes `records` beside it.
    pub fn deferred(self, key: &SigningKey, records: Records) -> Deferred {
        let key = key.clone();
        Deferred {
            count: self.count(),
            run: Box::new(move || Ok((self.sign(&key)?.1, records))),
        }
    }

    /// Signs it (and the entries after it) as the staged entry the log appends.
    fn sign(self, key: &SigningKey) -> Result<(Envelope, StagedEntry), NotaryError> {
        let (env, mut entry) = sign_entry(key, &self.ctx, self.kind, self.payload, self.operator)?;
        for next in self.then {
            let (_, mut e) = next.sign(key)?;
            let after = std::mem::take(&mut e.then);
            entry.then.push(e);
            entry.then.extend(after);
        }
        Ok((env, entry))
    }
}

/// Answers a command once its batch is durable (or failed): runs `after`, then sends what
/// `value` gives (an answer made by deferred work is there only once the batch is done).
fn finish<T: Send + 'static>(
    tx: oneshot::Sender<Result<T, NotaryError>>,
    after: Option<AfterCommit>,
    value: impl FnOnce() -> Option<T> + Send + 'static,
) -> Finish {
    Box::new(move |r| {
        if let Some(after) = after {
            after();
        }
        let answer = r
            .map_err(|e| NotaryError::CommitFailed(e.0))
            .and_then(|()| {
                value().ok_or_else(|| NotaryError::Bug("a committed command has no answer".into()))
            });
        reply(tx, answer)
    })
}

impl Notary {
    /// Runs `decide` on the sequencer and waits for its durable answer.
    pub(crate) async fn command<T, F>(&self, decide: F) -> Result<T, NotaryError>
    where
        T: Send + 'static,
        F: FnOnce(&StageCtx) -> Result<Decision<T>, NotaryError> + Send + 'static,
    {
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move |ctx| match decide(ctx) {
            Err(e) => {
                reply(tx, Err(e));
                None
            }
            Ok(Decision::Now(v)) => {
                reply(tx, Ok(v));
                None
            }
            Ok(Decision::Write {
                entry,
                records,
                value,
                after,
            }) => Some(Staged {
                entry,
                records,
                deferred: None,
                finish: finish(tx, after, move || Some(value)),
            }),
            Ok(Decision::Deferred { count, run, after }) => {
                let made = Arc::new(Mutex::new(None));
                let slot = made.clone();
                let run = Box::new(move || {
                    let (entry, records, value) = run()?;
                    *slot.lock().unwrap_or_else(|e| e.into_inner()) = Some(value);
                    Ok((entry, records))
                });
                Some(Staged {
                    entry: None,
                    records: Vec::new(),
                    deferred: Some(Deferred { count, run }),
                    finish: finish(tx, after, move || {
                        made.lock().unwrap_or_else(|e| e.into_inner()).take()
                    }),
                })
            }
            Ok(Decision::Same(answer)) => Some(Staged {
                entry: None,
                records: Vec::new(),
                deferred: None,
                finish: finish(tx, None, answer),
            }),
        });
        self.submit(job)?;
        rx.await.map_err(|_| NotaryError::Unavailable)?
    }
}
