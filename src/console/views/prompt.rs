//! The one-line prompt (search, file to stamp, entry index), drawn at the bottom of the body.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};
use ratatui::Frame;

use super::super::app::{App, Prompt, PromptPurpose};
use super::super::sanitize::{display_width, sanitize};

/// Draws `prompt` over the last three rows of `area`.
pub fn render(app: &App, prompt: &Prompt, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let height = 3.min(area.height);
    let box_area = Rect::new(area.x, area.y + area.height - height, area.width, height);
    let title = match prompt.purpose {
        PromptPurpose::Search => " Search timestamps: hex digest, or a file to hash ",
        PromptPurpose::StampPath => " Stamp a file: path (it is hashed here, then you confirm) ",
        PromptPurpose::GotoEntry => " Go to log entry: index ",
    };
    // Show the end of long input, which is where the cursor is.
    let room = usize::from(box_area.width.saturating_sub(5));
    let clean = sanitize(&prompt.input);
    let mut shown: &str = &clean;
    while display_width(shown) > room {
        let mut chars = shown.chars();
        chars.next();
        shown = chars.as_str();
    }
    let line = Line::from(vec![
        Span::styled("> ", t.label),
        Span::raw(shown.to_string()),
        Span::styled("_", t.selected),
    ]);
    let block = Block::bordered()
        .title(Span::styled(title, t.title))
        .title_bottom(Line::from(" Enter ok · Esc cancel "));
    frame.render_widget(Clear, box_area);
    frame.render_widget(Paragraph::new(line).block(block), box_area);
}
