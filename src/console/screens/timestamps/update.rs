//! Screen 2's keys and transitions, without I/O: polling the list, search by digest or by a
//! file hashed here, stamping a file through the confirmation dialog, and the notary's answers.

use crossterm::event::{KeyCode, KeyEvent};

use crate::api::admin::proto::{HashAlg, Op, Reply, TimestampItem};
use crate::console::action::{Action, Move};
use crate::console::app::{App, Overlay, Pending, PromptPurpose, Screen, ScreenAction, SignPlan};
use crate::console::command::Command;
use crate::console::components::confirm::{ConfirmDialog, Signable, NOT_CONNECTED};
use crate::console::files::{FilePurpose, HashedFile};

use super::{
    view, StampOutcome, StampPlan, TimestampMode, TimestampsAction, TIMESTAMPS_RECENT_LIMIT,
};

/// The keys of this screen, for the help box.
pub const HELP: &[(&str, &str)] = &[("s", "stamp a file (Timestamps)")];

/// The action for `key` on this screen, beyond the keys every screen has.
pub fn key(key: KeyEvent) -> Option<Action> {
    match key.code {
        KeyCode::Char('s') => Some(Action::Screen(ScreenAction::Timestamps(
            TimestampsAction::OpenStampPrompt,
        ))),
        _ => None,
    }
}

/// Applies a screen-level action (nothing is open over the screen).
pub fn update(app: &mut App, action: Action, out: &mut Vec<Command>) {
    match action {
        Action::Screen(ScreenAction::Timestamps(TimestampsAction::OpenStampPrompt)) => {
            app.open_prompt(PromptPurpose::StampPath, String::new());
        }
        Action::OpenSearch => open_search(app),
        Action::Move(m) => move_selection(app, m),
        Action::Back if app.timestamps.query != TimestampMode::Recent => {
            app.timestamps.set_query(TimestampMode::Recent);
            app.last_list_poll_ms = Some(app.now_ms);
            poll(app, out);
        }
        _ => {}
    }
}

/// `/` here, or on the dashboard: what to search for.
pub fn open_search(app: &mut App) {
    app.open_prompt(PromptPurpose::Search, String::new());
}

fn move_selection(app: &mut App, m: Move) {
    let rows = view::list_rows(app.size);
    app.timestamps.move_selection(m, rows);
}

/// Keeps the selection visible after a resize.
pub fn rescroll(app: &mut App) {
    let rows = view::list_rows(app.size);
    app.timestamps.rescroll(rows);
}

/// Asks for what the list shows, unless the same request is already on its way.
pub fn poll(app: &mut App, out: &mut Vec<Command>) {
    let (what, op) = list_request(&app.timestamps.query);
    app.ask(what, op, out);
}

/// The request for what the list shows.
fn list_request(mode: &TimestampMode) -> (Pending, Op) {
    match mode.clone() {
        TimestampMode::Recent => (
            Pending::TimestampsRecent,
            Op::TimestampsRecent {
                limit: TIMESTAMPS_RECENT_LIMIT,
            },
        ),
        TimestampMode::Search { imprint, .. } => (
            Pending::TimestampsSearch {
                imprint: imprint.clone(),
            },
            Op::TimestampsSearch { imprint },
        ),
    }
}

/// A hex imprint of a supported length, lowercased; `None` if `s` is not one.
pub fn parse_imprint(s: &str) -> Option<String> {
    let hex_ok = s.bytes().all(|b| b.is_ascii_hexdigit());
    (hex_ok && matches!(s.len(), 64 | 96 | 128)).then(|| s.to_ascii_lowercase())
}

/// Enter in one of this screen's prompts, with the trimmed input; an empty one does nothing.
pub fn submit(app: &mut App, purpose: PromptPurpose, input: &str, out: &mut Vec<Command>) {
    if input.is_empty() {
        return;
    }
    let file_purpose = match purpose {
        PromptPurpose::Search => match parse_imprint(input) {
            Some(imprint) => return search(app, imprint, "digest".into(), out),
            None => FilePurpose::Search,
        },
        PromptPurpose::StampPath => FilePurpose::Stamp,
        _ => return,
    };
    out.push(Command::HashFile {
        path: expand_home(input),
        purpose: file_purpose,
    });
    app.info(format!("Hashing {input} …"));
}

/// `~/x` → `$HOME/x`, as a shell would; anything else unchanged.
fn expand_home(path: &str) -> std::path::PathBuf {
    match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => std::path::PathBuf::from(home).join(rest),
        _ => std::path::PathBuf::from(path),
    }
}

fn search(app: &mut App, imprint: String, source: String, out: &mut Vec<Command>) {
    app.timestamps.set_query(TimestampMode::Search {
        imprint: imprint.clone(),
        source,
    });
    app.send(
        Pending::TimestampsSearch {
            imprint: imprint.clone(),
        },
        Op::TimestampsSearch { imprint },
        out,
    );
}

/// A file was hashed: search for its digest, or show what stamping it would sign.
pub fn file_hashed(
    app: &mut App,
    purpose: FilePurpose,
    result: Result<HashedFile, String>,
    out: &mut Vec<Command>,
) {
    let file = match result {
        Ok(f) => f,
        Err(why) => return app.error(why),
    };
    let imprint = hex::encode(file.sha256);
    match purpose {
        FilePurpose::Search => {
            app.screen = Screen::Timestamps;
            app.info(format!("SHA-256 of {}: {imprint}", file.path));
            search(app, imprint, file.path, out);
        }
        FilePurpose::Stamp => {
            if matches!(
                app.overlay,
                Overlay::Confirm(_) | Overlay::StampResult(StampOutcome::Pending { .. })
            ) {
                return app.error("A signing request is already open; the new file was not queued");
            }
            app.screen = Screen::Timestamps;
            app.overlay = Overlay::Confirm(ConfirmDialog::new(SignPlan::Stamp(StampPlan {
                file: file.path,
                size_bytes: file.size_bytes,
                hash_alg: HashAlg::Sha256,
                imprint_hex: imprint,
            })));
            app.notice = None;
        }
    }
}

/// Sends the stamp a confirmed dialog authorises and shows that it is on its way.
pub fn sign(app: &mut App, plan: StampPlan, out: &mut Vec<Command>) {
    if !app.connected {
        app.overlay = Overlay::StampResult(StampOutcome::Failed(NOT_CONNECTED.into()));
        return;
    }
    let imprint = plan.imprint_hex.clone();
    let what = Pending::Stamp {
        imprint: imprint.clone(),
    };
    app.send(what, plan.op(), out);
    app.overlay = Overlay::StampResult(StampOutcome::Pending { imprint });
}

/// Applies an answer to one of this screen's requests.
pub fn on_reply(app: &mut App, pending: Pending, reply: Reply, out: &mut Vec<Command>) {
    match (pending, reply) {
        (Pending::TimestampsRecent, Reply::Timestamps { items }) => {
            if app.timestamps.query == TimestampMode::Recent {
                let rows = view::list_rows(app.size);
                app.timestamps.replace(items, rows);
            }
        }
        (Pending::TimestampsSearch { imprint }, Reply::Timestamps { items }) => {
            on_search_results(app, imprint, items);
        }
        (Pending::Stamp { imprint }, Reply::Stamped(item)) => on_stamped(app, imprint, item, out),
        (pending, _) => app.error(format!(
            "The notary sent an unexpected answer to {pending:?}"
        )),
    }
}

fn on_search_results(app: &mut App, imprint: String, items: Vec<TimestampItem>) {
    let TimestampMode::Search {
        imprint: current, ..
    } = &app.timestamps.query
    else {
        return;
    };
    if *current != imprint {
        return;
    }
    let first = !app.timestamps.loaded;
    let rows = view::list_rows(app.size);
    app.timestamps.replace(items, rows);
    if first {
        let n = app.timestamps.items.len();
        app.info(format!("{n} timestamp(s) over {imprint}"));
    }
}

fn on_stamped(app: &mut App, imprint: String, item: TimestampItem, out: &mut Vec<Command>) {
    let outcome = if item.imprint.eq_ignore_ascii_case(&imprint) {
        app.info(format!(
            "Timestamp signed: serial {} at {}",
            item.serial, item.gen_time
        ));
        StampOutcome::Done(item)
    } else {
        app.error("The notary signed a different imprint than the one confirmed!");
        StampOutcome::Mismatch {
            expected: imprint,
            item,
        }
    };
    if let Overlay::StampResult(StampOutcome::Pending { .. }) | Overlay::None = app.overlay {
        app.overlay = Overlay::StampResult(outcome);
    }
    // Ask again even if a poll is on its way: it may have left before the stamp.
    if app.screen == Screen::Timestamps {
        let (what, op) = list_request(&app.timestamps.query);
        app.send(what, op, out);
    }
}

/// A request of this screen failed with `text`: a stamp says nothing was signed.
pub fn on_error(app: &mut App, pending: &Pending, text: &str) {
    if let Pending::Stamp { .. } = pending {
        app.overlay = Overlay::StampResult(StampOutcome::Failed(text.to_string()));
    }
}

/// The connection ended: a stamp still awaited may or may not have been signed.
pub fn on_disconnect(app: &mut App, why: &str) {
    if let Overlay::StampResult(StampOutcome::Pending { .. }) = app.overlay {
        app.overlay = Overlay::StampResult(StampOutcome::Unknown(format!(
            "the connection ended before the answer ({why}); check the timestamps list \
             before stamping again"
        )));
    }
}
