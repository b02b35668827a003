//! Small text helpers shared by the views: labelled values that wrap instead of being cut,
//! cells cut with a visible `…`, and grouped digits.

use ratatui::style::Style;
use ratatui::text::{Line, Span};

use crate::console::sanitize::{display_width, wrap_words};

/// `label` padded to `label_width`, then `value` (already sanitised) wrapped to the rest of
/// `width`; continuation lines are indented under the value.
pub fn kv_lines(
    label: &str,
    value: &str,
    label_width: usize,
    width: usize,
    label_style: Style,
    value_style: Style,
) -> Vec<Line<'static>> {
    let value_width = width.saturating_sub(label_width).max(8);
    wrap_words(value, value_width)
        .into_iter()
        .enumerate()
        .map(|(i, chunk)| {
            let head = if i == 0 { label } else { "" };
            Line::from(vec![
                Span::styled(format!("{head:<label_width$}"), label_style),
                Span::styled(chunk, value_style),
            ])
        })
        .collect()
}

/// `s` (already sanitised) cut to `width` columns, ending in `…` when cut.
pub fn fit(s: &str, width: usize) -> String {
    if display_width(s) <= width {
        return s.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = display_width(c.encode_utf8(&mut [0; 4]));
        if used + w + 1 > width {
            break;
        }
        out.push(c);
        used += w;
    }
    if width > 0 {
        out.push('…');
    }
    out
}

/// `1234567` → `1,234,567`.
pub fn group_digits(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_marks_cuts() {
        assert_eq!(fit("abcdef", 10), "abcdef");
        assert_eq!(fit("abcdef", 4), "abc…");
        assert_eq!(fit("abcdef", 0), "");
    }

    #[test]
    fn kv_wraps_under_the_value() {
        let lines = kv_lines("Key", &"x".repeat(30), 6, 26, Style::new(), Style::new());
        let text: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
        assert_eq!(
            text,
            vec![
                format!("Key   {}", "x".repeat(20)),
                format!("      {}", "x".repeat(10))
            ]
        );
    }

    #[test]
    fn digits_are_grouped() {
        assert_eq!(group_digits(0), "0");
        assert_eq!(group_digits(999), "999");
        assert_eq!(group_digits(1_000), "1,000");
        assert_eq!(group_digits(12_345_678), "12,345,678");
    }
}
