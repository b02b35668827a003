//! The palette. crossterm never downgrades colours, so the console picks what the terminal can
//! show: nothing under `NO_COLOR`, 24-bit only when `COLORTERM` says so, else 256 colours when
//! `TERM` says so, else the 16 ANSI colours. Readability never depends on colour: selection is
//! reverse + bold, errors and warnings are bold, the confirmation frame is bold.

use ratatui::style::{Color, Modifier, Style};

/// How many colours the terminal can show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColorDepth {
    /// `NO_COLOR` is set: modifiers only.
    None,
    /// The 16 ANSI colours (the safe default over SSH).
    Ansi16,
    /// xterm's 256-colour palette.
    Ansi256,
    /// 24-bit RGB.
    TrueColor,
}

impl ColorDepth {
    /// Decides from the values of `NO_COLOR`, `COLORTERM` and `TERM` (pure, for tests).
    pub fn detect(no_color: Option<&str>, colorterm: Option<&str>, term: Option<&str>) -> Self {
        if no_color.is_some_and(|v| !v.is_empty()) {
            return ColorDepth::None;
        }
        if colorterm
            .is_some_and(|v| v.eq_ignore_ascii_case("truecolor") || v.eq_ignore_ascii_case("24bit"))
        {
            return ColorDepth::TrueColor;
        }
        if term.is_some_and(|v| v.contains("256color")) {
            return ColorDepth::Ansi256;
        }
        ColorDepth::Ansi16
    }

    /// Decides from this process's environment.
    pub fn from_env() -> Self {
        let var = |k: &str| std::env::var(k).ok();
        Self::detect(
            var("NO_COLOR").as_deref(),
            var("COLORTERM").as_deref(),
            var("TERM").as_deref(),
        )
    }
}

/// The styles every view uses; built once from a [`ColorDepth`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Theme {
    /// The depth this theme was built for.
    pub depth: ColorDepth,
    /// Block titles and headings.
    pub title: Style,
    /// The active screen's tab.
    pub tab_active: Style,
    /// Field labels in key/value blocks.
    pub label: Style,
    /// The selected row of a list.
    pub selected: Style,
    /// Table header rows.
    pub header: Style,
    /// Errors and the FAILED banner.
    pub error: Style,
    /// Warnings that are not errors (a silent respondent): bold, in yellow where there is
    /// colour.
    pub warn: Style,
    /// Successful checks.
    pub ok: Style,
    /// The frame of the trusted confirmation dialog.
    pub confirm_frame: Style,
    /// Data shown inside the confirmation dialog (never changed by the data itself).
    pub confirm_data: Style,
    /// The focused button.
    pub button_focused: Style,
    /// Hints and secondary text.
    pub hint: Style,
}

impl Theme {
    /// Builds the styles for `depth`.
    pub fn new(depth: ColorDepth) -> Self {
        let (accent, red, green, yellow) = match depth {
            ColorDepth::None => (None, None, None, None),
            ColorDepth::Ansi16 => (
                Some(Color::Cyan),
                Some(Color::Red),
                Some(Color::Green),
                Some(Color::Yellow),
            ),
            ColorDepth::Ansi256 => (
                Some(Color::Indexed(37)),
                Some(Color::Indexed(160)),
                Some(Color::Indexed(34)),
                Some(Color::Indexed(178)),
            ),
            ColorDepth::TrueColor => (
                Some(Color::Rgb(0x2a, 0xa1, 0x98)),
                Some(Color::Rgb(0xdc, 0x32, 0x2f)),
                Some(Color::Rgb(0x4e, 0x9a, 0x06)),
                Some(Color::Rgb(0xd7, 0xa0, 0x0b)),
            ),
        };
        let fg = |c: Option<Color>| c.map_or_else(Style::new, |c| Style::new().fg(c));
        let bold = Modifier::BOLD;
        Theme {
            depth,
            title: fg(accent).add_modifier(bold),
            tab_active: Style::new().add_modifier(Modifier::REVERSED | bold),
            label: fg(accent),
            selected: Style::new().add_modifier(Modifier::REVERSED | bold),
            header: Style::new().add_modifier(bold | Modifier::UNDERLINED),
            error: fg(red).add_modifier(bold),
            warn: fg(yellow).add_modifier(bold),
            ok: fg(green).add_modifier(bold),
            confirm_frame: fg(yellow).add_modifier(bold),
            confirm_data: Style::new(),
            button_focused: Style::new().add_modifier(Modifier::REVERSED | bold),
            hint: Style::new(),
        }
    }

    /// The theme for this process's environment.
    pub fn from_env() -> Self {
        Self::new(ColorDepth::from_env())
    }

    /// No colours at all (what the snapshot tests use).
    pub fn plain() -> Self {
        Self::new(ColorDepth::None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_follows_the_environment_rules() {
        use ColorDepth::*;
        assert_eq!(
            ColorDepth::detect(Some("1"), Some("truecolor"), Some("xterm-256color")),
            None
        );
        assert_eq!(
            ColorDepth::detect(Some(""), Some("truecolor"), Option::None),
            TrueColor
        );
        assert_eq!(
            ColorDepth::detect(Option::None, Some("24bit"), Option::None),
            TrueColor
        );
        assert_eq!(
            ColorDepth::detect(Option::None, Some("yes"), Some("xterm-256color")),
            Ansi256
        );
        assert_eq!(
            ColorDepth::detect(Option::None, Option::None, Some("screen-256color")),
            Ansi256
        );
        assert_eq!(
            ColorDepth::detect(Option::None, Option::None, Some("xterm")),
            Ansi16
        );
        assert_eq!(
            ColorDepth::detect(Option::None, Option::None, Option::None),
            Ansi16
        );
    }

    #[test]
    fn no_color_theme_has_no_colours_but_keeps_modifiers() {
        let t = Theme::new(ColorDepth::None);
        for s in [
            t.title,
            t.selected,
            t.error,
            t.warn,
            t.ok,
            t.confirm_frame,
            t.label,
        ] {
            assert_eq!(s.fg, Option::None);
            assert_eq!(s.bg, Option::None);
        }
        assert!(t.selected.add_modifier.contains(Modifier::REVERSED));
        assert!(t.error.add_modifier.contains(Modifier::BOLD));
    }

    #[test]
    fn ansi16_uses_only_named_colours() {
        let t = Theme::new(ColorDepth::Ansi16);
        for s in [t.title, t.error, t.warn, t.ok, t.confirm_frame, t.label] {
            assert!(!matches!(
                s.fg,
                Some(Color::Rgb(..)) | Some(Color::Indexed(_))
            ));
        }
    }
}
