//! Screen 5: the complaint queue by response deadline over the exchanges, one of them with the
//! selection; or the open case ([`case`]). Overdue and silent cases are marked `OVERDUE` and
//! `SILENT` in their own column, so the marks read in 16 colours and under NO_COLOR; a list the
//! notary refused (e.g. `not built yet`) says so in its frame.

mod case;

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell};
use ratatui::Frame;

use crate::api::admin::proto::{ComplaintItem, ComplaintStatus, ExchangeItem};
use crate::console::app::{App, PromptPurpose};
use crate::console::components::columns::Columns;
use crate::console::components::layout;
use crate::console::components::list::{marker, render_message, Keyed, LOADING};
use crate::console::sanitize::sanitize_prefix;
use crate::console::screens::agreements::short_id;
use crate::console::theme::Theme;

use super::{
    mark, minute, outcome_name, parties, protocol_name, state_name, ExchangesView, Focus, Listed,
};

pub use case::{case_rows, scroll_max};

/// Ids, amounts and the arbitrator get their own columns from this width on.
const WIDE: u16 = 100;

/// The complaint queue over the exchanges.
fn areas(body: Rect) -> [Rect; 2] {
    Layout::vertical([Constraint::Fill(1), Constraint::Fill(1)]).areas(body)
}

/// Rows of either list in a terminal of `size` (the smaller, so a selection stays in view).
pub fn list_rows(size: (u16, u16)) -> usize {
    let [a, b] = areas(layout::body(size));
    layout::rows_in(a).min(layout::rows_in(b))
}

/// The status line's hint on this screen.
pub fn hint(app: &App) -> &'static str {
    match (&app.exchanges.case, app.exchanges.focus) {
        (Some(_), _) => "t take the case · n add a note · ↑↓ scroll · Esc back",
        (None, Focus::Complaints) => "Enter open case · t take · n note · e exchanges · ↑↓ move",
        (None, Focus::Exchanges) => "e complaints · ↑↓ move · r refresh",
    }
}

/// What this screen's prompt asks.
pub fn prompt_title(app: &App, purpose: PromptPurpose) -> String {
    match (purpose, &app.exchanges.note_for) {
        (PromptPurpose::CaseNote, Some(c)) => format!(
            " Note on case {}: one paragraph (you confirm it next) ",
            short_id(&c.complaint_id)
        ),
        _ => " Answer ".into(),
    }
}

/// Draws the screen into `area`.
pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let v = &app.exchanges;
    if let Some(c) = &v.case {
        return case::render(app, c, frame, area);
    }
    let [top, bottom] = areas(area);
    render_complaints(&app.theme, v, frame, top);
    render_exchanges(&app.theme, v, frame, bottom);
}

/// The frame of a list: its title, and its keys when it has the selection.
fn frame_of(theme: &Theme, title: String, focused: bool, keys: &'static str) -> Block<'static> {
    let (title, style) = if focused {
        (format!(" ▶{title}"), theme.title)
    } else {
        (title, theme.hint)
    };
    let block = Block::bordered().title(Span::styled(title, style));
    if focused {
        block.title_bottom(Line::from(keys))
    } else {
        block
    }
}

/// ` (3)`: how many rows the notary sent; nothing while there is no answer to count.
fn count<T: Keyed>(l: &Listed<T>) -> String {
    match (&l.error, l.list.loaded) {
        (None, true) => format!(" ({})", l.list.items.len()),
        _ => String::new(),
    }
}

/// The selected row's style: only the focused list shows its selection.
fn selection(t: &Theme, focused: bool) -> Style {
    if focused {
        t.selected
    } else {
        Style::new()
    }
}

/// The message in place of the rows, if there are none to draw: the notary's refusal, loading,
/// or empty.
fn instead_of_rows<T: Keyed>(
    theme: &Theme,
    l: &Listed<T>,
    what: &str,
    none: &'static str,
) -> Option<(String, Style)> {
    if let Some(why) = &l.error {
        let text = format!(
            "The notary could not list {what}: {}",
            sanitize_prefix(why, 200)
        );
        return Some((text, theme.error));
    }
    match (l.list.loaded, l.list.items.is_empty()) {
        (false, _) => Some((LOADING.into(), theme.hint)),
        (true, true) => Some((none.into(), theme.hint)),
        (true, false) => None,
    }
}

fn render_complaints(t: &Theme, v: &ExchangesView, frame: &mut Frame, area: Rect) {
    let focused = v.focus == Focus::Complaints;
    let l = &v.complaints;
    let title = format!(" Complaints{}, by deadline ", count(l));
    let keys = " Enter open · t take · n note · e exchanges ";
    let block = frame_of(t, title, focused, keys);
    let none = "No complaints: the queue is empty.";
    if let Some((msg, style)) = instead_of_rows(t, l, "complaints", none) {
        return render_message(frame, area, block, &msg, style);
    }
    // Narrow, the mark stands in the status column (as on the Cases screen), so the amount an
    // arbitrator triages by keeps its column at 80.
    let wide = area.width >= WIDE;
    let cols = Columns::new(wide)
        .col("  Deadline (UTC)", Constraint::Length(18))
        .wide_col("Mark", Constraint::Length(8))
        .col("Status", Constraint::Length(8))
        .col("Kind", Constraint::Length(17))
        .col("Claimant → respondent", Constraint::Min(10))
        .col("Amount", Constraint::Length(14))
        .wide_col("Taken by", Constraint::Length(12))
        .wide_col("Counter", Constraint::Length(7));
    let body = l
        .list
        .visible_rows(layout::rows_in(area), selection(t, focused), |c, sel| {
            cols.row(complaint_cells(t, c, focused && sel, wide))
        });
    frame.render_widget(cols.table(body, t.header, block), area);
}

fn complaint_cells(t: &Theme, c: &ComplaintItem, selected: bool, wide: bool) -> [Cell<'static>; 8] {
    let mark_style = match c.status {
        ComplaintStatus::Silent => t.warn,
        _ => t.error,
    };
    let status = match (wide, mark(c)) {
        (false, m) if !m.is_empty() => Cell::from(Span::styled(m, mark_style)),
        _ => Cell::from(c.status.as_str()),
    };
    [
        Cell::from(format!(
            "{}{}",
            marker(selected),
            minute(&c.response_deadline)
        )),
        Cell::from(Span::styled(mark(c), mark_style)),
        status,
        Cell::from(c.kind.as_str()),
        Cell::from(parties(
            &c.claimant_name,
            &c.claimant,
            &c.respondent_name,
            &c.respondent,
        )),
        Cell::from(c.amount.to_string()),
        Cell::from(sanitize_prefix(c.taken_by.as_deref().unwrap_or("-"), 24)),
        Cell::from(if c.counter_claim { "yes" } else { "" }),
    ]
}

fn render_exchanges(t: &Theme, v: &ExchangesView, frame: &mut Frame, area: Rect) {
    let focused = v.focus == Focus::Exchanges;
    let l = &v.exchanges;
    let title = format!(" Exchanges{}, undecided first ", count(l));
    let block = frame_of(t, title, focused, " e complaints · ↑↓ move ");
    let none = "No exchanges: the notary hears of one when a party aborts or resolves it.";
    if let Some((msg, style)) = instead_of_rows(t, l, "exchanges", none) {
        return render_message(frame, area, block, &msg, style);
    }
    let cols = Columns::new(area.width >= WIDE)
        .col("  Deadline (UTC)", Constraint::Length(18))
        .col("State", Constraint::Length(9))
        .col("Outcome", Constraint::Length(13))
        .col("Protocol", Constraint::Length(8))
        .col("Originator → responder", Constraint::Min(10))
        .wide_col("Decided (UTC)", Constraint::Length(16))
        .wide_col("Log", Constraint::Length(7))
        .wide_col("Tid", Constraint::Length(10));
    let body = l
        .list
        .visible_rows(layout::rows_in(area), selection(t, focused), |e, sel| {
            cols.row(exchange_cells(e, focused && sel))
        });
    frame.render_widget(cols.table(body, t.header, block), area);
}

fn exchange_cells(e: &ExchangeItem, selected: bool) -> [Cell<'static>; 8] {
    [
        Cell::from(format!("{}{}", marker(selected), minute(&e.deadline))),
        Cell::from(state_name(e.status)),
        Cell::from(outcome_name(e.outcome)),
        Cell::from(protocol_name(e.protocol)),
        Cell::from(parties(
            &e.originator_name,
            &e.originator,
            &e.responder_name,
            &e.responder,
        )),
        Cell::from(e.decided_at.as_deref().map_or("-".into(), minute)),
        Cell::from(e.log_index.map_or("-".into(), |i| format!("#{i}"))),
        Cell::from(short_id(&e.tid)),
    ]
}
