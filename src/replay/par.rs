//! [`par_map`]: replay's per-item checks on every core, the results in input order, so a report
//! and a ruling are the same bytes on one core or eight.
//!
//! The signatures are checked one by one (`VerifyingKey::verify`, as `Envelope::verify_by` does),
//! not with `ed25519_dalek::verify_batch`: a batch accepts signatures a single verification
//! refuses unless each signature's `R` is checked to be torsion-free, and that check costs more
//! than the verification it would save (docs/design.md, "Replay throughput";
//! `batch_tests.rs` shows the signatures a bare batch lets through).

/// Below this many inputs, [`par_map`] stays on the calling thread (a spawn costs more than
/// checking a few items).
const PAR_MIN: usize = 32;

/// Most threads [`par_map`] uses.
const THREADS_MAX: usize = 8;

/// `f` of every element of `xs`, in order, the work split in contiguous parts over the
/// machine's cores (scoped threads; one thread for few elements).
pub(super) fn par_map<T: Sync, R: Send>(xs: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(THREADS_MAX);
    if threads < 2 || xs.len() < PAR_MIN {
        return xs.iter().map(f).collect();
    }
    let part = xs.len().div_ceil(threads);
    let f = &f;
    std::thread::scope(|s| {
        let handles: Vec<_> = xs
            .chunks(part)
            .map(|c| s.spawn(move || c.iter().map(f).collect::<Vec<R>>()))
            .collect();
        let mut out = Vec::with_capacity(xs.len());
        for h in handles {
            match h.join() {
                Ok(part) => out.extend(part),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn par_map_keeps_the_order() {
        let xs: Vec<u32> = (0..1000).collect();
        let doubled: Vec<u32> = xs.iter().map(|x| x * 2).collect();
        assert_eq!(par_map(&xs, |x| x * 2), doubled);
    }
}
