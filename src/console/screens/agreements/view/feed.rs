//! The live feed of guarantee events under the agreements (or parties) list: granted, refused
//! (with the reason code), settled, released, newest first. Refusals are written in capitals
//! and bold, so they stand out without colour.

use ratatui::layout::{Constraint, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Block, Cell, Paragraph, Row};
use ratatui::Frame;

use crate::console::app::App;
use crate::console::components::columns::Columns;
use crate::console::sanitize::sanitize_prefix;
use crate::console::screens::agreements::{event_label, money, short_id, time_of_day, FeedCounts};

/// The seller gets its own column from this width on.
const WIDE: u16 = 100;

/// `3 granted · 2 refused · 1 settled · 1 released`.
pub fn counts_text(c: &FeedCounts) -> String {
    format!(
        "{} granted · {} refused · {} settled · {} released",
        c.granted, c.refused, c.settled, c.released
    )
}

/// Draws the feed into `area`.
pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let v = &app.agreements;
    let title = format!(
        " Live feed: {} (last {}) ",
        counts_text(&FeedCounts::of(&v.feed)),
        v.feed.len()
    );
    let block = Block::bordered().title(Span::styled(title, t.title));
    if v.feed.is_empty() {
        let msg = if v.feed_loaded {
            "No guarantee requests yet."
        } else {
            "Loading…"
        };
        let p = Paragraph::new(Span::styled(msg, t.hint)).block(block);
        return frame.render_widget(p, area);
    }
    let wide = area.width >= WIDE;
    let rows = usize::from(area.height.saturating_sub(3));
    let name = |id: &str| {
        v.names
            .get(id)
            .map(|n| sanitize_prefix(n, 40))
            .unwrap_or_else(|| short_id(id))
    };
    let body: Vec<Row> = v
        .feed
        .iter()
        .take(rows)
        .map(|e| {
            let mut cells = vec![
                Cell::from(format!(" {}", time_of_day(&e.logged_at))),
                Cell::from(event_label(&e.kind)),
                Cell::from(money(e.amount_minor, &e.currency)),
                Cell::from(name(&e.agreement_id)),
            ];
            if wide {
                cells.push(Cell::from(name(&e.seller_id)));
            }
            cells.push(Cell::from(sanitize_prefix(
                e.reason.as_deref().unwrap_or(""),
                40,
            )));
            let row = Row::new(cells);
            if e.kind == "refusal" {
                row.style(t.error)
            } else {
                row
            }
        })
        .collect();
    let table = Columns::new(wide)
        .col(" Time (UTC)", Constraint::Length(13))
        .col("Event", Constraint::Length(8))
        .col("Amount", Constraint::Length(14))
        .col("Buyer", Constraint::Min(8))
        .wide_col("Seller", Constraint::Length(18))
        .col("Reason", Constraint::Length(20))
        .table(body, t.header, block);
    frame.render_widget(table, area);
}
