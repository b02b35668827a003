//! The parties list (the agreements screen's other pane) and a party's detail with its keys.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table};
use ratatui::Frame;

use crate::api::admin::proto::PartyItem;
use crate::console::app::App;
use crate::console::components::layout;
use crate::console::components::list::{marker, render_message};
use crate::console::components::text::kv_lines;
use crate::console::sanitize::{sanitize, sanitize_prefix};
use crate::console::screens::agreements::{short_id, PartyDetail};
use crate::model::registry::Role;

use super::keys;

/// Draws the parties list into `area`.
pub fn render_list(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let list = &app.agreements.parties;
    let keys = " Enter open · n register · c agreement · p agreements · / search ";
    let block = list.search_block(t, "Parties", keys);
    if list.items.is_empty() {
        let none = "No parties yet. Press n to register one.";
        let msg = list.empty_message(none, "No party matches. Esc: show all.");
        return render_message(frame, area, block, msg, t.hint);
    }
    let body = list.visible_rows(layout::rows_in(area), t.selected, party_row);
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

fn party_row(p: &PartyItem, selected: bool) -> Row<'static> {
    Row::new(vec![
        Cell::from(format!(
            "{}{}",
            marker(selected),
            sanitize_prefix(&p.name, 64)
        )),
        Cell::from(sanitize_prefix(p.role.as_str(), 8)),
        Cell::from(p.keys.to_string()),
        Cell::from(sanitize_prefix(&p.registered_at, 32)),
        Cell::from(short_id(&p.id)),
    ])
}

/// Draws an open party: who it is, then its keys.
pub fn render_detail(app: &App, d: &PartyDetail, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let p = &d.party;
    let hint = if p.role == Role::Buyer {
        " c new agreement · Esc back "
    } else {
        " t rotate token · T revoke token · Esc back "
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
    lines.extend(kv("Role", p.role.as_str()));
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
