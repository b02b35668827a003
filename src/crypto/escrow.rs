//! The fair-exchange escrow (docs/design.md §6.4, docs/formats.md "Fair exchange: item
//! encryption and escrow"): the sender of an item seals the item key k to the notary's X25519
//! escrow key with HPKE (RFC 9180) base mode, bound (as HPKE `aad`) to the exchange, the
//! ciphertext and the recipient. Only the notary can open it, and only with that binding.
//!
//! Suite: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, ChaCha20Poly1305; HPKE `info` is
//! [`ESCROW_INFO`]. The escrow bytes are the 32-byte encapsulated key followed by the sealed
//! plaintext (plaintext length + 16 bytes of tag).

use base64::Engine;
use der::asn1::OctetStringRef;
use der::pem::LineEnding;
use der::{Decode, Encode};
use ed25519_dalek::pkcs8::PrivateKeyInfo;
use hpke::aead::ChaCha20Poly1305;
use hpke::kdf::HkdfSha256;
use hpke::kem::X25519HkdfSha256;
use hpke::{Deserializable, OpModeR, OpModeS, Serializable};
use x25519_dalek::StaticSecret;

use super::zeroize::Zeroizing;

/// HPKE `info` of every escrow: names the protocol and its version.
pub const ESCROW_INFO: &[u8] = b"notar/v1/exchange_escrow";

/// The HPKE suite, as `GET /v1/notary` states it (`escrow_suite`).
pub const ESCROW_SUITE: &str =
    "HPKE base mode: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, ChaCha20Poly1305";

/// Length of the HPKE encapsulated key at the start of an escrow (Nenc of DHKEM(X25519)).
pub const ENC_LEN: usize = 32;

/// Length of the ChaCha20Poly1305 tag at the end of an escrow.
pub const TAG_LEN: usize = 16;

/// `id-X25519` (RFC 8410).
const ID_X25519: const_oid::ObjectIdentifier =
    const_oid::ObjectIdentifier::new_unwrap("1.3.101.110");

type Kem = X25519HkdfSha256;

/// Why an escrow key could not be read or an escrow could not be made or opened.
#[derive(Debug, thiserror::Error)]
pub enum EscrowError {
    /// The PEM text is not a PKCS#8 X25519 private key.
    #[error("not a PKCS#8 X25519 private key: {0}")]
    BadSecretKey(String),
    /// A public key is not 32 bytes of standard base64.
    #[error("not an X25519 public key (32 bytes, standard base64): {0}")]
    BadPublicKey(String),
    /// The escrow is shorter than an encapsulated key and a tag.
    #[error("an escrow is at least {min} bytes (encapsulated key and tag); this one has {len}")]
    TooShort {
        /// Its length.
        len: usize,
        /// The least possible length.
        min: usize,
    },
    /// The escrow does not open with this key and binding: another recipient key, another
    /// binding (`aad`), or altered bytes.
    #[error("the escrow does not open with this key and binding")]
    DoesNotOpen,
    /// HPKE refused to seal (the recipient key is a low-order point).
    #[error("could not seal to this key: {0}")]
    Seal(String),
}

/// The notary's X25519 escrow key. Its `Debug` shows only the public key.
#[derive(Clone)]
pub struct EscrowSecretKey(StaticSecret);

impl std::fmt::Debug for EscrowSecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EscrowSecretKey")
            .field("public_key", &self.public_key().to_base64())
            .finish_non_exhaustive()
    }
}

impl EscrowSecretKey {
    /// A fresh key from the operating system's random source.
    pub fn generate() -> Self {
        let mut bytes = Zeroizing::new([0u8; 32]);
        super::fill_random(&mut bytes[..]);
        EscrowSecretKey(StaticSecret::from(*bytes))
    }

    /// Reads a PKCS#8 `PRIVATE KEY` (RFC 8410), as `openssl genpkey -algorithm X25519` writes.
    pub fn from_pem(pem: &str) -> Result<Self, EscrowError> {
        let bad = |e: &dyn std::fmt::Display| EscrowError::BadSecretKey(e.to_string());
        let (label, der) = der::pem::decode_vec(pem.as_bytes()).map_err(|e| bad(&e))?;
        let der = Zeroizing::new(der);
        if label != "PRIVATE KEY" {
            return Err(bad(&format!("PEM label {label:?}, want \"PRIVATE KEY\"")));
        }
        let info = PrivateKeyInfo::try_from(der.as_slice()).map_err(|e| bad(&e))?;
        if info.algorithm.oid != ID_X25519 || info.algorithm.parameters.is_some() {
            return Err(bad(&format!(
                "algorithm {}, want id-X25519 (1.3.101.110)",
                info.algorithm.oid
            )));
        }
        let inner = OctetStringRef::from_der(info.private_key).map_err(|e| bad(&e))?;
        let bytes: [u8; 32] = inner
            .as_bytes()
            .try_into()
            .map_err(|_| bad(&"the private key is not 32 bytes"))?;
        let bytes = Zeroizing::new(bytes);
        Ok(EscrowSecretKey(StaticSecret::from(*bytes)))
    }

    /// PKCS#8 v1 PEM (no public key), the form `openssl genpkey` writes and `openssl pkey`
    /// reads; write it with mode 0600.
    pub fn to_pem(&self) -> Zeroizing<String> {
        let raw = Zeroizing::new(self.0.to_bytes());
        let inner = OctetStringRef::new(&raw[..])
            .and_then(|o| o.to_der())
            .map(Zeroizing::new)
            .expect("a 32-byte OCTET STRING always encodes");
        let info = PrivateKeyInfo::new(
            spki::AlgorithmIdentifierRef {
                oid: ID_X25519,
                parameters: None,
            },
            &inner,
        );
        let der = info
            .to_der()
            .map(Zeroizing::new)
            .expect("a PKCS#8 structure of fixed small size always encodes");
        der::pem::encode_string("PRIVATE KEY", LineEnding::LF, &der)
            .map(Zeroizing::new)
            .expect("48 bytes of DER always encode as PEM")
    }

    /// The public key senders seal to.
    pub fn public_key(&self) -> EscrowPublicKey {
        EscrowPublicKey(x25519_dalek::PublicKey::from(&self.0).to_bytes())
    }

    /// Opens an escrow sealed to this key with `aad`: the plaintext (the item key k).
    pub fn open(&self, aad: &[u8], escrow: &[u8]) -> Result<Zeroizing<Vec<u8>>, EscrowError> {
        self.open_with_info(ESCROW_INFO, aad, escrow)
    }

    /// [`Self::open`] with another HPKE `info` (the RFC 9180 test vectors use their own).
    pub(crate) fn open_with_info(
        &self,
        info: &[u8],
        aad: &[u8],
        escrow: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, EscrowError> {
        let min = ENC_LEN + TAG_LEN;
        if escrow.len() < min {
            return Err(EscrowError::TooShort {
                len: escrow.len(),
                min,
            });
        }
        let (enc, sealed) = escrow.split_at(ENC_LEN);
        let enc = <Kem as hpke::Kem>::EncappedKey::from_bytes(enc)
            .map_err(|_| EscrowError::DoesNotOpen)?;
        let raw = Zeroizing::new(self.0.to_bytes());
        let sk = <Kem as hpke::Kem>::PrivateKey::from_bytes(&raw[..])
            .map_err(|_| EscrowError::DoesNotOpen)?;
        hpke::single_shot_open::<ChaCha20Poly1305, HkdfSha256, Kem>(
            &OpModeR::Base,
            &sk,
            &enc,
            info,
            sealed,
            aad,
        )
        .map(Zeroizing::new)
        .map_err(|_| EscrowError::DoesNotOpen)
    }
}

/// An X25519 escrow public key: the raw 32 bytes (RFC 7748).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EscrowPublicKey([u8; 32]);

impl EscrowPublicKey {
    /// The key with these raw bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        EscrowPublicKey(bytes)
    }

    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Standard padded base64 of the raw bytes, as `GET /v1/notary` publishes it.
    pub fn to_base64(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(self.0)
    }

    /// Reads [`Self::to_base64`]'s form.
    pub fn from_base64(text: &str) -> Result<Self, EscrowError> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .map_err(|e| EscrowError::BadPublicKey(e.to_string()))?;
        let len = bytes.len();
        let raw: [u8; 32] = bytes
            .try_into()
            .map_err(|_| EscrowError::BadPublicKey(format!("{len} bytes, want 32")))?;
        Ok(EscrowPublicKey(raw))
    }
}

/// Seals `plaintext` to `recipient`, bound to `aad`. The escrow bytes: the HPKE encapsulated key
/// (32 bytes) followed by the sealed plaintext.
pub fn seal(
    recipient: &EscrowPublicKey,
    aad: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>, EscrowError> {
    let pk = <Kem as hpke::Kem>::PublicKey::from_bytes(recipient.as_bytes())
        .map_err(|e| EscrowError::BadPublicKey(e.to_string()))?;
    let mut rng = rand_core_09::TryRngCore::unwrap_err(rand_core_09::OsRng);
    let (enc, sealed) = hpke::single_shot_seal::<ChaCha20Poly1305, HkdfSha256, Kem, _>(
        &OpModeS::Base,
        &pk,
        ESCROW_INFO,
        plaintext,
        aad,
        &mut rng,
    )
    .map_err(|e| EscrowError::Seal(e.to_string()))?;
    let mut escrow = Vec::with_capacity(ENC_LEN + sealed.len());
    escrow.extend_from_slice(&enc.to_bytes());
    escrow.extend_from_slice(&sealed);
    Ok(escrow)
}

#[cfg(test)]
#[path = "escrow_tests.rs"]
mod tests;
