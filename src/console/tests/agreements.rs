//! The agreements screen's flows, key by key, without a terminal or a socket: lists, search,
//! details, and each action that makes the notary sign, through its confirmation dialog.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::api::admin::proto::{ErrorBody, ErrorCode, Op, Reply, Request, Response};
use crate::model::registry::{AgreementStatus, Role};

use crate::console::action::Action;
use crate::console::app::{App, NoticeLevel, Overlay, PromptPurpose, Screen, SignPlan};
use crate::console::command::Command;
use crate::console::components::confirm::Focus;
use crate::console::keymap::action_for_key;
use crate::console::screens::agreements::plans::{ActionOutcome, LedgerPlan, PartyPlan};
use crate::console::screens::agreements::{Detail, Draft, Pane};
use crate::console::tests::fixtures::{
    agreement, agreement_detail, answer, app, feed, key, party, policies, status,
};
use crate::console::update::update;

fn press(app: &mut App, code: KeyCode) -> Vec<Command> {
    let k = KeyEvent::new(code, KeyModifiers::NONE);
    match action_for_key(app, k) {
        Some(a) => update(app, a),
        None => Vec::new(),
    }
}

fn type_text(app: &mut App, s: &str) {
    for c in s.chars() {
        press(app, KeyCode::Char(c));
    }
}

fn clear_prompt(app: &mut App) {
    for _ in 0..64 {
        press(app, KeyCode::Backspace);
    }
}

fn ops(cmds: &[Command]) -> Vec<&Op> {
    cmds.iter()
        .filter_map(|c| match c {
            Command::Send(Request { op, .. }) => Some(op),
            _ => None,
        })
        .collect()
}

/// The command that sent an op matching `f`.
fn sent(cmds: &[Command], f: impl Fn(&Op) -> bool) -> &Command {
    cmds.iter()
        .find(|c| matches!(c, Command::Send(Request { op, .. }) if f(op)))
        .unwrap_or_else(|| panic!("no such request in {cmds:?}"))
}

fn prompt_of(app: &App) -> Option<(PromptPurpose, String)> {
    match &app.overlay {
        Overlay::Prompt(p) => Some((p.purpose, p.input.clone())),
        _ => None,
    }
}

fn plan_of(app: &App) -> Option<&LedgerPlan> {
    match &app.overlay {
        Overlay::Confirm(d) => match &d.plan {
            SignPlan::Ledger(p) => Some(p.as_ref()),
            SignPlan::Stamp(_) | SignPlan::Case(_) => None,
        },
        _ => None,
    }
}

/// Screen 4 with the agreements list (agreements 1..=3), the policies and the feed loaded.
fn agreements_screen() -> App {
    let mut a = app();
    let cmds = press(&mut a, KeyCode::Char('4'));
    assert_eq!(a.screen, Screen::Agreements);
    let items = vec![
        agreement(1, 75_000, 100_000),
        agreement(2, 0, 500_000),
        agreement(3, 98_000, 100_000),
    ];
    let list = sent(&cmds, |op| matches!(op, Op::Agreements { .. }));
    update(
        &mut a,
        Action::Response(answer(list, Reply::Agreements { items })),
    );
    let pol = sent(&cmds, |op| *op == Op::Policies);
    update(
        &mut a,
        Action::Response(answer(pol, Reply::Policies { items: policies() })),
    );
    let f = sent(&cmds, |op| matches!(op, Op::LedgerFeed { .. }));
    update(
        &mut a,
        Action::Response(answer(f, Reply::Feed { items: feed() })),
    );
    a
}

/// The same screen switched to the parties list (parties 0..6).
fn parties_screen() -> App {
    let mut a = agreements_screen();
    let cmds = press(&mut a, KeyCode::Char('p'));
    assert_eq!(a.agreements.pane, Pane::Parties);
    let list = sent(&cmds, |op| matches!(op, Op::Parties { .. }));
    let items = (0..6).map(party).collect();
    update(
        &mut a,
        Action::Response(answer(list, Reply::Parties { items })),
    );
    a
}

/// Agreement 1 open, its detail loaded (key 0 good, key 1 revoked).
fn detail_screen() -> App {
    let mut a = agreements_screen();
    let cmds = press(&mut a, KeyCode::Enter);
    let show = sent(&cmds, |op| matches!(op, Op::AgreementShow { .. }));
    assert_eq!(
        ops(std::slice::from_ref(show)),
        vec![&Op::AgreementShow {
            agreement_id: agreement(1, 0, 0).id,
            limit: 100
        }]
    );
    update(&mut a, Action::Response(answer(show, agreement_detail())));
    a
}

fn error(cmd: &Command, code: ErrorCode) -> Response {
    let Command::Send(req) = cmd else {
        panic!("not a request: {cmd:?}")
    };
    Response::Err {
        id: req.id,
        error: ErrorBody {
            code,
            message: format!("refused: {code}"),
        },
    }
}

#[test]
fn screen_four_is_in_tab_order_and_polls_list_feed_and_policies() {
    let mut a = app();
    for _ in 0..3 {
        press(&mut a, KeyCode::Tab);
    }
    assert_eq!(a.screen, Screen::Agreements);
    press(&mut a, KeyCode::Tab);
    assert_eq!(a.screen, Screen::Exchanges);
    press(&mut a, KeyCode::BackTab);
    assert_eq!(a.screen, Screen::Agreements);
    let mut a = app();
    let cmds = press(&mut a, KeyCode::Char('4'));
    let mut got = ops(&cmds);
    got.sort_by_key(|op| format!("{op:?}"));
    assert_eq!(
        got,
        vec![
            &Op::Agreements {
                query: String::new()
            },
            &Op::LedgerFeed { limit: 100 },
            &Op::Policies
        ]
    );
    // Not again while the answers are on their way.
    assert!(ops(&update(&mut a, Action::Tick { now_ms: 2_000 }))
        .iter()
        .all(|op| matches!(op, Op::Status)));
}

#[test]
fn dashboard_counts_come_with_the_status_not_from_the_feed() {
    let mut a = app();
    let cmds = update(&mut a, Action::Tick { now_ms: 0 });
    assert_eq!(ops(&cmds), vec![&Op::Status]);
    let s = sent(&cmds, |op| *op == Op::Status);
    update(&mut a, Action::Response(answer(s, Reply::Status(status()))));
    let shown = a.status.as_ref().map(|s| s.guarantees.granted);
    assert_eq!(shown, Some(1_204));
    assert!(
        !a.agreements.feed_loaded,
        "the feed is the agreements screen's"
    );
}

#[test]
fn search_sends_the_query_and_esc_shows_all_again() {
    let mut a = agreements_screen();
    press(&mut a, KeyCode::Char('/'));
    assert_eq!(
        prompt_of(&a),
        Some((PromptPurpose::AgreementSearch, String::new()))
    );
    type_text(&mut a, "carla");
    let cmds = press(&mut a, KeyCode::Enter);
    assert!(ops(&cmds).contains(&&Op::Agreements {
        query: "carla".into()
    }));
    assert!(
        a.agreements.agreements.items.is_empty(),
        "rows wait for the answer"
    );
    // A late answer to the unfiltered poll does not fill the search results.
    let stale = a.requests.issue(
        crate::console::app::Pending::Agreements {
            query: String::new(),
        },
        Op::Agreements {
            query: String::new(),
        },
        0,
    );
    update(
        &mut a,
        Action::Response(answer(
            &stale,
            Reply::Agreements {
                items: vec![agreement(9, 0, 1)],
            },
        )),
    );
    assert!(a.agreements.agreements.items.is_empty());
    let cmds = press(&mut a, KeyCode::Esc);
    assert_eq!(a.agreements.agreements.query, "");
    assert!(ops(&cmds).contains(&&Op::Agreements {
        query: String::new()
    }));
    // On the parties pane, / searches parties.
    let mut a = parties_screen();
    press(&mut a, KeyCode::Char('/'));
    type_text(&mut a, "sally");
    let cmds = press(&mut a, KeyCode::Enter);
    assert!(ops(&cmds).contains(&&Op::Parties {
        query: "sally".into()
    }));
}

#[test]
fn enter_opens_the_detail_and_esc_closes_it() {
    let mut a = detail_screen();
    let Some(Detail::Agreement(d)) = &a.agreements.detail else {
        panic!("no detail open")
    };
    assert!(d.loaded);
    assert_eq!(d.keys.len(), 2);
    assert_eq!(d.guarantees.len(), 5);
    assert_eq!(d.agreement.outstanding, 3);
    press(&mut a, KeyCode::Down);
    assert_eq!(
        a.agreements.detail.as_ref().map(Detail::selected_key),
        Some(1)
    );
    press(&mut a, KeyCode::Down);
    assert_eq!(
        a.agreements.detail.as_ref().map(Detail::selected_key),
        Some(1),
        "stays on the last key"
    );
    let cmds = press(&mut a, KeyCode::Esc);
    assert!(a.agreements.detail.is_none());
    assert!(ops(&cmds).contains(&&Op::Agreements {
        query: String::new()
    }));
}

#[test]
fn register_a_seller_through_the_dialog_and_see_its_token_once() {
    let mut a = parties_screen();
    press(&mut a, KeyCode::Char('n'));
    assert_eq!(
        prompt_of(&a),
        Some((PromptPurpose::PartyName, String::new()))
    );
    type_text(&mut a, "Sally's Shop");
    assert!(press(&mut a, KeyCode::Enter).is_empty());
    assert_eq!(
        prompt_of(&a),
        Some((PromptPurpose::PartyRole, String::new()))
    );
    type_text(&mut a, "vendor");
    press(&mut a, KeyCode::Enter);
    assert_eq!(
        prompt_of(&a),
        Some((PromptPurpose::PartyRole, "vendor".into())),
        "a wrong answer is asked again"
    );
    assert_eq!(a.notice.as_ref().map(|n| n.level), Some(NoticeLevel::Error));
    clear_prompt(&mut a);
    type_text(&mut a, "s");
    assert!(press(&mut a, KeyCode::Enter).is_empty());
    let expected = LedgerPlan::Party(PartyPlan {
        name: "Sally's Shop".into(),
        role: Role::Seller,
    });
    assert_eq!(plan_of(&a), Some(&expected));
    assert!(matches!(&a.overlay, Overlay::Confirm(d) if d.focus == Focus::Cancel));
    // Not drawn yet: y does nothing.
    assert!(press(&mut a, KeyCode::Char('y')).is_empty());
    update(&mut a, Action::Rendered);
    let cmds = press(&mut a, KeyCode::Char('y'));
    assert_eq!(
        ops(&cmds),
        vec![&Op::PartyRegister {
            name: "Sally's Shop".into(),
            role: Role::Seller,
            public_key_hex: None,
            certificate_b64: None,
        }]
    );
    assert!(matches!(
        a.overlay,
        Overlay::ActionResult(ActionOutcome::Pending(_))
    ));
    let mut registered = party(1);
    registered.name = "Sally's Shop".into();
    let token = format!("nts_{}", "7".repeat(64));
    let follow = update(
        &mut a,
        Action::Response(answer(
            &cmds[0],
            Reply::PartyRegistered {
                party: registered,
                key: None,
                api_token: Some(token.clone()),
            },
        )),
    );
    match &a.overlay {
        Overlay::ActionResult(ActionOutcome::Done { secret, .. }) => {
            assert_eq!(secret.as_deref(), Some(token.as_str()))
        }
        other => panic!("expected the token box, got {other:?}"),
    }
    assert!(
        ops(&follow).contains(&&Op::Parties {
            query: String::new()
        }),
        "the list is asked for again at once"
    );
    // The refresh selects the new party, wherever it sorts.
    let refresh = sent(&follow, |op| matches!(op, Op::Parties { .. }));
    let mut many: Vec<_> = (0..40).map(party).collect();
    let new_id = party(1).id;
    many.retain(|p| p.id != new_id);
    many.push(party(1));
    update(
        &mut a,
        Action::Response(answer(refresh, Reply::Parties { items: many })),
    );
    assert_eq!(
        a.agreements.parties.selected_item().map(|p| p.id.clone()),
        Some(new_id)
    );
    assert_eq!(a.agreements.parties.select_next, None);
    // Stray keys do not close the token box; q does not quit; Enter does close it.
    for stray in [KeyCode::Char('q'), KeyCode::Char('y'), KeyCode::Char(' ')] {
        assert!(press(&mut a, stray).is_empty());
        assert!(matches!(a.overlay, Overlay::ActionResult(_)));
    }
    assert!(!a.quit);
    press(&mut a, KeyCode::Enter);
    assert_eq!(a.overlay, Overlay::None);
}

#[test]
fn cancelling_a_ledger_dialog_signs_nothing() {
    for cancel in [KeyCode::Esc, KeyCode::Char('n'), KeyCode::Enter] {
        let mut a = parties_screen();
        press(&mut a, KeyCode::Char('n'));
        type_text(&mut a, "Bob Buyer II");
        press(&mut a, KeyCode::Enter);
        type_text(&mut a, "buyer");
        press(&mut a, KeyCode::Enter);
        update(&mut a, Action::Rendered);
        assert!(plan_of(&a).is_some());
        assert!(press(&mut a, cancel).is_empty(), "{cancel:?}");
        assert_eq!(a.overlay, Overlay::None);
        assert!(press(&mut a, KeyCode::Char('y')).is_empty());
    }
    // Esc in the middle of the questions drops what was typed.
    let mut a = parties_screen();
    press(&mut a, KeyCode::Char('n'));
    type_text(&mut a, "Half Done");
    press(&mut a, KeyCode::Enter);
    press(&mut a, KeyCode::Esc);
    assert_eq!(a.overlay, Overlay::None);
    assert_eq!(a.agreements.draft, None);
}

#[test]
fn create_an_agreement_for_the_selected_buyer() {
    let mut a = parties_screen();
    assert_eq!(
        a.agreements
            .parties
            .selected_item()
            .map(|p| p.role.as_str()),
        Some("buyer")
    );
    let cmds = press(&mut a, KeyCode::Char('c'));
    let show = sent(&cmds, |op| matches!(op, Op::PartyShow { .. }));
    let buyer = party(0);
    let good = key(1, &buyer.id, false);
    let revoked = key(2, &buyer.id, true);
    update(
        &mut a,
        Action::Response(answer(
            show,
            Reply::Party {
                party: buyer.clone(),
                keys: vec![good.clone(), revoked],
            },
        )),
    );
    assert_eq!(
        prompt_of(&a),
        Some((PromptPurpose::AgreementPolicy, "semper-consumer".into())),
        "the first policy is offered"
    );
    press(&mut a, KeyCode::Enter);
    assert_eq!(
        prompt_of(&a),
        Some((PromptPurpose::TotalCap, "1000.00".into())),
        "the policy's default cap, as money"
    );
    clear_prompt(&mut a);
    type_text(&mut a, "750");
    press(&mut a, KeyCode::Enter);
    assert_eq!(
        prompt_of(&a),
        Some((PromptPurpose::PerTxCap, "200.00".into()))
    );
    clear_prompt(&mut a);
    type_text(&mut a, "800");
    press(&mut a, KeyCode::Enter);
    assert_eq!(
        prompt_of(&a),
        Some((PromptPurpose::PerTxCap, "800".into())),
        "a per-transaction cap above the total is asked again"
    );
    clear_prompt(&mut a);
    type_text(&mut a, "150.505");
    press(&mut a, KeyCode::Enter);
    assert_eq!(prompt_of(&a).map(|p| p.0), Some(PromptPurpose::PerTxCap));
    clear_prompt(&mut a);
    type_text(&mut a, "150.50");
    press(&mut a, KeyCode::Enter);
    assert!(matches!(plan_of(&a), Some(LedgerPlan::Agreement(_))));
    update(&mut a, Action::Rendered);
    let cmds = press(&mut a, KeyCode::Char('y'));
    assert_eq!(
        ops(&cmds),
        vec![&Op::AgreementCreate {
            buyer_id: buyer.id,
            policy_id: "semper-consumer".into(),
            total_cap_minor: Some(75_000),
            per_tx_cap_minor: Some(15_050),
            valid_until: None,
            keys: Some(vec![good.key_id]),
        }],
        "only the key in good standing is bound"
    );
}

#[test]
fn no_agreement_for_a_seller_or_a_buyer_without_good_keys() {
    let mut a = parties_screen();
    press(&mut a, KeyCode::Down);
    assert_eq!(
        a.agreements
            .parties
            .selected_item()
            .map(|p| p.role.as_str()),
        Some("seller")
    );
    assert!(press(&mut a, KeyCode::Char('c')).is_empty());
    assert_eq!(a.overlay, Overlay::None);
    assert_eq!(a.notice.as_ref().map(|n| n.level), Some(NoticeLevel::Error));

    let mut a = parties_screen();
    let cmds = press(&mut a, KeyCode::Enter);
    let show = sent(&cmds, |op| matches!(op, Op::PartyShow { .. }));
    update(
        &mut a,
        Action::Response(answer(
            show,
            Reply::Party {
                party: party(0),
                keys: vec![key(2, &party(0).id, true)],
            },
        )),
    );
    press(&mut a, KeyCode::Char('c'));
    assert_eq!(a.overlay, Overlay::None);
    let notice = a
        .notice
        .as_ref()
        .map(|n| n.text.clone())
        .unwrap_or_default();
    assert!(notice.contains("no key in good standing"), "{notice}");
}

#[test]
fn revoke_the_selected_key_with_a_reason() {
    let mut a = detail_screen();
    press(&mut a, KeyCode::Char('x'));
    assert_eq!(
        prompt_of(&a),
        Some((PromptPurpose::RevokeReason, String::new()))
    );
    type_text(&mut a, "laptop lost");
    press(&mut a, KeyCode::Enter);
    let Some(LedgerPlan::Revoke(plan)) = plan_of(&a) else {
        panic!("no revocation dialog: {:?}", a.overlay)
    };
    assert_eq!(plan.owner, party(2).name, "the agreement's buyer");
    let key_id = plan.key.key_id.clone();
    update(&mut a, Action::Rendered);
    let cmds = press(&mut a, KeyCode::Char('y'));
    assert_eq!(
        ops(&cmds),
        vec![&Op::KeyRevoke {
            key_id: key_id.clone(),
            reason: "laptop lost".into()
        }]
    );
    let mut k = key(1, &party(2).id, true);
    k.revocation_reason = Some("laptop lost".into());
    let follow = update(&mut a, Action::Response(answer(&cmds[0], Reply::Key(k))));
    assert!(matches!(
        a.overlay,
        Overlay::ActionResult(ActionOutcome::Done { .. })
    ));
    assert!(
        ops(&follow)
            .iter()
            .any(|op| matches!(op, Op::AgreementShow { .. })),
        "the detail is asked for again"
    );
    // The revoked key cannot be revoked again.
    press(&mut a, KeyCode::Esc);
    press(&mut a, KeyCode::Down);
    assert!(press(&mut a, KeyCode::Char('x')).is_empty());
    assert_eq!(a.overlay, Overlay::None);
    let notice = a
        .notice
        .as_ref()
        .map(|n| n.text.clone())
        .unwrap_or_default();
    assert!(
        notice.contains("already revoked at 2025-03-02T09:15:00.000Z"),
        "{notice}"
    );
}

#[test]
fn suspend_an_agreement_and_a_refusal_says_nothing_was_signed() {
    let mut a = agreements_screen();
    // Active cannot be resumed.
    press(&mut a, KeyCode::Char('u'));
    assert_eq!(a.overlay, Overlay::None);
    assert_eq!(a.notice.as_ref().map(|n| n.level), Some(NoticeLevel::Error));
    press(&mut a, KeyCode::Char('s'));
    assert_eq!(
        prompt_of(&a).map(|p| p.0),
        Some(PromptPurpose::StatusReason)
    );
    assert!(matches!(
        a.agreements.draft,
        Some(Draft::Status {
            to: AgreementStatus::Suspended,
            ..
        })
    ));
    type_text(&mut a, "payment overdue");
    press(&mut a, KeyCode::Enter);
    update(&mut a, Action::Rendered);
    // Tab to Sign, Enter signs.
    press(&mut a, KeyCode::Tab);
    let cmds = press(&mut a, KeyCode::Enter);
    assert_eq!(
        ops(&cmds),
        vec![&Op::AgreementStatus {
            agreement_id: agreement(1, 0, 0).id,
            status: AgreementStatus::Suspended,
            reason: "payment overdue".into()
        }]
    );
    update(
        &mut a,
        Action::Response(error(&cmds[0], ErrorCode::BadTransition)),
    );
    assert!(matches!(
        &a.overlay,
        Overlay::ActionResult(ActionOutcome::Failed(why)) if why.contains("bad_transition")
    ));
    assert_eq!(a.notice.as_ref().map(|n| n.level), Some(NoticeLevel::Error));
    // An ended agreement cannot change.
    press(&mut a, KeyCode::Esc);
    let mut ended = agreement(1, 0, 100_000);
    ended.status = AgreementStatus::Ended;
    a.agreements.agreements.items[0] = ended;
    for k in ['s', 'u', 'e'] {
        press(&mut a, KeyCode::Char(k));
        assert_eq!(a.overlay, Overlay::None, "{k}");
    }
}

#[test]
fn one_ledger_request_at_a_time() {
    let mut a = parties_screen();
    press(&mut a, KeyCode::Char('n'));
    type_text(&mut a, "First");
    press(&mut a, KeyCode::Enter);
    type_text(&mut a, "b");
    press(&mut a, KeyCode::Enter);
    update(&mut a, Action::Rendered);
    let cmds = press(&mut a, KeyCode::Char('y'));
    assert_eq!(cmds.len(), 1);
    press(&mut a, KeyCode::Esc);
    press(&mut a, KeyCode::Char('n'));
    assert_eq!(
        a.overlay,
        Overlay::None,
        "no second action while one is pending"
    );
    // The answer still shows when it comes, and a mismatch is flagged.
    let mut other = party(0);
    other.name = "Second".into();
    update(
        &mut a,
        Action::Response(answer(
            &cmds[0],
            Reply::PartyRegistered {
                party: other,
                key: None,
                api_token: None,
            },
        )),
    );
    assert!(matches!(
        a.overlay,
        Overlay::ActionResult(ActionOutcome::Mismatch(_))
    ));
}

#[test]
fn disconnect_while_waiting_leaves_the_outcome_unknown() {
    let mut a = parties_screen();
    press(&mut a, KeyCode::Char('n'));
    type_text(&mut a, "Zed");
    press(&mut a, KeyCode::Enter);
    type_text(&mut a, "b");
    press(&mut a, KeyCode::Enter);
    update(&mut a, Action::Rendered);
    press(&mut a, KeyCode::Char('y'));
    update(&mut a, Action::BackendClosed("gone".into()));
    assert!(matches!(
        a.overlay,
        Overlay::ActionResult(ActionOutcome::Unknown(_))
    ));
}

#[test]
fn admin_errors_go_to_the_status_line() {
    let mut a = app();
    let cmds = press(&mut a, KeyCode::Char('4'));
    let list = sent(&cmds, |op| matches!(op, Op::Agreements { .. }));
    update(
        &mut a,
        Action::Response(error(list, ErrorCode::NotAnArbitrator)),
    );
    let n = a.notice.clone().expect("a notice");
    assert_eq!(n.level, NoticeLevel::Error);
    assert!(n.text.contains("not_an_arbitrator"));
    assert_eq!(a.overlay, Overlay::None);
    // An answer of the wrong kind is reported, not applied.
    let f = sent(&cmds, |op| matches!(op, Op::LedgerFeed { .. }));
    update(
        &mut a,
        Action::Response(answer(f, Reply::Parties { items: vec![] })),
    );
    assert!(!a.agreements.feed_loaded);
    assert!(a
        .notice
        .as_ref()
        .is_some_and(|n| n.text.contains("unexpected answer")));
}
