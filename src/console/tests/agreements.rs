//! The agreements screen's flows, key by key, without a terminal or a socket: lists, search,
//! details, and each action that makes the notary sign, through its confirmation dialog.

use crossterm::event::KeyCode;

use crate::api::admin::proto::{ErrorCode, Op, Reply};
use crate::model::registry::{AgreementStatus, Role};

use crate::console::action::Action;
use crate::console::app::{App, NoticeLevel, Overlay, PromptPurpose, Screen, SignPlan};
use crate::console::command::Command;
use crate::console::components::confirm::Focus;
use crate::console::screens::agreements::plans::{ActionOutcome, LedgerPlan, PartyPlan};
use crate::console::screens::agreements::{Detail, Draft, Pane};
use crate::console::tests::fixtures::{
    agreement, agreement_detail, answer, app, feed, key, party, policies, press, refusal, sending,
    sent_ops, status, type_text,
};
use crate::console::update::update;

fn clear_prompt(app: &mut App) {
    for _ in 0..64 {
        press(app, KeyCode::Backspace);
    }
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
            SignPlan::Stamp(_)
            | SignPlan::Case(_)
            | SignPlan::Ruling(_)
            | SignPlan::Withdraw(_) => None,
        },
        _ => None,
    }
}

/// Delivers `reply` as the answer to the request in `cmd`; the commands that follow.
fn answer_with(app: &mut App, cmd: &Command, reply: Reply) -> Vec<Command> {
    update(app, Action::Response(answer(cmd, reply)))
}

/// Replaces the prompt's text with `text` and presses Enter.
fn answer_prompt(app: &mut App, text: &str) {
    clear_prompt(app);
    type_text(app, text);
    press(app, KeyCode::Enter);
}

/// From the parties pane: asks to register `name` as `role` and draws the signing dialog.
fn register_dialog(app: &mut App, name: &str, role: &str) {
    press(app, KeyCode::Char('n'));
    type_text(app, name);
    press(app, KeyCode::Enter);
    type_text(app, role);
    press(app, KeyCode::Enter);
    update(app, Action::Rendered);
}

/// The status line's text, or nothing.
fn notice_text(app: &App) -> String {
    app.notice
        .as_ref()
        .map(|n| n.text.clone())
        .unwrap_or_default()
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
    let list = sending(&cmds, |op| matches!(op, Op::Agreements { .. }));
    answer_with(&mut a, list, Reply::Agreements { items });
    let pol = sending(&cmds, |op| *op == Op::Policies);
    answer_with(&mut a, pol, Reply::Policies { items: policies() });
    let f = sending(&cmds, |op| matches!(op, Op::LedgerFeed { .. }));
    answer_with(&mut a, f, Reply::Feed { items: feed() });
    a
}

/// The same screen switched to the parties list (parties 0..6).
fn parties_screen() -> App {
    let mut a = agreements_screen();
    let cmds = press(&mut a, KeyCode::Char('p'));
    assert_eq!(a.agreements.pane, Pane::Parties);
    let list = sending(&cmds, |op| matches!(op, Op::Parties { .. }));
    let items = (0..6).map(party).collect();
    answer_with(&mut a, list, Reply::Parties { items });
    a
}

/// Agreement 1 open, its detail loaded (key 0 good, key 1 revoked).
fn detail_screen() -> App {
    let mut a = agreements_screen();
    let cmds = press(&mut a, KeyCode::Enter);
    let show = sending(&cmds, |op| matches!(op, Op::AgreementShow { .. }));
    assert_eq!(
        sent_ops(std::slice::from_ref(show)),
        vec![&Op::AgreementShow {
            agreement_id: agreement(1, 0, 0).id,
            limit: 100
        }]
    );
    answer_with(&mut a, show, agreement_detail());
    a
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
    let mut got = sent_ops(&cmds);
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
    assert!(sent_ops(&update(&mut a, Action::Tick { now_ms: 2_000 }))
        .iter()
        .all(|op| matches!(op, Op::Status)));
}

#[test]
fn dashboard_counts_come_with_the_status_not_from_the_feed() {
    let mut a = app();
    let cmds = update(&mut a, Action::Tick { now_ms: 0 });
    assert_eq!(sent_ops(&cmds), vec![&Op::Status]);
    let s = sending(&cmds, |op| *op == Op::Status);
    answer_with(&mut a, s, Reply::Status(status()));
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
    assert!(sent_ops(&cmds).contains(&&Op::Agreements {
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
    answer_with(
        &mut a,
        &stale,
        Reply::Agreements {
            items: vec![agreement(9, 0, 1)],
        },
    );
    assert!(a.agreements.agreements.items.is_empty());
    let cmds = press(&mut a, KeyCode::Esc);
    assert_eq!(a.agreements.agreements.query, "");
    assert!(sent_ops(&cmds).contains(&&Op::Agreements {
        query: String::new()
    }));
    // On the parties pane, / searches parties.
    let mut a = parties_screen();
    press(&mut a, KeyCode::Char('/'));
    type_text(&mut a, "sally");
    let cmds = press(&mut a, KeyCode::Enter);
    assert!(sent_ops(&cmds).contains(&&Op::Parties {
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
    assert!(sent_ops(&cmds).contains(&&Op::Agreements {
        query: String::new()
    }));
}

#[test]
fn register_a_seller_through_the_dialog_and_see_its_token_once() {
    let mut a = parties_screen();
    answer_the_questions_for_sallys_shop(&mut a);
    let cmds = sign_the_drawn_dialog_only(&mut a);
    let token = format!("nts_{}", "7".repeat(64));
    let follow = the_token_is_shown(&mut a, &cmds[0], &token);
    the_refresh_selects_the_new_party(&mut a, &follow);
    // Stray keys do not close the token box; q does not quit; Enter does close it.
    for stray in [KeyCode::Char('q'), KeyCode::Char('y'), KeyCode::Char(' ')] {
        assert!(press(&mut a, stray).is_empty());
        assert!(matches!(a.overlay, Overlay::ActionResult(_)));
    }
    assert!(!a.quit);
    press(&mut a, KeyCode::Enter);
    assert_eq!(a.overlay, Overlay::None);
}

/// Name, then a wrong role that is asked again, then the right one: the dialog shows the plan.
fn answer_the_questions_for_sallys_shop(a: &mut App) {
    press(a, KeyCode::Char('n'));
    assert_eq!(
        prompt_of(a),
        Some((PromptPurpose::PartyName, String::new()))
    );
    type_text(a, "Sally's Shop");
    assert!(press(a, KeyCode::Enter).is_empty());
    assert_eq!(
        prompt_of(a),
        Some((PromptPurpose::PartyRole, String::new()))
    );
    type_text(a, "vendor");
    press(a, KeyCode::Enter);
    assert_eq!(
        prompt_of(a),
        Some((PromptPurpose::PartyRole, "vendor".into())),
        "a wrong answer is asked again"
    );
    assert_eq!(a.notice.as_ref().map(|n| n.level), Some(NoticeLevel::Error));
    clear_prompt(a);
    type_text(a, "s");
    assert!(press(a, KeyCode::Enter).is_empty());
    let expected = LedgerPlan::Party(PartyPlan {
        name: "Sally's Shop".into(),
        role: Role::Seller,
    });
    assert_eq!(plan_of(a), Some(&expected));
    assert!(matches!(&a.overlay, Overlay::Confirm(d) if d.focus == Focus::Cancel));
}

/// y before the dialog is drawn does nothing; after, it sends the registration.
fn sign_the_drawn_dialog_only(a: &mut App) -> Vec<Command> {
    assert!(press(a, KeyCode::Char('y')).is_empty());
    update(a, Action::Rendered);
    let cmds = press(a, KeyCode::Char('y'));
    assert_eq!(
        sent_ops(&cmds),
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
    cmds
}

/// The notary's answer carries `token`: the result box shows it, and the list is asked again.
fn the_token_is_shown(a: &mut App, register: &Command, token: &str) -> Vec<Command> {
    let mut registered = party(1);
    registered.name = "Sally's Shop".into();
    let follow = answer_with(
        a,
        register,
        Reply::PartyRegistered {
            party: registered,
            key: None,
            api_token: Some(token.to_string()),
        },
    );
    match &a.overlay {
        Overlay::ActionResult(ActionOutcome::Done { secret, .. }) => {
            assert_eq!(secret.as_deref(), Some(token))
        }
        other => panic!("expected the token box, got {other:?}"),
    }
    assert!(
        sent_ops(&follow).contains(&&Op::Parties {
            query: String::new()
        }),
        "the list is asked for again at once"
    );
    follow
}

/// The refresh selects the new party (party 1), wherever it sorts.
fn the_refresh_selects_the_new_party(a: &mut App, follow: &[Command]) {
    let refresh = sending(follow, |op| matches!(op, Op::Parties { .. }));
    let mut many: Vec<_> = (0..40).map(party).collect();
    let new_id = party(1).id;
    many.retain(|p| p.id != new_id);
    many.push(party(1));
    answer_with(a, refresh, Reply::Parties { items: many });
    assert_eq!(
        a.agreements.parties.selected_item().map(|p| p.id.clone()),
        Some(new_id)
    );
    assert_eq!(a.agreements.parties.select_next, None);
}

#[test]
fn cancelling_a_ledger_dialog_signs_nothing() {
    for cancel in [KeyCode::Esc, KeyCode::Char('n'), KeyCode::Enter] {
        let mut a = parties_screen();
        register_dialog(&mut a, "Bob Buyer II", "buyer");
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
    let show = sending(&cmds, |op| matches!(op, Op::PartyShow { .. }));
    let buyer = party(0);
    let good = key(1, &buyer.id, false);
    let revoked = key(2, &buyer.id, true);
    answer_with(
        &mut a,
        show,
        Reply::Party {
            party: buyer.clone(),
            keys: vec![good.clone(), revoked],
        },
    );
    answer_the_policy_and_caps(&mut a);
    assert!(matches!(plan_of(&a), Some(LedgerPlan::Agreement(_))));
    update(&mut a, Action::Rendered);
    let cmds = press(&mut a, KeyCode::Char('y'));
    assert_eq!(
        sent_ops(&cmds),
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

/// The first policy, a total cap of 750, then per-transaction caps that are asked again
/// (above the total, a fraction of a cent) before 150.50 is taken.
fn answer_the_policy_and_caps(a: &mut App) {
    assert_eq!(
        prompt_of(a),
        Some((PromptPurpose::AgreementPolicy, "semper-consumer".into())),
        "the first policy is offered"
    );
    press(a, KeyCode::Enter);
    assert_eq!(
        prompt_of(a),
        Some((PromptPurpose::TotalCap, "1000.00".into())),
        "the policy's default cap, as money"
    );
    answer_prompt(a, "750");
    assert_eq!(
        prompt_of(a),
        Some((PromptPurpose::PerTxCap, "200.00".into()))
    );
    answer_prompt(a, "800");
    assert_eq!(
        prompt_of(a),
        Some((PromptPurpose::PerTxCap, "800".into())),
        "a per-transaction cap above the total is asked again"
    );
    answer_prompt(a, "150.505");
    assert_eq!(prompt_of(a).map(|p| p.0), Some(PromptPurpose::PerTxCap));
    answer_prompt(a, "150.50");
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
    let show = sending(&cmds, |op| matches!(op, Op::PartyShow { .. }));
    answer_with(
        &mut a,
        show,
        Reply::Party {
            party: party(0),
            keys: vec![key(2, &party(0).id, true)],
        },
    );
    press(&mut a, KeyCode::Char('c'));
    assert_eq!(a.overlay, Overlay::None);
    let notice = notice_text(&a);
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
        sent_ops(&cmds),
        vec![&Op::KeyRevoke {
            key_id: key_id.clone(),
            reason: "laptop lost".into()
        }]
    );
    let mut k = key(1, &party(2).id, true);
    k.revocation_reason = Some("laptop lost".into());
    let follow = answer_with(&mut a, &cmds[0], Reply::Key(k));
    assert!(matches!(
        a.overlay,
        Overlay::ActionResult(ActionOutcome::Done { .. })
    ));
    assert!(
        sent_ops(&follow)
            .iter()
            .any(|op| matches!(op, Op::AgreementShow { .. })),
        "the detail is asked for again"
    );
    // The revoked key cannot be revoked again.
    press(&mut a, KeyCode::Esc);
    press(&mut a, KeyCode::Down);
    assert!(press(&mut a, KeyCode::Char('x')).is_empty());
    assert_eq!(a.overlay, Overlay::None);
    let notice = notice_text(&a);
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
        sent_ops(&cmds),
        vec![&Op::AgreementStatus {
            agreement_id: agreement(1, 0, 0).id,
            status: AgreementStatus::Suspended,
            reason: "payment overdue".into()
        }]
    );
    let refused = refusal(&cmds[0], ErrorCode::BadTransition);
    update(&mut a, Action::Response(refused));
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
    register_dialog(&mut a, "First", "b");
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
    answer_with(
        &mut a,
        &cmds[0],
        Reply::PartyRegistered {
            party: other,
            key: None,
            api_token: None,
        },
    );
    assert!(matches!(
        a.overlay,
        Overlay::ActionResult(ActionOutcome::Mismatch(_))
    ));
}

#[test]
fn disconnect_while_waiting_leaves_the_outcome_unknown() {
    let mut a = parties_screen();
    register_dialog(&mut a, "Zed", "b");
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
    let list = sending(&cmds, |op| matches!(op, Op::Agreements { .. }));
    update(
        &mut a,
        Action::Response(refusal(list, ErrorCode::NotAnArbitrator)),
    );
    let n = a.notice.clone().expect("a notice");
    assert_eq!(n.level, NoticeLevel::Error);
    assert!(n.text.contains("not_an_arbitrator"));
    assert_eq!(a.overlay, Overlay::None);
    // An answer of the wrong kind is reported, not applied.
    let f = sending(&cmds, |op| matches!(op, Op::LedgerFeed { .. }));
    answer_with(&mut a, f, Reply::Parties { items: vec![] });
    assert!(!a.agreements.feed_loaded);
    assert!(a
        .notice
        .as_ref()
        .is_some_and(|n| n.text.contains("unexpected answer")));
}

#[test]
fn rotate_and_revoke_a_sellers_token_through_the_dialog() {
    use crate::api::admin::proto::{SellerTokenItem, TokenChange};
    let mut a = parties_screen();
    // Party 0 is a buyer: no token to change, nothing opens.
    assert!(press(&mut a, KeyCode::Char('t')).is_empty());
    assert_eq!(a.overlay, Overlay::None);
    assert_eq!(a.notice.as_ref().map(|n| n.level), Some(NoticeLevel::Error));
    press(&mut a, KeyCode::Char('j'));
    let seller = party(1);
    for (key, change) in [('t', TokenChange::Rotated), ('T', TokenChange::Revoked)] {
        assert!(press(&mut a, KeyCode::Char(key)).is_empty());
        assert!(matches!(plan_of(&a), Some(LedgerPlan::Token(p)) if p.change == change));
        update(&mut a, Action::Rendered);
        let cmds = press(&mut a, KeyCode::Char('y'));
        let expected = Op::SellerToken {
            party_id: seller.id.clone(),
            change,
        };
        assert_eq!(sent_ops(&cmds), vec![&expected]);
        let token = (change == TokenChange::Rotated).then(|| format!("nts_{}", "9".repeat(64)));
        let reply = Reply::SellerToken(SellerTokenItem {
            party_id: seller.id.clone(),
            change,
            api_token: token.clone(),
            log_index: 9,
            changed_at: "2025-03-02T08:00:00.000Z".into(),
        });
        answer_with(&mut a, &cmds[0], reply);
        match &a.overlay {
            Overlay::ActionResult(ActionOutcome::Done { secret, .. }) => {
                assert_eq!(
                    secret, &token,
                    "the new token is shown once, and only for a rotation"
                )
            }
            other => panic!("not signed: {other:?}"),
        }
        press(&mut a, KeyCode::Enter);
        assert_eq!(a.overlay, Overlay::None);
    }
}
