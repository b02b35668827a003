//! A counter-claim (docs/design.md §6.5): the respondent's claim against the claimant about the
//! same subject, filed with its answer. It is decided in the same ruling by the same rules on the
//! same evidence, as a claim of its own: the parties swapped, filed when the notary received the
//! answer. Its findings, allocation and actions are its own; the ruling carries it as
//! [`Ruling::counter_claim`].
//!
//! One thing ties the two parts: a guarantee the allocation of either part draws on (the buyer or
//! the notary pays) is not released by the other part, so one ruling never both draws on a
//! guarantee and frees it.

use super::adjudicate;
use super::ruling::{Action, Allocation, Ruling};
use super::types::{Claim, Item, Registry};
use crate::model::complaint::ComplaintKind;
use crate::model::exchange::WireTime;
use crate::model::money::Money;
use crate::model::policy::Policy;
use crate::model::registry::Agreement;

/// The counter-claim to `claim` as a claim: by its respondent against its claimant, about the
/// same subject, of `kind` for `amount`, filed at `filed_at` (the response receipt's time).
pub fn counter_claim_of(
    claim: &Claim,
    kind: ComplaintKind,
    amount: Money,
    filed_at: WireTime,
) -> Claim {
    Claim {
        kind,
        claimant: claim.respondent.clone(),
        respondent: claim.claimant.clone(),
        subject: claim.subject.clone(),
        amount,
        filed_at,
    }
}

/// Decides `claim` on `items` and, when there is one, the counter-claim on its items (the same
/// evidence, joined for the counter-claim), under the same registry, agreement and policy.
/// Without a counter-claim this is exactly [`adjudicate`].
pub fn adjudicate_with_counter(
    claim: &Claim,
    items: &[Item],
    counter: Option<(&Claim, &[Item])>,
    registry: &Registry,
    agreement: &Agreement,
    policy: &Policy,
) -> Ruling {
    let mut ruling = adjudicate(claim, items, registry, agreement, policy);
    let Some((counter_claim, counter_items)) = counter else {
        return ruling;
    };
    let mut counter = adjudicate(counter_claim, counter_items, registry, agreement, policy);
    if draws(&ruling.allocation) || draws(&counter.allocation) {
        keep_guarantees(&mut ruling.actions);
        keep_guarantees(&mut counter.actions);
    }
    ruling.counter_claim = Some(Box::new(counter));
    ruling
}

/// Whether the allocation makes someone pay on the guarantee: the buyer (under it) or the notary.
fn draws(a: &Allocation) -> bool {
    a.buyer_pays.minor > 0 || a.notary_pays.minor > 0
}

fn keep_guarantees(actions: &mut Vec<Action>) {
    actions.retain(|a| !matches!(a, Action::ReleaseGuarantee { .. }));
}
