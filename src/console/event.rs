//! The console's single event channel: keys and resizes (from an input thread), ticks (from a
//! tokio timer), backend answers and file digests (from tokio tasks, as actions), signals. The UI loop
//! drains it and draws once per batch.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossterm::event::{self as ct, KeyEvent};
use tokio::sync::mpsc;

use super::action::Action;

/// Events queued at most; producers wait (input, backend) or drop (ticks) beyond it.
pub const EVENT_QUEUE_MAX: usize = 1_024;
/// Tick period.
pub const TICK_MS: u64 = 250;
/// How long the input thread waits in `poll` before checking whether it should stop.
const INPUT_POLL_MS: u64 = 200;
/// The input thread is considered stuck (crossterm #793) when it has not come back from
/// `poll` for this long.
pub const INPUT_STUCK_MS: u64 = 3_000;
/// This many immediate "nothing there" returns in a row mean input is spinning, not waiting.
const INPUT_SPIN_MAX: u32 = 1_000;

/// Something for the UI loop.
// As for `Action`: answers are moved once; the queue is bounded (EVENT_QUEUE_MAX).
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Event {
    /// A key press.
    Key(KeyEvent),
    /// The terminal's new size.
    Resize(u16, u16),
    /// Timer tick.
    Tick,
    /// A result from a task, ready for `update`: an answer from the notary, the end of the
    /// connection, a bad line from it (the connection is still up), a hashed file.
    Action(Action),
    /// Terminal input ended (EOF or an error on stdin).
    InputClosed(String),
    /// SIGHUP, SIGTERM or SIGINT arrived.
    Signal,
}

/// Sending half of the event channel.
pub type EventSender = mpsc::Sender<Event>;
/// Receiving half of the event channel.
pub type EventReceiver = mpsc::Receiver<Event>;

/// A new bounded event channel.
pub fn channel() -> (EventSender, EventReceiver) {
    mpsc::channel(EVENT_QUEUE_MAX)
}

/// Handle on the input thread: stop it, and tell whether it is stuck inside crossterm.
pub struct InputThread {
    stop: Arc<AtomicBool>,
    heartbeat_ms: Arc<AtomicU64>,
    base: Instant,
}

impl InputThread {
    /// Asks the thread to end at its next poll timeout. It is never joined: if crossterm is
    /// spinning on a dead tty it would not return, and the process exit ends it.
    pub fn stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
    }

    /// True when the thread has not come back from `poll` for [`INPUT_STUCK_MS`].
    pub fn is_stuck(&self) -> bool {
        let now = self.base.elapsed().as_millis() as u64;
        now.saturating_sub(self.heartbeat_ms.load(Ordering::SeqCst)) > INPUT_STUCK_MS
    }
}

/// Starts the thread that reads crossterm events and forwards keys and resizes.
pub fn spawn_input_thread(tx: EventSender) -> std::io::Result<InputThread> {
    let stop = Arc::new(AtomicBool::new(false));
    let heartbeat_ms = Arc::new(AtomicU64::new(0));
    let base = Instant::now();
    let (stop2, beat2) = (stop.clone(), heartbeat_ms.clone());
    std::thread::Builder::new()
        .name("console-input".into())
        .spawn(move || input_loop(&tx, &stop2, &beat2, base))?;
    Ok(InputThread {
        stop,
        heartbeat_ms,
        base,
    })
}

fn input_loop(tx: &EventSender, stop: &AtomicBool, beat: &AtomicU64, base: Instant) {
    let mut spins = 0u32;
    while !stop.load(Ordering::SeqCst) {
        beat.store(base.elapsed().as_millis() as u64, Ordering::SeqCst);
        let started = Instant::now();
        let event = match ct::poll(Duration::from_millis(INPUT_POLL_MS)) {
            Ok(false) => {
                // A poll that returns "nothing" at once, over and over, is a dead tty.
                spins = if started.elapsed() < Duration::from_millis(1) {
                    spins + 1
                } else {
                    0
                };
                if spins > INPUT_SPIN_MAX {
                    let _ = tx.blocking_send(Event::InputClosed("terminal input spins".into()));
                    return;
                }
                continue;
            }
            Ok(true) => ct::read(),
            Err(e) => Err(e),
        };
        spins = 0;
        let forward = match event {
            Ok(ct::Event::Key(k)) => Event::Key(k),
            Ok(ct::Event::Resize(w, h)) => Event::Resize(w, h),
            Ok(_) => continue,
            Err(e) => {
                let _ = tx.blocking_send(Event::InputClosed(e.to_string()));
                return;
            }
        };
        if tx.blocking_send(forward).is_err() {
            return;
        }
    }
}

/// Starts the tick timer on `rt`. A tick is dropped rather than queued when the UI is behind.
pub fn spawn_ticker(rt: &tokio::runtime::Handle, tx: EventSender) {
    rt.spawn(async move {
        let mut interval = tokio::time::interval(Duration::from_millis(TICK_MS));
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            interval.tick().await;
            if let Err(mpsc::error::TrySendError::Closed(_)) = tx.try_send(Event::Tick) {
                return;
            }
        }
    });
}
