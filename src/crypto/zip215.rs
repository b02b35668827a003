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

use curve25519_dalek::edwards::CompressedEdwardsY;
use ed25519_dalek::Signature;
use ed25519_zebra::batch;
use ed25519_zebra::VerificationKeyBytes;

/// A public key as replay uses it: its bytes and whether signatures by it can be admissible.
#[derive(Clone, Debug)]
pub(crate) struct Key {
    bytes: [u8; 32],
    usable: bool,
}

impl Key {
    /// The key of `bytes`; usable when they canonically encode a point not of small order.
    pub(crate) fn new(bytes: [u8; 32]) -> Key {
        let c = CompressedEdwardsY(bytes);
        let usable = c
            .decompress()
            .is_some_and(|p| p.compress() == c && !p.is_small_order());
        Key { bytes, usable }
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
    key.usable && r_canonical(sig.r_bytes()) && below_order(sig.s_bytes())
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
/// each check alone. A check failing [`precheck`] is refused and kept out of the batch.
pub(crate) fn verify_all(checks: &[Check]) -> Vec<bool> {
    let ok: Vec<bool> = checks.iter().map(|c| precheck(c.key, &c.sig)).collect();
    let items: Vec<(usize, batch::Item)> = checks
        .iter()
        .zip(&ok)
        .enumerate()
        .filter(|(_, (_, ok))| **ok)
        .map(|(i, (c, _))| {
            let vk = VerificationKeyBytes::from(c.key.bytes);
            (i, batch::Item::from((vk, c.sig, c.msg)))
        })
        .collect();
    let mut verdicts = ok;
    if items.is_empty() {
        return verdicts;
    }
    let mut b = batch::Verifier::new();
    for (_, item) in &items {
        b.queue(item.clone());
    }
    if b.verify(rand::thread_rng()).is_err() {
        for (i, item) in items {
            verdicts[i] = item.verify_single().is_ok();
        }
    }
    verdicts
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

    #[test]
    fn small_order_and_non_canonical_keys_are_not_usable() {
        let b = curve25519_dalek::constants::ED25519_BASEPOINT_COMPRESSED.to_bytes();
        assert!(Key::new(b).usable);
        let mut identity = [0u8; 32];
        identity[0] = 1;
        assert!(!Key::new(identity).usable);
        let t = curve25519_dalek::constants::EIGHT_TORSION[1]
            .compress()
            .to_bytes();
        assert!(!Key::new(t).usable);
        let mut y = [0xffu8; 32];
        y[0] = 0xee;
        y[31] = 0x7f;
        assert!(!Key::new(y).usable, "the identity as y = p + 1");
    }
}
