//! RFC 9162 Merkle tree over hashes kept by the caller, in the storage layout of Go's
//! `golang.org/x/mod/sumdb/tlog`: every complete subtree hash is written once, when its last
//! leaf is appended, at a dense `u64` "stored hash index". Appending a leaf writes 1 + (trailing
//! ones of its index) hashes (about two on average); a tree head or a proof reads O(log n) of
//! them in a single [`HashReader::read_hashes`] call.
//!
//! Why not a crate. `tlog_tiles` 0.2 (Cloudflare azul) is a faithful port of that Go package and
//! uses the same layout, so a future tile server can read our store. But its `HashReader` must
//! return `tlog_tiles::Error`, which cannot carry our store's errors; it `assert!`s (panics) when
//! a reader returns the wrong number of hashes and overflows on sizes near 2^64; its verifiers
//! copy the proof once per level; and it brings `thiserror` 1 and `base64` 0.21 next to ours.
//! `ct-merkle` 0.3 needs `digest` 0.11 (the `sha2` 0.11 generation) and keeps the whole tree in
//! memory. The algorithms are short, so they live here, iterative, panic-free, and checked
//! against the transparency-dev RFC 6962 vectors and a naive reference implementation.
//!
//! Proof formats are exactly RFC 9162 §2.1.3 (inclusion, same as the RFC 6962 audit path) and
//! §2.1.4 (consistency); verification follows the RFC's iterative algorithms. Consistency is
//! defined for `0 < size1 <= size2` (as in Go's tlog); `size1 == size2` has the empty proof.

use sha2::{Digest, Sha256};

use super::LogError;

/// A SHA-256 output: a leaf hash, an interior node hash or a tree root.
pub type Hash = [u8; 32];

/// The largest tree size this module handles. Stored-hash indexes are below `2 * size + 64`, so
/// this bound keeps every index computation far from `u64` overflow; 2^62 leaves is beyond any
/// notary's lifetime.
pub const MAX_TREE_SIZE: u64 = 1 << 62;

/// RFC 9162 leaf hash: `SHA-256(0x00 || entry)`. The prefix separates leaves from nodes, so no
/// leaf can be passed off as an interior node (second-preimage defence).
pub fn leaf_hash(entry: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0x00]);
    h.update(entry);
    h.finalize().into()
}

/// RFC 9162 interior node hash: `SHA-256(0x01 || left || right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([0x01]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// Root of the empty tree: `SHA-256("")` (RFC 9162 §2.1.1).
pub fn empty_root() -> Hash {
    Sha256::digest(b"").into()
}

/// Where the hash of the complete subtree `(level, n)` is stored: the subtree covering leaves
/// `[n * 2^level, (n + 1) * 2^level)`. Hashes are ordered by the moment they become known: leaf
/// `n`'s hash, then the subtree hashes it completes, then leaf `n + 1`'s, and so on (Crosby and
/// Wallach §3.3; identical to Go's `tlog.StoredHashIndex`, so the layout is shared with tlog
/// tooling). Meaningful for subtrees inside a tree of at most [`MAX_TREE_SIZE`] leaves; other
/// inputs give an unspecified value, never a panic.
pub fn stored_hash_index(level: u8, n: u64) -> u64 {
    // The subtree's hash is written right after that of its last leaf `m`, at `m`'s own index
    // plus one per level climbed. Leaf `m` is stored after all hashes of the tree of size `m`,
    // of which there are `stored_hash_count(m) = 2m - popcount(m)`.
    let low_ones = match 1u64.checked_shl(u32::from(level)) {
        Some(p) => p.wrapping_sub(1),
        None => u64::MAX,
    };
    let m = n.checked_shl(u32::from(level)).unwrap_or(0) | low_ones;
    stored_hash_count(m).wrapping_add(u64::from(level))
}

/// Number of stored hashes of a tree of `tree_size` leaves: one per complete subtree, that is
/// `sum over levels of floor(size / 2^level) = 2 * size - popcount(size)`. Equals the stored
/// index of the next leaf, `stored_hash_index(0, tree_size)`.
pub fn stored_hash_count(tree_size: u64) -> u64 {
    let ones = u64::from(tree_size.count_ones());
    tree_size.wrapping_add(tree_size - ones)
}

/// Read access to stored hashes. The RocksDB store implements it on a snapshot;
/// [`MemoryHashStore`] and [`PendingHashes`] implement it in memory.
pub trait HashReader {
    /// The hashes at these stored-hash indexes, in the same order and of the same count. Indexes
    /// come sorted ascending. A hash that is not stored must be an error
    /// ([`LogError::MissingHash`]), never a made-up value.
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, LogError>;
}

impl<R: HashReader + ?Sized> HashReader for &R {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, LogError> {
        (**self).read_hashes(indexes)
    }
}

/// Calls `read_hashes` and holds the reader to its contract on the count, so a faulty store
/// becomes an error instead of a wrong hash or a panic further down.
fn read_exact<R: HashReader + ?Sized>(r: &R, indexes: &[u64]) -> Result<Vec<Hash>, LogError> {
    if indexes.is_empty() {
        return Ok(Vec::new());
    }
    let hashes = r.read_hashes(indexes)?;
    if hashes.len() != indexes.len() {
        return Err(LogError::ShortRead {
            requested: indexes.len(),
            returned: hashes.len(),
        });
    }
    Ok(hashes)
}

/// The new hashes to store when leaf `n` (hash `leaf`) is appended to a tree of `n` leaves: the
/// leaf hash itself, then the hash of each subtree it completes, bottom-up. They go to
/// consecutive stored indexes starting at `stored_hash_index(0, n)`. Reads the left siblings
/// (one per trailing one bit of `n`) from `r`; wrap the store in [`PendingHashes`] to append
/// several leaves before any of them is written.
pub fn stored_hashes_for_append<R: HashReader + ?Sized>(
    n: u64,
    leaf: Hash,
    r: &R,
) -> Result<Vec<Hash>, LogError> {
    if n >= MAX_TREE_SIZE {
        return Err(LogError::TreeTooLarge { size: n });
    }
    // Each trailing one bit of `n` is a complete left sibling at that level: (level i, node
    // (n >> i) - 1), where n >> i is odd. Ask for them by ascending stored index, which is
    // descending level.
    let levels = n.trailing_ones(); // <= 62 because n < 2^62
    let indexes: Vec<u64> = (0..levels)
        .rev()
        .map(|level| stored_hash_index(level as u8, (n >> level) - 1))
        .collect();
    let siblings = read_exact(r, &indexes)?;
    let mut out = Vec::with_capacity(siblings.len() + 1);
    let mut h = leaf;
    out.push(h);
    for sibling in siblings.iter().rev() {
        h = node_hash(sibling, &h);
        out.push(h);
    }
    Ok(out)
}

/// The largest power of two strictly below `width`, for `width >= 2`: RFC 9162's split point `k`.
fn split_point(width: u64) -> u64 {
    // width - 1 >= 1, so leading_zeros <= 63 and the shift is in range.
    1u64 << (63 - (width - 1).leading_zeros())
}

/// A range of leaves `[lo, hi)` whose Merkle tree hash a proof needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Span {
    lo: u64,
    hi: u64,
}

/// Appends the stored indexes of the complete subtrees that make up `span`, left to right, and
/// returns how many. `span` must be a subtree of the RFC 9162 recursion (its start aligned to
/// the largest power of two not above its width), which holds for every span the provers ask
/// for; anything else is an internal error. At most 63 subtrees.
fn push_span_indexes(span: Span, out: &mut Vec<u64>) -> Result<usize, LogError> {
    let before = out.len();
    let mut lo = span.lo;
    while lo < span.hi {
        let width = span.hi - lo;
        let k = 1u64 << (63 - width.leading_zeros()); // largest power of two <= width
        if lo & (k - 1) != 0 {
            return Err(LogError::Internal("unaligned subtree in proof"));
        }
        let level = k.trailing_zeros() as u8;
        out.push(stored_hash_index(level, lo >> level));
        lo += k;
    }
    Ok(out.len() - before)
}

/// Reads the Merkle tree hashes of `spans` (in order) with one `read_hashes` call.
fn span_hashes<R: HashReader + ?Sized>(spans: &[Span], r: &R) -> Result<Vec<Hash>, LogError> {
    let mut indexes = Vec::new();
    let mut counts = Vec::with_capacity(spans.len());
    for span in spans {
        counts.push(push_span_indexes(*span, &mut indexes)?);
    }
    let hashes = read_exact(r, &indexes)?;
    let mut out = Vec::with_capacity(spans.len());
    let mut rest = hashes.as_slice();
    for count in counts {
        let (group, tail) = rest.split_at(count.min(rest.len()));
        rest = tail;
        // MTH of a span = its complete subtrees folded right to left: h(s1, h(s2, ... sN)).
        let mut iter = group.iter().rev();
        let Some(last) = iter.next() else {
            return Err(LogError::Internal("empty span"));
        };
        out.push(iter.fold(*last, |acc, left| node_hash(left, &acc)));
    }
    Ok(out)
}

/// RFC 9162 Merkle tree hash (the root) of the first `size` leaves, from stored hashes: one read
/// of at most 63 hashes (the complete subtrees `size` decomposes into). `size == 0` gives
/// [`empty_root`].
pub fn tree_hash<R: HashReader + ?Sized>(size: u64, r: &R) -> Result<Hash, LogError> {
    if size == 0 {
        return Ok(empty_root());
    }
    if size > MAX_TREE_SIZE {
        return Err(LogError::TreeTooLarge { size });
    }
    let hashes = span_hashes(&[Span { lo: 0, hi: size }], r)?;
    hashes
        .first()
        .copied()
        .ok_or(LogError::Internal("tree_hash read no span"))
}

/// The spans whose hashes form the inclusion proof of leaf `index` in a tree of `size` leaves,
/// from the root down (RFC 9162 §2.1.3.1, PATH(m, D[n])). One per level: at most 64.
fn inclusion_spans(index: u64, size: u64) -> Vec<Span> {
    let mut spans = Vec::new();
    let (mut lo, mut hi) = (0u64, size);
    // Invariant lo <= index < hi; the width at least halves each round.
    while hi - lo > 1 {
        let k = split_point(hi - lo);
        if index < lo + k {
            spans.push(Span { lo: lo + k, hi });
            hi = lo + k;
        } else {
            spans.push(Span { lo, hi: lo + k });
            lo += k;
        }
    }
    spans
}

/// The spans of the consistency proof from `size1` to `size2` (RFC 9162 §2.1.4.1,
/// SUBPROOF(m, D[n], true)), in proof order. Requires `0 < size1 < size2`. At most 64.
fn consistency_spans(size1: u64, size2: u64) -> Vec<Span> {
    let mut siblings = Vec::new();
    let mut seed = None;
    let (mut lo, mut hi) = (0u64, size2);
    // `whole`: the current subtree starts at leaf 0, so the verifier already knows its hash
    // (the old root) when the recursion ends there. Invariant lo < size1 <= hi.
    let mut whole = true;
    while size1 != hi {
        let k = split_point(hi - lo);
        if size1 <= lo + k {
            siblings.push(Span { lo: lo + k, hi });
            hi = lo + k;
        } else {
            siblings.push(Span { lo, hi: lo + k });
            lo += k;
            whole = false;
        }
    }
    if !whole {
        seed = Some(Span { lo, hi });
    }
    // SUBPROOF puts the deeper part first: seed, then siblings bottom-up.
    seed.into_iter().chain(siblings.into_iter().rev()).collect()
}

/// Inclusion proof (RFC 9162 §2.1.3, the RFC 6962 audit path) that leaf `index` is in the tree
/// of `size` leaves: sibling hashes from the leaf up. Reads O(log n) stored hashes in one call.
pub fn prove_inclusion<R: HashReader + ?Sized>(
    index: u64,
    size: u64,
    r: &R,
) -> Result<Vec<Hash>, LogError> {
    if size > MAX_TREE_SIZE {
        return Err(LogError::TreeTooLarge { size });
    }
    if index >= size {
        return Err(LogError::IndexOutOfRange { index, size });
    }
    let mut spans = inclusion_spans(index, size);
    spans.reverse(); // proof order is bottom-up
    span_hashes(&spans, r)
}

/// Checks an inclusion proof for `leaf` (a [`leaf_hash`]) at `index` in the tree of `size` leaves
/// with root `root`, by RFC 9162 §2.1.3.2. Takes untrusted input: the proof length is checked
/// first and every loop is bounded by 64 rounds.
pub fn verify_inclusion(
    leaf: &Hash,
    index: u64,
    size: u64,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), LogError> {
    if index >= size {
        return Err(LogError::IndexOutOfRange { index, size });
    }
    let want = inclusion_spans(index, size).len();
    if proof.len() != want {
        return Err(LogError::ProofLength {
            got: proof.len(),
            want,
        });
    }
    let (mut f, mut s) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if s == 0 {
            return Err(LogError::ProofMismatch);
        }
        if f & 1 == 1 || f == s {
            r = node_hash(p, &r);
            // Skip the levels where this node is the rightmost and has no sibling.
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        f >>= 1;
        s >>= 1;
    }
    if s == 0 && r == *root {
        Ok(())
    } else {
        Err(LogError::ProofMismatch)
    }
}

/// Consistency proof (RFC 9162 §2.1.4) that the tree of `size1` leaves is a prefix of the tree of
/// `size2` leaves. Needs `0 < size1 <= size2`; equal sizes give the empty proof.
pub fn prove_consistency<R: HashReader + ?Sized>(
    size1: u64,
    size2: u64,
    r: &R,
) -> Result<Vec<Hash>, LogError> {
    if size2 > MAX_TREE_SIZE {
        return Err(LogError::TreeTooLarge { size: size2 });
    }
    if size1 == 0 || size1 > size2 {
        return Err(LogError::InvalidSizes { size1, size2 });
    }
    if size1 == size2 {
        return Ok(Vec::new());
    }
    span_hashes(&consistency_spans(size1, size2), r)
}

/// Checks a consistency proof between the tree of `size1` leaves with root `root1` and the tree
/// of `size2` leaves with root `root2`, by RFC 9162 §2.1.4.2. Needs `0 < size1 <= size2`; for
/// equal sizes the proof must be empty and the roots equal. Takes untrusted input: the proof
/// length is checked first and every loop is bounded by 64 rounds.
pub fn verify_consistency(
    size1: u64,
    size2: u64,
    proof: &[Hash],
    root1: &Hash,
    root2: &Hash,
) -> Result<(), LogError> {
    if size1 == 0 || size1 > size2 {
        return Err(LogError::InvalidSizes { size1, size2 });
    }
    if size1 == size2 {
        if !proof.is_empty() {
            return Err(LogError::ProofLength {
                got: proof.len(),
                want: 0,
            });
        }
        return if root1 == root2 {
            Ok(())
        } else {
            Err(LogError::ProofMismatch)
        };
    }
    let want = consistency_spans(size1, size2).len();
    if proof.len() != want {
        return Err(LogError::ProofLength {
            got: proof.len(),
            want,
        });
    }
    // When size1 is a power of two the old root is itself the first node (RFC step 2).
    let (first, rest) = if size1.is_power_of_two() {
        (root1, proof)
    } else {
        match proof.split_first() {
            Some(split) => split,
            None => return Err(LogError::ProofMismatch),
        }
    };
    let (mut f, mut s) = (size1 - 1, size2 - 1);
    while f & 1 == 1 {
        f >>= 1;
        s >>= 1;
    }
    let (mut fr, mut sr) = (*first, *first);
    for c in rest {
        if s == 0 {
            return Err(LogError::ProofMismatch);
        }
        if f & 1 == 1 || f == s {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        } else {
            sr = node_hash(&sr, c);
        }
        f >>= 1;
        s >>= 1;
    }
    if s == 0 && fr == *root1 && sr == *root2 {
        Ok(())
    } else {
        Err(LogError::ProofMismatch)
    }
}

/// A whole log in memory: the stored hashes in index order. For tests, benches and tools; the
/// service keeps its hashes in RocksDB.
#[derive(Clone, Debug, Default)]
pub struct MemoryHashStore {
    hashes: Vec<Hash>,
    size: u64,
}

impl MemoryHashStore {
    /// An empty log.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of leaves.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// All stored hashes, indexed by [`stored_hash_index`].
    pub fn hashes(&self) -> &[Hash] {
        &self.hashes
    }

    /// Appends `entry` as the next leaf and returns its leaf index.
    pub fn append(&mut self, entry: &[u8]) -> Result<u64, LogError> {
        self.append_leaf_hash(leaf_hash(entry))
    }

    /// Appends a leaf given its [`leaf_hash`] and returns its leaf index.
    pub fn append_leaf_hash(&mut self, leaf: Hash) -> Result<u64, LogError> {
        let n = self.size;
        let new = stored_hashes_for_append(n, leaf, &*self)?;
        if self.hashes.len() as u64 != stored_hash_index(0, n) {
            return Err(LogError::Internal("memory store out of step with its size"));
        }
        self.hashes.extend_from_slice(&new);
        self.size = n + 1;
        Ok(n)
    }

    /// Adds hashes computed elsewhere (e.g. by [`PendingHashes`]) as the stored hashes starting
    /// at `start`, for a log that now has `new_size` leaves: what a store does with a batch.
    pub fn extend(&mut self, start: u64, hashes: &[Hash], new_size: u64) -> Result<(), LogError> {
        if start != self.hashes.len() as u64
            || start + hashes.len() as u64 != stored_hash_count(new_size)
        {
            return Err(LogError::Internal(
                "batch does not continue the memory store",
            ));
        }
        self.hashes.extend_from_slice(hashes);
        self.size = new_size;
        Ok(())
    }
}

impl HashReader for MemoryHashStore {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, LogError> {
        indexes
            .iter()
            .map(|&index| {
                usize::try_from(index)
                    .ok()
                    .and_then(|i| self.hashes.get(i))
                    .copied()
                    .ok_or(LogError::MissingHash { index })
            })
            .collect()
    }
}

/// Hashes of leaves appended but not yet written, over a reader of the committed ones. The
/// sequencer appends a whole batch through it, then writes [`PendingHashes::pending`] at
/// stored indexes `start_index()..` in the same atomic batch as the records, and signs a
/// checkpoint over [`tree_hash`]`(size(), &pending)`.
#[derive(Debug)]
pub struct PendingHashes<'a, R: HashReader + ?Sized> {
    base: &'a R,
    committed_size: u64,
    start: u64,
    size: u64,
    pending: Vec<Hash>,
}

impl<'a, R: HashReader + ?Sized> PendingHashes<'a, R> {
    /// An empty overlay over `base`, which holds every stored hash of a tree of
    /// `committed_size` leaves.
    pub fn new(base: &'a R, committed_size: u64) -> Self {
        Self {
            base,
            committed_size,
            start: stored_hash_count(committed_size),
            size: committed_size,
            pending: Vec::new(),
        }
    }

    /// Appends a leaf (its [`leaf_hash`]) and returns its leaf index.
    pub fn append(&mut self, leaf: Hash) -> Result<u64, LogError> {
        let n = self.size;
        let new = stored_hashes_for_append(n, leaf, &*self)?;
        self.pending.extend_from_slice(&new);
        self.size = n + 1;
        Ok(n)
    }

    /// Leaves in the tree, committed and pending.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Leaves in the base reader.
    pub fn committed_size(&self) -> u64 {
        self.committed_size
    }

    /// Stored index of the first pending hash.
    pub fn start_index(&self) -> u64 {
        self.start
    }

    /// The hashes to write, at stored indexes `start_index()`, `start_index() + 1`, ...
    pub fn pending(&self) -> &[Hash] {
        &self.pending
    }

    /// Gives up the overlay: `(start_index, hashes to write)`.
    pub fn into_pending(self) -> (u64, Vec<Hash>) {
        (self.start, self.pending)
    }
}

impl<R: HashReader + ?Sized> HashReader for PendingHashes<'_, R> {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, LogError> {
        // Indexes arrive sorted; the committed ones go to the base in one call.
        let committed: Vec<u64> = indexes
            .iter()
            .copied()
            .filter(|&i| i < self.start)
            .collect();
        let mut from_base = read_exact(self.base, &committed)?.into_iter();
        indexes
            .iter()
            .map(|&index| {
                if index < self.start {
                    from_base.next().ok_or(LogError::Internal("overlay read"))
                } else {
                    usize::try_from(index - self.start)
                        .ok()
                        .and_then(|i| self.pending.get(i))
                        .copied()
                        .ok_or(LogError::MissingHash { index })
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn h(s: &str) -> Hash {
        let v = hex::decode(s).unwrap();
        v.try_into().unwrap()
    }

    // transparency-dev/merkle testonly/constants.go: LeafInputs().
    fn kat_leaves() -> Vec<Vec<u8>> {
        [
            "",
            "00",
            "10",
            "2021",
            "3031",
            "40414243",
            "5051525354555657",
            "606162636465666768696a6b6c6d6e6f",
        ]
        .iter()
        .map(|s| hex::decode(s).unwrap())
        .collect()
    }

    // testonly/constants.go: NodeHashes(), [level][index].
    fn kat_nodes() -> Vec<Vec<Hash>> {
        vec![
            vec![
                h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
                h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
                h("0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7"),
                h("07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7"),
                h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
                h("4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658"),
                h("b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f"),
                h("46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1"),
            ],
            vec![
                h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"),
                h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
                h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
                h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
            ],
            vec![
                h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
                h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
            ],
            vec![h(
                "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
            )],
        ]
    }

    // testonly/constants.go: RootHashes(), by tree size 0..=8.
    fn kat_roots() -> Vec<Hash> {
        vec![
            h("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
            h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
            h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"),
            h("aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77"),
            h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
            h("4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4"),
            h("76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef"),
            h("ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c"),
            h("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"),
        ]
    }

    fn kat_store() -> MemoryHashStore {
        let mut store = MemoryHashStore::new();
        for leaf in kat_leaves() {
            store.append(&leaf).unwrap();
        }
        store
    }

    /// The RFC 9162 definitions, written as recursion over leaf ranges `[lo, hi)` exactly as the
    /// RFC states them: the reference the stored-hash code must match. MTH results are memoized
    /// by range so exhaustive checks stay fast; the recursion itself is the naive one.
    struct Reference {
        leaves: Vec<Hash>,
        mth_cache: std::cell::RefCell<std::collections::HashMap<(usize, usize), Hash>>,
    }

    impl Reference {
        fn new(leaves: &[Hash]) -> Self {
            Self {
                leaves: leaves.to_vec(),
                mth_cache: Default::default(),
            }
        }

        /// MTH(D[lo:hi]) (§2.1.1).
        fn mth(&self, lo: usize, hi: usize) -> Hash {
            if let Some(h) = self.mth_cache.borrow().get(&(lo, hi)) {
                return *h;
            }
            let h = match hi - lo {
                0 => empty_root(),
                1 => self.leaves[lo],
                n => {
                    let k = split_point(n as u64) as usize;
                    node_hash(&self.mth(lo, lo + k), &self.mth(lo + k, hi))
                }
            };
            self.mth_cache.borrow_mut().insert((lo, hi), h);
            h
        }

        /// PATH(m, D[lo:hi]) with m relative to lo (§2.1.3.1).
        fn path(&self, m: usize, lo: usize, hi: usize) -> Vec<Hash> {
            let n = hi - lo;
            if n <= 1 {
                return vec![];
            }
            let k = split_point(n as u64) as usize;
            let (mut p, sibling) = if m < k {
                (self.path(m, lo, lo + k), self.mth(lo + k, hi))
            } else {
                (self.path(m - k, lo + k, hi), self.mth(lo, lo + k))
            };
            p.push(sibling);
            p
        }

        /// SUBPROOF(m, D[lo:hi], b) with m relative to lo (§2.1.4.1).
        fn subproof(&self, m: usize, lo: usize, hi: usize, b: bool) -> Vec<Hash> {
            let n = hi - lo;
            if m == n {
                return if b { vec![] } else { vec![self.mth(lo, hi)] };
            }
            let k = split_point(n as u64) as usize;
            let (mut p, sibling) = if m <= k {
                (self.subproof(m, lo, lo + k, b), self.mth(lo + k, hi))
            } else {
                (
                    self.subproof(m - k, lo + k, hi, false),
                    self.mth(lo, lo + k),
                )
            };
            p.push(sibling);
            p
        }
    }

    fn gen_store(size: u64) -> (MemoryHashStore, Vec<Hash>) {
        let mut store = MemoryHashStore::new();
        let mut leaves = Vec::new();
        for i in 0..size {
            let entry = format!("leaf {i}");
            leaves.push(leaf_hash(entry.as_bytes()));
            store.append(entry.as_bytes()).unwrap();
        }
        (store, leaves)
    }

    #[test]
    fn kat_hashes_and_roots() {
        assert_eq!(empty_root(), kat_roots()[0]);
        let store = kat_store();
        for (i, leaf) in kat_leaves().iter().enumerate() {
            assert_eq!(leaf_hash(leaf), kat_nodes()[0][i], "leaf {i}");
        }
        // Every complete subtree is stored exactly where stored_hash_index says.
        for (level, nodes) in kat_nodes().iter().enumerate() {
            for (n, node) in nodes.iter().enumerate() {
                let idx = stored_hash_index(level as u8, n as u64);
                assert_eq!(&store.hashes()[idx as usize], node, "node ({level}, {n})");
            }
        }
        for (size, root) in kat_roots().iter().enumerate() {
            assert_eq!(
                &tree_hash(size as u64, &store).unwrap(),
                root,
                "size {size}"
            );
        }
    }

    #[test]
    fn kat_stored_hash_layout() {
        // Write order: L0 0 | L0 1, L1 0 | L0 2 | L0 3, L1 1, L2 0 | L0 4 | ...
        let expect = [
            ((0, 0), 0),
            ((0, 1), 1),
            ((1, 0), 2),
            ((0, 2), 3),
            ((0, 3), 4),
            ((1, 1), 5),
            ((2, 0), 6),
            ((0, 4), 7),
            ((0, 5), 8),
            ((1, 2), 9),
            ((0, 6), 10),
            ((0, 7), 11),
            ((1, 3), 12),
            ((2, 1), 13),
            ((3, 0), 14),
        ];
        for ((level, n), idx) in expect {
            assert_eq!(stored_hash_index(level, n), idx, "({level}, {n})");
        }
        let counts = [0, 1, 3, 4, 7, 8, 10, 11, 15];
        for (size, count) in counts.iter().enumerate() {
            assert_eq!(stored_hash_count(size as u64), *count, "size {size}");
            assert_eq!(stored_hash_index(0, size as u64), *count);
        }
        // Extreme inputs give some value, never a panic.
        let _ = stored_hash_index(255, u64::MAX);
        let _ = stored_hash_index(64, 1);
        let _ = stored_hash_count(u64::MAX);
    }

    // proof/verify_test.go: inclusionProofs, as (leaf index, size, proof).
    fn kat_inclusion() -> Vec<(u64, u64, Vec<Hash>)> {
        vec![
            (0, 1, vec![]),
            (
                0,
                8,
                vec![
                    h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
                    h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
                    h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
                ],
            ),
            (
                5,
                8,
                vec![
                    h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
                    h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
                    h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
                ],
            ),
            (
                2,
                3,
                vec![h(
                    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
                )],
            ),
            (
                1,
                5,
                vec![
                    h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
                    h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
                    h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
                ],
            ),
        ]
    }

    // proof/verify_test.go: consistencyProofs.
    fn kat_consistency() -> Vec<(u64, u64, Vec<Hash>)> {
        vec![
            (1, 1, vec![]),
            (
                1,
                8,
                vec![
                    h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
                    h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
                    h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
                ],
            ),
            (
                6,
                8,
                vec![
                    h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
                    h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
                    h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
                ],
            ),
            (
                2,
                5,
                vec![
                    h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
                    h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
                ],
            ),
            (
                6,
                7,
                vec![
                    h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
                    h("b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f"),
                    h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
                ],
            ),
        ]
    }

    #[test]
    fn kat_inclusion_proofs() {
        let store = kat_store();
        let roots = kat_roots();
        let leaves = kat_leaves();
        for (index, size, want) in kat_inclusion() {
            let got = prove_inclusion(index, size, &store).unwrap();
            assert_eq!(got, want, "PATH({index}, {size})");
            let leaf = leaf_hash(&leaves[index as usize]);
            verify_inclusion(&leaf, index, size, &got, &roots[size as usize]).unwrap();
        }
    }

    #[test]
    fn kat_consistency_proofs() {
        let store = kat_store();
        let roots = kat_roots();
        for (size1, size2, want) in kat_consistency() {
            let got = prove_consistency(size1, size2, &store).unwrap();
            assert_eq!(got, want, "PROOF({size1}, {size2})");
            let (r1, r2) = (&roots[size1 as usize], &roots[size2 as usize]);
            verify_consistency(size1, size2, &got, r1, r2).unwrap();
        }
    }

    /// The corruptions of transparency-dev's verify_test.go, on every KAT proof.
    #[test]
    fn kat_corrupted_proofs_rejected() {
        let roots = kat_roots();
        let leaves = kat_leaves();
        let some = h("abacaba000000000000000000000000000000000000000000060061e00123456");
        for (index, size, proof) in kat_inclusion() {
            let leaf = leaf_hash(&leaves[index as usize]);
            let root = roots[size as usize];
            let v = |i: u64, n: u64, l: &Hash, p: &[Hash], r: &Hash| {
                verify_inclusion(l, i, n, p, r).is_err()
            };
            assert!(v(index.wrapping_sub(1), size, &leaf, &proof, &root));
            assert!(v(index + 1, size, &leaf, &proof, &root));
            assert!(v(index ^ 2, size, &leaf, &proof, &root));
            assert!(v(index, size * 2, &leaf, &proof, &root));
            assert!(v(index, size / 2, &leaf, &proof, &root));
            assert!(v(index, size, &leaf_hash(b"WrongLeaf"), &proof, &root));
            assert!(v(index, size, &leaf, &proof, &roots[0]));
            assert!(v(index, size, &leaf, &proof, &some));
            let mut longer = proof.clone();
            longer.push(root);
            assert!(v(index, size, &leaf, &longer, &root));
            let mut front = vec![root];
            front.extend_from_slice(&proof);
            assert!(v(index, size, &leaf, &front, &root));
            if !proof.is_empty() {
                assert!(v(index, size, &leaf, &proof[..proof.len() - 1], &root));
            }
        }
        for (size1, size2, proof) in kat_consistency() {
            if proof.is_empty() {
                continue;
            }
            let (r1, r2) = (roots[size1 as usize], roots[size2 as usize]);
            let v = |s1: u64, s2: u64, p: &[Hash], a: &Hash, b: &Hash| {
                verify_consistency(s1, s2, p, a, b).is_err()
            };
            assert!(v(size1 - 1, size2, &proof, &r1, &r2));
            assert!(v(size1 + 1, size2, &proof, &r1, &r2));
            assert!(v(size1 ^ 2, size2, &proof, &r1, &r2));
            assert!(v(size1, size2 * 2, &proof, &r1, &r2));
            assert!(v(size1, size2 / 2, &proof, &r1, &r2));
            assert!(v(size1, size2, &proof, &some, &r2));
            assert!(v(size1, size2, &proof, &r1, &some));
            assert!(v(size1, size2, &proof, &r2, &r1));
            assert!(v(size1, size2, &[], &r1, &r2));
            for extra in [r1, r2, proof[0]] {
                let mut longer = proof.clone();
                longer.push(extra);
                assert!(v(size1, size2, &longer, &r1, &r2));
                let mut front = vec![extra];
                front.extend_from_slice(&proof);
                assert!(v(size1, size2, &front, &r1, &r2));
            }
            assert!(v(size1, size2, &proof[..proof.len() - 1], &r1, &r2));
        }
    }

    #[test]
    fn bad_parameters_are_errors() {
        let (store, _) = gen_store(10);
        let root = tree_hash(10, &store).unwrap();
        let any = [0u8; 32];
        assert!(matches!(
            prove_inclusion(0, 0, &store),
            Err(LogError::IndexOutOfRange { index: 0, size: 0 })
        ));
        assert!(matches!(
            prove_inclusion(10, 10, &store),
            Err(LogError::IndexOutOfRange { .. })
        ));
        assert!(matches!(
            prove_inclusion(0, u64::MAX, &store),
            Err(LogError::TreeTooLarge { .. })
        ));
        assert!(matches!(
            prove_consistency(0, 5, &store),
            Err(LogError::InvalidSizes { .. })
        ));
        assert!(matches!(
            prove_consistency(6, 5, &store),
            Err(LogError::InvalidSizes { .. })
        ));
        assert_eq!(prove_consistency(5, 5, &store).unwrap(), Vec::<Hash>::new());
        assert!(matches!(
            tree_hash(MAX_TREE_SIZE + 1, &store),
            Err(LogError::TreeTooLarge { .. })
        ));
        // Asking beyond what the store holds is a missing hash, not a panic.
        assert!(matches!(
            tree_hash(11, &store),
            Err(LogError::MissingHash { .. })
        ));
        assert!(matches!(
            prove_inclusion(3, 1000, &store),
            Err(LogError::MissingHash { .. })
        ));
        assert!(matches!(
            verify_inclusion(&any, 0, 0, &[], &any),
            Err(LogError::IndexOutOfRange { .. })
        ));
        assert!(matches!(
            verify_consistency(0, 0, &[], &any, &any),
            Err(LogError::InvalidSizes { .. })
        ));
        assert!(matches!(
            verify_consistency(0, 10, &[], &any, &root),
            Err(LogError::InvalidSizes { .. })
        ));
        assert!(verify_consistency(10, 10, &[], &root, &root).is_ok());
        assert!(matches!(
            verify_consistency(10, 10, &[root], &root, &root),
            Err(LogError::ProofLength { got: 1, want: 0 })
        ));
        assert!(matches!(
            verify_consistency(10, 10, &[], &root, &any),
            Err(LogError::ProofMismatch)
        ));
        // A huge or overlong proof is refused by its length before any hashing.
        let huge = vec![any; 100_000];
        assert!(matches!(
            verify_inclusion(&any, 3, u64::MAX, &huge, &any),
            Err(LogError::ProofLength { want: 64, .. })
        ));
        assert!(matches!(
            verify_consistency(3, u64::MAX, &huge, &any, &any),
            Err(LogError::ProofLength { .. })
        ));
        // Extreme sizes verify (and fail) without panicking.
        let p = vec![any; 64];
        assert!(verify_inclusion(&any, u64::MAX - 1, u64::MAX, &p, &any).is_err());
        let want = consistency_spans(u64::MAX - 1, u64::MAX).len();
        let p = vec![any; want];
        assert!(verify_consistency(u64::MAX - 1, u64::MAX, &p, &any, &any).is_err());
        assert!(verify_consistency(1, u64::MAX, &vec![any; 64], &any, &any).is_err());
    }

    /// A reader that breaks its contract must produce an error, not a panic or a wrong hash.
    #[test]
    fn faulty_reader_is_an_error() {
        struct Short;
        impl HashReader for Short {
            fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, LogError> {
                Ok(vec![[0; 32]; indexes.len().saturating_sub(1)])
            }
        }
        struct Failing;
        impl HashReader for Failing {
            fn read_hashes(&self, _: &[u64]) -> Result<Vec<Hash>, LogError> {
                Err(LogError::Store("disk on fire".into()))
            }
        }
        assert!(matches!(
            tree_hash(7, &Short),
            Err(LogError::ShortRead { .. })
        ));
        assert!(matches!(
            prove_inclusion(0, 7, &Short),
            Err(LogError::ShortRead { .. })
        ));
        assert!(matches!(
            prove_consistency(3, 7, &Short),
            Err(LogError::ShortRead { .. })
        ));
        assert!(matches!(
            stored_hashes_for_append(7, [0; 32], &Short),
            Err(LogError::ShortRead { .. })
        ));
        assert!(matches!(tree_hash(7, &Failing), Err(LogError::Store(_))));
        let overlay = PendingHashes::new(&Short, 7);
        assert!(matches!(
            overlay.read_hashes(&[0, 1, 2]),
            Err(LogError::ShortRead { .. })
        ));
        // Leaf 0 (and any leaf with an even index) needs no read at all.
        assert_eq!(
            stored_hashes_for_append(8, [1; 32], &Failing).unwrap(),
            vec![[1; 32]]
        );
    }

    #[test]
    fn pending_overlay_matches_direct_appends() {
        for committed in [0u64, 1, 5, 8, 13] {
            for batch in [1u64, 2, 3, 7, 20] {
                let (direct, _) = gen_store(committed + batch);
                let (mut store, _) = gen_store(committed);
                let (start, pending) = {
                    let mut overlay = PendingHashes::new(&store, committed);
                    for i in committed..committed + batch {
                        let idx = overlay.append(leaf_hash(format!("leaf {i}").as_bytes()));
                        assert_eq!(idx.unwrap(), i);
                    }
                    assert_eq!(overlay.size(), committed + batch);
                    // Roots and proofs over the overlay see the pending leaves.
                    let size = overlay.size();
                    assert_eq!(
                        tree_hash(size, &overlay).unwrap(),
                        tree_hash(size, &direct).unwrap()
                    );
                    assert_eq!(
                        prove_inclusion(size - 1, size, &overlay).unwrap(),
                        prove_inclusion(size - 1, size, &direct).unwrap()
                    );
                    overlay.into_pending()
                };
                assert_eq!(start, stored_hash_index(0, committed));
                store.extend(start, &pending, committed + batch).unwrap();
                assert_eq!(store.hashes(), direct.hashes());
            }
        }
    }

    /// Every inclusion and consistency proof of every tree up to 300 leaves equals the RFC 9162
    /// definition and verifies against the stored-hash root, which equals the definitional MTH.
    #[test]
    fn exhaustive_small_trees() {
        const N: u64 = 300;
        let (store, leaves) = gen_store(N);
        let reference = Reference::new(&leaves);
        assert_eq!(store.hashes().len() as u64, stored_hash_count(N));
        let roots: Vec<Hash> = (0..=N).map(|n| tree_hash(n, &store).unwrap()).collect();
        for size in 0..=N {
            let n = size as usize;
            assert_eq!(roots[n], reference.mth(0, n), "MTH {size}");
            for index in 0..size {
                let proof = prove_inclusion(index, size, &store).unwrap();
                let want = reference.path(index as usize, 0, n);
                assert_eq!(proof, want, "PATH({index}, {size})");
                let leaf = &leaves[index as usize];
                verify_inclusion(leaf, index, size, &proof, &roots[n]).unwrap();
            }
            for size1 in 1..=size {
                let proof = prove_consistency(size1, size, &store).unwrap();
                if size1 < size {
                    let want = reference.subproof(size1 as usize, 0, n, true);
                    assert_eq!(proof, want, "PROOF({size1}, {size})");
                }
                let r1 = &roots[size1 as usize];
                verify_consistency(size1, size, &proof, r1, &roots[n]).unwrap();
            }
        }
    }

    fn flip(h: &Hash, bit: usize) -> Hash {
        let mut out = *h;
        out[(bit / 8) % 32] ^= 1 << (bit % 8);
        out
    }

    fn shared() -> &'static (MemoryHashStore, Vec<Hash>, Vec<Hash>) {
        static CELL: std::sync::OnceLock<(MemoryHashStore, Vec<Hash>, Vec<Hash>)> =
            std::sync::OnceLock::new();
        CELL.get_or_init(|| {
            let (store, leaves) = gen_store(300);
            let roots = (0..=300).map(|n| tree_hash(n, &store).unwrap()).collect();
            (store, leaves, roots)
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn tampered_inclusion_fails(
            size in 1u64..=300,
            index_seed in any::<u64>(),
            other_seed in any::<u64>(),
            bit in 0usize..256,
            which in 0usize..64,
        ) {
            let (store, leaves, roots) = shared();
            let index = index_seed % size;
            let proof = prove_inclusion(index, size, store).unwrap();
            let leaf = leaves[index as usize];
            let root = roots[size as usize];
            prop_assert!(verify_inclusion(&leaf, index, size, &proof, &root).is_ok());
            // One flipped bit anywhere: proof, leaf, root.
            if !proof.is_empty() {
                let mut bad = proof.clone();
                let i = which % bad.len();
                bad[i] = flip(&bad[i], bit);
                prop_assert!(verify_inclusion(&leaf, index, size, &bad, &root).is_err());
            }
            prop_assert!(verify_inclusion(&flip(&leaf, bit), index, size, &proof, &root).is_err());
            prop_assert!(verify_inclusion(&leaf, index, size, &proof, &flip(&root, bit)).is_err());
            // Another index (with that leaf or ours), or another size with its true root.
            let other = other_seed % size;
            if other != index {
                let other_leaf = leaves[other as usize];
                prop_assert!(verify_inclusion(&leaf, other, size, &proof, &root).is_err());
                prop_assert!(verify_inclusion(&other_leaf, other, size, &proof, &root).is_err());
            }
            let other_size = 1 + other_seed % 300;
            if other_size != size {
                let r = roots[other_size as usize];
                prop_assert!(verify_inclusion(&leaf, index, other_size, &proof, &r).is_err());
            }
        }

        #[test]
        fn tampered_consistency_fails(
            size2 in 2u64..=300,
            size1_seed in any::<u64>(),
            other_seed in any::<u64>(),
            bit in 0usize..256,
            which in 0usize..64,
        ) {
            let (store, _, roots) = shared();
            let size1 = 1 + size1_seed % (size2 - 1); // 1..size2
            let proof = prove_consistency(size1, size2, store).unwrap();
            let (r1, r2) = (roots[size1 as usize], roots[size2 as usize]);
            prop_assert!(verify_consistency(size1, size2, &proof, &r1, &r2).is_ok());
            let mut bad = proof.clone();
            let i = which % bad.len();
            bad[i] = flip(&bad[i], bit);
            prop_assert!(verify_consistency(size1, size2, &bad, &r1, &r2).is_err());
            prop_assert!(verify_consistency(size1, size2, &proof, &flip(&r1, bit), &r2).is_err());
            prop_assert!(verify_consistency(size1, size2, &proof, &r1, &flip(&r2, bit)).is_err());
            // Other sizes, each with its true root.
            let o1 = 1 + other_seed % size2;
            if o1 != size1 {
                let ro = roots[o1 as usize];
                prop_assert!(verify_consistency(o1, size2, &proof, &ro, &r2).is_err());
            }
            let o2 = size1 + other_seed % (301 - size1);
            if o2 != size2 {
                let ro = roots[o2 as usize];
                prop_assert!(verify_consistency(size1, o2, &proof, &r1, &ro).is_err());
            }
        }

        /// Arbitrary untrusted input never panics.
        #[test]
        fn verifiers_total_on_garbage(
            index in any::<u64>(),
            size in any::<u64>(),
            size1 in any::<u64>(),
            proof in proptest::collection::vec(any::<[u8; 32]>(), 0..70),
            a in any::<[u8; 32]>(),
            b in any::<[u8; 32]>(),
        ) {
            let _ = verify_inclusion(&a, index, size, &proof, &b);
            let _ = verify_inclusion(&a, index % size.max(1), size, &proof, &b);
            let _ = verify_consistency(size1, size, &proof, &a, &b);
            let _ = verify_consistency(size1 % size.max(1), size, &proof, &a, &b);
        }
    }
}
