//! The item AEAD of item for receipt (docs/formats.md "Fair exchange: item encryption and
//! escrow"): the sender encrypts the item under a fresh key k with ChaCha20-Poly1305 and escrows
//! k to the notary. Ciphertext bytes: a 12-byte random nonce followed by the AEAD output (item
//! length + 16 bytes of tag), with `aad` = [`ITEM_AAD`].

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};

use super::zeroize::Zeroizing;

/// Length of an item key k in bytes.
pub const ITEM_KEY_LEN: usize = 32;

/// Length of the nonce at the start of an item ciphertext.
pub const ITEM_NONCE_LEN: usize = 12;

/// Length of the tag at the end of an item ciphertext.
pub const ITEM_TAG_LEN: usize = 16;

/// The AEAD associated data of every item ciphertext.
pub const ITEM_AAD: &[u8] = b"notar/v1/exchange_item";

/// Why an item ciphertext does not decrypt.
#[derive(Debug, thiserror::Error)]
pub enum ItemError {
    /// The key is not [`ITEM_KEY_LEN`] bytes.
    #[error("an item key is {ITEM_KEY_LEN} bytes; this one has {0}")]
    BadKeyLength(usize),
    /// The ciphertext is shorter than a nonce and a tag.
    #[error("an item ciphertext is at least {min} bytes (nonce and tag); this one has {len}")]
    TooShort {
        /// Its length.
        len: usize,
        /// The least possible length.
        min: usize,
    },
    /// Another key, or altered bytes.
    #[error("the ciphertext does not decrypt with this key (another key, or altered bytes)")]
    DoesNotDecrypt,
}

/// A fresh item key k from the operating system's random source.
pub fn new_item_key() -> Zeroizing<[u8; ITEM_KEY_LEN]> {
    let mut key = Zeroizing::new([0u8; ITEM_KEY_LEN]);
    super::fill_random(&mut key[..]);
    key
}

/// Encrypts `item` under `key`: a random nonce, then the AEAD output.
pub fn encrypt_item(key: &[u8; ITEM_KEY_LEN], item: &[u8]) -> Vec<u8> {
    let mut nonce = [0u8; ITEM_NONCE_LEN];
    super::fill_random(&mut nonce);
    let cipher = ChaCha20Poly1305::new(&Key::from(*key));
    let sealed = cipher
        .encrypt(
            &Nonce::from(nonce),
            Payload {
                msg: item,
                aad: ITEM_AAD,
            },
        )
        .expect("ChaCha20-Poly1305 encrypts any message that fits in memory (limit 256 GiB)");
    let mut out = Vec::with_capacity(ITEM_NONCE_LEN + sealed.len());
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&sealed);
    out
}

/// Decrypts what [`encrypt_item`] made with `key`.
pub fn decrypt_item(key: &[u8], ciphertext: &[u8]) -> Result<Vec<u8>, ItemError> {
    let min = ITEM_NONCE_LEN + ITEM_TAG_LEN;
    if ciphertext.len() < min {
        return Err(ItemError::TooShort {
            len: ciphertext.len(),
            min,
        });
    }
    let (nonce, sealed) = ciphertext.split_at(ITEM_NONCE_LEN);
    let nonce: [u8; ITEM_NONCE_LEN] = nonce.try_into().map_err(|_| ItemError::DoesNotDecrypt)?;
    let key: Zeroizing<[u8; ITEM_KEY_LEN]> = Zeroizing::new(
        key.try_into()
            .map_err(|_| ItemError::BadKeyLength(key.len()))?,
    );
    let cipher = ChaCha20Poly1305::new(&Key::from(*key));
    cipher
        .decrypt(
            &Nonce::from(nonce),
            Payload {
                msg: sealed,
                aad: ITEM_AAD,
            },
        )
        .map_err(|_| ItemError::DoesNotDecrypt)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_gives_the_item_back() {
        let key = new_item_key();
        for item in [&b""[..], b"x", &[7u8; 10_000][..]] {
            let ct = encrypt_item(&key, item);
            assert_eq!(ct.len(), ITEM_NONCE_LEN + item.len() + ITEM_TAG_LEN);
            assert_eq!(decrypt_item(&key[..], &ct).expect("decrypts"), item);
        }
    }

    #[test]
    fn two_encryptions_differ_and_keys_are_fresh() {
        let key = new_item_key();
        assert_ne!(encrypt_item(&key, b"same"), encrypt_item(&key, b"same"));
        assert_ne!(*new_item_key(), *new_item_key());
    }

    #[test]
    fn wrong_key_tampering_and_short_inputs_are_errors() {
        let key = new_item_key();
        let ct = encrypt_item(&key, b"the goods");
        let other = new_item_key();
        assert!(matches!(
            decrypt_item(&other[..], &ct),
            Err(ItemError::DoesNotDecrypt)
        ));
        for i in [0, ITEM_NONCE_LEN, ct.len() - 1] {
            let mut bad = ct.clone();
            bad[i] ^= 1;
            assert!(matches!(
                decrypt_item(&key[..], &bad),
                Err(ItemError::DoesNotDecrypt)
            ));
        }
        assert!(matches!(
            decrypt_item(&key[..], &ct[..ITEM_NONCE_LEN + ITEM_TAG_LEN - 1]),
            Err(ItemError::TooShort { .. })
        ));
        assert!(matches!(
            decrypt_item(&key[..31], &ct),
            Err(ItemError::BadKeyLength(31))
        ));
    }

    #[test]
    fn the_aad_is_part_of_the_format() {
        // A ciphertext made with another aad does not decrypt: the aad is fixed by the format.
        let key = new_item_key();
        let cipher = ChaCha20Poly1305::new(&Key::from(*key));
        let nonce = [0u8; ITEM_NONCE_LEN];
        let sealed = cipher
            .encrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: b"x",
                    aad: b"",
                },
            )
            .expect("encrypts");
        let ct = [&nonce[..], &sealed[..]].concat();
        assert!(decrypt_item(&key[..], &ct).is_err());
        let sealed = cipher
            .encrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: b"x",
                    aad: ITEM_AAD,
                },
            )
            .expect("encrypts");
        let ct = [&nonce[..], &sealed[..]].concat();
        assert_eq!(decrypt_item(&key[..], &ct).expect("decrypts"), b"x");
    }
}
