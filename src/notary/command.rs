//! The shape every state-changing command shares: a function run by the sequencer that decides
//! (under the state lock), signs, and says what to write; the caller's answer is sent only once
//! the batch holding it is durable.

use ed25519_dalek::SigningKey;
use serde_json::Value;
use tokio::sync::oneshot;

use super::sequencer::{reply, Job, Records, StageCtx, Staged, StagedEntry};
use super::{Notary, NotaryError};
use crate::crypto::envelope::Envelope;
use crate::model::entry::EntryKind;

/// Run after the batch is durable, before answering (e.g. drop `pending` entries).
pub(crate) type AfterCommit = Box<dyn FnOnce() + Send>;

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
}

impl<T> Decision<T> {
    /// Write a signed entry and its records, then answer `value`.
    pub fn signed(entry: StagedEntry, records: Records, value: T) -> Self {
        Decision::Write {
            entry: Some(entry),
            records,
            value,
            after: None,
        }
    }

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

/// Signs `payload` (an object; `log_index` is added) as a notary envelope of `kind` and wraps it
/// in the log entry that will sit at `ctx.index`.
pub(crate) fn sign_entry(
    key: &SigningKey,
    ctx: &StageCtx,
    kind: EntryKind,
    mut payload: Value,
    operator: Option<String>,
) -> Result<(Envelope, StagedEntry), NotaryError> {
    let Some(obj) = payload.as_object_mut() else {
        return Err(NotaryError::Bug(format!(
            "{} payload is not an object",
            kind.as_str()
        )));
    };
    obj.insert("log_index".into(), Value::from(ctx.index));
    let env = Envelope::sign(kind.as_str(), payload, key)
        .map_err(|e| NotaryError::Signing(format!("{}: {e}", kind.as_str())))?;
    let body = serde_json::to_value(&env).map_err(|e| NotaryError::Bug(e.to_string()))?;
    Ok((env, ctx.entry(kind, operator, body)))
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
                finish: Box::new(move |r| {
                    if let Some(after) = after {
                        after();
                    }
                    reply(
                        tx,
                        r.map(|_| value).map_err(|e| NotaryError::CommitFailed(e.0)),
                    )
                }),
            }),
        });
        self.submit(job)?;
        rx.await.map_err(|_| NotaryError::Unavailable)?
    }
}
