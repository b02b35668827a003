//! Snapshots of the exchanges and complaints screen (the queue with every status and mark, the
//! exchanges with every state and outcome, empty lists, the notary's refusal), a case's detail,
//! the take confirmation and the note prompt, at 80×24 and 120×40; and hostile text from the
//! parties kept inert everywhere on it. Accept new ones with
//! `INSTA_UPDATE=always cargo test --lib console`.

use crossterm::event::KeyCode;

use crate::api::admin::proto::{ErrorBody, ErrorCode, Op, Reply, Response};

use super::snapshot_tests::{deliver, draw, sized};
use crate::console::action::Action;
use crate::console::app::{App, Overlay, Pending, Screen};
use crate::console::sanitize::is_hazardous;
use crate::console::tests::fixtures::{self, case_detail, complaints, exchanges};
use crate::console::update::update;

const SIZES: [(u16, u16); 2] = [(80, 24), (120, 40)];

fn press(app: &mut App, code: KeyCode) {
    fixtures::press(app, code);
}

/// Screen 5 with both lists answered (`complaints` and `exchanges`).
fn lists(width: u16, height: u16, complaints: Vec<crate::api::admin::proto::ComplaintItem>) -> App {
    let mut a = sized(width, height);
    a.screen = Screen::Exchanges;
    deliver(
        &mut a,
        Pending::Complaints,
        Op::Complaints { limit: 200 },
        Reply::Complaints { items: complaints },
    );
    deliver(
        &mut a,
        Pending::Exchanges,
        Op::Exchanges { limit: 200 },
        Reply::Exchanges { items: exchanges() },
    );
    a
}

/// The queue, the second row (by deadline) selected.
fn queue(width: u16, height: u16) -> App {
    let mut a = lists(width, height, complaints());
    press(&mut a, KeyCode::Down);
    a
}

/// The answered case open, its detail arrived.
fn case(width: u16, height: u16) -> App {
    let mut a = lists(width, height, complaints());
    let answered = a
        .exchanges
        .complaints
        .list
        .items
        .iter()
        .position(|c| c.complaint_id == case_detail().item.complaint_id)
        .expect("the answered case is listed");
    for _ in 0..answered {
        press(&mut a, KeyCode::Down);
    }
    press(&mut a, KeyCode::Enter);
    let id = case_detail().item.complaint_id;
    deliver(
        &mut a,
        Pending::ComplaintShow { id: id.clone() },
        Op::ComplaintShow { complaint_id: id },
        Reply::Complaint(case_detail()),
    );
    a
}

/// Feeds an error answer to a request for `what`.
fn refuse(app: &mut App, what: Pending, op: Op, message: &str) {
    let now = app.now_ms;
    let crate::console::command::Command::Send(req) = app.requests.issue(what, op, now) else {
        unreachable!("issue always makes a Send")
    };
    let error = ErrorBody::new(ErrorCode::Unavailable, message);
    update(app, Action::Response(Response::Err { id: req.id, error }));
}

#[test]
fn snapshot_queue_and_exchanges() {
    for (w, h) in SIZES {
        let screen = draw(&queue(w, h), w, h);
        for word in ["OVERDUE", "PROPOSED", "answered", "settled", "undecided"] {
            assert!(screen.contains(word), "{word}:\n{screen}");
        }
        for outcome in [
            "aborted",
            "expired",
            "resolved",
            "delivered",
            "escrow_failed",
        ] {
            assert!(screen.contains(outcome), "{outcome}:\n{screen}");
        }
        // Waiting cases by deadline, the earliest first; the settled one (07:00) after them.
        let at = |t: &str| screen.find(&format!("2025-03-02 {t}")).expect(t);
        let order = ["08:00", "09:00", "15:30", "18:45", "07:00"].map(at);
        assert!(order.windows(2).all(|w| w[0] < w[1]), "{screen}");
        insta::assert_snapshot!(format!("exchanges_{w}x{h}"), screen);
    }
}

#[test]
fn snapshot_empty_lists() {
    for (w, h) in SIZES {
        let mut a = lists(w, h, Vec::new());
        deliver(
            &mut a,
            Pending::Exchanges,
            Op::Exchanges { limit: 200 },
            Reply::Exchanges { items: Vec::new() },
        );
        let screen = draw(&a, w, h);
        assert!(screen.contains("the queue is empty"), "{screen}");
        insta::assert_snapshot!(format!("exchanges_empty_{w}x{h}"), screen);
    }
}

#[test]
fn snapshot_not_built_yet_is_a_message() {
    let mut a = sized(80, 24);
    a.screen = Screen::Exchanges;
    refuse(
        &mut a,
        Pending::Complaints,
        Op::Complaints { limit: 200 },
        "not built yet",
    );
    refuse(
        &mut a,
        Pending::Exchanges,
        Op::Exchanges { limit: 200 },
        "not built yet",
    );
    let screen = draw(&a, 80, 24);
    assert!(
        screen.contains("The notary could not list complaints: not built yet"),
        "{screen}"
    );
    assert!(screen.contains("could not list exchanges"), "{screen}");
    insta::assert_snapshot!("exchanges_not_built_80x24", screen);
}

#[test]
fn snapshot_case_detail() {
    for (w, h) in SIZES {
        let screen = draw(&case(w, h), w, h);
        assert!(screen.contains("Claimant"), "{screen}");
        insta::assert_snapshot!(format!("case_{w}x{h}"), screen);
    }
    // The whole case is reachable at 80×24: the history's last line at the bottom.
    let mut a = case(80, 24);
    press(&mut a, KeyCode::End);
    let bottom = draw(&a, 80, 24);
    assert!(bottom.contains("tracking number"), "{bottom}");
    insta::assert_snapshot!("case_bottom_80x24", bottom);
}

#[test]
fn snapshot_take_confirmation() {
    for (w, h) in SIZES {
        let mut a = case(w, h);
        press(&mut a, KeyCode::Char('t'));
        assert!(matches!(a.overlay, Overlay::Confirm(_)));
        let screen = draw(&a, w, h);
        assert!(
            screen.contains("record you as working this case"),
            "{screen}"
        );
        // Taking a case is recorded, not signed: the trusted frame must not claim a signature.
        assert!(screen.contains("the notary will record"), "{screen}");
        assert!(!screen.contains("will sign"), "{screen}");
        insta::assert_snapshot!(format!("case_take_{w}x{h}"), screen);
    }
}

#[test]
fn snapshot_note_prompt_and_its_confirmation() {
    for (w, h) in SIZES {
        let mut a = case(w, h);
        press(&mut a, KeyCode::Char('n'));
        for c in "Asked the shop for the tracking number".chars() {
            press(&mut a, KeyCode::Char(c));
        }
        let screen = draw(&a, w, h);
        assert!(screen.contains("Note on case"), "{screen}");
        insta::assert_snapshot!(format!("case_note_prompt_{w}x{h}"), screen);
    }
    let mut a = case(80, 24);
    press(&mut a, KeyCode::Char('n'));
    for c in "Asked the shop for the tracking number".chars() {
        press(&mut a, KeyCode::Char(c));
    }
    press(&mut a, KeyCode::Enter);
    let screen = draw(&a, 80, 24);
    assert!(screen.contains("add your note"), "{screen}");
    insta::assert_snapshot!("case_note_confirm_80x24", screen);
}

const HOSTILE: &str = "\x1b]0;pwned\x07\x1b[2J\u{9b}31m\u{202e}\u{2066}evil\r\n";

#[test]
fn hostile_party_text_stays_inert_in_lists_case_and_dialogs() {
    let mut items = complaints();
    for c in &mut items {
        c.claimant_name = HOSTILE.into();
        c.respondent = HOSTILE.into();
        c.respondent_name = String::new();
        c.response_deadline = HOSTILE.into();
        c.taken_by = Some(HOSTILE.into());
    }
    let mut a = lists(120, 40, items.clone());
    for e in &mut a.exchanges.exchanges.list.items {
        e.originator_name = HOSTILE.into();
        e.deadline = HOSTILE.into();
        e.decided_at = Some(HOSTILE.into());
    }
    assert_inert(&draw(&a, 120, 40));
    let mut d = case_detail();
    d.item = items[0].clone();
    d.statement = HOSTILE.repeat(5);
    for e in &mut d.evidence {
        e.kind = HOSTILE.into();
        e.summary = HOSTILE.into();
        e.signer = Some(HOSTILE.into());
    }
    for h in &mut d.history {
        h.at = HOSTILE.into();
        h.what = HOSTILE.into();
    }
    if let Some(r) = &mut d.response {
        r.statement = HOSTILE.into();
        if let Some(cc) = &mut r.counter_claim {
            cc.statement = HOSTILE.into();
        }
    }
    press(&mut a, KeyCode::Enter);
    let id = items[0].complaint_id.clone();
    deliver(
        &mut a,
        Pending::ComplaintShow { id: id.clone() },
        Op::ComplaintShow { complaint_id: id },
        Reply::Complaint(d),
    );
    for (w, h) in SIZES {
        assert_inert(&draw(&a, w, h));
    }
    press(&mut a, KeyCode::Char('t'));
    assert_inert(&draw(&a, 80, 24));
    press(&mut a, KeyCode::Esc);
    press(&mut a, KeyCode::Char('n'));
    update(&mut a, Action::PromptInput('\u{202e}'));
    assert_inert(&draw(&a, 80, 24));
}

fn assert_inert(screen: &str) {
    assert!(
        !screen.lines().any(|l| l.chars().any(is_hazardous)),
        "hazard on screen:\n{screen}"
    );
    assert!(
        screen.contains("pwned"),
        "the hostile text is shown:\n{screen}"
    );
}
