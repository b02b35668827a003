//! The RocksDB engine: one column family per [`Cf`], synced write batches, a lock file that keeps
//! a second process out. The default store (`notar up`, one machine).

use std::path::Path;

use rocksdb::{
    BlockBasedIndexType, BlockBasedOptions, Cache, ColumnFamilyDescriptor, Direction, IteratorMode,
    Options, WriteBatch, WriteOptions, DB,
};

use super::{Backend, Batch, Cf, Range, Role, StoreError, Visit};

/// An open RocksDB database.
pub(super) struct RocksBackend {
    db: DB,
}

impl RocksBackend {
    /// Creates the database at `path` with every column family; fails if one is there.
    pub(super) fn create(path: &Path) -> Result<Self, StoreError> {
        if path.join("CURRENT").exists() {
            return Err(StoreError::AlreadyExists(path.to_path_buf()));
        }
        let cache = Cache::new_lru_cache(BLOCK_CACHE_BYTES);
        let mut opts = base_options(&cache);
        opts.create_if_missing(true);
        opts.create_missing_column_families(true);
        let db = DB::open_cf_descriptors(&opts, path, descriptors(&[], &cache))?;
        Ok(RocksBackend { db })
    }

    /// Opens the database at `path` (the caller checks its schema version).
    pub(super) fn open(path: &Path) -> Result<Self, StoreError> {
        if !path.join("CURRENT").exists() {
            return Err(StoreError::Missing(path.to_path_buf()));
        }
        let cache = Cache::new_lru_cache(BLOCK_CACHE_BYTES);
        let mut opts = base_options(&cache);
        // Older schemas lack column families a newer one added: creating them is the upgrade.
        opts.create_missing_column_families(true);
        // Open every column family on disk, also ones a newer schema added, so the version check
        // (not RocksDB's "unknown column family") is what reports a newer database.
        let existing = DB::list_cf(&opts, path)?;
        let db =
            DB::open_cf_descriptors(&opts, path, descriptors(&existing, &cache)).map_err(|e| {
                // RocksDB reports its LOCK file held by another process only as an I/O message.
                if e.as_ref().contains("lock file") {
                    StoreError::Locked(path.to_path_buf())
                } else {
                    StoreError::Rocks(e)
                }
            })?;
        Ok(RocksBackend { db })
    }

    fn cf(&self, cf: Cf) -> &rocksdb::ColumnFamily {
        // Every Cf is created in `create` and opened in `open`, so the handle exists.
        self.db
            .cf_handle(cf.name())
            .expect("column family opened at start")
    }
}

impl Backend for RocksBackend {
    fn write(&self, batch: Batch) -> Result<(), StoreError> {
        // RocksDB's batch format: a 12-byte header, then per put a tag, the column family and
        // two lengths (varints, at most 16 bytes in all) and the bytes: room for all of it at
        // once, so the batch is not copied as it grows.
        let mut wb = WriteBatch::with_capacity_bytes(12 + batch.bytes_len() + 16 * batch.len());
        // The exposure check is PostgreSQL's second guard; RocksDB has the ledger's alone.
        for (cf, k, v) in batch.iter().filter(|(cf, ..)| *cf != Cf::ExposureCheck) {
            wb.put_cf(self.cf(cf), k, v);
        }
        let mut wo = WriteOptions::default();
        wo.set_sync(true);
        self.db.write_opt(wb, &wo)?;
        Ok(())
    }

    fn get(&self, cf: Cf, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.db.get_cf(self.cf(cf), key)?)
    }

    fn multi_get(&self, cf: Cf, keys: &[Vec<u8>]) -> Result<Vec<Option<Vec<u8>>>, StoreError> {
        let handle = self.cf(cf);
        self.db
            .multi_get_cf(keys.iter().map(|k| (handle, k.as_slice())))
            .into_iter()
            .map(|r| r.map_err(StoreError::from))
            .collect()
    }

    fn scan(&self, cf: Cf, range: Range<'_>, f: &mut Visit<'_>) -> Result<(), StoreError> {
        let (mode, prefix) = match range {
            Range::Forward => (IteratorMode::Start, None),
            Range::Reverse => (IteratorMode::End, None),
            Range::Prefix(p) => (IteratorMode::From(p, Direction::Forward), Some(p)),
        };
        for item in self.db.iterator_cf(self.cf(cf), mode) {
            let (k, v) = item?;
            if prefix.is_some_and(|p| !k.starts_with(p)) || !f(&k, &v)? {
                break;
            }
        }
        Ok(())
    }

    fn role(&self) -> Role {
        Role::Single
    }

    fn lease_lapsed(&self) -> Result<bool, StoreError> {
        Ok(false)
    }
}

/// Most bytes of write-ahead log kept before RocksDB flushes the column families that pin the
/// oldest log file. A log file can be deleted only once every column family with data in it has
/// flushed, and column families written rarely (parties, agreements, policies) flush rarely: without
/// a cap, one registration pinned every later log file and the logs grew without bound until a
/// restart (measured: 2.6 GB of logs beside 1.2 GB of tables after 10^7 log leaves,
/// benches/log_scale.rs; BENCHMARKS.md "RocksDB settings").
const WAL_MAX_BYTES: u64 = 256 << 20;

/// Most bytes of memtables across all column families before the largest is flushed: one bound
/// for the whole database instead of 64 MB for each of its column families.
const MEMTABLES_MAX_BYTES: usize = 256 << 20;

/// Write-ahead log files kept for reuse instead of deleted. A synced append to a recycled file
/// overwrites blocks already allocated, so `fdatasync` need not also write the file's inode:
/// 0.20–0.28 ms a sync instead of 0.30–0.36 under timestamp load, about 4 % more tokens
/// (BENCHMARKS.md, "Hardware CRC32C"). Safe with the point-in-time recovery the store uses
/// (RocksDB's default; made safe for recycled logs in 2024, facebook/rocksdb#12403, before the
/// 10.4 built here), and the crash loop (`scripts/crash-loop.sh`: kill -9 under load, restart,
/// check) passes with it. Costs up to this many log files of disk beside the live ones.
const WAL_FILES_RECYCLED: usize = 4;

/// Bytes of the one block cache all column families share. It holds data blocks and, below,
/// the index and filter blocks too, so it bounds what reading costs in memory whatever the size
/// of the database. Left to RocksDB, each column family had a 32 MB cache of its own and every
/// table's index stayed in memory outside any cache, growing with the data (measured:
/// BENCHMARKS.md, "RocksDB memory").
const BLOCK_CACHE_BYTES: usize = 64 << 20;

fn base_options(cache: &Cache) -> Options {
    let mut opts = Options::default();
    opts.set_compression_type(rocksdb::DBCompressionType::Lz4);
    opts.set_max_total_wal_size(WAL_MAX_BYTES);
    opts.set_db_write_buffer_size(MEMTABLES_MAX_BYTES);
    opts.set_recycle_log_file_num(WAL_FILES_RECYCLED);
    opts.set_block_based_table_factory(&table_options(cache));
    opts
}

/// How tables are read: through `cache`, index and filter blocks included.
fn table_options(cache: &Cache) -> BlockBasedOptions {
    let mut t = BlockBasedOptions::default();
    t.set_block_cache(cache);
    // Index and filter blocks in the cache (bounded) instead of beside it (one per table, kept
    // for as long as the table is open, so growing with the data).
    t.set_cache_index_and_filter_blocks(true);
    // Partitioned: a table's index and filter are read a partition at a time, so a large
    // table's does not take the cache at once; only the small top level stays pinned.
    t.set_index_type(BlockBasedIndexType::TwoLevelIndexSearch);
    t.set_partition_filters(true);
    t.set_pin_top_level_index_and_filter(true);
    // The newest tables, read on nearly every lookup, keep theirs in the cache.
    t.set_pin_l0_filter_and_index_blocks_in_cache(true);
    // A Bloom filter per table (10 bits a key, about 1 % false positives): lookups of keys that
    // are not there (a new request id, a new order digest: every guarantee checks both) skip
    // the tables instead of reading a block of each.
    t.set_bloom_filter(10.0, false);
    t
}

fn descriptors(existing: &[String], cache: &Cache) -> Vec<ColumnFamilyDescriptor> {
    let mut names: Vec<String> = Cf::ALL.iter().map(|c| c.name().to_string()).collect();
    for name in existing {
        if name != "default" && !names.contains(name) {
            names.push(name.clone());
        }
    }
    names
        .into_iter()
        .map(|n| ColumnFamilyDescriptor::new(n, base_options(cache)))
        .collect()
}
