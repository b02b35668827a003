//! The admin API on a Unix socket (`DATA/admin.sock`, mode 0660) for the console and the CLI.
//!
//! Who is calling is not claimed, it is read from the socket's peer credentials: the Unix user
//! is the operator, and must be listed under `[arbitrators]` in notar.toml. Everything an operator
//! makes the notary sign names them in the log entry.

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
mod refusals;

use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};

use self::proto::{ErrorBody, ErrorCode, Request, Response, LINE_LEN_MAX};
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

/// Accepts connections until the task is dropped.
pub async fn serve(listener: UnixListener, notary: Notary) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                let notary = notary.clone();
                tokio::spawn(async move {
                    if let Err(e) = connection(stream, notary).await {
                        tracing::debug!("admin connection ended: {e}");
                    }
                });
            }
            Err(e) => {
                tracing::warn!("admin socket accept failed: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
        }
    }
}

/// The Unix user name behind a connection.
fn peer_user(stream: &UnixStream) -> Result<String, String> {
    let cred = stream
        .peer_cred()
        .map_err(|e| format!("cannot read peer credentials: {e}"))?;
    let uid = cred.uid();
    match nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(uid)) {
        Ok(Some(user)) => Ok(user.name),
        _ => Err(format!("Unix user id {uid} has no name")),
    }
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

/// The arbitrator behind a connection, or why there is none.
fn operator_of(user: Result<String, String>, notary: &Notary) -> Result<ops::Operator, String> {
    let name = user?;
    match notary.config().arbitrators.get(&name) {
        Some(arbitrator) => Ok(ops::Operator {
            user: name,
            arbitrator: arbitrator.clone(),
        }),
        None => {
            let msg = format!(
                "Unix user '{name}' is not an arbitrator of this notary; \
                 a notary administrator must add it under [arbitrators] in notar.toml"
            );
            if let Some(unlogged) = refusals::REFUSALS.note(std::time::Instant::now()) {
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

/// Reads one request line and runs it. A line that is not a request is answered with its `id`
/// when it has one, so a pipelining client can still match the error to what it sent.
async fn answer(notary: &Notary, operator: &ops::Operator, line: &[u8]) -> Response {
    match serde_json::from_slice::<Request>(line) {
        Ok(req) => Response::new(req.id, ops::handle(notary, operator, req.op).await),
        Err(e) => {
            #[derive(serde::Deserialize)]
            struct IdOnly {
                id: u64,
            }
            let id = serde_json::from_slice::<IdOnly>(line).map_or(0, |r| r.id);
            error(id, ErrorCode::BadRequest, format!("not a request: {e}"))
        }
    }
}

async fn connection(stream: UnixStream, notary: Notary) -> std::io::Result<()> {
    let user = peer_user(&stream);
    let (read, mut write) = stream.into_split();
    let operator = match operator_of(user, &notary) {
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
        let n = (&mut lines)
            .take(LINE_LEN_MAX as u64 + 1)
            .read_until(b'\n', &mut buf)
            .await?;
        if n == 0 {
            return Ok(());
        }
        if buf.last() != Some(&b'\n') {
            let message = format!("request line longer than {LINE_LEN_MAX} bytes");
            return write_line(&mut write, &error(0, ErrorCode::BadRequest, message)).await;
        }
        let resp = answer(&notary, &operator, &buf).await;
        write_line(&mut write, &resp).await?;
    }
}
