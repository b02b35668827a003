//! The one-line prompt (a search, a file to stamp, an entry index, an action's question),
//! drawn at the bottom of the body. The screen that asks gives its title.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};
use ratatui::Frame;

use crate::console::sanitize::{display_width, sanitize};
use crate::console::theme::Theme;

use super::text::fit;

/// Draws a prompt titled `title` holding `input` over the last three rows of `area`.
pub fn render(theme: &Theme, title: &str, input: &str, frame: &mut Frame, area: Rect) {
    let t = theme;
    let height = 3.min(area.height);
    let box_area = Rect::new(area.x, area.y + area.height - height, area.width, height);
    let title = fit(title, usize::from(area.width.saturating_sub(2)));
    // Show the end of long input, which is where the cursor is.
    let room = usize::from(box_area.width.saturating_sub(5));
    let clean = sanitize(input);
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
