//! Screen 5 driven as an arbitrator would, from constructed answers: the lists and their order,
//! a refusal such as `not built yet`, opening a case, taking it and adding a note through the
//! confirmation dialog, and answers that do not match what was confirmed.

use crossterm::event::KeyCode;

use crate::api::admin::proto::{ErrorBody, ErrorCode, Op, Reply, Response};
use crate::console::action::Action;
use crate::console::app::{App, NoticeLevel, Overlay, PromptPurpose, Screen, SignPlan};
use crate::console::command::Command;
use crate::console::tests::fixtures::{
    answer, app, case_detail, complaints, exchanges, press, sending, sent_ops,
};
use crate::console::update::update;

use super::plan::CasePlan;
use super::*;

/// Screen 5 (by its digit), and the commands that showing it sent.
fn screen_five() -> (App, Vec<Command>) {
    let mut a = app();
    let cmds = press(&mut a, KeyCode::Char('5'));
    assert_eq!(a.screen, Screen::Exchanges);
    (a, cmds)
}

/// Screen 5 with both lists answered.
fn listed() -> App {
    let (mut a, cmds) = screen_five();
    let c = sending(&cmds, |op| matches!(op, Op::Complaints { .. }));
    let items = complaints();
    update(
        &mut a,
        Action::Response(answer(c, Reply::Complaints { items })),
    );
    let e = sending(&cmds, |op| matches!(op, Op::Exchanges { .. }));
    let items = exchanges();
    update(
        &mut a,
        Action::Response(answer(e, Reply::Exchanges { items })),
    );
    a
}

/// The answered case (the third by deadline) open, its detail arrived.
fn opened() -> App {
    let mut a = listed();
    press(&mut a, KeyCode::Down);
    press(&mut a, KeyCode::Down);
    let cmds = press(&mut a, KeyCode::Enter);
    let id = case_detail().item.complaint_id;
    assert_eq!(sent_ops(&cmds), [&Op::ComplaintShow { complaint_id: id }]);
    update(
        &mut a,
        Action::Response(answer(&cmds[0], Reply::Complaint(case_detail()))),
    );
    a
}

fn refusal(cmd: &Command, message: &str) -> Response {
    let Command::Send(req) = cmd else {
        panic!("not a request: {cmd:?}");
    };
    Response::Err {
        id: req.id,
        error: ErrorBody::new(ErrorCode::Unavailable, message),
    }
}

/// Draws the dialog (arming it), then presses `y`: the commands it sent.
fn sign(a: &mut App) -> Vec<Command> {
    update(a, Action::Rendered);
    press(a, KeyCode::Char('y'))
}

fn notice(a: &App) -> (NoticeLevel, String) {
    let n = a.notice.as_ref().expect("a notice");
    (n.level, n.text.clone())
}

#[test]
fn showing_the_screen_asks_for_both_lists_and_orders_the_queue_by_deadline() {
    let (_, cmds) = screen_five();
    assert_eq!(
        sent_ops(&cmds),
        [
            &Op::Complaints { limit: 200 },
            &Op::Exchanges { limit: 200 }
        ]
    );
    let a = listed();
    let deadlines: Vec<(&str, ComplaintStatus)> = a
        .exchanges
        .complaints
        .list
        .items
        .iter()
        .map(|c| (&c.response_deadline[11..16], c.status))
        .collect();
    use ComplaintStatus::*;
    assert_eq!(
        deadlines,
        [
            ("08:00", Silent),
            ("09:00", Open),
            ("15:30", Answered),
            ("18:45", Open),
            ("07:00", Settled)
        ]
    );
    assert_eq!(a.exchanges.exchanges.list.items.len(), 6);
}

#[test]
fn marks_say_overdue_and_silent_in_words() {
    let mut c = complaints();
    let marks: Vec<&str> = c.iter().map(mark).collect();
    // The silent one has a proposed ruling: what waits for an arbitrator says so first.
    assert_eq!(marks, ["OVERDUE", "", "PROPOSED", "", ""]);
    c[2].ruling = None;
    assert_eq!(mark(&c[2]), "SILENT");
    c[2].ruling = Some("ruled".into());
    assert_eq!(mark(&c[2]), "RULED");
    assert_eq!(minute("2025-03-02T15:30:00.000Z"), "2025-03-02 15:30");
    assert_eq!(minute("soon\x1b[2J"), "soon\\x1b[2J");
}

#[test]
fn not_built_yet_is_kept_per_list_and_cleared_by_an_answer() {
    let (mut a, cmds) = screen_five();
    for cmd in &cmds {
        update(&mut a, Action::Response(refusal(cmd, "not built yet")));
    }
    let v = &a.exchanges;
    let why = "not built yet (unavailable)";
    assert_eq!(v.complaints.error.as_deref(), Some(why));
    assert_eq!(v.exchanges.error.as_deref(), Some(why));
    assert_eq!(
        a.notice, None,
        "shown in the lists, not again in the status line"
    );
    // Nothing to open, take or note: each says so, nothing is sent.
    assert!(press(&mut a, KeyCode::Enter).is_empty());
    assert!(press(&mut a, KeyCode::Char('t')).is_empty());
    assert_eq!(a.overlay, Overlay::None);
    // The next poll's answer replaces the error.
    let cmds = update(&mut a, Action::Tick { now_ms: 60_000 });
    let c = sending(&cmds, |op| matches!(op, Op::Complaints { .. }));
    let items = complaints();
    update(
        &mut a,
        Action::Response(answer(c, Reply::Complaints { items })),
    );
    assert_eq!(a.exchanges.complaints.error, None);
    assert_eq!(a.exchanges.complaints.list.items.len(), 5);
}

#[test]
fn enter_opens_the_case_polls_it_and_esc_goes_back_to_the_lists() {
    let mut a = opened();
    let case = a.exchanges.case.as_ref().expect("a case is open");
    assert_eq!(case.detail, Some(case_detail()));
    // While it is open, only the case is polled.
    let cmds = update(&mut a, Action::Tick { now_ms: 60_000 });
    let id = case_detail().item.complaint_id;
    let show = Op::ComplaintShow { complaint_id: id };
    assert_eq!(sent_ops(&cmds), [&Op::Status, &show]);
    // A refused detail is shown in the case, not lost.
    update(&mut a, Action::Response(refusal(&cmds[1], "not built yet")));
    let case = a.exchanges.case.as_ref().expect("still open");
    assert_eq!(case.error.as_deref(), Some("not built yet (unavailable)"));
    let cmds = press(&mut a, KeyCode::Esc);
    assert!(a.exchanges.case.is_none());
    assert_eq!(
        sent_ops(&cmds),
        [
            &Op::Complaints { limit: 200 },
            &Op::Exchanges { limit: 200 }
        ]
    );
}

#[test]
fn take_asks_for_confirmation_and_sends_only_on_y() {
    let mut a = opened();
    assert!(press(&mut a, KeyCode::Char('t')).is_empty());
    let Overlay::Confirm(d) = &a.overlay else {
        panic!("no dialog: {:?}", a.overlay);
    };
    let SignPlan::Case(plan) = &d.plan else {
        panic!("not a case plan");
    };
    let case = case_detail().item;
    assert_eq!(**plan, CasePlan::Take { case: case.clone() });
    // Not armed until drawn: a `y` typed ahead does nothing.
    assert!(press(&mut a, KeyCode::Char('y')).is_empty());
    let cmds = sign(&mut a);
    let take = Op::ComplaintTake {
        complaint_id: case.complaint_id.clone(),
    };
    assert_eq!(sent_ops(&cmds), [&take]);
    // A second action waits for the answer.
    press(&mut a, KeyCode::Char('n'));
    assert_eq!(a.overlay, Overlay::None);
    let mut after = case_detail();
    after.item.taken_by = Some("alice".into());
    update(
        &mut a,
        Action::Response(answer(&cmds[0], Reply::Complaint(after.clone()))),
    );
    assert_eq!(notice(&a).0, NoticeLevel::Info, "{:?}", a.notice);
    let shown = a.exchanges.case.as_ref().and_then(|c| c.detail.clone());
    assert_eq!(shown, Some(after));
}

#[test]
fn an_answer_about_another_case_or_without_the_change_is_a_warning() {
    let mut a = opened();
    press(&mut a, KeyCode::Char('t'));
    let cmds = sign(&mut a);
    let mut other = case_detail();
    other.item.complaint_id = "someone-else".into();
    update(
        &mut a,
        Action::Response(answer(&cmds[0], Reply::Complaint(other))),
    );
    let (level, text) = notice(&a);
    assert_eq!(level, NoticeLevel::Error);
    assert!(text.contains("another case"), "{text}");
    let shown = a.exchanges.case.as_ref().and_then(|c| c.detail.clone());
    assert_eq!(shown, Some(case_detail()), "the open case is not replaced");

    press(&mut a, KeyCode::Char('t'));
    let cmds = sign(&mut a);
    let mut untaken = case_detail();
    untaken.item.taken_by = None;
    update(
        &mut a,
        Action::Response(answer(&cmds[0], Reply::Complaint(untaken))),
    );
    assert!(notice(&a).1.contains("did not record"), "{:?}", a.notice);
}

#[test]
fn a_note_is_typed_confirmed_then_sent_as_typed() {
    let mut a = opened();
    press(&mut a, KeyCode::Char('n'));
    let Overlay::Prompt(p) = &a.overlay else {
        panic!("no prompt");
    };
    assert_eq!(p.purpose, PromptPurpose::CaseNote);
    let text = "Asked the shop for the tracking number";
    for c in text.chars() {
        press(&mut a, KeyCode::Char(c));
    }
    assert!(press(&mut a, KeyCode::Enter).is_empty(), "not sent yet");
    let cmds = sign(&mut a);
    let id = case_detail().item.complaint_id;
    let note = Op::ComplaintNote {
        complaint_id: id,
        text: text.into(),
    };
    assert_eq!(sent_ops(&cmds), [&note]);
    let mut after = case_detail();
    after.history.push(crate::api::admin::proto::HistoryItem {
        at: "2025-03-02T13:00:00.000Z".into(),
        what: text.into(),
        by: Some("alice".into()),
        log_index: None,
    });
    update(
        &mut a,
        Action::Response(answer(&cmds[0], Reply::Complaint(after))),
    );
    assert_eq!(notice(&a).0, NoticeLevel::Info, "{:?}", a.notice);
    // An answer whose history lacks the note is a warning.
    press(&mut a, KeyCode::Char('n'));
    press(&mut a, KeyCode::Char('z'));
    press(&mut a, KeyCode::Enter);
    let cmds = sign(&mut a);
    update(
        &mut a,
        Action::Response(answer(&cmds[0], Reply::Complaint(case_detail()))),
    );
    let (level, text) = notice(&a);
    assert_eq!(level, NoticeLevel::Error);
    assert!(text.contains("not in the case's history"), "{text}");
}

#[test]
fn an_empty_or_cancelled_note_sends_nothing() {
    let mut a = opened();
    press(&mut a, KeyCode::Char('n'));
    assert!(press(&mut a, KeyCode::Enter).is_empty());
    assert_eq!(a.overlay, Overlay::None);
    assert_eq!(a.exchanges.note_for, None);
    press(&mut a, KeyCode::Char('n'));
    press(&mut a, KeyCode::Char('x'));
    press(&mut a, KeyCode::Esc);
    assert_eq!(a.exchanges.note_for, None);
    press(&mut a, KeyCode::Char('t'));
    update(&mut a, Action::Rendered);
    assert!(press(&mut a, KeyCode::Char('n')).is_empty(), "n cancels");
    assert_eq!(a.overlay, Overlay::None);
}

#[test]
fn a_refused_take_says_so_and_frees_the_next_action() {
    let mut a = opened();
    press(&mut a, KeyCode::Char('t'));
    let cmds = sign(&mut a);
    update(&mut a, Action::Response(refusal(&cmds[0], "not built yet")));
    let (level, text) = notice(&a);
    assert_eq!(level, NoticeLevel::Error);
    assert!(text.contains("not built yet"), "{text}");
    press(&mut a, KeyCode::Char('t'));
    assert!(
        matches!(a.overlay, Overlay::Confirm(_)),
        "not busy any more"
    );
}

#[test]
fn e_moves_the_selection_between_the_lists() {
    let mut a = listed();
    assert_eq!(a.exchanges.focus, Focus::Complaints);
    press(&mut a, KeyCode::Char('e'));
    assert_eq!(a.exchanges.focus, Focus::Exchanges);
    press(&mut a, KeyCode::Down);
    assert_eq!(a.exchanges.exchanges.list.selected, 1);
    assert_eq!(a.exchanges.complaints.list.selected, 0);
    // Enter opens cases only from the queue; t has no case to take here.
    assert!(press(&mut a, KeyCode::Enter).is_empty());
    press(&mut a, KeyCode::Char('t'));
    assert_eq!(a.overlay, Overlay::None);
    press(&mut a, KeyCode::Char('e'));
    assert_eq!(a.exchanges.focus, Focus::Complaints);
}

#[test]
fn the_case_scrolls_within_its_lines() {
    let mut a = opened();
    let scroll = |a: &App| a.exchanges.case.as_ref().map_or(0, |c| c.scroll);
    press(&mut a, KeyCode::End);
    let last = scroll(&a);
    assert!(last > 0, "the case is taller than 80×24");
    press(&mut a, KeyCode::Up);
    assert_eq!(scroll(&a), last - 1, "Up after End moves at once");
    for _ in 0..100 {
        press(&mut a, KeyCode::Down);
    }
    assert_eq!(scroll(&a), last);
    press(&mut a, KeyCode::Home);
    assert_eq!(scroll(&a), 0);
}

/// Both parties stay in sight when the column is narrow: each cut to its share, a short name
/// whole (s12 L2: `Cara Mendes → No`, the respondent lost).
#[test]
fn parties_fit_keeps_both_names() {
    use super::parties_fit;
    let fit = |a: &str, b: &str, w| parties_fit((a, "id-a"), (b, "id-b"), w);
    assert_eq!(fit("Bob", "Shop", 20), "Bob → Shop");
    assert_eq!(
        fit("Cara Mendes", "Nordlicht Verlag", 17),
        "Cara M… → Nordli…"
    );
    assert_eq!(fit("Bob", "Nordlicht Verlag", 15), "Bob → Nordlich…");
}
