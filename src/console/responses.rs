//! Applying the notary's answers to the state. Every answer is matched to the request it
//! answers (by id); answers to nothing, or of the wrong kind, only set an error notice. The
//! status is everyone's; any other answer goes to the screen that asked.

use crate::api::admin::proto::{Reply, Response};

use super::app::{App, Pending};
use super::command::Command;
use super::screens;

/// Applies answer `r`.
pub(super) fn on_response(app: &mut App, r: Response, out: &mut Vec<Command>) {
    let Some(pending) = app.requests.complete(r.id()) else {
        if let Response::Err { error: e, .. } = r {
            app.error(format!("Notary error: {} ({})", e.message, e.code));
        }
        return;
    };
    let reply = match r.into_result() {
        Ok(reply) => reply,
        Err(e) => {
            let text = format!("{} ({})", e.message, e.code);
            if !screens::on_error(app, &pending, &text) {
                app.error(format!("Notary error: {text}"));
            }
            return;
        }
    };
    match (pending, reply) {
        (Pending::Status, Reply::Status(s)) => {
            let log_size = s.log_size;
            app.status = Some(s);
            screens::on_status(app, log_size, out);
        }
        (pending, reply) => screens::on_reply(app, pending, reply, out),
    }
}
