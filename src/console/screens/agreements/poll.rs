//! What the agreements screen asks the notary for while it is shown: the policies, the open
//! detail or the visible list, and the live feed.

use crate::api::admin::proto::Op;
use crate::console::app::{App, Overlay, Pending, Screen};
use crate::console::command::Command;
use crate::console::screens::agreements::{
    AgreementsView, Detail, Pane, DETAIL_GUARANTEES_LIMIT, FEED_LIMIT,
};

/// Asks for what the agreements screen shows (lists, detail and feed) while it is visible, each
/// unless the same request is on its way.
pub fn poll(app: &mut App, out: &mut Vec<Command>) {
    request_screen(app, false, out);
}

/// Like [`poll`], but asks even if a request is on its way (it may have left before a change).
pub(crate) fn refresh(app: &mut App, out: &mut Vec<Command>) {
    request_screen(app, true, out);
}

fn request_screen(app: &mut App, force: bool, out: &mut Vec<Command>) {
    let ask = |app: &mut App, what: Pending, op: Op, out: &mut Vec<Command>| {
        if force {
            app.send(what, op, out);
        } else {
            app.ask(what, op, out);
        }
    };
    if app.screen != Screen::Agreements {
        return;
    }
    if !app.agreements.policies_loaded {
        ask(app, Pending::Policies, Op::Policies, out);
    }
    let (what, op) = list_request(&app.agreements);
    ask(app, what, op, out);
    if app.agreements.detail.is_none() {
        ask(
            app,
            Pending::Feed,
            Op::LedgerFeed { limit: FEED_LIMIT },
            out,
        );
    }
}

/// The request for the open detail, else for the visible list.
fn list_request(v: &AgreementsView) -> (Pending, Op) {
    match (&v.detail, v.pane) {
        (Some(Detail::Agreement(d)), _) => {
            let id = d.agreement.id.clone();
            let op = Op::AgreementShow {
                agreement_id: id.clone(),
                limit: DETAIL_GUARANTEES_LIMIT,
            };
            (Pending::AgreementShow { id }, op)
        }
        (Some(Detail::Party(d)), _) => {
            let id = d.party.id.clone();
            let op = Op::PartyShow {
                party_id: id.clone(),
            };
            (Pending::PartyShow { id }, op)
        }
        (None, Pane::Agreements) => {
            let query = v.agreements.query.clone();
            let op = Op::Agreements {
                query: query.clone(),
            };
            (Pending::Agreements { query }, op)
        }
        (None, Pane::Parties) => {
            let query = v.parties.query.clone();
            let op = Op::Parties {
                query: query.clone(),
            };
            (Pending::Parties { query }, op)
        }
    }
}

/// True when screen 4 is shown with nothing over it.
pub(crate) fn ready(app: &App) -> bool {
    app.overlay == Overlay::None && app.screen == Screen::Agreements
}
