//! Screen 1's transitions: it polls the guarantee feed for its counts, and `/` searches
//! timestamps.

use crate::console::action::Action;
use crate::console::app::{App, Screen};
use crate::console::command::Command;
use crate::console::screens::{agreements, timestamps};

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

/// Asks for the guarantee feed, unless it is already on its way.
pub fn poll(app: &mut App, out: &mut Vec<Command>) {
    agreements::poll::poll_feed(app, out);
}
