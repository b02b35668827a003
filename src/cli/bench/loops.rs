//! The load itself: a sender over HTTP or in-process, the closed and the open loop that drive it,
//! and the tally of what came back.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;

use super::{BenchArgs, Prepared, Setup};
use crate::cli::serve::Running;
use crate::notary::{Caller, Closing, Notary, StampOutcome};

/// Most requests in flight in open-loop mode in-process; past it a due request is counted as
/// skipped.
const OPEN_LOOP_IN_FLIGHT_MAX: usize = 8192;

/// Most requests in flight in open-loop mode over HTTP (or `--concurrency`, if more), unless the
/// descriptor limit allows fewer: each holds a connection, and the server lets one address hold
/// only so many (`bench_http_limits` raises the benchmark notary's cap to fit); past it a due
/// request is counted as skipped. With 8,192 an overloaded run got thousands of connections
/// closed by the server, reported as transport errors.
const OPEN_LOOP_HTTP_IN_FLIGHT_MAX: usize = 1024;

/// The most requests `args` keep in flight over HTTP: the connections the load generator needs.
pub(super) fn http_in_flight_max(args: &BenchArgs) -> usize {
    match args.rate {
        Some(_) => args
            .concurrency
            .max(open_loop_http_cap(crate::cli::serve_limits::raise_nofile())),
        None => args.concurrency,
    }
}

/// [`OPEN_LOOP_HTTP_IN_FLIGHT_MAX`], or what the descriptor limit `nofile` leaves: this process
/// holds both ends of every connection, the generator up to two connections per request in
/// flight (`generator_connections_max`), and the server keeps descriptors for its store.
fn open_loop_http_cap(nofile: Option<u64>) -> usize {
    let kept = crate::cli::serve_limits::RESERVED_FDS + 64;
    let room = nofile.map_or(u64::MAX, |n| n.saturating_sub(kept) / 4);
    OPEN_LOOP_HTTP_IN_FLIGHT_MAX
        .min(usize::try_from(room).unwrap_or(usize::MAX))
        .max(16)
}

/// What one request came back with.
enum Outcome {
    Granted,
    Refused,
    Error(String),
}

#[derive(Clone)]
pub(super) struct Sender {
    /// The client, the service's base URL (`http://ADDR`) and the seller's `Authorization`.
    http: Option<(reqwest::Client, String, String)>,
    notary: Notary,
    seller_id: String,
}

impl Sender {
    /// A sender over HTTP to the running service with the seller's token, or straight to the
    /// notary with `--in-process`.
    pub(super) fn new(
        running: &Running,
        setup: &Setup,
        args: &BenchArgs,
    ) -> anyhow::Result<Sender> {
        let http = if args.in_process {
            None
        } else {
            let client = reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .tcp_nodelay(true)
                .pool_max_idle_per_host(args.concurrency.max(64))
                .build()
                .context("HTTP client")?;
            Some((
                client,
                format!("http://{}", running.addr),
                format!("Bearer {}", setup.token),
            ))
        };
        Ok(Sender {
            http,
            notary: running.notary.clone(),
            seller_id: setup.seller_id.clone(),
        })
    }

    /// The notary the run loads.
    pub(super) fn notary(&self) -> &Notary {
        &self.notary
    }

    async fn send(&self, p: Prepared) -> Outcome {
        match &self.http {
            Some((client, base, auth)) => post(client, base, auth, p).await,
            None => self.call(p).await,
        }
    }

    /// `p` straight to the notary.
    async fn call(&self, p: Prepared) -> Outcome {
        match p {
            Prepared::Stamp(der) => match self.notary.stamp(&der).await {
                Ok(StampOutcome::Granted(_)) => Outcome::Granted,
                Ok(StampOutcome::Rejected { .. }) => Outcome::Refused,
                Err(e) => Outcome::Error(e.code().to_string()),
            },
            Prepared::Guarantee(req) => {
                match self.notary.request_guarantee(*req, &self.seller_id).await {
                    Ok(a) if a.granted() => Outcome::Granted,
                    Ok(_) => Outcome::Refused,
                    Err(e) => Outcome::Error(e.code().to_string()),
                }
            }
            Prepared::Settle(id) => {
                let seller = Caller::Seller(self.seller_id.clone());
                match self
                    .notary
                    .close_guarantee(&id, seller, Closing::Settle, None, None)
                    .await
                {
                    Ok(_) => Outcome::Granted,
                    Err(e) => Outcome::Error(e.code().to_string()),
                }
            }
            Prepared::Resolve(body) => match self.notary.resolve_exchange(*body).await {
                Ok(a) if a.body.contains(RESOLVED) => Outcome::Granted,
                Ok(_) => Outcome::Refused,
                Err(e) => Outcome::Error(e.code().to_string()),
            },
            Prepared::GuaranteeHttp(_) | Prepared::ResolveHttp(_) | Prepared::Healthz => {
                Outcome::Error("no_client".into())
            }
        }
    }
}

/// What a resolve's answer says when the notary resolved the exchange.
const RESOLVED: &str = "\"status\":\"resolved\"";

/// `p` over HTTP to the service at `base`.
async fn post(client: &reqwest::Client, base: &str, auth: &str, p: Prepared) -> Outcome {
    let (route, body, content_type) = match p {
        Prepared::Settle(id) => (
            format!("guarantees/{id}/settle"),
            Vec::new(),
            "application/json",
        ),
        Prepared::GuaranteeHttp(body) => ("guarantees".into(), body, "application/json"),
        Prepared::Stamp(der) => ("timestamp".into(), der, "application/timestamp-query"),
        Prepared::ResolveHttp(body) => ("exchanges/resolve".into(), body, "application/json"),
        Prepared::Healthz => {
            let resp = client.get(format!("{base}/healthz")).send().await;
            return answered(resp, |status, _| match status {
                200 => Outcome::Granted,
                s => Outcome::Error(format!("http_{s}")),
            })
            .await;
        }
        Prepared::Guarantee(_) | Prepared::Resolve(_) => {
            return Outcome::Error("in_process_only".into())
        }
    };
    let resp = client
        .post(format!("{base}/v1/{route}"))
        .header(reqwest::header::AUTHORIZATION, auth)
        .header(reqwest::header::CONTENT_TYPE, content_type)
        .body(body)
        .send()
        .await;
    let settle = route.ends_with("/settle");
    answered(resp, |status, body| match (route.as_str(), status) {
        (_, 200) if settle => Outcome::Granted,
        ("guarantees", 201) | ("timestamp", 200) => Outcome::Granted,
        ("guarantees", 200) => Outcome::Refused,
        ("exchanges/resolve", 200) if contains(body, RESOLVED) => Outcome::Granted,
        ("exchanges/resolve", 200) => Outcome::Refused,
        (_, s) => Outcome::Error(format!("http_{s}")),
    })
    .await
}

fn contains(body: &[u8], text: &str) -> bool {
    body.windows(text.len()).any(|w| w == text.as_bytes())
}

/// What an HTTP answer counts as: `by_status` of its status and body once the whole body is
/// read (a client would read it), or the transport's failure.
async fn answered(
    resp: reqwest::Result<reqwest::Response>,
    by_status: impl FnOnce(u16, &[u8]) -> Outcome,
) -> Outcome {
    match resp {
        Ok(r) => {
            let status = r.status().as_u16();
            match r.bytes().await {
                Err(_) => Outcome::Error("body".into()),
                Ok(body) => by_status(status, &body),
            }
        }
        Err(e) if e.is_timeout() => Outcome::Error("timeout".into()),
        Err(_) => Outcome::Error("transport".into()),
    }
}

/// Counts and latencies of one phase.
#[derive(Default)]
pub(super) struct Tally {
    pub(super) granted: u64,
    pub(super) refused: u64,
    pub(super) errors: BTreeMap<String, u64>,
    pub(super) skipped: u64,
    /// Each answered request: when it started (was due, in the open loop), in µs from the start
    /// of the phase, and its latency in µs.
    pub(super) answers_us: Vec<(u32, u32)>,
    pub(super) ran_out: bool,
}

impl Tally {
    fn add(&mut self, o: Outcome, started: Duration, latency: Duration) {
        match o {
            Outcome::Granted => self.granted += 1,
            Outcome::Refused => self.refused += 1,
            Outcome::Error(code) => *self.errors.entry(code).or_default() += 1,
        }
        let us = |d: Duration| u32::try_from(d.as_micros()).unwrap_or(u32::MAX);
        self.answers_us.push((us(started), us(latency)));
    }

    fn merge(&mut self, o: Tally) {
        self.granted += o.granted;
        self.refused += o.refused;
        for (k, v) in o.errors {
            *self.errors.entry(k).or_default() += v;
        }
        self.skipped += o.skipped;
        self.answers_us.extend(o.answers_us);
        self.ran_out |= o.ran_out;
    }

    pub(super) fn answered(&self) -> u64 {
        self.answers_us.len() as u64
    }
}

/// Closed loop: `workers` tasks, each sending its share of `orders` one after the other until
/// `deadline`.
pub(super) async fn closed_loop(
    sender: &Sender,
    orders: Vec<Prepared>,
    workers: usize,
    length: Duration,
) -> anyhow::Result<(Tally, Duration)> {
    let workers = workers.max(1);
    let mut shares: Vec<Vec<Prepared>> = (0..workers).map(|_| Vec::new()).collect();
    for (i, p) in orders.into_iter().enumerate() {
        shares[i % workers].push(p);
    }
    let start = Instant::now();
    let deadline = start + length;
    let tasks: Vec<_> = shares
        .into_iter()
        .map(|share| {
            let sender = sender.clone();
            tokio::spawn(async move {
                let mut t = Tally::default();
                let mut share = share.into_iter();
                loop {
                    if Instant::now() >= deadline {
                        break;
                    }
                    let Some(p) = share.next() else {
                        t.ran_out = true;
                        break;
                    };
                    let sent = Instant::now();
                    let o = sender.send(p).await;
                    t.add(o, sent - start, sent.elapsed());
                }
                t
            })
        })
        .collect();
    let mut total = Tally::default();
    for t in tasks {
        total.merge(t.await.context("bench worker")?);
    }
    Ok((total, start.elapsed().min(length.max(start.elapsed()))))
}

/// Open loop: request i is due at start + i/rate and is sent then, whatever is in flight;
/// its latency counts from when it was due.
pub(super) async fn open_loop(
    sender: &Sender,
    orders: Vec<Prepared>,
    args: &BenchArgs,
    length: Duration,
) -> anyhow::Result<(Tally, Duration)> {
    let rate = args.rate.unwrap_or(1).max(1) as f64;
    let most = match args.in_process {
        true => OPEN_LOOP_IN_FLIGHT_MAX,
        false => http_in_flight_max(args),
    };
    let in_flight = Arc::new(tokio::sync::Semaphore::new(most));
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(Outcome, Duration, Duration)>();
    let start = tokio::time::Instant::now();
    let mut skipped = 0u64;
    let mut ran_out = true;
    for (i, p) in orders.into_iter().enumerate() {
        let due = start + Duration::from_secs_f64(i as f64 / rate);
        if due.duration_since(start) >= length {
            ran_out = false;
            break;
        }
        tokio::time::sleep_until(due).await;
        let Ok(permit) = in_flight.clone().try_acquire_owned() else {
            skipped += 1;
            continue;
        };
        let sender = sender.clone();
        let tx = tx.clone();
        tokio::spawn(async move {
            let o = sender.send(p).await;
            let _ = tx.send((o, due - start, due.elapsed()));
            drop(permit);
        });
    }
    drop(tx);
    let mut t = Tally::default();
    while let Some((o, started, latency)) = rx.recv().await {
        t.add(o, started, latency);
    }
    t.skipped = skipped;
    t.ran_out = ran_out;
    Ok((t, start.elapsed()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_open_loop_over_http_fits_the_descriptor_limit() {
        assert_eq!(open_loop_http_cap(None), OPEN_LOOP_HTTP_IN_FLIGHT_MAX);
        assert_eq!(
            open_loop_http_cap(Some(20_000)),
            OPEN_LOOP_HTTP_IN_FLIGHT_MAX
        );
        // 1,024 descriptors: 176 in flight, up to 368 connections, 736 descriptors for both ends.
        assert_eq!(open_loop_http_cap(Some(1024)), 176);
        assert_eq!(open_loop_http_cap(Some(100)), 16);
    }
}
