//! Screen 5's keys and transitions, without I/O: polling the two lists or the open case,
//! opening a case, taking it and adding a note through the confirmation dialog, and the
//! notary's answers (a refusal such as `not built yet` is kept and shown where the list or the
//! case would be).

use crossterm::event::{KeyCode, KeyEvent};

use crate::api::admin::proto::{ComplaintDetail, Op, Reply};
use crate::console::action::{Action, Move};
use crate::console::app::{App, Overlay, Pending, PromptPurpose, Screen, ScreenAction, SignPlan};
use crate::console::command::Command;
use crate::console::components::confirm::{ConfirmDialog, Signable, NOT_CONNECTED};

use super::plan::CasePlan;
use super::{
    queue_order, view, Case, ExchangesAction, ExchangesView, Focus, COMPLAINTS_LIMIT,
    EXCHANGES_LIMIT,
};

/// The keys of this screen, for the help box.
pub const HELP: &[(&str, &str)] = &[(
    "Enter t n  e",
    "open · take · note a case · e other list (5)",
)];

/// The action for `key` on this screen, beyond the keys every screen has.
pub fn key(key: KeyEvent) -> Option<Action> {
    let action = match key.code {
        KeyCode::Enter => ExchangesAction::OpenCase,
        KeyCode::Char('e') => ExchangesAction::ToggleFocus,
        KeyCode::Char('t') => ExchangesAction::TakeCase,
        KeyCode::Char('n') => ExchangesAction::AddNote,
        _ => return None,
    };
    Some(Action::Screen(ScreenAction::Exchanges(action)))
}

/// Applies a screen-level action (nothing is open over the screen).
pub fn update(app: &mut App, action: Action, out: &mut Vec<Command>) {
    match action {
        Action::Screen(ScreenAction::Exchanges(a)) => match a {
            ExchangesAction::OpenCase => open_case(app, out),
            ExchangesAction::ToggleFocus => toggle_focus(&mut app.exchanges),
            ExchangesAction::TakeCase => take_case(app),
            ExchangesAction::AddNote => add_note(app),
        },
        Action::Move(m) => move_selection(app, m),
        Action::Back => close_case(app, out),
        _ => {}
    }
}

/// Enter on the complaint queue: opens the selected case and asks for its detail.
fn open_case(app: &mut App, out: &mut Vec<Command>) {
    let v = &mut app.exchanges;
    if v.case.is_some() || v.focus != Focus::Complaints {
        return;
    }
    let Some(item) = v.complaints.list.selected_item().cloned() else {
        return;
    };
    v.case = Some(Case::new(item));
    poll(app, out);
}

/// Esc: back from the case to the lists.
fn close_case(app: &mut App, out: &mut Vec<Command>) {
    if app.exchanges.case.take().is_some() {
        poll(app, out);
    }
}

fn toggle_focus(v: &mut ExchangesView) {
    if v.case.is_none() {
        v.focus = match v.focus {
            Focus::Complaints => Focus::Exchanges,
            Focus::Exchanges => Focus::Complaints,
        };
    }
}

/// Moves the selection of the focused list, or scrolls the open case.
fn move_selection(app: &mut App, m: Move) {
    let rows = view::list_rows(app.size);
    let page = view::case_rows(app.size);
    let v = &mut app.exchanges;
    match (&mut v.case, v.focus) {
        (Some(case), _) => {
            let last = view::scroll_max(&app.theme, case, app.size);
            let to = match m {
                Move::Up => case.scroll.saturating_sub(1),
                Move::Down => case.scroll.saturating_add(1),
                Move::PageUp => case.scroll.saturating_sub(page),
                Move::PageDown => case.scroll.saturating_add(page),
                Move::Top => 0,
                Move::Bottom => last,
            };
            case.scroll = to.min(last);
        }
        (None, Focus::Complaints) => v.complaints.list.move_selection(m, rows),
        (None, Focus::Exchanges) => v.exchanges.list.move_selection(m, rows),
    }
}

/// Keeps the selections visible after a resize.
pub fn rescroll(app: &mut App) {
    let rows = view::list_rows(app.size);
    app.exchanges.complaints.list.rescroll(rows);
    app.exchanges.exchanges.list.rescroll(rows);
}

/// Asks for the open case, else for both lists, each unless it is already on its way.
pub fn poll(app: &mut App, out: &mut Vec<Command>) {
    if let Some(case) = &app.exchanges.case {
        let id = case.item.complaint_id.clone();
        let op = Op::ComplaintShow {
            complaint_id: id.clone(),
        };
        return app.ask(Pending::ComplaintShow { id }, op, out);
    }
    let complaints = Op::Complaints {
        limit: COMPLAINTS_LIMIT,
    };
    app.ask(Pending::Complaints, complaints, out);
    let exchanges = Op::Exchanges {
        limit: EXCHANGES_LIMIT,
    };
    app.ask(Pending::Exchanges, exchanges, out);
}

/// True while a confirmed action on a case awaits its answer.
fn busy(app: &mut App) -> bool {
    let busy = app
        .requests
        .in_flight(app.now_ms, |p| matches!(p, Pending::Case(_)));
    if busy {
        app.error("Waiting for the notary's answer to the previous request");
    }
    busy
}

/// `t`: shows what taking the open (or selected) case records, for confirmation.
fn take_case(app: &mut App) {
    if busy(app) {
        return;
    }
    let Some(case) = app.exchanges.target().cloned() else {
        return app.error("Select a complaint (or open its case) to take it");
    };
    confirm(app, CasePlan::Take { case });
}

/// `n`: asks for the note on the open (or selected) case.
fn add_note(app: &mut App) {
    if busy(app) {
        return;
    }
    let Some(case) = app.exchanges.target().cloned() else {
        return app.error("Select a complaint (or open its case) to add a note");
    };
    app.exchanges.note_for = Some(case);
    app.open_prompt(PromptPurpose::CaseNote, String::new());
}

fn confirm(app: &mut App, plan: CasePlan) {
    app.notice = None;
    app.overlay = Overlay::Confirm(ConfirmDialog::new(SignPlan::Case(Box::new(plan))));
}

/// Enter in the note prompt: the note goes to the confirmation dialog; an empty one ends it.
pub fn submit(app: &mut App, purpose: PromptPurpose, input: &str) {
    let case = app.exchanges.note_for.take();
    if purpose != PromptPurpose::CaseNote {
        return;
    }
    let Some(case) = case else {
        return app.error("That note belongs to a case that is no longer open");
    };
    if input.is_empty() {
        return app.info("Cancelled: no note was added");
    }
    confirm(
        app,
        CasePlan::Note {
            case,
            text: input.to_string(),
        },
    );
}

/// `Esc` in the note prompt: the note is dropped.
pub fn prompt_closed(app: &mut App) {
    app.exchanges.note_for = None;
}

/// Sends the request a confirmed dialog authorises.
pub fn sign(app: &mut App, plan: CasePlan, out: &mut Vec<Command>) {
    if !app.connected {
        return app.error(NOT_CONNECTED);
    }
    let op = plan.op();
    app.send(Pending::Case(Box::new(plan)), op, out);
    app.info("Sent: waiting for the notary's answer …");
}

/// Applies an answer to one of this screen's requests.
pub fn on_reply(app: &mut App, pending: Pending, reply: Reply, out: &mut Vec<Command>) {
    let rows = view::list_rows(app.size);
    let v = &mut app.exchanges;
    match (pending, reply) {
        (Pending::Complaints, Reply::Complaints { mut items }) => {
            queue_order(&mut items);
            v.complaints.answered(items, rows);
        }
        (Pending::Exchanges, Reply::Exchanges { items }) => v.exchanges.answered(items, rows),
        (Pending::ComplaintShow { id }, Reply::Complaint(detail)) => on_case(v, &id, detail),
        (Pending::Case(plan), Reply::Complaint(detail)) => on_done(app, &plan, detail, out),
        (pending, _) => app.error(format!(
            "The notary sent an unexpected answer to {pending:?}"
        )),
    }
}

/// The open case's detail arrived (a late answer for a case since closed is dropped).
fn on_case(v: &mut ExchangesView, id: &str, detail: ComplaintDetail) {
    if let Some(case) = &mut v.case {
        if case.item.complaint_id == id && detail.item.complaint_id == id {
            case.set_detail(detail);
        }
    }
}

/// The case as it is after a confirmed action: shown if it is open, checked against what was
/// confirmed, and the lists asked for again.
fn on_done(app: &mut App, plan: &CasePlan, detail: ComplaintDetail, out: &mut Vec<Command>) {
    match plan.mismatch(&detail) {
        Some(why) => app.error(format!("WARNING: {why}")),
        None => app.info(plan.done_text()),
    }
    let id = plan.case().complaint_id.clone();
    on_case(&mut app.exchanges, &id, detail);
    if app.screen == Screen::Exchanges && app.exchanges.case.is_none() {
        poll(app, out);
    }
}

/// A request of this screen failed with `text`: the list or the case it was for shows it (true);
/// a refused action is for the status line (false).
pub fn on_error(app: &mut App, pending: &Pending, text: &str) -> bool {
    let v = &mut app.exchanges;
    match pending {
        Pending::Complaints => v.complaints.failed(text),
        Pending::Exchanges => v.exchanges.failed(text),
        Pending::ComplaintShow { id } => match v.case.as_mut() {
            Some(case) if case.item.complaint_id == *id => case.error = Some(text.to_string()),
            // A case no longer open: nothing to say.
            _ => {}
        },
        _ => return false,
    }
    true
}
