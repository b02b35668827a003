//! `update(&mut App, Action) -> Vec<Command>`: every state change of the console, without I/O.
//! What every screen shares is here (screens, help, prompt, confirmation dialog, polling,
//! the connection); the rest goes to the visible screen through [`screens`].

use ratatui::layout::Rect;

use crate::api::admin::proto::Op;

use super::action::Action;
use super::app::{App, Overlay, Pending, Screen, LIST_POLL_MS, PROMPT_LEN_MAX, STATUS_POLL_MS};
use super::command::Command;
use super::components::confirm::{self, Focus, NOT_READ};
use super::components::layout;
use super::responses::on_response;
use super::screens;

/// Applies `action` to `app` and returns what must be done outside (requests to send, files to
/// hash, quitting). Actions that do not apply in the current state are ignored.
pub fn update(app: &mut App, action: Action) -> Vec<Command> {
    let mut out = Vec::new();
    match action {
        Action::Quit => {
            app.quit = true;
            out.push(Command::Quit);
        }
        Action::NextScreen => switch_screen(app, app.screen.next(), &mut out),
        Action::PrevScreen => switch_screen(app, app.screen.prev(), &mut out),
        Action::GoTo(screen) => switch_screen(app, screen, &mut out),
        Action::ToggleHelp => match app.overlay {
            Overlay::Help => app.overlay = Overlay::None,
            Overlay::None => app.overlay = Overlay::Help,
            _ => {}
        },
        Action::Back => back(app, &mut out),
        Action::Move(_) | Action::OpenSearch | Action::Screen(_) => {
            if app.overlay == Overlay::None {
                screens::update(app, action, &mut out);
            }
        }
        Action::Refresh => {
            poll_status(app, &mut out);
            poll_list(app, &mut out);
        }
        Action::PromptInput(_) | Action::PromptBackspace | Action::PromptSubmit => {
            prompt(app, action, &mut out)
        }
        Action::ConfirmSign
        | Action::ConfirmCancel
        | Action::ConfirmToggleFocus
        | Action::ConfirmActivate
        | Action::ConfirmScroll(_)
        | Action::Rendered => confirm(app, action, &mut out),
        Action::Tick { now_ms } => tick(app, now_ms, &mut out),
        Action::Resize { width, height } => {
            app.size = (width, height);
            screens::rescroll(app);
        }
        Action::Response(r) => on_response(app, r, &mut out),
        Action::BackendClosed(why) => {
            app.connected = false;
            app.requests.clear();
            screens::on_disconnect(app, &why);
            app.error(format!("Disconnected from the notary: {why}"));
        }
        Action::BackendError(why) => app.error(why),
        Action::FileHashed { purpose, result } => {
            screens::file_hashed(app, purpose, result, &mut out)
        }
    }
    out
}

fn switch_screen(app: &mut App, screen: Screen, out: &mut Vec<Command>) {
    if !matches!(app.overlay, Overlay::None | Overlay::Help) || app.screen == screen {
        return;
    }
    app.screen = screen;
    poll_list(app, out);
}

fn back(app: &mut App, out: &mut Vec<Command>) {
    match &app.overlay {
        Overlay::Confirm(_) => cancel_confirm(app),
        Overlay::Help | Overlay::StampResult(_) | Overlay::ActionResult(_) => {
            app.overlay = Overlay::None
        }
        Overlay::Prompt(p) => {
            let purpose = p.purpose;
            app.overlay = Overlay::None;
            screens::prompt_closed(app, purpose);
        }
        Overlay::None => screens::update(app, Action::Back, out),
    }
}

/// Typing into, and Enter in, the open prompt.
fn prompt(app: &mut App, action: Action, out: &mut Vec<Command>) {
    let Overlay::Prompt(p) = &mut app.overlay else {
        return;
    };
    match action {
        Action::PromptInput(c) if p.input.chars().count() < PROMPT_LEN_MAX && !c.is_control() => {
            p.input.push(c);
        }
        Action::PromptBackspace => {
            p.input.pop();
        }
        Action::PromptSubmit => {
            let Overlay::Prompt(p) = std::mem::replace(&mut app.overlay, Overlay::None) else {
                return;
            };
            screens::submit(app, p.purpose, p.input.trim(), out);
        }
        _ => {}
    }
}

/// The confirmation dialog's keys, and its arming once it has been drawn.
fn confirm(app: &mut App, action: Action, out: &mut Vec<Command>) {
    let Overlay::Confirm(d) = &mut app.overlay else {
        return;
    };
    match action {
        Action::ConfirmSign => sign(app, out),
        Action::ConfirmCancel => cancel_confirm(app),
        Action::ConfirmToggleFocus => d.toggle_focus(),
        Action::ConfirmActivate => match d.focus {
            Focus::Sign => sign(app, out),
            Focus::Cancel => cancel_confirm(app),
        },
        Action::ConfirmScroll(delta) => d.scroll_by(delta),
        Action::Rendered => {
            d.armed = true;
            let body = layout::chrome(Rect::new(0, 0, app.size.0, app.size.1))[1];
            let last = confirm::view::scroll_max(&app.theme, &app.hello, d, body);
            d.read_all |= d.scroll >= last;
            // Read now: the earlier "read to the last line first" no longer holds (s12 L4).
            if d.read_all && app.notice.as_ref().is_some_and(|n| n.text == NOT_READ) {
                app.notice = None;
            }
        }
        _ => {}
    }
}

fn sign(app: &mut App, out: &mut Vec<Command>) {
    match &app.overlay {
        Overlay::Confirm(d) if d.armed && d.read_all => {}
        Overlay::Confirm(d) if d.armed => return app.error(NOT_READ),
        _ => return,
    }
    let Overlay::Confirm(d) = std::mem::replace(&mut app.overlay, Overlay::None) else {
        return;
    };
    screens::sign(app, d.plan, out);
}

fn cancel_confirm(app: &mut App) {
    if let Overlay::Confirm(_) = app.overlay {
        app.overlay = Overlay::None;
        app.info("Cancelled: nothing was signed");
    }
}

fn tick(app: &mut App, now_ms: u64, out: &mut Vec<Command>) {
    app.now_ms = now_ms;
    let due = |last: Option<u64>, every| last.is_none_or(|t| now_ms.saturating_sub(t) >= every);
    if due(app.last_status_poll_ms, STATUS_POLL_MS) {
        poll_status(app, out);
    }
    if due(app.last_list_poll_ms, LIST_POLL_MS) {
        poll_list(app, out);
    }
}

fn poll_status(app: &mut App, out: &mut Vec<Command>) {
    app.last_status_poll_ms = Some(app.now_ms);
    app.ask(Pending::Status, Op::Status, out);
}

/// Asks for the visible screen's list, unless the same request is already on its way.
fn poll_list(app: &mut App, out: &mut Vec<Command>) {
    app.last_list_poll_ms = Some(app.now_ms);
    screens::poll(app, out);
}
