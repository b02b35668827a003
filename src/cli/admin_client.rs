//! A one-shot client of the admin socket (`DATA/admin.sock`) for the CLI's registry commands:
//! connect, send a request line, read its answer line. The operator is whoever runs the command
//! (the server reads the peer credentials), so nothing here claims an identity.

use std::path::Path;
use std::time::Duration;

use anyhow::anyhow;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::unix::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::UnixStream;

use super::Failure;
use crate::api::admin::proto::{ErrorCode, Op, Reply, Request, Response};
use crate::notary::datadir::DataDir;

/// Longest answer line read (bytes): listings are capped by the server, this bounds the rest.
pub const ANSWER_LEN_MAX: usize = 16 * 1024 * 1024;

/// How long one request may take (a large CRL import is the slowest).
pub const ANSWER_TIMEOUT_MS: u64 = 120_000;

/// An error answer from the notary, shown as `message (code)`.
#[derive(Debug, thiserror::Error)]
#[error("{message} ({code})")]
pub struct Refusal {
    /// Wire code (`already_revoked`, `bad_key`, ...).
    pub code: ErrorCode,
    /// For humans.
    pub message: String,
}

impl Refusal {
    /// A locally found input error with the same code the notary would give.
    pub fn input(code: ErrorCode, message: impl Into<String>) -> Failure {
        Refusal {
            code,
            message: message.into(),
        }
        .into_failure()
    }

    /// Exit 2 for the caller's input (malformed, unknown ids, untrusted certificates), exit 1
    /// for refusals and conflicts with the current state, and for the notary's own failures:
    /// the code says which ([`ErrorCode::is_input_error`]).
    pub fn into_failure(self) -> Failure {
        if self.code.is_input_error() {
            Failure::Usage(self.into())
        } else {
            Failure::Refused(self.into())
        }
    }
}

/// A connection to the admin socket.
pub struct AdminClient {
    reader: BufReader<OwnedReadHalf>,
    writer: OwnedWriteHalf,
    next_id: u64,
}

impl AdminClient {
    /// Connects to the admin socket of the data dir `data`.
    pub async fn connect(data: &Path) -> Result<AdminClient, Failure> {
        let path = DataDir::new(data).admin_socket_path();
        let stream = UnixStream::connect(&path)
            .await
            .map_err(|e| Failure::Usage(connect_error(&path, e)))?;
        let (read, writer) = stream.into_split();
        Ok(AdminClient {
            reader: BufReader::new(read),
            writer,
            next_id: 1,
        })
    }

    /// Sends `op` and waits for its answer; an error answer becomes a [`Refusal`] classified
    /// by its code.
    pub async fn call(&mut self, op: Op) -> Result<Reply, Failure> {
        let id = self.next_id;
        self.next_id += 1;
        let mut line = serde_json::to_vec(&Request { id, op })
            .map_err(|e| Failure::Usage(anyhow!("cannot encode the request: {e}")))?;
        line.push(b'\n');
        let exchange = async {
            // A refused user gets one error line and a closed socket: a failed write is not
            // the end, the refusal may still be there to read.
            let wrote = self.writer.write_all(&line).await;
            let answer = read_answer(&mut self.reader).await;
            match (answer, wrote) {
                (Ok(a), _) => Ok(a),
                (Err(e), Err(w)) => Err(anyhow!("{e} (sending the request: {w})")),
                (Err(e), Ok(())) => Err(e),
            }
        };
        let answer = tokio::time::timeout(Duration::from_millis(ANSWER_TIMEOUT_MS), exchange)
            .await
            .map_err(|_| {
                Failure::Refused(anyhow!(
                    "the notary did not answer within {} s",
                    ANSWER_TIMEOUT_MS / 1000
                ))
            })?
            .map_err(Failure::Refused)?;
        let resp: Response = serde_json::from_slice(&answer)
            .map_err(|e| Failure::Refused(anyhow!("the notary's answer is not understood: {e}")))?;
        match resp {
            Response::Err { error, .. } => Err(Refusal {
                code: error.code,
                message: error.message,
            }
            .into_failure()),
            Response::Ok { id: answered, .. } if answered != id => Err(Failure::Refused(anyhow!(
                "the notary answered request {answered} instead of {id}"
            ))),
            Response::Ok { result, .. } => Ok(result),
        }
    }
}

async fn read_answer(reader: &mut BufReader<OwnedReadHalf>) -> anyhow::Result<Vec<u8>> {
    let mut buf = Vec::new();
    let n = reader
        .take(ANSWER_LEN_MAX as u64 + 1)
        .read_until(b'\n', &mut buf)
        .await?;
    if n == 0 {
        return Err(anyhow!(
            "the notary closed the connection without answering"
        ));
    }
    if buf.last() != Some(&b'\n') {
        return Err(anyhow!(
            "the notary's answer is longer than {ANSWER_LEN_MAX} bytes"
        ));
    }
    Ok(buf)
}

fn connect_error(path: &Path, e: std::io::Error) -> anyhow::Error {
    use std::io::ErrorKind;
    match e.kind() {
        ErrorKind::NotFound | ErrorKind::ConnectionRefused => anyhow!(
            "no notary answers on {}: is `notar serve --data DIR` running?",
            path.display()
        ),
        ErrorKind::PermissionDenied => anyhow!(
            "{}: permission denied (the admin socket is open to the data dir's group)",
            path.display()
        ),
        _ => anyhow!("cannot connect to {}: {e}", path.display()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The exit class of a wire code, read as the client reads it.
    fn is_input_error(code: &str) -> bool {
        let code: ErrorCode = serde_json::from_value(serde_json::Value::String(code.into()))
            .unwrap_or_else(|e| panic!("{code} is not an error code: {e}"));
        code.is_input_error()
    }

    #[test]
    fn codes_map_to_exit_classes() {
        for code in [
            "bad_request",
            "bad_amount",
            "bad_key",
            "unknown_party",
            "unknown_key",
            "certificate_expired",
            "certificate_unparsable",
            "crl_unparsable",
            "unknown_issuer",
            "bad_signature",
            "not_a_ca",
            "unsupported_key",
        ] {
            assert!(is_input_error(code), "{code} is an input error");
        }
        for code in [
            "already_revoked",
            "bad_transition",
            "party_exists",
            "key_exists",
            "not_an_arbitrator",
            "storage_failure",
            "unavailable",
        ] {
            assert!(!is_input_error(code), "{code} is a refusal");
        }
    }
}
