//! The double-framed box of the trusted confirmation dialog and of the signing outcomes. Its
//! frame, title and labels are fixed text in fixed styles; data is drawn only as sanitised
//! values, wrapped under their label, never cut silently.

use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Padding, Paragraph};
use ratatui::Frame;

use crate::console::sanitize::sanitize;
use crate::console::theme::Theme;

use super::layout::centered;
use super::text::kv_lines;

/// The box is at most this wide.
pub const WIDTH_MAX: u16 = 96;
/// Wide enough for "TSA subject", narrow enough that a SHA-256 imprint fits one line at 80
/// columns.
pub const LABEL_WIDTH: usize = 12;

/// The box's width in `area`, and the width of the text inside its frame and padding.
pub fn widths(area: Rect) -> (u16, usize) {
    let width = area.width.min(WIDTH_MAX);
    (width, usize::from(width.saturating_sub(4)))
}

/// The frame: a double border in the fixed frame style, `title`, one column of padding.
pub fn block<'a>(theme: &Theme, title: Span<'a>) -> Block<'a> {
    Block::bordered()
        .border_type(BorderType::Double)
        .border_style(theme.confirm_frame)
        .title(title)
        .padding(Padding::horizontal(1))
}

/// The lines of a box: text, and labelled values wrapped to the box's text width.
pub struct BoxLines<'t> {
    theme: &'t Theme,
    text_width: usize,
    /// The lines so far.
    pub lines: Vec<Line<'static>>,
}

impl<'t> BoxLines<'t> {
    /// No lines yet, for text `text_width` columns wide.
    pub fn new(theme: &'t Theme, text_width: usize) -> Self {
        BoxLines {
            theme,
            text_width,
            lines: Vec::new(),
        }
    }

    /// The width of the box's text, in columns.
    pub fn text_width(&self) -> usize {
        self.text_width
    }

    /// `label`, then `value` (already sanitised) in `style`, wrapped under the value.
    pub fn kv(&mut self, label: &str, value: &str, style: Style) {
        let theme = self.theme;
        self.lines.extend(kv_lines(
            label,
            value,
            LABEL_WIDTH,
            self.text_width,
            theme.label,
            style,
        ));
    }

    /// `label`, then `raw` (text as received, sanitised here) in `style`.
    pub fn kv_raw(&mut self, label: &str, raw: &str, style: Style) {
        self.kv(label, &sanitize(raw), style);
    }

    /// A line of its own.
    pub fn push(&mut self, line: impl Into<Line<'static>>) {
        self.lines.push(line.into());
    }

    /// Fixed `text` in `style`, on a line of its own.
    pub fn styled(&mut self, text: &'static str, style: Style) {
        self.push(Span::styled(text, style));
    }
}

/// Draws `body`, a blank line and the fixed `footer` hint in a framed box titled `title`,
/// centred in `area` and as tall as its lines (at most `area`).
pub fn render_box(
    body: BoxLines,
    title: Span,
    footer: &'static str,
    frame: &mut Frame,
    area: Rect,
) {
    let theme = body.theme;
    let (width, _) = widths(area);
    let mut lines = body.lines;
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(footer, theme.hint)));
    let box_area = centered(area, width, (lines.len() as u16 + 2).min(area.height));
    frame.render_widget(Clear, box_area);
    let framed = Paragraph::new(lines).block(block(theme, title));
    frame.render_widget(framed, box_area);
}
