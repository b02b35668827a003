//! The agreements screen's keys and transitions, without I/O: polling its lists, details and
//! the feed; search; opening details; and applying the notary's answers. The actions that make
//! the notary sign are in [`actions`](super::actions).

use crossterm::event::{KeyCode, KeyEvent};

use crate::api::admin::proto::{
    AgreementItem, GuaranteeItem, KeyItem, PartyItem, Reply, TokenChange,
};
use crate::model::registry::AgreementStatus;

use crate::console::action::{Action, Move};
use crate::console::app::{App, Overlay, Pending, PromptPurpose, ScreenAction};
use crate::console::command::Command;
use crate::console::screens::agreements::actions;
use crate::console::screens::agreements::plans::{ActionOutcome, LedgerPlan};
use crate::console::screens::agreements::poll::{poll, ready, refresh};
use crate::console::screens::agreements::{
    AgreementDetail, AgreementsAction, AgreementsView, Detail, Pane, PartyDetail,
    DETAIL_GUARANTEES_LIMIT, DETAIL_KEYS_MAX, FEED_LIMIT,
};

use super::view;

/// Policy versions kept at most.
const POLICIES_MAX: usize = 256;

/// The keys of this screen, for the help box.
pub const HELP: &[(&str, &str)] = &[
    (
        "Enter  p",
        "open agreement or party · parties/agreements (4)",
    ),
    ("n  c", "register a party · new agreement for a buyer (4)"),
    (
        "x  t  T",
        "revoke the key · rotate · revoke seller token (4)",
    ),
    ("s  u  e", "suspend · resume · end the agreement (4)"),
];

/// The action for `key` on this screen, beyond the keys every screen has.
pub fn key(key: KeyEvent) -> Option<Action> {
    let action = match key.code {
        KeyCode::Enter => AgreementsAction::OpenDetail,
        KeyCode::Char('p') => AgreementsAction::TogglePane,
        KeyCode::Char('n') => AgreementsAction::NewParty,
        KeyCode::Char('c') => AgreementsAction::NewAgreement,
        KeyCode::Char('x') => AgreementsAction::RevokeKey,
        KeyCode::Char('s') => AgreementsAction::SetAgreementStatus(AgreementStatus::Suspended),
        KeyCode::Char('u') => AgreementsAction::SetAgreementStatus(AgreementStatus::Active),
        KeyCode::Char('e') => AgreementsAction::SetAgreementStatus(AgreementStatus::Ended),
        KeyCode::Char('t') => AgreementsAction::SellerToken(TokenChange::Rotated),
        KeyCode::Char('T') => AgreementsAction::SellerToken(TokenChange::Revoked),
        _ => return None,
    };
    Some(Action::Screen(ScreenAction::Agreements(action)))
}

/// Applies a screen-level action (nothing is open over the screen).
pub fn update(app: &mut App, action: Action, out: &mut Vec<Command>) {
    match action {
        Action::Screen(ScreenAction::Agreements(a)) => match a {
            AgreementsAction::OpenDetail => open_detail(app, out),
            AgreementsAction::TogglePane => toggle_pane(app, out),
            AgreementsAction::NewParty => actions::new_party(app),
            AgreementsAction::NewAgreement => actions::new_agreement(app, out),
            AgreementsAction::RevokeKey => actions::revoke_key(app),
            AgreementsAction::SetAgreementStatus(to) => actions::set_status(app, to),
            AgreementsAction::SellerToken(change) => actions::seller_token(app, change),
        },
        Action::OpenSearch => open_search(app),
        Action::Move(m) => move_selection(app, m),
        Action::Back => back(app, out),
        _ => {}
    }
}

/// Enter: opens the selected agreement or party.
fn open_detail(app: &mut App, out: &mut Vec<Command>) {
    if !ready(app) || app.agreements.detail.is_some() {
        return;
    }
    let v = &mut app.agreements;
    v.detail = match v.pane {
        Pane::Agreements => v
            .agreements
            .selected_item()
            .map(|a| Detail::Agreement(Box::new(AgreementDetail::new(a.clone())))),
        Pane::Parties => v
            .parties
            .selected_item()
            .map(|p| Detail::Party(PartyDetail::new(p.clone(), false))),
    };
    poll(app, out);
}

/// `p`: the other list.
fn toggle_pane(app: &mut App, out: &mut Vec<Command>) {
    if !ready(app) || app.agreements.detail.is_some() {
        return;
    }
    let v = &mut app.agreements;
    v.pane = match v.pane {
        Pane::Agreements => Pane::Parties,
        Pane::Parties => Pane::Agreements,
    };
    poll(app, out);
}

/// Esc with nothing open over the screen: close the detail, else clear the search.
fn back(app: &mut App, out: &mut Vec<Command>) {
    let v = &mut app.agreements;
    if v.detail.take().is_some() {
        return poll(app, out);
    }
    let list_query = match v.pane {
        Pane::Agreements => &v.agreements.query,
        Pane::Parties => &v.parties.query,
    };
    if !list_query.is_empty() {
        match v.pane {
            Pane::Agreements => v.agreements.set_query(String::new()),
            Pane::Parties => v.parties.set_query(String::new()),
        }
        poll(app, out);
    }
}

/// Moves the key selection in a detail, else the list's selection.
fn move_selection(app: &mut App, m: Move) {
    let rows = view::list_rows(app.size);
    let v = &mut app.agreements;
    match (&mut v.detail, v.pane) {
        (Some(d), _) => d.move_key(m),
        (None, Pane::Agreements) => v.agreements.move_selection(m, rows),
        (None, Pane::Parties) => v.parties.move_selection(m, rows),
    }
}

/// Keeps the selections visible after a resize.
pub fn rescroll(app: &mut App) {
    let rows = view::list_rows(app.size);
    app.agreements.agreements.rescroll(rows);
    app.agreements.parties.rescroll(rows);
}

/// `/`: search the visible list (a detail is closed first).
fn open_search(app: &mut App) {
    app.agreements.detail = None;
    let (purpose, query) = match app.agreements.pane {
        Pane::Agreements => (
            PromptPurpose::AgreementSearch,
            app.agreements.agreements.query.clone(),
        ),
        Pane::Parties => (
            PromptPurpose::PartySearch,
            app.agreements.parties.query.clone(),
        ),
    };
    app.open_prompt(purpose, query);
}

/// The prompt was closed without an answer: the action it belonged to ends.
pub fn prompt_closed(app: &mut App) {
    app.agreements.draft = None;
}

/// After a party or an agreement was created: show its list, the new record selected once the
/// refresh lists it (it may sort far from where the cursor was).
fn show_created(v: &mut AgreementsView, reply: &Reply) {
    match reply {
        Reply::PartyRegistered { party, .. } => {
            if v.detail.is_none() {
                v.pane = Pane::Parties;
            }
            v.parties.select_next = Some(party.id.clone());
        }
        Reply::Agreement(a) => {
            if let Some(Detail::Party(_)) = v.detail {
                v.detail = None;
                v.pane = Pane::Agreements;
            }
            v.agreements.select_next = Some(a.id.clone());
        }
        _ => {}
    }
}

/// Applies an answer to one of this screen's requests.
pub fn on_reply(app: &mut App, pending: Pending, reply: Reply, out: &mut Vec<Command>) {
    let rows = view::list_rows(app.size);
    let v = &mut app.agreements;
    match (pending, reply) {
        (Pending::Agreements { query }, Reply::Agreements { items }) => {
            for a in &items {
                v.remember(&a.id, &a.buyer_name);
                v.remember(&a.buyer_id, &a.buyer_name);
            }
            if v.agreements.query == query {
                v.agreements.replace(items, rows);
            }
        }
        (Pending::Parties { query }, Reply::Parties { items }) => {
            for p in &items {
                v.remember(&p.id, &p.name);
            }
            if v.parties.query == query {
                v.parties.replace(items, rows);
            }
        }
        (
            Pending::AgreementShow { id },
            Reply::AgreementDetail {
                agreement,
                keys,
                guarantees,
            },
        ) => on_agreement_detail(v, &id, agreement, keys, guarantees),
        (Pending::PartyShow { id }, Reply::Party { party, keys }) => {
            on_party_detail(app, &id, party, keys, out)
        }
        (Pending::Feed, Reply::Feed { mut items }) => {
            items.truncate(FEED_LIMIT as usize);
            v.feed = items;
            v.feed_loaded = true;
        }
        (Pending::Policies, Reply::Policies { mut items }) => {
            items.truncate(POLICIES_MAX);
            v.policies = items;
            v.policies_loaded = true;
        }
        (Pending::Ledger(plan), reply) => on_signed(app, &plan, reply, out),
        (pending, _) => app.error(format!(
            "The notary sent an unexpected answer to {pending:?}"
        )),
    }
}

/// The open agreement's keys and guarantees arrived.
fn on_agreement_detail(
    v: &mut AgreementsView,
    id: &str,
    agreement: AgreementItem,
    mut keys: Vec<KeyItem>,
    mut guarantees: Vec<GuaranteeItem>,
) {
    if let Some(Detail::Agreement(d)) = &mut v.detail {
        if d.agreement.id == id && agreement.id == id {
            keys.truncate(DETAIL_KEYS_MAX);
            guarantees.truncate(DETAIL_GUARANTEES_LIMIT as usize);
            d.selected_key = d.selected_key.min(keys.len().saturating_sub(1));
            d.agreement = agreement;
            d.keys = keys;
            d.guarantees = guarantees;
            d.loaded = true;
        }
    }
}

/// The open party's keys arrived; `c` on the list waits for them to start the agreement.
fn on_party_detail(
    app: &mut App,
    id: &str,
    party: PartyItem,
    mut keys: Vec<KeyItem>,
    out: &mut Vec<Command>,
) {
    let mut create = false;
    if let Some(Detail::Party(d)) = &mut app.agreements.detail {
        if d.party.id == id && party.id == id {
            keys.truncate(DETAIL_KEYS_MAX);
            d.selected_key = d.selected_key.min(keys.len().saturating_sub(1));
            d.party = party;
            d.keys = keys;
            d.loaded = true;
            create = std::mem::take(&mut d.then_create);
        }
    }
    if create && app.overlay == Overlay::None {
        app.notice = None;
        actions::begin_agreement(app, out);
    }
}

/// The answer to a confirmed request: what was signed, checked against what was confirmed.
fn on_signed(app: &mut App, plan: &LedgerPlan, reply: Reply, out: &mut Vec<Command>) {
    let outcome = plan.outcome(&reply);
    if let ActionOutcome::Done { .. } = outcome {
        show_created(&mut app.agreements, &reply);
    }
    match &outcome {
        ActionOutcome::Done { title, .. } => app.info(format!("Signed: {title}")),
        ActionOutcome::Mismatch(why) => app.error(format!("WARNING: {why}")),
        _ => {}
    }
    if let Overlay::Confirm(_) = app.overlay {
        // Another dialog is open: do not replace it. A token still shows, once.
        if let ActionOutcome::Done {
            secret: Some(token),
            ..
        } = &outcome
        {
            app.info(format!("Seller API token (shown once): {token}"));
        }
    } else {
        app.overlay = Overlay::ActionResult(outcome);
    }
    refresh(app, out);
}

/// A request of this screen failed with `text`: a confirmed one says nothing was signed
/// (unless another dialog is open by now).
pub fn on_error(app: &mut App, pending: &Pending, text: &str) {
    if let Pending::Ledger(_) = pending {
        if !matches!(app.overlay, Overlay::Confirm(_)) {
            app.overlay = Overlay::ActionResult(ActionOutcome::Failed(text.to_string()));
        }
    }
}

/// The connection ended: a confirmed request still awaited may or may not have been signed.
pub fn on_disconnect(app: &mut App, why: &str) {
    if let Overlay::ActionResult(ActionOutcome::Pending(_)) = app.overlay {
        app.overlay = Overlay::ActionResult(ActionOutcome::Unknown(format!(
            "the connection ended before the answer ({why}); check the lists before \
             trying again"
        )));
    }
}
