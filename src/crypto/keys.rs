//! The notary's Ed25519 signing key: PKCS#8 PEM on disk (the format `openssl genpkey -algorithm
//! ed25519` writes and `openssl pkey` reads), and key ids as docs/design.md §4 defines them.

use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use ed25519_dalek::{SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

/// Why a key could not be made, read or written.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The PEM text is not a PKCS#8 Ed25519 private key.
    #[error("not a PKCS#8 Ed25519 private key: {0}")]
    BadPem(String),
}

/// A fresh Ed25519 key from the operating system's random source.
pub fn generate_ed25519() -> SigningKey {
    SigningKey::generate(&mut rand::rngs::OsRng)
}

/// PKCS#8 PEM of `key`, ready to write with mode 0600. Written as PKCS#8 v1 (seed only, no
/// public key), the form `openssl genpkey` writes: OpenSSL 3.0 cannot read the v2 form.
pub fn ed25519_to_pem(key: &SigningKey) -> Result<String, KeyError> {
    let bytes = ed25519_dalek::pkcs8::KeypairBytes {
        secret_key: key.to_bytes(),
        public_key: None,
    };
    bytes
        .to_pkcs8_pem(Default::default())
        .map(|pem| pem.to_string())
        .map_err(|e| KeyError::BadPem(e.to_string()))
}

/// Reads a PKCS#8 PEM Ed25519 private key (ours or one made by openssl).
pub fn ed25519_from_pem(pem: &str) -> Result<SigningKey, KeyError> {
    SigningKey::from_pkcs8_pem(pem).map_err(|e| KeyError::BadPem(e.to_string()))
}

/// `key_id`: lowercase hex SHA-256 of the raw 32-byte public key.
pub fn key_id(key: &VerifyingKey) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_round_trip_keeps_the_key() {
        let key = generate_ed25519();
        let pem = ed25519_to_pem(&key).expect("encode");
        assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"));
        // v1 form: 48 bytes of DER, 64 base64 characters on one line.
        assert_eq!(pem.lines().nth(1).map(str::len), Some(64));
        let back = ed25519_from_pem(&pem).expect("decode");
        assert_eq!(back.to_bytes(), key.to_bytes());
    }

    #[test]
    fn key_id_is_sha256_of_public_key() {
        // RFC 8032 test 1 public key.
        let pk: [u8; 32] =
            hex::decode("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
                .expect("hex")
                .try_into()
                .expect("32 bytes");
        let vk = VerifyingKey::from_bytes(&pk).expect("valid point");
        assert_eq!(key_id(&vk), hex::encode(Sha256::digest(pk)));
        assert_eq!(key_id(&vk).len(), 64);
    }

    #[test]
    fn reads_a_key_made_by_openssl() {
        // `openssl genpkey -algorithm ed25519` (RFC 8410 §10.3 example key).
        let pem = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC\n-----END PRIVATE KEY-----\n";
        let key = ed25519_from_pem(pem).expect("decode");
        assert_eq!(ed25519_to_pem(&key).expect("encode"), pem);
    }

    #[test]
    fn garbage_pem_is_an_error() {
        assert!(
            ed25519_from_pem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
                .is_err()
        );
        assert!(ed25519_from_pem("").is_err());
    }
}
