//! Rendering: pure functions from [`App`] to a frame. No I/O and no state changes here, so
//! every screen can be drawn into a `TestBackend` and snapshot-tested.

mod confirm;
mod dashboard;
mod help;
pub mod layout;
mod log;
mod prompt;
mod text;
mod timestamps;

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::app::{App, NoticeLevel, Overlay, Screen};
use super::sanitize::sanitize_prefix;

/// Draws the whole console: header, the visible screen, the status line, then any overlay.
pub fn render(app: &App, frame: &mut Frame) {
    let [header, body, status] = layout::chrome(frame.area());
    render_header(app, frame, header);
    match app.screen {
        Screen::Dashboard => dashboard::render(app, frame, body),
        Screen::Timestamps => timestamps::render(app, frame, body),
        Screen::Log => log::render(app, frame, body),
    }
    render_status(app, frame, status);
    match &app.overlay {
        Overlay::None => {}
        Overlay::Help => help::render(app, frame, body),
        Overlay::Prompt(p) => prompt::render(app, p, frame, body),
        Overlay::Confirm(d) => confirm::render(app, d, frame, body),
        Overlay::StampResult(o) => confirm::render_outcome(app, o, frame, body),
    }
}

fn render_header(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let hint = " ? help  q quit ";
    let [left, right] =
        Layout::horizontal([Constraint::Min(0), Constraint::Length(hint.len() as u16)]).areas(area);
    let mut spans = vec![
        Span::styled(" notar ", t.title),
        Span::raw(text::fit(&sanitize_prefix(&app.hello.notary, 40), 20)),
        Span::raw(" │"),
    ];
    for (i, s) in Screen::ALL.iter().enumerate() {
        let label = format!(" {} {} ", i + 1, s.title());
        let style = if *s == app.screen {
            t.tab_active
        } else {
            ratatui::style::Style::new()
        };
        spans.push(Span::styled(label, style));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), left);
    frame.render_widget(Paragraph::new(Span::styled(hint, t.hint)), right);
}

fn render_status(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let who = format!(
        " {} · {} ",
        sanitize_prefix(&app.hello.operator, 16),
        if app.connected {
            "connected"
        } else {
            "DISCONNECTED"
        }
    );
    let who_width = text::fit(&who, usize::from(area.width / 2)).chars().count() as u16;
    let [left, right] =
        Layout::horizontal([Constraint::Min(0), Constraint::Length(who_width)]).areas(area);
    let (msg, style) = match &app.notice {
        Some(n) => (
            sanitize_prefix(&n.text, 400),
            if n.level == NoticeLevel::Error {
                t.error
            } else {
                t.hint
            },
        ),
        None => (screen_hint(app.screen).to_string(), t.hint),
    };
    let msg = text::fit(&format!(" {msg}"), usize::from(left.width));
    frame.render_widget(Paragraph::new(Span::styled(msg, style)), left);
    let who_style = if app.connected { t.hint } else { t.error };
    let who = text::fit(&who, usize::from(right.width));
    frame.render_widget(Paragraph::new(Span::styled(who, who_style)), right);
}

fn screen_hint(screen: Screen) -> &'static str {
    match screen {
        Screen::Dashboard => "Tab or 1-3: screens · / search timestamps · ? help",
        Screen::Timestamps => "s stamp a file · / search · ↑↓ PgUp PgDn move · Esc recent",
        Screen::Log => "v verify inclusion · / go to entry · ↑↓ PgUp PgDn move",
    }
}

#[cfg(test)]
mod snapshot_tests;
