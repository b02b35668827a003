//! [`par_chunks`]: replay's per-item checks on every core, the results in input
//! order, so a report and a ruling are the same bytes on one core or eight. Each core checks the
//! signatures of its part in one ZIP-215 batch (`crate::crypto::zip215`): the verdicts do not
//! depend on how the items are split.

/// Below this many inputs, [`par_chunks`] stays on the calling thread (a spawn costs more than
/// checking a few items).
const PAR_MIN: usize = 32;

/// Most threads [`par_chunks`] uses.
const THREADS_MAX: usize = 8;

/// The threads to use: the cores this process may run on, at most [`THREADS_MAX`]. Asked once:
/// the standard library reads the cgroup's CPU quota from files on each call.
pub(super) fn cores() -> usize {
    static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *CORES.get_or_init(|| {
        std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(THREADS_MAX)
    })
}

/// `f` of contiguous parts of `xs`, one per core (all of `xs` at once on one core or for few
/// elements), the results concatenated in order. `f` returns one result per element.
pub(super) fn par_chunks<T: Sync, R: Send>(xs: &[T], f: impl Fn(&[T]) -> Vec<R> + Sync) -> Vec<R> {
    let threads = cores();
    if threads < 2 || xs.len() < PAR_MIN {
        return f(xs);
    }
    let part = xs.len().div_ceil(threads);
    let f = &f;
    // The calling thread checks the first part itself: one thread fewer to start and wait for
    // (about 40 µs each on these VMs), and what it makes is allocated from its own heap.
    let (first, rest) = xs.split_at(part.min(xs.len()));
    std::thread::scope(|s| {
        let handles: Vec<_> = rest.chunks(part).map(|c| s.spawn(move || f(c))).collect();
        let mut out = f(first);
        out.reserve(xs.len().saturating_sub(out.len()));
        for h in handles {
            match h.join() {
                Ok(part) => out.extend(part),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        out
    })
}

/// `(a(), b())`, `a` on another thread meanwhile when the work is about `n` items, at least
/// [`PAR_MIN`] (and there are cores for it).
pub(super) fn beside<A: Send, B>(
    n: usize,
    a: impl FnOnce() -> A + Send,
    b: impl FnOnce() -> B,
) -> (A, B) {
    if cores() < 2 || n < PAR_MIN {
        return (a(), b());
    }
    std::thread::scope(|s| {
        let a = s.spawn(a);
        let b = b();
        match a.join() {
            Ok(a) => (a, b),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}

/// `f()`, with `xs` dropped on another thread meanwhile when it is long: freeing a large
/// bundle's items is work of its own (each envelope's JSON is many small allocations), and the
/// rules that `f` runs use one core.
pub(super) fn drop_beside<T: Send, R>(xs: Vec<T>, f: impl FnOnce() -> R) -> R {
    beside(xs.len(), move || drop(xs), f).1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn par_chunks_keeps_the_order() {
        let xs: Vec<u32> = (0..1000).collect();
        let doubled: Vec<u32> = xs.iter().map(|x| x * 2).collect();
        assert_eq!(
            par_chunks(&xs, |c| c.iter().map(|x| x * 2).collect()),
            doubled
        );
    }
}
