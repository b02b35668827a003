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

/// `inclusion_spans(index, size).len()`, without making them.
pub(super) fn inclusion_len(index: u64, size: u64) -> usize {
    let (mut lo, mut hi, mut len) = (0u64, size, 0);
    while hi - lo > 1 {
        let k = split_point(hi - lo);
        if index < lo + k {
            hi = lo + k;
        } else {
            lo += k;
        }
        len += 1;
    }
    len
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
    let want = inclusion_len(index, size);
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
        r = inclusion_step(&r, p, &mut f, &mut s).0;
    }
    if s == 0 && r == *root {
        Ok(())
    } else {
        Err(LogError::ProofMismatch)
    }
}

/// One step of [`verify_inclusion`]'s walk up from the leaf (RFC 9162 §2.1.3.2): the node hash
/// of `r` and the proof hash `p`, with `f` and `s` moved up past the levels it climbs; the
/// hash and how many levels those are.
pub(super) fn inclusion_step(r: &Hash, p: &Hash, f: &mut u64, s: &mut u64) -> (Hash, u32) {
    let mut up = 1;
    let r = if *f & 1 == 1 || *f == *s {
        // Skip the levels where this node is the rightmost and has no sibling.
        while *f & 1 == 0 && *f != 0 {
            *f >>= 1;
            *s >>= 1;
            up += 1;
        }
        node_hash(p, r)
    } else {
        node_hash(r, p)
    };
    *f >>= 1;
    *s >>= 1;
    (r, up)
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
            .map(|&index| hash_at(&self.hashes, index, index))
            .collect()
    }
}

/// The hash at position `at` of `hashes`; its absence is reported at stored index `index`.
fn hash_at(hashes: &[Hash], at: u64, index: u64) -> Result<Hash, LogError> {
    usize::try_from(at)
        .ok()
        .and_then(|i| hashes.get(i))
        .copied()
        .ok_or(LogError::MissingHash { index })
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
                    hash_at(&self.pending, index - self.start, index)
                }
            })
            .collect()
    }
}

#[cfg(test)]
#[path = "merkle_tests.rs"]
mod tests;
