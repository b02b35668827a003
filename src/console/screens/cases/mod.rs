//! Screen 6's state: the cases ready for a ruling (complaints answered or silent) and the open
//! case's replay, stepped through item by item (its timeline), then its findings, allocation
//! and actions; signing the ruling goes through the trusted dialog ([`plan`]). Nothing in here
//! does I/O.

pub mod plan;
pub mod update;
pub mod view;

use std::collections::BTreeMap;

use crate::api::admin::proto::{ComplaintItem, ComplaintStatus, RulingItem};
use crate::console::screens::exchanges::Listed;
use crate::model::dispute::Ruling;
use crate::model::money::Money;

/// Complaints asked for per poll (the cases are those of them answered or silent).
pub const CASES_LIMIT: u32 = 200;
/// Timeline items and findings kept of one replay, whatever the server sends.
pub const REPLAY_ITEMS_MAX: usize = 1_000;

/// The screen's own actions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CasesAction {
    /// `Enter`: replay the selected case.
    Open,
    /// `→` / `n`: the next step of the replay.
    Next,
    /// `←` / `p`: the previous step.
    Prev,
    /// `s`: sign the replayed ruling, after confirmation.
    Sign,
    /// `w`: withdraw the case's pending proposal, with a reason, after confirmation.
    Withdraw,
}

/// A case can be ruled once the respondent answered or let the deadline pass, until it is ruled.
pub fn rulable(c: &ComplaintItem) -> bool {
    let ready = matches!(
        c.status,
        ComplaintStatus::Answered | ComplaintStatus::Silent
    );
    // A ruled case is done: it listed as unruled and offered signing, which the notary then
    // refused (`already_ruled`). A proposed one stays, for the second arbitrator.
    ready && c.ruling.as_deref() != Some("ruled")
}

/// The open case's replay: its list line until the ruling arrives, then the ruling.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Replayed {
    /// The case as listed.
    pub item: ComplaintItem,
    /// The model's ruling and the digest of the bundle it replayed, once they arrived.
    pub ruling: Option<(Box<Ruling>, String)>,
    /// Who proposed that ruling, when it is the case's pending proposal (`s` confirms it).
    pub proposed_by: Option<String>,
    /// The amount of each guarantee the ruling releases or holds, as the notary gave it.
    pub guarantees: BTreeMap<String, Money>,
    /// Why the replay could not be had.
    pub error: Option<String>,
    /// The notary's refusal of the last sign, confirm or withdraw asked here, in full, shown
    /// above the findings: the status line cuts it (s12 M4: a `ruling_changed` refusal, whose
    /// list of what changed is what to read next, ended in `…`).
    pub refusal: Option<String>,
    /// The step shown: a timeline item, or (one past the last item) the ruling's findings.
    pub step: usize,
    /// First line shown of the findings.
    pub scroll: usize,
    /// The notary's answer to signing: ruled, or proposed for a second arbitrator.
    pub answer: Option<RulingItem>,
}

impl Replayed {
    /// The replay of `item`, still to come.
    pub fn new(item: ComplaintItem) -> Self {
        Replayed {
            item,
            ruling: None,
            proposed_by: None,
            guarantees: BTreeMap::new(),
            error: None,
            refusal: None,
            step: 0,
            scroll: 0,
            answer: None,
        }
    }

    /// Takes the ruling the notary replayed, bounded; the stepper starts at the first item.
    pub fn set_ruling(&mut self, mut ruling: Ruling, bundle_digest: String) {
        ruling.items.truncate(REPLAY_ITEMS_MAX);
        ruling.findings.truncate(REPLAY_ITEMS_MAX);
        ruling.actions.truncate(REPLAY_ITEMS_MAX);
        if let Some(c) = ruling.counter_claim.as_mut() {
            c.items.clear();
            c.findings.truncate(REPLAY_ITEMS_MAX);
            c.actions.truncate(REPLAY_ITEMS_MAX);
            c.counter_claim = None;
        }
        self.ruling = Some((Box::new(ruling), bundle_digest));
        self.error = None;
        self.step = 0;
        self.scroll = 0;
    }

    /// The last step: the findings page, after every timeline item.
    pub fn last_step(&self) -> usize {
        self.ruling.as_ref().map_or(0, |(r, _)| r.items.len())
    }

    /// True when the findings page is shown.
    pub fn on_findings(&self) -> bool {
        self.ruling.is_some() && self.step >= self.last_step()
    }

    /// Who proposed the case's pending proposal: the one the replay showed, or the one this
    /// console just made (the notary answered `proposed`).
    pub fn pending_proposal(&self) -> Option<&str> {
        match &self.answer {
            Some(a) if a.status == "proposed" => Some(a.arbitrator.as_str()),
            Some(_) => None,
            None => self.proposed_by.as_deref(),
        }
    }

    /// True when the case's pending proposal is `arbitrator`'s: someone else must confirm it.
    pub fn proposed_by(&self, arbitrator: &str) -> bool {
        self.pending_proposal() == Some(arbitrator)
    }

    /// Forgets the replay and the answer, so the next poll replays the case afresh.
    pub fn replay_again(&mut self) {
        *self = Replayed::new(self.item.clone());
    }
}

/// The cases screen.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CasesView {
    /// The cases ready for a ruling, by response deadline.
    pub cases: Listed<ComplaintItem>,
    /// The case being replayed, if any.
    pub open: Option<Replayed>,
    /// The case and proposer whose proposal the open prompt asks a withdrawal reason for.
    pub withdraw_for: Option<(ComplaintItem, String)>,
}

#[cfg(test)]
mod tests;
