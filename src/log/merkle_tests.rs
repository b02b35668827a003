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
    proving_refuses_bad_parameters(&store);
    verifying_refuses_bad_parameters(root);
}

/// Proofs and tree hashes of a store of 10 leaves, asked with impossible sizes.
fn proving_refuses_bad_parameters(store: &MemoryHashStore) {
    assert!(matches!(
        prove_inclusion(0, 0, store),
        Err(LogError::IndexOutOfRange { index: 0, size: 0 })
    ));
    assert!(matches!(
        prove_inclusion(10, 10, store),
        Err(LogError::IndexOutOfRange { .. })
    ));
    assert!(matches!(
        prove_inclusion(0, u64::MAX, store),
        Err(LogError::TreeTooLarge { .. })
    ));
    assert!(matches!(
        prove_consistency(0, 5, store),
        Err(LogError::InvalidSizes { .. })
    ));
    assert!(matches!(
        prove_consistency(6, 5, store),
        Err(LogError::InvalidSizes { .. })
    ));
    assert_eq!(prove_consistency(5, 5, store).unwrap(), Vec::<Hash>::new());
    assert!(matches!(
        tree_hash(MAX_TREE_SIZE + 1, store),
        Err(LogError::TreeTooLarge { .. })
    ));
    // Asking beyond what the store holds is a missing hash, not a panic.
    assert!(matches!(
        tree_hash(11, store),
        Err(LogError::MissingHash { .. })
    ));
    assert!(matches!(
        prove_inclusion(3, 1000, store),
        Err(LogError::MissingHash { .. })
    ));
}

/// Verifications against `root` (of 10 leaves) with impossible sizes, proofs or roots.
fn verifying_refuses_bad_parameters(root: Hash) {
    let any = [0u8; 32];
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
