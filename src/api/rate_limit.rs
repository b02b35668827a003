//! Token buckets and `429 rate_limited` with `Retry-After` once one is empty, for two limits:
//! per client address on the anonymous write routes (timestamps, nonces, complaints, exchange
//! requests; IPv6 per /64, what one host usually holds) — anyone may call these and each call
//! makes the notary sign and log, so one address must not be able to take the sequencer — and per
//! seller on `GET /v1/agreements/{id}/check` (`agreements.check_per_minute`), which reads the
//! ledger under the state lock, so a seller polling it in a loop would slow every signing command.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::{ApiError, HttpCode};

/// Callers remembered at most; past it, callers whose bucket has refilled are forgotten.
const ADDRESSES_MAX: usize = 100_000;

/// One address's bucket.
#[derive(Clone, Copy, Debug)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// Token buckets by caller: a client address (the default) or a seller id.
#[derive(Debug)]
pub struct RateLimiter<K = IpAddr> {
    per_s: f64,
    burst: f64,
    buckets: Mutex<HashMap<K, Bucket>>,
}

/// The per-seller limit of the coverage check.
pub type SellerLimiter = RateLimiter<String>;

impl RateLimiter<String> {
    /// At most `n` calls per caller per minute (at least 1): a burst of `n`, refilled at `n`/60 s.
    pub fn per_minute(n: u32) -> Self {
        let n = n.max(1);
        RateLimiter {
            per_s: f64::from(n) / 60.0,
            burst: f64::from(n),
            buckets: Mutex::new(HashMap::new()),
        }
    }
}

impl<K: Hash + Eq> RateLimiter<K> {
    /// `per_s` requests per second on average, `burst` at once; `per_s` 0 turns it off.
    pub fn new(per_s: u32, burst: u32) -> Self {
        RateLimiter {
            per_s: f64::from(per_s),
            burst: f64::from(burst.max(1)),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one request from `key`'s bucket at `now`: `Err(wait)` when it is empty.
    pub fn take(&self, key: K, now: Instant) -> Result<(), Duration> {
        if self.per_s <= 0.0 {
            return Ok(());
        }
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() >= ADDRESSES_MAX {
            let full = |b: &Bucket| self.refilled(*b, now).tokens >= self.burst;
            buckets.retain(|_, b| !full(b));
        }
        let fresh = Bucket {
            tokens: self.burst,
            at: now,
        };
        let bucket = buckets.entry(key).or_insert(fresh);
        *bucket = self.refilled(*bucket, now);
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - bucket.tokens) / self.per_s))
        }
    }

    fn refilled(&self, b: Bucket, now: Instant) -> Bucket {
        let elapsed = now.saturating_duration_since(b.at).as_secs_f64();
        Bucket {
            tokens: (b.tokens + elapsed * self.per_s).min(self.burst),
            at: now,
        }
    }
}

/// The address a limit applies to: an IPv4 address, or an IPv6 address's /64.
pub(super) fn client_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6((u128::from(v6) & !((1u128 << 64) - 1)).into()),
        },
    }
}

/// The middleware: takes a request from the caller's bucket, or answers `429 rate_limited`.
/// A request without a peer address (an in-process caller) is not limited.
pub async fn limit(State(limiter): State<Arc<RateLimiter>>, req: Request, next: Next) -> Response {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    if let Some(ip) = peer {
        if let Err(wait) = limiter.take(client_key(ip), Instant::now()) {
            return too_many(wait, &format!("too many requests from {ip}"));
        }
    }
    next.run(req).await
}

/// `429 rate_limited` saying `what` and when to retry, with `Retry-After` in whole seconds.
pub fn too_many(wait: Duration, what: &str) -> Response {
    let secs = wait.as_secs_f64().ceil().max(1.0) as u64;
    let mut resp = ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        HttpCode::RateLimited,
        format!("{what}; retry after {secs} s"),
    )
    .into_response();
    resp.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_the_rate_per_address() {
        let l: RateLimiter = RateLimiter::new(2, 3);
        let (a, b): (IpAddr, IpAddr) = ("192.0.2.1".parse().unwrap(), "192.0.2.2".parse().unwrap());
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(l.take(a, t0), Ok(()));
        }
        let wait = l.take(a, t0).expect_err("the burst is spent");
        assert_eq!(
            wait,
            Duration::from_millis(500),
            "2 per second: one in 0.5 s"
        );
        assert_eq!(l.take(b, t0), Ok(()), "another address has its own bucket");
        assert_eq!(l.take(a, t0 + Duration::from_millis(500)), Ok(()));
        assert!(l.take(a, t0 + Duration::from_millis(500)).is_err());
    }

    #[test]
    fn rate_zero_is_no_limit_and_ipv6_counts_per_64() {
        let off: RateLimiter = RateLimiter::new(0, 1);
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        assert!((0..1000).all(|_| off.take(ip, Instant::now()).is_ok()));
        let l: RateLimiter = RateLimiter::new(1, 1);
        let t0 = Instant::now();
        let key = |s: &str| client_key(s.parse().unwrap());
        assert_eq!(l.take(key("2001:db8::1"), t0), Ok(()));
        assert!(l.take(key("2001:db8::2"), t0).is_err(), "same /64");
        assert_eq!(l.take(key("2001:db8:0:1::1"), t0), Ok(()));
    }

    #[test]
    fn per_minute_a_burst_of_the_limit_then_one_call_per_refill() {
        let l = SellerLimiter::per_minute(3);
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(l.take("s1".into(), t0), Ok(()));
        }
        assert_eq!(l.take("s1".into(), t0), Err(Duration::from_secs(20)));
        // Another seller has its own budget.
        assert_eq!(l.take("s2".into(), t0), Ok(()));
        // 20 s later one call is back, and only one.
        let t1 = t0 + Duration::from_secs(20);
        assert_eq!(l.take("s1".into(), t1), Ok(()));
        assert!(l.take("s1".into(), t1).is_err());
        // Never more than the burst, however long the pause.
        let t2 = t1 + Duration::from_secs(3600);
        for _ in 0..3 {
            assert_eq!(l.take("s1".into(), t2), Ok(()));
        }
        assert!(l.take("s1".into(), t2).is_err());
    }
}
