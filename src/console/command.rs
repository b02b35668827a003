//! What `update` asks the outside world to do ([`Command`]). The event loop carries it out;
//! a result comes back as an [`Action`](super::action::Action).

use std::path::PathBuf;

use crate::api::admin::proto::Request;

use super::files::FilePurpose;

/// Side effects `update` asks for; the event loop carries them out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// Write this request to the admin socket.
    Send(Request),
    /// Read and hash this file off the UI thread, then report `Action::FileHashed`.
    HashFile {
        /// The file.
        path: PathBuf,
        /// What the digest is for.
        purpose: FilePurpose,
    },
    /// End the event loop.
    Quit,
}
