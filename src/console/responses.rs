//! Applying the notary's answers to the state. Every answer is matched to the request it
//! answers (by id); answers to nothing, or of the wrong kind, only set an error notice.

use crate::api::admin::proto::{Op, Reply, Response};

use super::action::Command;
use super::app::{App, Overlay, Screen};
use super::components::confirm::StampOutcome;
use super::components::list::TimestampMode;
use super::requests::Pending;
use super::screens::agreements::plans::ActionOutcome;
use super::screens::agreements::update as agreements_update;
use super::screens::log::verify::{check_checkpoint, verify_proof};
use super::update::{fetch_entries, send, CHECKPOINTS_LIMIT, TIMESTAMPS_RECENT_LIMIT};

/// Applies answer `r`.
pub(super) fn on_response(app: &mut App, r: Response, out: &mut Vec<Command>) {
    let Some(pending) = app.requests.complete(r.id) else {
        if let Some(e) = r.error {
            app.error(format!("Notary error: {} ({})", e.message, e.code));
        }
        return;
    };
    if let Some(e) = r.error {
        let text = format!("{} ({})", e.message, e.code);
        if let Pending::Stamp { .. } = pending {
            app.overlay = Overlay::StampResult(StampOutcome::Failed(text.clone()));
        }
        if let Pending::Ledger(_) = pending {
            if !matches!(app.overlay, Overlay::Confirm(_)) {
                app.overlay = Overlay::ActionResult(ActionOutcome::Failed(text.clone()));
            }
        }
        return app.error(format!("Notary error: {text}"));
    }
    let Some(reply) = r.ok else {
        return app.error("The notary sent an empty answer");
    };
    match (pending, reply) {
        (Pending::Status, Reply::Status(s)) => {
            let rows = app.list_rows(Screen::Log);
            app.log.set_log_size(s.log_size, rows);
            app.status = Some(s);
            if app.screen == Screen::Log {
                fetch_entries(app, out);
            }
        }
        (Pending::TimestampsRecent, Reply::Timestamps { items }) => {
            if app.timestamps.mode == TimestampMode::Recent {
                let rows = app.list_rows(Screen::Timestamps);
                app.timestamps.replace(items, rows);
            }
        }
        (Pending::TimestampsSearch { imprint }, Reply::Timestamps { items }) => {
            if let TimestampMode::Search {
                imprint: current, ..
            } = &app.timestamps.mode
            {
                if *current == imprint {
                    let first = !app.timestamps.loaded;
                    let rows = app.list_rows(Screen::Timestamps);
                    app.timestamps.replace(items, rows);
                    if first {
                        let n = app.timestamps.items.len();
                        app.info(format!("{n} timestamp(s) over {imprint}"));
                    }
                }
            }
        }
        (Pending::Stamp { imprint }, Reply::Stamped(item)) => {
            let outcome = if item.imprint.eq_ignore_ascii_case(&imprint) {
                app.info(format!(
                    "Timestamp signed: serial {} at {}",
                    item.serial, item.gen_time
                ));
                StampOutcome::Done(item)
            } else {
                app.error("The notary signed a different imprint than the one confirmed!");
                StampOutcome::Mismatch {
                    expected: imprint,
                    item,
                }
            };
            if let Overlay::StampResult(StampOutcome::Pending { .. }) | Overlay::None = app.overlay
            {
                app.overlay = Overlay::StampResult(outcome);
            }
            // Ask again even if a poll is on its way: it may have left before the stamp.
            if app.screen == Screen::Timestamps {
                let (what, op) = match app.timestamps.mode.clone() {
                    TimestampMode::Recent => (
                        Pending::TimestampsRecent,
                        Op::TimestampsRecent {
                            limit: TIMESTAMPS_RECENT_LIMIT,
                        },
                    ),
                    TimestampMode::Search { imprint, .. } => (
                        Pending::TimestampsSearch {
                            imprint: imprint.clone(),
                        },
                        Op::TimestampsSearch { imprint },
                    ),
                };
                send(app, what, op, out);
            }
        }
        (Pending::Checkpoints, Reply::Checkpoints { items }) => {
            app.log.checkpoints = items
                .iter()
                .take(CHECKPOINTS_LIMIT as usize)
                .map(|i| check_checkpoint(&app.checkpoint_key, i))
                .collect();
        }
        (Pending::Entries { .. }, Reply::Entries { items }) => {
            if let Err(why) = app.log.store_entries(items) {
                app.error(why);
            }
        }
        (Pending::Prove { index }, Reply::Proof(proof)) => {
            let shown = app.log.entry(index).map(|e| e.raw.as_str());
            let outcome = verify_proof(&app.checkpoint_key, index, shown, &proof);
            match &outcome.result {
                Ok(()) => app.info(format!("Entry {index} is in the signed log")),
                Err(why) => app.error(format!("Inclusion proof of entry {index} FAILED: {why}")),
            }
            if app.log.selected == Some(index) {
                app.log.verify = Some(outcome);
            }
        }
        (pending, reply) if pending.is_agreements() => {
            agreements_update::on_reply(app, pending, reply, out)
        }
        (pending, _) => app.error(format!(
            "The notary sent an unexpected answer to {pending:?}"
        )),
    }
}
