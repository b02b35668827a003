//! The trusted confirmation dialog and the signing outcome box.
//!
//! The frame, title, labels and buttons are fixed text in fixed styles; data is drawn only as
//! sanitised values in the plain data style, wrapped, never cut silently (taller content
//! scrolls, and the footer says so). The buttons and the instruction line are always visible.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Padding, Paragraph};
use ratatui::Frame;

use crate::console::app::App;
use crate::console::components::confirm::{hash_alg_label, ConfirmDialog, Focus, StampOutcome};
use crate::console::sanitize::sanitize;
use crate::console::components::layout::centered;
use crate::console::components::text::kv_lines;

const WIDTH_MAX: u16 = 96;
/// Wide enough for "TSA subject", narrow enough that a SHA-256 imprint fits one line at 80
/// columns.
const LABEL_WIDTH: usize = 12;

/// Draws the confirmation dialog over `area`.
pub fn render(app: &App, d: &ConfirmDialog, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let width = area.width.min(WIDTH_MAX);
    let text_width = usize::from(width.saturating_sub(4));
    let mut content = vec![
        Line::from(Span::styled(d.headline(), t.title)),
        Line::from(""),
    ];
    for f in d.fields(&app.hello) {
        content.extend(kv_lines(
            f.label,
            &f.value,
            LABEL_WIDTH,
            text_width,
            t.label,
            t.confirm_data,
        ));
    }
    let footer_height = 4u16;
    let wanted = content.len() as u16 + footer_height + 2;
    let box_area = centered(area, width, wanted.min(area.height));
    let block = Block::bordered()
        .border_type(BorderType::Double)
        .border_style(t.confirm_frame)
        .title(Span::styled(
            " Confirm: the notary will sign ",
            t.confirm_frame,
        ))
        .padding(Padding::horizontal(1));
    let inner = block.inner(box_area);
    frame.render_widget(Clear, box_area);
    frame.render_widget(block, box_area);

    let [body, footer] =
        Layout::vertical([Constraint::Min(0), Constraint::Length(footer_height)]).areas(inner);
    let visible = usize::from(body.height);
    let scroll_max = content.len().saturating_sub(visible);
    let scroll = d.scroll.min(scroll_max);
    let shown: Vec<Line> = content.into_iter().skip(scroll).take(visible).collect();
    frame.render_widget(Paragraph::new(shown), body);

    let total = scroll_max + visible;
    let position = if scroll_max > 0 {
        Span::styled(
            format!(
                "Lines {}-{} of {}: ↑↓ to read everything before signing",
                scroll + 1,
                (scroll + visible).min(total),
                total
            ),
            t.error,
        )
    } else {
        Span::styled("Check every line above.", t.hint)
    };
    let button = |label: &'static str, focused: bool| {
        let style = if focused {
            t.button_focused
        } else {
            Style::new()
        };
        Span::styled(label, style)
    };
    let footer_lines = vec![
        Line::from(""),
        Line::from(position),
        Line::from(Span::styled(
            "y: sign   n or Esc: cancel   Tab: move focus",
            t.hint,
        )),
        Line::from(vec![
            button("[ Cancel ]", d.focus == Focus::Cancel),
            Span::raw("   "),
            button("[ Sign ]", d.focus == Focus::Sign),
        ]),
    ];
    frame.render_widget(Paragraph::new(footer_lines), footer);
}

/// Draws what became of a confirmed signing request.
pub fn render_outcome(app: &App, outcome: &StampOutcome, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let width = area.width.min(WIDTH_MAX);
    let text_width = usize::from(width.saturating_sub(4));
    let kv = |label: &str, value: &str, style: Style| {
        kv_lines(
            label,
            &sanitize(value),
            LABEL_WIDTH,
            text_width,
            t.label,
            style,
        )
    };
    let mut lines = Vec::new();
    let (title, title_style) = match outcome {
        StampOutcome::Pending { imprint } => {
            lines.push(Line::from("Waiting for the notary's answer…"));
            lines.extend(kv("Imprint", imprint, Style::new()));
            (" Signing ", t.title)
        }
        StampOutcome::Done(item) => {
            lines.push(Line::from(Span::styled(
                "The notary signed the timestamp.",
                t.ok,
            )));
            lines.extend(kv("Serial", &item.serial.to_string(), Style::new()));
            lines.extend(kv("Log index", &item.serial.to_string(), Style::new()));
            lines.extend(kv("Time", &item.gen_time, Style::new()));
            lines.extend(kv(
                "Algorithm",
                &hash_alg_label(&item.hash_alg),
                Style::new(),
            ));
            lines.extend(kv("Imprint", &item.imprint, Style::new()));
            if let Some(op) = &item.operator {
                lines.extend(kv("Operator", op, Style::new()));
            }
            (" Timestamp signed ", t.ok)
        }
        StampOutcome::Failed(why) => {
            lines.push(Line::from(Span::styled("Nothing was signed.", t.error)));
            lines.extend(kv("Reason", why, Style::new()));
            (" Not signed ", t.error)
        }
        StampOutcome::Mismatch { expected, item } => {
            lines.push(Line::from(Span::styled(
                "WARNING: the notary's answer is not the imprint you confirmed.",
                t.error,
            )));
            lines.extend(kv("Confirmed", expected, Style::new()));
            lines.extend(kv("Signed", &item.imprint, t.error));
            lines.extend(kv("Serial", &item.serial.to_string(), Style::new()));
            (" Answer does not match ", t.error)
        }
        StampOutcome::Unknown(why) => {
            lines.push(Line::from(Span::styled("Outcome unknown.", t.error)));
            lines.extend(kv("Reason", why, Style::new()));
            (" Signing outcome unknown ", t.error)
        }
    };
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled("Any key to close.", t.hint)));
    let box_area = centered(area, width, (lines.len() as u16 + 2).min(area.height));
    let block = Block::bordered()
        .border_type(BorderType::Double)
        .border_style(t.confirm_frame)
        .title(Span::styled(title, title_style))
        .padding(Padding::horizontal(1));
    frame.render_widget(Clear, box_area);
    frame.render_widget(Paragraph::new(lines).block(block), box_area);
}
