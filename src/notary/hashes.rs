//! The Merkle log's hashes, read from the store. The log module is storage-agnostic; this adapter
//! is the one place that knows the hashes live in the `log_hashes` column family.

use crate::log::merkle::{Hash, HashReader};
use crate::log::LogError;
use crate::store::{u64_key, Cf, Store};

/// Reads committed stored hashes.
pub struct StoreHashes<'a>(pub &'a Store);

impl HashReader for StoreHashes<'_> {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, LogError> {
        let keys: Vec<Vec<u8>> = indexes.iter().map(|i| u64_key(*i).to_vec()).collect();
        let values = self
            .0
            .multi_get(Cf::LogHashes, &keys)
            .map_err(|e| LogError::Store(Box::new(e)))?;
        values
            .into_iter()
            .zip(indexes)
            .map(|(v, &index)| {
                v.and_then(|bytes| <Hash>::try_from(bytes.as_slice()).ok())
                    .ok_or(LogError::MissingHash { index })
            })
            .collect()
    }
}
