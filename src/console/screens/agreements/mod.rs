//! The agreements screen's state: the agreements and parties lists (with their searches), the
//! open detail (an agreement with its keys and guarantees, or a party with its keys), the live
//! feed of guarantee events, the known policies, and the half-typed input of an action that
//! asks several questions before its confirmation dialog. Plus the money and id formats the
//! views and the dialogs share. Nothing in here does I/O.

pub mod actions;
pub mod plans;
pub mod poll;
pub mod update;
pub mod view;

use std::collections::BTreeMap;

use crate::api::admin::proto::{
    AgreementItem, EntryKind, FeedItem, GuaranteeItem, KeyItem, KeyStanding, PartyItem, PolicyItem,
    TokenChange,
};
use crate::model::money::{Currency, Money};
use crate::model::registry::AgreementStatus;

use crate::console::components::list::{moved, Keyed, Move, SelectList};
use crate::console::sanitize::sanitize_prefix;

/// Feed events asked for per poll.
pub const FEED_LIMIT: u32 = 100;
/// Guarantees asked for with an agreement's detail.
pub const DETAIL_GUARANTEES_LIMIT: u32 = 100;
/// Keys shown in a detail at most (an agreement holds at most 32).
pub const DETAIL_KEYS_MAX: usize = 64;
/// Id-to-name entries remembered at most; the cache is emptied beyond it.
pub const NAMES_MAX: usize = 10_000;

/// Which list the screen shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Pane {
    /// Agreements with their exposure.
    #[default]
    Agreements,
    /// Buyers and sellers.
    Parties,
}

impl Keyed for AgreementItem {
    type Key = String;

    fn key(&self) -> &String {
        &self.id
    }
}

impl Keyed for PartyItem {
    type Key = String;

    fn key(&self) -> &String {
        &self.id
    }
}

/// A searchable list with a selection kept by id; the query is the search text.
pub type PickList<T> = SelectList<T, String>;

/// The screen's own actions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AgreementsAction {
    /// `Enter`: open the selected agreement or party.
    OpenDetail,
    /// `p`: switch between the agreements and the parties list.
    TogglePane,
    /// `n`: register a party (asks name and role, then confirms).
    NewParty,
    /// `c`: create an agreement for the selected buyer (asks policy and caps, then confirms).
    NewAgreement,
    /// `x`: revoke the selected key of the open agreement or party (asks why, then confirms).
    RevokeKey,
    /// `s` / `u` / `e`: suspend, resume or end the selected agreement (asks why, then confirms).
    SetAgreementStatus(AgreementStatus),
    /// `t` / `T`: rotate or revoke the API token of the open or selected seller (confirms).
    SellerToken(TokenChange),
}

/// An open agreement: its figures (from the list until the detail arrives), keys and
/// guarantees.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AgreementDetail {
    /// The agreement.
    pub agreement: AgreementItem,
    /// Its keys with their revocation state.
    pub keys: Vec<KeyItem>,
    /// Its guarantees, newest first.
    pub guarantees: Vec<GuaranteeItem>,
    /// The selected key (for revocation).
    pub selected_key: usize,
    /// True once the detail answer arrived.
    pub loaded: bool,
}

/// An open party: its keys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartyDetail {
    /// The party.
    pub party: PartyItem,
    /// Its keys with their revocation state.
    pub keys: Vec<KeyItem>,
    /// The selected key (for revocation).
    pub selected_key: usize,
    /// True once the detail answer arrived.
    pub loaded: bool,
    /// Start creating an agreement as soon as the keys are known (`c` on the list).
    pub then_create: bool,
}

impl AgreementDetail {
    /// The detail of `agreement`, keys and guarantees still to come.
    pub fn new(agreement: AgreementItem) -> Self {
        AgreementDetail {
            agreement,
            keys: Vec::new(),
            guarantees: Vec::new(),
            selected_key: 0,
            loaded: false,
        }
    }
}

impl PartyDetail {
    /// The detail of `party`, keys still to come.
    pub fn new(party: PartyItem, then_create: bool) -> Self {
        PartyDetail {
            party,
            keys: Vec::new(),
            selected_key: 0,
            loaded: false,
            then_create,
        }
    }
}

/// What Enter opened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Detail {
    /// One agreement.
    Agreement(Box<AgreementDetail>),
    /// One party.
    Party(PartyDetail),
}

impl Detail {
    /// The id of what is open.
    pub fn id(&self) -> &str {
        match self {
            Detail::Agreement(d) => &d.agreement.id,
            Detail::Party(d) => &d.party.id,
        }
    }

    /// The selected key, if any.
    pub fn key(&self) -> Option<&KeyItem> {
        self.keys().get(self.selected_key())
    }

    /// The keys shown, in order.
    pub fn keys(&self) -> &[KeyItem] {
        match self {
            Detail::Agreement(d) => &d.keys,
            Detail::Party(d) => &d.keys,
        }
    }

    /// The selected key's row.
    pub fn selected_key(&self) -> usize {
        match self {
            Detail::Agreement(d) => d.selected_key,
            Detail::Party(d) => d.selected_key,
        }
    }

    /// Moves the key selection within the keys shown.
    pub fn move_key(&mut self, m: Move) {
        let len = self.keys().len() as u64;
        let cur = self.selected_key() as u64;
        let to = if len == 0 { 0 } else { moved(cur, len, m, 5) } as usize;
        match self {
            Detail::Agreement(d) => d.selected_key = to,
            Detail::Party(d) => d.selected_key = to,
        }
    }
}

/// An action's answers so far, while its prompts are open.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Draft {
    /// Registering a party: the name is known, the role is asked next.
    Party {
        /// The display name typed.
        name: String,
    },
    /// Creating an agreement for a buyer.
    Agreement {
        /// The buyer.
        buyer: PartyItem,
        /// The buyer's keys in good standing, bound to the agreement.
        keys: Vec<String>,
        /// The policy chosen (after the first prompt).
        policy: Option<PolicyItem>,
        /// The overall cap typed (after the second prompt), minor units.
        total_cap_minor: Option<i64>,
    },
    /// Revoking a key: the reason is asked.
    Revoke {
        /// The key.
        key: KeyItem,
        /// Its owner's name, as shown.
        owner: String,
    },
    /// Changing an agreement's status: the reason is asked.
    Status {
        /// The agreement as last loaded.
        agreement: AgreementItem,
        /// The new status.
        to: AgreementStatus,
    },
}

/// The agreements screen.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AgreementsView {
    /// Agreements or parties.
    pub pane: Pane,
    /// The agreements list.
    pub agreements: PickList<AgreementItem>,
    /// The parties list.
    pub parties: PickList<PartyItem>,
    /// What Enter opened, if anything.
    pub detail: Option<Detail>,
    /// Recent guarantee events, newest first.
    pub feed: Vec<FeedItem>,
    /// True once a feed answer arrived.
    pub feed_loaded: bool,
    /// Known policy versions.
    pub policies: Vec<PolicyItem>,
    /// True once the policies arrived.
    pub policies_loaded: bool,
    /// Party ids and agreement ids to the name shown for them (the buyer's, for agreements).
    pub names: BTreeMap<String, String>,
    /// An action being typed.
    pub draft: Option<Draft>,
}

impl AgreementsView {
    /// Remembers `id` → `name` for the feed and the dialogs.
    pub fn remember(&mut self, id: &str, name: &str) {
        if self.names.len() >= NAMES_MAX && !self.names.contains_key(id) {
            self.names.clear();
        }
        self.names.insert(id.to_string(), name.to_string());
    }

    /// The name shown for party or agreement `id` (sanitised), else a short form of the id.
    pub fn shown_name(&self, id: &str) -> String {
        self.names
            .get(id)
            .map(|n| sanitize_prefix(n, 40))
            .unwrap_or_else(|| short_id(id))
    }

    /// The latest version of policy `id`.
    pub fn policy(&self, id: &str) -> Option<&PolicyItem> {
        self.policies
            .iter()
            .filter(|p| p.id == id)
            .max_by_key(|p| p.version)
    }

    /// The policy ids, each once, in the notary's order.
    pub fn policy_ids(&self) -> Vec<&str> {
        let mut ids: Vec<&str> = Vec::new();
        for p in &self.policies {
            if !ids.contains(&p.id.as_str()) {
                ids.push(&p.id);
            }
        }
        ids
    }
}

/// How many of each event the feed holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FeedCounts {
    /// Guarantees granted.
    pub granted: u64,
    /// Requests refused.
    pub refused: u64,
    /// Guarantees settled.
    pub settled: u64,
    /// Guarantees released (by a seller, a ruling or expiry).
    pub released: u64,
}

impl FeedCounts {
    /// Counts the events in `feed`.
    pub fn of(feed: &[FeedItem]) -> Self {
        let mut c = FeedCounts::default();
        for e in feed {
            match e.kind {
                EntryKind::Guarantee => c.granted += 1,
                EntryKind::Refusal => c.refused += 1,
                EntryKind::Settlement => c.settled += 1,
                EntryKind::Release => c.released += 1,
                _ => {}
            }
        }
        c
    }
}

/// The word shown for a feed event kind; refusals in capitals, so they stand out without colour.
pub fn event_label(kind: EntryKind) -> String {
    match kind {
        EntryKind::Guarantee => "granted".into(),
        EntryKind::Refusal => "REFUSED".into(),
        EntryKind::Settlement => "settled".into(),
        EntryKind::Release => "released".into(),
        other => sanitize_prefix(other.as_str(), 12),
    }
}

/// `75000, "EUR"` → `750.00 EUR`; an unknown currency code is shown as sent (sanitised).
pub fn money(minor: i64, currency: &str) -> String {
    match Currency::parse(currency) {
        Ok(currency) => Money { minor, currency }.to_string(),
        Err(_) => format!("{minor} {}", sanitize_prefix(currency, 8)),
    }
}

/// `75000, "EUR"` → `750.00` (the number alone).
pub fn amount(minor: i64, currency: &str) -> String {
    let text = money(minor, currency);
    match text.rsplit_once(' ') {
        Some((number, _)) => number.to_string(),
        None => text,
    }
}

/// `750.00 / 1000.00 EUR`.
pub fn exposure_text(a: &AgreementItem) -> String {
    format!(
        "{} / {}",
        amount(a.exposure_minor, &a.currency),
        money(a.total_cap_minor, &a.currency)
    )
}

/// Exposure over total cap, clamped to 0..=1 (a gauge must not overflow on bad data).
pub fn exposure_ratio(a: &AgreementItem) -> f64 {
    if a.total_cap_minor <= 0 {
        return 0.0;
    }
    (a.exposure_minor as f64 / a.total_cap_minor as f64).clamp(0.0, 1.0)
}

/// Whole percent of exposure over the total cap, rounded down (so 99.9 % never reads 100 %).
pub fn exposure_percent(a: &AgreementItem) -> u64 {
    if a.total_cap_minor <= 0 || a.exposure_minor <= 0 {
        return 0;
    }
    let pct = i128::from(a.exposure_minor) * 100 / i128::from(a.total_cap_minor);
    u64::try_from(pct).unwrap_or(0)
}

/// A short, still distinctive form of an id. UUIDv7 ids begin with their time, so two made
/// close together share a prefix: show their random end. Hex digests: show the start.
pub fn short_id(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    if chars.len() <= 10 {
        return sanitize_prefix(id, 10);
    }
    if id.contains('-') {
        let tail: String = chars[chars.len() - 8..].iter().collect();
        format!("…{}", sanitize_prefix(&tail, 8))
    } else {
        sanitize_prefix(id, 8)
    }
}

/// The time of day of an RFC 3339 instant (`12:03:04.500`), or the text cut, if it is not one.
pub fn time_of_day(rfc3339: &str) -> String {
    match rfc3339.get(11..23) {
        Some(t) if rfc3339.as_bytes().get(10) == Some(&b'T') => sanitize_prefix(t, 12),
        _ => sanitize_prefix(rfc3339, 12),
    }
}

/// `not_revoked` / `revoked at T (reason)` / other states by name (server text: sanitise it).
pub fn key_state(k: &KeyItem) -> String {
    match k.status {
        KeyStanding::Revoked => {
            let at = k.revoked_at.as_deref().unwrap_or("?");
            match &k.revocation_reason {
                Some(r) => format!("revoked at {at} ({r})"),
                None => format!("revoked at {at}"),
            }
        }
        other => other.as_str().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::console::tests::fixtures::{agreement, feed, party};

    #[test]
    fn money_and_exposure_read_as_amounts() {
        let a = agreement(1, 75_000, 100_000);
        assert_eq!(exposure_text(&a), "750.00 / 1000.00 EUR");
        assert_eq!(exposure_percent(&a), 75);
        assert!((exposure_ratio(&a) - 0.75).abs() < 1e-9);
        assert_eq!(money(5, "JPY"), "5 JPY");
        assert_eq!(money(5, "\x1b[31m"), "5 \\x1b[31m");
        let mut bad = a.clone();
        bad.exposure_minor = 300_000;
        assert_eq!(exposure_ratio(&bad), 1.0, "the gauge never overflows");
        bad.total_cap_minor = 0;
        assert_eq!(exposure_ratio(&bad), 0.0);
        assert_eq!(exposure_percent(&bad), 0);
        let mut almost = a;
        almost.exposure_minor = 99_999;
        assert_eq!(exposure_percent(&almost), 99);
    }

    #[test]
    fn short_ids_keep_the_distinctive_part() {
        assert_eq!(
            short_id("0195a3b2-7c4d-7e8f-9a0b-1c2d3e4f5a6b"),
            "…3e4f5a6b"
        );
        assert_eq!(short_id(&"ab".repeat(32)), "abababab…");
        assert_eq!(short_id("k1"), "k1");
    }

    #[test]
    fn refresh_keeps_the_selected_id() {
        let mut l = PickList::default();
        l.replace((0..10).map(party).collect(), 5);
        l.move_selection(Move::Down, 5);
        l.move_selection(Move::Down, 5);
        let id = l.selected_item().map(|p| p.id.clone());
        let mut more: Vec<_> = (0..12).map(party).collect();
        more.rotate_right(2);
        l.replace(more, 5);
        assert_eq!(l.selected_item().map(|p| p.id.clone()), id);
        assert_eq!(l.selected, 4);
    }

    #[test]
    fn feed_counts_by_kind() {
        let c = FeedCounts::of(&feed());
        assert_eq!((c.granted, c.refused, c.settled, c.released), (3, 2, 1, 1));
    }

    #[test]
    fn names_cache_is_bounded() {
        let mut v = AgreementsView::default();
        for i in 0..NAMES_MAX + 5 {
            v.remember(&i.to_string(), "x");
        }
        assert!(v.names.len() <= NAMES_MAX);
    }
}
