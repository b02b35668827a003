//! The Merkle log's stored hashes in memory, for the PostgreSQL store: every append reads the
//! complete subtrees to its left and every checkpoint the tree's right edge, and on RocksDB those
//! reads are local, but on PostgreSQL each is a round trip, dozens per batch. A stored hash never
//! changes once committed (the log is append-only and a deposed writer commits nothing), so the
//! hashes this process committed or read are kept, the most recent first, up to a bound.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

/// Hashes kept (about 100 bytes each in memory): the recent right edge of the tree, which is
/// what appends read; older nodes are read again from the database when needed.
const CAPACITY: usize = 1 << 16;

/// Stored hash key (u64 BE index) -> hash.
#[derive(Default)]
pub(super) struct HashCache {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    map: HashMap<Vec<u8>, Vec<u8>>,
    order: VecDeque<Vec<u8>>,
}

impl HashCache {
    /// The cached values of `keys` (None where not cached).
    pub(super) fn lookup(&self, keys: &[Vec<u8>]) -> Vec<Option<Vec<u8>>> {
        let inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        keys.iter().map(|k| inner.map.get(k).cloned()).collect()
    }

    /// Keeps `key` -> `value`, dropping the oldest beyond the bound.
    pub(super) fn insert(&self, key: &[u8], value: &[u8]) {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if inner.map.insert(key.to_vec(), value.to_vec()).is_none() {
            inner.order.push_back(key.to_vec());
            while inner.order.len() > CAPACITY {
                if let Some(old) = inner.order.pop_front() {
                    inner.map.remove(&old);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_what_it_was_given_up_to_its_bound_oldest_out_first() {
        let c = HashCache::default();
        for i in 0..(CAPACITY as u64 + 2) {
            c.insert(&i.to_be_bytes(), &[1]);
        }
        let got = c.lookup(&[
            0u64.to_be_bytes().to_vec(),
            1u64.to_be_bytes().to_vec(),
            2u64.to_be_bytes().to_vec(),
            (CAPACITY as u64 + 1).to_be_bytes().to_vec(),
        ]);
        assert_eq!(got, vec![None, None, Some(vec![1]), Some(vec![1])]);
    }
}
