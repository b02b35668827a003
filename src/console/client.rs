//! The admin-socket client: a line-delimited JSON connection to `DATA/admin.sock`. The
//! handshake (`Hello`) runs before the terminal is touched; afterwards a writer task sends
//! [`Request`]s from a channel and a reader task forwards every [`Response`] as an event.
//! Lines longer than [`LINE_LEN_MAX`] are refused rather than buffered.

use std::path::Path;
use std::time::Duration;

use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::UnixStream;
use tokio::sync::mpsc;

use crate::api::admin::proto::{Hello, Op, Reply, Request, Response, LINE_LEN_MAX};

use super::action::Action;
use super::error::ConsoleError;
use super::event::{Event, EventSender};

/// How long the handshake may take.
pub const HELLO_TIMEOUT_MS: u64 = 5_000;
/// The handshake's request id; the console's own ids start after it.
pub const HELLO_REQUEST_ID: u64 = 1;
/// Requests queued for the writer at most.
pub const REQUEST_QUEUE_MAX: usize = 256;

/// An admin connection that has completed the handshake.
pub struct Connection<S> {
    /// What the notary said about itself and us.
    pub hello: Hello,
    reader: BufReader<tokio::io::ReadHalf<S>>,
    writer: tokio::io::WriteHalf<S>,
}

/// Connects to the admin socket at `path` and says hello.
pub async fn connect(path: &Path) -> Result<Connection<UnixStream>, ConsoleError> {
    let stream = UnixStream::connect(path)
        .await
        .map_err(|source| ConsoleError::Connect {
            path: path.to_path_buf(),
            source,
        })?;
    handshake(stream).await
}

/// Sends `Hello` on `stream` and waits (at most [`HELLO_TIMEOUT_MS`]) for the answer.
pub async fn handshake<S>(stream: S) -> Result<Connection<S>, ConsoleError>
where
    S: AsyncRead + AsyncWrite,
{
    let (read, mut writer) = tokio::io::split(stream);
    let mut reader = BufReader::new(read);
    let exchange = async {
        let hello = Request {
            id: HELLO_REQUEST_ID,
            op: Op::Hello,
        };
        let line_out = encode(&hello)?;
        // The server may answer a refused user and close before reading: a failed write is
        // not the end, the refusal may still be there to read.
        let wrote = async {
            writer.write_all(&line_out).await?;
            writer.flush().await
        }
        .await;
        let mut line = Vec::new();
        match read_line_capped(&mut reader, &mut line, LINE_LEN_MAX).await {
            Ok(true) => {}
            Ok(false) => return Err(ConsoleError::ClosedEarly),
            Err(e) if is_hangup(&e) => return Err(ConsoleError::ClosedEarly),
            Err(e) => return Err(ConsoleError::Io(e)),
        }
        if let Err(e) = wrote {
            if !is_hangup(&e) {
                return Err(ConsoleError::Io(e));
            }
        }
        let response: Response = serde_json::from_slice(&line)
            .map_err(|e| ConsoleError::Protocol(format!("bad answer to hello: {e}")))?;
        match response {
            Response::Err { error: e, .. } => Err(ConsoleError::Refused {
                code: e.code.to_string(),
                message: e.message,
            }),
            Response::Ok {
                result: Reply::Hello(hello),
                ..
            } => Ok(hello),
            Response::Ok { .. } => Err(ConsoleError::Protocol(
                "the answer to hello is not a hello".into(),
            )),
        }
    };
    let hello = tokio::time::timeout(Duration::from_millis(HELLO_TIMEOUT_MS), exchange)
        .await
        .map_err(|_| ConsoleError::Timeout(HELLO_TIMEOUT_MS))??;
    Ok(Connection {
        hello,
        reader,
        writer,
    })
}

impl<S> Connection<S>
where
    S: AsyncRead + AsyncWrite + Send + 'static,
{
    /// Starts the reader and writer tasks on `rt`; returns the sender for requests. Every
    /// answer, and the end of the connection, arrive on `events`.
    pub fn spawn(self, rt: &tokio::runtime::Handle, events: EventSender) -> mpsc::Sender<Request> {
        let (tx, mut rx) = mpsc::channel::<Request>(REQUEST_QUEUE_MAX);
        let mut writer = self.writer;
        let writer_events = events.clone();
        rt.spawn(async move {
            while let Some(req) = rx.recv().await {
                let sent = match encode(&req) {
                    Ok(line) => writer.write_all(&line).await.map_err(|e| e.to_string()),
                    Err(e) => Err(e.to_string()),
                };
                if let Err(why) = sent {
                    let closed = Event::Action(Action::BackendClosed(why));
                    let _ = writer_events.send(closed).await;
                    return;
                }
            }
        });
        let mut reader = self.reader;
        rt.spawn(async move {
            let mut line = Vec::new();
            loop {
                let action = match read_line_capped(&mut reader, &mut line, LINE_LEN_MAX).await {
                    Ok(true) => match serde_json::from_slice::<Response>(&line) {
                        Ok(r) => Action::Response(r),
                        Err(e) => Action::BackendError(format!("bad line from the notary: {e}")),
                    },
                    Ok(false) => Action::BackendClosed("the notary closed the connection".into()),
                    Err(e) => Action::BackendClosed(e.to_string()),
                };
                let closed = matches!(action, Action::BackendClosed(_));
                if events.send(Event::Action(action)).await.is_err() || closed {
                    return;
                }
            }
        });
        tx
    }
}

fn is_hangup(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::{BrokenPipe, ConnectionReset};
    matches!(e.kind(), BrokenPipe | ConnectionReset)
}

/// One request as a line.
fn encode(req: &Request) -> Result<Vec<u8>, ConsoleError> {
    let mut line = serde_json::to_vec(req).map_err(|e| ConsoleError::Protocol(e.to_string()))?;
    line.push(b'\n');
    Ok(line)
}

/// Reads one `\n`-terminated line into `buf` (without the newline). `Ok(false)` at a clean
/// end of stream; an error for a line longer than `len_max` (nothing beyond it is buffered) or
/// a stream that ends mid-line.
pub async fn read_line_capped<R>(
    r: &mut R,
    buf: &mut Vec<u8>,
    len_max: usize,
) -> std::io::Result<bool>
where
    R: AsyncBufRead + Unpin,
{
    use std::io::{Error, ErrorKind};
    buf.clear();
    loop {
        let chunk = r.fill_buf().await?;
        if chunk.is_empty() {
            return if buf.is_empty() {
                Ok(false)
            } else {
                Err(Error::new(
                    ErrorKind::UnexpectedEof,
                    "connection ended mid-line",
                ))
            };
        }
        let (take, done) = match chunk.iter().position(|&b| b == b'\n') {
            Some(i) => (i, true),
            None => (chunk.len(), false),
        };
        if buf.len() + take > len_max {
            return Err(Error::new(
                ErrorKind::InvalidData,
                format!("line longer than {len_max} bytes"),
            ));
        }
        buf.extend_from_slice(&chunk[..take]);
        r.consume(take + usize::from(done));
        if done {
            return Ok(true);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::fixtures::hello;
    use super::*;
    use crate::api::admin::proto::{ErrorBody, ErrorCode};

    async fn serve_one(server: UnixStream, answer: Option<Response>) {
        let (read, mut write) = tokio::io::split(server);
        let mut read = BufReader::new(read);
        let mut line = Vec::new();
        if read_line_capped(&mut read, &mut line, LINE_LEN_MAX)
            .await
            .unwrap_or(false)
        {
            let req: Request = serde_json::from_slice(&line).expect("request");
            assert_eq!(req.op, Op::Hello);
            if let Some(a) = answer {
                let a = Response::new(req.id, a.into_result());
                let mut out = serde_json::to_vec(&a).expect("json");
                out.push(b'\n');
                write.write_all(&out).await.expect("write");
            }
        }
    }

    #[tokio::test]
    async fn handshake_returns_hello() {
        let (client, server) = UnixStream::pair().expect("pair");
        let answer = Response::Ok {
            id: 0,
            result: Reply::Hello(hello()),
        };
        let server = tokio::spawn(serve_one(server, Some(answer)));
        let conn = handshake(client)
            .await
            .map_err(|e| e.to_string())
            .expect("hello");
        assert_eq!(conn.hello, hello());
        server.await.expect("server");
    }

    #[tokio::test]
    async fn refusal_is_reported_with_its_code() {
        let (client, server) = UnixStream::pair().expect("pair");
        let answer = Response::Err {
            id: 0,
            error: ErrorBody {
                code: ErrorCode::NotAnArbitrator,
                message: "user mallory is not an arbitrator".into(),
            },
        };
        let server = tokio::spawn(serve_one(server, Some(answer)));
        match handshake(client).await {
            Err(ConsoleError::Refused { code, .. }) => assert_eq!(code, "not_an_arbitrator"),
            other => panic!("expected a refusal, got {:?}", other.map(|c| c.hello)),
        }
        server.await.expect("server");
    }

    #[tokio::test]
    async fn silent_close_is_reported() {
        let (client, server) = UnixStream::pair().expect("pair");
        let server = tokio::spawn(serve_one(server, None));
        assert!(matches!(
            handshake(client).await,
            Err(ConsoleError::ClosedEarly)
        ));
        server.await.expect("server");
    }

    #[tokio::test]
    async fn missing_socket_is_a_connect_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let err = connect(&dir.path().join("admin.sock")).await.err();
        assert!(matches!(err, Some(ConsoleError::Connect { .. })));
    }

    #[tokio::test]
    async fn lines_are_capped() {
        let data = [b"short\n".as_slice(), &[b'x'; 100], b"\nend"].concat();
        let mut r = BufReader::with_capacity(16, data.as_slice());
        let mut buf = Vec::new();
        assert!(read_line_capped(&mut r, &mut buf, 50).await.expect("line"));
        assert_eq!(buf, b"short");
        let err = read_line_capped(&mut r, &mut buf, 50)
            .await
            .expect_err("too long");
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
        let mut r = BufReader::new(b"a\nb".as_slice());
        assert!(read_line_capped(&mut r, &mut buf, 50).await.expect("a"));
        assert!(
            read_line_capped(&mut r, &mut buf, 50).await.is_err(),
            "unterminated"
        );
        assert!(!read_line_capped(&mut r, &mut buf, 50).await.expect("eof"));
    }

    #[tokio::test]
    async fn spawned_tasks_carry_requests_and_answers() {
        let (client, server) = UnixStream::pair().expect("pair");
        let answer = Response::Ok {
            id: 0,
            result: Reply::Hello(hello()),
        };
        let server = tokio::spawn(async move {
            let (read, mut write) = tokio::io::split(server);
            let mut read = BufReader::new(read);
            let mut line = Vec::new();
            for _ in 0..2 {
                assert!(read_line_capped(&mut read, &mut line, LINE_LEN_MAX)
                    .await
                    .expect("line"));
                let req: Request = serde_json::from_slice(&line).expect("request");
                let a = Response::new(req.id, answer.clone().into_result());
                let mut out = serde_json::to_vec(&a).expect("json");
                out.push(b'\n');
                write.write_all(&out).await.expect("write");
            }
        });
        let conn = handshake(client)
            .await
            .map_err(|e| e.to_string())
            .expect("hello");
        let (etx, mut erx) = super::super::event::channel();
        let tx = conn.spawn(&tokio::runtime::Handle::current(), etx);
        tx.send(Request {
            id: 7,
            op: Op::Status,
        })
        .await
        .expect("send");
        match erx.recv().await {
            Some(Event::Action(Action::Response(r))) => assert_eq!(r.id(), 7),
            other => panic!("unexpected {other:?}"),
        }
        server.await.expect("server");
        assert!(matches!(
            erx.recv().await,
            Some(Event::Action(Action::BackendClosed(_)))
        ));
    }
}
