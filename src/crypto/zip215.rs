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
use curve25519_dalek::scalar::Scalar;
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
    key.usable
        && r_canonical(sig.r_bytes())
        && bool::from(Scalar::from_canonical_bytes(*sig.s_bytes()).is_some())
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
