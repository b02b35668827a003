//! Snapshots of the cases screen at 80×24 and 120×40: the list (only answered and silent
//! cases), a step of the replay's timeline (an admitted item with both time bounds, and an
//! inadmissible one), the findings page with the allocation and actions, and the trusted dialog
//! for signing the ruling (and for confirming another arbitrator's proposal); and hostile text in
//! a ruling kept inert. Accept new ones with
//! `INSTA_UPDATE=always cargo test --lib console`.

use crossterm::event::KeyCode;

use crate::api::admin::proto::tests::cases::ruling;
use crate::api::admin::proto::{ComplaintStatus, Op, Reply};

use super::snapshot_tests::{deliver, draw, sized};
use crate::console::app::{App, Overlay, Pending, Screen};
use crate::console::sanitize::is_hazardous;
use crate::console::tests::fixtures::{self, complaints};
use crate::model::money::{Currency, Money};

const SIZES: [(u16, u16); 2] = [(80, 24), (120, 40)];
/// The digest of the sample bundle.
const DIGEST: &str = "cd";

fn press(app: &mut App, code: KeyCode) {
    fixtures::press(app, code);
}

/// Screen 6 with the cases listed.
fn list(width: u16, height: u16) -> App {
    let mut a = sized(width, height);
    a.screen = Screen::Cases;
    deliver(
        &mut a,
        Pending::Cases,
        Op::Complaints { limit: 200 },
        Reply::Complaints {
            items: complaints(),
        },
    );
    a
}

fn eur(minor: i64) -> Money {
    Money::positive(minor, Currency::parse("EUR").expect("EUR")).expect("amount")
}

/// The selected case's replay arrived, with `r` as its ruling.
fn replayed_with(width: u16, height: u16, r: crate::model::dispute::Ruling) -> App {
    replayed_as(width, height, r, None)
}

/// [`replayed_with`], the ruling being the case's pending proposal by `proposed_by`, if any.
fn replayed_as(
    width: u16,
    height: u16,
    r: crate::model::dispute::Ruling,
    proposed_by: Option<&str>,
) -> App {
    let mut a = list(width, height);
    press(&mut a, KeyCode::Enter);
    let id = a
        .cases
        .open
        .as_ref()
        .expect("open")
        .item
        .complaint_id
        .clone();
    deliver(
        &mut a,
        Pending::CaseReplay { id: id.clone() },
        Op::CaseReplay { complaint_id: id },
        Reply::CaseReplay {
            ruling: Box::new(r),
            bundle_digest: DIGEST.repeat(32),
            proposed_by: proposed_by.map(str::to_string),
            // The guarantee the sample ruling releases, worth far more than the claim: its
            // amount is shown beside the action (s12 M1).
            guarantees: [("g1".to_string(), eur(45_000))].into(),
        },
    );
    a
}

fn replayed(width: u16, height: u16) -> App {
    replayed_with(width, height, ruling())
}

#[test]
fn snapshot_case_list() {
    for (w, h) in SIZES {
        let a = list(w, h);
        let screen = draw(&a, w, h);
        assert!(screen.contains("6 Cases"), "{screen}");
        let statuses: Vec<ComplaintStatus> =
            a.cases.cases.list.items.iter().map(|c| c.status).collect();
        assert_eq!(
            statuses,
            [ComplaintStatus::Silent, ComplaintStatus::Answered]
        );
        assert!(
            screen.contains("PROPOSED") && screen.contains("answered"),
            "{screen}"
        );
        insta::assert_snapshot!(format!("cases_list_{w}x{h}"), screen);
    }
}

#[test]
fn snapshot_replay_steps() {
    for (w, h) in SIZES {
        let mut a = replayed(w, h);
        let first = draw(&a, w, h);
        assert!(first.contains("Item 1 of 4"), "{first}");
        assert!(
            first.contains("T.freshness") && first.contains("T.timestamp"),
            "{first}"
        );
        assert!(first.contains("2026-03-01 09:58:00.000 UTC"), "{first}");
        insta::assert_snapshot!(format!("cases_replay_item1_{w}x{h}"), first);
        for _ in 0..3 {
            press(&mut a, KeyCode::Right);
        }
        let last = draw(&a, w, h);
        assert!(last.contains("Item 4 of 4"), "{last}");
        assert!(last.contains("A0.bad_signature: NOT admissible"), "{last}");
        insta::assert_snapshot!(format!("cases_replay_item4_{w}x{h}"), last);
    }
}

#[test]
fn snapshot_findings_allocation_actions() {
    for (w, h) in SIZES {
        let mut a = replayed(w, h);
        // Past the last item (four): the findings page, where further steps stay.
        for _ in 0..5 {
            press(&mut a, KeyCode::Char('n'));
        }
        let screen = draw(&a, w, h);
        for text in [
            "Findings, in order",
            "P.recorded",
            "Q3.covered",
            "evidence a1a1a1a1",
        ] {
            assert!(screen.contains(text), "{text}:\n{screen}");
        }
        insta::assert_snapshot!(format!("cases_findings_{w}x{h}"), screen);
        press(&mut a, KeyCode::End);
        let bottom = draw(&a, w, h);
        for text in ["Refund to buyer", "120.00 EUR", "release guarantee g1"] {
            assert!(bottom.contains(text), "{text}:\n{bottom}");
        }
        insta::assert_snapshot!(format!("cases_findings_bottom_{w}x{h}"), bottom);
    }
}

#[test]
fn snapshot_sign_dialog() {
    for (w, h) in SIZES {
        let mut a = replayed(w, h);
        press(&mut a, KeyCode::Char('s'));
        assert!(matches!(a.overlay, Overlay::Confirm(_)));
        let screen = draw(&a, w, h);
        assert!(screen.contains("the notary will sign"), "{screen}");
        assert!(screen.contains("release guarantee g1"), "{screen}");
        insta::assert_snapshot!(format!("cases_sign_{w}x{h}"), screen);
    }
}

/// A case another arbitrator's ruling is proposed on: the replay's header says so, and the
/// dialog confirms that proposal, naming its proposer and you.
#[test]
fn snapshot_confirming_a_proposal() {
    for (w, h) in SIZES {
        let mut a = replayed_as(w, h, ruling(), Some("Bob Arbiter"));
        let replay = draw(&a, w, h);
        assert!(replay.contains("PROPOSED by Bob Arbiter"), "{replay}");
        insta::assert_snapshot!(format!("cases_proposed_{w}x{h}"), replay);
        press(&mut a, KeyCode::Char('s'));
        assert!(matches!(a.overlay, Overlay::Confirm(_)));
        let screen = draw(&a, w, h);
        assert!(screen.contains("Confirm the proposal"), "{screen}");
        insta::assert_snapshot!(format!("cases_confirm_{w}x{h}"), screen);
        press(&mut a, KeyCode::Esc);
        press(&mut a, KeyCode::Char('w'));
        for c in "the receipt is missing".chars() {
            press(&mut a, KeyCode::Char(c));
        }
        let prompt = draw(&a, w, h);
        assert!(prompt.contains("Why withdraw the proposal"), "{prompt}");
        press(&mut a, KeyCode::Enter);
        let screen = draw(&a, w, h);
        assert!(screen.contains("withdraw the proposal"), "{screen}");
        assert!(screen.contains("the receipt is missing"), "{screen}");
        insta::assert_snapshot!(format!("cases_withdraw_{w}x{h}"), screen);
    }
}

#[test]
fn hostile_text_in_a_ruling_stays_inert() {
    let mut r = ruling();
    let evil = "order\u{1b}[31m\u{202e}evil\u{7}";
    r.items[0].what = evil.into();
    r.items[0].rule_id = evil.into();
    r.findings[0].answer = evil.into();
    r.findings[0].rule_id = evil.into();
    r.findings[0].evidence_ids = vec![evil.into()];
    r.actions = vec![crate::model::dispute::Action::ReleaseGuarantee {
        guarantee_id: evil.into(),
    }];
    for (w, h) in SIZES {
        let mut a = replayed_with(w, h, r.clone());
        let mut screens = vec![draw(&a, w, h)];
        for _ in 0..4 {
            press(&mut a, KeyCode::Right);
        }
        screens.push(draw(&a, w, h));
        press(&mut a, KeyCode::End);
        screens.push(draw(&a, w, h));
        press(&mut a, KeyCode::Char('s'));
        screens.push(draw(&a, w, h));
        for screen in screens {
            let hazard = screen.chars().filter(|c| *c != '\n').any(is_hazardous);
            assert!(!hazard, "{screen:?}");
            assert!(screen.contains("\\x1b[31m\\u{202e}evil"), "{screen}");
        }
    }
}

/// The sample ruling with bob's counter-claim decided after it: non-delivery of 120.00 EUR,
/// nothing to refund, its own findings and the shared release.
fn with_counter_claim() -> crate::model::dispute::Ruling {
    let mut r = ruling();
    let mut c = ruling();
    c.claim.kind = crate::model::complaint::ComplaintKind::NotAsDescribed;
    c.claim.claimant = "p2".into();
    c.claim.respondent = "p1".into();
    c.claim.amount.minor = 4_000;
    c.findings.truncate(2);
    c.findings[1].rule_id = "Q5.goods_receipt".into();
    c.findings[1].answer = "p2 signed a receipt of the goods".into();
    c.allocation.refund_to_buyer.minor = 0;
    c.actions.truncate(1);
    r.counter_claim = Some(Box::new(c));
    r
}

#[test]
fn snapshot_findings_with_a_counter_claim() {
    for (w, h) in SIZES {
        let mut a = replayed_with(w, h, with_counter_claim());
        for _ in 0..5 {
            press(&mut a, KeyCode::Char('n'));
        }
        press(&mut a, KeyCode::End);
        let bottom = draw(&a, w, h);
        for text in [
            // Parties by name, as the header and the dialog name them (s12 L3).
            "Counter-claim: not_as_described of 40.00 EUR by Nordwind Reisen (p2)",
            "Q5.goods_receipt",
            "release guarantee g1",
        ] {
            assert!(bottom.contains(text), "{text}:\n{bottom}");
        }
        insta::assert_snapshot!(format!("cases_findings_counter_{w}x{h}"), bottom);
        press(&mut a, KeyCode::Char('s'));
        let dialog = draw(&a, w, h);
        assert!(
            dialog.contains("not_as_described of 40.00 EUR by Nordwind Reisen (p2)"),
            "{dialog}"
        );
        insta::assert_snapshot!(format!("cases_sign_counter_{w}x{h}"), dialog);
    }
}

/// Every line of an item is shown at 80x24, both time bounds wrapped (s12 M5: the last line,
/// the item proving "signed not after", was cut unseen).
#[test]
fn an_items_every_line_is_shown_at_80x24() {
    let mut r = ruling();
    r.items[0].earliest.as_mut().expect("bound").rule_id = "T.embedded_by".into();
    r.items[0].latest.as_mut().expect("bound").rule_id = "T.notary_time".into();
    let a = replayed_with(80, 24, r);
    let screen = draw(&a, 80, 24);
    assert!(
        screen.contains("e5e5e5e5…") && screen.contains("c3c3c3c3…"),
        "{screen}"
    );
}
