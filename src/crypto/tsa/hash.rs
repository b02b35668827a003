//! The hash algorithms of message imprints (and of CMS digests when verifying).

use const_oid::db::rfc5912::{ID_SHA_256, ID_SHA_384, ID_SHA_512};
use der::oid::ObjectIdentifier;
use der::Tag;
use der::Tagged;
use spki::AlgorithmIdentifierOwned;

/// A hash algorithm accepted for message imprints (and for CMS digests when verifying). In JSON
/// it is its [`HashAlg::name`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HashAlg {
    /// SHA-256 (`2.16.840.1.101.3.4.2.1`).
    Sha256,
    /// SHA-384 (`2.16.840.1.101.3.4.2.2`).
    Sha384,
    /// SHA-512 (`2.16.840.1.101.3.4.2.3`).
    Sha512,
}

impl HashAlg {
    /// Every supported algorithm.
    pub const ALL: [HashAlg; 3] = [HashAlg::Sha256, HashAlg::Sha384, HashAlg::Sha512];

    /// The algorithm's object identifier.
    pub fn oid(self) -> ObjectIdentifier {
        match self {
            HashAlg::Sha256 => ID_SHA_256,
            HashAlg::Sha384 => ID_SHA_384,
            HashAlg::Sha512 => ID_SHA_512,
        }
    }

    /// The algorithm with this object identifier, if supported.
    pub fn from_oid(oid: &ObjectIdentifier) -> Option<Self> {
        Self::ALL.into_iter().find(|alg| alg.oid() == *oid)
    }

    /// Length of a digest, in bytes.
    pub fn digest_len(self) -> usize {
        match self {
            HashAlg::Sha256 => 32,
            HashAlg::Sha384 => 48,
            HashAlg::Sha512 => 64,
        }
    }

    /// The lowercase name OpenSSL uses (`sha256`, ...).
    pub fn name(self) -> &'static str {
        match self {
            HashAlg::Sha256 => "sha256",
            HashAlg::Sha384 => "sha384",
            HashAlg::Sha512 => "sha512",
        }
    }

    /// Hashes `data` (with `ring`'s assembly implementations).
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        ring::digest::digest(self.ring(), data).as_ref().to_vec()
    }

    fn ring(self) -> &'static ring::digest::Algorithm {
        match self {
            HashAlg::Sha256 => &ring::digest::SHA256,
            HashAlg::Sha384 => &ring::digest::SHA384,
            HashAlg::Sha512 => &ring::digest::SHA512,
        }
    }

    /// The algorithm named by an `AlgorithmIdentifier` whose parameters are absent or NULL
    /// (RFC 5754 allows both); `None` for anything else.
    pub(super) fn from_alg_id(alg: &AlgorithmIdentifierOwned) -> Option<Self> {
        if !params_absent_or_null(alg) {
            return None;
        }
        Self::from_oid(&alg.oid)
    }

    /// The `AlgorithmIdentifier` we write: parameters absent, as RFC 5754 §2 asks.
    pub(super) fn alg_id(self) -> AlgorithmIdentifierOwned {
        AlgorithmIdentifierOwned {
            oid: self.oid(),
            parameters: None,
        }
    }
}

impl std::fmt::Display for HashAlg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Whether a hash `AlgorithmIdentifier` has no parameters or an explicit NULL, the two forms
/// RFC 5754 allows.
pub(super) fn params_absent_or_null(alg: &AlgorithmIdentifierOwned) -> bool {
    match &alg.parameters {
        None => true,
        Some(p) => p.tag() == Tag::Null && p.value().is_empty(),
    }
}
