//! The event loop: wait for events, turn them into actions, apply them, carry out the
//! commands, and draw once per drained batch (so a burst of answers over a slow link costs one
//! frame). Nothing here awaits the network: requests go to the writer task's queue.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use tokio::net::UnixStream;
use tokio::runtime::Runtime;
use tokio::sync::mpsc;

use crate::api::admin::proto::Request;

use super::action::Action;
use super::app::App;
use super::client::{Connection, HELLO_REQUEST_ID};
use super::command::Command;
use super::error::ConsoleError;
use super::event::{self, Event, EventReceiver, EventSender, InputThread};
use super::theme::Theme;
use super::update::update;
use super::{files, keymap, tui, views};

/// Events handled at most before a frame is drawn anyway.
const DRAIN_MAX: usize = 512;

/// Runs the TUI over an established connection until the arbitrator quits, the input goes away
/// or a signal arrives. Restores the terminal on every path.
pub fn run_tui(rt: &Runtime, conn: Connection<UnixStream>) -> Result<(), ConsoleError> {
    let (tx, rx) = event::channel();
    let hello = conn.hello.clone();
    let requests = conn.spawn(rt.handle(), tx.clone());
    let quit = Arc::new(AtomicBool::new(false));
    let loop_done = Arc::new(AtomicBool::new(false));
    let signals = tui::spawn_signal_thread(quit.clone(), loop_done.clone(), tx.clone())
        .map_err(ConsoleError::Terminal)?;
    let result = match tui::enter() {
        Ok(mut terminal) => {
            let app = App::new(hello, HELLO_REQUEST_ID + 1, Theme::from_env());
            match event::spawn_input_thread(tx.clone()) {
                Ok(input) => {
                    event::spawn_ticker(rt.handle(), tx.clone());
                    let mut lp = Loop {
                        app,
                        rt,
                        tx,
                        requests,
                        quit: &quit,
                        input: &input,
                        started: Instant::now(),
                    };
                    let r = lp.run(&mut terminal, rx);
                    input.stop();
                    // ratatui's Drop reports a failure to show the cursor with eprintln!, which
                    // panics when the tty is gone (SSH disconnect): do not drop it then.
                    if terminal.show_cursor().is_err() {
                        std::mem::forget(terminal);
                    }
                    r
                }
                Err(e) => Err(ConsoleError::Terminal(e)),
            }
        }
        Err(e) => Err(ConsoleError::Terminal(e)),
    };
    loop_done.store(true, Ordering::SeqCst);
    tui::restore();
    signals.close();
    result
}

struct Loop<'a> {
    app: App,
    rt: &'a Runtime,
    tx: EventSender,
    requests: mpsc::Sender<Request>,
    quit: &'a AtomicBool,
    input: &'a InputThread,
    started: Instant,
}

impl Loop<'_> {
    fn run(&mut self, terminal: &mut tui::Term, mut rx: EventReceiver) -> Result<(), ConsoleError> {
        let size = terminal.size().map_err(ConsoleError::Terminal)?;
        self.apply(Action::Resize {
            width: size.width,
            height: size.height,
        });
        self.apply(Action::Tick { now_ms: 0 });
        loop {
            terminal
                .draw(|f| views::render(&self.app, f))
                .map_err(ConsoleError::Terminal)?;
            self.apply(Action::Rendered);
            // Block for the first event, then drain whatever else is already queued.
            let Some(first) = rx.blocking_recv() else {
                return Ok(());
            };
            let mut next = Some(first);
            let mut handled = 0;
            while let Some(ev) = next.take() {
                self.handle(ev)?;
                handled += 1;
                if self.app.quit || handled >= DRAIN_MAX {
                    break;
                }
                next = rx.try_recv().ok();
            }
            if self.quit.load(Ordering::SeqCst) || self.app.quit {
                return Ok(());
            }
            if self.input.is_stuck() {
                return Err(ConsoleError::InputLost(
                    "the input thread stopped answering".into(),
                ));
            }
        }
    }

    fn handle(&mut self, ev: Event) -> Result<(), ConsoleError> {
        let action = match ev {
            Event::Key(k) => keymap::action_for_key(&self.app, k),
            Event::Resize(width, height) => Some(Action::Resize { width, height }),
            Event::Tick => Some(Action::Tick {
                now_ms: self.started.elapsed().as_millis() as u64,
            }),
            Event::Action(action) => Some(action),
            Event::InputClosed(why) => return Err(ConsoleError::InputLost(why)),
            Event::Signal => Some(Action::Quit),
        };
        if let Some(action) = action {
            self.apply(action);
        }
        Ok(())
    }

    fn apply(&mut self, action: Action) {
        let mut queue = vec![action];
        while let Some(action) = queue.pop() {
            for cmd in update(&mut self.app, action) {
                if let Some(follow) = self.execute(cmd) {
                    queue.push(follow);
                }
            }
        }
    }

    /// Carries out one command; a failure comes back as an action for `update`.
    fn execute(&mut self, cmd: Command) -> Option<Action> {
        match cmd {
            Command::Send(req) => match self.requests.try_send(req) {
                Ok(()) => None,
                Err(mpsc::error::TrySendError::Full(_)) => Some(Action::BackendError(
                    "Too many requests waiting for the notary; try again".into(),
                )),
                Err(mpsc::error::TrySendError::Closed(_)) => {
                    Some(Action::BackendClosed("the connection is closed".into()))
                }
            },
            Command::HashFile { path, purpose } => {
                let tx = self.tx.clone();
                self.rt.spawn_blocking(move || {
                    let result = files::hash_file(&path);
                    let hashed = Action::FileHashed { purpose, result };
                    let _ = tx.blocking_send(Event::Action(hashed));
                });
                None
            }
            Command::Quit => {
                self.app.quit = true;
                None
            }
        }
    }
}
