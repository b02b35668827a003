//! Screen 3's state: the signed checkpoints (each checked here), a window of the log's entries
//! cached around the selection, and the outcome of the last inclusion-proof check. The
//! selection is an entry index, so growth of the log never moves it. Nothing in here does I/O.

pub mod update;
pub mod verify;
pub mod view;

use crate::api::admin::proto::EntryItem;
use crate::console::components::list::{moved, scroll_into_view, Move, LIST_ITEMS_MAX};

use verify::{CheckpointRow, VerifyOutcome};

/// Checkpoints asked for per poll.
pub const CHECKPOINTS_LIMIT: u32 = 20;
/// Entries asked for per `Entries` request.
pub const ENTRIES_FETCH: u32 = 100;
/// Entry fetches start at a multiple of this, a little before the visible window.
const ENTRIES_ALIGN: u64 = 25;

/// The screen's own actions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogAction {
    /// `v`: fetch and check the inclusion proof of the selected entry.
    Verify,
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

    fn entry(index: u64) -> EntryItem {
        EntryItem {
            index,
            kind: Some(crate::api::admin::proto::EntryKind::Timestamp),
            logged_at: "2025-01-01T00:00:00.000Z".into(),
            operator: None,
            raw: "{}".into(),
        }
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
