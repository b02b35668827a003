//! Makes untrusted text inert before it reaches the terminal.
//!
//! Everything the console shows that came from outside (the server, a file name) goes through
//! [`sanitize`]: control characters, escape sequences, bidi overrides and invisible characters
//! become visible escapes (`\x1b`, `\u{202e}`), so a hostile value can neither restyle the
//! screen nor reorder or hide what the arbitrator reads. A literal backslash is doubled so an
//! escape cannot be forged by typing one.

use unicode_width::UnicodeWidthChar;

/// True for characters that must not reach the terminal as themselves.
pub fn is_hazardous(c: char) -> bool {
    // C0, DEL and C1 controls (ESC, CSI = U+009B, CR, ...).
    if c.is_control() {
        return true;
    }
    matches!(
        c,
        '\u{00AD}'                  // soft hyphen (invisible)
        | '\u{034F}'                // combining grapheme joiner
        | '\u{061C}'                // arabic letter mark
        | '\u{115F}' | '\u{1160}'   // hangul fillers
        | '\u{180E}'                // mongolian vowel separator
        | '\u{200B}'..='\u{200F}'   // zero-width space/joiners, LRM, RLM
        | '\u{2028}' | '\u{2029}'   // line and paragraph separators
        | '\u{202A}'..='\u{202E}'   // bidi embeddings and overrides
        | '\u{2060}'..='\u{2064}'   // word joiner, invisible operators
        | '\u{2066}'..='\u{206F}'   // bidi isolates and deprecated format characters
        | '\u{3164}'                // hangul filler
        | '\u{FE00}'..='\u{FE0F}'   // variation selectors
        | '\u{FEFF}'                // zero-width no-break space / BOM
        | '\u{FFA0}'                // halfwidth hangul filler
        | '\u{FFF9}'..='\u{FFFB}'   // interlinear annotation
        | '\u{E0000}'..='\u{E007F}' // tag characters
    )
}

/// Returns `s` with every hazardous character replaced by a visible escape: `\xNN` below
/// U+0100, `\u{NNNN}` above, and `\` doubled. Never truncates.
pub fn sanitize(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        push_sanitized(&mut out, c);
    }
    out
}

/// Like [`sanitize`] but stops after `chars_max` input characters, marking the cut with `…`.
/// For list cells, where only a prefix can be seen anyway; never for what is about to be signed.
pub fn sanitize_prefix(s: &str, chars_max: usize) -> String {
    let mut out = String::with_capacity(s.len().min(chars_max * 2));
    for (i, c) in s.chars().enumerate() {
        if i == chars_max {
            out.push('…');
            break;
        }
        push_sanitized(&mut out, c);
    }
    out
}

fn push_sanitized(out: &mut String, c: char) {
    use std::fmt::Write as _;
    if c == '\\' {
        out.push_str("\\\\");
    } else if !is_hazardous(c) {
        out.push(c);
    } else if (c as u32) < 0x100 {
        // Writing into a String cannot fail.
        let _ = write!(out, "\\x{:02x}", c as u32);
    } else {
        let _ = write!(out, "\\u{{{:x}}}", c as u32);
    }
}

/// Splits already sanitised text into lines of at most `width` display columns, breaking
/// anywhere (hex and base64 have no spaces). Nothing is dropped: the concatenation of the lines
/// is the input. A character wider than `width` gets a line of its own.
pub fn wrap_hard(s: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut line_width = 0;
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        if line_width + w > width && !line.is_empty() {
            lines.push(std::mem::take(&mut line));
            line_width = 0;
        }
        line.push(c);
        line_width += w;
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// Display width of `s` in terminal columns.
pub fn display_width(s: &str) -> usize {
    s.chars().map(|c| c.width().unwrap_or(0)).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sgr_escape_becomes_visible_text() {
        assert_eq!(sanitize("\x1b[31mred"), "\\x1b[31mred");
        assert!(!sanitize("\x1b[31mred").contains('\x1b'));
    }

    #[test]
    fn carriage_return_and_newline_are_escaped() {
        assert_eq!(sanitize("ok.pdf\rEVIL"), "ok.pdf\\x0dEVIL");
        assert_eq!(sanitize("a\nb\tc"), "a\\x0ab\\x09c");
    }

    #[test]
    fn c1_csi_is_escaped() {
        assert_eq!(sanitize("a\u{9b}31mb"), "a\\x9b31mb");
    }

    #[test]
    fn bidi_override_is_escaped() {
        let s = sanitize("invoice\u{202e}fdp.exe");
        assert_eq!(s, "invoice\\u{202e}fdp.exe");
        for c in [
            '\u{202a}', '\u{202d}', '\u{2066}', '\u{2069}', '\u{200b}', '\u{feff}',
        ] {
            assert!(!sanitize(&format!("x{c}y")).contains(c), "{c:?}");
        }
    }

    #[test]
    fn backslash_is_doubled_so_escapes_cannot_be_forged() {
        assert_eq!(sanitize("\\x1b"), "\\\\x1b");
        assert_ne!(sanitize("\\x1b"), sanitize("\x1b"));
    }

    #[test]
    fn plain_text_and_non_latin_pass_through() {
        assert_eq!(
            sanitize("Vertrag für Zoë 東京.pdf"),
            "Vertrag für Zoë 東京.pdf"
        );
    }

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
    fn wrap_respects_wide_characters() {
        let lines = wrap_hard("東京東京東", 4);
        assert_eq!(lines, vec!["東京", "東京", "東"]);
        assert_eq!(wrap_hard("", 10), vec![String::new()]);
    }

    #[test]
    fn prefix_is_marked_when_cut() {
        assert_eq!(sanitize_prefix("abcdef", 3), "abc…");
        assert_eq!(sanitize_prefix("abc", 3), "abc");
        assert_eq!(sanitize_prefix("\x1babc", 2), "\\x1ba…");
    }
}
