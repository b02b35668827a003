//! The console's screens, one module each: its state (`mod.rs`), its keys and transitions
//! (`update.rs`) and its pure view (`view.rs`). This module routes the core's hooks to the
//! screen they concern: the visible one, the one a request or a question belongs to, or all.
//! Each hook is one `match` on [`Screen`], so a new screen that is not routed does not compile.

pub mod agreements;
pub mod cases;
pub mod dashboard;
pub mod exchanges;
pub mod log;
pub mod timestamps;

use crossterm::event::KeyEvent;
use ratatui::layout::Rect;
use ratatui::Frame;

use crate::api::admin::proto::Reply;

use super::action::Action;
use super::app::{App, Overlay, Pending, PromptPurpose, Screen, SignPlan};
use super::command::Command;
use super::files::{FilePurpose, HashedFile};

/// The action for `key` on `screen`, beyond the keys every screen has.
pub fn key(screen: Screen, key: KeyEvent) -> Option<Action> {
    match screen {
        Screen::Dashboard => None,
        Screen::Timestamps => timestamps::update::key(key),
        Screen::Log => log::update::key(key),
        Screen::Agreements => agreements::update::key(key),
        Screen::Exchanges => exchanges::update::key(key),
        Screen::Cases => cases::update::key(key),
    }
}

/// The keys of `screen` for the help box (keys, what they do).
pub fn help(screen: Screen) -> &'static [(&'static str, &'static str)] {
    match screen {
        Screen::Dashboard => &[],
        Screen::Timestamps => timestamps::update::HELP,
        Screen::Log => log::update::HELP,
        Screen::Agreements => agreements::update::HELP,
        Screen::Exchanges => exchanges::update::HELP,
        Screen::Cases => cases::update::HELP,
    }
}

/// Applies a screen-level action (a move, `/`, `Esc`, a screen's own key) to the visible
/// screen; the caller has checked that nothing is open over it.
pub fn update(app: &mut App, action: Action, out: &mut Vec<Command>) {
    match app.screen {
        Screen::Dashboard => dashboard::update::update(app, action, out),
        Screen::Timestamps => timestamps::update::update(app, action, out),
        Screen::Log => log::update::update(app, action, out),
        Screen::Agreements => agreements::update::update(app, action, out),
        Screen::Exchanges => exchanges::update::update(app, action, out),
        Screen::Cases => cases::update::update(app, action, out),
    }
}

/// Asks for what the visible screen shows, each request unless it is already on its way.
pub fn poll(app: &mut App, out: &mut Vec<Command>) {
    match app.screen {
        Screen::Dashboard => {}
        Screen::Timestamps => timestamps::update::poll(app, out),
        Screen::Log => log::update::poll(app, out),
        Screen::Agreements => agreements::poll::poll(app, out),
        Screen::Exchanges => exchanges::update::poll(app, out),
        Screen::Cases => cases::update::poll(app, out),
    }
}

/// Keeps every screen's selection visible after a resize.
pub fn rescroll(app: &mut App) {
    timestamps::update::rescroll(app);
    log::update::rescroll(app);
    agreements::update::rescroll(app);
    exchanges::update::rescroll(app);
    cases::update::rescroll(app);
}

/// Rows of `screen`'s selectable list at the current terminal size (none on the dashboard).
pub fn list_rows(app: &App, screen: Screen) -> usize {
    match screen {
        Screen::Dashboard => 0,
        Screen::Timestamps => timestamps::view::list_rows(app.size),
        Screen::Log => log::view::list_rows(app.size),
        Screen::Agreements => agreements::view::list_rows(app.size),
        Screen::Exchanges => exchanges::view::list_rows(app.size),
        Screen::Cases => cases::view::list_rows(app.size),
    }
}

/// Enter in a prompt: the (trimmed) answer goes to the screen that asked.
pub fn submit(app: &mut App, purpose: PromptPurpose, input: &str, out: &mut Vec<Command>) {
    match purpose.screen() {
        Screen::Dashboard => {}
        Screen::Timestamps => timestamps::update::submit(app, purpose, input, out),
        Screen::Log => log::update::submit(app, purpose, input, out),
        Screen::Agreements => agreements::actions::submit(app, purpose, input, out),
        Screen::Exchanges => exchanges::update::submit(app, purpose, input),
        Screen::Cases => cases::update::submit(app, purpose, input),
    }
}

/// `Esc` in a prompt: the screen that asked forgets what the question was for.
pub fn prompt_closed(app: &mut App, purpose: PromptPurpose) {
    match purpose.screen() {
        Screen::Agreements => agreements::update::prompt_closed(app),
        Screen::Exchanges => exchanges::update::prompt_closed(app),
        Screen::Cases => cases::update::prompt_closed(app),
        Screen::Dashboard | Screen::Timestamps | Screen::Log => {}
    }
}

/// The title of the prompt for `purpose`, from the screen that asks.
pub fn prompt_title(app: &App, purpose: PromptPurpose) -> String {
    match purpose.screen() {
        Screen::Dashboard => " Answer ".into(),
        Screen::Cases => cases::view::prompt_title(app, purpose),
        Screen::Timestamps => timestamps::view::prompt_title(purpose),
        Screen::Log => log::view::prompt_title(purpose),
        Screen::Agreements => agreements::view::prompt_title(app, purpose),
        Screen::Exchanges => exchanges::view::prompt_title(app, purpose),
    }
}

/// `y` in an armed dialog: the screen that made the plan sends its request.
pub fn sign(app: &mut App, plan: SignPlan, out: &mut Vec<Command>) {
    match plan {
        SignPlan::Stamp(plan) => timestamps::update::sign(app, plan, out),
        SignPlan::Ledger(plan) => agreements::actions::sign(app, *plan, out),
        SignPlan::Case(plan) => exchanges::update::sign(app, *plan, out),
        SignPlan::Ruling(plan) => cases::update::sign(app, *plan, out),
        SignPlan::Withdraw(plan) => cases::update::withdraw(app, *plan, out),
    }
}

/// A file was hashed for the timestamps screen (a search or a stamp).
pub fn file_hashed(
    app: &mut App,
    purpose: FilePurpose,
    result: Result<HashedFile, String>,
    out: &mut Vec<Command>,
) {
    timestamps::update::file_hashed(app, purpose, result, out);
}

/// The notary's status arrived (every screen shares it; the log learns its size).
pub fn on_status(app: &mut App, log_size: u64, out: &mut Vec<Command>) {
    log::update::on_status(app, log_size, out);
}

/// An answer to a request: the screen that made it applies it.
pub fn on_reply(app: &mut App, pending: Pending, reply: Reply, out: &mut Vec<Command>) {
    match pending.screen() {
        Some(Screen::Timestamps) => timestamps::update::on_reply(app, pending, reply, out),
        Some(Screen::Log) => log::update::on_reply(app, pending, reply),
        Some(Screen::Agreements) => agreements::update::on_reply(app, pending, reply, out),
        Some(Screen::Exchanges) => exchanges::update::on_reply(app, pending, reply, out),
        Some(Screen::Cases) => cases::update::on_reply(app, pending, reply, out),
        Some(Screen::Dashboard) | None => app.error(format!(
            "The notary sent an unexpected answer to {pending:?}"
        )),
    }
}

/// A request failed with `text`: a screen waiting to show the outcome says so. True when the
/// screen shows the error where the answer would have been (then the status line need not).
pub fn on_error(app: &mut App, pending: &Pending, text: &str) -> bool {
    match pending.screen() {
        Some(Screen::Timestamps) => timestamps::update::on_error(app, pending, text),
        Some(Screen::Agreements) => agreements::update::on_error(app, pending, text),
        Some(Screen::Exchanges) => return exchanges::update::on_error(app, pending, text),
        Some(Screen::Cases) => return cases::update::on_error(app, pending, text),
        Some(Screen::Dashboard | Screen::Log) | None => {}
    }
    false
}

/// The connection ended: an outcome still awaited becomes unknown.
pub fn on_disconnect(app: &mut App, why: &str) {
    timestamps::update::on_disconnect(app, why);
    agreements::update::on_disconnect(app, why);
}

/// The status line's hint on the visible screen.
pub fn hint(app: &App) -> &'static str {
    match app.screen {
        Screen::Dashboard => dashboard::view::HINT,
        Screen::Timestamps => timestamps::view::HINT,
        Screen::Log => log::view::HINT,
        Screen::Agreements => agreements::view::hint(app),
        Screen::Exchanges => exchanges::view::hint(app),
        Screen::Cases => cases::view::hint(app),
    }
}

/// Draws the visible screen into `area`.
pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    match app.screen {
        Screen::Dashboard => dashboard::view::render(app, frame, area),
        Screen::Timestamps => timestamps::view::render(app, frame, area),
        Screen::Log => log::view::render(app, frame, area),
        Screen::Agreements => agreements::view::render(app, frame, area),
        Screen::Exchanges => exchanges::view::render(app, frame, area),
        Screen::Cases => cases::view::render(app, frame, area),
    }
}

/// Draws the outcome box of what a screen had signed, when one is open.
pub fn render_outcome(app: &App, frame: &mut Frame, area: Rect) {
    match &app.overlay {
        Overlay::StampResult(o) => timestamps::view::render_outcome(&app.theme, o, frame, area),
        Overlay::ActionResult(o) => agreements::view::outcome::render(&app.theme, o, frame, area),
        _ => {}
    }
}
