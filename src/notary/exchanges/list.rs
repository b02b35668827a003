//! The exchange list's selection: the first `limit` records in the list's order, kept while the
//! records are read one at a time, so listing holds `limit` records in memory however many are
//! stored (issue 12: nothing per entry kept in memory without a cap).

use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// One candidate: its rank, then its place in reading order (ties keep that order, as a stable
/// sort would), then the value (not compared).
struct Ranked<K, T>(K, u64, T);

impl<K: Ord, T> PartialEq for Ranked<K, T> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl<K: Ord, T> Eq for Ranked<K, T> {}

impl<K: Ord, T> PartialOrd for Ranked<K, T> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<K: Ord, T> Ord for Ranked<K, T> {
    fn cmp(&self, other: &Self) -> Ordering {
        (&self.0, self.1).cmp(&(&other.0, other.1))
    }
}

/// Keeps the first `limit` values offered, by `rank` and then by the order they were offered:
/// what sorting all of them stably by `rank` and keeping `limit` gives, holding at most
/// `limit + 1` at a time.
pub(super) struct FirstBy<K, T> {
    limit: usize,
    offered: u64,
    kept: BinaryHeap<Ranked<K, T>>,
}

impl<K: Ord, T> FirstBy<K, T> {
    /// An empty selection of at most `limit` values.
    pub fn new(limit: usize) -> Self {
        FirstBy {
            limit,
            offered: 0,
            kept: BinaryHeap::with_capacity(limit.saturating_add(1).min(1024)),
        }
    }

    /// Offers `value` of `rank`.
    pub fn offer(&mut self, rank: K, value: T) {
        let at = self.offered;
        self.offered += 1;
        if self.limit == 0 {
            return;
        }
        self.kept.push(Ranked(rank, at, value));
        if self.kept.len() > self.limit {
            // The heap's top is the last in order: the one that no longer makes the cut.
            self.kept.pop();
        }
    }

    /// The values kept, in order.
    pub fn into_vec(self) -> Vec<T> {
        self.kept
            .into_sorted_vec()
            .into_iter()
            .map(|r| r.2)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn keeps_what_a_stable_sort_and_truncate_keeps(
            ranks in proptest::collection::vec(0u8..6, 0..200),
            limit in 0usize..40,
        ) {
            let mut sorted: Vec<(u8, usize)> = ranks.iter().copied().zip(0..).collect();
            sorted.sort_by_key(|(rank, _)| *rank);
            sorted.truncate(limit);
            let mut first = FirstBy::new(limit);
            for (at, rank) in ranks.iter().enumerate() {
                first.offer(*rank, (*rank, at));
            }
            prop_assert_eq!(first.into_vec(), sorted);
        }
    }
}
