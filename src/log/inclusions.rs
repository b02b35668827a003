//! [`Inclusions`]: many inclusion proofs against one tree, each decided as
//! [`verify_inclusion`] decides it, without hashing again what an earlier verified proof
//! hashed. The proofs of neighbouring leaves share their upper nodes (an evidence bundle's
//! records of one case are often logged together), so past the first few proofs most of the
//! hashing is already done.

use std::collections::HashMap;

use super::merkle::{inclusion_len, inclusion_step, verify_inclusion, Hash};
use super::LogError;

/// Inclusion proofs checked one after another against one tree (the first one's size and
/// root; a proof against another tree is checked alone).
///
/// RFC 9162's check is a walk up the tree whose state after each proof hash is the hash so far
/// and the node it stands for (how many levels up, which node there). When a proof reaches the
/// state a verified proof passed through, with the same proof hashes still to come, the rest of
/// its walk is that proof's: it verifies, and the remaining hashes are not computed again.
#[derive(Debug, Default)]
pub struct Inclusions {
    tree: Option<(u64, Hash)>,
    /// `(levels up, node index)` → the hash a verified proof had there, which proof, and the
    /// position in it of the proof hash that led there.
    nodes: HashMap<(u32, u64), (Hash, usize, usize)>,
    /// The verified proofs that `nodes` point into.
    proofs: Vec<Vec<Hash>>,
}

impl Inclusions {
    /// What `verify_inclusion(leaf, index, size, proof, root)` gives for the tree of `size`
    /// leaves and root `root`.
    pub fn verify(
        &mut self,
        (size, root): (u64, &Hash),
        (leaf, index): (&Hash, u64),
        proof: &[Hash],
    ) -> Result<(), LogError> {
        let tree = *self.tree.get_or_insert((size, *root));
        if tree != (size, *root) || index >= size || proof.len() != inclusion_len(index, size) {
            return verify_inclusion(leaf, index, size, proof, root);
        }
        // `verify_inclusion`'s walk, counting the levels climbed.
        let (mut f, mut s, mut up) = (index, size - 1, 0u32);
        let mut r = *leaf;
        let mut passed = Vec::with_capacity(proof.len());
        for (at, p) in proof.iter().enumerate() {
            if s == 0 {
                return Err(LogError::ProofMismatch);
            }
            let (hash, climbed) = inclusion_step(&r, p, &mut f, &mut s);
            r = hash;
            up += climbed;
            if let Some((hash, seen, seen_at)) = self.nodes.get(&(up, f)) {
                if *hash == r && self.proofs[*seen][seen_at + 1..] == proof[at + 1..] {
                    self.remember(proof, passed);
                    return Ok(());
                }
            }
            passed.push(((up, f), r, at));
        }
        if s != 0 || r != *root {
            return Err(LogError::ProofMismatch);
        }
        self.remember(proof, passed);
        Ok(())
    }

    /// Keeps the states a verified proof passed through.
    fn remember(&mut self, proof: &[Hash], passed: Vec<((u32, u64), Hash, usize)>) {
        if passed.is_empty() {
            return;
        }
        let this = self.proofs.len();
        self.proofs.push(proof.to_vec());
        for (node, hash, at) in passed {
            self.nodes.entry(node).or_insert((hash, this, at));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::log::merkle::{leaf_hash, prove_inclusion, tree_hash, MemoryHashStore};
    use proptest::prelude::*;

    fn tree(size: u64) -> (MemoryHashStore, Hash) {
        let mut store = MemoryHashStore::new();
        for i in 0..size {
            store.append(&i.to_be_bytes()).expect("append");
        }
        let root = tree_hash(size, &store).expect("root");
        (store, root)
    }

    proptest! {
        /// Every proof of a tree, in any order, with some of them altered (a hash, the index,
        /// the leaf, one hash too many or too few, another root): each verdict is
        /// `verify_inclusion`'s.
        #[test]
        fn each_verdict_is_verify_inclusions(
            size in 1u64..300,
            picks in proptest::collection::vec((0u64..300, 0u8..8, 0usize..64), 1..120),
        ) {
            let (store, root) = tree(size);
            let mut memo = Inclusions::default();
            for (pick, change, at) in picks {
                let mut index = pick % size;
                let mut leaf = leaf_hash(&index.to_be_bytes());
                let mut proof = prove_inclusion(index, size, &store).expect("proof");
                let mut against = root;
                match change {
                    0 if !proof.is_empty() => {
                        let n = proof.len();
                        proof[at % n][0] ^= 1;
                    }
                    1 => index = (index + 1) % size,
                    2 => leaf[31] ^= 0x80,
                    3 => proof.push([7; 32]),
                    4 => { proof.pop(); }
                    5 => against[0] ^= 1,
                    _ => {}
                }
                let want = verify_inclusion(&leaf, index, size, &proof, &against);
                let got = memo.verify((size, &against), (&leaf, index), &proof);
                prop_assert_eq!(format!("{got:?}"), format!("{want:?}"));
            }
        }
    }

    /// A proof that shares its upper path with a verified one but differs above the shared
    /// node is still refused: the hashes still to come must be the verified proof's.
    #[test]
    fn a_shared_node_does_not_excuse_a_wrong_upper_path() {
        let (store, root) = tree(64);
        let mut memo = Inclusions::default();
        let proof0 = prove_inclusion(0, 64, &store).expect("proof");
        memo.verify((64, &root), (&leaf_hash(&0u64.to_be_bytes()), 0), &proof0)
            .expect("leaf 0");
        let mut proof1 = prove_inclusion(1, 64, &store).expect("proof");
        let last = proof1.len() - 1;
        proof1[last][5] ^= 1;
        let leaf1 = leaf_hash(&1u64.to_be_bytes());
        assert!(verify_inclusion(&leaf1, 1, 64, &proof1, &root).is_err());
        assert!(memo.verify((64, &root), (&leaf1, 1), &proof1).is_err());
        proof1[last][5] ^= 1;
        assert!(memo.verify((64, &root), (&leaf1, 1), &proof1).is_ok());
        assert!(!memo.nodes.is_empty());
    }
}
