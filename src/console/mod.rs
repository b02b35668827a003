//! The arbitrators' console (`notar console`): a ratatui + crossterm client of the notary's
//! admin socket. It never touches the store; it speaks the admin protocol, so several
//! arbitrators can work at once.
//!
//! Structure: [`app`] (state), [`action`] (inputs and side-effect requests), [`update`] (the
//! pure state machine), [`keymap`] (keys to actions), [`views`] (pure rendering), [`confirm`]
//! (the trusted confirmation dialog), [`ledger_plans`] (what the party, agreement, revocation
//! and status actions sign), [`agreements`], `agreements_update` and `ledger_actions` (screen
//! 4's state, transitions and actions), [`verify`] (client-side proof checks), and the I/O edges:
//! `client` (admin socket), `event` (input thread, ticks), `tui` (terminal and signals),
//! `session` (the event loop).

pub mod action;
pub mod app;
mod client;
pub mod components;
mod error;
mod event;
mod files;
pub mod keymap;
pub mod requests;
mod responses;
pub mod sanitize;
pub mod screens;
mod session;
pub mod theme;
mod tui;
pub mod update;
pub mod views;

#[cfg(test)]
mod tests;

use std::io::Write as _;
use std::path::Path;
use std::time::Duration;

pub use error::ConsoleError;

/// Runs the console against the admin socket at `socket` until the arbitrator quits.
///
/// Call it from plain (non-async) code: it builds its own small tokio runtime for the socket
/// and file hashing, and must not run inside another runtime. It connects and says `Hello`
/// first; if that fails (no socket, or the notary refuses the Unix user, e.g. with
/// `not_an_arbitrator`) it returns before the terminal is touched. Every error it returns has
/// already been printed to stderr (after the terminal was restored), so the caller only picks
/// the exit status. After [`ConsoleError::InputLost`] the caller should exit promptly: an
/// input thread may be stuck in crossterm on a dead tty.
pub fn run(socket: &Path) -> Result<(), ConsoleError> {
    let result = run_inner(socket);
    if let Err(e) = &result {
        // Not eprintln!: it panics when stderr is a tty that has gone away.
        let _ = writeln!(std::io::stderr(), "notar console: {e}");
    }
    result
}

fn run_inner(socket: &Path) -> Result<(), ConsoleError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("console-io")
        .enable_all()
        .build()
        .map_err(ConsoleError::Runtime)?;
    let result = match rt.block_on(client::connect(socket)) {
        Ok(conn) => session::run_tui(&rt, conn),
        Err(e) => Err(e),
    };
    // Do not wait for a file still being hashed.
    rt.shutdown_timeout(Duration::from_millis(200));
    result
}
