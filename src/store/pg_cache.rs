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

/// Keys wanted by commands on their way to the sequencer, and what the last prefetch read for
/// them (forgotten at every write). Bounded: beyond `WANTED_MAX` queued keys, more are dropped
/// (they are read one by one).
#[derive(Default)]
pub(super) struct Prefetched {
    wanted: Mutex<Vec<(super::Cf, Vec<u8>)>>,
    read: Mutex<HashMap<(i16, Vec<u8>), Value>>,
}

const WANTED_MAX: usize = 1 << 16;

/// A value as read: None when the key is absent.
type Value = Option<Vec<u8>>;

impl Prefetched {
    pub(super) fn want(&self, cf: super::Cf, key: &[u8]) {
        let mut w = self.wanted.lock().unwrap_or_else(|p| p.into_inner());
        if w.len() < WANTED_MAX {
            w.push((cf, key.to_vec()));
        }
    }

    /// The keys wanted so far, by kind (the queue is emptied).
    pub(super) fn take_wanted(&self) -> HashMap<super::Cf, Vec<Vec<u8>>> {
        let wanted = std::mem::take(&mut *self.wanted.lock().unwrap_or_else(|p| p.into_inner()));
        let mut by_cf: HashMap<super::Cf, Vec<Vec<u8>>> = HashMap::new();
        for (cf, k) in wanted {
            by_cf.entry(cf).or_default().push(k);
        }
        by_cf
    }

    /// Keeps what a prefetch read.
    pub(super) fn keep(&self, cf: super::Cf, keys: Vec<Vec<u8>>, values: Vec<Option<Vec<u8>>>) {
        let mut read = self.read.lock().unwrap_or_else(|p| p.into_inner());
        for (k, v) in keys.into_iter().zip(values) {
            read.insert((cf.code(), k), v);
        }
    }

    /// What the last prefetch read for `key` (None: not prefetched).
    pub(super) fn lookup(&self, cf: super::Cf, key: &[u8]) -> Option<Option<Vec<u8>>> {
        let read = self.read.lock().unwrap_or_else(|p| p.into_inner());
        read.get(&(cf.code(), key.to_vec())).cloned()
    }

    /// Forgets every value read: a write is about to change them.
    pub(super) fn forget(&self) {
        self.read.lock().unwrap_or_else(|p| p.into_inner()).clear();
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
