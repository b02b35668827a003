//! The arbitrators' console (`notar console`): a ratatui + crossterm client of the notary's
//! admin socket. It never touches the store; it speaks the admin protocol, so several
//! arbitrators can work at once.
//!
//! # Modules
//!
//! The core, which knows no screen's internals (only their registration in `app`):
//! - [`app`]: the whole state, and the registry of the screens (see below);
//! - [`action`]: what can happen (decoded keys, answers, ticks); [`command`]: what the console
//!   asks the outside world to do in return; [`requests`]: request ids and what each
//!   outstanding one was for;
//! - [`update`]: the pure state machine for what every screen shares (switching screens, help,
//!   prompt, confirmation dialog, polling, the connection), `responses`: answers matched to
//!   their requests; [`keymap`]: keys to actions; [`views`]: the frame every screen shares
//!   (header, status line, overlays);
//! - the I/O edges: `client` (admin socket), `event` (the event channel, input thread,
//!   ticks), `tui` (terminal and signals), `session` (the event loop), [`files`] (hashing a
//!   local file); and [`theme`], [`sanitize`] (server text made inert), `error`.
//!
//! [`components`]: what any screen may use and that knows none: the one selectable list
//! (`list`), the trusted confirmation dialog (`confirm`) and its framed box (`dialog`), the
//! prompt, the help box, and the layout, table and text helpers of the views.
//!
//! [`screens`]: one module a screen (`dashboard`, `timestamps`, `log`, `agreements`,
//! `exchanges`), each with its state (`mod.rs`), its keys and transitions (`update.rs`) and its
//! pure view (`view.rs`); `screens/mod.rs` routes the core's hooks to them, one `match` a hook.
//!
//! Imports point from screens to components and the core, never in a circle; a test
//! (`tests::imports`) reads the sources and fails on a cycle.
//!
//! # Adding a screen
//!
//! Write `screens/<name>/` (state, `update.rs`, `view.rs`), then register it with the core in
//! one place, `app.rs`: a [`Screen`](app::Screen) variant (title and tab order), the
//! [`App`](app::App) field that holds its state, and as it needs them its own actions
//! ([`ScreenAction`](app::ScreenAction)), request kinds ([`Pending`](app::Pending)),
//! questions ([`PromptPurpose`](app::PromptPurpose)) and signing plan
//! ([`SignPlan`](app::SignPlan)). Each `match` in `screens/mod.rs` that does not route the new
//! screen then fails to compile: those are the hooks to fill in.

pub mod action;
pub mod app;
mod client;
pub mod command;
pub mod components;
mod error;
mod event;
pub mod files;
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
