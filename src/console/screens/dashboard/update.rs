//! Screen 1's transitions: `/` searches timestamps. Its figures come with the status every
//! screen polls.

use crate::console::action::Action;
use crate::console::app::{App, Screen};
use crate::console::command::Command;
use crate::console::screens::timestamps;

/// Applies a screen-level action (nothing is open over the screen).
pub fn update(app: &mut App, action: Action, out: &mut Vec<Command>) {
    if action == Action::OpenSearch {
        // Searching is the timestamps screen's: show it, then ask what to search for.
        app.screen = Screen::Timestamps;
        app.last_list_poll_ms = Some(app.now_ms);
        timestamps::update::poll(app, out);
        timestamps::update::open_search(app);
    }
}
