//! The live feed of guarantee events under the agreements (or parties) list: granted, refused
//! (with the reason code), settled, released, newest first. Refusals are written in capitals
//! and bold, so they stand out without colour.

use ratatui::layout::{Constraint, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Block, Cell};
use ratatui::Frame;

use crate::api::admin::proto::{EntryKind, FeedItem, FeedReason};
use crate::console::app::App;
use crate::console::components::columns::Columns;
use crate::console::components::list::{loaded_or_loading, render_message};
use crate::console::sanitize::sanitize_prefix;
use crate::console::screens::agreements::{
    event_label, money, time_of_day, AgreementsView, FeedCounts,
};

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
        let msg = loaded_or_loading(v.feed_loaded, "No guarantee requests yet.");
        return render_message(frame, area, block, msg, t.hint);
    }
    let cols = Columns::new(area.width >= WIDE)
        .col(" Time (UTC)", Constraint::Length(13))
        .col("Event", Constraint::Length(8))
        .col("Amount", Constraint::Length(14))
        .col("Buyer", Constraint::Min(8))
        .wide_col("Seller", Constraint::Length(18))
        .col("Reason", Constraint::Length(20));
    let rows = usize::from(area.height.saturating_sub(3));
    let refusal = |e: &FeedItem| (e.kind == EntryKind::Refusal).then_some(t.error);
    let body = cols.rows_of(&v.feed, rows, |e| event_cells(v, e), refusal);
    frame.render_widget(cols.table(body, t.header, block), area);
}

/// The seller's name as the notary sent it, else as this console knows it, else a short id.
fn seller(v: &AgreementsView, e: &FeedItem) -> String {
    if e.seller_name.is_empty() {
        v.shown_name(&e.seller_id)
    } else {
        sanitize_prefix(&e.seller_name, 40)
    }
}

fn event_cells(v: &AgreementsView, e: &FeedItem) -> [Cell<'static>; 6] {
    [
        Cell::from(format!(" {}", time_of_day(&e.logged_at))),
        Cell::from(event_label(e.kind)),
        Cell::from(money(e.amount_minor, &e.currency)),
        Cell::from(v.shown_name(&e.agreement_id)),
        Cell::from(seller(v, e)),
        Cell::from(e.reason.map_or("", FeedReason::as_str)),
    ]
}
