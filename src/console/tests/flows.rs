//! Update-logic tests: keys to actions to state, without a terminal or a socket.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::api::admin::proto::{ErrorCode, HashAlg, Op, Reply, Response};

use crate::console::action::Action;
use crate::console::app::{App, Overlay, PromptPurpose, Screen};
use crate::console::command::Command;
use crate::console::components::confirm::Focus;
use crate::console::files::{FilePurpose, HashedFile};
use crate::console::keymap::action_for_key;
use crate::console::screens::timestamps::{StampOutcome, TimestampMode};
use crate::console::tests::fixtures::{
    self, answer, app, press, refusal, sent_ops, signed_log, timestamp, timestamps, type_text,
};
use crate::console::update::update;

fn stamps(cmds: &[Command]) -> Vec<&Op> {
    sent_ops(cmds)
        .into_iter()
        .filter(|op| matches!(op, Op::Stamp { .. }))
        .collect()
}

const DIGEST: [u8; 32] = [0xab; 32];

/// Drives the stamp flow up to an armed confirmation dialog.
fn open_confirm(app: &mut App) {
    press(app, KeyCode::Char('2'));
    press(app, KeyCode::Char('s'));
    type_text(app, "/tmp/contract.pdf");
    let cmds = press(app, KeyCode::Enter);
    assert_eq!(
        cmds,
        vec![Command::HashFile {
            path: "/tmp/contract.pdf".into(),
            purpose: FilePurpose::Stamp
        }]
    );
    let cmds = update(
        app,
        Action::FileHashed {
            purpose: FilePurpose::Stamp,
            result: Ok(HashedFile {
                path: "/tmp/contract.pdf".into(),
                size_bytes: 2_048,
                sha256: DIGEST,
            }),
        },
    );
    assert!(cmds.is_empty());
    update(app, Action::Rendered);
}

#[test]
fn screens_switch_with_tab_backtab_and_digits() {
    let mut a = app();
    assert_eq!(a.screen, Screen::Dashboard);
    press(&mut a, KeyCode::Tab);
    assert_eq!(a.screen, Screen::Timestamps);
    press(&mut a, KeyCode::Tab);
    assert_eq!(a.screen, Screen::Log);
    press(&mut a, KeyCode::Tab);
    assert_eq!(a.screen, Screen::Agreements);
    press(&mut a, KeyCode::Tab);
    assert_eq!(a.screen, Screen::Exchanges);
    press(&mut a, KeyCode::Tab);
    assert_eq!(a.screen, Screen::Cases);
    press(&mut a, KeyCode::Tab);
    assert_eq!(a.screen, Screen::Dashboard);
    press(&mut a, KeyCode::BackTab);
    assert_eq!(a.screen, Screen::Cases);
    press(&mut a, KeyCode::BackTab);
    assert_eq!(a.screen, Screen::Exchanges);
    press(&mut a, KeyCode::BackTab);
    assert_eq!(a.screen, Screen::Agreements);
    press(&mut a, KeyCode::Char('1'));
    assert_eq!(a.screen, Screen::Dashboard);
    let mut a = app();
    let cmds = press(&mut a, KeyCode::Char('2'));
    assert_eq!(a.screen, Screen::Timestamps);
    assert_eq!(
        sent_ops(&cmds),
        vec![&Op::TimestampsRecent { limit: 200 }],
        "a switch fetches the list"
    );
}

#[test]
fn quit_keys_and_esc_closes_overlays_first() {
    let mut a = app();
    press(&mut a, KeyCode::Char('?'));
    assert_eq!(a.overlay, Overlay::Help);
    press(&mut a, KeyCode::Esc);
    assert_eq!(a.overlay, Overlay::None);
    assert!(!a.quit);
    // In a prompt, q is text; Esc closes the prompt; then q quits.
    press(&mut a, KeyCode::Char('/'));
    assert!(matches!(&a.overlay, Overlay::Prompt(p) if p.purpose == PromptPurpose::Search));
    press(&mut a, KeyCode::Char('q'));
    assert!(matches!(&a.overlay, Overlay::Prompt(p) if p.input == "q"));
    assert!(!a.quit);
    press(&mut a, KeyCode::Esc);
    assert_eq!(a.overlay, Overlay::None);
    assert_eq!(press(&mut a, KeyCode::Char('q')), vec![Command::Quit]);
    assert!(a.quit);
    // Ctrl-C quits from anywhere, even the confirmation dialog.
    let mut a = app();
    open_confirm(&mut a);
    let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
    assert_eq!(action_for_key(&a, ctrl_c), Some(Action::Quit));
}

#[test]
fn confirm_cancel_sends_nothing() {
    for cancel in [
        KeyCode::Esc,
        KeyCode::Char('n'),
        KeyCode::Enter,
        KeyCode::Char('q'),
    ] {
        let mut a = app();
        open_confirm(&mut a);
        assert!(matches!(&a.overlay, Overlay::Confirm(d) if d.focus == Focus::Cancel));
        let cmds = press(&mut a, cancel);
        assert!(cmds.is_empty(), "{cancel:?} sent {cmds:?}");
        assert_eq!(a.overlay, Overlay::None);
        assert!(!a.quit);
        // A late y does nothing either.
        assert!(press(&mut a, KeyCode::Char('y')).is_empty());
    }
}

#[test]
fn confirm_sends_exactly_one_stamp_with_the_local_imprint() {
    let mut a = app();
    open_confirm(&mut a);
    let cmds = press(&mut a, KeyCode::Char('y'));
    let expected = Op::Stamp {
        hash_alg: HashAlg::Sha256,
        imprint: hex::encode(DIGEST),
    };
    assert_eq!(stamps(&cmds), vec![&expected]);
    assert_eq!(cmds.len(), 1);
    assert!(matches!(
        a.overlay,
        Overlay::StampResult(StampOutcome::Pending { .. })
    ));
    // Pressing y again (it closes the result box) must not sign twice.
    let again = press(&mut a, KeyCode::Char('y'));
    assert!(stamps(&again).is_empty());
}

#[test]
fn enter_signs_only_with_focus_on_sign() {
    let mut a = app();
    open_confirm(&mut a);
    press(&mut a, KeyCode::Tab);
    assert!(matches!(&a.overlay, Overlay::Confirm(d) if d.focus == Focus::Sign));
    let cmds = press(&mut a, KeyCode::Enter);
    assert_eq!(stamps(&cmds).len(), 1);
}

#[test]
fn keys_typed_before_the_dialog_was_drawn_do_not_confirm() {
    let mut a = app();
    press(&mut a, KeyCode::Char('2'));
    update(
        &mut a,
        Action::FileHashed {
            purpose: FilePurpose::Stamp,
            result: Ok(HashedFile {
                path: "x".into(),
                size_bytes: 1,
                sha256: DIGEST,
            }),
        },
    );
    assert!(press(&mut a, KeyCode::Char('y')).is_empty());
    assert!(matches!(a.overlay, Overlay::Confirm(_)));
    update(&mut a, Action::Rendered);
    assert_eq!(stamps(&press(&mut a, KeyCode::Char('y'))).len(), 1);
}

#[test]
fn stamp_result_is_shown_and_the_list_refreshes() {
    let mut a = app();
    open_confirm(&mut a);
    let cmds = press(&mut a, KeyCode::Char('y'));
    let mut item = timestamp(1_235);
    item.imprint = hex::encode(DIGEST);
    let follow = update(
        &mut a,
        Action::Response(answer(&cmds[0], Reply::Stamped(item.clone()))),
    );
    assert_eq!(a.overlay, Overlay::StampResult(StampOutcome::Done(item)));
    assert_eq!(
        sent_ops(&follow),
        vec![&Op::TimestampsRecent { limit: 200 }]
    );
}

#[test]
fn a_stamp_over_another_imprint_is_flagged() {
    let mut a = app();
    open_confirm(&mut a);
    let cmds = press(&mut a, KeyCode::Char('y'));
    update(
        &mut a,
        Action::Response(answer(&cmds[0], Reply::Stamped(timestamp(9)))),
    );
    assert!(matches!(
        a.overlay,
        Overlay::StampResult(StampOutcome::Mismatch { .. })
    ));
}

#[test]
fn a_refused_stamp_says_nothing_was_signed() {
    let mut a = app();
    open_confirm(&mut a);
    let cmds = press(&mut a, KeyCode::Char('y'));
    let refused = refusal(&cmds[0], ErrorCode::StorageFailure);
    update(&mut a, Action::Response(refused));
    assert!(matches!(
        a.overlay,
        Overlay::StampResult(StampOutcome::Failed(_))
    ));
}

#[test]
fn disconnect_while_signing_leaves_the_outcome_unknown() {
    let mut a = app();
    open_confirm(&mut a);
    press(&mut a, KeyCode::Char('y'));
    update(&mut a, Action::BackendClosed("gone".into()));
    assert!(matches!(
        a.overlay,
        Overlay::StampResult(StampOutcome::Unknown(_))
    ));
    assert!(!a.connected);
    // Nothing is sent once disconnected.
    assert!(update(&mut a, Action::Tick { now_ms: 60_000 }).is_empty());
}

#[test]
fn selection_is_stable_across_refresh() {
    let mut a = app();
    let cmds = press(&mut a, KeyCode::Char('2'));
    update(
        &mut a,
        Action::Response(answer(
            &cmds[0],
            Reply::Timestamps {
                items: timestamps(100, 30),
            },
        )),
    );
    for _ in 0..4 {
        press(&mut a, KeyCode::Down);
    }
    assert_eq!(a.timestamps.selected_item().map(|t| t.serial), Some(96));
    let cmds = press(&mut a, KeyCode::Char('r'));
    let list = cmds
        .iter()
        .find(|c| sent_ops(std::slice::from_ref(c)) == vec![&Op::TimestampsRecent { limit: 200 }]);
    let list = list.expect("refresh asks for the list");
    update(
        &mut a,
        Action::Response(answer(
            list,
            Reply::Timestamps {
                items: timestamps(105, 30),
            },
        )),
    );
    assert_eq!(a.timestamps.selected_item().map(|t| t.serial), Some(96));
    assert_eq!(a.timestamps.selected, 9);
}

#[test]
fn polls_status_every_second_and_not_twice_in_flight() {
    let mut a = app();
    let first = update(&mut a, Action::Tick { now_ms: 0 });
    // The dashboard's counts come with the status: it asks for nothing else.
    assert_eq!(sent_ops(&first), vec![&Op::Status]);
    assert!(update(&mut a, Action::Tick { now_ms: 500 }).is_empty());
    // Unanswered: the next poll is not sent.
    assert!(sent_ops(&update(&mut a, Action::Tick { now_ms: 1_000 })).is_empty());
    update(
        &mut a,
        Action::Response(answer(&first[0], Reply::Status(fixtures::status()))),
    );
    assert_eq!(
        sent_ops(&update(&mut a, Action::Tick { now_ms: 2_000 })),
        vec![&Op::Status]
    );
    // Request ids increase.
    let Command::Send(r) = &first[0] else {
        panic!()
    };
    assert_eq!(r.id, 2);
}

#[test]
fn search_by_digest_or_by_file() {
    let mut a = app();
    press(&mut a, KeyCode::Char('2'));
    press(&mut a, KeyCode::Char('/'));
    let digest = "AB".repeat(32);
    type_text(&mut a, &digest);
    let cmds = press(&mut a, KeyCode::Enter);
    assert_eq!(
        sent_ops(&cmds),
        vec![&Op::TimestampsSearch {
            imprint: digest.to_lowercase()
        }]
    );
    assert!(matches!(a.timestamps.query, TimestampMode::Search { .. }));
    press(&mut a, KeyCode::Esc);
    assert_eq!(a.timestamps.query, TimestampMode::Recent);

    press(&mut a, KeyCode::Char('/'));
    type_text(&mut a, "notes.txt");
    let cmds = press(&mut a, KeyCode::Enter);
    assert_eq!(
        cmds,
        vec![Command::HashFile {
            path: "notes.txt".into(),
            purpose: FilePurpose::Search
        }]
    );
    let cmds = update(
        &mut a,
        Action::FileHashed {
            purpose: FilePurpose::Search,
            result: Ok(HashedFile {
                path: "notes.txt".into(),
                size_bytes: 3,
                sha256: DIGEST,
            }),
        },
    );
    assert_eq!(
        sent_ops(&cmds),
        vec![&Op::TimestampsSearch {
            imprint: hex::encode(DIGEST)
        }]
    );
}

#[test]
fn log_browser_fetches_pages_and_verifies_inclusion() {
    let log = signed_log(13);
    let mut a = app();
    let cmds = update(&mut a, Action::Tick { now_ms: 0 });
    let mut status = fixtures::status();
    status.log_size = 13;
    update(
        &mut a,
        Action::Response(answer(&cmds[0], Reply::Status(status))),
    );
    let cmds = press(&mut a, KeyCode::Char('3'));
    assert_eq!(a.log.selected, Some(12));
    let cps = &cmds[0];
    let page = cmds
        .iter()
        .find(|c| matches!(sent_ops(std::slice::from_ref(c))[..], [Op::Entries { .. }]))
        .expect("entries fetched");
    update(
        &mut a,
        Action::Response(answer(
            cps,
            Reply::Checkpoints {
                items: vec![log.checkpoint_item()],
            },
        )),
    );
    assert!(a.log.checkpoints[0].check.is_ok());
    let items = (0..13).map(fixtures::entry).collect();
    update(
        &mut a,
        Action::Response(answer(page, Reply::Entries { items })),
    );
    press(&mut a, KeyCode::Up);
    assert_eq!(a.log.selected, Some(11));
    let cmds = press(&mut a, KeyCode::Char('v'));
    assert_eq!(sent_ops(&cmds), vec![&Op::Prove { index: 11 }]);
    update(
        &mut a,
        Action::Response(answer(&cmds[0], Reply::Proof(log.proof(11)))),
    );
    let v = a.log.verify.as_ref().expect("verified");
    assert!(v.is_ok(), "{:?}", v.result);
    assert_eq!(v.checkpoint.as_ref().map(|c| c.size), Some(13));
    // A proof for a tampered leaf fails.
    let cmds = press(&mut a, KeyCode::Char('v'));
    let mut bad = log.proof(11);
    bad.raw = bad.raw.replace("sha256", "sha512");
    update(
        &mut a,
        Action::Response(answer(&cmds[0], Reply::Proof(bad))),
    );
    assert!(!a.log.verify.as_ref().expect("checked").is_ok());
    // Moving clears the verdict.
    press(&mut a, KeyCode::Up);
    assert!(a.log.verify.is_none());
}

#[test]
fn goto_entry_and_paging_stay_in_range() {
    let mut a = app();
    update(
        &mut a,
        Action::Resize {
            width: 80,
            height: 24,
        },
    );
    let cmds = update(&mut a, Action::Tick { now_ms: 0 });
    let mut status = fixtures::status();
    status.log_size = 1_000;
    update(
        &mut a,
        Action::Response(answer(&cmds[0], Reply::Status(status))),
    );
    press(&mut a, KeyCode::Char('3'));
    press(&mut a, KeyCode::Char('/'));
    type_text(&mut a, "500");
    let cmds = press(&mut a, KeyCode::Enter);
    assert_eq!(a.log.selected, Some(500));
    assert!(matches!(sent_ops(&cmds)[..], [Op::Entries { start, .. }] if *start <= 500));
    press(&mut a, KeyCode::End);
    assert_eq!(a.log.selected, Some(999));
    press(&mut a, KeyCode::PageDown);
    assert_eq!(a.log.selected, Some(999));
    press(&mut a, KeyCode::Home);
    assert_eq!(a.log.selected, Some(0));
    press(&mut a, KeyCode::Char('/'));
    type_text(&mut a, "5000");
    press(&mut a, KeyCode::Enter);
    assert_eq!(a.log.selected, Some(0));
    assert!(a.notice.is_some());
}

#[test]
fn stray_answers_and_unknown_ids_are_harmless() {
    let mut a = app();
    let stray = Response::Ok {
        id: 999,
        result: Reply::Timestamps {
            items: timestamps(10, 5),
        },
    };
    assert!(update(&mut a, Action::Response(stray)).is_empty());
    assert!(a.timestamps.items.is_empty());
}
