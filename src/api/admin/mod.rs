//! The admin API on a Unix socket (`DATA/admin.sock`, mode 0660) for the console and the CLI.
//!
//! Who is calling is not claimed, it is read from the socket's peer credentials: the Unix user
//! is the operator, and must be listed under `[arbitrators]` in notar.toml, with the uid bound
//! there (see [`arbitrators`]). Everything an operator makes the notary sign names them in the
//! log entry. notar.toml `[admin]` caps the connections served at once and closes a connection
//! idle for `idle_timeout_s`.

pub mod arbitrators;
mod ops;
mod ops_case_export;
mod ops_case_replay;
mod ops_cases;
mod ops_exchanges;
mod ops_ledger;
mod ops_rulings;
mod ops_tokens;
pub mod proto;
mod proto_cases;
pub(crate) mod refusals;

use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::Semaphore;

use self::arbitrators::Arbitrators;
use self::proto::{ErrorBody, ErrorCode, Request, Response, LINE_LEN_MAX};
use self::refusals::RefusalLog;
use crate::notary::Notary;

/// Why the admin socket could not be served.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// Another notar already serves this data dir.
    #[error("{0} is in use: another notar serves this data dir")]
    InUse(PathBuf),
    /// Something other than a socket is at the socket's path: it is left alone.
    #[error("{0} is a {1}, not a socket: notar neither follows nor removes it; move it away")]
    NotASocket(PathBuf, &'static str),
    /// Binding or setting the socket's mode failed.
    #[error("admin socket {path}: {source}")]
    Io {
        /// The socket path.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
}

/// Binds the admin socket, replacing a stale one left by a crashed process.
pub async fn bind(path: &Path) -> Result<UnixListener, AdminError> {
    let io = |source| AdminError::Io {
        path: path.to_path_buf(),
        source,
    };
    // lstat: a symlink is never followed, and only a socket is ever removed (a stale one left
    // by a crashed process); anything else at the path stops the start.
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_socket() => {
            if UnixStream::connect(path).await.is_ok() {
                return Err(AdminError::InUse(path.to_path_buf()));
            }
            std::fs::remove_file(path).map_err(io)?;
        }
        Ok(meta) => {
            return Err(AdminError::NotASocket(
                path.to_path_buf(),
                file_kind(&meta.file_type()),
            ))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(io(e)),
    }
    let listener = UnixListener::bind(path).map_err(io)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o660)).map_err(io)?;
    // The socket takes the data dir's group: the group whose members may reach it.
    if let Some(dir) = path.parent() {
        let gid = std::fs::metadata(dir).map_err(io)?.gid();
        std::os::unix::fs::chown(path, None, Some(gid)).map_err(io)?;
    }
    Ok(listener)
}

/// What a non-socket file is, in words.
fn file_kind(t: &std::fs::FileType) -> &'static str {
    if t.is_symlink() {
        "symbolic link"
    } else if t.is_dir() {
        "directory"
    } else if t.is_file() {
        "regular file"
    } else {
        "special file"
    }
}

/// What every admin connection shares: the notary, the bound arbitrators, the idle timeout.
struct Shared {
    notary: Notary,
    arbitrators: Arbitrators,
    idle: Duration,
}

/// Accepts connections until the future is dropped, which ends every open connection too: a
/// connected console kept a stopping notary (SIGTERM) alive until it quit, the data dir locked.
/// The arbitrators are bound to their uids here, once; past `[admin] max_connections` a
/// connection is answered `overloaded` and closed.
pub async fn serve(listener: UnixListener, notary: Notary) {
    let admin = notary.config().admin.clone();
    let shared = Arc::new(Shared {
        arbitrators: Arbitrators::bind_system(&notary.config().arbitrators),
        idle: Duration::from_secs(u64::from(admin.idle_timeout_s)),
        notary,
    });
    let slots = Arc::new(Semaphore::new(admin.max_connections as usize));
    let failures = RefusalLog::default();
    // Owned here: dropping the set aborts the connections' tasks.
    let mut connections = tokio::task::JoinSet::new();
    loop {
        while connections.try_join_next().is_some() {}
        match listener.accept().await {
            Ok((stream, _)) => {
                let shared = shared.clone();
                let permit = slots.clone().try_acquire_owned();
                connections.spawn(async move {
                    let outcome = match permit {
                        Ok(_permit) => connection(stream, &shared).await,
                        Err(_) => over_cap(stream, admin.max_connections).await,
                    };
                    if let Err(e) = outcome {
                        tracing::debug!("admin connection ended: {e}");
                    }
                });
            }
            Err(e) => {
                if let Some(unlogged) = failures.note(Instant::now()) {
                    tracing::warn!(
                        unlogged_since_last = unlogged,
                        "admin socket accept failed: {e}"
                    );
                }
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        }
    }
}

/// Answers a connection past the cap with `overloaded`, and closes it.
async fn over_cap(mut stream: UnixStream, max: u32) -> std::io::Result<()> {
    let message = format!(
        "the notary serves {max} admin connections already ([admin] max_connections); retry later"
    );
    let refusal = error(0, ErrorCode::Overloaded, message);
    tokio::time::timeout(Duration::from_secs(5), write_line(&mut stream, &refusal))
        .await
        .unwrap_or(Ok(()))
}

/// The peer's uid and its Unix user name now.
fn peer_user(stream: &UnixStream) -> Result<(u32, Option<String>), String> {
    let cred = stream
        .peer_cred()
        .map_err(|e| format!("cannot read peer credentials: {e}"))?;
    let uid = cred.uid();
    let name = nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(uid))
        .ok()
        .flatten()
        .map(|u| u.name);
    Ok((uid, name))
}

async fn write_line(
    stream: &mut (impl AsyncWriteExt + Unpin),
    resp: &Response,
) -> std::io::Result<()> {
    let mut line = serde_json::to_vec(resp).map_err(std::io::Error::other)?;
    line.push(b'\n');
    stream.write_all(&line).await
}

fn error(id: u64, code: ErrorCode, message: impl Into<String>) -> Response {
    Response::Err {
        id,
        error: ErrorBody::new(code, message),
    }
}

/// The arbitrator behind a connection, or why there is none (a refusal is logged at most once
/// per [`refusals::WARN_EVERY`]).
fn operator_of(stream: &UnixStream, arbitrators: &Arbitrators) -> Result<ops::Operator, String> {
    let checked = peer_user(stream).and_then(|(uid, name)| arbitrators.check(uid, name));
    match checked {
        Ok((user, arbitrator)) => Ok(ops::Operator { user, arbitrator }),
        Err(msg) => {
            if let Some(unlogged) = refusals::REFUSALS.note(Instant::now()) {
                tracing::warn!(
                    unlogged_since_last = unlogged,
                    "refused admin connection: {msg} (refusals are logged at most once per {} s)",
                    refusals::WARN_EVERY.as_secs()
                );
            }
            Err(msg)
        }
    }
}

/// Reads one request line and runs it.
async fn answer(notary: &Notary, operator: &ops::Operator, line: &[u8]) -> Response {
    match parse_request(line) {
        Ok(req) => Response::new(req.id, ops::handle(notary, operator, req.op).await),
        Err((id, error)) => Response::Err { id, error },
    }
}

/// What the server does with a request line before it dispatches it: the [`Request`], or the
/// id to answer with and the `bad_request` error. A line that is not a request is answered with
/// its `id` when it has one (0 otherwise), so a pipelining client can still match the error to
/// what it sent. Public so that the fuzz target `admin_line` (fuzz/) runs exactly this step.
pub fn parse_request(line: &[u8]) -> Result<Request, (u64, ErrorBody)> {
    serde_json::from_slice::<Request>(line).map_err(|e| {
        #[derive(serde::Deserialize)]
        struct IdOnly {
            id: u64,
        }
        let id = serde_json::from_slice::<IdOnly>(line).map_or(0, |r| r.id);
        let message = format!("not a request: {e}");
        (id, ErrorBody::new(ErrorCode::BadRequest, message))
    })
}

/// Serves one connection: request lines in, answer lines out, until the peer closes or sends no
/// complete line for the idle timeout.
async fn connection(stream: UnixStream, shared: &Shared) -> std::io::Result<()> {
    let operator = operator_of(&stream, &shared.arbitrators);
    let (read, mut write) = stream.into_split();
    let operator = match operator {
        Ok(operator) => operator,
        Err(msg) => {
            let refusal = error(0, ErrorCode::NotAnArbitrator, msg);
            return write_line(&mut write, &refusal).await;
        }
    };
    let mut lines = BufReader::new(read);
    let mut buf = Vec::new();
    loop {
        buf.clear();
        let mut capped = (&mut lines).take(LINE_LEN_MAX as u64 + 1);
        let line = capped.read_until(b'\n', &mut buf);
        let Ok(n) = tokio::time::timeout(shared.idle, line).await else {
            tracing::debug!(
                "admin connection idle for {} s: closed",
                shared.idle.as_secs()
            );
            return Ok(());
        };
        if n? == 0 {
            return Ok(());
        }
        if buf.last() != Some(&b'\n') {
            let message = format!("request line longer than {LINE_LEN_MAX} bytes");
            return write_line(&mut write, &error(0, ErrorCode::BadRequest, message)).await;
        }
        let resp = answer(&shared.notary, &operator, &buf).await;
        write_line(&mut write, &resp).await?;
    }
}
