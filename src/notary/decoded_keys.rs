//! Registered public keys kept decoded. Decoding an Ed25519 key decompresses a point (a field
//! exponentiation), as much work again as the rest of verifying a signature's equation; the
//! envelopes of fair-exchange requests are signed by the same few registered keys over and
//! over, so each key is decoded once (BENCHMARKS "Exchange resolves").

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use ed25519_dalek::VerifyingKey;

/// Most keys kept; past it the cache starts again (a key is then decoded once more).
const KEYS_MAX: usize = 4096;

/// Public keys by their 32 bytes, decoded (or `None`: not a key `ed25519-dalek` accepts).
#[derive(Default)]
pub(crate) struct DecodedKeys(Mutex<HashMap<[u8; 32], Option<VerifyingKey>>>);

impl DecodedKeys {
    /// The key encoded by `raw`, as `VerifyingKey::from_bytes` gives it: a pure function of
    /// the bytes, so a cached answer is the answer.
    pub fn get(&self, raw: &[u8; 32]) -> Option<VerifyingKey> {
        if let Some(known) = self.lock().get(raw) {
            return *known;
        }
        // Decoded outside the lock: another thread may decode the same key meanwhile, and
        // both store the same answer.
        let decoded = VerifyingKey::from_bytes(raw).ok();
        let mut keys = self.lock();
        if keys.len() >= KEYS_MAX {
            keys.clear();
        }
        keys.insert(*raw, decoded);
        decoded
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<[u8; 32], Option<VerifyingKey>>> {
        // The map is only read or written whole between plain calls; a poisoned lock still
        // holds a usable map.
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::SigningKey;

    #[test]
    fn a_key_decodes_as_dalek_decodes_it_cached_or_not() {
        let keys = DecodedKeys::default();
        let good = SigningKey::from_bytes(&[3; 32]).verifying_key().to_bytes();
        // Not a point: y = 2 has no x on the curve.
        let mut bad = [0u8; 32];
        bad[0] = 2;
        for raw in [good, bad] {
            let expected = VerifyingKey::from_bytes(&raw).ok();
            assert_eq!(keys.get(&raw), expected, "first");
            assert_eq!(keys.get(&raw), expected, "cached");
        }
        assert!(keys.get(&good).is_some());
        assert!(keys.get(&bad).is_none());
    }

    #[test]
    fn past_its_bound_the_cache_starts_again_and_still_answers() {
        let keys = DecodedKeys::default();
        for i in 0..(KEYS_MAX + 10) {
            let mut seed = [0u8; 32];
            seed[..8].copy_from_slice(&(i as u64).to_le_bytes());
            let raw = SigningKey::from_bytes(&seed).verifying_key().to_bytes();
            assert!(keys.get(&raw).is_some());
        }
        assert!(keys.lock().len() <= KEYS_MAX);
    }
}
