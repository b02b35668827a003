//! Makes untrusted text inert before it reaches the terminal.
//!
//! Everything the console shows that came from outside (the server, a file name) goes through
//! [`sanitize`]: control characters, escape sequences, bidi overrides and invisible characters
//! become visible escapes (`\x1b`, `\u{202e}`), so a hostile value can neither restyle the
//! screen nor reorder or hide what the arbitrator reads. A literal backslash is doubled so an
//! escape cannot be forged by typing one.

use unicode_width::UnicodeWidthChar;

pub use crate::model::text::{is_hazardous, sanitize, sanitize_prefix};

/// Splits already sanitised text into lines of at most `width` display columns, breaking
/// anywhere (hex and base64 have no spaces). Nothing is dropped: the concatenation of the lines
/// is the input. A character wider than `width` gets a line of its own.
pub fn wrap_hard(s: &str, width: usize) -> Vec<String> {
    let mut lines = Lines::new(width);
    s.chars().for_each(|c| lines.push(c, true));
    lines.finish()
}

/// Like [`wrap_hard`], but a word (an id, a digest, a UUID) that fits on a line of its own is
/// not split: the line breaks after the space before it. A word longer than a line breaks
/// anywhere, continuing the line it starts on (hex and base64 have no spaces). Nothing is
/// dropped: the concatenation of the lines is the input (a break's space ends its line, so a
/// line may end in one space past `width`).
pub fn wrap_words(s: &str, width: usize) -> Vec<String> {
    let mut lines = Lines::new(width);
    for token in s.split_inclusive(' ') {
        let word = token.strip_suffix(' ').unwrap_or(token);
        let word_width = display_width(word);
        if word_width <= lines.width && lines.used + word_width > lines.width {
            lines.flush();
        }
        token.chars().for_each(|c| lines.push(c, c != ' '));
    }
    lines.finish()
}

/// The lines [`wrap_hard`] and [`wrap_words`] build: the finished ones, and the one being
/// filled with its width so far.
struct Lines {
    width: usize,
    done: Vec<String>,
    line: String,
    used: usize,
}

impl Lines {
    fn new(width: usize) -> Lines {
        Lines {
            width: width.max(1),
            done: Vec::new(),
            line: String::new(),
            used: 0,
        }
    }

    /// Ends the line being filled, unless it is empty.
    fn flush(&mut self) {
        if !self.line.is_empty() {
            self.done.push(std::mem::take(&mut self.line));
            self.used = 0;
        }
    }

    /// Adds `c`, first ending the line when `c` would not fit and `may_break`.
    fn push(&mut self, c: char, may_break: bool) {
        let w = c.width().unwrap_or(0);
        if may_break && self.used + w > self.width {
            self.flush();
        }
        self.line.push(c);
        self.used += w;
    }

    fn finish(mut self) -> Vec<String> {
        if !self.line.is_empty() || self.done.is_empty() {
            self.done.push(self.line);
        }
        self.done
    }
}

/// Display width of `s` in terminal columns.
pub fn display_width(s: &str) -> usize {
    s.chars().map(|c| c.width().unwrap_or(0)).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ten_kilobytes_are_kept_whole_and_wrapped() {
        let s = "A".repeat(10_000);
        let clean = sanitize(&s);
        assert_eq!(clean.len(), 10_000);
        let lines = wrap_hard(&clean, 60);
        assert_eq!(lines.len(), 167);
        assert!(lines.iter().all(|l| display_width(l) <= 60));
        assert_eq!(lines.concat(), clean);
    }

    #[test]
    fn words_and_ids_stay_whole_where_they_fit() {
        let id = "01a23abe-a9ad-7c3e-b051-8ac1e3658987";
        let s = format!("guarantee {id} covers the order of 150.00 EUR");
        let lines = wrap_words(&s, 40);
        assert_eq!(lines.concat(), s);
        assert!(lines.iter().any(|l| l.trim_end() == id), "{lines:?}");
        assert!(
            lines.iter().all(|l| display_width(l.trim_end()) <= 40),
            "{lines:?}"
        );
        // No space to break at: as wrap_hard.
        let hex = "ab".repeat(40);
        assert_eq!(wrap_words(&hex, 30), wrap_hard(&hex, 30));
        assert_eq!(wrap_words("", 10), vec![String::new()]);
    }

    #[test]
    fn wrap_respects_wide_characters() {
        let lines = wrap_hard("東京東京東", 4);
        assert_eq!(lines, vec!["東京", "東京", "東"]);
        assert_eq!(wrap_hard("", 10), vec![String::new()]);
    }
}
