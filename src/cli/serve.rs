//! `notar init`, `notar serve`, `notar up`: start and stop the service.

use std::io::Write;
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use anyhow::anyhow;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::{Classify, Failure};
use crate::notary::datadir::DataDir;
use crate::notary::{Notary, NotaryError, SequencerThread};

fn classify(e: NotaryError) -> Failure {
    match e {
        NotaryError::DataDir(_)
        | NotaryError::Setup(_)
        | NotaryError::Store(crate::store::StoreError::Locked(_)) => Failure::Usage(e.into()),
        other => Failure::Refused(other.into()),
    }
}

/// `notar init` (`store`: a PostgreSQL URL, else RocksDB in the data dir).
pub async fn init(data: &Path, name: &str, store: Option<String>) -> Result<(), Failure> {
    let dir = DataDir::new(data);
    let id = Notary::init_on(&dir, name, store).await.map_err(classify)?;
    outln!("initialised {}", data.display());
    outln!("notary key id   {}", id.key_id);
    outln!("checkpoint key  {}", id.checkpoint_vkey);
    outln!("escrow key      {} (X25519)", id.escrow_public_key);
    outln!("TSA root        {}", dir.root_cert_path().display());
    Ok(())
}

/// A running service: HTTP API and admin socket, stopped through `stop`.
pub struct Running {
    /// Bound HTTP address.
    pub addr: SocketAddr,
    /// The notary handle (for in-process callers).
    pub notary: Notary,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    sequencer: SequencerThread,
    socket: std::path::PathBuf,
}

impl Running {
    /// Stops serving, lets the sequencer commit what it holds, and waits for it.
    pub async fn stop(self) -> Result<(), Failure> {
        let _ = self.stop.send(true);
        for t in self.tasks {
            let _ = t.await;
        }
        drop(self.notary);
        let _ = std::fs::remove_file(&self.socket);
        let seq = self.sequencer;
        tokio::task::spawn_blocking(move || seq.join())
            .await
            .refused()?;
        Ok(())
    }
}

/// Opens the data dir and starts the HTTP API, the admin socket and the sweep that releases
/// expired guarantees and records silent respondents.
pub async fn start(data: &Path, listen: Option<String>) -> Result<Running, Failure> {
    let dir = DataDir::new(data);
    if !dir.exists() {
        return Err(Failure::Usage(anyhow!(
            "no data dir at {} (run `notar init --data {}` first)",
            data.display(),
            data.display()
        )));
    }
    // Before the store opens its files: RocksDB needs descriptors too.
    let nofile = super::serve_limits::raise_nofile();
    let (notary, sequencer) = Notary::open(&dir).map_err(classify)?;
    let limits = super::serve_limits::conn_limits(notary.config(), nofile);
    let listen = listen.unwrap_or_else(|| notary.config().http.listen.clone());
    let listener = tokio::net::TcpListener::bind(&listen)
        .await
        .map_err(|e| anyhow!("cannot listen on {listen}: {e}"))
        .usage()?;
    let addr = listener.local_addr().refused()?;
    notary.set_http_url(format!("http://{addr}"));
    let socket = dir.admin_socket_path();
    let admin = crate::api::admin::bind(&socket).await.usage()?;
    let (stop, stopped) = watch::channel(false);
    let tasks = vec![
        serve_http(listener, notary.clone(), limits, stopped.clone()),
        serve_admin(admin, notary.clone(), stopped.clone()),
        sweep_expired(notary.clone(), stopped),
    ];
    tracing::info!(
        log_size = notary.log_size(),
        "notary {} serving on {addr}",
        notary.identity().name
    );
    Ok(Running {
        addr,
        notary,
        stop,
        tasks,
        sequencer,
        socket,
    })
}

/// The public HTTP API, until `stopped` turns true (then it finishes the requests in flight).
fn serve_http(
    listener: tokio::net::TcpListener,
    notary: Notary,
    limits: crate::api::server::ConnLimits,
    stopped: watch::Receiver<bool>,
) -> JoinHandle<()> {
    let router = crate::api::router(notary);
    tokio::spawn(crate::api::server::serve(listener, router, limits, stopped))
}

/// The admin socket, until `stopped` turns true.
fn serve_admin(
    admin: tokio::net::UnixListener,
    notary: Notary,
    mut stopped: watch::Receiver<bool>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        tokio::select! {
            _ = crate::api::admin::serve(admin, notary) => {}
            _ = stopped.wait_for(|s| *s) => {}
        }
    })
}

/// Releases expired guarantees and records silent respondents (complaints past their response
/// deadline) every `agreements.expiry_scan_s`, until `stopped` turns true.
fn sweep_expired(notary: Notary, mut stopped: watch::Receiver<bool>) -> JoinHandle<()> {
    let every = Duration::from_secs(u64::from(notary.config().agreements.expiry_scan_s));
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = stopped.wait_for(|s| *s) => break,
            }
            if notary.is_failed() || !notary.role().writes() {
                // Fail-stop: nothing to sweep until a restart (/healthz says why, once); a
                // standby or replica leaves it to the writer.
                continue;
            }
            match notary.release_expired().await {
                Ok(0) => {}
                Ok(n) => tracing::info!("released {n} expired guarantees"),
                Err(e) => tracing::warn!("expiry sweep: {e}"),
            }
            match notary.mark_silent_complaints().await {
                Ok(0) => {}
                Ok(n) => tracing::info!("recorded {n} silent respondents"),
                Err(e) => tracing::warn!("complaint sweep: {e}"),
            }
        }
    })
}

/// `notar serve`: serve until SIGINT/SIGTERM. On PostgreSQL, a standby reloads from the
/// database and takes over once the writer's lease lapses, and a writer that stopped (another
/// process took over, or a COMMIT of unknown outcome) reloads as a standby: same address.
pub async fn serve(data: &Path, listen: Option<String>) -> Result<(), Failure> {
    let mut listen = listen;
    // Registered before anything listens: a future registers its handler only when first
    // polled, and a SIGTERM in between would kill the process by the default action (a test
    // that stopped the notary right after its first answer saw it die by the signal).
    let signals = Signals::register();
    let mut shutdown = std::pin::pin!(signals.recv());
    let mut reloading = false;
    loop {
        let running = match start(data, listen.clone()).await {
            Ok(running) => running,
            // A reload that cannot open the database (it is being promoted, or unreachable)
            // tries again; only the first start reports the failure and exits.
            Err(Failure::Refused(e) | Failure::Usage(e)) if reloading => {
                tracing::warn!("cannot reload from the database yet: {e:#}");
                tokio::select! {
                    _ = &mut shutdown => return Ok(()),
                    _ = tokio::time::sleep(Duration::from_secs(1)) => continue,
                }
            }
            Err(e) => return Err(e),
        };
        reloading = true;
        outln!("listening on http://{}", running.addr);
        let _ = std::io::stdout().flush();
        tracing::info!(role = running.notary.role().as_str(), "serving");
        listen = Some(running.addr.to_string());
        tokio::select! {
            _ = &mut shutdown => {
                running.stop().await?;
                tracing::info!("stopped");
                return Ok(());
            }
            why = must_reload(&running.notary) => {
                tracing::warn!("{why}: reloading from the database");
                running.stop().await?;
            }
        }
    }
}

/// Resolves when this process must rebuild itself from its PostgreSQL database: as a standby,
/// once the writer's lease has lapsed (it may take over); as the writer, once it stopped
/// signing (deposed, or a failed COMMIT). Never on RocksDB or for a replica. Meanwhile a
/// standby or replica serves the log as far as the writer has committed it.
async fn must_reload(notary: &Notary) -> String {
    use crate::store::Role;
    let every = Duration::from_millis(u64::from(notary.config().store.lease_ms) / 4);
    let mut tick = tokio::time::interval(every);
    loop {
        tick.tick().await;
        if let Err(e) = notary.follow_log() {
            tracing::warn!("following the log: {e}");
        }
        match notary.role() {
            Role::Single => std::future::pending::<()>().await,
            Role::Replica => {}
            Role::Fenced => return "another notar took the writer's lease over".into(),
            Role::Active if notary.is_failed() => {
                let why = notary.failed_reason().unwrap_or_default();
                return format!("stopped signing ({why})");
            }
            Role::Active => {}
            Role::Standby => match notary.lease_lapsed() {
                Ok(true) => return "the writer's lease lapsed".into(),
                Ok(false) => {}
                Err(e) => tracing::warn!("standby: {e}"),
            },
        }
    }
}

/// `notar up`: init and load the samples when there is no data dir, serve, and run the console
/// on this terminal; quitting the console stops the service.
pub async fn up(data: &Path, listen: Option<String>) -> Result<(), Failure> {
    let fresh = !DataDir::new(data).exists();
    if fresh {
        init(data, "notar", None).await?;
    }
    let running = start(data, listen).await?;
    if fresh {
        super::samples::load(&running.notary, data).await?;
    }
    outln!("listening on http://{}", running.addr);
    let _ = std::io::stdout().flush();
    let socket = DataDir::new(data).admin_socket_path();
    // The console builds its own runtime, so it runs on a plain thread, not a runtime worker.
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let _ = tx.send(crate::console::run(&socket));
    });
    let outcome = rx.await;
    running.stop().await?;
    match outcome {
        Ok(Ok(())) => Ok(()),
        // The console has already printed its error, with the terminal restored.
        Ok(Err(_)) => Err(Failure::Refused(anyhow!(
            "the console ended with an error (above); the service is stopped"
        ))),
        Err(_) => Err(Failure::Refused(anyhow!(
            "the console stopped unexpectedly"
        ))),
    }
}

/// SIGTERM and SIGINT, handled from the moment they are registered.
struct Signals {
    term: Option<tokio::signal::unix::Signal>,
    int: Option<tokio::signal::unix::Signal>,
}

impl Signals {
    /// Installs the handlers now (a failure leaves that signal's default action).
    fn register() -> Signals {
        use tokio::signal::unix::{signal, SignalKind};
        Signals {
            term: signal(SignalKind::terminate()).ok(),
            int: signal(SignalKind::interrupt()).ok(),
        }
    }

    /// Resolves at the first SIGTERM or SIGINT.
    async fn recv(mut self) {
        async fn next(s: &mut Option<tokio::signal::unix::Signal>) {
            match s {
                Some(s) => {
                    s.recv().await;
                }
                None => std::future::pending().await,
            }
        }
        tokio::select! {
            _ = next(&mut self.term) => {}
            _ = next(&mut self.int) => {}
        }
        tracing::info!("shutting down");
    }
}
