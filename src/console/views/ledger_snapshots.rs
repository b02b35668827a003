//! Snapshots of the agreements screen (lists, detail with the exposure gauge and a revoked key,
//! the live feed), the dashboard's ledger counts, and every ledger confirmation dialog, at
//! 80×24 and 120×40. Accept new ones with `INSTA_UPDATE=always cargo test --lib console`.

use crate::api::admin::proto::{Op, Reply, SellerTokenItem, TokenChange};
use crate::model::registry::{AgreementStatus, Role};

use super::snapshot_tests::{deliver, draw, sized};
use crate::console::action::Action;
use crate::console::app::{App, Overlay, Pending, Screen, SignPlan};
use crate::console::components::confirm::ConfirmDialog;
use crate::console::sanitize::is_hazardous;
use crate::console::screens::agreements::plans::{
    ActionOutcome, AgreementPlan, LedgerPlan, PartyPlan, RevokePlan, StatusPlan, TokenPlan,
};
use crate::console::screens::agreements::{AgreementDetail, Detail, Pane, PartyDetail};
use crate::console::tests::fixtures::{
    self, agreement, agreement_detail, feed, key, party, policies,
};
use crate::console::theme::{ColorDepth, Theme};
use crate::console::update::update;

const SIZES: [(u16, u16); 2] = [(80, 24), (120, 40)];

fn agreements_list() -> Vec<crate::api::admin::proto::AgreementItem> {
    let mut suspended = agreement(2, 0, 500_000);
    suspended.status = AgreementStatus::Suspended;
    let mut business = agreement(3, 98_000, 100_000);
    business.policy_id = "semper-business".into();
    vec![agreement(1, 75_000, 100_000), suspended, business]
}

/// Screen 4, agreements listed, the feed loaded, the second row selected.
fn agreements_screen(width: u16, height: u16) -> App {
    let mut a = sized(width, height);
    a.screen = Screen::Agreements;
    let q = String::new();
    deliver(
        &mut a,
        Pending::Agreements { query: q.clone() },
        Op::Agreements { query: q.clone() },
        Reply::Agreements {
            items: agreements_list(),
        },
    );
    deliver(
        &mut a,
        Pending::Parties { query: q.clone() },
        Op::Parties { query: q },
        Reply::Parties {
            items: (0..6).map(party).collect(),
        },
    );
    deliver(
        &mut a,
        Pending::Feed,
        Op::LedgerFeed { limit: 100 },
        Reply::Feed { items: feed() },
    );
    deliver(
        &mut a,
        Pending::Policies,
        Op::Policies,
        Reply::Policies { items: policies() },
    );
    update(&mut a, Action::Move(crate::console::action::Move::Down));
    a
}

fn parties_screen(width: u16, height: u16) -> App {
    let mut a = agreements_screen(width, height);
    a.agreements.pane = Pane::Parties;
    a
}

/// Agreement 1 open: 75 % used, one revoked key, five guarantees.
fn detail_screen(width: u16, height: u16) -> App {
    let mut a = agreements_screen(width, height);
    let Reply::AgreementDetail { agreement, .. } = agreement_detail() else {
        unreachable!("the fixture is a detail")
    };
    let id = agreement.id.clone();
    a.agreements.detail = Some(Detail::Agreement(Box::new(AgreementDetail::new(agreement))));
    deliver(
        &mut a,
        Pending::AgreementShow { id: id.clone() },
        Op::AgreementShow {
            agreement_id: id,
            limit: 100,
        },
        agreement_detail(),
    );
    a
}

fn party_detail_screen(width: u16, height: u16) -> App {
    let mut a = parties_screen(width, height);
    let p = party(0);
    a.agreements.detail = Some(Detail::Party(PartyDetail::new(p.clone(), false)));
    let keys = vec![
        key(1, &p.id, false),
        key(2, &p.id, true),
        key(3, &p.id, false),
    ];
    deliver(
        &mut a,
        Pending::PartyShow { id: p.id.clone() },
        Op::PartyShow { party_id: p.id },
        Reply::Party {
            party: party(0),
            keys,
        },
    );
    a
}

fn with_dialog(mut a: App, plan: LedgerPlan) -> App {
    a.overlay = Overlay::Confirm(ConfirmDialog::new(SignPlan::Ledger(Box::new(plan))));
    a
}

fn party_plan(name: &str, role: Role) -> LedgerPlan {
    LedgerPlan::Party(PartyPlan {
        name: name.into(),
        role,
    })
}

fn agreement_plan() -> LedgerPlan {
    let buyer = party(0);
    LedgerPlan::Agreement(AgreementPlan {
        buyer_id: buyer.id.clone(),
        buyer_name: buyer.name,
        policy: policies()[0].clone(),
        total_cap_minor: 75_000,
        per_tx_cap_minor: 15_050,
        keys: vec![key(1, &party(0).id, false).key_id],
    })
}

fn revoke_plan() -> LedgerPlan {
    LedgerPlan::Revoke(RevokePlan {
        key: key(1, &party(2).id, false),
        owner: party(2).name,
        reason: "laptop lost".into(),
    })
}

fn status_plan() -> LedgerPlan {
    LedgerPlan::Status(StatusPlan {
        agreement: agreement(1, 75_000, 100_000),
        to: AgreementStatus::Suspended,
        reason: "payment overdue".into(),
    })
}

/// Escape sequences, a C1 CSI, bidi overrides and isolates, zero-width characters.
const HOSTILE: &str = "Evil\x1b[2J\x1b]0;pwned\x07\u{9b}31m\u{202e}pleh\u{2066}Corp\u{200b}";

fn assert_inert(screen: &str) {
    assert!(
        !screen.lines().any(|l| l.chars().any(is_hazardous)),
        "hazard on screen:\n{screen}"
    );
}

#[test]
fn snapshot_agreements_list_with_feed() {
    for (w, h) in SIZES {
        let screen = draw(&agreements_screen(w, h), w, h);
        assert!(screen.contains("750.00 / 1000.00 EUR"), "{screen}");
        assert!(screen.contains("REFUSED"), "{screen}");
        assert!(screen.contains("total_cap_exceeded"), "{screen}");
        insta::assert_snapshot!(format!("agreements_{w}x{h}"), screen);
    }
}

#[test]
fn snapshot_agreement_detail_with_gauge_and_revoked_key() {
    for (w, h) in SIZES {
        let screen = draw(&detail_screen(w, h), w, h);
        assert!(
            screen.contains(" 75% █"),
            "the gauge has its figure:\n{screen}"
        );
        assert!(screen.contains("░"), "{screen}");
        assert!(
            screen.contains("750.00 / 1000.00 EUR · 3 outstanding"),
            "{screen}"
        );
        assert!(
            screen.contains("revoked at 2025-03-02T09:15:00.000Z (device stolen)"),
            "{screen}"
        );
        insta::assert_snapshot!(format!("agreement_detail_{w}x{h}"), screen);
    }
}

#[test]
fn gauge_reads_in_sixteen_colours_and_without_colour() {
    for depth in [ColorDepth::Ansi16, ColorDepth::None] {
        let mut a = detail_screen(80, 24);
        a.theme = Theme::new(depth);
        let screen = draw(&a, 80, 24);
        let gauge = screen
            .lines()
            .find(|l| l.contains("Exposure"))
            .expect("gauge line");
        let filled = gauge.matches('█').count();
        let empty = gauge.matches('░').count();
        // 75 % of the bar is filled, within a cell of rounding.
        let ratio = filled as f64 / (filled + empty) as f64;
        assert!((ratio - 0.75).abs() < 0.03, "{depth:?}: {gauge}");
    }
}

#[test]
fn snapshot_parties_list_and_detail() {
    for (w, h) in SIZES {
        let screen = draw(&parties_screen(w, h), w, h);
        assert!(screen.contains("Carla Käuferin"), "{screen}");
        insta::assert_snapshot!(format!("parties_{w}x{h}"), screen);
    }
    let screen = draw(&party_detail_screen(80, 24), 80, 24);
    assert!(screen.contains("not_revoked"), "{screen}");
    insta::assert_snapshot!("party_detail_80x24", screen);
}

#[test]
fn snapshot_dashboard_ledger_counts() {
    let mut a = sized(80, 24);
    deliver(
        &mut a,
        Pending::Status,
        Op::Status,
        Reply::Status(fixtures::status()),
    );
    // A feed loaded by the agreements screen does not change the counts: they are since start.
    deliver(
        &mut a,
        Pending::Feed,
        Op::LedgerFeed { limit: 100 },
        Reply::Feed { items: feed() },
    );
    let screen = draw(&a, 80, 24);
    assert!(screen.contains("1,204 granted, 31 refused, 112 settled, 9 released since start"));
    assert!(screen.contains("17 decided since start"), "{screen}");
    assert!(!screen.contains("last 7"), "{screen}");
    insta::assert_snapshot!("dashboard_ledger_80x24", screen);
}

#[test]
fn snapshot_confirm_register_party() {
    for (w, h) in SIZES {
        let a = with_dialog(
            parties_screen(w, h),
            party_plan("Sally Seller", Role::Seller),
        );
        let screen = draw(&a, w, h);
        assert!(screen.contains("[ Cancel ]") && screen.contains("[ Sign ]"));
        insta::assert_snapshot!(format!("confirm_party_{w}x{h}"), screen);
    }
}

#[test]
fn snapshot_confirm_register_hostile_party_name() {
    for (w, h) in SIZES {
        let a = with_dialog(parties_screen(w, h), party_plan(HOSTILE, Role::Buyer));
        let screen = draw(&a, w, h);
        assert_inert(&screen);
        assert!(screen.contains("Evil\\x1b[2J\\x1b]0;pwned\\x07\\x9b31m\\u{202e}pleh"));
        assert!(screen.contains("\\u{2066}Corp\\u{200"), "wrapped, not cut");
        insta::assert_snapshot!(format!("confirm_party_hostile_{w}x{h}"), screen);
    }
}

#[test]
fn snapshot_confirm_create_agreement() {
    for (w, h) in SIZES {
        let a = with_dialog(party_detail_screen(w, h), agreement_plan());
        let screen = draw(&a, w, h);
        assert!(screen.contains("750.00 EUR") && screen.contains("150.50 EUR"));
        insta::assert_snapshot!(format!("confirm_agreement_{w}x{h}"), screen);
    }
}

#[test]
fn snapshot_confirm_revoke_key_and_status() {
    for (w, h) in SIZES {
        let a = with_dialog(detail_screen(w, h), revoke_plan());
        insta::assert_snapshot!(format!("confirm_revoke_{w}x{h}"), draw(&a, w, h));
        let a = with_dialog(detail_screen(w, h), status_plan());
        insta::assert_snapshot!(format!("confirm_suspend_{w}x{h}"), draw(&a, w, h));
    }
}

#[test]
fn snapshot_seller_token_shown_once() {
    let mut a = parties_screen(80, 24);
    let plan = party_plan("Sally Seller", Role::Seller);
    let reply = Reply::PartyRegistered {
        party: party(1),
        key: None,
        api_token: Some(format!("nts_{}", "5c".repeat(32))),
    };
    a.overlay = Overlay::ActionResult(plan.outcome(&reply));
    let screen = draw(&a, 80, 24);
    assert!(screen.contains("shown ONCE"));
    insta::assert_snapshot!("party_token_80x24", screen);
    a.overlay = Overlay::ActionResult(ActionOutcome::Failed(
        "a seller named \"Sally Seller\" is already registered (party_exists)".into(),
    ));
    insta::assert_snapshot!("party_refused_80x24", draw(&a, 80, 24));
}

#[test]
fn hostile_names_stay_inert_in_lists_details_and_feed() {
    let mut a = agreements_screen(80, 24);
    for item in &mut a.agreements.agreements.items {
        item.buyer_name = HOSTILE.into();
        item.policy_id = HOSTILE.into();
        item.currency = HOSTILE.into();
    }
    for p in &mut a.agreements.parties.items {
        p.name = HOSTILE.repeat(10);
    }
    for e in &mut a.agreements.feed {
        e.logged_at = HOSTILE.into();
        e.currency = HOSTILE.into();
    }
    let names: Vec<String> = a.agreements.names.keys().cloned().collect();
    for id in names {
        a.agreements.remember(&id, HOSTILE);
    }
    a.error(HOSTILE);
    for pane in [Pane::Agreements, Pane::Parties] {
        a.agreements.pane = pane;
        assert_inert(&draw(&a, 80, 24));
    }
    let mut a = detail_screen(120, 40);
    if let Some(Detail::Agreement(d)) = &mut a.agreements.detail {
        d.agreement.buyer_name = HOSTILE.into();
        d.agreement.valid_until = HOSTILE.into();
        for k in &mut d.keys {
            k.revocation_reason = Some(HOSTILE.into());
            k.subject = Some(HOSTILE.into());
        }
        for g in &mut d.guarantees {
            g.seller_id = HOSTILE.into();
        }
    }
    assert_inert(&draw(&a, 120, 40));
    a.overlay = Overlay::ActionResult(ActionOutcome::Done {
        title: "Party registered",
        fields: Vec::new(),
        secret: Some(crate::console::sanitize::sanitize(HOSTILE)),
    });
    assert_inert(&draw(&a, 120, 40));
}

/// Screen 4 with seller `party(1)` open (it has no keys).
fn seller_detail_screen(width: u16, height: u16) -> App {
    let mut a = parties_screen(width, height);
    let p = party(1);
    a.agreements.detail = Some(Detail::Party(PartyDetail::new(p.clone(), false)));
    deliver(
        &mut a,
        Pending::PartyShow { id: p.id.clone() },
        Op::PartyShow { party_id: p.id },
        Reply::Party {
            party: party(1),
            keys: Vec::new(),
        },
    );
    a
}

fn token_plan(change: TokenChange) -> LedgerPlan {
    LedgerPlan::Token(TokenPlan {
        party: party(1),
        change,
    })
}

#[test]
fn snapshot_seller_detail_and_its_token_dialogs() {
    let screen = draw(&seller_detail_screen(80, 24), 80, 24);
    assert!(
        screen.contains("t rotate token · T revoke token"),
        "{screen}"
    );
    insta::assert_snapshot!("seller_detail_80x24", screen);
    for (w, h) in SIZES {
        let a = with_dialog(seller_detail_screen(w, h), token_plan(TokenChange::Rotated));
        let screen = draw(&a, w, h);
        assert!(screen.contains("seller API token rotated"), "{screen}");
        assert!(screen.contains("never the token or its hash"), "{screen}");
        insta::assert_snapshot!(format!("confirm_token_rotate_{w}x{h}"), screen);
    }
    let a = with_dialog(
        seller_detail_screen(80, 24),
        token_plan(TokenChange::Revoked),
    );
    let screen = draw(&a, 80, 24);
    assert!(screen.contains("seller API token revoked"), "{screen}");
    insta::assert_snapshot!("confirm_token_revoke_80x24", screen);
}

#[test]
fn snapshot_rotated_token_shown_once() {
    let mut a = seller_detail_screen(80, 24);
    let reply = Reply::SellerToken(SellerTokenItem {
        party_id: party(1).id,
        change: TokenChange::Rotated,
        api_token: Some(format!("nts_{}", "7e".repeat(32))),
        log_index: 42,
        changed_at: "2025-03-02T08:00:00.000Z".into(),
    });
    a.overlay = Overlay::ActionResult(token_plan(TokenChange::Rotated).outcome(&reply));
    let screen = draw(&a, 80, 24);
    assert!(screen.contains("shown ONCE") && screen.contains(&"7e".repeat(20)));
    insta::assert_snapshot!("token_rotated_80x24", screen);
}
