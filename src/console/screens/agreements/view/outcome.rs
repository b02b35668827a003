//! What became of a confirmed registry or ledger request: waiting, signed (with what the notary
//! recorded, and a seller's API token shown this once), refused, not what was confirmed, or
//! unknown. It closes only with Enter or Esc.

use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::Frame;

use crate::console::components::dialog::{self, BoxLines};
use crate::console::sanitize::wrap_hard;
use crate::console::screens::agreements::plans::ActionOutcome;
use crate::console::theme::Theme;

/// Draws `outcome` over `area`.
pub fn render(theme: &Theme, outcome: &ActionOutcome, frame: &mut Frame, area: Rect) {
    let t = theme;
    let plain = Style::new();
    let mut b = BoxLines::new(t, dialog::widths(area).1);
    let (title, title_style) = match outcome {
        ActionOutcome::Pending(headline) => {
            b.push(Line::from(*headline));
            b.push("Waiting for the notary's answer…");
            (" Signing ".to_string(), t.title)
        }
        ActionOutcome::Done {
            title,
            fields,
            secret,
        } => {
            b.styled("The notary signed it.", t.ok);
            for f in fields {
                b.kv(f.label, &f.value, plain);
            }
            if let Some(token) = secret {
                show_token_once(t, &mut b, token);
            }
            (format!(" {title} "), t.ok)
        }
        ActionOutcome::Failed(why) => {
            b.styled("Nothing was signed.", t.error);
            b.kv_raw("Reason", why, plain);
            (" Not signed ".to_string(), t.error)
        }
        ActionOutcome::Mismatch(why) => {
            b.styled(
                "WARNING: the notary's answer is not what you confirmed.",
                t.error,
            );
            b.kv_raw("Problem", why, plain);
            (" Answer does not match ".to_string(), t.error)
        }
        ActionOutcome::Unknown(why) => {
            b.styled("Outcome unknown.", t.error);
            b.kv_raw("Reason", why, plain);
            (" Signing outcome unknown ".to_string(), t.error)
        }
    };
    let title = Span::styled(title, title_style);
    dialog::render_box(b, title, "Enter or Esc to close.", frame, area);
}

/// A seller's API token (already sanitised), on lines of its own so it can be selected and
/// copied in one piece.
fn show_token_once(t: &Theme, b: &mut BoxLines, token: &str) {
    b.push("");
    b.styled(
        "Seller API token, shown ONCE (the notary keeps only its hash):",
        t.error,
    );
    for part in wrap_hard(token, b.text_width()) {
        b.push(Span::styled(part, t.confirm_data));
    }
    b.styled("Copy it now and hand it to the seller.", t.hint);
}
