//! The batchable Ed25519 rule of replay and of order intake (docs/formats.md, "Evidence
//! bundle"; docs/design.md, "Replay throughput" and "Order signatures in batches"): a signature
//! is admissible when
//!
//! - the key is a canonical encoding of a point that is not of small order (checked once per
//!   key, [`Key::new`]);
//! - `R` is a canonical encoding and `s < L` ([`precheck`]);
//! - the cofactored equation `[8]([s]B − R − [k]A) = 0` of ZIP-215 holds (`ed25519-zebra`).
//!
//! Under ZIP-215 batch and single verification decide the same on every input, so [`verify_all`]
//! checks a whole list in one batch and, only when the batch fails, each signature alone to name
//! the bad ones: a signature's verdict never depends on the others in the list or on its place.
//! Every signature a cofactorless (RFC 8032, dalek `verify`) verification accepts is admissible;
//! the only others are those whose `R` carries a small-order component, which only the key's
//! holder can make.
//!
//! A lone signature is verified alone (`ed25519-zebra`'s single verification, with the key
//! decoded once in [`Key`]). A batch is `ed25519-zebra`'s batch equation written here on
//! `curve25519-dalek`'s public arithmetic ([`batch_holds`]), for two things its `batch::Verifier`
//! cannot do: take each key's point already decompressed (it decompresses every key in every
//! batch, about 3.4 µs each) and, in a small batch, multiply the base point by its precomputed
//! table (it treats `B` as any point). Order intake's batches are small and each buyer signs with
//! a key of its own: there this costs 15–35 % less a signature (BENCHMARKS.md, "Order signatures:
//! a lone one alone, batches on decoded keys"); a replay's large batches cost the same.

use std::collections::HashMap;
use std::sync::OnceLock;

use curve25519_dalek::constants::ED25519_BASEPOINT_POINT;
use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint, VartimeEdwardsPrecomputation};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::{
    IsIdentity, VartimeMultiscalarMul, VartimePrecomputedMultiscalarMul,
};
use ed25519_dalek::Signature;
use ed25519_zebra::VerificationKey;
use rand::Rng as _;
use sha2::{Digest as _, Sha512};

/// A public key as replay uses it: its bytes and, when signatures by it can be admissible, the
/// key decoded (its point, and `ed25519-zebra`'s key for single verification).
#[derive(Clone, Debug)]
pub(crate) struct Key {
    bytes: [u8; 32],
    decoded: Option<(EdwardsPoint, VerificationKey)>,
}

impl Key {
    /// The key of `bytes`; usable when they canonically encode a point not of small order.
    pub(crate) fn new(bytes: [u8; 32]) -> Key {
        let c = CompressedEdwardsY(bytes);
        let point = c
            .decompress()
            .filter(|p| p.compress() == c && !p.is_small_order());
        // `ed25519-zebra` decodes every canonical point: it accepts every usable key.
        let decoded = point.and_then(|p| Some((p, VerificationKey::try_from(bytes).ok()?)));
        Key { bytes, decoded }
    }

    /// Whether signatures by this key can be admissible.
    fn usable(&self) -> bool {
        self.decoded.is_some()
    }
}

/// One signature to check: by `key`, over `msg`.
pub(crate) struct Check<'a> {
    /// The signer's key.
    pub key: &'a Key,
    /// The signature.
    pub sig: Signature,
    /// The signed bytes.
    pub msg: &'a [u8],
}

/// The checks of the rule that need no curve arithmetic: a usable key, `R` canonical, `s < L`.
pub(crate) fn precheck(key: &Key, sig: &Signature) -> bool {
    key.usable() && r_canonical(sig.r_bytes()) && below_order(sig.s_bytes())
}

/// The group order `L = 2^252 + 27742317777372353535851937790883648493`, little-endian.
const ORDER: [u8; 32] = [
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
];

/// `s < L`, the integer of the little-endian bytes `s` compared with the group order: what
/// `Scalar::from_canonical_bytes` decides, without the reduction it computes to decide it (1.5 %
/// of a large bundle's replay). Signatures are public: no need for constant time here.
fn below_order(s: &[u8; 32]) -> bool {
    s.iter().rev().cmp(ORDER.iter().rev()) == std::cmp::Ordering::Less
}

/// An encoding of a point is canonical when its `y` is below `p = 2^255 − 19` and, where `x` is
/// 0 (`y = ±1`), its sign bit is clear. (Whether it is a point at all, the equation finds out.)
fn r_canonical(r: &[u8; 32]) -> bool {
    let mut y = *r;
    let sign = y[31] >> 7;
    y[31] &= 0x7f;
    // y >= p: y[31] = 0x7f, y[30..1] all 0xff, y[0] >= 0xed.
    let at_least_p = y[31] == 0x7f && y[1..31].iter().all(|&b| b == 0xff) && y[0] >= 0xed;
    let one = y[0] == 1 && y[1..].iter().all(|&b| b == 0);
    // p − 1 = 0x7fff..ffec.
    let minus_one = y[31] == 0x7f && y[1..31].iter().all(|&b| b == 0xff) && y[0] == 0xec;
    !at_least_p && !(sign == 1 && (one || minus_one))
}

/// The verdict of every check, in order: one ZIP-215 batch for the whole list, and when it fails
/// each check alone (a lone check is verified alone at once). A check failing [`precheck`] is
/// refused and kept out of the batch.
pub(crate) fn verify_all(checks: &[Check]) -> Vec<bool> {
    let mut verdicts: Vec<bool> = checks.iter().map(|c| precheck(c.key, &c.sig)).collect();
    let admitted: Vec<&Check> = checks
        .iter()
        .zip(&verdicts)
        .filter_map(|(c, ok)| ok.then_some(c))
        .collect();
    // A lone check, or each check of a batch that fails, alone.
    if admitted.len() == 1 || (admitted.len() > 1 && !batch_holds(&admitted)) {
        for (verdict, c) in verdicts.iter_mut().zip(checks) {
            if *verdict {
                *verdict = single_holds(c);
            }
        }
    }
    verdicts
}

/// ZIP-215's single verification (`ed25519-zebra`) of a check whose key is usable.
fn single_holds(c: &Check) -> bool {
    c.key
        .decoded
        .as_ref()
        .is_some_and(|(_, vk)| vk.verify(&c.sig, c.msg).is_ok())
}

/// Ed25519's challenge `k = SHA-512(R ‖ A ‖ M) mod L` of a signature with `R` encoded as
/// `r_bytes`, by the key `a_bytes`, over `msg`.
pub(crate) fn challenge(r_bytes: &[u8; 32], a_bytes: &[u8; 32], msg: &[u8]) -> Scalar {
    let mut h = Sha512::new();
    h.update(r_bytes);
    h.update(a_bytes);
    h.update(msg);
    Scalar::from_bytes_mod_order_wide(&h.finalize().into())
}

/// Below this many points a batch's multiplication is Straus's, with the base point's
/// precomputed table; from it on, Pippenger's over all the points (`curve25519-dalek` switches
/// from Straus to Pippenger at the same size).
const STRAUS_MAX_POINTS: usize = 190;

/// The base point's table for [`batch_holds`], made once.
fn base_table() -> &'static VartimeEdwardsPrecomputation {
    static TABLE: OnceLock<VartimeEdwardsPrecomputation> = OnceLock::new();
    TABLE.get_or_init(|| VartimeEdwardsPrecomputation::new([ED25519_BASEPOINT_POINT]))
}

/// Whether the batch equation of `ed25519-zebra` (`batch::Verifier::verify`) holds for `checks`,
/// all with usable keys, `R` canonical and `s < L`:
///
/// `[8]([−Σ z_i s_i]B + Σ [z_i]R_i + Σ_A [Σ_{i by A} z_i k_i]A) = 0`
///
/// for random 128-bit `z_i`, `k_i = SHA-512(R_i ‖ A_i ‖ M_i) mod L`. It holds when every
/// check's single equation holds, and otherwise fails but with probability about 2^−128; the
/// terms of one key are added into one coefficient, as `ed25519-zebra` does.
fn batch_holds(checks: &[&Check]) -> bool {
    let mut rng = rand::thread_rng();
    let mut b = Scalar::ZERO;
    let (mut zs, mut rs) = (
        Vec::with_capacity(checks.len()),
        Vec::with_capacity(checks.len()),
    );
    // Each key's point and coefficient (the sum does not depend on the order of its terms).
    let mut keys: HashMap<&[u8; 32], (EdwardsPoint, Scalar)> = HashMap::new();
    for c in checks {
        let Some((a, _)) = &c.key.decoded else {
            return false;
        };
        let Some(r) = CompressedEdwardsY(*c.sig.r_bytes()).decompress() else {
            return false;
        };
        let Some(s) = Option::<Scalar>::from(Scalar::from_canonical_bytes(*c.sig.s_bytes())) else {
            return false;
        };
        let k = challenge(c.sig.r_bytes(), &c.key.bytes, c.msg);
        let z = Scalar::from(rng.gen::<u128>());
        b -= z * s;
        zs.push(z);
        rs.push(r);
        keys.entry(&c.key.bytes).or_insert((*a, Scalar::ZERO)).1 += z * k;
    }
    // An unchanged map yields its entries in the same order each time.
    let coeffs = keys.values().map(|k| k.1).chain(zs);
    let points = keys.values().map(|k| k.0).chain(rs);
    let sum = if keys.len() + checks.len() < STRAUS_MAX_POINTS {
        base_table().vartime_mixed_multiscalar_mul([b], coeffs, points)
    } else {
        EdwardsPoint::vartime_multiscalar_mul(
            std::iter::once(b).chain(coeffs),
            std::iter::once(ED25519_BASEPOINT_POINT).chain(points),
        )
    };
    sum.mul_by_cofactor().is_identity()
}

#[cfg(test)]
mod tests {
    use super::*;
    use curve25519_dalek::scalar::Scalar;

    #[test]
    fn canonical_encodings_are_told_apart() {
        let mut p = [0xffu8; 32];
        p[0] = 0xed;
        p[31] = 0x7f;
        assert!(!r_canonical(&p), "p itself");
        p[0] = 0xee;
        assert!(!r_canonical(&p), "p + 1");
        p[0] = 0xec;
        assert!(r_canonical(&p), "p − 1");
        p[31] |= 0x80;
        assert!(
            !r_canonical(&p),
            "p − 1 with the sign bit: x = 0 is not negative"
        );
        let mut one = [0u8; 32];
        one[0] = 1;
        assert!(r_canonical(&one));
        one[31] = 0x80;
        assert!(!r_canonical(&one), "the identity with the sign bit");
        let b = curve25519_dalek::constants::ED25519_BASEPOINT_COMPRESSED.to_bytes();
        assert!(r_canonical(&b));
    }

    #[test]
    fn below_order_decides_as_the_canonical_scalar_check() {
        let canonical = |s: [u8; 32]| bool::from(Scalar::from_canonical_bytes(s).is_some());
        let mut cases = vec![[0u8; 32], [0xff; 32], ORDER];
        for delta in [1u8, 2, 0x12] {
            let mut below = ORDER;
            below[0] -= delta;
            let mut above = ORDER;
            above[0] += delta;
            cases.extend([below, above]);
        }
        let mut high = [0u8; 32];
        high[31] = 0x10;
        let mut top_bit = [0u8; 32];
        top_bit[31] = 0x80;
        let mut just_below_high = [0xffu8; 32];
        just_below_high[31] = 0x0f;
        cases.extend([high, top_bit, just_below_high]);
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..2000 {
            let mut s = [0u8; 32];
            for b in &mut s {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                *b = x as u8;
            }
            // Around L's top bytes, where the comparison is decided late.
            s[31] = [0x0f, 0x10, 0x11, s[31]][(x >> 8) as usize % 4];
            if x.is_multiple_of(3) {
                s[16..31].fill(0);
            }
            cases.push(s);
        }
        for s in cases {
            assert_eq!(below_order(&s), canonical(s), "{s:02x?}");
        }
    }

    /// The verdicts of [`verify_all`] are each signature's own under the rule ([`precheck`] and
    /// `ed25519-zebra`'s single verification), whatever the list: one alone, a small batch
    /// (Straus, with the base point's table) or a large one (Pippenger), by one key or many,
    /// valid signatures (some with torsion in `R`) mixed with bad ones of every kind.
    #[test]
    fn each_verdict_is_the_signatures_own_in_any_batch() {
        use crate::notary::fixture::signatures::{crafted, s_plus_l};
        use curve25519_dalek::constants::EIGHT_TORSION;
        use ed25519_dalek::{Signer as _, SigningKey};
        let signers: Vec<SigningKey> = (1..=40u8)
            .map(|i| SigningKey::from_bytes(&[i; 32]))
            .collect();
        let keys: Vec<Key> = signers
            .iter()
            .map(|k| Key::new(k.verifying_key().to_bytes()))
            .collect();
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        // (signatures, keys they are by, every how many a bad one; 0: none)
        let lists: [(usize, usize, usize); 10] = [
            (1, 1, 0),
            (1, 1, 1),
            (2, 2, 0),
            (2, 2, 2),
            (7, 3, 3),
            (64, 40, 0),
            (64, 1, 9),
            (250, 3, 0),
            (250, 40, 37),
            (300, 1, 150),
        ];
        for (n, by, bad_every) in lists {
            let msgs: Vec<Vec<u8>> = (0..n).map(|i| format!("order {i}").into_bytes()).collect();
            let mut signed = Vec::new();
            for (i, m) in msgs.iter().enumerate() {
                let k = next() as usize % by;
                let bad = bad_every > 0 && i % bad_every == bad_every - 1;
                let sig = match (bad, next() % 4) {
                    (false, 0) => {
                        let t = EIGHT_TORSION[next() as usize % 8];
                        crafted(&signers[k], m, next() | 1, t, None)
                    }
                    (false, _) => signers[k].sign(m),
                    (true, 0) => signers[k].sign(b"another message"),
                    (true, 1) => s_plus_l(signers[k].sign(m)),
                    (true, 2) => signers[(k + 1) % signers.len()].sign(m),
                    (true, _) => {
                        let mut raw = signers[k].sign(m).to_bytes();
                        raw[40] ^= 1;
                        Signature::from_bytes(&raw)
                    }
                };
                signed.push((k, sig));
            }
            let checks: Vec<Check> = signed
                .iter()
                .zip(&msgs)
                .map(|((k, sig), msg)| Check {
                    key: &keys[*k],
                    sig: *sig,
                    msg,
                })
                .collect();
            let own: Vec<bool> = checks
                .iter()
                .map(|c| {
                    precheck(c.key, &c.sig)
                        && VerificationKey::try_from(c.key.bytes)
                            .is_ok_and(|vk| vk.verify(&c.sig, c.msg).is_ok())
                })
                .collect();
            let bad = own.iter().filter(|ok| !**ok).count();
            let want_bad = n.checked_div(bad_every).unwrap_or(0);
            assert_eq!(bad, want_bad, "{n} by {by}: the list is as meant");
            assert_eq!(verify_all(&checks), own, "{n} signatures by {by} keys");
            // And the batch itself decides: it holds exactly when no signature is bad.
            let all: Vec<&Check> = checks.iter().collect();
            assert_eq!(batch_holds(&all), bad == 0, "the batch of {n} by {by}");
        }
    }

    #[test]
    fn small_order_and_non_canonical_keys_are_not_usable() {
        let b = curve25519_dalek::constants::ED25519_BASEPOINT_COMPRESSED.to_bytes();
        assert!(Key::new(b).usable());
        let mut identity = [0u8; 32];
        identity[0] = 1;
        assert!(!Key::new(identity).usable());
        let t = curve25519_dalek::constants::EIGHT_TORSION[1]
            .compress()
            .to_bytes();
        assert!(!Key::new(t).usable());
        let mut y = [0xffu8; 32];
        y[0] = 0xee;
        y[31] = 0x7f;
        assert!(!Key::new(y).usable(), "the identity as y = p + 1");
    }
}
