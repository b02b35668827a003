//! Screen 2: the recent timestamps (or search results), windowed, and the selected record.

use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table};
use ratatui::Frame;

use crate::console::app::App;
use crate::console::components::confirm::{group_digits, hash_alg_label};
use crate::console::components::layout;
use crate::console::components::list::{scroll_into_view, TimestampMode};
use crate::console::components::text::{fit, kv_lines};
use crate::console::sanitize::{sanitize, sanitize_prefix};

const SERIAL_W: u16 = 10;
const TIME_W: u16 = 24;
const ALG_W: u16 = 7;
const OPERATOR_W: u16 = 12;

/// Draws the timestamps screen into `area`.
pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let list = &app.timestamps;
    let [table_area, detail_area] = layout::timestamps(area);
    let rows = usize::from(table_area.height.saturating_sub(3)).max(1);

    let title = match &list.mode {
        TimestampMode::Recent => format!(
            " Recent timestamps ({}) ",
            group_digits(list.items.len() as u64)
        ),
        TimestampMode::Search { source, .. } => format!(
            " Search {}: {} result(s) ",
            sanitize_prefix(source, 40),
            list.items.len()
        ),
    };
    let block = Block::bordered()
        .title(Span::styled(title, t.title))
        .title_bottom(Line::from(" s stamp · / search · Esc recent "));

    let imprint_w = usize::from(
        table_area
            .width
            .saturating_sub(2 + SERIAL_W + TIME_W + ALG_W + OPERATOR_W + 4),
    );
    let offset = scroll_into_view(list.offset as u64, list.selected as u64, rows as u64) as usize;
    let end = (offset + rows).min(list.items.len());
    let body: Vec<Row> = list
        .items
        .get(offset..end)
        .unwrap_or_default()
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let row = Row::new(vec![
                Cell::from(format!(
                    "{}{}",
                    marker(offset + i == list.selected),
                    item.serial
                )),
                Cell::from(sanitize_prefix(&item.gen_time, 40)),
                Cell::from(sanitize_prefix(&item.hash_alg, 10)),
                Cell::from(fit(&sanitize_prefix(&item.imprint, 256), imprint_w)),
                Cell::from(sanitize_prefix(item.operator.as_deref().unwrap_or("-"), 40)),
            ]);
            if offset + i == list.selected {
                row.style(t.selected)
            } else {
                row
            }
        })
        .collect();

    if list.items.is_empty() {
        let msg = match (&list.mode, list.loaded) {
            (_, false) => "Loading…",
            (TimestampMode::Recent, true) => "No timestamps yet. Press s to stamp a file.",
            (TimestampMode::Search { .. }, true) => {
                "No timestamp over this imprint. Esc: back to recent."
            }
        };
        frame.render_widget(
            Paragraph::new(Span::styled(msg, t.hint)).block(block),
            table_area,
        );
    } else {
        let header =
            Row::new(["  Serial", "Time (UTC)", "Alg", "Imprint", "Operator"]).style(t.header);
        let widths = [
            Constraint::Length(SERIAL_W),
            Constraint::Length(TIME_W),
            Constraint::Length(ALG_W),
            Constraint::Min(8),
            Constraint::Length(OPERATOR_W),
        ];
        frame.render_widget(
            Table::new(body, widths).header(header).block(block),
            table_area,
        );
    }

    let inner_width = usize::from(detail_area.width.saturating_sub(2));
    let mut detail = Vec::new();
    if let Some(item) = list.selected_item() {
        detail.extend(kv_lines(
            "Imprint",
            &sanitize(&item.imprint),
            9,
            inner_width,
            t.label,
            t.confirm_data,
        ));
        let by = item
            .operator
            .as_deref()
            .map(|o| format!(" · by {}", sanitize_prefix(o, 40)))
            .unwrap_or_default();
        let meta = format!(
            "serial {} · {} · {}{by}",
            item.serial,
            sanitize_prefix(&item.gen_time, 40),
            hash_alg_label(&sanitize_prefix(&item.hash_alg, 10))
        );
        detail.extend(kv_lines(
            "Record",
            &meta,
            9,
            inner_width,
            t.label,
            t.confirm_data,
        ));
    }
    let detail_block = Block::bordered().title(Span::styled(" Selected ", t.title));
    frame.render_widget(Paragraph::new(detail).block(detail_block), detail_area);
}

/// `> ` on the selected row, so the selection reads without colour or reverse video.
pub fn marker(selected: bool) -> &'static str {
    if selected {
        "> "
    } else {
        "  "
    }
}
