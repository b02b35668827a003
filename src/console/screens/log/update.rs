//! Screen 3's keys and transitions, without I/O: polling the checkpoints, fetching the entries
//! around the selection, going to an entry, and checking an inclusion proof here.

use crossterm::event::{KeyCode, KeyEvent};

use crate::api::admin::proto::{Op, Reply};
use crate::console::action::{Action, Move};
use crate::console::app::{App, Pending, PromptPurpose, Screen, ScreenAction};
use crate::console::command::Command;

use super::verify::{check_checkpoint, verify_proof};
use super::{view, LogAction, CHECKPOINTS_LIMIT};

/// The keys of this screen, for the help box.
pub const HELP: &[(&str, &str)] = &[("v", "verify inclusion of the entry (Log)")];

/// The action for `key` on this screen, beyond the keys every screen has.
pub fn key(key: KeyEvent) -> Option<Action> {
    match key.code {
        KeyCode::Char('v') => Some(Action::Screen(ScreenAction::Log(LogAction::Verify))),
        _ => None,
    }
}

/// Applies a screen-level action (nothing is open over the screen).
pub fn update(app: &mut App, action: Action, out: &mut Vec<Command>) {
    match action {
        Action::Screen(ScreenAction::Log(LogAction::Verify)) => verify_selected(app, out),
        Action::OpenSearch => app.open_prompt(PromptPurpose::GotoEntry, String::new()),
        Action::Move(m) => move_selection(app, m, out),
        Action::Back => app.log.verify = None,
        _ => {}
    }
}

fn move_selection(app: &mut App, m: Move, out: &mut Vec<Command>) {
    let rows = view::list_rows(app.size);
    app.log.move_selection(m, rows);
    app.log.verify = None;
    fetch_entries(app, out);
}

/// Keeps the selection visible after a resize.
pub fn rescroll(app: &mut App) {
    let rows = view::list_rows(app.size);
    app.log.rescroll(rows);
}

fn verify_selected(app: &mut App, out: &mut Vec<Command>) {
    if let Some(index) = app.log.selected {
        app.log.verify = None;
        app.info(format!("Fetching the inclusion proof of entry {index} …"));
        app.send(Pending::Prove { index }, Op::Prove { index }, out);
    }
}

/// Asks for the checkpoints and the visible entries, each unless already on its way.
pub fn poll(app: &mut App, out: &mut Vec<Command>) {
    let op = Op::Checkpoints {
        limit: CHECKPOINTS_LIMIT,
    };
    app.ask(Pending::Checkpoints, op, out);
    fetch_entries(app, out);
}

/// Asks for the entries of the visible window if they are not cached.
fn fetch_entries(app: &mut App, out: &mut Vec<Command>) {
    let rows = view::list_rows(app.size);
    if let Some((start, limit)) = app.log.wanted_fetch(rows) {
        app.ask(
            Pending::Entries { start },
            Op::Entries { start, limit },
            out,
        );
    }
}

/// Enter in the go-to prompt, with the trimmed input; an empty one does nothing.
pub fn submit(app: &mut App, purpose: PromptPurpose, input: &str, out: &mut Vec<Command>) {
    if input.is_empty() || purpose != PromptPurpose::GotoEntry {
        return;
    }
    match input.parse::<u64>() {
        Ok(index) if index < app.log.log_size => {
            let rows = view::list_rows(app.size);
            app.log.select(index, rows);
            app.log.verify = None;
            fetch_entries(app, out);
        }
        Ok(index) => app.error(format!(
            "No entry {index}: the log has {} entries",
            app.log.log_size
        )),
        Err(_) => app.error("Type an entry index (a number)"),
    }
}

/// The notary's status arrived: the log may have grown.
pub fn on_status(app: &mut App, log_size: u64, out: &mut Vec<Command>) {
    let rows = view::list_rows(app.size);
    app.log.set_log_size(log_size, rows);
    if app.screen == Screen::Log {
        fetch_entries(app, out);
    }
}

/// Applies an answer to one of this screen's requests.
pub fn on_reply(app: &mut App, pending: Pending, reply: Reply) {
    match (pending, reply) {
        (Pending::Checkpoints, Reply::Checkpoints { items }) => {
            app.log.checkpoints = items
                .iter()
                .take(CHECKPOINTS_LIMIT as usize)
                .map(|i| check_checkpoint(&app.checkpoint_key, i))
                .collect();
        }
        (Pending::Entries { .. }, Reply::Entries { items }) => {
            if let Err(why) = app.log.store_entries(items) {
                app.error(why);
            }
        }
        (Pending::Prove { index }, Reply::Proof(proof)) => {
            let shown = app.log.entry(index).map(|e| e.raw.as_str());
            let outcome = verify_proof(&app.checkpoint_key, index, shown, &proof);
            match &outcome.result {
                Ok(()) => app.info(format!("Entry {index} is in the signed log")),
                Err(why) => app.error(format!("Inclusion proof of entry {index} FAILED: {why}")),
            }
            if app.log.selected == Some(index) {
                app.log.verify = Some(outcome);
            }
        }
        (pending, _) => app.error(format!(
            "The notary sent an unexpected answer to {pending:?}"
        )),
    }
}
