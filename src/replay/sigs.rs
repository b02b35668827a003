//! The Ed25519 equations of a bundle, all at once: [`verdicts`] answers every (key, message,
//! signature) replay's checks will ask about exactly as one `VerifyingKey::verify` each would
//! (the `Verifier` impl [`Envelope::verify_by`](crate::crypto::envelope::Envelope::verify_by)
//! uses), verifying most of them with `ed25519_dalek::verify_batch`, on every core, and
//! [`par_map`] spreads the other per-item work the same way, keeping the order.
//!
//! **Why a batch's yes is a single verification's yes** (ed25519-dalek 2.2; docs/design.md §6.5
//! "Replay throughput"). A single `verify` rejects `s ≥ ℓ`, takes `k = SHA-512(R ‖ A ‖ M)` over
//! the encoded `R` and `A`, and accepts iff the encoding of `[s]B − [k]A` *is the bytes* `R`
//! (cofactorless, byte-exact). `verify_batch` rejects `s ≥ ℓ` too, takes the same `k`, but
//! decompresses `R` and accepts iff `Σ zᵢ·([sᵢ]B − [kᵢ]Aᵢ − Rᵢ)` is the identity, with 128-bit
//! `zᵢ` drawn from a transcript of the inputs (no cofactor; deterministic). A batch can accept a
//! signature a single `verify` rejects in three ways, and each is closed before the batch:
//! 1. `R` is a non-canonical encoding of the right point (a key holder can make one: `R` the
//!    identity, `s = k·a`): a signature goes in the batch only when recompressing its `R` gives
//!    its bytes back.
//! 2. `Pᵢ = [sᵢ]B − [kᵢ]Aᵢ − Rᵢ` is a non-zero point of small order (a key holder puts an
//!    8-torsion point into `R`, or a key has a torsion component) whose multiple `zᵢ·Pᵢ`
//!    vanishes because `zᵢ` happens to be a multiple of its order (probability 1/2 to 1/8, and
//!    the `zᵢ` are a function of the inputs, so the signer can retry until it does): a signature
//!    goes in the batch only when its `R` is torsion-free (one scalar multiplication by ℓ) and
//!    its key is (once per distinct key). Then every `Pᵢ` is in the prime-order subgroup.
//! 3. Some `Pᵢ ≠ 0` of prime order and the weighted sum still vanishes: with the `zᵢ` 128-bit
//!    hash outputs, probability about 2⁻¹²⁸ (finding such inputs is that much hashing).
//!
//! A signature that fails a pre-check is verified on its own; a batch that fails is verified
//! again one signature at a time, so each verdict names its own signature. The cheap checks
//! (`verify_strict`'s small-order tests) would not close 2: a mixed-order `R` passes them.

use std::collections::HashMap;

use ed25519_dalek::{Signature, Verifier, VerifyingKey};

/// Below this many inputs, [`par_map`] stays on the calling thread.
const PAR_MIN: usize = 16;

/// Most threads [`par_map`] uses.
const THREADS_MAX: usize = 8;

/// One Ed25519 equation to decide.
#[derive(Clone, Copy, Debug)]
pub(super) struct Job<'a> {
    /// The signer's key.
    pub key: VerifyingKey,
    /// The signed bytes.
    pub msg: &'a [u8],
    /// The signature.
    pub sig: Signature,
}

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

/// For each job, whether `job.key.verify(job.msg, &job.sig)` is `Ok`, in order.
pub(super) fn verdicts(jobs: &[Job<'_>]) -> Vec<bool> {
    let mut keys: Vec<[u8; 32]> = jobs.iter().map(|j| j.key.to_bytes()).collect();
    keys.sort_unstable();
    keys.dedup();
    let clean: HashMap<[u8; 32], bool> = par_map(&keys, |k| (*k, key_torsion_free(k)))
        .into_iter()
        .collect();
    let batchable = par_map(jobs, |j| {
        clean.get(j.key.as_bytes()).copied().unwrap_or(false) && r_canonical_torsion_free(&j.sig)
    });
    let indexed: Vec<(usize, bool)> = batchable.into_iter().enumerate().collect();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let part = indexed
        .len()
        .div_ceil(threads.clamp(1, THREADS_MAX))
        .max(PAR_MIN);
    let parts: Vec<&[(usize, bool)]> = indexed.chunks(part.max(1)).collect();
    par_map(&parts, |p| decide(jobs, p))
        .into_iter()
        .flatten()
        .collect()
}

/// The verdicts of the jobs `part` names (index, passed the pre-checks), in its order: the
/// pre-checked ones in one batch, the rest (and all of a failing batch) one by one.
fn decide(jobs: &[Job<'_>], part: &[(usize, bool)]) -> Vec<bool> {
    let single = |i: usize| jobs[i].key.verify(jobs[i].msg, &jobs[i].sig).is_ok();
    let batch: Vec<usize> = part.iter().filter(|p| p.1).map(|p| p.0).collect();
    let msgs: Vec<&[u8]> = batch.iter().map(|&i| jobs[i].msg).collect();
    let sigs: Vec<Signature> = batch.iter().map(|&i| jobs[i].sig).collect();
    let keys: Vec<VerifyingKey> = batch.iter().map(|&i| jobs[i].key).collect();
    let all_good = !batch.is_empty() && ed25519_dalek::verify_batch(&msgs, &sigs, &keys).is_ok();
    part.iter()
        .map(|&(i, pre)| (pre && all_good) || single(i))
        .collect()
}

/// The key has no small-order component.
fn key_torsion_free(raw: &[u8; 32]) -> bool {
    VerifyingKey::from_bytes(raw).is_ok_and(|k| k.to_edwards().is_torsion_free())
}

/// The signature's `R` is a canonical encoding of a torsion-free point.
fn r_canonical_torsion_free(sig: &Signature) -> bool {
    let r = sig.r_bytes();
    VerifyingKey::from_bytes(r).is_ok_and(|p| {
        let point = p.to_edwards();
        point.compress().as_bytes() == r && point.is_torsion_free()
    })
}

#[cfg(test)]
#[path = "sigs_tests.rs"]
mod tests;
