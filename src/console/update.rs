//! `update(&mut App, Action) -> Vec<Command>`: every state change of the console, without I/O.

use crate::api::admin::proto::Op;

use super::action::{Action, Command, FilePurpose, HashedFile, Move};
use super::app::{
    App, Overlay, Prompt, PromptPurpose, Screen, LIST_POLL_MS, PROMPT_LEN_MAX, STATUS_POLL_MS,
};
use super::components::confirm::{ConfirmDialog, Focus, SignPlan, StampOutcome, StampPlan};
use super::components::list::TimestampMode;
use super::requests::Pending;
use super::responses::on_response;
use super::screens::agreements::actions;
use super::screens::agreements::plans::ActionOutcome;
use super::screens::agreements::update as agreements;

/// Recent timestamps asked for per poll.
pub const TIMESTAMPS_RECENT_LIMIT: u32 = 200;
/// Checkpoints asked for per poll.
pub const CHECKPOINTS_LIMIT: u32 = 20;

/// Applies `action` to `app` and returns what must be done outside (requests to send, files to
/// hash, quitting). Actions that do not apply in the current state are ignored.
pub fn update(app: &mut App, action: Action) -> Vec<Command> {
    let mut out = Vec::new();
    match action {
        Action::Quit => {
            app.quit = true;
            out.push(Command::Quit);
        }
        Action::NextScreen => switch_screen(app, app.screen.next(), &mut out),
        Action::PrevScreen => switch_screen(app, app.screen.prev(), &mut out),
        Action::GoTo(screen) => switch_screen(app, screen, &mut out),
        Action::ToggleHelp => match app.overlay {
            Overlay::Help => app.overlay = Overlay::None,
            Overlay::None => app.overlay = Overlay::Help,
            _ => {}
        },
        Action::Back => back(app, &mut out),
        Action::Move(m) => move_selection(app, m, &mut out),
        Action::OpenSearch => open_search(app, &mut out),
        Action::OpenStampPrompt => {
            if app.overlay == Overlay::None && app.screen == Screen::Timestamps {
                open_prompt(app, PromptPurpose::StampPath);
            }
        }
        Action::Verify => verify_selected(app, &mut out),
        Action::Refresh => {
            poll_status(app, &mut out);
            poll_list(app, &mut out);
        }
        Action::OpenDetail => agreements::open_detail(app, &mut out),
        Action::TogglePane => agreements::toggle_pane(app, &mut out),
        Action::NewParty => actions::new_party(app),
        Action::NewAgreement => actions::new_agreement(app, &mut out),
        Action::RevokeKey => actions::revoke_key(app),
        Action::SetAgreementStatus(to) => actions::set_status(app, to),
        Action::PromptInput(c) => {
            if let Overlay::Prompt(p) = &mut app.overlay {
                if p.input.chars().count() < PROMPT_LEN_MAX && !c.is_control() {
                    p.input.push(c);
                }
            }
        }
        Action::PromptBackspace => {
            if let Overlay::Prompt(p) = &mut app.overlay {
                p.input.pop();
            }
        }
        Action::PromptSubmit => submit_prompt(app, &mut out),
        Action::ConfirmSign => sign(app, &mut out),
        Action::ConfirmCancel => cancel_confirm(app),
        Action::ConfirmToggleFocus => {
            if let Overlay::Confirm(d) = &mut app.overlay {
                d.focus = match d.focus {
                    Focus::Cancel => Focus::Sign,
                    Focus::Sign => Focus::Cancel,
                };
            }
        }
        Action::ConfirmActivate => {
            if let Overlay::Confirm(d) = &app.overlay {
                match d.focus {
                    Focus::Sign => sign(app, &mut out),
                    Focus::Cancel => cancel_confirm(app),
                }
            }
        }
        Action::ConfirmScroll(delta) => {
            if let Overlay::Confirm(d) = &mut app.overlay {
                d.scroll = d.scroll.saturating_add_signed(delta as isize);
            }
        }
        Action::Rendered => {
            if let Overlay::Confirm(d) = &mut app.overlay {
                d.armed = true;
            }
        }
        Action::Tick { now_ms } => tick(app, now_ms, &mut out),
        Action::Resize { width, height } => {
            app.size = (width, height);
            let ts_rows = app.list_rows(Screen::Timestamps);
            app.timestamps.rescroll(ts_rows);
            let log_rows = app.list_rows(Screen::Log);
            app.log.rescroll(log_rows);
            agreements::rescroll(app);
        }
        Action::Response(r) => on_response(app, r, &mut out),
        Action::BackendClosed(why) => {
            app.connected = false;
            app.requests.clear();
            if let Overlay::StampResult(StampOutcome::Pending { .. }) = app.overlay {
                app.overlay = Overlay::StampResult(StampOutcome::Unknown(format!(
                    "the connection ended before the answer ({why}); check the timestamps list \
                     before stamping again"
                )));
            }
            if let Overlay::ActionResult(ActionOutcome::Pending(_)) = app.overlay {
                app.overlay = Overlay::ActionResult(ActionOutcome::Unknown(format!(
                    "the connection ended before the answer ({why}); check the lists before \
                     trying again"
                )));
            }
            app.error(format!("Disconnected from the notary: {why}"));
        }
        Action::BackendError(why) => app.error(why),
        Action::FileHashed { purpose, result } => file_hashed(app, purpose, result, &mut out),
    }
    out
}

/// Sends `op` unless the connection is gone.
pub(super) fn send(app: &mut App, what: Pending, op: Op, out: &mut Vec<Command>) {
    if app.connected {
        out.push(app.requests.issue(what, op, app.now_ms));
    }
}

fn switch_screen(app: &mut App, screen: Screen, out: &mut Vec<Command>) {
    if !matches!(app.overlay, Overlay::None | Overlay::Help) || app.screen == screen {
        return;
    }
    app.screen = screen;
    poll_list(app, out);
}

fn back(app: &mut App, out: &mut Vec<Command>) {
    match &app.overlay {
        Overlay::Confirm(_) => cancel_confirm(app),
        Overlay::Help | Overlay::StampResult(_) | Overlay::ActionResult(_) => {
            app.overlay = Overlay::None
        }
        Overlay::Prompt(_) => {
            app.overlay = Overlay::None;
            app.agreements.draft = None;
        }
        Overlay::None => match app.screen {
            Screen::Timestamps if app.timestamps.mode != TimestampMode::Recent => {
                app.timestamps.set_mode(TimestampMode::Recent);
                poll_list(app, out);
            }
            Screen::Log => app.log.verify = None,
            Screen::Agreements => agreements::back(app, out),
            _ => {}
        },
    }
}

fn move_selection(app: &mut App, m: Move, out: &mut Vec<Command>) {
    if app.overlay != Overlay::None {
        return;
    }
    let rows = app.list_rows(app.screen);
    match app.screen {
        Screen::Dashboard => {}
        Screen::Timestamps => app.timestamps.move_selection(m, rows),
        Screen::Log => {
            app.log.move_selection(m, rows);
            app.log.verify = None;
            fetch_entries(app, out);
        }
        Screen::Agreements => agreements::move_selection(app, m),
    }
}

fn open_prompt(app: &mut App, purpose: PromptPurpose) {
    app.overlay = Overlay::Prompt(Prompt {
        purpose,
        input: String::new(),
    });
}

fn open_search(app: &mut App, out: &mut Vec<Command>) {
    if app.overlay != Overlay::None {
        return;
    }
    match app.screen {
        Screen::Log => open_prompt(app, PromptPurpose::GotoEntry),
        Screen::Dashboard => {
            switch_screen(app, Screen::Timestamps, out);
            open_prompt(app, PromptPurpose::Search);
        }
        Screen::Timestamps => open_prompt(app, PromptPurpose::Search),
        Screen::Agreements => agreements::open_search(app),
    }
}

/// A hex imprint of a supported length, lowercased; `None` if `s` is not one.
pub fn parse_imprint(s: &str) -> Option<String> {
    let hex_ok = s.bytes().all(|b| b.is_ascii_hexdigit());
    (hex_ok && matches!(s.len(), 64 | 96 | 128)).then(|| s.to_ascii_lowercase())
}

fn submit_prompt(app: &mut App, out: &mut Vec<Command>) {
    let Overlay::Prompt(p) = std::mem::replace(&mut app.overlay, Overlay::None) else {
        return;
    };
    let input = p.input.trim();
    if actions::owns(p.purpose) {
        return actions::submit(app, p.purpose, input, out);
    }
    if input.is_empty() {
        return;
    }
    match p.purpose {
        PromptPurpose::Search => match parse_imprint(input) {
            Some(imprint) => search(app, imprint, "digest".into(), out),
            None => {
                out.push(Command::HashFile {
                    path: expand_home(input),
                    purpose: FilePurpose::Search,
                });
                app.info(format!("Hashing {input} …"));
            }
        },
        PromptPurpose::StampPath => {
            out.push(Command::HashFile {
                path: expand_home(input),
                purpose: FilePurpose::Stamp,
            });
            app.info(format!("Hashing {input} …"));
        }
        PromptPurpose::AgreementSearch
        | PromptPurpose::PartySearch
        | PromptPurpose::PartyName
        | PromptPurpose::PartyRole
        | PromptPurpose::AgreementPolicy
        | PromptPurpose::TotalCap
        | PromptPurpose::PerTxCap
        | PromptPurpose::RevokeReason
        | PromptPurpose::StatusReason => {}
        PromptPurpose::GotoEntry => match input.parse::<u64>() {
            Ok(index) if index < app.log.log_size => {
                let rows = app.list_rows(Screen::Log);
                app.log.select(index, rows);
                app.log.verify = None;
                fetch_entries(app, out);
            }
            Ok(index) => app.error(format!(
                "No entry {index}: the log has {} entries",
                app.log.log_size
            )),
            Err(_) => app.error("Type an entry index (a number)"),
        },
    }
}

/// `~/x` → `$HOME/x`, as a shell would; anything else unchanged.
fn expand_home(path: &str) -> std::path::PathBuf {
    match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => std::path::PathBuf::from(home).join(rest),
        _ => std::path::PathBuf::from(path),
    }
}

fn search(app: &mut App, imprint: String, source: String, out: &mut Vec<Command>) {
    app.timestamps.set_mode(TimestampMode::Search {
        imprint: imprint.clone(),
        source,
    });
    send(
        app,
        Pending::TimestampsSearch {
            imprint: imprint.clone(),
        },
        Op::TimestampsSearch { imprint },
        out,
    );
}

fn file_hashed(
    app: &mut App,
    purpose: FilePurpose,
    result: Result<HashedFile, String>,
    out: &mut Vec<Command>,
) {
    let file = match result {
        Ok(f) => f,
        Err(why) => return app.error(why),
    };
    let imprint = hex::encode(file.sha256);
    match purpose {
        FilePurpose::Search => {
            app.screen = Screen::Timestamps;
            app.info(format!("SHA-256 of {}: {imprint}", file.path));
            search(app, imprint, file.path, out);
        }
        FilePurpose::Stamp => {
            if matches!(
                app.overlay,
                Overlay::Confirm(_) | Overlay::StampResult(StampOutcome::Pending { .. })
            ) {
                return app.error("A signing request is already open; the new file was not queued");
            }
            app.screen = Screen::Timestamps;
            app.overlay = Overlay::Confirm(ConfirmDialog::new(SignPlan::Stamp(StampPlan {
                file: file.path,
                size_bytes: file.size_bytes,
                hash_alg: "sha256".into(),
                imprint_hex: imprint,
            })));
            app.notice = None;
        }
    }
}

fn sign(app: &mut App, out: &mut Vec<Command>) {
    match &app.overlay {
        Overlay::Confirm(d) if d.armed => {}
        _ => return,
    }
    let Overlay::Confirm(d) = std::mem::replace(&mut app.overlay, Overlay::None) else {
        return;
    };
    const OFFLINE: &str = "not connected to the notary: nothing was signed";
    if let SignPlan::Ledger(plan) = d.plan {
        if !app.connected {
            app.overlay = Overlay::ActionResult(ActionOutcome::Failed(OFFLINE.into()));
            return;
        }
        return actions::sign(app, *plan, out);
    }
    if !app.connected {
        app.overlay = Overlay::StampResult(StampOutcome::Failed(OFFLINE.into()));
        return;
    }
    let imprint = d.imprint().to_string();
    send(
        app,
        Pending::Stamp {
            imprint: imprint.clone(),
        },
        d.op(),
        out,
    );
    app.overlay = Overlay::StampResult(StampOutcome::Pending { imprint });
}

fn cancel_confirm(app: &mut App) {
    if let Overlay::Confirm(_) = app.overlay {
        app.overlay = Overlay::None;
        app.info("Cancelled: nothing was signed");
    }
}

fn verify_selected(app: &mut App, out: &mut Vec<Command>) {
    if app.overlay != Overlay::None || app.screen != Screen::Log {
        return;
    }
    if let Some(index) = app.log.selected {
        app.log.verify = None;
        app.info(format!("Fetching the inclusion proof of entry {index} …"));
        send(app, Pending::Prove { index }, Op::Prove { index }, out);
    }
}

fn tick(app: &mut App, now_ms: u64, out: &mut Vec<Command>) {
    app.now_ms = now_ms;
    let due = |last: Option<u64>, every| last.is_none_or(|t| now_ms.saturating_sub(t) >= every);
    if due(app.last_status_poll_ms, STATUS_POLL_MS) {
        poll_status(app, out);
    }
    if due(app.last_list_poll_ms, LIST_POLL_MS) {
        poll_list(app, out);
    }
}

fn poll_status(app: &mut App, out: &mut Vec<Command>) {
    app.last_status_poll_ms = Some(app.now_ms);
    if !app
        .requests
        .in_flight(app.now_ms, |p| *p == Pending::Status)
    {
        send(app, Pending::Status, Op::Status, out);
    }
}

/// Asks for the visible screen's list, unless the same request is already on its way.
fn poll_list(app: &mut App, out: &mut Vec<Command>) {
    app.last_list_poll_ms = Some(app.now_ms);
    let now = app.now_ms;
    match app.screen {
        Screen::Dashboard | Screen::Agreements => agreements::poll(app, out),
        Screen::Timestamps => match app.timestamps.mode.clone() {
            TimestampMode::Recent => {
                if !app
                    .requests
                    .in_flight(now, |p| *p == Pending::TimestampsRecent)
                {
                    let op = Op::TimestampsRecent {
                        limit: TIMESTAMPS_RECENT_LIMIT,
                    };
                    send(app, Pending::TimestampsRecent, op, out);
                }
            }
            TimestampMode::Search { imprint, .. } => {
                let what = Pending::TimestampsSearch {
                    imprint: imprint.clone(),
                };
                if !app.requests.in_flight(now, |p| *p == what) {
                    send(app, what, Op::TimestampsSearch { imprint }, out);
                }
            }
        },
        Screen::Log => {
            if !app.requests.in_flight(now, |p| *p == Pending::Checkpoints) {
                let op = Op::Checkpoints {
                    limit: CHECKPOINTS_LIMIT,
                };
                send(app, Pending::Checkpoints, op, out);
            }
            fetch_entries(app, out);
        }
    }
}

/// Asks for the entries of the visible window if they are not cached.
pub(super) fn fetch_entries(app: &mut App, out: &mut Vec<Command>) {
    let rows = app.list_rows(Screen::Log);
    if let Some((start, limit)) = app.log.wanted_fetch(rows) {
        let what = Pending::Entries { start };
        if !app.requests.in_flight(app.now_ms, |p| *p == what) {
            send(app, what, Op::Entries { start, limit }, out);
        }
    }
}
