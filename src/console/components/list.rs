//! The one selectable, scrolling list every screen uses ([`SelectList`]), and the selection
//! rules behind it. Selections are kept by identity (a timestamp's serial, a party's id), so a
//! refresh that adds rows above does not move the arbitrator's cursor to another record. Only a
//! window of rows is ever rendered.

use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Row};
use ratatui::Frame;

use crate::console::sanitize::sanitize_prefix;
use crate::console::theme::Theme;

/// Rows kept in a list at most, whatever the server sends.
pub const LIST_ITEMS_MAX: usize = 100_000;

/// Selection movements.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Move {
    /// One row up.
    Up,
    /// One row down.
    Down,
    /// One page up.
    PageUp,
    /// One page down.
    PageDown,
    /// First row.
    Top,
    /// Last row.
    Bottom,
}

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

/// A list row with a stable identity, so a refresh keeps the cursor on the same record.
pub trait Keyed {
    /// What identifies the record.
    type Key: Clone + PartialEq + Eq + std::fmt::Debug;

    /// The record's identity.
    fn key(&self) -> &Self::Key;
}

/// The rows answering `query` (a search text, a mode), a selection kept by identity, and the
/// first visible row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SelectList<T: Keyed, Q> {
    /// What the rows answer; a new query clears them until its answer comes.
    pub query: Q,
    /// The rows as the notary sent them.
    pub items: Vec<T>,
    /// Selected row.
    pub selected: usize,
    /// First visible row.
    pub offset: usize,
    /// True once an answer arrived for the current query.
    pub loaded: bool,
    /// A record to select as soon as a refresh lists it (one just created).
    pub select_next: Option<T::Key>,
}

impl<T: Keyed, Q: Default> Default for SelectList<T, Q> {
    fn default() -> Self {
        SelectList::new(Q::default())
    }
}

impl<T: Keyed, Q> SelectList<T, Q> {
    /// An empty list waiting for the answer to `query`.
    pub fn new(query: Q) -> Self {
        SelectList {
            query,
            items: Vec::new(),
            selected: 0,
            offset: 0,
            loaded: false,
            select_next: None,
        }
    }

    /// The selected record.
    pub fn selected_item(&self) -> Option<&T> {
        self.items.get(self.selected)
    }

    /// Replaces the rows, keeping the same record selected (by identity) when it is still
    /// there, or selecting the awaited new one. The window stays where it was (moving only to
    /// keep the selection visible), so new records show up at the top.
    pub fn replace(&mut self, mut items: Vec<T>, rows: usize) {
        items.truncate(LIST_ITEMS_MAX);
        let position = |key: &T::Key| items.iter().position(|i| i.key() == key);
        let wanted = self.select_next.as_ref().and_then(position);
        if wanted.is_some() {
            self.select_next = None;
        }
        let kept = self.selected_item().and_then(|i| position(i.key()));
        let new_selected = wanted
            .or(kept)
            .unwrap_or_else(|| self.selected.min(items.len().saturating_sub(1)));
        self.items = items;
        self.selected = new_selected;
        self.rescroll(rows);
        self.loaded = true;
    }

    /// A new query: the rows are cleared until its answer comes.
    pub fn set_query(&mut self, query: Q) {
        *self = SelectList::new(query);
    }

    /// Moves the selection.
    pub fn move_selection(&mut self, m: Move, rows: usize) {
        if self.items.is_empty() {
            return;
        }
        let to = moved(
            self.selected as u64,
            self.items.len() as u64,
            m,
            rows as u64,
        );
        self.selected = to as usize;
        self.rescroll(rows);
    }

    /// Keeps the selection visible in a window of `rows`.
    pub fn rescroll(&mut self, rows: usize) {
        self.offset = self.window_start(rows);
    }

    /// The first row of a window of `rows` that shows the selection, starting as close to the
    /// kept offset as possible but leaving no empty rows below while earlier rows are hidden
    /// (after the terminal grew, say).
    fn window_start(&self, rows: usize) -> usize {
        let at = scroll_into_view(self.offset as u64, self.selected as u64, rows as u64) as usize;
        at.min(self.items.len().saturating_sub(rows.max(1)))
    }

    /// The table rows of a window of `rows` around the selection: `row` draws a record (and
    /// whether it is the selected one), the selected row is then drawn in `selected_style`.
    pub fn visible_rows<'r>(
        &self,
        rows: usize,
        selected_style: Style,
        row: impl Fn(&T, bool) -> Row<'r>,
    ) -> Vec<Row<'r>> {
        let offset = self.window_start(rows);
        let end = (offset + rows).min(self.items.len());
        let window = self.items.get(offset..end).unwrap_or_default();
        (offset..)
            .zip(window)
            .map(|(i, item)| {
                let selected = i == self.selected;
                highlight(row(item, selected), selected, selected_style)
            })
            .collect()
    }
}

impl<T: Keyed> SelectList<T, String> {
    /// The frame of a searched list: `noun` and the count (with the search text, if any), and
    /// the list's `keys` under it.
    pub fn search_block(&self, theme: &Theme, noun: &str, keys: &'static str) -> Block<'static> {
        let title = if self.query.is_empty() {
            format!(" {noun} ({}) ", self.items.len())
        } else {
            format!(
                " {noun} matching {:?}: {} ",
                sanitize_prefix(&self.query, 30),
                self.items.len()
            )
        };
        Block::bordered()
            .title(Span::styled(title, theme.title))
            .title_bottom(Line::from(keys))
    }

    /// What the list says when it is empty: loading, `none` yet, or `no_match` for the search.
    pub fn empty_message(&self, none: &'static str, no_match: &'static str) -> &'static str {
        match (self.loaded, self.query.is_empty()) {
            (false, _) => LOADING,
            (true, true) => none,
            (true, false) => no_match,
        }
    }
}

/// What a list says while its first answer is on its way.
pub const LOADING: &str = "Loading…";

/// What an empty list says: `none` once its answer came, else that it is loading.
pub fn loaded_or_loading(loaded: bool, none: &'static str) -> &'static str {
    if loaded {
        none
    } else {
        LOADING
    }
}

/// `> ` on the selected row, so the selection reads without colour or reverse video.
pub fn marker(selected: bool) -> &'static str {
    if selected {
        "> "
    } else {
        "  "
    }
}

/// `row` in `style` when `on`, else as it is.
pub fn highlight(row: Row<'_>, on: bool, style: Style) -> Row<'_> {
    if on {
        row.style(style)
    } else {
        row
    }
}

/// Draws `message` (a fixed hint: loading, nothing yet) in `block` instead of rows.
pub fn render_message(frame: &mut Frame, area: Rect, block: Block, message: &str, style: Style) {
    let p = Paragraph::new(Span::styled(message, style)).block(block);
    frame.render_widget(p, area);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scroll_moves_the_window_as_little_as_possible() {
        assert_eq!(scroll_into_view(0, 3, 10), 0);
        assert_eq!(scroll_into_view(0, 10, 10), 1);
        assert_eq!(scroll_into_view(5, 2, 10), 2);
        assert_eq!(scroll_into_view(5, 7, 0), 7);
    }

    struct N(u32);

    impl Keyed for N {
        type Key = u32;

        fn key(&self) -> &u32 {
            &self.0
        }
    }

    /// 24 rows seen 16 at a time, the last selected: rows 8–23. The terminal grows to 40 rows:
    /// all 24 show from the first, no empty rows below while rows are hidden above.
    #[test]
    fn a_taller_window_shows_the_rows_hidden_above() {
        let mut l: SelectList<N, ()> = SelectList::new(());
        l.replace((0..24).map(N).collect(), 16);
        l.move_selection(Move::Bottom, 16);
        assert_eq!(l.offset, 8);
        let shown = |l: &SelectList<N, ()>, rows| {
            l.visible_rows(rows, Style::new(), |n, _| Row::new(vec![n.0.to_string()]))
                .len()
        };
        assert_eq!(shown(&l, 40), 24);
        l.rescroll(40);
        assert_eq!(l.offset, 0);
        assert_eq!(l.selected, 23);
    }
}
