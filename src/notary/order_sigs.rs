//! Order signatures at guarantee intake, verified together when requests arrive together
//! (issue 12: batch verification where requests arrive together; docs/design.md, "Order
//! signatures in batches").
//!
//! The rule is replay's ([`crate::crypto::zip215`]): ZIP-215 with the cheap checks before it.
//! Under it a batch and single verification decide the same on every signature, so a
//! request's verdict never depends on the requests it was verified with, and what the notary
//! accepts here is exactly what a replay of the same order admits.
//!
//! No waiting for a batch to fill: the first request to arrive while none is being verified
//! verifies at once on its own task, with whatever has queued (a lone request pays a single
//! verification and no hop to another thread); requests that arrive meanwhile queue. When that
//! task is done and more have queued, a blocking task verifies them, a batch of up to
//! [`BATCH_MAX`] at a time, until nothing is left, and hands each waiting request its verdict.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use ed25519_dalek::Signature;
use tokio::sync::oneshot;

use crate::crypto::zip215::{verify_all, Check, Key};

/// Most signatures in one batch: a task verifies at most this many before it lets the next
/// queued ones go to the following round (about 1 ms of work on one core).
const BATCH_MAX: usize = 64;

/// Most public keys kept decoded; past it the cache starts again (a key is decoded once per
/// entry: its point decompressed and checked not to be of small order).
const KEYS_MAX: usize = 4096;

/// One signature to verify: by `key`, over `msg`.
pub(super) struct SigCheck {
    /// The signer's public key.
    pub key: [u8; 32],
    /// The signature.
    pub sig: Signature,
    /// The signed bytes.
    pub msg: Vec<u8>,
}

/// The queue of order signatures (see the module doc); one per notary.
#[derive(Default)]
pub(super) struct OrderSigs {
    pending: Mutex<Pending>,
    keys: Mutex<HashMap<[u8; 32], Key>>,
}

#[derive(Default)]
struct Pending {
    /// A task is verifying: new checks queue.
    busy: bool,
    queued: Vec<Waiting>,
}

struct Waiting {
    check: Arc<SigCheck>,
    verdict: oneshot::Sender<bool>,
}

impl OrderSigs {
    /// Whether `check`'s signature is admissible (see the module doc).
    pub async fn verify(self: &Arc<Self>, check: SigCheck) -> bool {
        let check = Arc::new(check);
        let waiting = {
            let mut p = lock(&self.pending);
            if p.busy {
                let (tx, rx) = oneshot::channel();
                p.queued.push(Waiting {
                    check: check.clone(),
                    verdict: tx,
                });
                Some(rx)
            } else {
                p.busy = true;
                None
            }
        };
        match waiting {
            Some(rx) => match rx.await {
                Ok(verdict) => verdict,
                // The task verifying stopped before it reached this one (it panicked, or the
                // runtime is ending): verify it alone.
                Err(_) => self.verify_now(&[&check])[0],
            },
            None => self.lead(&check),
        }
    }

    /// Verifies `mine` with what has queued, in one batch; what queues meanwhile is verified
    /// by a task of its own ([`OrderSigs::drain`]), so that this request answers now.
    fn lead(self: &Arc<Self>, mine: &SigCheck) -> bool {
        let guard = Leading(self.clone());
        let round = self.take(BATCH_MAX - 1);
        let mut checks: Vec<&SigCheck> = vec![mine];
        checks.extend(round.iter().map(|w| &*w.check));
        let verdicts = self.verify_now(&checks);
        let mine = verdicts[0];
        tell(round, verdicts[1..].iter().copied());
        if self.idle_if_empty() {
            std::mem::forget(guard);
            return mine;
        }
        match tokio::runtime::Handle::try_current() {
            Ok(rt) => drop(rt.spawn_blocking(move || guard.drain())),
            Err(_) => guard.drain(),
        }
        mine
    }

    /// Up to `n` queued checks, oldest first.
    fn take(&self, n: usize) -> Vec<Waiting> {
        let mut p = lock(&self.pending);
        let n = p.queued.len().min(n);
        p.queued.drain(..n).collect()
    }

    /// Marks the queue idle when nothing is queued; whether it did.
    fn idle_if_empty(&self) -> bool {
        let mut p = lock(&self.pending);
        if p.queued.is_empty() {
            p.busy = false;
        }
        !p.busy
    }

    /// The verdicts of `checks`, in order, in one batch.
    fn verify_now(&self, checks: &[&SigCheck]) -> Vec<bool> {
        let keys: Vec<Key> = {
            let mut cache = lock(&self.keys);
            if cache.len() >= KEYS_MAX {
                cache.clear();
            }
            checks
                .iter()
                .map(|c| {
                    cache
                        .entry(c.key)
                        .or_insert_with(|| Key::new(c.key))
                        .clone()
                })
                .collect()
        };
        let batch: Vec<Check> = checks
            .iter()
            .zip(&keys)
            .map(|(c, key)| Check {
                key,
                sig: c.sig,
                msg: &c.msg,
            })
            .collect();
        verify_all(&batch)
    }
}

/// Sends each waiting request its verdict.
fn tell(round: Vec<Waiting>, verdicts: impl Iterator<Item = bool>) {
    for (w, v) in round.into_iter().zip(verdicts) {
        // The request may have gone (its client hung up): nothing to tell it then.
        let _ = w.verdict.send(v);
    }
}

/// `m` locked. Its data stays whole if a holder panics (a push, a drain or a cache insert), so a
/// poisoned lock is taken as it is.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Held while a task verifies: if the task stops half way (a panic, or the runtime ending
/// before a drain ran), the next request verifies instead of queueing behind nobody, and the
/// queued ones (their senders dropped here) verify alone.
struct Leading(Arc<OrderSigs>);

impl Leading {
    /// Verifies what is queued, a batch at a time, until nothing is.
    fn drain(self) {
        loop {
            let round = self.0.take(BATCH_MAX);
            let checks: Vec<&SigCheck> = round.iter().map(|w| &*w.check).collect();
            let verdicts = self.0.verify_now(&checks);
            tell(round, verdicts.into_iter());
            if self.0.idle_if_empty() {
                std::mem::forget(self);
                return;
            }
        }
    }
}

impl Drop for Leading {
    fn drop(&mut self) {
        let mut p = lock(&self.0.pending);
        p.busy = false;
        p.queued.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::{Signer as _, SigningKey};

    fn check(seed: u8, msg: &[u8], tamper: bool) -> SigCheck {
        let key = SigningKey::from_bytes(&[seed; 32]);
        let mut sig = key.sign(msg).to_bytes();
        if tamper {
            sig[40] ^= 1;
        }
        SigCheck {
            key: key.verifying_key().to_bytes(),
            sig: Signature::from_bytes(&sig),
            msg: msg.to_vec(),
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_checks_get_their_own_verdicts() {
        let sigs = Arc::new(OrderSigs::default());
        let mut tasks = Vec::new();
        for i in 0..400u32 {
            let sigs = sigs.clone();
            let bad = i % 7 == 3;
            tasks.push(tokio::spawn(async move {
                let msg = format!("order {i}");
                let c = check((i % 5) as u8 + 1, msg.as_bytes(), bad);
                (bad, sigs.verify(c).await)
            }));
        }
        for t in tasks {
            let (bad, ok) = t.await.expect("task");
            assert_eq!(ok, !bad);
        }
        // The last drain marks the queue idle just after its last verdicts.
        let idle = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while lock(&sigs.pending).busy && std::time::Instant::now() < idle {
            tokio::task::yield_now().await;
        }
        let p = lock(&sigs.pending);
        assert!(!p.busy && p.queued.is_empty(), "nothing left behind");
    }

    #[tokio::test]
    async fn a_small_order_key_is_refused() {
        let sigs = Arc::new(OrderSigs::default());
        let mut c = check(1, b"order", false);
        c.key = [0; 32];
        c.key[0] = 1; // the identity: anyone can sign for it
        assert!(!sigs.verify(c).await);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_check_left_queued_by_a_panicking_verifier_is_verified_alone() {
        let sigs = Arc::new(OrderSigs::default());
        lock(&sigs.pending).busy = true; // a task is verifying
        let waiter = {
            let sigs = sigs.clone();
            tokio::spawn(async move { sigs.verify(check(2, b"queued", false)).await })
        };
        while lock(&sigs.pending).queued.is_empty() {
            tokio::task::yield_now().await;
        }
        drop(Leading(sigs.clone())); // what that task's panic leaves
        assert!(waiter.await.expect("task"), "verified alone");
        assert!(!lock(&sigs.pending).busy);
        assert!(sigs.verify(check(3, b"next", false)).await);
    }
}
