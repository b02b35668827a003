//! Refused admin connections are logged at most once per [`WARN_EVERY`]: a Unix user who may
//! reach the socket but is not an arbitrator must not be able to flood the service log by
//! connecting in a loop. The line that is written says how many refusals it stands for.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// At most one warning line per this interval.
pub const WARN_EVERY: Duration = Duration::from_secs(10);

/// When the last warning was written and how many refusals went unlogged since.
#[derive(Default)]
pub struct RefusalLog {
    state: Mutex<(Option<Instant>, u64)>,
}

impl RefusalLog {
    /// Records a refusal at `now`; `Some(n)` when a warning is due, `n` the refusals not logged
    /// since the last one.
    pub fn note(&self, now: Instant) -> Option<u64> {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let (last, unlogged) = &mut *s;
        match last {
            Some(t) if now.saturating_duration_since(*t) < WARN_EVERY => {
                *unlogged += 1;
                None
            }
            _ => {
                *last = Some(now);
                Some(std::mem::take(unlogged))
            }
        }
    }
}

/// The service's refusal log.
pub static REFUSALS: std::sync::LazyLock<RefusalLog> =
    std::sync::LazyLock::new(RefusalLog::default);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_per_interval_counting_the_refusals_it_stands_for() {
        let log = RefusalLog::default();
        let t0 = Instant::now();
        assert_eq!(log.note(t0), Some(0), "the first refusal is logged");
        let mut lines = 0;
        for ms in 1..1000u64 {
            if log.note(t0 + Duration::from_millis(ms)).is_some() {
                lines += 1;
            }
        }
        assert_eq!(lines, 0, "999 refusals within a second: no more lines");
        assert_eq!(
            log.note(t0 + WARN_EVERY),
            Some(999),
            "the next line counts them"
        );
        assert_eq!(log.note(t0 + WARN_EVERY + Duration::from_millis(1)), None);
    }
}
