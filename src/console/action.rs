//! What can happen to the console ([`Action`]) and what it asks the outside world to do in
//! return ([`Command`]). `update` turns one into the other without any I/O, so every flow can
//! be tested without a terminal or a socket.

use std::path::PathBuf;

use crate::api::admin::proto::{Request, Response};

use crate::model::registry::AgreementStatus;

use super::app::Screen;

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
    /// `s`: ask for a file to stamp.
    OpenStampPrompt,
    /// `v`: fetch and check the inclusion proof of the selected log entry.
    Verify,
    /// `r`: poll now.
    Refresh,
    /// `Enter` on the agreements screen: open the selected agreement or party.
    OpenDetail,
    /// `p`: switch between the agreements and the parties list.
    TogglePane,
    /// `n`: register a party (asks name and role, then confirms).
    NewParty,
    /// `c`: create an agreement for the selected buyer (asks policy and caps, then confirms).
    NewAgreement,
    /// `x`: revoke the selected key of the open agreement or party (asks why, then confirms).
    RevokeKey,
    /// `s` / `u` / `e`: suspend, resume or end the selected agreement (asks why, then confirms).
    SetAgreementStatus(AgreementStatus),
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

/// Selection movements.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Move {
    /// One row up.
    Up,
    /// One row down.
    Down,
    /// One page up.
    PageUp,
    /// One page down.
    PageDown,
    /// First row.
    Top,
    /// Last row.
    Bottom,
}

/// Why a file is being hashed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FilePurpose {
    /// Look up timestamps over it.
    Search,
    /// Ask the notary to timestamp it (after confirmation).
    Stamp,
}

/// A local file's SHA-256, computed by the console, not the server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HashedFile {
    /// The path as the arbitrator typed it.
    pub path: String,
    /// Length in bytes.
    pub size_bytes: u64,
    /// SHA-256 of the content.
    pub sha256: [u8; 32],
}

/// Side effects `update` asks for; the event loop carries them out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// Write this request to the admin socket.
    Send(Request),
    /// Read and hash this file off the UI thread, then report [`Action::FileHashed`].
    HashFile {
        /// The file.
        path: PathBuf,
        /// What the digest is for.
        purpose: FilePurpose,
    },
    /// End the event loop.
    Quit,
}
