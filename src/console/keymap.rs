//! Keys to actions. Which keys mean what depends on what is open: a prompt takes text, the
//! confirmation dialog takes only its own keys, so no global key can slip through it.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use crate::model::registry::AgreementStatus;

use super::action::{Action, Move};
use super::app::{App, Overlay, Screen};

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
    Some(match key.code {
        KeyCode::Char('q') => Action::Quit,
        KeyCode::Tab => Action::NextScreen,
        KeyCode::BackTab => Action::PrevScreen,
        KeyCode::Char('1') => Action::GoTo(Screen::Dashboard),
        KeyCode::Char('2') => Action::GoTo(Screen::Timestamps),
        KeyCode::Char('3') => Action::GoTo(Screen::Log),
        KeyCode::Char('4') => Action::GoTo(Screen::Agreements),
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
        KeyCode::Char('s') if screen == Screen::Timestamps => Action::OpenStampPrompt,
        KeyCode::Char('v') if screen == Screen::Log => Action::Verify,
        _ if screen == Screen::Agreements => return agreements_key(key),
        _ => return None,
    })
}

fn agreements_key(key: KeyEvent) -> Option<Action> {
    Some(match key.code {
        KeyCode::Enter => Action::OpenDetail,
        KeyCode::Char('p') => Action::TogglePane,
        KeyCode::Char('n') => Action::NewParty,
        KeyCode::Char('c') => Action::NewAgreement,
        KeyCode::Char('x') => Action::RevokeKey,
        KeyCode::Char('s') => Action::SetAgreementStatus(AgreementStatus::Suspended),
        KeyCode::Char('u') => Action::SetAgreementStatus(AgreementStatus::Active),
        KeyCode::Char('e') => Action::SetAgreementStatus(AgreementStatus::Ended),
        _ => return None,
    })
}

/// The key list shown by `?`: (keys, what they do).
pub const HELP: &[(&str, &str)] = &[
    ("Tab / Shift-Tab", "next / previous screen"),
    ("1 2 3 4", "Dashboard, Timestamps, Log, Agreements"),
    ("↑ ↓  j k", "move the selection"),
    ("PgUp PgDn", "move by a page"),
    ("Home End  g G", "first / last row"),
    ("/", "search: digest/file (2), entry (3), name/id (4)"),
    ("s", "stamp a file (Timestamps)"),
    ("v", "verify inclusion of the entry (Log)"),
    (
        "Enter  p",
        "open agreement or party · parties/agreements (4)",
    ),
    ("n  c", "register a party · new agreement for a buyer (4)"),
    ("x", "revoke the selected key (4)"),
    ("s  u  e", "suspend · resume · end the agreement (4)"),
    ("r", "refresh now"),
    ("y / n", "sign / cancel in the confirmation dialog"),
    ("Esc", "close dialog, prompt or search"),
    ("?", "this help"),
    ("q  Ctrl-C", "quit"),
];
