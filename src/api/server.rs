//! The accept loop of the public HTTP API: hyper's HTTP/1 connection with its header-read
//! timeout (axum's own `serve` sets none, so a slow client held its connection forever), a cap on
//! connections served at once and on those of one client address, and a back-off when `accept`
//! fails (out of file descriptors) that logs once per interval instead of ten times a second.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};
use tower::ServiceExt;

use super::admin::refusals::RefusalLog;

/// The connection limits of the HTTP server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnLimits {
    /// hyper's header-read timeout: from when a connection waits for a request until its
    /// headers are in (so also how long a keep-alive connection may sit idle).
    pub header_read_timeout: Duration,
    /// Connections served at once.
    pub max_connections: usize,
    /// Connections one client address may hold at once.
    pub max_per_address: usize,
}

/// Longest pause after a failed `accept`.
const BACKOFF_MAX: Duration = Duration::from_secs(1);

/// Serves `router` on `listener` until `stopped` turns true, then lets each connection finish
/// the request in flight and waits for them all.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnLimits,
    mut stopped: watch::Receiver<bool>,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let per_address = Arc::new(AddressCounts::default());
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    let accept_failures = RefusalLog::default();
    let over_address_cap = RefusalLog::default();
    let mut backoff = Duration::ZERO;
    loop {
        let permit = tokio::select! {
            p = slots.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
            _ = stop_requested(&mut stopped) => break,
        };
        let (stream, peer) = tokio::select! {
            r = listener.accept() => match r {
                Ok(accepted) => accepted,
                Err(e) => {
                    backoff = (backoff * 2).clamp(Duration::from_millis(5), BACKOFF_MAX);
                    if let Some(unlogged) = accept_failures.note(Instant::now()) {
                        tracing::warn!(
                            unlogged_since_last = unlogged,
                            "HTTP accept failed: {e}; pausing up to {} ms between tries",
                            BACKOFF_MAX.as_millis()
                        );
                    }
                    tokio::time::sleep(backoff).await;
                    continue;
                }
            },
            _ = stop_requested(&mut stopped) => break,
        };
        backoff = Duration::ZERO;
        let client = super::rate_limit::client_key(peer.ip());
        let Some(slot) = per_address.enter(client, limits.max_per_address) else {
            if let Some(unlogged) = over_address_cap.note(Instant::now()) {
                tracing::warn!(
                    unlogged_since_last = unlogged,
                    "closed a connection from {client}: it holds {} already",
                    limits.max_per_address
                );
            }
            continue;
        };
        let conn = Conn {
            stream,
            peer,
            router: router.clone(),
            http: http.clone(),
            _permit: permit,
            _slot: slot,
        };
        tokio::spawn(conn.run(stopped.clone()));
    }
    // Every connection holds a slot until it ends.
    let all = u32::try_from(limits.max_connections).unwrap_or(u32::MAX);
    let _ = slots.acquire_many(all).await;
}

/// Returns once `stopped` is true (or its sender is gone).
async fn stop_requested(stopped: &mut watch::Receiver<bool>) {
    let _ = stopped.wait_for(|s| *s).await;
}

/// One accepted connection and what it holds until it ends.
struct Conn {
    stream: TcpStream,
    peer: SocketAddr,
    router: Router,
    http: http1::Builder,
    _permit: OwnedSemaphorePermit,
    _slot: AddressSlot,
}

impl Conn {
    async fn run(self, mut stopped: watch::Receiver<bool>) {
        let peer = self.peer;
        let service = self
            .router
            .map_request(move |req: axum::http::Request<Incoming>| {
                let mut req = req.map(Body::new);
                req.extensions_mut().insert(ConnectInfo(peer));
                req
            });
        let conn = self
            .http
            .serve_connection(TokioIo::new(self.stream), TowerToHyperService::new(service));
        tokio::pin!(conn);
        let result = tokio::select! {
            r = conn.as_mut() => r,
            _ = stop_requested(&mut stopped) => {
                conn.as_mut().graceful_shutdown();
                conn.await
            }
        };
        if let Err(e) = result {
            tracing::debug!("HTTP connection from {peer} ended: {e}");
        }
    }
}

/// Connections held per client address.
#[derive(Default)]
struct AddressCounts(Mutex<HashMap<IpAddr, usize>>);

impl AddressCounts {
    /// A slot for one more connection from `ip`, or `None` when it holds `max` already.
    fn enter(self: &Arc<Self>, ip: IpAddr, max: usize) -> Option<AddressSlot> {
        let mut counts = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let n = counts.entry(ip).or_insert(0);
        if *n >= max {
            return None;
        }
        *n += 1;
        Some(AddressSlot {
            counts: self.clone(),
            ip,
        })
    }
}

/// One connection's place in its address's count, given back when dropped.
struct AddressSlot {
    counts: Arc<AddressCounts>,
    ip: IpAddr,
}

impl Drop for AddressSlot {
    fn drop(&mut self) {
        let mut counts = self.counts.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = counts.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                counts.remove(&self.ip);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_holds_at_most_its_cap_and_gets_slots_back() {
        let counts = Arc::new(AddressCounts::default());
        let a: IpAddr = "192.0.2.1".parse().expect("ip");
        let b: IpAddr = "192.0.2.2".parse().expect("ip");
        let one = counts.enter(a, 2).expect("first");
        let _two = counts.enter(a, 2).expect("second");
        assert!(counts.enter(a, 2).is_none(), "third over the cap");
        assert!(counts.enter(b, 2).is_some(), "another address");
        drop(one);
        assert!(counts.enter(a, 2).is_some(), "a slot given back");
    }
}
