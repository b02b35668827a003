//! Allocations so far in this process, when built with the `alloc-count` feature (for
//! `notar bench`: allocation per request). The counting allocator itself is chosen in `lib.rs`.

/// Allocation calls (new blocks and resizes) and bytes asked for, since the process began.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    /// `alloc`, `alloc_zeroed` and `realloc` calls.
    pub calls: u64,
    /// Bytes of new blocks plus the net growth of resized ones.
    pub bytes: u64,
}

/// The totals so far, or `None` when the build does not count (the default: mimalloc).
pub fn totals() -> Option<Totals> {
    #[cfg(all(not(fuzzing), feature = "alloc-count"))]
    {
        let s = stats_alloc::INSTRUMENTED_SYSTEM.stats();
        let grown = u64::try_from(s.bytes_reallocated).unwrap_or(0);
        Some(Totals {
            calls: (s.allocations + s.reallocations) as u64,
            bytes: s.bytes_allocated as u64 + grown,
        })
    }
    #[cfg(not(all(not(fuzzing), feature = "alloc-count")))]
    None
}

#[cfg(test)]
mod tests {
    #[test]
    fn counts_only_when_built_to() {
        let before = super::totals();
        let v: Vec<u64> = Vec::with_capacity(1000);
        std::hint::black_box(&v);
        let after = super::totals();
        assert_eq!(before.is_some(), cfg!(feature = "alloc-count"));
        match (before, after) {
            (Some(b), Some(a)) => {
                assert!(a.calls > b.calls, "{b:?} -> {a:?}");
                assert!(a.bytes >= b.bytes + 8000, "{b:?} -> {a:?}");
            }
            (None, None) => {}
            other => panic!("counting changed mid-run: {other:?}"),
        }
    }
}
