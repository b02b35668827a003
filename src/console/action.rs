//! What can happen to the console ([`Action`]). `update` turns it into what the console asks
//! the outside world to do in return ([`Command`](super::command::Command)) without any I/O,
//! so every flow can be tested without a terminal or a socket.

use crate::api::admin::proto::Response;

use super::app::{Screen, ScreenAction};
use super::files::{FilePurpose, HashedFile};

pub use super::components::list::Move;

/// An input to [`super::update::update`]: a decoded key, a backend answer, a timer.
// An answer (the ledger replies made `Response` large) is moved once, from the event to
// `update`; boxing it would only add an allocation per answer.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Leave the console (`q`, Ctrl-C, a signal).
    Quit,
    /// Next screen (`Tab`).
    NextScreen,
    /// Previous screen (`Shift-Tab`).
    PrevScreen,
    /// A screen by number (`1`..`4`).
    GoTo(Screen),
    /// Show or hide the key list (`?`).
    ToggleHelp,
    /// `Esc`: close the innermost overlay, prompt or search.
    Back,
    /// Move the selection of the visible list.
    Move(Move),
    /// `/`: search timestamps, or go to a log entry on the log screen.
    OpenSearch,
    /// `r`: poll now.
    Refresh,
    /// An action of the visible screen's own.
    Screen(ScreenAction),
    /// A character typed into the open prompt.
    PromptInput(char),
    /// Backspace in the open prompt.
    PromptBackspace,
    /// Enter in the open prompt.
    PromptSubmit,
    /// `y` in the confirmation dialog: sign.
    ConfirmSign,
    /// `n` / `Esc` in the confirmation dialog: do not sign.
    ConfirmCancel,
    /// Move the focus between the dialog's buttons.
    ConfirmToggleFocus,
    /// `Enter` in the dialog: press the focused button.
    ConfirmActivate,
    /// Scroll the dialog's content by this many lines.
    ConfirmScroll(i32),
    /// A frame was drawn: what is on screen now is what the arbitrator saw.
    Rendered,
    /// Timer tick; `now_ms` is a monotonic clock since the console started.
    Tick {
        /// Milliseconds since start.
        now_ms: u64,
    },
    /// The terminal size changed.
    Resize {
        /// Columns.
        width: u16,
        /// Rows.
        height: u16,
    },
    /// An answer from the notary.
    Response(Response),
    /// The admin connection ended.
    BackendClosed(String),
    /// Something went wrong talking to the notary, but the connection is still up.
    BackendError(String),
    /// A file read and hashed for a search or a stamp.
    FileHashed {
        /// Why it was hashed.
        purpose: FilePurpose,
        /// The digest, or why the file could not be read.
        result: Result<HashedFile, String>,
    },
}
