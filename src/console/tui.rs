//! Terminal setup and, above all, restore: on normal exit, on panic (a hook), and on
//! SIGHUP/SIGTERM/SIGINT (a signal-hook thread). The signal thread sets the quit flag, wakes the
//! UI loop, and if the loop has not ended within [`SIGNAL_GRACE_MS`] restores the terminal and
//! exits the process itself: after an SSH disconnect crossterm can spin on the dead tty
//! (crossterm #793), and an orphaned console must not burn a core.

use std::io::{stdout, Stdout, Write as _};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Once};
use std::time::{Duration, Instant};

use crossterm::cursor::{Hide, Show};
use crossterm::execute;
use crossterm::terminal::{
    disable_raw_mode, enable_raw_mode, EnterAlternateScreen, LeaveAlternateScreen,
};
use ratatui::backend::CrosstermBackend;
use ratatui::Terminal;
use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use signal_hook::iterator::{Handle, Signals};

use super::event::{Event, EventSender};

/// How long the UI loop gets to end by itself after a signal.
pub const SIGNAL_GRACE_MS: u64 = 500;
/// How long a forced exit waits for the terminal to be restored.
const RESTORE_WAIT_MS: u64 = 200;

/// True while the terminal is in raw mode on the alternate screen.
static ACTIVE: AtomicBool = AtomicBool::new(false);
static PANIC_HOOK: Once = Once::new();

/// The terminal the console draws on.
pub type Term = Terminal<CrosstermBackend<Stdout>>;

/// Raw mode, alternate screen, hidden cursor; installs the panic hook first.
pub fn enter() -> std::io::Result<Term> {
    install_panic_hook();
    enable_raw_mode()?;
    ACTIVE.store(true, Ordering::SeqCst);
    if let Err(e) = execute!(stdout(), EnterAlternateScreen, Hide) {
        restore();
        return Err(e);
    }
    let terminal = Terminal::new(CrosstermBackend::new(stdout()));
    if terminal.is_err() {
        restore();
    }
    terminal
}

/// Leaves raw mode and the alternate screen. Idempotent and best effort: it runs from the
/// panic hook and the signal thread too, when the tty may already be gone.
pub fn restore() {
    if ACTIVE.swap(false, Ordering::SeqCst) {
        let _ = execute!(stdout(), LeaveAlternateScreen, Show);
        let _ = disable_raw_mode();
    }
}

/// Restores the terminal before the default panic message is printed, so it is readable.
fn install_panic_hook() {
    PANIC_HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            previous(info);
        }));
    });
}

/// The signal thread, closed when the console ends normally.
pub struct SignalThread {
    handle: Handle,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl SignalThread {
    /// Stops watching signals and joins the thread.
    pub fn close(mut self) {
        self.handle.close();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Watches SIGHUP, SIGTERM and SIGINT. On one: sets `quit`, sends [`Event::Signal`], and
/// if `loop_done` is not set within [`SIGNAL_GRACE_MS`], restores the terminal and exits with
/// status 128 + signal.
///
/// signal-hook cannot give a signal its default action back: once the console has run, these
/// three signals no longer terminate the process by default (handlers others registered, such
/// as tokio's, keep working). The `notar console` command exits right after anyway.
pub fn spawn_signal_thread(
    quit: Arc<AtomicBool>,
    loop_done: Arc<AtomicBool>,
    tx: EventSender,
) -> std::io::Result<SignalThread> {
    let mut signals = Signals::new([SIGHUP, SIGTERM, SIGINT])?;
    let handle = signals.handle();
    let thread = std::thread::Builder::new()
        .name("console-signals".into())
        .spawn(move || {
            if let Some(sig) = signals.forever().next() {
                quit.store(true, Ordering::SeqCst);
                let _ = tx.try_send(Event::Signal);
                let deadline = Instant::now() + Duration::from_millis(SIGNAL_GRACE_MS);
                while Instant::now() < deadline {
                    if loop_done.load(Ordering::SeqCst) {
                        return;
                    }
                    std::thread::sleep(Duration::from_millis(10));
                }
                // Restore on a helper thread: if the UI thread is blocked writing to a stalled
                // tty it holds the stdout lock, and the exit must not wait for it forever.
                let (done_tx, done_rx) = std::sync::mpsc::channel();
                let _ = std::thread::Builder::new().spawn(move || {
                    restore();
                    // Not eprintln!: the tty may be gone, and it would panic.
                    let _ = writeln!(std::io::stderr(), "notar console: stopped by signal {sig}");
                    let _ = done_tx.send(());
                });
                let _ = done_rx.recv_timeout(Duration::from_millis(RESTORE_WAIT_MS));
                std::process::exit(128 + sig);
            }
        })?;
    Ok(SignalThread {
        handle,
        thread: Some(thread),
    })
}
