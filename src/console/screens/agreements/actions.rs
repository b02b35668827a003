//! The registry and ledger actions of screen 4, question by question, without I/O: register a
//! party (name, role), create an agreement for a buyer (policy, total cap, per-transaction
//! cap, as money), revoke a key (reason), suspend, resume or end an agreement (reason), rotate
//! or revoke a seller's API token. Each ends in the trusted confirmation dialog; only its `y`
//! sends the request.

use crate::api::admin::proto::{Op, PartyItem, PolicyItem, TokenChange};
use crate::model::money::{Currency, Money};
use crate::model::registry::{
    check_caps, check_name, check_reason, AgreementStatus, KeyStanding, Role,
};

use crate::console::app::{App, Overlay, Pending, PromptPurpose, SignPlan};
use crate::console::command::Command;
use crate::console::components::confirm::{ConfirmDialog, Signable, NOT_CONNECTED};
use crate::console::screens::agreements::plans::{
    ActionOutcome, AgreementPlan, LedgerPlan, PartyPlan, RevokePlan, StatusPlan, TokenPlan,
};
use crate::console::screens::agreements::poll::{poll, ready};
use crate::console::screens::agreements::{
    amount, AgreementsView, Detail, Draft, Pane, PartyDetail,
};

/// True while a confirmed registry or ledger request awaits its answer.
fn busy(app: &mut App) -> bool {
    let busy = app
        .requests
        .in_flight(app.now_ms, |p| matches!(p, Pending::Ledger(_)));
    if busy {
        app.error("Waiting for the notary's answer to the previous request");
    }
    busy
}

/// `n`: asks for the new party's name.
pub(crate) fn new_party(app: &mut App) {
    if !ready(app) || busy(app) {
        return;
    }
    app.agreements.draft = None;
    app.open_prompt(PromptPurpose::PartyName, String::new());
}

/// `c`: creates an agreement for the open buyer, or the buyer selected in the parties list
/// (opening it first: the agreement binds its keys, which the detail loads).
pub(crate) fn new_agreement(app: &mut App, out: &mut Vec<Command>) {
    if !ready(app) || busy(app) {
        return;
    }
    let v = &mut app.agreements;
    let party = match (&mut v.detail, v.pane) {
        (Some(Detail::Party(d)), _) => {
            if !d.loaded {
                d.then_create = true;
                return;
            }
            d.party.clone()
        }
        (None, Pane::Parties) => {
            let Some(p) = v.parties.selected_item().cloned() else {
                return app.error("No party selected");
            };
            if p.role != Role::Buyer {
                return seller_refused(app, &p.name);
            }
            app.agreements.detail = Some(Detail::Party(PartyDetail::new(p, true)));
            app.info("Loading the buyer's keys …");
            return poll(app, out);
        }
        _ => {
            return app.error("Select a buyer in the parties list (p) to create an agreement");
        }
    };
    if party.role != Role::Buyer {
        return seller_refused(app, &party.name);
    }
    begin_agreement(app, out);
}

fn seller_refused(app: &mut App, name: &str) {
    app.error(format!(
        "{name} is a seller: agreements are made with buyers"
    ));
}

/// Starts the agreement questions for the open, loaded buyer.
pub(crate) fn begin_agreement(app: &mut App, out: &mut Vec<Command>) {
    let Some(Detail::Party(d)) = &app.agreements.detail else {
        return;
    };
    let buyer = d.party.clone();
    let keys: Vec<String> = d
        .keys
        .iter()
        .filter(|k| k.status == KeyStanding::Good)
        .map(|k| k.key_id.clone())
        .collect();
    if keys.is_empty() {
        return app.error(format!(
            "{} has no key in good standing: register a key first",
            buyer.name
        ));
    }
    let Some(first) = app.agreements.policy_ids().first().map(|s| s.to_string()) else {
        app.error("No policies known yet; try again in a moment");
        return app.send(Pending::Policies, Op::Policies, out);
    };
    app.agreements.draft = Some(Draft::Agreement {
        buyer,
        keys,
        policy: None,
        total_cap_minor: None,
    });
    app.open_prompt(PromptPurpose::AgreementPolicy, first);
}

/// `x`: asks why the selected key of the open agreement or party is revoked.
pub(crate) fn revoke_key(app: &mut App) {
    if !ready(app) || busy(app) {
        return;
    }
    let v = &app.agreements;
    let Some(detail) = &v.detail else {
        return app.error("Open an agreement or a party (Enter) and select its key");
    };
    let Some(key) = detail.key().cloned() else {
        return app.error("No key selected");
    };
    if key.status == KeyStanding::Revoked {
        let at = key.revoked_at.as_deref().unwrap_or("?");
        return app.error(format!("This key was already revoked at {at}"));
    }
    let owner = match detail {
        Detail::Agreement(d) => d.agreement.buyer_name.clone(),
        Detail::Party(d) => d.party.name.clone(),
    };
    app.agreements.draft = Some(Draft::Revoke { key, owner });
    app.open_prompt(PromptPurpose::RevokeReason, String::new());
}

/// `s` / `u` / `e`: asks why the open or selected agreement changes status.
pub(crate) fn set_status(app: &mut App, to: AgreementStatus) {
    if !ready(app) || busy(app) {
        return;
    }
    let v = &app.agreements;
    let agreement = match (&v.detail, v.pane) {
        (Some(Detail::Agreement(d)), _) => d.agreement.clone(),
        (None, Pane::Agreements) => match v.agreements.selected_item() {
            Some(a) => a.clone(),
            None => return app.error("No agreement selected"),
        },
        _ => return app.error("Select an agreement first"),
    };
    let from = agreement.status;
    if !from.may_become(to) {
        return app.error(format!(
            "The agreement is {}; it cannot become {}",
            from.as_str(),
            to.as_str()
        ));
    }
    app.agreements.draft = Some(Draft::Status { agreement, to });
    app.open_prompt(PromptPurpose::StatusReason, String::new());
}

/// `t` / `T`: rotate or revoke the API token of the open seller, or the seller selected in the
/// parties list; straight to the confirmation dialog (there is nothing to ask).
pub(crate) fn seller_token(app: &mut App, change: TokenChange) {
    if !ready(app) || busy(app) {
        return;
    }
    let v = &app.agreements;
    let party = match (&v.detail, v.pane) {
        (Some(Detail::Party(d)), _) => d.party.clone(),
        (None, Pane::Parties) => match v.parties.selected_item() {
            Some(p) => p.clone(),
            None => return app.error("No party selected"),
        },
        _ => return app.error("Select a seller in the parties list (p) to change its token"),
    };
    if party.role != Role::Seller {
        return app.error(format!(
            "{} is a buyer: only sellers have API tokens",
            party.name
        ));
    }
    confirm(app, LedgerPlan::Token(TokenPlan { party, change }));
}

/// What an answer leads to.
enum Step {
    /// The next question, with the answers so far and a suggested answer.
    Ask(Draft, PromptPurpose, String),
    /// Everything is known: show what will be signed.
    Confirm(LedgerPlan),
    /// The answer was refused: say why and ask the same question again, the draft as it was.
    Again(Option<Draft>, String),
}

/// Enter in one of this screen's prompts, with the trimmed input. An empty answer ends the
/// action; a wrong one says why and asks again with the text kept.
pub(crate) fn submit(app: &mut App, purpose: PromptPurpose, input: &str, out: &mut Vec<Command>) {
    let v = &mut app.agreements;
    match purpose {
        PromptPurpose::AgreementSearch => {
            v.agreements.set_query(input.to_string());
            return poll(app, out);
        }
        PromptPurpose::PartySearch => {
            v.parties.set_query(input.to_string());
            return poll(app, out);
        }
        _ => {}
    }
    if input.is_empty() {
        v.draft = None;
        return app.info("Cancelled: nothing was signed");
    }
    let draft = v.draft.take();
    let Some(step) = answer(v, purpose, draft, input) else {
        return app.error("That question belongs to an action that is no longer open");
    };
    match step {
        Step::Ask(draft, next, suggested) => {
            app.agreements.draft = Some(draft);
            app.open_prompt(next, suggested);
        }
        Step::Confirm(plan) => confirm(app, plan),
        Step::Again(draft, why) => {
            app.agreements.draft = draft;
            app.error(why);
            app.open_prompt(purpose, input.to_string());
        }
    }
}

/// Where answering `purpose` with `input` leads, given the answers so far; `None` when the
/// question does not belong to the open action.
fn answer(
    v: &AgreementsView,
    purpose: PromptPurpose,
    draft: Option<Draft>,
    input: &str,
) -> Option<Step> {
    Some(match (purpose, draft) {
        (PromptPurpose::PartyName, _) => match check_name(input) {
            Ok(()) => Step::Ask(
                Draft::Party { name: input.into() },
                PromptPurpose::PartyRole,
                String::new(),
            ),
            Err(why) => Step::Again(None, format!("Name refused: {why}")),
        },
        (PromptPurpose::PartyRole, Some(Draft::Party { name })) => party_role(name, input),
        (PromptPurpose::AgreementPolicy, Some(Draft::Agreement { buyer, keys, .. })) => {
            agreement_policy(v, buyer, keys, input)
        }
        (
            PromptPurpose::TotalCap,
            Some(Draft::Agreement {
                buyer,
                keys,
                policy: Some(policy),
                ..
            }),
        ) => total_cap(buyer, keys, policy, input),
        (
            PromptPurpose::PerTxCap,
            Some(Draft::Agreement {
                buyer,
                keys,
                policy: Some(policy),
                total_cap_minor: Some(total),
            }),
        ) => per_tx_cap(buyer, keys, policy, total, input),
        (PromptPurpose::RevokeReason, Some(draft @ Draft::Revoke { .. }))
        | (PromptPurpose::StatusReason, Some(draft @ Draft::Status { .. })) => {
            match check_reason(input) {
                Ok(reason) => Step::Confirm(with_reason(draft, reason)?),
                Err(why) => Step::Again(Some(draft), why),
            }
        }
        _ => return None,
    })
}

/// The role of the party being registered: buyer or seller.
fn party_role(name: String, input: &str) -> Step {
    let role = match input.to_ascii_lowercase().as_str() {
        "b" | "buyer" => Role::Buyer,
        "s" | "seller" => Role::Seller,
        _ => {
            let why = "Type buyer or seller (b or s)".to_string();
            return Step::Again(Some(Draft::Party { name }), why);
        }
    };
    Step::Confirm(LedgerPlan::Party(PartyPlan { name, role }))
}

/// The new agreement's policy, by id; its total cap is suggested next.
fn agreement_policy(v: &AgreementsView, buyer: PartyItem, keys: Vec<String>, input: &str) -> Step {
    let Some(policy) = v.policy(input).cloned() else {
        let known = v.policy_ids().join(", ");
        let draft = agreement_draft(buyer, keys, None, None);
        return Step::Again(Some(draft), format!("No policy {input:?}; known: {known}"));
    };
    let default = amount(policy.total_cap_minor, &policy.currency);
    let draft = agreement_draft(buyer, keys, Some(policy), None);
    Step::Ask(draft, PromptPurpose::TotalCap, default)
}

/// The agreement's total cap, as money; the per-transaction cap is suggested next.
fn total_cap(buyer: PartyItem, keys: Vec<String>, policy: PolicyItem, input: &str) -> Step {
    match parse_money(input, &policy.currency) {
        Ok(total) => {
            let per_tx = policy.per_tx_cap_minor.min(total);
            let default = amount(per_tx, &policy.currency);
            let draft = agreement_draft(buyer, keys, Some(policy), Some(total));
            Step::Ask(draft, PromptPurpose::PerTxCap, default)
        }
        Err(why) => Step::Again(Some(agreement_draft(buyer, keys, Some(policy), None)), why),
    }
}

/// The agreement's per-transaction cap, the last of its questions.
fn per_tx_cap(
    buyer: PartyItem,
    keys: Vec<String>,
    policy: PolicyItem,
    total: i64,
    input: &str,
) -> Step {
    let checked =
        parse_money(input, &policy.currency).and_then(|m| check_caps(total, m).map(|()| m));
    match checked {
        Ok(per_tx) => Step::Confirm(LedgerPlan::Agreement(AgreementPlan {
            buyer_id: buyer.id,
            buyer_name: buyer.name,
            policy,
            total_cap_minor: total,
            per_tx_cap_minor: per_tx,
            keys,
        })),
        Err(why) => Step::Again(
            Some(agreement_draft(buyer, keys, Some(policy), Some(total))),
            why,
        ),
    }
}

fn agreement_draft(
    buyer: PartyItem,
    keys: Vec<String>,
    policy: Option<PolicyItem>,
    total_cap_minor: Option<i64>,
) -> Draft {
    Draft::Agreement {
        buyer,
        keys,
        policy,
        total_cap_minor,
    }
}

/// The revocation or status change `draft` was asking the reason for.
fn with_reason(draft: Draft, reason: String) -> Option<LedgerPlan> {
    match draft {
        Draft::Revoke { key, owner } => Some(LedgerPlan::Revoke(RevokePlan { key, owner, reason })),
        Draft::Status { agreement, to } => Some(LedgerPlan::Status(StatusPlan {
            agreement,
            to,
            reason,
        })),
        Draft::Party { .. } | Draft::Agreement { .. } => None,
    }
}

/// A decimal amount in `currency`, as minor units.
fn parse_money(input: &str, currency: &str) -> Result<i64, String> {
    let currency = Currency::parse(currency).map_err(|e| e.to_string())?;
    Money::parse_decimal(input, currency)
        .map(|m| m.minor)
        .map_err(|e| e.to_string())
}

fn confirm(app: &mut App, plan: LedgerPlan) {
    app.agreements.draft = None;
    app.notice = None;
    app.overlay = Overlay::Confirm(ConfirmDialog::new(SignPlan::Ledger(Box::new(plan))));
}

/// Sends the request a confirmed dialog authorises and shows that it is on its way.
pub(crate) fn sign(app: &mut App, plan: LedgerPlan, out: &mut Vec<Command>) {
    if !app.connected {
        app.overlay = Overlay::ActionResult(ActionOutcome::Failed(NOT_CONNECTED.into()));
        return;
    }
    let headline = plan.headline();
    let op = plan.op();
    app.send(Pending::Ledger(Box::new(plan)), op, out);
    app.overlay = Overlay::ActionResult(ActionOutcome::Pending(headline));
}
