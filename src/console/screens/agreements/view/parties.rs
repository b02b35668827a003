//! The parties list (the agreements screen's other pane) and a party's detail with its keys.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table};
use ratatui::Frame;

use crate::console::app::App;
use crate::console::components::list::scroll_into_view;
use crate::console::components::text::kv_lines;
use crate::console::sanitize::{sanitize, sanitize_prefix};
use crate::console::screens::agreements::view::keys;
use crate::console::screens::agreements::{short_id, PartyDetail};
use crate::console::screens::timestamps::view::marker;

/// Draws the parties list into `area`.
pub fn render_list(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let list = &app.agreements.parties;
    let rows = usize::from(area.height.saturating_sub(3)).max(1);
    let title = if list.query.is_empty() {
        format!(" Parties ({}) ", list.items.len())
    } else {
        format!(
            " Parties matching {:?}: {} ",
            sanitize_prefix(&list.query, 30),
            list.items.len()
        )
    };
    let block = Block::bordered()
        .title(Span::styled(title, t.title))
        .title_bottom(Line::from(
            " Enter open · n register · c agreement · p agreements · / search ",
        ));
    if list.items.is_empty() {
        let msg = match (list.loaded, list.query.is_empty()) {
            (false, _) => "Loading…",
            (true, true) => "No parties yet. Press n to register one.",
            (true, false) => "No party matches. Esc: show all.",
        };
        let p = Paragraph::new(Span::styled(msg, t.hint)).block(block);
        return frame.render_widget(p, area);
    }
    let offset = scroll_into_view(list.offset as u64, list.selected as u64, rows as u64) as usize;
    let end = (offset + rows).min(list.items.len());
    let body: Vec<Row> = list.items[offset..end]
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let selected = offset + i == list.selected;
            let row = Row::new(vec![
                Cell::from(format!(
                    "{}{}",
                    marker(selected),
                    sanitize_prefix(&p.name, 64)
                )),
                Cell::from(sanitize_prefix(&p.role, 8)),
                Cell::from(p.keys.to_string()),
                Cell::from(sanitize_prefix(&p.registered_at, 32)),
                Cell::from(short_id(&p.id)),
            ]);
            if selected {
                row.style(t.selected)
            } else {
                row
            }
        })
        .collect();
    let header = Row::new(["  Name", "Role", "Keys", "Registered (UTC)", "Id"]).style(t.header);
    let widths = [
        Constraint::Min(10),
        Constraint::Length(6),
        Constraint::Length(4),
        Constraint::Length(24),
        Constraint::Length(10),
    ];
    frame.render_widget(Table::new(body, widths).header(header).block(block), area);
}

/// Draws an open party: who it is, then its keys.
pub fn render_detail(app: &App, d: &PartyDetail, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let p = &d.party;
    let hint = if p.role == "buyer" {
        " c new agreement · Esc back "
    } else {
        " Esc back "
    };
    let width = usize::from(area.width.saturating_sub(2));
    let kv = |label: &str, value: &str| {
        kv_lines(
            label,
            &sanitize(value),
            12,
            width,
            t.label,
            ratatui::style::Style::new(),
        )
    };
    let mut lines = kv("Name", &p.name);
    lines.extend(kv("Role", &p.role));
    lines.extend(kv("Id", &p.id));
    lines.extend(kv("Registered", &p.registered_at));
    let [who, keys_area] = Layout::vertical([
        Constraint::Length(lines.len() as u16 + 2),
        Constraint::Min(0),
    ])
    .areas(area);
    let block = Block::bordered()
        .title(Span::styled(
            format!(" Party · {} ", sanitize_prefix(&p.name, 40)),
            t.title,
        ))
        .title_bottom(Line::from(hint));
    frame.render_widget(Paragraph::new(lines).block(block), who);
    keys::render(app, &d.keys, d.selected_key, d.loaded, frame, keys_area);
}
