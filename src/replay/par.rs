//! [`par_chunks`]: replay's per-item checks on every core, the results in input
//! order, so a report and a ruling are the same bytes on one core or eight. Each core checks the
//! signatures of its part in one ZIP-215 batch (`crate::crypto::zip215`): the verdicts do not
//! depend on how the items are split. The work goes to `rayon`'s pool of threads, kept between
//! replays ([`on_pool`]).

use rayon::prelude::*;

/// Below this many inputs, [`par_chunks`] stays on the calling thread (handing work to another
/// costs more than checking a few items).
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
    par_chunks_by(xs, |_| 1, f)
}

/// [`par_chunks`] with parts of about equal `weight` (the work an element takes, in any unit)
/// instead of equal length.
pub(super) fn par_chunks_by<T: Sync, R: Send>(
    xs: &[T],
    weight: impl Fn(&T) -> usize,
    f: impl Fn(&[T]) -> Vec<R> + Sync,
) -> Vec<R> {
    let threads = cores();
    if threads < 2 || xs.len() < PAR_MIN {
        return f(xs);
    }
    let parts = split(xs, weight, threads);
    let done: Vec<Vec<R>> = parts.par_iter().map(|c| f(c)).collect();
    let mut out = Vec::with_capacity(xs.len());
    done.into_iter().for_each(|p| out.extend(p));
    out
}

/// `xs` cut into at most `n` contiguous, non-empty parts of about equal total `weight`.
fn split<T>(xs: &[T], weight: impl Fn(&T) -> usize, n: usize) -> Vec<&[T]> {
    let total: usize = xs.iter().map(&weight).sum();
    let mut parts = Vec::with_capacity(n);
    let (mut start, mut acc) = (0, 0);
    for (i, x) in xs.iter().enumerate() {
        acc += weight(x);
        // Part k ends where the running weight first reaches k/n of the total.
        if acc * n >= total * (parts.len() + 1) && parts.len() + 1 < n {
            parts.push(&xs[start..=i]);
            start = i + 1;
        }
    }
    if start < xs.len() {
        parts.push(&xs[start..]);
    }
    parts
}

/// `(a(), b())`, `a` on another core meanwhile when one is free and the work is about `n`
/// items, at least [`PAR_MIN`] (and there are cores for it).
pub(super) fn beside<A: Send, B: Send>(
    n: usize,
    a: impl FnOnce() -> A + Send,
    b: impl FnOnce() -> B + Send,
) -> (A, B) {
    if cores() < 2 || n < PAR_MIN {
        return (a(), b());
    }
    let (b, a) = rayon::join(b, a);
    (a, b)
}

/// `f()`, with `xs` dropped on another thread meanwhile when it is long: freeing a large
/// bundle's items is work of its own (each envelope's JSON is many small allocations), and the
/// rules that `f` runs use one core.
pub(super) fn drop_beside<T: Send, R: Send>(xs: Vec<T>, f: impl FnOnce() -> R + Send) -> R {
    beside(xs.len(), move || drop(xs), f).1
}

/// Bundles smaller than this are replayed on the calling thread ([`on_pool`]): about
/// [`PAR_MIN`] items, below which nothing is split across cores anyway, and handing a small
/// replay to the pool costs a wake-up (tens of microseconds here) out of about half a
/// millisecond.
pub(super) const POOL_MIN_BYTES: usize = 64 << 10;

/// `f()` on replay's pool of threads when the bundle is `len` bytes, at least
/// [`POOL_MIN_BYTES`]: the steps of `f` that use every core ([`par_chunks`], [`beside`]) then
/// hand work to threads that are already running instead of starting new ones, and the pool's
/// threads help each other. Otherwise (one core, a small bundle, already on the pool) `f()`
/// right here.
pub(super) fn on_pool<R: Send>(len: usize, f: impl FnOnce() -> R + Send) -> R {
    if cores() < 2 || len < POOL_MIN_BYTES || rayon::current_thread_index().is_some() {
        return f();
    }
    rayon::scope(|_| f())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parts are contiguous, cover every element once, and weigh about the same.
    #[test]
    fn split_by_weight() {
        let xs: Vec<usize> = (0..100).collect();
        for n in 1..6 {
            let parts = split(&xs, |x| if *x < 50 { 3 } else { 1 }, n);
            assert!(parts.len() <= n && parts.iter().all(|p| !p.is_empty()));
            let joined: Vec<usize> = parts.iter().flat_map(|p| p.iter().copied()).collect();
            assert_eq!(joined, xs, "{n} parts");
            let w = |p: &[usize]| p.iter().map(|x| if *x < 50 { 3 } else { 1 }).sum::<usize>();
            let (lo, hi) = (
                parts.iter().map(|p| w(p)).min(),
                parts.iter().map(|p| w(p)).max(),
            );
            // Each cut overshoots its share by less than one element's weight.
            assert!(
                hi.unwrap() - lo.unwrap() < 2 * 3,
                "{n} parts: {lo:?}..{hi:?}"
            );
        }
        assert!(split(&[] as &[usize], |_| 1, 2).is_empty());
        assert_eq!(split(&[1usize], |_| 0, 2), vec![&[1usize][..]]);
    }

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
