//! Screen 6's keys and transitions, without I/O: polling the cases, replaying one (the admin op
//! `CaseReplay`: nothing is signed), stepping through its timeline and findings, and signing
//! its ruling through the confirmation dialog (`RulingSign`; for a case whose ruling another
//! arbitrator proposed, confirming it: `RulingConfirm`), withdrawing a pending proposal with a
//! reason (`ProposalWithdraw`), with the notary's answers.

use std::collections::BTreeMap;

use crossterm::event::{KeyCode, KeyEvent};

use crate::api::admin::proto::{ComplaintDetail, Op, Reply, RulingItem};
use crate::console::action::{Action, Move};
use crate::console::app::{App, Overlay, Pending, PromptPurpose, ScreenAction, SignPlan};
use crate::console::command::Command;
use crate::console::components::confirm::{ConfirmDialog, Signable, NOT_CONNECTED};
use crate::console::screens::exchanges::queue_order;
use crate::model::dispute::Ruling;
use crate::model::money::Money;

use super::plan::{RulingPlan, WithdrawPlan};
use super::{rulable, view, CasesAction, CasesView, Replayed, CASES_LIMIT};

/// The keys of this screen, for the help box.
pub const HELP: &[(&str, &str)] = &[(
    "Enter ←→ s w",
    "replay · step (p n) · sign · withdraw a proposal (6)",
)];

/// The action for `key` on this screen, beyond the keys every screen has.
pub fn key(key: KeyEvent) -> Option<Action> {
    let action = match key.code {
        KeyCode::Enter => CasesAction::Open,
        KeyCode::Right | KeyCode::Char('n') => CasesAction::Next,
        KeyCode::Left | KeyCode::Char('p') => CasesAction::Prev,
        KeyCode::Char('s') => CasesAction::Sign,
        KeyCode::Char('w') => CasesAction::Withdraw,
        _ => return None,
    };
    Some(Action::Screen(ScreenAction::Cases(action)))
}

/// Applies a screen-level action (nothing is open over the screen).
pub fn update(app: &mut App, action: Action, out: &mut Vec<Command>) {
    match action {
        Action::Screen(ScreenAction::Cases(a)) => match a {
            CasesAction::Open => open(app, out),
            CasesAction::Next => step(&mut app.cases, 1),
            CasesAction::Prev => step(&mut app.cases, -1),
            CasesAction::Sign => sign_ruling(app),
            CasesAction::Withdraw => ask_withdraw(app),
        },
        Action::Move(m) => move_selection(app, m),
        Action::Back => close(app, out),
        _ => {}
    }
}

/// Enter on the list: replays the selected case.
fn open(app: &mut App, out: &mut Vec<Command>) {
    let v = &mut app.cases;
    if v.open.is_some() {
        return;
    }
    let Some(item) = v.cases.list.selected_item().cloned() else {
        return;
    };
    v.open = Some(Replayed::new(item));
    // What was said about the case before ("Case … ruled") is not about this one.
    app.notice = None;
    poll(app, out);
}

/// Esc: back from the replay to the list.
fn close(app: &mut App, out: &mut Vec<Command>) {
    if app.cases.open.take().is_some() {
        poll(app, out);
    }
}

/// One step forward or back through the timeline, the findings page last.
fn step(v: &mut CasesView, by: isize) {
    if let Some(r) = &mut v.open {
        let to = r.step.saturating_add_signed(by).min(r.last_step());
        if to != r.step {
            r.step = to;
            r.scroll = 0;
        }
    }
}

/// Moves the list's selection, or scrolls the findings page.
fn move_selection(app: &mut App, m: Move) {
    let rows = view::list_rows(app.size);
    let size = app.size;
    let v = &mut app.cases;
    let Some(r) = &mut v.open else {
        return v.cases.list.move_selection(m, rows);
    };
    if !r.on_findings() {
        return;
    }
    let last = view::scroll_max(&app.theme, r, size);
    let page = view::findings_rows(size);
    r.scroll = match m {
        Move::Up => r.scroll.saturating_sub(1),
        Move::Down => r.scroll.saturating_add(1),
        Move::PageUp => r.scroll.saturating_sub(page),
        Move::PageDown => r.scroll.saturating_add(page),
        Move::Top => 0,
        Move::Bottom => last,
    }
    .min(last);
}

/// Keeps the selection visible after a resize.
pub fn rescroll(app: &mut App) {
    let rows = view::list_rows(app.size);
    app.cases.cases.list.rescroll(rows);
}

/// Asks for the open case's replay until it arrives, else for the cases.
pub fn poll(app: &mut App, out: &mut Vec<Command>) {
    if let Some(r) = &app.cases.open {
        if r.ruling.is_some() || r.error.is_some() {
            return;
        }
        let id = r.item.complaint_id.clone();
        let op = Op::CaseReplay {
            complaint_id: id.clone(),
        };
        return app.ask(Pending::CaseReplay { id }, op, out);
    }
    let op = Op::Complaints { limit: CASES_LIMIT };
    app.ask(Pending::Cases, op, out);
}

/// `s`: shows the replayed ruling (or the case's pending proposal) for confirmation.
/// `s` before the open case's replay arrived.
const NO_REPLAY_YET: &str = "The replay has not arrived yet: nothing to sign";

fn sign_ruling(app: &mut App) {
    if busy(app) {
        return;
    }
    let Some(r) = &app.cases.open else {
        return app.error("Open a case (Enter) to replay it before signing its ruling");
    };
    let Some((ruling, digest)) = &r.ruling else {
        return app.error(NO_REPLAY_YET);
    };
    // Before the answer's check: a proposal this console just made is an answer too, and "the
    // notary has already answered" left the proposer guessing (s12 M3).
    if r.proposed_by(&app.hello.arbitrator) {
        return app.error("You proposed this ruling: a second, different arbitrator confirms it");
    }
    if r.answer.is_some() {
        return app.error("The notary has already answered for this ruling");
    }
    let plan = RulingPlan {
        case: r.item.clone(),
        ruling: ruling.clone(),
        bundle_digest: digest.clone(),
        proposed_by: r.proposed_by.clone(),
        guarantees: r.guarantees.clone(),
    };
    app.notice = None;
    app.overlay = Overlay::Confirm(ConfirmDialog::new(SignPlan::Ruling(Box::new(plan))));
}

/// True (and says so) while a ruling or withdrawal sent from this screen awaits its answer.
fn busy(app: &mut App) -> bool {
    let busy = app.requests.in_flight(app.now_ms, |p| {
        matches!(p, Pending::Ruling(_) | Pending::Withdraw(_))
    });
    if busy {
        app.error("Waiting for the notary's answer to the previous request");
    }
    busy
}

/// `w`: asks why the open case's pending proposal is withdrawn.
fn ask_withdraw(app: &mut App) {
    if busy(app) {
        return;
    }
    let Some(r) = &app.cases.open else {
        return app.error("Open a case (Enter) whose ruling was proposed to withdraw it");
    };
    let Some(by) = r.pending_proposal() else {
        return app.error("This case has no pending proposal to withdraw");
    };
    app.cases.withdraw_for = Some((r.item.clone(), by.to_string()));
    app.open_prompt(PromptPurpose::WithdrawReason, String::new());
}

/// Enter in the reason prompt: the withdrawal goes to the confirmation dialog; an empty reason
/// ends it.
pub fn submit(app: &mut App, purpose: PromptPurpose, input: &str) {
    let target = app.cases.withdraw_for.take();
    if purpose != PromptPurpose::WithdrawReason {
        return;
    }
    let Some((case, proposed_by)) = target else {
        return app.error("That reason belongs to a case that is no longer open");
    };
    if input.is_empty() {
        return app.info("Cancelled: the proposal stands");
    }
    let plan = WithdrawPlan {
        case,
        proposed_by,
        reason: input.to_string(),
    };
    app.notice = None;
    app.overlay = Overlay::Confirm(ConfirmDialog::new(SignPlan::Withdraw(Box::new(plan))));
}

/// `Esc` in the reason prompt: nothing is withdrawn.
pub fn prompt_closed(app: &mut App) {
    app.cases.withdraw_for = None;
}

/// Sends the withdrawal a confirmed dialog authorises.
pub fn withdraw(app: &mut App, plan: WithdrawPlan, out: &mut Vec<Command>) {
    if !app.connected {
        return app.error(NOT_CONNECTED);
    }
    let op = plan.op();
    app.send(Pending::Withdraw(Box::new(plan)), op, out);
    app.info("Sent: waiting for the notary's answer …");
}

/// Sends the request a confirmed dialog authorises.
pub fn sign(app: &mut App, plan: RulingPlan, out: &mut Vec<Command>) {
    if !app.connected {
        return app.error(NOT_CONNECTED);
    }
    let op = plan.op();
    app.send(Pending::Ruling(Box::new(plan)), op, out);
    app.info("Sent: waiting for the notary's answer …");
}

/// Applies an answer to one of this screen's requests.
pub fn on_reply(app: &mut App, pending: Pending, reply: Reply, out: &mut Vec<Command>) {
    let rows = view::list_rows(app.size);
    match (pending, reply) {
        (Pending::Cases, Reply::Complaints { mut items }) => {
            items.retain(rulable);
            queue_order(&mut items);
            app.cases.cases.answered(items, rows);
        }
        (
            Pending::CaseReplay { id },
            Reply::CaseReplay {
                ruling,
                bundle_digest,
                proposed_by,
                guarantees,
            },
        ) => {
            on_replay(
                &mut app.cases,
                &id,
                *ruling,
                (bundle_digest, proposed_by, guarantees),
            );
            // It has now (s12 L4: the notice stayed over the replay).
            if app.notice.as_ref().is_some_and(|n| n.text == NO_REPLAY_YET) {
                app.notice = None;
            }
        }
        (Pending::Ruling(plan), Reply::Ruling(item)) => on_ruled(app, &plan, item),
        (Pending::Withdraw(plan), Reply::Complaint(detail)) => {
            on_withdrawn(app, &plan, detail, out)
        }
        (pending, _) => app.error(format!(
            "The notary sent an unexpected answer to {pending:?}"
        )),
    }
}

/// The open case's replay (or its pending proposal) arrived; a late one for a case since
/// closed is dropped.
fn on_replay(
    v: &mut CasesView,
    id: &str,
    ruling: Ruling,
    (digest, proposed_by, guarantees): (String, Option<String>, BTreeMap<String, Money>),
) {
    if let Some(r) = &mut v.open {
        if r.item.complaint_id == id && r.ruling.is_none() {
            r.set_ruling(ruling, digest);
            r.proposed_by = proposed_by;
            r.guarantees = guarantees;
        }
    }
}

/// The notary's answer to signing: checked against what was confirmed, kept on the replay.
fn on_ruled(app: &mut App, plan: &RulingPlan, item: RulingItem) {
    match plan.mismatch(&item) {
        Some(why) => app.error(format!("WARNING: {why}")),
        None => app.info(plan.done_text(&item)),
    }
    if let Some(r) = &mut app.cases.open {
        if r.item.complaint_id == plan.case.complaint_id {
            r.answer = Some(item);
        }
    }
}

/// The notary's answer to a withdrawal: checked, and the open case replayed afresh (its
/// pending proposal is gone; a fresh replay is what `s` would now sign).
fn on_withdrawn(
    app: &mut App,
    plan: &WithdrawPlan,
    detail: ComplaintDetail,
    out: &mut Vec<Command>,
) {
    match plan.mismatch(&detail) {
        Some(why) => app.error(format!("WARNING: {why}")),
        None => app.info(plan.done_text()),
    }
    if let Some(r) = &mut app.cases.open {
        if r.item.complaint_id == plan.case.complaint_id {
            r.item = detail.item;
            r.replay_again();
        }
    }
    poll(app, out);
}

/// A request of this screen failed with `text`: the list or the replay shows it (true); a
/// refused signature is for the status line (false).
pub fn on_error(app: &mut App, pending: &Pending, text: &str) -> bool {
    let v = &mut app.cases;
    match pending {
        Pending::Cases => v.cases.failed(text),
        Pending::CaseReplay { id } => match v.open.as_mut() {
            Some(r) if r.item.complaint_id == *id => r.error = Some(text.to_string()),
            _ => {}
        },
        // Also on the status line (false), which shows its start.
        Pending::Ruling(plan) => {
            if let Some(r) = v.open.as_mut() {
                if r.item.complaint_id == plan.case.complaint_id {
                    r.refusal = Some(text.to_string());
                    // Shown at once: the findings page, from its top.
                    r.step = r.last_step();
                    r.scroll = 0;
                }
            }
            return false;
        }
        _ => return false,
    }
    true
}
