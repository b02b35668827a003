//! Text from others, made safe to show: one rule for the console, the CLI and the checks at
//! registration.
//!
//! A character is *hazardous* when it must not reach a terminal as itself: control characters
//! (which can start escape sequences) and the invisible and bidi formatting characters (which
//! can hide or reorder what a reader sees, e.g. U+202E turning `invoice\u{202e}fdp.exe` into
//! `invoiceexe.pdf`). The rule is twofold: names and reasons holding one are refused where they
//! enter (`registry::check_name`, `check_reason`), and everything shown that came from
//! elsewhere (a certificate subject, a party's free text, an error the server sends, a record
//! written before this rule) goes through [`sanitize`], which turns each into a visible escape.

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
        | '\u{17B4}' | '\u{17B5}'   // khmer inherent vowels (invisible)
        | '\u{180E}'                // mongolian vowel separator
        | '\u{200B}'..='\u{200F}'   // zero-width space/joiners, LRM, RLM
        | '\u{2028}' | '\u{2029}'   // line and paragraph separators
        | '\u{202A}'..='\u{202E}'   // bidi embeddings and overrides
        | '\u{2060}'..='\u{2064}'   // word joiner, invisible operators
        | '\u{2066}'..='\u{206F}'   // bidi isolates and deprecated format characters
        | '\u{2800}'                // braille pattern blank (looks like a space)
        | '\u{3164}'                // hangul filler
        | '\u{FE00}'..='\u{FE0F}'   // variation selectors
        | '\u{FEFF}'                // zero-width no-break space / BOM
        | '\u{FFA0}'                // halfwidth hangul filler
        | '\u{FFF9}'..='\u{FFFB}'   // interlinear annotation
        | '\u{1BCA0}'..='\u{1BCA3}' // shorthand format controls
        | '\u{1D173}'..='\u{1D17A}' // musical symbol formatting (invisible)
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

/// Like [`sanitize`] for one line of free text (a statement, a note), where a tab, a zero-width
/// non-joiner and a zero-width joiner are text (Persian and Indic spelling, emoji sequences):
/// they neither reorder nor hide what a reader sees.
pub fn sanitize_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\t' | ZWNJ | ZWJ => out.push(c),
            _ => push_sanitized(&mut out, c),
        }
    }
    out
}

/// U+200C ZERO WIDTH NON-JOINER and U+200D ZERO WIDTH JOINER: in free text, spelling.
const ZWNJ: char = '\u{200C}';
const ZWJ: char = '\u{200D}';

/// Whether `c` is refused in free text (a statement, a note): hazardous, but for the line
/// break, the tab and the two joiners, which are text there.
pub fn refused_in_text(c: char) -> bool {
    is_hazardous(c) && !matches!(c, '\n' | '\t' | ZWNJ | ZWJ)
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
    if c == '\\' {
        out.push_str("\\\\");
    } else {
        push_escaped(out, c);
    }
}

/// `c` itself, or its visible escape when it is hazardous (a backslash stays single).
fn push_escaped(out: &mut String, c: char) {
    use std::fmt::Write as _;
    if !is_hazardous(c) {
        out.push(c);
    } else if (c as u32) < 0x100 {
        // Writing into a String cannot fail.
        let _ = write!(out, "\\x{:02x}", c as u32);
    } else {
        let _ = write!(out, "\\u{{{:x}}}", c as u32);
    }
}

/// The first hazardous character of `s` and its byte offset, if any: for an error message
/// that says what was refused and where.
pub fn first_hazard(s: &str) -> Option<(usize, char)> {
    s.char_indices().find(|&(_, c)| is_hazardous(c))
}

/// Escapes hazardous characters but keeps line breaks: for multi-line text this program
/// wrote itself around values from others (an error chain, a report). A carriage return is
/// still escaped, so no line can be overwritten.
pub fn sanitize_lines(s: &str) -> String {
    s.split('\n').map(sanitize).collect::<Vec<_>>().join("\n")
}

/// Like [`sanitize_lines`] but a backslash stays single: for an error line, whose quoted
/// values the notary has already escaped ([`sanitize`]); escaping again would double every
/// backslash of those escapes (`"ab\\u{1b}"` for an id holding ESC, s11 L4). A hazardous
/// character is still escaped, so nothing a message holds reaches the terminal as itself.
pub fn escape_hazard_lines(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c == '\n' {
            out.push(c);
        } else {
            push_escaped(&mut out, c);
        }
    }
    out
}

/// JSON text with every hazardous character written as a JSON `\u` escape (a surrogate pair
/// above U+FFFF): the same JSON value, safe to show. JSON's own whitespace (tab, line feed,
/// carriage return) is kept; any other hazardous character can only stand inside a JSON string,
/// where the escape means the same character.
pub fn escape_json_hazards(json: &str) -> std::borrow::Cow<'_, str> {
    use std::fmt::Write as _;
    let hazard = |c: char| is_hazardous(c) && !matches!(c, '\t' | '\n' | '\r');
    if !json.chars().any(hazard) {
        return std::borrow::Cow::Borrowed(json);
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if !hazard(c) {
            out.push(c);
            continue;
        }
        let mut units = [0u16; 2];
        for unit in c.encode_utf16(&mut units) {
            // Writing into a String cannot fail.
            let _ = write!(out, "\\u{unit:04x}");
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Whether `a` and `b` would be taken for one another: the same letters and digits of their
/// UTS #39 confusable skeletons, case aside ("Alice" / "AIice" with a capital I, "root" / "rооt"
/// with Cyrillic о). Spaces, punctuation and combining marks are left out of the comparison:
/// they are easily missed ("Arb One " / "Arb One", s8 F2; "Alice." / "Alice", or with a
/// combining stroke or accent over a letter). Where one name must tell two people apart (two
/// arbitrators of one ruling), such a pair is refused.
pub fn look_alike(a: &str, b: &str) -> bool {
    use unicode_normalization::char::is_combining_mark;
    use unicode_security::confusable_detection::skeleton;
    let shape = |s: &str| -> String {
        skeleton(s)
            .filter(|c| c.is_alphanumeric() && !is_combining_mark(*c))
            .collect()
    };
    shape(a) == shape(b) || shape(&a.to_lowercase()) == shape(&b.to_lowercase())
}

/// Whether the letters and digits of `s` mix scripts beyond what UTS #39's "highly
/// restrictive" level allows: one script, or Latin with Han, Japanese or Korean ("Wang Wei 王伟"
/// is fine, Latin with a Cyrillic or Greek letter is not: the usual way to make a name look like
/// another's). Spaces and punctuation do not count; a letter not for identifiers (an obsolete
/// script) counts as mixing.
pub fn mixes_scripts(s: &str) -> bool {
    restriction_above_highly(s)
}

/// Whether one word of a name mixes scripts: more than one script among its letters, beyond
/// the Latin with Han, Japanese or Korean that [`mixes_scripts`] allows. Unlike
/// [`mixes_scripts`], letters outside the identifier profile of UTS #39 do not count as mixing:
/// a pointed Hebrew or a polytonic Greek name is one script (s14 F1).
pub fn word_mixes_scripts(word: &str) -> bool {
    use unicode_security::MixedScript;
    !word.is_single_script() && restriction_above_highly(word)
}

fn restriction_above_highly(s: &str) -> bool {
    use unicode_security::{RestrictionLevel, RestrictionLevelDetection};
    let letters: String = s.chars().filter(|c| c.is_alphanumeric()).collect();
    letters.as_str().detect_restriction_level() > RestrictionLevel::HighlyRestrictive
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn look_alike_names_and_mixed_scripts() {
        assert!(look_alike("root", "r\u{43e}\u{43e}t"), "Cyrillic о");
        assert!(look_alike("Alice", "AIice"), "capital I for l");
        assert!(look_alike("Alice", "alice"), "case aside");
        assert!(!look_alike("Alice", "Alicia"));
        assert!(mixes_scripts("r\u{43e}\u{43e}t"));
        assert!(
            !mixes_scripts("Jos\u{e9} Mart\u{ed}n"),
            "accented Latin is one script"
        );
        assert!(
            !mixes_scripts("\u{418}\u{432}\u{430}\u{43d}"),
            "Cyrillic alone"
        );
        assert!(!mixes_scripts("Anne-Marie O'Neil 2"));
        assert!(
            !mixes_scripts("Wang Wei \u{738b}\u{4f1f}"),
            "Latin with Han (s8 F3)"
        );
        assert!(!mixes_scripts("Alice Martin (arbitrator)"));
        assert!(
            look_alike("Arb One ", "Arb  One"),
            "spaces do not show (s8 F2)"
        );
        assert!(look_alike("Alice.", "Alice"), "a trailing full stop");
        assert!(look_alike("Alic\u{336}e", "Alice"), "a combining stroke");
        assert!(look_alike("Jose\u{301}", "Jos\u{e9}"), "NFD and NFC");
        assert!(look_alike("A|ice", "Alice"), "a bar for l");
        assert!(!look_alike("Alice Martin", "Alice Marten"));
    }

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
    fn prefix_is_marked_when_cut() {
        assert_eq!(sanitize_prefix("abcdef", 3), "abc…");
        assert_eq!(sanitize_prefix("abc", 3), "abc");
        assert_eq!(sanitize_prefix("\x1babc", 2), "\\x1ba…");
    }

    #[test]
    fn lines_keep_their_breaks_but_not_a_carriage_return() {
        assert_eq!(sanitize_lines("a\u{202e}b\nc\rd"), "a\\u{202e}b\nc\\x0dd");
        assert_eq!(
            escape_hazard_lines("\"a\\x1b\u{1b}\"\nb\u{202e}\r"),
            "\"a\\x1b\\x1b\"\nb\\u{202e}\\x0d"
        );
    }

    #[test]
    fn first_hazard_names_the_character_and_its_offset() {
        assert_eq!(first_hazard("ab\u{200b}c"), Some((2, '\u{200b}')));
        assert_eq!(first_hazard("Zoë 東京"), None);
    }

    #[test]
    fn json_hazards_become_escapes_of_the_same_value() {
        let v = serde_json::json!({"name": "a\u{202e}b\u{e0041}\u{1b}c", "plain": "Zoë"});
        let text = serde_json::to_string_pretty(&v).expect("json");
        let safe = escape_json_hazards(&text);
        assert!(
            safe.chars().all(|c| c == '\n' || !is_hazardous(c)),
            "{safe}"
        );
        assert!(
            safe.contains("\\u202e") && safe.contains("\\udb40\\udc41"),
            "{safe}"
        );
        let back: serde_json::Value = serde_json::from_str(&safe).expect("still JSON");
        assert_eq!(back, v);
        assert!(matches!(
            escape_json_hazards("{\"a\":1}"),
            std::borrow::Cow::Borrowed(_)
        ));
    }
}
