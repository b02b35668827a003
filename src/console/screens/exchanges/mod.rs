//! Screen 5's state: the complaint queue (by response deadline) and the exchanges the notary
//! knows of, the open case with its detail, and what an arbitrator does with a case (take it,
//! add a note: [`plan`]). Plus the formats its views and dialogs share. Nothing in here does I/O.

pub mod plan;
pub mod update;
pub mod view;

use crate::api::admin::proto::{
    ComplaintDetail, ComplaintItem, ComplaintStatus, ExchangeItem, ExchangeStatus, Outcome,
    Protocol,
};
use crate::console::components::list::{Keyed, SelectList};
use crate::console::components::text::fit;
use crate::console::sanitize::{display_width, sanitize_prefix};

/// Exchanges asked for per poll.
pub const EXCHANGES_LIMIT: u32 = 200;
/// Complaints asked for per poll.
pub const COMPLAINTS_LIMIT: u32 = 200;
/// Evidence items and history events kept of one case, whatever the server sends.
pub const CASE_ITEMS_MAX: usize = 1_000;

impl Keyed for ExchangeItem {
    type Key = String;

    fn key(&self) -> &String {
        &self.tid
    }
}

impl Keyed for ComplaintItem {
    type Key = String;

    fn key(&self) -> &String {
        &self.complaint_id
    }
}

/// Which list has the selection.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Focus {
    /// The complaint queue.
    #[default]
    Complaints,
    /// The exchanges.
    Exchanges,
}

/// The screen's own actions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExchangesAction {
    /// `Enter`: open the selected complaint's case.
    OpenCase,
    /// `e`: move the selection to the other list.
    ToggleFocus,
    /// `t`: take the open (or selected) case, after confirmation.
    TakeCase,
    /// `n`: add a note to the open (or selected) case: a prompt, then confirmation.
    AddNote,
}

/// A list as last answered, or why it could not be had.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listed<T: Keyed> {
    /// The rows and the selection.
    pub list: SelectList<T, ()>,
    /// The notary's error for the last request (e.g. `not built yet`), until an answer comes.
    pub error: Option<String>,
}

impl<T: Keyed> Default for Listed<T> {
    fn default() -> Self {
        Listed {
            list: SelectList::default(),
            error: None,
        }
    }
}

impl<T: Keyed> Listed<T> {
    /// The notary's answer: the rows replace the old ones, the error is forgotten.
    pub fn answered(&mut self, items: Vec<T>, rows: usize) {
        self.list.replace(items, rows);
        self.error = None;
    }

    /// The notary's refusal: shown instead of the rows until an answer comes.
    pub fn failed(&mut self, why: &str) {
        self.error = Some(why.to_string());
        self.list.loaded = true;
    }
}

/// The open case: its queue line until the detail arrives, then the detail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Case {
    /// The queue's line for it (kept current from the detail).
    pub item: ComplaintItem,
    /// The whole case, once it arrived.
    pub detail: Option<ComplaintDetail>,
    /// First line shown of the detail.
    pub scroll: usize,
    /// Why the detail could not be had.
    pub error: Option<String>,
}

impl Case {
    /// The case of `item`, its detail still to come.
    pub fn new(item: ComplaintItem) -> Self {
        Case {
            item,
            detail: None,
            scroll: 0,
            error: None,
        }
    }

    /// Takes the detail the notary sent, bounded.
    pub fn set_detail(&mut self, mut detail: ComplaintDetail) {
        detail.evidence.truncate(CASE_ITEMS_MAX);
        detail.history.truncate(CASE_ITEMS_MAX);
        if let Some(r) = &mut detail.response {
            r.evidence.truncate(CASE_ITEMS_MAX);
        }
        self.item = detail.item.clone();
        self.detail = Some(detail);
        self.error = None;
    }
}

/// The exchanges and complaints screen.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExchangesView {
    /// Which list has the selection.
    pub focus: Focus,
    /// The complaint queue, by deadline.
    pub complaints: Listed<ComplaintItem>,
    /// The exchanges, undecided first.
    pub exchanges: Listed<ExchangeItem>,
    /// The open case, if any.
    pub case: Option<Case>,
    /// The case a note is being typed for.
    pub note_for: Option<ComplaintItem>,
}

impl ExchangesView {
    /// The case an action applies to: the open one, else the selected complaint.
    pub fn target(&self) -> Option<&ComplaintItem> {
        match (&self.case, self.focus) {
            (Some(case), _) => Some(&case.item),
            (None, Focus::Complaints) => self.complaints.list.selected_item(),
            (None, Focus::Exchanges) => None,
        }
    }
}

/// The queue in the order an arbitrator works it: cases still waiting (open, answered,
/// silent) by response deadline, the earliest first; settled ones after them, as sent.
pub fn queue_order(items: &mut [ComplaintItem]) {
    let settled = |c: &ComplaintItem| c.status == ComplaintStatus::Settled;
    items.sort_by(|a, b| {
        settled(a).cmp(&settled(b)).then_with(|| {
            if settled(a) {
                std::cmp::Ordering::Equal
            } else {
                a.response_deadline.cmp(&b.response_deadline)
            }
        })
    });
}

/// The marks of a complaint, in capitals so they read without colour: `RULED`, `PROPOSED`
/// (a ruling awaits a second arbitrator), `OVERDUE` (open and past its deadline), `SILENT` (the
/// respondent let it pass).
pub fn mark(c: &ComplaintItem) -> &'static str {
    match c.ruling.as_deref() {
        Some("ruled") => return "RULED",
        Some("proposed") => return "PROPOSED",
        _ => {}
    }
    match (c.status, c.overdue) {
        (ComplaintStatus::Silent, _) => "SILENT",
        (_, true) => "OVERDUE",
        _ => "",
    }
}

/// `2025-03-02T12:00:00.000Z` → `2025-03-02 12:00` (UTC); other text as sent, sanitised.
pub fn minute(rfc3339: &str) -> String {
    match rfc3339.get(..16) {
        Some(t) if rfc3339.as_bytes().get(10) == Some(&b'T') => {
            sanitize_prefix(&t.replacen('T', " ", 1), 16)
        }
        _ => sanitize_prefix(rfc3339, 24),
    }
}

/// A party as shown: its name, else its id (both sanitised).
pub fn party(name: &str, id: &str) -> String {
    if name.is_empty() {
        sanitize_prefix(id, 40)
    } else {
        sanitize_prefix(name, 40)
    }
}

/// `Bob → Shop`.
pub fn parties(from_name: &str, from_id: &str, to_name: &str, to_id: &str) -> String {
    format!("{} → {}", party(from_name, from_id), party(to_name, to_id))
}

/// [`parties`] in at most `width` columns: each name cut to its share (`Cara M… → Nordwi…`)
/// rather than the line cut at its end, which lost the respondent (s12 L2).
pub fn parties_fit(
    (from_name, from_id): (&str, &str),
    (to_name, to_id): (&str, &str),
    width: usize,
) -> String {
    let full = parties(from_name, from_id, to_name, to_id);
    if display_width(&full) <= width {
        return full;
    }
    // A short name keeps all of itself, the other gets the rest; else each half.
    let (from, to) = (party(from_name, from_id), party(to_name, to_id));
    let room = width.saturating_sub(3);
    let (fw, tw) = (display_width(&from), display_width(&to));
    let from_w = match (fw <= room / 2, tw <= room / 2) {
        (true, _) => fw,
        (false, true) => room - tw,
        (false, false) => room / 2,
    };
    format!("{} → {}", fit(&from, from_w), fit(&to, room - from_w))
}

/// The protocol's wire name.
pub fn protocol_name(p: Protocol) -> &'static str {
    match p {
        Protocol::Contract => "contract",
        Protocol::Item => "item",
    }
}

/// The exchange's state's wire name.
pub fn state_name(s: ExchangeStatus) -> &'static str {
    match s {
        ExchangeStatus::Undecided => "undecided",
        ExchangeStatus::Aborted => "aborted",
        ExchangeStatus::Resolved => "resolved",
    }
}

/// The outcome's wire name, `-` while undecided.
pub fn outcome_name(o: Option<Outcome>) -> &'static str {
    o.map_or("-", Outcome::name)
}

#[cfg(test)]
mod tests;
