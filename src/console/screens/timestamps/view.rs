//! Screen 2: the recent timestamps (or search results), windowed, and the selected record; and
//! the box saying what became of a stamp.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table};
use ratatui::Frame;

use crate::api::admin::proto::TimestampItem;
use crate::console::app::{App, PromptPurpose};
use crate::console::components::dialog::{self, BoxLines};
use crate::console::components::layout;
use crate::console::components::list::{marker, render_message, LOADING};
use crate::console::components::text::{fit, group_digits, kv_lines};
use crate::console::sanitize::{sanitize, sanitize_prefix};
use crate::console::theme::Theme;

use super::{hash_alg_label, StampOutcome, TimestampList, TimestampMode};

const SERIAL_W: u16 = 10;
const TIME_W: u16 = 24;
const ALG_W: u16 = 7;
const OPERATOR_W: u16 = 12;

/// The list and the selected record's details.
fn areas(body: Rect) -> [Rect; 2] {
    Layout::vertical([Constraint::Min(0), Constraint::Length(5)]).areas(body)
}

/// Rows of the list in a terminal of `size`.
pub fn list_rows(size: (u16, u16)) -> usize {
    layout::rows_in(areas(layout::body(size))[0])
}

/// The status line's hint on this screen.
pub const HINT: &str = "s stamp a file · / search · ↑↓ PgUp PgDn move · Esc recent";

/// What this screen's prompt asks.
pub fn prompt_title(purpose: PromptPurpose) -> String {
    match purpose {
        PromptPurpose::Search => " Search timestamps: hex digest, or a file to hash ".into(),
        PromptPurpose::StampPath => {
            " Stamp a file: path (it is hashed here, then you confirm) ".into()
        }
        _ => " Answer ".into(),
    }
}

/// Draws the timestamps screen into `area`.
pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let [table_area, detail_area] = areas(area);
    render_list(app, frame, table_area);
    render_selected(app, frame, detail_area);
}

fn render_list(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let list = &app.timestamps;
    let block = Block::bordered()
        .title(Span::styled(title(list), t.title))
        .title_bottom(Line::from(" s stamp · / search · Esc recent "));
    if list.items.is_empty() {
        let msg = match (&list.query, list.loaded) {
            (_, false) => LOADING,
            (TimestampMode::Recent, true) => "No timestamps yet. Press s to stamp a file.",
            (TimestampMode::Search { .. }, true) => {
                "No timestamp over this imprint. Esc: back to recent."
            }
        };
        return render_message(frame, area, block, msg, t.hint);
    }
    let imprint_w = usize::from(
        area.width
            .saturating_sub(2 + SERIAL_W + TIME_W + ALG_W + OPERATOR_W + 4),
    );
    let body = list.visible_rows(layout::rows_in(area), t.selected, |item, selected| {
        row(item, selected, imprint_w)
    });
    let header = Row::new(["  Serial", "Time (UTC)", "Alg", "Imprint", "Operator"]).style(t.header);
    let widths = [
        Constraint::Length(SERIAL_W),
        Constraint::Length(TIME_W),
        Constraint::Length(ALG_W),
        Constraint::Min(8),
        Constraint::Length(OPERATOR_W),
    ];
    frame.render_widget(Table::new(body, widths).header(header).block(block), area);
}

fn title(list: &TimestampList) -> String {
    match &list.query {
        TimestampMode::Recent => format!(
            " Recent timestamps ({}) ",
            group_digits(list.items.len() as u64)
        ),
        TimestampMode::Search { source, .. } => format!(
            " Search {}: {} result(s) ",
            sanitize_prefix(source, 40),
            list.items.len()
        ),
    }
}

fn row(item: &TimestampItem, selected: bool, imprint_w: usize) -> Row<'static> {
    Row::new(vec![
        Cell::from(format!("{}{}", marker(selected), item.serial)),
        Cell::from(sanitize_prefix(&item.gen_time, 40)),
        Cell::from(sanitize_prefix(item.hash_alg.name(), 10)),
        Cell::from(fit(&sanitize_prefix(&item.imprint, 256), imprint_w)),
        Cell::from(sanitize_prefix(item.operator.as_deref().unwrap_or("-"), 40)),
    ])
}

/// The selected record: its imprint in full, then the rest.
fn render_selected(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let inner_width = usize::from(area.width.saturating_sub(2));
    let kv =
        |label: &str, value: &str| kv_lines(label, value, 9, inner_width, t.label, t.confirm_data);
    let mut detail = Vec::new();
    if let Some(item) = app.timestamps.selected_item() {
        detail.extend(kv("Imprint", &sanitize(&item.imprint)));
        let by = item
            .operator
            .as_deref()
            .map(|o| format!(" · by {}", sanitize_prefix(o, 40)))
            .unwrap_or_default();
        let meta = format!(
            "serial {} · {} · {}{by}",
            item.serial,
            sanitize_prefix(&item.gen_time, 40),
            hash_alg_label(item.hash_alg)
        );
        detail.extend(kv("Record", &meta));
    }
    let block = Block::bordered().title(Span::styled(" Selected ", t.title));
    frame.render_widget(Paragraph::new(detail).block(block), area);
}

/// Draws what became of a confirmed stamp.
pub fn render_outcome(theme: &Theme, outcome: &StampOutcome, frame: &mut Frame, area: Rect) {
    let t = theme;
    let plain = Style::new();
    let mut b = BoxLines::new(t, dialog::widths(area).1);
    let (title, title_style) = match outcome {
        StampOutcome::Pending { imprint } => {
            b.push("Waiting for the notary's answer…");
            b.kv_raw("Imprint", imprint, plain);
            (" Signing ", t.title)
        }
        StampOutcome::Done(item) => {
            b.styled("The notary signed the timestamp.", t.ok);
            b.kv_raw("Serial", &item.serial.to_string(), plain);
            b.kv_raw("Log index", &item.serial.to_string(), plain);
            b.kv_raw("Time", &item.gen_time, plain);
            b.kv_raw("Algorithm", hash_alg_label(item.hash_alg), plain);
            b.kv_raw("Imprint", &item.imprint, plain);
            if let Some(op) = &item.operator {
                b.kv_raw("Operator", op, plain);
            }
            (" Timestamp signed ", t.ok)
        }
        StampOutcome::Failed(why) => {
            b.styled("Nothing was signed.", t.error);
            b.kv_raw("Reason", why, plain);
            (" Not signed ", t.error)
        }
        StampOutcome::Mismatch { expected, item } => {
            b.styled(
                "WARNING: the notary's answer is not the imprint you confirmed.",
                t.error,
            );
            b.kv_raw("Confirmed", expected, plain);
            b.kv_raw("Signed", &item.imprint, t.error);
            b.kv_raw("Serial", &item.serial.to_string(), plain);
            (" Answer does not match ", t.error)
        }
        StampOutcome::Unknown(why) => {
            b.styled("Outcome unknown.", t.error);
            b.kv_raw("Reason", why, plain);
            (" Signing outcome unknown ", t.error)
        }
    };
    let title = Span::styled(title, title_style);
    dialog::render_box(b, title, "Any key to close.", frame, area);
}
