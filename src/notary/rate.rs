//! What the dashboard shows of the notary's activity: a rate meter per kind of work (events per
//! second over the last seconds, and a per-second history for a chart), and the counts of what
//! was signed since the process started. Memory is fixed: a ring of per-second buckets, one
//! counter per kind.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use crate::model::entry::EntryKind;

/// Complete seconds of per-second history kept and reported (the dashboard's chart).
pub const HISTORY_SECS: usize = 120;
/// Seconds the rate is averaged over (the current one included).
const WINDOW_SECS: u64 = 10;
/// Buckets in the ring: the history and the second under way.
const RING: usize = HISTORY_SECS + 1;

/// Counts events, their recent rate and their per-second history.
pub struct RateMeter {
    total: AtomicU64,
    origin: Instant,
    buckets: Mutex<Buckets>,
}

impl Default for RateMeter {
    fn default() -> Self {
        RateMeter {
            total: AtomicU64::new(0),
            origin: Instant::now(),
            buckets: Mutex::new(Buckets::default()),
        }
    }
}

impl RateMeter {
    /// Records `n` events now.
    pub fn record(&self, n: u64) {
        self.total.fetch_add(n, Ordering::Relaxed);
        let now = self.second();
        if let Ok(mut b) = self.buckets.lock() {
            b.add(now, n);
        }
    }

    /// Events since start.
    pub fn total(&self) -> u64 {
        self.total.load(Ordering::Relaxed)
    }

    /// Events per second over the last [`WINDOW_SECS`] seconds, times 1000.
    pub fn per_s_milli(&self) -> u64 {
        let now = self.second();
        self.buckets
            .lock()
            .map_or(0, |mut b| b.window_sum(now) * 1000 / WINDOW_SECS)
    }

    /// Events in each of the last [`HISTORY_SECS`] complete seconds, oldest first.
    pub fn history(&self) -> Vec<u32> {
        let now = self.second();
        self.buckets
            .lock()
            .map_or_else(|_| vec![0; HISTORY_SECS], |mut b| b.history(now))
    }

    /// Whole seconds since the meter was made.
    fn second(&self) -> u64 {
        self.origin.elapsed().as_secs()
    }
}

/// Per-second counts in a ring: the second under way and the [`HISTORY_SECS`] before it. A
/// bucket is emptied when the ring comes round to it again.
struct Buckets {
    /// The second (since the meter's origin) of the newest bucket.
    newest: u64,
    counts: [u64; RING],
}

impl Default for Buckets {
    fn default() -> Self {
        Buckets {
            newest: 0,
            counts: [0; RING],
        }
    }
}

impl Buckets {
    fn slot(second: u64) -> usize {
        (second % RING as u64) as usize
    }

    /// Moves the ring on to second `now`, emptying the buckets of the seconds skipped.
    fn advance(&mut self, now: u64) {
        if now <= self.newest {
            return;
        }
        let skipped = (now - self.newest).min(RING as u64);
        for second in now + 1 - skipped..=now {
            self.counts[Self::slot(second)] = 0;
        }
        self.newest = now;
    }

    /// The count of second `s`, if the ring still holds it.
    fn count(&self, s: u64) -> u64 {
        if s > self.newest || self.newest - s >= RING as u64 {
            return 0;
        }
        self.counts[Self::slot(s)]
    }

    /// Adds `n` events at second `now` (a second the ring no longer holds is dropped: it can
    /// only come from a caller that waited for the lock longer than the whole history).
    fn add(&mut self, now: u64, n: u64) {
        self.advance(now);
        if self.newest - now < RING as u64 {
            let c = &mut self.counts[Self::slot(now)];
            *c = c.saturating_add(n);
        }
    }

    /// Events in the [`WINDOW_SECS`] seconds ending with `now`.
    fn window_sum(&mut self, now: u64) -> u64 {
        self.advance(now);
        (0..WINDOW_SECS)
            .filter_map(|back| now.checked_sub(back))
            .map(|s| self.count(s))
            .sum()
    }

    /// The [`HISTORY_SECS`] complete seconds before `now`, oldest first; seconds before the
    /// origin count nothing.
    fn history(&mut self, now: u64) -> Vec<u32> {
        self.advance(now);
        (1..=HISTORY_SECS as u64)
            .rev()
            .map(|back| now.checked_sub(back).map_or(0, |s| self.count(s)))
            .map(|c| u32::try_from(c).unwrap_or(u32::MAX))
            .collect()
    }
}

/// How many ledger and exchange statements were signed since the process started (timestamps
/// have their [`RateMeter`]): counted once their batch is durable, so a retry answered with an
/// earlier statement counts nothing.
#[derive(Default)]
pub struct SignedCounts {
    guarantees: AtomicU64,
    refusals: AtomicU64,
    settlements: AtomicU64,
    releases: AtomicU64,
    exchange_decisions: AtomicU64,
}

/// A reading of [`SignedCounts`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SignedTotals {
    /// Guarantees granted.
    pub guarantees: u64,
    /// Guarantee requests refused.
    pub refusals: u64,
    /// Guarantees settled.
    pub settlements: u64,
    /// Guarantees released.
    pub releases: u64,
    /// Exchanges decided: aborted (asked or expired) or resolved (contract, delivery, escrow
    /// failure).
    pub exchange_decisions: u64,
}

impl SignedCounts {
    /// Counts one logged statement of `kind` (kinds the dashboard does not show are ignored).
    pub fn count(&self, kind: EntryKind) {
        let counter = match kind {
            EntryKind::Guarantee => &self.guarantees,
            EntryKind::Refusal => &self.refusals,
            EntryKind::Settlement => &self.settlements,
            EntryKind::Release => &self.releases,
            EntryKind::ExchangeAbortToken
            | EntryKind::ReplacementContract
            | EntryKind::DeliveryAffidavit
            | EntryKind::EscrowFailureAffidavit => &self.exchange_decisions,
            _ => return,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// The counts now.
    pub fn totals(&self) -> SignedTotals {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        SignedTotals {
            guarantees: get(&self.guarantees),
            refusals: get(&self.refusals),
            settlements: get(&self.settlements),
            releases: get(&self.releases),
            exchange_decisions: get(&self.exchange_decisions),
        }
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
        assert_eq!(m.history().len(), HISTORY_SECS);
    }

    #[test]
    fn buckets_roll_into_the_history_oldest_first() {
        let mut b = Buckets::default();
        b.add(0, 3);
        b.add(1, 5);
        b.add(1, 1);
        b.add(3, 2);
        // Second 4 is under way: the history ends with second 3.
        let h = b.history(4);
        assert_eq!(h.len(), HISTORY_SECS);
        assert_eq!(h[HISTORY_SECS - 4..], [3, 6, 0, 2]);
        assert!(h[..HISTORY_SECS - 4].iter().all(|c| *c == 0));
        // The second under way is not history yet, but it counts in the rate.
        b.add(4, 7);
        assert_eq!(b.history(4)[HISTORY_SECS - 1], 2);
        assert_eq!(b.window_sum(4), 3 + 6 + 2 + 7);
        assert_eq!(b.window_sum(13), 7, "seconds 0..=3 left the window");
    }

    #[test]
    fn history_is_bounded_and_old_seconds_are_forgotten() {
        let mut b = Buckets::default();
        b.add(0, 9);
        let h = b.history(HISTORY_SECS as u64);
        assert_eq!(h[0], 9, "second 0 is the oldest one kept");
        let h = b.history(HISTORY_SECS as u64 + 1);
        assert_eq!(h.len(), HISTORY_SECS);
        assert!(h.iter().all(|c| *c == 0), "second 0 rolled out: {h:?}");
        // The ring is reused: a bucket that comes round again starts empty.
        b.add(RING as u64, 4);
        assert_eq!(b.count(RING as u64), 4);
        assert_eq!(b.count(0), 0);
        // A long silence empties everything, without walking more than the ring.
        b.add(1_000_000, 1);
        assert_eq!(
            b.history(1_000_001).iter().map(|c| *c as u64).sum::<u64>(),
            1
        );
        // A second older than the ring is dropped, not added to a bucket of today.
        b.add(1_000_000 - RING as u64, 50);
        assert_eq!(b.window_sum(1_000_000), 1);
    }

    #[test]
    fn a_huge_second_saturates_instead_of_wrapping() {
        let mut b = Buckets::default();
        b.add(5, u64::MAX);
        b.add(5, 1);
        assert_eq!(b.history(6)[HISTORY_SECS - 1], u32::MAX);
    }

    #[test]
    fn signed_counts_count_only_the_dashboard_kinds() {
        let c = SignedCounts::default();
        for kind in [
            EntryKind::Guarantee,
            EntryKind::Guarantee,
            EntryKind::Refusal,
            EntryKind::Settlement,
            EntryKind::Release,
            EntryKind::Timestamp,
            EntryKind::ExchangeAbortToken,
            EntryKind::ReplacementContract,
            EntryKind::DeliveryAffidavit,
            EntryKind::EscrowFailureAffidavit,
            EntryKind::Party,
            EntryKind::ComplaintReceipt,
        ] {
            c.count(kind);
        }
        let t = c.totals();
        assert_eq!(
            (t.guarantees, t.refusals, t.settlements, t.releases),
            (2, 1, 1, 1)
        );
        assert_eq!(t.exchange_decisions, 4);
    }
}
