use curve25519_dalek::constants::{ED25519_BASEPOINT_POINT, EIGHT_TORSION};
use curve25519_dalek::scalar::{clamp_integer, Scalar};
use ed25519_dalek::{Signer as _, SigningKey};
use sha2::{Digest, Sha512};

use super::*;

fn key() -> SigningKey {
    SigningKey::from_bytes(&[5; 32])
}

fn msgs(n: usize) -> Vec<Vec<u8>> {
    (0..n)
        .map(|i| format!("message {i}").into_bytes())
        .collect()
}

fn jobs<'a>(msgs: &'a [Vec<u8>], sigs: &[Signature]) -> Vec<Job<'a>> {
    let key = key().verifying_key();
    msgs.iter()
        .zip(sigs)
        .map(|(m, s)| Job {
            key,
            msg: m,
            sig: *s,
        })
        .collect()
}

/// A signature by `key()` over `msg` whose R is `[r]B + extra` (encoded as `r_bytes` when
/// given): valid for the cofactored equation only when `extra` is torsion.
fn crafted(
    msg: &[u8],
    r: u64,
    extra: curve25519_dalek::EdwardsPoint,
    r_bytes: Option<[u8; 32]>,
) -> Signature {
    let seed = Sha512::digest([5u8; 32]);
    let mut lower = [0u8; 32];
    lower.copy_from_slice(&seed[..32]);
    let a = Scalar::from_bytes_mod_order(clamp_integer(lower));
    let r = Scalar::from(r);
    let big_r = r * ED25519_BASEPOINT_POINT + extra;
    let r_bytes = r_bytes.unwrap_or(big_r.compress().to_bytes());
    let mut h = Sha512::new();
    h.update(r_bytes);
    h.update(key().verifying_key().as_bytes());
    h.update(msg);
    let k = Scalar::from_bytes_mod_order_wide(&h.finalize().into());
    let s = r + k * a;
    let mut raw = [0u8; 64];
    raw[..32].copy_from_slice(&r_bytes);
    raw[32..].copy_from_slice(s.as_bytes());
    Signature::from_bytes(&raw)
}

#[test]
fn every_good_signature_passes_and_one_broken_is_named() {
    let m = msgs(100);
    let mut sigs: Vec<Signature> = m.iter().map(|m| key().sign(m)).collect();
    assert!(verdicts(&jobs(&m, &sigs)).iter().all(|v| *v));
    let mut raw = sigs[57].to_bytes();
    raw[40] ^= 1;
    sigs[57] = Signature::from_bytes(&raw);
    let v = verdicts(&jobs(&m, &sigs));
    let failed: Vec<usize> = (0..v.len()).filter(|&i| !v[i]).collect();
    assert_eq!(failed, vec![57]);
}

#[test]
fn torsion_in_r_is_refused_even_where_the_batch_alone_accepts() {
    let m = msgs(40);
    let good: Vec<Signature> = m.iter().map(|m| key().sign(m)).collect();
    let vk = key().verifying_key();
    // Order-2 torsion in R: the batch equation alone accepts when its weight is even, which a
    // signer finds by trying nonces; a single verify never accepts.
    let mut fooled = 0;
    for r in 1..40u64 {
        let mut sigs = good.clone();
        sigs[7] = crafted(&m[7], r, EIGHT_TORSION[4], None);
        assert!(vk.verify(&m[7], &sigs[7]).is_err());
        let refs: Vec<&[u8]> = m.iter().map(Vec::as_slice).collect();
        if ed25519_dalek::verify_batch(&refs, &sigs, &vec![vk; m.len()]).is_ok() {
            fooled += 1;
        }
        let v = verdicts(&jobs(&m, &sigs));
        assert_eq!((0..v.len()).filter(|&i| !v[i]).collect::<Vec<_>>(), vec![7]);
    }
    assert!(fooled > 0, "some nonce makes the bare batch accept");
}

#[test]
fn a_non_canonical_r_is_refused() {
    let m = msgs(20);
    let mut sigs: Vec<Signature> = m.iter().map(|m| key().sign(m)).collect();
    // R the identity, encoded as y = p + 1 (non-canonical): s = k·a makes the equation hold.
    let mut y = [0xffu8; 32];
    y[0] = 0xee;
    y[31] = 0x7f;
    let identity = curve25519_dalek::EdwardsPoint::default();
    sigs[3] = crafted(&m[3], 0, identity, Some(y));
    let vk = key().verifying_key();
    assert!(vk.verify(&m[3], &sigs[3]).is_err());
    let refs: Vec<&[u8]> = m.iter().map(Vec::as_slice).collect();
    assert!(ed25519_dalek::verify_batch(&refs, &sigs, &vec![vk; m.len()]).is_ok());
    let v = verdicts(&jobs(&m, &sigs));
    assert_eq!((0..v.len()).filter(|&i| !v[i]).collect::<Vec<_>>(), vec![3]);
}

#[test]
fn par_map_keeps_the_order() {
    let xs: Vec<u32> = (0..1000).collect();
    assert_eq!(
        par_map(&xs, |x| x * 2),
        xs.iter().map(|x| x * 2).collect::<Vec<_>>()
    );
}
