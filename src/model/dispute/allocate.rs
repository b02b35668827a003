//! Step 3: from the answers to who pays and what the notary does.

use super::case::Case;
use super::q_exchange::{Contract, Delivery};
use super::q_order::{order_amount, Cover, KeyAt};
use super::ruling::{Action, Allocation};
use super::types::{Content, Item};
use crate::model::complaint::ComplaintKind;

/// The answers of Q1–Q8 that the allocation needs.
pub(super) struct Answers<'a> {
    /// The policy applied is the one the agreement recorded.
    pub policy_ok: bool,
    /// Q1: the claimant is the wrong side of the order for the claim's kind.
    pub wrong_side: bool,
    /// Q1: the valid order.
    pub order: Option<&'a Item>,
    /// Q1: the parties' order, valid or binding nothing (another currency, agreement or key).
    pub deal: Option<&'a Item>,
    /// Q2.
    pub key_at: KeyAt,
    /// Q3.
    pub cover: Option<Cover<'a>>,
    /// Q4: what an unguaranteed order binds.
    pub binds: i64,
    /// Q5.
    pub delivery: Delivery,
    /// Q6: paid, minor units.
    pub paid: i64,
    /// Q7.
    pub contract: Contract,
    /// Q8.
    pub within: bool,
}

/// Who bears the amount claimed.
pub(super) fn allocate(case: &Case, a: &Answers) -> Allocation {
    let zero = case.money(0);
    let mut out = Allocation {
        buyer_pays: zero,
        notary_pays: zero,
        seller_bears: zero,
        refund_to_buyer: zero,
    };
    if !a.policy_ok || !a.within || a.wrong_side {
        return out;
    }
    match case.claim.kind {
        ComplaintKind::NonPayment => {
            let owed = owed(case, a);
            let left = owed.saturating_sub(a.paid).max(0);
            if left == 0 || a.delivery != Delivery::Delivered {
                return out;
            }
            let (buyer, notary) = match (a.order, a.key_at, &a.cover) {
                (None, _, _) => (0, 0),
                (Some(_), KeyAt::Before | KeyAt::NotRevoked, Some(_)) => (left, 0),
                (Some(_), KeyAt::Before | KeyAt::NotRevoked, None) => (a.binds.min(left), 0),
                // The notary stands behind its guarantee, up to its amount.
                (Some(_), _, Some(c)) => (0, guaranteed(c.item).min(left)),
                (Some(_), _, None) => (0, 0),
            };
            out.buyer_pays = case.money(buyer);
            out.notary_pays = case.money(notary);
            out.seller_bears = case.money(left - buyer - notary);
        }
        ComplaintKind::NonDelivery if a.delivery != Delivery::Delivered => {
            out.refund_to_buyer = case.money(a.paid.min(case.claim.amount.minor).max(0));
        }
        _ => {}
    }
    out
}

/// What a non-payment claim is about, minor units: the order's amount (at most the claim's);
/// without a valid order, the parties' order's when it is in the claim's currency, nothing when
/// it is in another (the claimant's own figure proves nothing); without any order, the claim's.
fn owed(case: &Case, a: &Answers) -> i64 {
    match (a.order, a.deal) {
        (Some(o), _) => order_amount(case, o),
        (None, Some(d)) => match &d.content {
            Content::Order { amount, .. } if amount.currency == case.claim.amount.currency => {
                order_amount(case, d)
            }
            _ => 0,
        },
        (None, None) => case.claim.amount.minor.max(0),
    }
}

/// Whether the ruling frees the guarantee `item` (not yet released or settled): only on a
/// payment or delivery claim decided on its merits (the policy established, in time, filed by
/// the side the kind belongs to) that makes neither the buyer nor the notary pay, and never
/// while the evidence shows the goods delivered and not paid for. "Nobody pays" on a buyer's
/// claim, or on a claim that gets findings only, says nothing about whether the seller still
/// needs the guarantee: read as a release, a buyer who took the goods could free himself by
/// complaining about a small sum.
fn releases(case: &Case, a: &Answers, item: &Item, alloc: &Allocation) -> bool {
    let merits = a.policy_ok && a.within && !a.wrong_side;
    let kind = matches!(
        case.claim.kind,
        ComplaintKind::NonPayment | ComplaintKind::NonDelivery
    );
    let owed = a.order.map_or(guaranteed(item), |o| order_amount(case, o));
    let owed_for_goods = a.delivery == Delivery::Delivered && owed > a.paid;
    merits && kind && !owed_for_goods && alloc.buyer_pays.minor == 0 && alloc.notary_pays.minor == 0
}

/// Whether the buyer is ruled to pay under the case's guarantee (his key in good standing when
/// he signed): it then stays outstanding until the seller settles it (N2: released by the
/// expiry scan, the seller's settle got `already_released` and the debt left his liability).
fn holds(a: &Answers, alloc: &Allocation) -> bool {
    alloc.buyer_pays.minor > 0 && matches!(a.key_at, KeyAt::Before | KeyAt::NotRevoked)
}

/// The amount of a guarantee item, minor units.
fn guaranteed(item: &Item) -> i64 {
    match &item.content {
        Content::Guarantee { amount, .. } => amount.minor.max(0),
        _ => 0,
    }
}

/// What the notary must do: release a guarantee nobody draws on, hold one the buyer is ruled to
/// pay under (neither when the evidence shows it closed or an earlier ruling holding it), decide
/// an undecided contract
/// exchange, record its own faults (`faults`: item ids). Sorted, without repeats.
pub(super) fn actions(
    case: &Case,
    a: &Answers,
    alloc: &Allocation,
    faults: &[String],
) -> Vec<Action> {
    let mut out: Vec<Action> = faults
        .iter()
        .map(|id| Action::FlagNotaryFault { item: id.clone() })
        .collect();
    if let Some(Cover {
        item,
        after_revocation,
    }) = &a.cover
    {
        if *after_revocation {
            out.push(Action::FlagNotaryFault {
                item: item.id.clone(),
            });
        }
        if let Content::Guarantee { guarantee_id, .. } = &item.content {
            let ended = case.find(|i| i.content.closing_of(guarantee_id).is_some());
            // An earlier case's ruling holds it for the seller: that hold stands, and this
            // case neither releases it (F1: a buyer's later claim, answered by silence,
            // freed what he was ruled to pay) nor holds it a second time.
            let held = case.find(|i| i.content.holds(guarantee_id));
            let ended = ended.or(held);
            if ended.is_none() && releases(case, a, item, alloc) {
                out.push(Action::ReleaseGuarantee {
                    guarantee_id: guarantee_id.clone(),
                });
            }
            if ended.is_none() && holds(a, alloc) {
                out.push(Action::HoldGuarantee {
                    guarantee_id: guarantee_id.clone(),
                });
            }
        }
    }
    if a.policy_ok && case.claim.kind == ComplaintKind::ContractValidity {
        match &a.contract {
            Contract::Undecided(tid) => out.push(Action::ResolveExchange { tid: tid.clone() }),
            Contract::Unaccepted(tid) => out.push(Action::AbortExchange { tid: tid.clone() }),
            _ => {}
        }
    }
    out.sort();
    out.dedup();
    out
}
