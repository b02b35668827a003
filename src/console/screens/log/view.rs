//! Screen 3: signed checkpoints (each checked here), a windowed entry browser, the selected
//! entry and the outcome of its inclusion-proof check.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table};
use ratatui::Frame;

use crate::console::app::{App, PromptPurpose};
use crate::console::components::layout;
use crate::console::components::list::{highlight, marker, scroll_into_view, LOADING};
use crate::console::components::text::{fit, group_digits};
use crate::console::sanitize::{sanitize, sanitize_prefix, wrap_hard};

/// Checkpoints, entries, the selected entry's details.
fn areas(body: Rect) -> [Rect; 3] {
    let (checkpoints, detail) = if body.height < 30 { (5, 8) } else { (7, 12) };
    Layout::vertical([
        Constraint::Length(checkpoints),
        Constraint::Min(0),
        Constraint::Length(detail),
    ])
    .areas(body)
}

/// Rows of the entry list in a terminal of `size`.
pub fn list_rows(size: (u16, u16)) -> usize {
    layout::rows_in(areas(layout::body(size))[1])
}

/// The status line's hint on this screen.
pub const HINT: &str = "v verify inclusion · / go to entry · ↑↓ PgUp PgDn move";

/// What this screen's prompt asks (it has one, to go to an entry).
pub fn prompt_title(purpose: PromptPurpose) -> String {
    let title = if purpose == PromptPurpose::GotoEntry {
        " Go to log entry: index "
    } else {
        " Answer "
    };
    title.to_string()
}

/// Draws the log screen into `area`.
pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let [cps, entries, detail] = areas(area);
    render_checkpoints(app, frame, cps);
    render_entries(app, frame, entries);
    render_detail(app, frame, detail);
}

fn render_checkpoints(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let width = usize::from(area.width.saturating_sub(2));
    let rows = usize::from(area.height.saturating_sub(2));
    let lines: Vec<Line> = app
        .log
        .checkpoints
        .iter()
        .take(rows)
        .map(|cp| match &cp.check {
            Ok(c) => {
                let text = format!(
                    "sig OK   size {:>9}  root {}  {}",
                    group_digits(c.size),
                    hex::encode(c.root),
                    sanitize(&c.origin)
                );
                Line::from(Span::styled(fit(&text, width), t.ok))
            }
            Err(why) => {
                let text = format!(
                    "sig BAD  size {:>9}  {}",
                    group_digits(cp.size),
                    sanitize_prefix(why, 200)
                );
                Line::from(Span::styled(fit(&text, width), t.error))
            }
        })
        .collect();
    let lines = if lines.is_empty() {
        vec![Line::from(Span::styled(LOADING, t.hint))]
    } else {
        lines
    };
    let block = Block::bordered().title(Span::styled(
        " Checkpoints, newest first (signatures checked here) ",
        t.title,
    ));
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

fn render_entries(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let log = &app.log;
    let rows = area.height.saturating_sub(3).max(1);
    let title = match log.selected {
        Some(sel) => format!(
            " Entries: {} · #{} selected ",
            group_digits(log.log_size),
            sel
        ),
        None => format!(" Entries: {} ", group_digits(log.log_size)),
    };
    let block = Block::bordered()
        .title(Span::styled(title, t.title))
        .title_bottom(Line::from(" v verify · / go to index · PgUp PgDn "));
    let Some(selected) = log.selected else {
        let msg = Paragraph::new(Span::styled(
            "The log is empty (or its size is not known yet).",
            t.hint,
        ));
        frame.render_widget(msg.block(block), area);
        return;
    };
    let offset = scroll_into_view(log.offset, selected, u64::from(rows));
    let end = (offset + u64::from(rows)).min(log.log_size);
    let body: Vec<Row> = (offset..end)
        .map(|index| {
            let row = match log.entry(index) {
                Some(e) => Row::new(vec![
                    Cell::from(format!("{}{index}", marker(index == selected))),
                    Cell::from(sanitize_prefix(e.kind_name(), 40)),
                    Cell::from(sanitize_prefix(&e.logged_at, 40)),
                    Cell::from(sanitize_prefix(e.operator.as_deref().unwrap_or("-"), 40)),
                ]),
                None => Row::new(vec![
                    Cell::from(format!("{}{index}", marker(index == selected))),
                    Cell::from("…"),
                ]),
            };
            highlight(row, index == selected, t.selected)
        })
        .collect();
    let header = Row::new(["  Index", "Kind", "Logged at (UTC)", "Operator"]).style(t.header);
    let widths = [
        Constraint::Length(11),
        Constraint::Length(18),
        Constraint::Length(25),
        Constraint::Min(8),
    ];
    frame.render_widget(Table::new(body, widths).header(header).block(block), area);
}

fn render_detail(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let width = usize::from(area.width.saturating_sub(2));
    let height = usize::from(area.height.saturating_sub(2));
    let mut lines = Vec::new();
    if let Some(v) = &app.log.verify {
        let verdict = match &v.result {
            Ok(()) => Span::styled(
                format!("Inclusion of #{}: OK, proven in the signed log", v.index),
                t.ok,
            ),
            Err(why) => Span::styled(
                format!(
                    "Inclusion of #{}: FAILED: {}",
                    v.index,
                    sanitize_prefix(why, 300)
                ),
                t.error,
            ),
        };
        let verdict_text = verdict.content.to_string();
        for chunk in wrap_hard(&verdict_text, width).into_iter().take(2) {
            lines.push(Line::from(Span::styled(chunk, verdict.style)));
        }
        if let Some(cp) = &v.checkpoint {
            let text = format!(
                "checkpoint size {} root {}",
                group_digits(cp.size),
                hex::encode(cp.root)
            );
            lines.push(Line::from(fit(&text, width)));
        }
    }
    let entry = app.log.selected.and_then(|i| app.log.entry(i));
    let title = match (app.log.selected, entry) {
        (Some(i), Some(e)) => format!(" Entry #{i} · {} ", sanitize_prefix(e.kind_name(), 30)),
        (Some(i), None) => format!(" Entry #{i} (loading) "),
        _ => " Entry ".to_string(),
    };
    if let Some(e) = entry {
        // Bounded: the raw entry is at most a line of the protocol; only what fits is wrapped.
        let room = height.saturating_sub(lines.len());
        let raw = sanitize_prefix(&e.raw, width * (room + 1));
        let wrapped = wrap_hard(&raw, width);
        let shown = if wrapped.len() > room {
            room.saturating_sub(1)
        } else {
            wrapped.len()
        };
        lines.extend(wrapped.iter().take(shown).map(|l| Line::from(l.clone())));
        if wrapped.len() > shown {
            let total = group_digits(e.raw.chars().count() as u64);
            lines.push(Line::from(Span::styled(
                format!("… cut here: {total} characters in all"),
                t.hint,
            )));
        }
    }
    let block = Block::bordered().title(Span::styled(title, t.title));
    frame.render_widget(Paragraph::new(lines).block(block), area);
}
