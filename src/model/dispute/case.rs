//! The admitted evidence of one case, with lookups the questions share.

use std::collections::BTreeMap;

use super::bounds::Bounds;
use super::ruling::{Bound, Finding, Question};
use super::types::{Claim, ClaimSubject, Content, Item, Registry};
use crate::model::money::Money;
use crate::model::policy::Policy;
use crate::model::registry::Agreement;

/// What the questions read: the claim, the admitted items (sorted by id) and their bounds.
pub(super) struct Case<'a> {
    pub claim: &'a Claim,
    pub registry: &'a Registry,
    pub agreement: &'a Agreement,
    pub policy: &'a Policy,
    pub items: Vec<&'a Item>,
    pub bounds: BTreeMap<&'a str, Bounds>,
    /// The items the rules may not rest on: only named, never relied on.
    pub refused: Vec<&'a Item>,
}

impl<'a> Case<'a> {
    /// The first admitted item (by id) that `f` accepts.
    pub fn find(&self, f: impl Fn(&Item) -> bool) -> Option<&'a Item> {
        self.items.iter().copied().find(|i| f(i))
    }

    /// Whether `item` embeds the digest of the item `id`.
    pub fn embeds(item: &Item, id: &str) -> bool {
        item.embeds.iter().any(|e| e == id)
    }

    /// The latest possible signing time of an admitted item.
    pub fn latest(&self, id: &str) -> Option<&Bound> {
        self.bounds.get(id).and_then(|b| b.latest.as_ref())
    }

    /// The earliest possible signing time of an admitted item.
    pub fn earliest(&self, id: &str) -> Option<&Bound> {
        self.bounds.get(id).and_then(|b| b.earliest.as_ref())
    }

    /// `minor` in the claim's currency.
    pub fn money(&self, minor: i64) -> Money {
        Money {
            minor,
            currency: self.claim.amount.currency,
        }
    }

    /// The exchange the claim is about: its subject, or the order's.
    pub fn tid(&self, order: Option<&Item>) -> Option<String> {
        match &self.claim.subject {
            ClaimSubject::Tid(t) => Some(t.clone()),
            _ => order.and_then(|o| o.content.tid()).map(str::to_string),
        }
    }

    /// The admitted offer (m1) of `tid`.
    pub fn offer(&self, tid: &str) -> Option<&'a Item> {
        self.find(|i| matches!(&i.content, Content::Offer { tid: t, .. } if t == tid))
    }

    /// The first admitted item of `tid` whose content `f` accepts.
    pub fn of_tid(&self, tid: &str, f: impl Fn(&Content) -> bool) -> Option<&'a Item> {
        self.find(|i| i.content.tid() == Some(tid) && f(&i.content))
    }
}

/// A finding; `evidence` is sorted and deduplicated here.
pub(super) fn finding(
    question: Question,
    rule_id: &str,
    answer: impl Into<String>,
    evidence: &[&str],
) -> Finding {
    let mut ids: Vec<String> = evidence.iter().map(|s| s.to_string()).collect();
    ids.sort();
    ids.dedup();
    Finding {
        question,
        answer: answer.into(),
        rule_id: rule_id.to_string(),
        evidence_ids: ids,
    }
}
