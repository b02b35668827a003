//! The console's whole state. Views read it, `update` changes it; nothing in here does I/O.

use ed25519_dalek::VerifyingKey;

use crate::api::admin::proto::{Hello, Status};

use super::components::confirm::{ConfirmDialog, StampOutcome};
use super::components::layout;
use super::components::list::{LogView, TimestampList};
use super::requests::Requests;
use super::screens::agreements::plans::ActionOutcome;
use super::screens::agreements::AgreementsView;
use super::theme::Theme;

/// Poll `Status` this often.
pub const STATUS_POLL_MS: u64 = 1_000;
/// Poll the visible screen's list this often.
pub const LIST_POLL_MS: u64 = 1_500;
/// Longest text the prompt accepts (characters).
pub const PROMPT_LEN_MAX: usize = 4_096;

/// The screens, in `Tab` order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Screen {
    /// Notary identity and live figures.
    Dashboard,
    /// Recent timestamps, search, stamping.
    Timestamps,
    /// Checkpoints, entries, inclusion proofs.
    Log,
    /// Parties, agreements with their exposure, keys, guarantees, the live feed.
    Agreements,
}

impl Screen {
    /// All screens in display order.
    pub const ALL: [Screen; 4] = [
        Screen::Dashboard,
        Screen::Timestamps,
        Screen::Log,
        Screen::Agreements,
    ];

    /// Tab title.
    pub fn title(self) -> &'static str {
        match self {
            Screen::Dashboard => "Dashboard",
            Screen::Timestamps => "Timestamps",
            Screen::Log => "Log",
            Screen::Agreements => "Agreements",
        }
    }

    /// The screen after this one, wrapping.
    pub fn next(self) -> Screen {
        match self {
            Screen::Dashboard => Screen::Timestamps,
            Screen::Timestamps => Screen::Log,
            Screen::Log => Screen::Agreements,
            Screen::Agreements => Screen::Dashboard,
        }
    }

    /// The screen before this one, wrapping.
    pub fn prev(self) -> Screen {
        match self {
            Screen::Dashboard => Screen::Agreements,
            Screen::Timestamps => Screen::Dashboard,
            Screen::Log => Screen::Timestamps,
            Screen::Agreements => Screen::Log,
        }
    }
}

/// What the one-line prompt is asking for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PromptPurpose {
    /// A hex digest or a file path to search timestamps for.
    Search,
    /// A file to stamp.
    StampPath,
    /// A log entry index to jump to.
    GotoEntry,
    /// Text to search agreements for (id, buyer name or id).
    AgreementSearch,
    /// Text to search parties for (name or id).
    PartySearch,
    /// The name of a party to register.
    PartyName,
    /// Its role: buyer or seller.
    PartyRole,
    /// The policy of a new agreement.
    AgreementPolicy,
    /// Its overall cap (a decimal amount).
    TotalCap,
    /// Its per-transaction cap (a decimal amount).
    PerTxCap,
    /// Why a key is revoked.
    RevokeReason,
    /// Why an agreement's status changes.
    StatusReason,
}

/// The one-line text prompt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prompt {
    /// What it is for.
    pub purpose: PromptPurpose,
    /// What has been typed.
    pub input: String,
}

/// What is drawn over the screen, innermost first for `Esc`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Overlay {
    /// Nothing.
    None,
    /// The key list.
    Help,
    /// A text prompt.
    Prompt(Prompt),
    /// The trusted confirmation dialog.
    Confirm(ConfirmDialog),
    /// The outcome of a signing request.
    StampResult(StampOutcome),
    /// The outcome of a registry or ledger request; closes only with Enter or Esc, so a
    /// seller's API token is not lost to a stray key.
    ActionResult(ActionOutcome),
}

/// How serious a status-line message is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoticeLevel {
    /// Information.
    Info,
    /// Something failed.
    Error,
}

/// The status line's message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    /// Info or error.
    pub level: NoticeLevel,
    /// The text (may hold server text: views sanitise it).
    pub text: String,
}

/// The console state.
#[derive(Clone, Debug)]
pub struct App {
    /// Who we are and which notary this is (from the handshake).
    pub hello: Hello,
    /// The checkpoint verifier key parsed from `hello`, or why it could not be parsed.
    pub checkpoint_key: Result<(String, VerifyingKey), String>,
    /// Styles.
    pub theme: Theme,
    /// The visible screen.
    pub screen: Screen,
    /// Latest dashboard figures.
    pub status: Option<Status>,
    /// The timestamps screen.
    pub timestamps: TimestampList,
    /// The log screen.
    pub log: LogView,
    /// The agreements screen and the live guarantee feed.
    pub agreements: AgreementsView,
    /// What is drawn on top.
    pub overlay: Overlay,
    /// The status line.
    pub notice: Option<Notice>,
    /// False once the admin connection ended.
    pub connected: bool,
    /// Terminal size (columns, rows); list windows are computed from it.
    pub size: (u16, u16),
    /// Milliseconds since start, from the last tick.
    pub now_ms: u64,
    /// Set when the console should end.
    pub quit: bool,
    /// Request ids and what each outstanding request was for.
    pub requests: Requests,
    /// When `Status` was last polled.
    pub last_status_poll_ms: Option<u64>,
    /// When the visible list was last polled.
    pub last_list_poll_ms: Option<u64>,
}

impl App {
    /// A fresh console for the notary described by `hello`; request ids start at
    /// `first_request_id` (the handshake used the ones before it).
    pub fn new(hello: Hello, first_request_id: u64, theme: Theme) -> Self {
        let checkpoint_key = crate::log::checkpoint::parse_vkey(&hello.checkpoint_vkey)
            .map_err(|e| format!("bad checkpoint key from the notary: {e}"));
        App {
            hello,
            checkpoint_key,
            theme,
            screen: Screen::Dashboard,
            status: None,
            timestamps: TimestampList::default(),
            log: LogView::default(),
            agreements: AgreementsView::default(),
            overlay: Overlay::None,
            notice: None,
            connected: true,
            size: (80, 24),
            now_ms: 0,
            quit: false,
            requests: Requests::new(first_request_id),
            last_status_poll_ms: None,
            last_list_poll_ms: None,
        }
    }

    /// Rows of the selectable list on `screen` at the current terminal size.
    pub fn list_rows(&self, screen: Screen) -> usize {
        layout::list_rows(screen, self.size.0, self.size.1)
    }

    /// Sets an informational status-line message.
    pub fn info(&mut self, text: impl Into<String>) {
        self.notice = Some(Notice {
            level: NoticeLevel::Info,
            text: text.into(),
        });
    }

    /// Sets an error status-line message.
    pub fn error(&mut self, text: impl Into<String>) {
        self.notice = Some(Notice {
            level: NoticeLevel::Error,
            text: text.into(),
        });
    }
}
