//! The `?` overlay: every key binding.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};
use ratatui::Frame;

use crate::console::theme::Theme;

use super::layout::centered;

/// Draws the help box listing `keys` (keys, what they do) over `area`.
pub fn render(theme: &Theme, keys: &[(String, String)], frame: &mut Frame, area: Rect) {
    let t = theme;
    let mut lines: Vec<Line> = keys
        .iter()
        .map(|(keys, what)| {
            Line::from(vec![
                Span::styled(format!("{keys:<16}"), t.label),
                Span::raw(what.as_str()),
            ])
        })
        .collect();
    // The blank spacer goes first when the box would not fit (80×24 with every screen's keys).
    if lines.len() + 4 <= usize::from(area.height) {
        lines.push(Line::from(""));
    }
    lines.push(Line::from(Span::styled(
        "Signing always asks for confirmation first.",
        t.hint,
    )));
    let box_area = centered(area, 74, lines.len() as u16 + 2);
    let block = Block::bordered()
        .title(Span::styled(" Keys ", t.title))
        .title_bottom(Line::from(" Esc or ? to close "));
    frame.render_widget(Clear, box_area);
    frame.render_widget(Paragraph::new(lines).block(block), box_area);
}
