//! Keys, signatures and the PKI pieces the notary needs: Ed25519 notary keys, the P-256 TSA
//! certificate chain, RFC 3161 token encoding, and the fair-exchange escrow and item encryption.

pub mod envelope;
pub mod escrow;
pub mod item;
pub mod keys;
pub mod pki;
pub mod tsa;
pub mod x509;
pub(crate) mod zip215;

/// `zeroize` (the version already in the tree, through `der`): secrets handed out by this module
/// are wrapped in [`zeroize::Zeroizing`] so they are wiped when dropped.
pub use der::zeroize;

/// Fills `buf` from the operating system's random source.
pub(crate) fn fill_random(buf: &mut [u8]) {
    rand_core_09::TryRngCore::try_fill_bytes(&mut rand_core_09::OsRng, buf).expect(
        "the operating system's random source failed (nothing secret can be made without it)",
    );
}
