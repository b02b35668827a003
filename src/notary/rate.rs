//! A small rate meter for the dashboard: events per second over a sliding window.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Window the rate is computed over.
const WINDOW: Duration = Duration::from_secs(10);
/// Most instants kept (bounds memory at high rates; the rate then saturates at this / window).
const SAMPLES_MAX: usize = 200_000;

/// Counts events and their recent rate.
#[derive(Default)]
pub struct RateMeter {
    total: AtomicU64,
    recent: Mutex<VecDeque<Instant>>,
}

impl RateMeter {
    /// Records `n` events now.
    pub fn record(&self, n: u64) {
        self.total.fetch_add(n, Ordering::Relaxed);
        let now = Instant::now();
        if let Ok(mut q) = self.recent.lock() {
            for _ in 0..n {
                if q.len() >= SAMPLES_MAX {
                    q.pop_front();
                }
                q.push_back(now);
            }
        }
    }

    /// Events since start.
    pub fn total(&self) -> u64 {
        self.total.load(Ordering::Relaxed)
    }

    /// Events per second over the window, times 1000.
    pub fn per_s_milli(&self) -> u64 {
        let now = Instant::now();
        let Ok(mut q) = self.recent.lock() else {
            return 0;
        };
        while q.front().is_some_and(|t| now.duration_since(*t) > WINDOW) {
            q.pop_front();
        }
        (q.len() as u64 * 1000) / WINDOW.as_secs()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_events_in_the_window() {
        let m = RateMeter::default();
        m.record(20);
        assert_eq!(m.total(), 20);
        assert_eq!(m.per_s_milli(), 2000);
    }
}
