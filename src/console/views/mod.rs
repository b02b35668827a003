//! Rendering: pure functions from [`App`] to a frame. No I/O and no state changes here, so
//! every screen can be drawn into a `TestBackend` and snapshot-tested. This module draws what
//! every screen shares (header, status line, the help, the prompt, the confirmation dialog);
//! the visible screen draws its body and its outcome boxes.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::app::{App, NoticeLevel, Overlay, Screen};
use super::components::{confirm, help, layout, prompt, text};
use super::keymap;
use super::sanitize::{display_width, sanitize_prefix};
use super::screens;

/// Draws the whole console: header, the visible screen, the status line, then any overlay.
pub fn render(app: &App, frame: &mut Frame) {
    let [header, body, status] = layout::chrome(frame.area());
    render_header(app, frame, header);
    screens::render(app, frame, body);
    render_status(app, frame, status);
    let t = &app.theme;
    match &app.overlay {
        Overlay::None => {}
        Overlay::Help => help::render(t, &keymap::help(), frame, body),
        Overlay::Prompt(p) => {
            let title = screens::prompt_title(app, p.purpose);
            prompt::render(t, &title, &p.input, frame, body);
        }
        Overlay::Confirm(d) => confirm::view::render(t, &app.hello, d, frame, body),
        Overlay::StampResult(_) | Overlay::ActionResult(_) => {
            screens::render_outcome(app, frame, body)
        }
    }
}

/// The header, made to fit: first the notary's name goes, then the help hint (the status
/// line has it too), then the titles of the screens not shown (their numbers stay).
fn render_header(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let width = usize::from(area.width);
    let tabs = |short: bool| -> Vec<Span<'static>> {
        Screen::ALL
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let active = *s == app.screen;
                let label = if short && !active {
                    format!(" {} ", i + 1)
                } else {
                    format!(" {} {} ", i + 1, s.title())
                };
                let style = if active {
                    t.tab_active
                } else {
                    ratatui::style::Style::new()
                };
                Span::styled(label, style)
            })
            .collect()
    };
    let span_width = |spans: &[Span]| spans.iter().map(|s| s.width()).sum::<usize>();
    let hint = " ? help  q quit ";
    // A notary named like the program (`notar up` names its own so) reads "notar notar".
    let name = match app.hello.notary.eq_ignore_ascii_case("notar") {
        true => String::new(),
        false => text::fit(&sanitize_prefix(&app.hello.notary, 40), 20),
    };
    let full_tabs = tabs(false);
    let tabs_width = span_width(&full_tabs);
    // In columns: " notar ", then "│" alone, or the name and " │" (s12 L1: the bytes of "│"
    // were counted, three, so at 80 columns every title but the current one went).
    let brand = " notar ".len() + 1;
    let named = brand + 1 + name.chars().count();
    let (name, hint, tab_spans) = if named + tabs_width + hint.len() <= width {
        (name, hint, full_tabs)
    } else if brand + tabs_width + hint.len() <= width {
        (String::new(), hint, full_tabs)
    } else if brand + tabs_width <= width {
        (String::new(), "", full_tabs)
    } else {
        (String::new(), "", tabs(true))
    };
    let [left, right] =
        Layout::horizontal([Constraint::Min(0), Constraint::Length(hint.len() as u16)]).areas(area);
    let mut spans = vec![Span::styled(" notar ", t.title)];
    if name.is_empty() {
        spans.push(Span::raw("│"));
    } else {
        spans.push(Span::raw(name));
        spans.push(Span::raw(" │"));
    }
    spans.extend(tab_spans);
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
    let (msg, style, spills) = match &app.notice {
        Some(n) => (
            sanitize_prefix(&n.text, 400),
            if n.level == NoticeLevel::Error {
                t.error
            } else {
                t.hint
            },
            true,
        ),
        // A key hint never takes the row above: it would hide the body's border and its
        // scroll indicator for what the help screen also says.
        None => (screens::hint(app).to_string(), t.hint, false),
    };
    let msg = format!(" {msg}");
    let (first, rest) = if spills {
        spill(&msg, usize::from(left.width), usize::from(area.width))
    } else {
        (None, msg)
    };
    if let (Some(first), Some(above)) = (first, area.y.checked_sub(1)) {
        // Too long for the status line: its start takes the row above, the body's bottom
        // border (every screen's body is a bordered box), so the reason is not cut away.
        let row = Rect::new(area.x, above, area.width, 1);
        frame.render_widget(ratatui::widgets::Clear, row);
        frame.render_widget(Paragraph::new(Span::styled(first, style)), row);
    }
    let msg = text::fit(&rest, usize::from(left.width));
    frame.render_widget(Paragraph::new(Span::styled(msg, style)), left);
    let who_style = if app.connected { t.hint } else { t.error };
    let who = text::fit(&who, usize::from(right.width));
    frame.render_widget(Paragraph::new(Span::styled(who, who_style)), right);
}

/// A status message of `msg` for a status line of `fits` columns and a row of `width` above
/// it: when it is too long, its first row-full (cut at a space near its end) for the row
/// above, the rest for the status line.
fn spill(msg: &str, fits: usize, width: usize) -> (Option<String>, String) {
    if display_width(msg) <= fits {
        return (None, msg.to_string());
    }
    let (mut used, mut end, mut space) = (0, 0, None);
    for (i, c) in msg.char_indices() {
        used += display_width(c.encode_utf8(&mut [0; 4]));
        if used > width {
            break;
        }
        end = i + c.len_utf8();
        if c == ' ' && i > 0 {
            space = Some(i);
        }
    }
    // At a space near the row's end; else the row is filled (a long id is split, not moved).
    let cut = match space {
        Some(sp) if end < msg.len() && end - sp <= 12 => sp,
        _ => end,
    };
    let (first, rest) = msg.split_at(cut);
    (Some(first.to_string()), format!(" {}", rest.trim_start()))
}

#[cfg(test)]
mod cases_snapshots;
#[cfg(test)]
mod exchanges_snapshots;
#[cfg(test)]
mod ledger_snapshots;
#[cfg(test)]
pub(crate) mod snapshot_tests;
