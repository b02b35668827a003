//! The keys of an open agreement or party, each with its revocation state, one selectable (for
//! `x`, revoke). Revoked keys say when the notary registered the revocation and why, in words,
//! so the state reads without colour.

use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Row, Table};
use ratatui::Frame;

use crate::api::admin::proto::{KeyItem, KeyStanding};

use crate::console::app::App;
use crate::console::components::list::{
    loaded_or_loading, marker, render_message, scroll_into_view,
};
use crate::console::components::text::fit;
use crate::console::sanitize::sanitize_prefix;
use crate::console::screens::agreements::key_state;

/// Draws `keys` into `area`, `selected` marked.
pub fn render(
    app: &App,
    keys: &[KeyItem],
    selected: usize,
    loaded: bool,
    frame: &mut Frame,
    area: Rect,
) {
    let t = &app.theme;
    let revoked = keys
        .iter()
        .filter(|k| k.status == KeyStanding::Revoked)
        .count();
    let block = Block::bordered()
        .title(Span::styled(
            format!(" Keys ({}, {revoked} revoked) ", keys.len()),
            t.title,
        ))
        .title_bottom(Line::from(" ↑↓ select · x revoke "));
    if keys.is_empty() {
        let msg = loaded_or_loading(loaded, "No keys registered.");
        return render_message(frame, area, block, msg, t.hint);
    }
    let rows = usize::from(area.height.saturating_sub(2)).max(1);
    let offset = scroll_into_view(0, selected as u64, rows as u64) as usize;
    let inner = usize::from(area.width.saturating_sub(2));
    // The whole id when it fits next to a revocation line, else its start.
    let id_width = if inner >= 66 + 50 { 66 } else { 20 };
    let body: Vec<Row> = keys
        .iter()
        .enumerate()
        .skip(offset)
        .take(rows)
        .map(|(i, k)| {
            let id = fit(&sanitize_prefix(&k.key_id, 64), id_width - 2);
            let state = sanitize_prefix(&key_state(k), 200);
            let source = match &k.subject {
                Some(subject) => format!(" · {}", sanitize_prefix(subject, 60)),
                None => String::new(),
            };
            let row = Row::new(vec![
                Cell::from(format!("{}{id}", marker(i == selected))),
                Cell::from(format!("{state}{source}")),
            ]);
            match (i == selected, k.status) {
                (true, _) => row.style(t.selected),
                (false, KeyStanding::Revoked) => row.style(t.error),
                _ => row,
            }
        })
        .collect();
    let widths = [Constraint::Length(id_width as u16), Constraint::Min(10)];
    frame.render_widget(Table::new(body, widths).block(block), area);
}
