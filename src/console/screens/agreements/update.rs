//! The agreements screen's transitions, without I/O: polling its lists, details and the feed;
//! search; opening details; and applying the notary's answers. The actions that make the
//! notary sign are in `ledger_actions`.

use crate::api::admin::proto::{Op, Reply};

use crate::console::action::{Command, Move};
use crate::console::app::{App, Overlay, Prompt, PromptPurpose, Screen};
use crate::console::requests::Pending;
use crate::console::screens::agreements::actions;
use crate::console::screens::agreements::plans::ActionOutcome;
use crate::console::screens::agreements::{
    AgreementDetail, AgreementsView, Detail, Pane, PartyDetail, DETAIL_GUARANTEES_LIMIT,
    DETAIL_KEYS_MAX, FEED_LIMIT,
};
use crate::console::update::send;

/// Policy versions kept at most.
const POLICIES_MAX: usize = 256;

/// Asks for what the visible screen shows from the ledger (the feed on the dashboard; lists,
/// detail and feed on the agreements screen), each unless the same request is on its way.
pub(crate) fn poll(app: &mut App, out: &mut Vec<Command>) {
    request_screen(app, false, out);
}

/// Like [`poll`], but asks even if a request is on its way (it may have left before a change).
fn refresh(app: &mut App, out: &mut Vec<Command>) {
    request_screen(app, true, out);
}

fn request_screen(app: &mut App, force: bool, out: &mut Vec<Command>) {
    let mut ask = |app: &mut App, what: Pending, op: Op| {
        if force || !app.requests.in_flight(app.now_ms, |p| *p == what) {
            send(app, what, op, out);
        }
    };
    match app.screen {
        Screen::Dashboard => ask(app, Pending::Feed, Op::LedgerFeed { limit: FEED_LIMIT }),
        Screen::Agreements => {
            let v = &app.agreements;
            if !v.policies_loaded {
                ask(app, Pending::Policies, Op::Policies);
            }
            let v = &app.agreements;
            match &v.detail {
                Some(Detail::Agreement(d)) => {
                    let id = d.agreement.id.clone();
                    let op = Op::AgreementShow {
                        agreement_id: id.clone(),
                        limit: DETAIL_GUARANTEES_LIMIT,
                    };
                    ask(app, Pending::AgreementShow { id }, op);
                }
                Some(Detail::Party(d)) => {
                    let id = d.party.id.clone();
                    let op = Op::PartyShow {
                        party_id: id.clone(),
                    };
                    ask(app, Pending::PartyShow { id }, op);
                }
                None => {
                    match v.pane {
                        Pane::Agreements => {
                            let query = v.agreements.query.clone();
                            let op = Op::Agreements {
                                query: query.clone(),
                            };
                            ask(app, Pending::Agreements { query }, op);
                        }
                        Pane::Parties => {
                            let query = v.parties.query.clone();
                            let op = Op::Parties {
                                query: query.clone(),
                            };
                            ask(app, Pending::Parties { query }, op);
                        }
                    }
                    ask(app, Pending::Feed, Op::LedgerFeed { limit: FEED_LIMIT });
                }
            }
        }
        Screen::Timestamps | Screen::Log => {}
    }
}

/// True when screen 4 is shown with nothing over it.
pub(crate) fn ready(app: &App) -> bool {
    app.overlay == Overlay::None && app.screen == Screen::Agreements
}

/// Opens the one-line prompt for `purpose`, holding `input`.
pub(crate) fn open_prompt(app: &mut App, purpose: PromptPurpose, input: String) {
    app.overlay = Overlay::Prompt(Prompt { purpose, input });
}

/// Enter: opens the selected agreement or party.
pub(crate) fn open_detail(app: &mut App, out: &mut Vec<Command>) {
    if !ready(app) || app.agreements.detail.is_some() {
        return;
    }
    let v = &mut app.agreements;
    v.detail = match v.pane {
        Pane::Agreements => v
            .agreements
            .selected_item()
            .map(|a| Detail::Agreement(AgreementDetail::new(a.clone()))),
        Pane::Parties => v
            .parties
            .selected_item()
            .map(|p| Detail::Party(PartyDetail::new(p.clone(), false))),
    };
    poll(app, out);
}

/// `p`: the other list.
pub(crate) fn toggle_pane(app: &mut App, out: &mut Vec<Command>) {
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
pub(crate) fn back(app: &mut App, out: &mut Vec<Command>) {
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
pub(crate) fn move_selection(app: &mut App, m: Move) {
    let rows = app.list_rows(Screen::Agreements);
    let v = &mut app.agreements;
    match (&mut v.detail, v.pane) {
        (Some(d), _) => d.move_key(m),
        (None, Pane::Agreements) => v.agreements.move_selection(m, rows),
        (None, Pane::Parties) => v.parties.move_selection(m, rows),
    }
}

/// Keeps the selections visible after a resize.
pub(crate) fn rescroll(app: &mut App) {
    let rows = app.list_rows(Screen::Agreements);
    app.agreements.agreements.rescroll(rows);
    app.agreements.parties.rescroll(rows);
}

/// `/`: search the visible list (a detail is closed first).
pub(crate) fn open_search(app: &mut App) {
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
    open_prompt(app, purpose, query);
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
pub(crate) fn on_reply(app: &mut App, pending: Pending, reply: Reply, out: &mut Vec<Command>) {
    let rows = app.list_rows(Screen::Agreements);
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
                mut keys,
                mut guarantees,
            },
        ) => {
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
        (Pending::PartyShow { id }, Reply::Party { party, mut keys }) => {
            let mut create = false;
            if let Some(Detail::Party(d)) = &mut v.detail {
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
                ledger_actions::begin_agreement(app, out);
            }
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
        (Pending::Ledger(plan), reply) => {
            let outcome = plan.outcome(&reply);
            if let ActionOutcome::Done { .. } = outcome {
                show_created(v, &reply);
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
        (pending, _) => app.error(format!(
            "The notary sent an unexpected answer to {pending:?}"
        )),
    }
}
