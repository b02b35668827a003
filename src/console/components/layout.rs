//! Where things go on screen. `update` uses the same functions to know how many rows a list
//! shows, so paging and scrolling match what is drawn.

use ratatui::layout::{Constraint, Layout, Rect};

use crate::console::app::Screen;

/// Header line, body, status line.
pub fn chrome(area: Rect) -> [Rect; 3] {
    Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(1),
    ])
    .areas(area)
}

/// Timestamps screen: the list and the selected record's details.
pub fn timestamps(body: Rect) -> [Rect; 2] {
    Layout::vertical([Constraint::Min(0), Constraint::Length(5)]).areas(body)
}

/// Log screen: checkpoints, entries, the selected entry's details.
pub fn log(body: Rect) -> [Rect; 3] {
    let (checkpoints, detail) = if body.height < 30 { (5, 8) } else { (7, 12) };
    Layout::vertical([
        Constraint::Length(checkpoints),
        Constraint::Min(0),
        Constraint::Length(detail),
    ])
    .areas(body)
}

/// Agreements screen: the agreements or parties list, and the live feed under it.
pub fn agreements(body: Rect) -> [Rect; 2] {
    let feed = if body.height < 30 { 8 } else { 12 };
    Layout::vertical([Constraint::Min(0), Constraint::Length(feed)]).areas(body)
}

/// Rows of the selectable list on `screen` in a `width`×`height` terminal (inside the block's
/// borders, below its header row).
pub fn list_rows(screen: Screen, width: u16, height: u16) -> usize {
    let [_, body, _] = chrome(Rect::new(0, 0, width, height));
    let list = match screen {
        Screen::Dashboard => return 0,
        Screen::Timestamps => timestamps(body)[0],
        Screen::Log => log(body)[1],
        Screen::Agreements => agreements(body)[0],
    };
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
