//! What became of a confirmed registry or ledger request: waiting, signed (with what the notary
//! recorded, and a seller's API token shown this once), refused, not what was confirmed, or
//! unknown. It closes only with Enter or Esc.

use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Padding, Paragraph};
use ratatui::Frame;

use crate::console::app::App;
use crate::console::components::layout::centered;
use crate::console::components::text::kv_lines;
use crate::console::sanitize::{sanitize, wrap_hard};
use crate::console::screens::agreements::plans::ActionOutcome;

const WIDTH_MAX: u16 = 96;
const LABEL_WIDTH: usize = 12;

/// Draws `outcome` over `area`.
pub fn render(app: &App, outcome: &ActionOutcome, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let width = area.width.min(WIDTH_MAX);
    let text_width = usize::from(width.saturating_sub(4));
    let kv = |label: &str, value: &str, style: Style| {
        kv_lines(label, value, LABEL_WIDTH, text_width, t.label, style)
    };
    let mut lines = Vec::new();
    let (title, title_style) = match outcome {
        ActionOutcome::Pending(headline) => {
            lines.push(Line::from(*headline));
            lines.push(Line::from("Waiting for the notary's answer…"));
            (" Signing ".to_string(), t.title)
        }
        ActionOutcome::Done {
            title,
            fields,
            secret,
        } => {
            lines.push(Line::from(Span::styled("The notary signed it.", t.ok)));
            for f in fields {
                lines.extend(kv(f.label, &f.value, Style::new()));
            }
            if let Some(token) = secret {
                lines.push(Line::from(""));
                lines.push(Line::from(Span::styled(
                    "Seller API token, shown ONCE (the notary keeps only its hash):",
                    t.error,
                )));
                // On a line of its own, so it can be selected and copied in one piece.
                for part in wrap_hard(token, text_width) {
                    lines.push(Line::from(Span::styled(part, t.confirm_data)));
                }
                lines.push(Line::from(Span::styled(
                    "Copy it now and hand it to the seller.",
                    t.hint,
                )));
            }
            (format!(" {title} "), t.ok)
        }
        ActionOutcome::Failed(why) => {
            lines.push(Line::from(Span::styled("Nothing was signed.", t.error)));
            lines.extend(kv("Reason", &sanitize(why), Style::new()));
            (" Not signed ".to_string(), t.error)
        }
        ActionOutcome::Mismatch(why) => {
            lines.push(Line::from(Span::styled(
                "WARNING: the notary's answer is not what you confirmed.",
                t.error,
            )));
            lines.extend(kv("Problem", &sanitize(why), Style::new()));
            (" Answer does not match ".to_string(), t.error)
        }
        ActionOutcome::Unknown(why) => {
            lines.push(Line::from(Span::styled("Outcome unknown.", t.error)));
            lines.extend(kv("Reason", &sanitize(why), Style::new()));
            (" Signing outcome unknown ".to_string(), t.error)
        }
    };
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled("Enter or Esc to close.", t.hint)));
    let box_area = centered(area, width, (lines.len() as u16 + 2).min(area.height));
    let block = Block::bordered()
        .border_type(BorderType::Double)
        .border_style(t.confirm_frame)
        .title(Span::styled(title, title_style))
        .padding(Padding::horizontal(1));
    frame.render_widget(Clear, box_area);
    frame.render_widget(Paragraph::new(lines).block(block), box_area);
}
