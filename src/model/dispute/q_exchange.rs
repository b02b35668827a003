//! Questions about performance: Q5 delivery, Q6 payment, Q7 contract status, Q8 the dispute
//! window.

use chrono::TimeDelta;

use super::case::{finding, Case};
use super::ruling::{Finding, Question};
use super::types::{ClaimSubject, Content, Item, Role};
use crate::model::complaint::ComplaintKind;
use crate::model::exchange::Protocol;
use crate::model::time::rfc3339_ms;

/// Whether the goods reached the buyer (Q5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Delivery {
    /// The buyer's receipt, or the recipient's receipt plus the notary's delivery affidavit.
    Delivered,
    /// The delivering exchange was aborted, or its escrow failed: nothing was delivered.
    Failed,
    /// Nothing shows either.
    NotShown,
}

/// The state of a contract exchange (Q7).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Contract {
    /// No contract exchange in the case.
    None,
    /// A contract binds both.
    Valid,
    /// Aborted: no contract.
    Aborted,
    /// m1 and m2 but no decision: the notary may resolve it.
    Undecided(String),
    /// m1 only, no decision: the notary may abort it.
    Unaccepted(String),
}

/// Q5: delivery of the goods the order or the exchange is about.
pub(super) fn q5(case: &Case, order: Option<&Item>) -> (Finding, Delivery) {
    // A buyer's receipt signed with a key since revoked counts only when shown signed before
    // the revocation: whoever holds a stolen key could sign one at any time.
    let mut discounted = None;
    if let Some(o) = order {
        let buyer = match &o.content {
            Content::Order { buyer, .. } => buyer.as_str(),
            _ => "",
        };
        let receipts = case.items.iter().filter(|i| {
            matches!(&i.content, Content::GoodsReceipt { buyer: b } if b == buyer)
                && Case::embeds(i, &o.id)
        });
        for r in receipts {
            match revoked_unless_before(case, r) {
                None => {
                    let f = finding(
                        Question::Q5,
                        "Q5.goods_receipt",
                        format!("{buyer} signed a receipt of the goods"),
                        &[&r.id],
                    );
                    return (f, Delivery::Delivered);
                }
                Some(revoked) => {
                    discounted = discounted.or(Some((r.id.as_str(), buyer, revoked)));
                }
            }
        }
    }
    let (f, delivery) = q5_by_exchange(case, order);
    match (delivery, discounted) {
        (Delivery::NotShown, Some((id, buyer, revoked))) => {
            let answer = format!(
                "{buyer}'s receipt of the goods is not shown signed before the revocation of \
                 its key registered at {revoked}: it does not show a delivery"
            );
            let f = finding(Question::Q5, "Q5.receipt_key_revoked", answer, &[id]);
            (f, Delivery::NotShown)
        }
        _ => (f, delivery),
    }
}

/// When `item`'s key was revoked and nothing shows it signed before: the revocation's
/// registration time (RFC 3339); `None` when the key stands or the item predates it.
fn revoked_unless_before(case: &Case, item: &Item) -> Option<String> {
    let key = item
        .facts
        .signer
        .as_deref()
        .and_then(|k| case.registry.key(k));
    let r = key.and_then(|k| k.revocation.as_ref())?;
    let before = case
        .latest(&item.id)
        .is_some_and(|l| l.at.at() < r.registered_at);
    (!before).then(|| rfc3339_ms(r.registered_at))
}

/// Q5 without a buyer's receipt: through the exchange that delivers the goods.
fn q5_by_exchange(case: &Case, order: Option<&Item>) -> (Finding, Delivery) {
    // Only an item-for-receipt exchange of goods delivers (a payment or a contract does not),
    // and only one from the goods' sender to their recipient: an item the buyer sent the
    // seller, its receipt or its abort, says nothing of the goods.
    let sides = goods_sides(case, order);
    let tid = case
        .tid(order)
        .filter(|t| match case.offer(t).map(|o| &o.content) {
            Some(Content::Offer {
                protocol,
                payment,
                originator,
                responder,
                ..
            }) => {
                let along = sides
                    .as_ref()
                    .is_none_or(|(from, to)| originator == from && responder == to);
                *protocol == Protocol::Item && payment.is_none() && along
            }
            _ => true,
        });
    let Some(tid) = tid else {
        return (
            finding(
                Question::Q5,
                "Q5.not_shown",
                "nothing shows a delivery",
                &[],
            ),
            Delivery::NotShown,
        );
    };
    by_exchange(case, &tid)
}

/// Who sends the goods and who receives them: the order's seller and buyer; without an order,
/// the sides the claim's kind names (a non-delivery or not-as-described claimant received, a
/// non-payment claimant sent); none for a kind that names no direction.
fn goods_sides(case: &Case, order: Option<&Item>) -> Option<(String, String)> {
    if let Some(Content::Order { buyer, seller, .. }) = order.map(|o| &o.content) {
        return Some((seller.clone(), buyer.clone()));
    }
    let c = &case.claim;
    match c.kind {
        ComplaintKind::NonDelivery | ComplaintKind::NotAsDescribed => {
            Some((c.respondent.clone(), c.claimant.clone()))
        }
        ComplaintKind::NonPayment => Some((c.claimant.clone(), c.respondent.clone())),
        ComplaintKind::ContractValidity | ComplaintKind::Other => None,
    }
}

/// A way an exchange fails to deliver: which token shows it, its rule id and answer.
type Failure = (fn(&Content) -> bool, &'static str, &'static str);

/// Q5 through the delivering exchange `tid`: its affidavit, escrow failure or abort.
fn by_exchange(case: &Case, tid: &str) -> (Finding, Delivery) {
    let receipt = case.of_tid(tid, |c| matches!(c, Content::ExchangeReceipt { .. }));
    let affidavit = case.of_tid(tid, |c| matches!(c, Content::DeliveryAffidavit { .. }));
    // The notary signs an affidavit only when it released the key against the recipient's
    // verified receipt, which the affidavit carries: it shows the delivery by itself (a
    // recipient who withheld his receipt from the sender must not undo the delivery so).
    match (receipt, affidavit) {
        (Some(r), Some(a)) => {
            let f = finding(
                Question::Q5,
                "Q5.delivery_affidavit",
                "the recipient's receipt and the notary's delivery affidavit",
                &[&r.id, &a.id],
            );
            return (f, Delivery::Delivered);
        }
        (None, Some(a)) => {
            let f = finding(
                Question::Q5,
                "Q5.delivery_affidavit",
                "the notary's delivery affidavit: it released the key against the recipient's \
                 signed receipt, which it carries",
                &[&a.id],
            );
            return (f, Delivery::Delivered);
        }
        _ => {}
    }
    // A failed escrow or an abort: nothing was delivered.
    let failures: [Failure; 2] = [
        (
            |c| matches!(c, Content::EscrowFailure { .. }),
            "Q5.escrow_failed",
            "the escrow failed: the sender is at fault",
        ),
        (
            |c| matches!(c, Content::AbortToken { .. }),
            "Q5.aborted",
            "the delivering exchange was aborted; no key was released",
        ),
    ];
    for (is, rule, answer) in failures {
        if let Some(t) = case.of_tid(tid, is) {
            return (
                finding(Question::Q5, rule, answer, &[&t.id]),
                Delivery::Failed,
            );
        }
    }
    let f = finding(
        Question::Q5,
        "Q5.not_shown",
        "nothing shows a delivery",
        &[],
    );
    (f, Delivery::NotShown)
}

/// Q6: what the payer shows paid to the payee: payment tokens delivered by affidavit, each of
/// the amount its m1 states (the claim's figure proves nothing), and the settlement of a
/// guarantee over the order. Returns the amount paid (minor units).
pub(super) fn q6(case: &Case, order: Option<&Item>, cover: Option<&Item>) -> (Finding, i64) {
    // The payer is the order's buyer whoever filed; without an order, the side the claim's kind
    // names (a non-delivery claimant paid, a non-payment respondent owes).
    let (payer, payee) = match (order.map(|o| &o.content), case.claim.kind) {
        (Some(Content::Order { buyer, seller, .. }), _) => (buyer, seller),
        (_, ComplaintKind::NonDelivery) => (&case.claim.claimant, &case.claim.respondent),
        _ => (&case.claim.respondent, &case.claim.claimant),
    };
    let ByExchange {
        mut paid,
        mut evidence,
        no_sum,
    } = paid_by_exchange(case, order, payer, payee);
    let mut rule = if paid > 0 {
        "Q6.paid_by_affidavit"
    } else {
        "Q6.not_shown"
    };
    if let Some(Item {
        content:
            Content::Guarantee {
                guarantee_id,
                amount,
                ..
            },
        id,
        ..
    }) = cover
    {
        let settled = case.find(|i| matches!(&i.content, Content::Settlement { guarantee_id: g, .. } if g == guarantee_id));
        if let Some(s) = settled.filter(|_| amount.currency == case.claim.amount.currency) {
            paid = paid.saturating_add(amount.minor.max(0));
            evidence.extend([id.as_str(), s.id.as_str()]);
            rule = if rule == "Q6.not_shown" {
                "Q6.paid_by_guarantee"
            } else {
                rule
            };
        }
    }
    let answer = if paid > 0 {
        format!("{payer} paid {} to {payee}", case.money(paid))
    } else if !no_sum.is_empty() {
        rule = "Q6.amount_not_stated";
        evidence = no_sum;
        format!(
            "{payer} delivered an item to {payee} by the exchange the claim reads as the payment, \
             but its m1 states no amount in {}: nothing shown paid",
            case.claim.amount.currency
        )
    } else if order.is_some() {
        // A payment exchange counts for an order when its m1 names the order: one that names
        // none may pay for anything, so say what was looked for.
        format!("nothing shows a payment by {payer} for this order")
    } else {
        format!("nothing shows a payment by {payer}")
    };
    (finding(Question::Q6, rule, answer, &evidence), paid)
}

/// What payment tokens delivered by affidavit from the payer to the payee show.
struct ByExchange<'a> {
    /// The sum their m1s state in the claim's currency, minor units.
    paid: i64,
    /// Each such m1 and its affidavit.
    evidence: Vec<&'a str>,
    /// The m1s (and affidavits) of tokens that state no amount in the claim's currency.
    no_sum: Vec<&'a str>,
}

/// The payment tokens `payer` delivered to `payee` by exchanges the notary resolved, each worth
/// the amount its m1 states.
fn paid_by_exchange<'a>(
    case: &Case<'a>,
    order: Option<&Item>,
    payer: &str,
    payee: &str,
) -> ByExchange<'a> {
    let mut out = ByExchange {
        paid: 0,
        evidence: Vec::new(),
        no_sum: Vec::new(),
    };
    let about = match &case.claim.subject {
        ClaimSubject::Tid(t) => Some(t.as_str()),
        _ => None,
    };
    for offer in &case.items {
        let Content::Offer {
            tid,
            originator,
            responder,
            payment: Some(p),
            pays,
            ..
        } = &offer.content
        else {
            continue;
        };
        // The payment of the case's own exchange, or one whose m1 names the case's order.
        let ours = about == Some(tid.as_str()) || order.is_some_and(|o| pays.contains(&o.id));
        if !ours {
            continue;
        }
        let affidavit = case.of_tid(tid, |c| matches!(c, Content::DeliveryAffidavit { .. }));
        let (true, Some(a)) = (originator == payer && responder == payee, affidavit) else {
            continue;
        };
        let ids = [offer.id.as_str(), a.id.as_str()];
        if p.currency == case.claim.amount.currency && p.minor > 0 {
            out.paid = out.paid.saturating_add(p.minor);
            out.evidence.extend(ids);
        } else {
            out.no_sum.extend(ids);
        }
    }
    out
}

/// Q7: whether a contract binds. A standard contract (m1, m2 and both nonces opened) or the
/// notary's replacement contract beats an abort token; an abort token alone means no contract.
pub(super) fn q7(case: &Case, order: Option<&Item>) -> (Finding, Contract, Vec<String>) {
    let offer = case.tid(order).and_then(|t| case.offer(&t)).filter(|o| {
        matches!(
            o.content,
            Content::Offer {
                protocol: Protocol::Contract,
                ..
            }
        )
    });
    let (Some(m1), Some(tid)) = (offer, offer.and_then(|o| o.content.tid())) else {
        return (
            finding(
                Question::Q7,
                "Q7.not_applicable",
                "no contract exchange",
                &[],
            ),
            Contract::None,
            vec![],
        );
    };
    contract_status(case, m1, tid)
}

/// Q7 for the contract exchange `tid` whose offer is `m1`.
fn contract_status(case: &Case, m1: &Item, tid: &str) -> (Finding, Contract, Vec<String>) {
    let abort = case.of_tid(tid, |c| matches!(c, Content::AbortToken { .. }));
    let m2 = case.of_tid(tid, |c| matches!(c, Content::Acceptance { .. }));
    let reveal = |role: Role| {
        case.of_tid(
            tid,
            |c| matches!(c, Content::NonceReveal { role: r, matches: true, .. } if *r == role),
        )
    };
    if let Some(rc) = case.of_tid(tid, |c| matches!(c, Content::ReplacementContract { .. })) {
        // The first decision is final: an abort token beside a replacement is the notary's fault.
        let faults = abort.map(|a| vec![a.id.clone()]).unwrap_or_default();
        let f = finding(
            Question::Q7,
            "Q7.replacement_contract",
            "contract valid: the notary's replacement contract binds both",
            &[&m1.id, &rc.id],
        );
        return (f, Contract::Valid, faults);
    }
    if let (Some(m2), Some(na), Some(nb)) = (m2, reveal(Role::Originator), reveal(Role::Responder))
    {
        let f = finding(
            Question::Q7,
            "Q7.standard_contract",
            "contract valid: m1, m2 and both nonces opened bind both",
            &[&m1.id, &m2.id, &na.id, &nb.id],
        );
        return (f, Contract::Valid, vec![]);
    }
    if let Some(a) = abort {
        let f = finding(
            Question::Q7,
            "Q7.aborted",
            "no contract: the exchange was aborted",
            &[&m1.id, &a.id],
        );
        return (f, Contract::Aborted, vec![]);
    }
    if let Some(m2) = m2 {
        let f = finding(
            Question::Q7,
            "Q7.undecided",
            "m1 and m2 without a decision: the notary resolves it",
            &[&m1.id, &m2.id],
        );
        return (f, Contract::Undecided(tid.to_string()), vec![]);
    }
    let f = finding(
        Question::Q7,
        "Q7.no_acceptance",
        "m1 without an acceptance: the notary aborts it",
        &[&m1.id],
    );
    (f, Contract::Unaccepted(tid.to_string()), vec![])
}

/// Q8: the claim was filed within the policy's dispute window after the transaction: the
/// order's latest signing time, or else the exchange's decision.
pub(super) fn q8(case: &Case, order: Option<&Item>) -> (Finding, bool) {
    let anchor = order
        .and_then(|o| {
            case.latest(&o.id)
                .map(|l| (l.at, vec![o.id.as_str(), l.by.as_str()]))
        })
        .or_else(|| {
            let tid = case.tid(order)?;
            let d = case.of_tid(&tid, |c| c.notary_time().is_some())?;
            Some((d.content.notary_time()?, vec![d.id.as_str()]))
        });
    let Some((at, by)) = anchor else {
        return (
            finding(
                Question::Q8,
                "Q8.undetermined",
                "no time for the transaction: the window is not applied",
                &[],
            ),
            true,
        );
    };
    let end = TimeDelta::try_seconds(case.policy.dispute_window_s)
        .and_then(|w| at.at().checked_add_signed(w));
    let filed = case.claim.filed_at.at();
    let within = end.is_none_or(|e| filed <= e);
    let end_text = end.map(rfc3339_ms).unwrap_or_default();
    let (rule, answer) = if within {
        (
            "Q8.within_window",
            format!(
                "filed {} within the window ending {end_text}",
                rfc3339_ms(filed)
            ),
        )
    } else {
        (
            "Q8.expired",
            format!(
                "filed {} after the window ended {end_text}",
                rfc3339_ms(filed)
            ),
        )
    };
    (finding(Question::Q8, rule, answer, &by), within)
}
