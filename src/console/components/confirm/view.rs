//! The trusted confirmation dialog.
//!
//! The frame, title, labels and buttons are fixed text in fixed styles; data is drawn only as
//! sanitised values in the plain data style, wrapped, never cut silently (taller content
//! scrolls, and the footer says so). The buttons and the instruction line are always visible.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};
use ratatui::Frame;

use crate::api::admin::proto::Hello;
use crate::console::components::dialog::{self, BoxLines};
use crate::console::components::layout::centered;
use crate::console::theme::Theme;

use super::{ConfirmDialog, Focus, Signable};

/// Rows under the content: a blank line, the scroll position, the keys, the buttons.
const FOOTER_HEIGHT: u16 = 4;

/// Draws the confirmation dialog over `area`.
pub fn render<P: Signable>(
    theme: &Theme,
    hello: &Hello,
    d: &ConfirmDialog<P>,
    frame: &mut Frame,
    area: Rect,
) {
    let (width, text_width) = dialog::widths(area);
    let content = content(theme, hello, d, text_width);
    let wanted = content.len() as u16 + FOOTER_HEIGHT + 2;
    let box_area = centered(area, width, wanted.min(area.height));
    let (title, verb) = if d.plan.signs() {
        (" Confirm: the notary will sign ", Verb::Sign)
    } else {
        (" Confirm: the notary will record ", Verb::Record)
    };
    let title = Span::styled(title, theme.confirm_frame);
    let block = dialog::block(theme, title);
    let inner = block.inner(box_area);
    frame.render_widget(Clear, box_area);
    frame.render_widget(block, box_area);

    let [body, footer] =
        Layout::vertical([Constraint::Min(0), Constraint::Length(FOOTER_HEIGHT)]).areas(inner);
    let visible = usize::from(body.height);
    let scroll_max = content.len().saturating_sub(visible);
    let scroll = d.scroll.min(scroll_max);
    let shown: Vec<Line> = content.into_iter().skip(scroll).take(visible).collect();
    frame.render_widget(Paragraph::new(shown), body);
    let read = d.read_all || scroll >= scroll_max;
    let position = position(theme, (scroll, scroll_max, visible), read, verb);
    frame.render_widget(
        Paragraph::new(footer_lines(theme, position, d.focus, verb)),
        footer,
    );
}

/// The most the dialog scrolls when drawn over `area`: 0 when every line fits. The same sums
/// as [`render`] (the frame's two borders and the footer under the content).
pub fn scroll_max<P: Signable>(
    theme: &Theme,
    hello: &Hello,
    d: &ConfirmDialog<P>,
    area: Rect,
) -> usize {
    let (_, text_width) = dialog::widths(area);
    let lines = content(theme, hello, d, text_width).len();
    let wanted = lines as u16 + FOOTER_HEIGHT + 2;
    let visible = wanted.min(area.height).saturating_sub(FOOTER_HEIGHT + 2);
    lines.saturating_sub(usize::from(visible))
}

/// The headline, then every field of the plan.
fn content<P: Signable>(
    theme: &Theme,
    hello: &Hello,
    d: &ConfirmDialog<P>,
    text_width: usize,
) -> Vec<Line<'static>> {
    let mut content = BoxLines::new(theme, text_width);
    content.styled(d.headline(), theme.title);
    content.push("");
    for f in d.fields(hello) {
        content.kv(f.label, &f.value, theme.confirm_data);
    }
    content.lines
}

/// Which lines are shown, when not all fit: the arbitrator must scroll to read everything, and
/// once every line has been shown (`read`) the line says so (s12 L4: it still asked to scroll).
fn position(
    theme: &Theme,
    (scroll, scroll_max, visible): (usize, usize, usize),
    read: bool,
    verb: Verb,
) -> Span<'static> {
    let total = scroll_max + visible;
    if scroll_max > 0 && read {
        Span::styled(
            format!(
                "Lines {}-{} of {}: every line read",
                scroll + 1,
                (scroll + visible).min(total),
                total
            ),
            theme.hint,
        )
    } else if scroll_max > 0 {
        Span::styled(
            format!(
                "Lines {}-{} of {}: ↑↓ to read everything before {}",
                scroll + 1,
                (scroll + visible).min(total),
                total,
                match verb {
                    Verb::Sign => "signing",
                    Verb::Record => "recording",
                }
            ),
            theme.error,
        )
    } else {
        Span::styled("Check every line above.", theme.hint)
    }
}

/// What confirming does: the words of the instruction line and the button.
#[derive(Clone, Copy)]
enum Verb {
    Sign,
    Record,
}

fn footer_lines(
    theme: &Theme,
    position: Span<'static>,
    focus: Focus,
    verb: Verb,
) -> Vec<Line<'static>> {
    let (keys, confirm) = match verb {
        Verb::Sign => ("y: sign   n or Esc: cancel   Tab: move focus", "[ Sign ]"),
        Verb::Record => (
            "y: record   n or Esc: cancel   Tab: move focus",
            "[ Record ]",
        ),
    };
    let button = |label: &'static str, focused: bool| {
        let style = if focused {
            theme.button_focused
        } else {
            Style::new()
        };
        Span::styled(label, style)
    };
    vec![
        Line::from(""),
        Line::from(position),
        Line::from(Span::styled(keys, theme.hint)),
        Line::from(vec![
            button("[ Cancel ]", focus == Focus::Cancel),
            Span::raw("   "),
            button(confirm, focus == Focus::Sign),
        ]),
    ]
}
