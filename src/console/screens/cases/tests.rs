//! Screen 6 driven as an arbitrator would, from constructed answers: the list keeps only cases
//! ready for a ruling, Enter replays one (nothing signed), the stepper stays within the timeline
//! and the findings page, `s` shows the ruling in the trusted dialog and `y` sends `RulingSign`;
//! the answer (ruled, or proposed for a second arbitrator) is shown and checked.

use crossterm::event::KeyCode;
use serde_json::json;

use crate::api::admin::proto::tests::cases::ruling;
use crate::api::admin::proto::{ErrorBody, ErrorCode, Op, Reply, Response, RulingItem};
use crate::console::action::Action;
use crate::console::app::{App, NoticeLevel, Overlay, Screen, SignPlan};
use crate::console::command::Command;
use crate::console::components::confirm::Signable;
use crate::console::tests::fixtures::{
    answer, app, complaints, press, sending, sent_ops, type_text,
};
use crate::console::update::update;

use super::*;

const DIGEST: &str = "cd";

/// Screen 6 with its list answered; the commands that showing it sent.
fn listed() -> (App, Vec<Command>) {
    let mut a = app();
    let cmds = press(&mut a, KeyCode::Char('6'));
    assert_eq!(a.screen, Screen::Cases);
    let c = sending(&cmds, |op| matches!(op, Op::Complaints { .. }));
    let items = complaints();
    update(
        &mut a,
        Action::Response(answer(c, Reply::Complaints { items })),
    );
    (a, cmds)
}

/// The first case replayed.
fn replayed() -> App {
    replayed_proposed_by(None)
}

/// The first case replayed; with `by`, what arrives is the case's pending proposal by `by`.
fn replayed_proposed_by(by: Option<&str>) -> App {
    let (mut a, _) = listed();
    let cmds = press(&mut a, KeyCode::Enter);
    let id = a
        .cases
        .open
        .as_ref()
        .expect("open")
        .item
        .complaint_id
        .clone();
    assert_eq!(sent_ops(&cmds), [&Op::CaseReplay { complaint_id: id }]);
    let reply = Reply::CaseReplay {
        ruling: Box::new(ruling()),
        bundle_digest: DIGEST.repeat(32),
        proposed_by: by.map(str::to_string),
        guarantees: Default::default(),
    };
    update(&mut a, Action::Response(answer(&cmds[0], reply)));
    a
}

fn step(a: &App) -> usize {
    a.cases.open.as_ref().expect("open").step
}

fn notice(a: &App) -> (NoticeLevel, String) {
    let n = a.notice.as_ref().expect("a notice");
    (n.level, n.text.clone())
}

/// `s`, the dialog drawn (armed) and read to its last line, `y`: the commands sent.
fn sign(a: &mut App) -> Vec<Command> {
    press(a, KeyCode::Char('s'));
    confirm_read(a)
}

/// The notary's answer; a ruled one carries the signed ruling of [`ruling`].
fn ruled(status: &str, digest: String) -> Reply {
    let signed = (status == "ruled").then(|| {
        let shown: serde_json::Value =
            serde_json::from_slice(&ruling().to_canonical_json()).expect("json");
        let payload = json!({"ruling": shown, "bundle_digest": digest});
        let key = ed25519_dalek::SigningKey::from_bytes(&[9; 32]);
        crate::crypto::envelope::Envelope::sign("ruling", payload, &key).expect("sign")
    });
    Reply::Ruling(RulingItem {
        complaint_id: complaints()[2].complaint_id.clone(),
        status: status.into(),
        bundle_digest: digest,
        // This console's arbitrator (fixtures' hello), as the notary names the one who asked.
        arbitrator: "Alice Arbiter".into(),
        ruling: signed,
    })
}

#[test]
fn the_list_holds_only_cases_ready_for_a_ruling_by_deadline() {
    let (a, cmds) = listed();
    assert_eq!(sent_ops(&cmds), [&Op::Complaints { limit: CASES_LIMIT }]);
    let ids: Vec<&str> = a
        .cases
        .cases
        .list
        .items
        .iter()
        .map(|c| c.complaint_id.as_str())
        .collect();
    // The silent case (deadline 08:00) before the answered one (15:30).
    assert_eq!(
        ids,
        [&complaints()[2].complaint_id, &complaints()[1].complaint_id]
    );
}

#[test]
fn the_stepper_walks_the_timeline_then_the_findings_and_stays_within() {
    let mut a = replayed();
    assert_eq!(step(&a), 0);
    press(&mut a, KeyCode::Left);
    assert_eq!(step(&a), 0, "nothing before the first item");
    for expected in 1..=4 {
        press(&mut a, KeyCode::Right);
        assert_eq!(step(&a), expected);
    }
    assert!(a.cases.open.as_ref().expect("open").on_findings());
    press(&mut a, KeyCode::Char('n'));
    assert_eq!(step(&a), 4, "the findings page is the last step");
    press(&mut a, KeyCode::Char('p'));
    assert_eq!(step(&a), 3);
    press(&mut a, KeyCode::Esc);
    assert!(a.cases.open.is_none(), "Esc: back to the list");
}

/// The confirmation dialog open on `a` shows exactly the replayed ruling: its allocation, the
/// bundle digest and every action, each label short enough for the dialog.
fn assert_dialog_shows_the_ruling(a: &App) {
    let Overlay::Confirm(d) = &a.overlay else {
        panic!("no dialog: {:?}", a.overlay);
    };
    let SignPlan::Ruling(plan) = &d.plan else {
        panic!("not a ruling: {:?}", d.plan);
    };
    assert!(d.plan.signs());
    assert_eq!(*plan.ruling, ruling());
    assert_eq!(plan.bundle_digest, DIGEST.repeat(32));
    let fields = d.fields(&a.hello);
    let width = crate::console::components::dialog::LABEL_WIDTH;
    assert!(
        fields.iter().all(|f| f.label.chars().count() < width),
        "{fields:?}"
    );
    let field = |label: &str| -> Vec<String> {
        fields
            .iter()
            .filter(|f| f.label == label)
            .map(|f| f.value.clone())
            .collect()
    };
    assert_eq!(field("Refund"), ["120.00 EUR"]);
    assert_eq!(field("Buyer pays"), ["0.00 EUR"]);
    assert_eq!(field("Bundle"), [DIGEST.repeat(32)]);
    assert_eq!(
        field("Action"),
        [
            "release guarantee g1".to_string(),
            format!("flag a notary fault shown by item {}", "d4".repeat(32))
        ]
    );
}

#[test]
fn signing_shows_exactly_the_ruling_and_sends_ruling_sign() {
    let mut a = replayed();
    press(&mut a, KeyCode::Char('s'));
    assert_dialog_shows_the_ruling(&a);
    press(&mut a, KeyCode::Char('n'));
    let cmds = sign(&mut a);
    let id = complaints()[2].complaint_id.clone();
    // The request names the ruling shown: the notary signs only that one.
    let expect_ruling = Some(ruling().decision_digest());
    assert_eq!(
        sent_ops(&cmds),
        [&Op::RulingSign {
            complaint_id: id,
            expect_ruling
        }]
    );
    update(
        &mut a,
        Action::Response(answer(&cmds[0], ruled("proposed", DIGEST.repeat(32)))),
    );
    let (level, text) = notice(&a);
    assert_eq!(level, NoticeLevel::Info);
    assert!(text.contains("awaiting a second arbitrator"), "{text}");
    let r = a.cases.open.as_ref().expect("open");
    assert_eq!(
        r.answer.as_ref().map(|x| x.status.as_str()),
        Some("proposed")
    );
    // `s` is not offered to the proposer, and pressed says why (s12 M3: "the notary has
    // already answered for this ruling").
    assert!(!view::hint(&a).contains("s confirm"), "{}", view::hint(&a));
    press(&mut a, KeyCode::Char('s'));
    assert_eq!(
        a.overlay,
        Overlay::None,
        "answered: no second signature from here"
    );
    let (level, text) = notice(&a);
    assert_eq!(level, NoticeLevel::Error);
    assert!(text.contains("You proposed this ruling"), "{text}");
}

/// The notary builds the bundle afresh when it signs (a newer checkpoint): another bundle
/// digest with the ruling shown is no warning; another ruling is.
#[test]
fn another_ruling_signed_is_a_warning_another_bundle_is_not() {
    let mut a = replayed();
    let cmds = sign(&mut a);
    update(
        &mut a,
        Action::Response(answer(&cmds[0], ruled("ruled", "ee".repeat(32)))),
    );
    let (level, text) = notice(&a);
    assert_eq!(level, NoticeLevel::Info, "{text}");
    let mut a = replayed();
    let cmds = sign(&mut a);
    let mut other = ruled("ruled", DIGEST.repeat(32));
    if let Reply::Ruling(item) = &mut other {
        let env = item.ruling.as_mut().expect("signed");
        env.payload["ruling"]["allocation"]["refund_to_buyer"]["minor"] = json!(1);
    }
    update(&mut a, Action::Response(answer(&cmds[0], other)));
    let (level, text) = notice(&a);
    assert_eq!(level, NoticeLevel::Error);
    assert!(
        text.contains("WARNING") && text.contains("another ruling"),
        "{text}"
    );
}

#[test]
fn nothing_to_sign_before_the_replay_and_a_refused_replay_is_shown() {
    let (mut a, _) = listed();
    let cmds = press(&mut a, KeyCode::Enter);
    press(&mut a, KeyCode::Char('s'));
    assert_eq!(a.overlay, Overlay::None);
    assert_eq!(notice(&a).0, NoticeLevel::Error);
    let Command::Send(req) = &cmds[0] else {
        panic!("not a request");
    };
    let error = ErrorBody::new(ErrorCode::BadRequest, "case c1 cannot be replayed");
    update(
        &mut a,
        Action::Response(Response::Err { id: req.id, error }),
    );
    let r = a.cases.open.as_ref().expect("open");
    let why = r.error.as_deref().unwrap_or_default();
    assert!(why.contains("case c1 cannot be replayed"), "{why}");
}

/// A ruled case is done: not listed for signing (it was, and the notary refused the second
/// signature); a proposed one stays, for the second arbitrator.
#[test]
fn a_ruled_case_is_not_listed_for_signing_a_proposed_one_is() {
    let mut c = complaints()[2].clone();
    assert!(rulable(&c));
    c.ruling = Some("ruled".into());
    assert!(!rulable(&c));
    c.ruling = Some("proposed".into());
    assert!(rulable(&c));
}

/// A case whose ruling another arbitrator proposed: the replay shown is the proposal, the dialog
/// names its proposer and you as the confirmer, and `y` sends `RulingConfirm` naming the decision
/// shown. The proposer cannot confirm it from here either.
#[test]
fn a_proposal_is_confirmed_by_a_second_arbitrator_through_the_dialog() {
    let mut a = replayed_proposed_by(Some("Bob Arbiter"));
    press(&mut a, KeyCode::Char('s'));
    let Overlay::Confirm(d) = &a.overlay else {
        panic!("no dialog: {:?}", a.overlay);
    };
    let fields = d.fields(&a.hello);
    let value = |label: &str| fields.iter().find(|f| f.label == label).map(|f| &f.value);
    assert_eq!(
        value("Proposed by").map(String::as_str),
        Some("Bob Arbiter")
    );
    assert!(value("Confirmer").is_some_and(|v| v.contains("Alice Arbiter")));
    assert!(d.headline().contains("proposal"), "{}", d.headline());
    assert!(
        d.headline().chars().count() <= 76,
        "fits 80 columns unwrapped"
    );
    press(&mut a, KeyCode::Char('n'));
    let cmds = sign(&mut a);
    let expect_ruling = Some(ruling().decision_digest());
    assert_eq!(
        sent_ops(&cmds),
        [&Op::RulingConfirm {
            complaint_id: complaints()[2].complaint_id.clone(),
            expect_ruling
        }]
    );
    update(
        &mut a,
        Action::Response(answer(&cmds[0], ruled("ruled", DIGEST.repeat(32)))),
    );
    let (level, text) = notice(&a);
    assert_eq!(level, NoticeLevel::Info, "{text}");
    assert!(text.contains("proposal confirmed"), "{text}");

    let mut mine = replayed_proposed_by(Some("Alice Arbiter"));
    press(&mut mine, KeyCode::Char('s'));
    assert_eq!(mine.overlay, Overlay::None, "no dialog for the proposer");
    let (level, text) = notice(&mine);
    assert_eq!(level, NoticeLevel::Error);
    assert!(text.contains("second, different arbitrator"), "{text}");
}

/// On a terminal too short for the whole ruling, `y` (or Enter on Sign) confirms nothing until
/// every line has been on screen: at 80x24 the last lines (the bundle, the arbitrator) could
/// be signed unseen.
#[test]
fn a_dialog_taller_than_the_terminal_signs_only_once_read_to_its_end() {
    let mut a = replayed();
    update(
        &mut a,
        Action::Resize {
            width: 80,
            height: 16,
        },
    );
    press(&mut a, KeyCode::Char('s'));
    update(&mut a, Action::Rendered);
    let cmds = press(&mut a, KeyCode::Char('y'));
    assert!(sent_ops(&cmds).is_empty(), "nothing sent unread");
    assert!(matches!(a.overlay, Overlay::Confirm(_)), "the dialog stays");
    let (level, text) = notice(&a);
    assert_eq!(level, NoticeLevel::Error);
    assert!(text.contains("Read to the last line"), "{text}");
    press(&mut a, KeyCode::Tab);
    let cmds = press(&mut a, KeyCode::Enter);
    assert!(sent_ops(&cmds).is_empty(), "Enter on Sign neither");
    for _ in 0..3 {
        press(&mut a, KeyCode::PageDown);
    }
    update(&mut a, Action::Rendered);
    // Read: the refusal to sign unread no longer stands on the status line (s12 L4), and the
    // dialog's line says every line was read.
    assert!(a.notice.is_none(), "{:?}", a.notice);
    let screen = crate::console::views::snapshot_tests::draw(&a, 80, 16);
    assert!(screen.contains("every line read"), "{screen}");
    // Scrolling back up after reading the end does not take the reading back.
    press(&mut a, KeyCode::PageUp);
    update(&mut a, Action::Rendered);
    let cmds = press(&mut a, KeyCode::Char('y'));
    assert!(
        matches!(sent_ops(&cmds)[..], [Op::RulingSign { .. }]),
        "{cmds:?}"
    );
}

/// The dialog open over the screen, drawn and read to its last line, then `y`.
fn confirm_read(a: &mut App) -> Vec<Command> {
    update(a, Action::Rendered);
    for _ in 0..3 {
        press(a, KeyCode::PageDown);
    }
    update(a, Action::Rendered);
    press(a, KeyCode::Char('y'))
}

/// `w` on a case whose ruling was proposed asks why, shows the withdrawal in the dialog
/// (nothing signed), `y` sends `ProposalWithdraw` with the reason as typed; the answer, the
/// case without its proposal, replays it afresh.
#[test]
fn a_pending_proposal_is_withdrawn_with_a_reason_through_the_dialog() {
    let mut a = replayed_proposed_by(Some("Bob Arbiter"));
    press(&mut a, KeyCode::Char('w'));
    let Overlay::Prompt(p) = &a.overlay else {
        panic!("no prompt: {:?}", a.overlay);
    };
    assert_eq!(
        p.purpose,
        crate::console::app::PromptPurpose::WithdrawReason
    );
    let reason = "the seller's receipt was not in the bundle";
    type_text(&mut a, reason);
    assert!(press(&mut a, KeyCode::Enter).is_empty(), "not sent yet");
    let Overlay::Confirm(d) = &a.overlay else {
        panic!("no dialog: {:?}", a.overlay);
    };
    assert!(!d.plan.signs(), "a withdrawal signs nothing");
    assert!(d.headline().chars().count() <= 76, "fits 80 columns");
    let fields = d.fields(&a.hello);
    let value = |label: &str| fields.iter().find(|f| f.label == label).map(|f| &f.value);
    assert_eq!(
        value("Proposed by").map(String::as_str),
        Some("Bob Arbiter")
    );
    assert_eq!(value("Reason").map(String::as_str), Some(reason));
    let cmds = confirm_read(&mut a);
    let id = complaints()[2].complaint_id.clone();
    assert_eq!(
        sent_ops(&cmds),
        [&Op::ProposalWithdraw {
            complaint_id: id.clone(),
            reason: reason.into()
        }]
    );
    let mut detail = crate::console::tests::fixtures::case_detail();
    detail.item = complaints()[2].clone();
    detail.item.ruling = None;
    let cmds = update(
        &mut a,
        Action::Response(answer(&cmds[0], Reply::Complaint(detail.clone()))),
    );
    let (level, text) = notice(&a);
    assert_eq!(level, NoticeLevel::Info, "{text}");
    assert!(text.contains("withdrawn"), "{text}");
    let r = a.cases.open.as_ref().expect("still open");
    assert!(r.ruling.is_none() && r.proposed_by.is_none(), "{r:?}");
    assert_eq!(
        sent_ops(&cmds),
        [&Op::CaseReplay { complaint_id: id }],
        "replayed afresh"
    );

    // An answer that still shows the proposal is a warning.
    let mut a = replayed_proposed_by(Some("Bob Arbiter"));
    press(&mut a, KeyCode::Char('w'));
    type_text(&mut a, "x");
    press(&mut a, KeyCode::Enter);
    let cmds = confirm_read(&mut a);
    detail.item.ruling = Some("proposed".into());
    update(
        &mut a,
        Action::Response(answer(&cmds[0], Reply::Complaint(detail))),
    );
    let (level, text) = notice(&a);
    assert_eq!(level, NoticeLevel::Error);
    assert!(text.contains("still shows a pending proposal"), "{text}");
}

/// The proposer may withdraw their own proposal, also the one this console just made; a case
/// without a proposal has nothing to withdraw; an empty reason or Esc sends nothing.
#[test]
fn only_a_pending_proposal_is_withdrawn_and_an_empty_reason_sends_nothing() {
    let mut a = replayed();
    press(&mut a, KeyCode::Char('w'));
    assert_eq!(a.overlay, Overlay::None);
    let (level, text) = notice(&a);
    assert_eq!(level, NoticeLevel::Error);
    assert!(text.contains("no pending proposal"), "{text}");
    // Proposed from here: the answer `proposed` makes it withdrawable.
    let cmds = sign(&mut a);
    update(
        &mut a,
        Action::Response(answer(&cmds[0], ruled("proposed", DIGEST.repeat(32)))),
    );
    press(&mut a, KeyCode::Char('w'));
    assert!(matches!(a.overlay, Overlay::Prompt(_)), "{:?}", a.overlay);
    assert!(press(&mut a, KeyCode::Enter).is_empty(), "empty reason");
    assert_eq!(a.overlay, Overlay::None);
    assert_eq!(a.cases.withdraw_for, None);
    assert!(notice(&a).1.contains("Cancelled"), "{:?}", a.notice);
    press(&mut a, KeyCode::Char('w'));
    type_text(&mut a, "wrong");
    assert!(press(&mut a, KeyCode::Esc).is_empty());
    assert_eq!(a.cases.withdraw_for, None);
    assert_eq!(a.overlay, Overlay::None);

    let mut mine = replayed_proposed_by(Some("Alice Arbiter"));
    press(&mut mine, KeyCode::Char('w'));
    assert!(
        matches!(mine.overlay, Overlay::Prompt(_)),
        "the proposer may"
    );
}

/// Once the ruling is signed the status line offers no second signature, and the notice about
/// it goes when another case is opened (s7 L6).
#[test]
fn a_signed_case_offers_no_signing_and_its_notice_goes_with_it() {
    let mut a = replayed();
    let cmds = sign(&mut a);
    update(
        &mut a,
        Action::Response(answer(&cmds[0], ruled("ruled", DIGEST.repeat(32)))),
    );
    assert!(a.notice.is_some());
    let hint = crate::console::screens::hint(&a);
    assert!(
        hint.starts_with("ruled") && !hint.contains("sign"),
        "{hint}"
    );
    let screen = crate::console::views::snapshot_tests::draw(&a, 120, 40);
    assert!(
        screen.contains("RULED") && !screen.contains("s sign"),
        "{screen}"
    );
    press(&mut a, KeyCode::Esc);
    press(&mut a, KeyCode::Enter);
    assert!(a.cases.open.is_some());
    assert!(a.notice.is_none(), "{:?}", a.notice);
}

/// A refused signature is kept in full above the findings, shown at once: the status line cut
/// a `ruling_changed` refusal before its list of what changed (s12 M4).
#[test]
fn a_refused_signature_is_shown_in_full_above_the_findings() {
    let mut a = replayed();
    update(
        &mut a,
        Action::Resize {
            width: 80,
            height: 24,
        },
    );
    let cmds = sign(&mut a);
    let Command::Send(req) = &cmds[0] else {
        panic!("not a request");
    };
    let why = "the evidence of case c1 changed since the ruling was proposed \
               (Q6: Q6.not_shown → Q6.paid_by_guarantee; buyer pays 300.00 EUR → 0.00 EUR; \
               no longer: release guarantee g1): withdraw-the-proposal-and-rule-afresh";
    let error = ErrorBody::new(ErrorCode::RulingChanged, why);
    update(
        &mut a,
        Action::Response(Response::Err { id: req.id, error }),
    );
    let r = a.cases.open.as_ref().expect("open");
    assert!(r.on_findings() && r.scroll == 0, "{r:?}");
    let screen = crate::console::views::snapshot_tests::draw(&a, 80, 24);
    for want in [
        "REFUSED, nothing signed",
        "Q6.paid_by_guarantee;",
        "withdraw-the-proposal-and-rule-afresh",
    ] {
        assert!(screen.contains(want), "{want} in\n{screen}");
    }
}
