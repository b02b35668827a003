//! Keys to actions. Which keys mean what depends on what is open: a prompt takes text, the
//! confirmation dialog takes only its own keys, so no global key can slip through it. With
//! nothing open, the keys every screen has come first, then the visible screen's own.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::action::{Action, Move};
use super::app::{App, Overlay, Screen};
use super::screens;

/// The action for `key` in the current state, if any.
pub fn action_for_key(app: &App, key: KeyEvent) -> Option<Action> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    if ctrl && matches!(key.code, KeyCode::Char('c') | KeyCode::Char('C')) {
        return Some(Action::Quit);
    }
    match &app.overlay {
        Overlay::Confirm(_) => confirm_key(key),
        Overlay::Prompt(_) => prompt_key(key, ctrl),
        Overlay::Help => match key.code {
            KeyCode::Esc | KeyCode::Char('?') => Some(Action::Back),
            KeyCode::Char('q') => Some(Action::Quit),
            _ => None,
        },
        Overlay::StampResult(_) => Some(Action::Back),
        // Only on purpose: it may hold a token shown this once.
        Overlay::ActionResult(_) => match key.code {
            KeyCode::Enter | KeyCode::Esc => Some(Action::Back),
            _ => None,
        },
        Overlay::None => screen_key(app.screen, key, ctrl),
    }
}

fn confirm_key(key: KeyEvent) -> Option<Action> {
    Some(match key.code {
        KeyCode::Char('y') | KeyCode::Char('Y') => Action::ConfirmSign,
        KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Char('q') | KeyCode::Esc => {
            Action::ConfirmCancel
        }
        KeyCode::Enter => Action::ConfirmActivate,
        KeyCode::Tab | KeyCode::BackTab | KeyCode::Left | KeyCode::Right => {
            Action::ConfirmToggleFocus
        }
        KeyCode::Char('h') | KeyCode::Char('l') => Action::ConfirmToggleFocus,
        KeyCode::Up | KeyCode::Char('k') => Action::ConfirmScroll(-1),
        KeyCode::Down | KeyCode::Char('j') => Action::ConfirmScroll(1),
        KeyCode::PageUp => Action::ConfirmScroll(-10),
        KeyCode::PageDown => Action::ConfirmScroll(10),
        _ => return None,
    })
}

fn prompt_key(key: KeyEvent, ctrl: bool) -> Option<Action> {
    match key.code {
        KeyCode::Esc => Some(Action::Back),
        KeyCode::Enter => Some(Action::PromptSubmit),
        KeyCode::Backspace => Some(Action::PromptBackspace),
        KeyCode::Char(c) if !ctrl && !key.modifiers.contains(KeyModifiers::ALT) => {
            Some(Action::PromptInput(c))
        }
        _ => None,
    }
}

fn screen_key(screen: Screen, key: KeyEvent, ctrl: bool) -> Option<Action> {
    if ctrl {
        return None;
    }
    if let Some(screen) = numbered(key.code) {
        return Some(Action::GoTo(screen));
    }
    Some(match key.code {
        KeyCode::Char('q') => Action::Quit,
        KeyCode::Tab => Action::NextScreen,
        KeyCode::BackTab => Action::PrevScreen,
        KeyCode::Char('?') => Action::ToggleHelp,
        KeyCode::Char('/') => Action::OpenSearch,
        KeyCode::Char('r') => Action::Refresh,
        KeyCode::Esc => Action::Back,
        KeyCode::Up | KeyCode::Char('k') => Action::Move(Move::Up),
        KeyCode::Down | KeyCode::Char('j') => Action::Move(Move::Down),
        KeyCode::PageUp => Action::Move(Move::PageUp),
        KeyCode::PageDown => Action::Move(Move::PageDown),
        KeyCode::Home | KeyCode::Char('g') => Action::Move(Move::Top),
        KeyCode::End | KeyCode::Char('G') => Action::Move(Move::Bottom),
        _ => return screens::key(screen, key),
    })
}

/// The screen a digit key stands for (`1` is the first of [`Screen::ALL`]).
fn numbered(code: KeyCode) -> Option<Screen> {
    let KeyCode::Char(c) = code else {
        return None;
    };
    let n = c.to_digit(10)? as usize;
    Screen::ALL.get(n.checked_sub(1)?).copied()
}

/// Keys every screen has, before the screens' own in the help box.
const HELP_MOVES: &[(&str, &str)] = &[
    ("↑ ↓  j k", "move the selection"),
    ("PgUp PgDn", "move by a page"),
    ("Home End  g G", "first / last row"),
    ("/", "search: digest/file (2), entry (3), name/id (4)"),
];

/// Keys every screen has, after the screens' own in the help box.
const HELP_GENERAL: &[(&str, &str)] = &[
    ("r", "refresh now"),
    ("y / n", "sign / cancel in the confirmation dialog"),
    ("Esc", "close dialog, prompt or search"),
    ("?", "this help"),
    ("q  Ctrl-C", "quit"),
];

/// The key list shown by `?`: (keys, what they do); the screens' own keys in screen order.
pub fn help() -> Vec<(String, String)> {
    let numbers: Vec<String> = (1..=Screen::ALL.len()).map(|i| i.to_string()).collect();
    let titles: Vec<&str> = Screen::ALL.iter().map(|s| s.title()).collect();
    let mut lines = vec![
        (
            "Tab / Shift-Tab".to_string(),
            "next / previous screen".to_string(),
        ),
        (numbers.join(" "), titles.join(", ")),
    ];
    let screens_keys = Screen::ALL.iter().flat_map(|s| screens::help(*s).iter());
    let fixed = HELP_MOVES.iter().chain(screens_keys).chain(HELP_GENERAL);
    lines.extend(fixed.map(|(keys, what)| (keys.to_string(), what.to_string())));
    lines
}
