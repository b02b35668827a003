//! Where things go on screen: the header, body and status line every screen shares, the rows
//! a list shows, and centred boxes. `update` uses the same functions (through each screen's
//! `list_rows`) to know how many rows a list shows, so paging and scrolling match what is drawn.

use ratatui::layout::{Constraint, Layout, Rect};

/// Header line, body, status line.
pub fn chrome(area: Rect) -> [Rect; 3] {
    Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(1),
    ])
    .areas(area)
}

/// The body of a `(width, height)` terminal.
pub fn body(size: (u16, u16)) -> Rect {
    let [_, body, _] = chrome(Rect::new(0, 0, size.0, size.1));
    body
}

/// Rows of a bordered table with a header row drawn in `list` (at least one).
pub fn rows_in(list: Rect) -> usize {
    usize::from(list.height.saturating_sub(3)).max(1)
}

/// A `width`×`height` rectangle centred in `area` (clamped to it).
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect::new(
        area.x + (area.width - width) / 2,
        area.y + (area.height - height) / 2,
        width,
        height,
    )
}
