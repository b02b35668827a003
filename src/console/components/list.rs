//! The two browsable lists and their selection rules. Selections are kept by identity (a
//! timestamp's serial, an entry's index), so a refresh that adds rows above does not move the
//! arbitrator's cursor to another record. Only a window of rows is ever rendered.

use crate::api::admin::proto::{EntryItem, TimestampItem};

use crate::console::action::Move;
use crate::console::screens::log::verify::{CheckpointRow, VerifyOutcome};

/// Rows kept in a list at most, whatever the server sends.
pub const LIST_ITEMS_MAX: usize = 100_000;
/// Entries asked for per `Entries` request.
pub const ENTRIES_FETCH: u32 = 100;
/// Entry fetches start at a multiple of this, a little before the visible window.
const ENTRIES_ALIGN: u64 = 25;

/// The first visible row so that `selected` is inside a window of `rows` rows starting as close
/// to `offset` as possible.
pub fn scroll_into_view(offset: u64, selected: u64, rows: u64) -> u64 {
    let rows = rows.max(1);
    if selected < offset {
        selected
    } else if selected >= offset + rows {
        selected + 1 - rows
    } else {
        offset
    }
}

/// `cur` moved by `m` within `0..len`, a page being `rows`.
pub fn moved(cur: u64, len: u64, m: Move, rows: u64) -> u64 {
    let last = len.saturating_sub(1);
    let page = rows.max(1);
    match m {
        Move::Up => cur.saturating_sub(1),
        Move::Down => (cur + 1).min(last),
        Move::PageUp => cur.saturating_sub(page),
        Move::PageDown => (cur + page).min(last),
        Move::Top => 0,
        Move::Bottom => last,
    }
}

/// What the timestamps screen lists.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum TimestampMode {
    /// The most recent timestamps, newest first.
    #[default]
    Recent,
    /// Timestamps over one imprint.
    Search {
        /// The imprint, lowercase hex.
        imprint: String,
        /// Where it came from (a path, or "digest"), for the title.
        source: String,
    },
}

/// The timestamps screen's list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TimestampList {
    /// Recent or search results.
    pub mode: TimestampMode,
    /// The rows, newest first.
    pub items: Vec<TimestampItem>,
    /// Selected row.
    pub selected: usize,
    /// First visible row.
    pub offset: usize,
    /// True once an answer arrived for the current mode.
    pub loaded: bool,
}

impl TimestampList {
    /// The selected record.
    pub fn selected_item(&self) -> Option<&TimestampItem> {
        self.items.get(self.selected)
    }

    /// Replaces the rows, keeping the same record selected (by serial). The window stays where
    /// it was (moving only to keep the selection visible), so new records show up at the top.
    pub fn replace(&mut self, mut items: Vec<TimestampItem>, rows: usize) {
        items.truncate(LIST_ITEMS_MAX);
        let keep = self.selected_item().map(|i| i.serial);
        let new_selected = keep
            .and_then(|serial| items.iter().position(|i| i.serial == serial))
            .unwrap_or_else(|| self.selected.min(items.len().saturating_sub(1)));
        self.items = items;
        self.selected = new_selected;
        self.rescroll(rows);
        self.loaded = true;
    }

    /// Switches what is listed; the rows are cleared until the answer comes.
    pub fn set_mode(&mut self, mode: TimestampMode) {
        *self = TimestampList {
            mode,
            ..TimestampList::default()
        };
    }

    /// Moves the selection.
    pub fn move_selection(&mut self, m: Move, rows: usize) {
        if self.items.is_empty() {
            return;
        }
        let sel = moved(
            self.selected as u64,
            self.items.len() as u64,
            m,
            rows as u64,
        );
        self.selected = sel as usize;
        self.rescroll(rows);
    }

    /// Keeps the selection visible in a window of `rows`.
    pub fn rescroll(&mut self, rows: usize) {
        self.offset =
            scroll_into_view(self.offset as u64, self.selected as u64, rows as u64) as usize;
    }
}

/// The log screen: checkpoints, a window of entries, the last proof check.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LogView {
    /// Recent checkpoints, newest first, each with its signature check.
    pub checkpoints: Vec<CheckpointRow>,
    /// Index of `entries[0]`.
    pub entries_start: u64,
    /// A contiguous run of entries, ascending.
    pub entries: Vec<EntryItem>,
    /// Selected entry index (absolute), once the log size is known.
    pub selected: Option<u64>,
    /// First visible entry index.
    pub offset: u64,
    /// Log size, from `Status` (or larger, if entries beyond it arrived).
    pub log_size: u64,
    /// The last inclusion-proof check.
    pub verify: Option<VerifyOutcome>,
}

impl LogView {
    /// The cached entry at `index`.
    pub fn entry(&self, index: u64) -> Option<&EntryItem> {
        let i = usize::try_from(index.checked_sub(self.entries_start)?).ok()?;
        self.entries.get(i).filter(|e| e.index == index)
    }

    /// Records the log size; the first time, selects the newest entry.
    pub fn set_log_size(&mut self, size: u64, rows: usize) {
        self.log_size = self.log_size.max(size);
        if self.selected.is_none() && self.log_size > 0 {
            self.select(self.log_size - 1, rows);
        }
    }

    /// Selects entry `index` (clamped to the log).
    pub fn select(&mut self, index: u64, rows: usize) {
        if self.log_size == 0 {
            return;
        }
        let index = index.min(self.log_size - 1);
        self.selected = Some(index);
        self.offset = scroll_into_view(self.offset, index, rows as u64);
    }

    /// Moves the selection.
    pub fn move_selection(&mut self, m: Move, rows: usize) {
        let cur = self.selected.unwrap_or(0);
        let to = moved(cur, self.log_size, m, rows as u64);
        self.select(to, rows);
    }

    /// Keeps the selection visible in a window of `rows`.
    pub fn rescroll(&mut self, rows: usize) {
        if let Some(sel) = self.selected {
            self.offset = scroll_into_view(self.offset, sel, rows as u64);
        }
    }

    /// The `(start, limit)` to fetch so the visible window is cached, or `None` when it is.
    pub fn wanted_fetch(&self, rows: usize) -> Option<(u64, u32)> {
        let end = (self.offset + rows as u64).min(self.log_size);
        let covered = |i: u64| self.entry(i).is_some();
        if self.offset >= end || (covered(self.offset) && covered(end - 1)) {
            return None;
        }
        let start = self.offset.saturating_sub(ENTRIES_ALIGN) / ENTRIES_ALIGN * ENTRIES_ALIGN;
        Some((start, ENTRIES_FETCH))
    }

    /// Stores a page of entries. They must be contiguous and ascending; the cache is replaced.
    pub fn store_entries(&mut self, mut items: Vec<EntryItem>) -> Result<(), String> {
        items.truncate(LIST_ITEMS_MAX);
        let Some(first) = items.first().map(|e| e.index) else {
            return Ok(());
        };
        let contiguous = items
            .iter()
            .enumerate()
            .all(|(i, e)| first.checked_add(i as u64) == Some(e.index));
        if !contiguous {
            return Err("the notary sent entries that are not contiguous".into());
        }
        self.log_size = self.log_size.max(first + items.len() as u64);
        self.entries_start = first;
        self.entries = items;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(serial: u64) -> TimestampItem {
        TimestampItem {
            serial,
            gen_time: "2025-01-01T00:00:00.000Z".into(),
            hash_alg: "sha256".into(),
            imprint: format!("{serial:064x}"),
            operator: None,
        }
    }

    fn entry(index: u64) -> EntryItem {
        EntryItem {
            index,
            kind: "timestamp".into(),
            logged_at: "2025-01-01T00:00:00.000Z".into(),
            operator: None,
            raw: "{}".into(),
        }
    }

    #[test]
    fn scroll_moves_the_window_as_little_as_possible() {
        assert_eq!(scroll_into_view(0, 3, 10), 0);
        assert_eq!(scroll_into_view(0, 10, 10), 1);
        assert_eq!(scroll_into_view(5, 2, 10), 2);
        assert_eq!(scroll_into_view(5, 7, 0), 7);
    }

    #[test]
    fn refresh_keeps_the_selected_serial() {
        let mut l = TimestampList::default();
        l.replace((0..30).rev().map(ts).collect(), 10);
        l.move_selection(Move::Down, 10);
        l.move_selection(Move::Down, 10);
        assert_eq!(l.selected_item().map(|i| i.serial), Some(27));
        // Three newer stamps arrive on top.
        l.replace((0..33).rev().map(ts).collect(), 10);
        assert_eq!(l.selected_item().map(|i| i.serial), Some(27));
        assert_eq!(l.selected, 5);
        assert_eq!(l.offset, 0, "the window stays, the new stamps show on top");
    }

    #[test]
    fn refresh_without_the_selected_serial_clamps() {
        let mut l = TimestampList::default();
        l.replace((0..30).rev().map(ts).collect(), 10);
        l.move_selection(Move::Bottom, 10);
        l.replace((100..105).rev().map(ts).collect(), 10);
        assert_eq!(l.selected, 4);
        l.replace(Vec::new(), 10);
        assert_eq!(l.selected, 0);
        assert!(l.selected_item().is_none());
    }

    #[test]
    fn log_selects_newest_first_and_fetches_the_visible_window() {
        let mut v = LogView::default();
        v.set_log_size(1_000, 10);
        assert_eq!(v.selected, Some(999));
        assert_eq!(v.offset, 990);
        let (start, limit) = v.wanted_fetch(10).expect("nothing cached yet");
        assert!(start <= 990 && start + u64::from(limit) >= 1_000);
        v.store_entries((start..1_000).map(entry).collect())
            .expect("contiguous");
        assert_eq!(v.wanted_fetch(10), None);
        // Growth does not move the selection.
        v.set_log_size(1_200, 10);
        assert_eq!(v.selected, Some(999));
        v.move_selection(Move::PageUp, 10);
        assert_eq!(v.selected, Some(989));
    }

    #[test]
    fn non_contiguous_entries_are_refused() {
        let mut v = LogView::default();
        let err = v.store_entries(vec![entry(1), entry(3)]);
        assert!(err.is_err());
        assert!(v.entries.is_empty());
    }
}
