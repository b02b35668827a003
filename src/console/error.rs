//! The console's error type: each variant is something the arbitrator (or the CLI) can act on.

use std::path::PathBuf;

/// Why the console could not start or had to stop.
#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    /// The admin socket could not be opened (wrong `--data`, notary not running, permissions).
    #[error("cannot connect to the admin socket {path}: {source}")]
    Connect {
        /// The socket path tried.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The notary answered the handshake with an error (e.g. `not_an_arbitrator`).
    #[error("the notary refused the console: {message} ({code})")]
    Refused {
        /// The wire error code.
        code: String,
        /// The server's explanation.
        message: String,
    },
    /// The notary closed the socket without answering `Hello`; it does so for Unix users that
    /// are not listed as arbitrators.
    #[error(
        "the notary closed the connection without answering (is your Unix user listed as an \
         arbitrator in notar.toml?)"
    )]
    ClosedEarly,
    /// The notary did not answer the handshake in time.
    #[error("no answer from the notary within {0} ms")]
    Timeout(u64),
    /// The notary sent something that is not the admin protocol.
    #[error("admin protocol error: {0}")]
    Protocol(String),
    /// Reading or writing the admin socket failed.
    #[error("admin socket I/O error: {0}")]
    Io(#[source] std::io::Error),
    /// The tokio runtime could not be built.
    #[error("cannot start the async runtime: {0}")]
    Runtime(#[source] std::io::Error),
    /// The terminal could not be set up, drawn or restored.
    #[error("terminal error: {0}")]
    Terminal(#[source] std::io::Error),
    /// Terminal input stopped (stdin closed or the SSH client went away). The input thread may
    /// still be stuck inside crossterm (issue #793): the caller should exit the process soon.
    #[error("terminal input was lost: {0}")]
    InputLost(String),
}
