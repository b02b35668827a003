//! The per-seller rate limit of `GET /v1/agreements/{id}/check`: the check reads the ledger
//! under the notary's state lock, so a seller polling it in a loop would slow every signing
//! command. A token bucket per seller (`agreements.check_per_minute` calls in a burst, refilled
//! at that rate); past it, `429 rate_limited` with `Retry-After`. Sellers are registered by an
//! arbitrator and the limit is applied after the token check, so the map is bounded by the
//! registry.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

use super::ApiError;
use crate::model::error_code::ErrorCode;

/// A seller's bucket: calls left (fractional while refilling) as of `at`.
struct Bucket {
    left: f64,
    at: Instant,
}

/// Token buckets of the sellers who called the check.
pub struct CheckLimiter {
    per_minute: u32,
    buckets: Mutex<HashMap<String, Bucket>>,
}

/// A call refused by the limit: answer 429 with `Retry-After` in seconds.
#[derive(Debug, PartialEq, Eq)]
pub struct Limited {
    /// Seconds until the seller may call again.
    pub retry_after_s: u64,
}

impl IntoResponse for Limited {
    fn into_response(self) -> Response {
        let e = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::RateLimited,
            format!(
                "too many coverage checks: retry in {} s",
                self.retry_after_s
            ),
        );
        let mut r = e.into_response();
        r.headers_mut()
            .insert(header::RETRY_AFTER, self.retry_after_s.into());
        r
    }
}

impl CheckLimiter {
    /// At most `per_minute` calls per seller per minute (at least 1).
    pub fn new(per_minute: u32) -> Self {
        CheckLimiter {
            per_minute: per_minute.max(1),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one call of `seller`'s budget at `now`, or says how long to wait.
    pub fn take(&self, seller: &str, now: Instant) -> Result<(), Limited> {
        let cap = f64::from(self.per_minute);
        let per_s = cap / 60.0;
        // A poisoned map only holds counters: keep using it.
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        let b = buckets
            .entry(seller.to_string())
            .or_insert(Bucket { left: cap, at: now });
        let elapsed = now.saturating_duration_since(b.at).as_secs_f64();
        b.left = (b.left + elapsed * per_s).min(cap);
        b.at = now;
        if b.left >= 1.0 {
            b.left -= 1.0;
            return Ok(());
        }
        let wait = ((1.0 - b.left) / per_s).ceil();
        // `wait` is at most 60 s (one call's refill at the lowest rate, 1 per minute).
        Err(Limited {
            retry_after_s: (wait as u64).max(1),
        })
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_burst_of_the_limit_then_one_call_per_refill() {
        let l = CheckLimiter::new(3);
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(l.take("s1", t0), Ok(()));
        }
        assert_eq!(l.take("s1", t0), Err(Limited { retry_after_s: 20 }));
        // Another seller has its own budget.
        assert_eq!(l.take("s2", t0), Ok(()));
        // 20 s later one call is back, and only one.
        let t1 = t0 + Duration::from_secs(20);
        assert_eq!(l.take("s1", t1), Ok(()));
        assert!(l.take("s1", t1).is_err());
        // Never more than the burst, however long the pause.
        let t2 = t1 + Duration::from_secs(3600);
        for _ in 0..3 {
            assert_eq!(l.take("s1", t2), Ok(()));
        }
        assert!(l.take("s1", t2).is_err());
    }
}
