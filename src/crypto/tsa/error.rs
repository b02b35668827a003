//! [`TsaError`]: what can go wrong loading the TSA key, issuing a token or verifying one.

use chrono::{DateTime, Utc};

use super::FailureInfo;

/// Errors of the TSA: loading its key, issuing tokens, and verifying responses.
#[derive(Debug, thiserror::Error)]
pub enum TsaError {
    /// The TSA private key PEM could not be read (the key itself is never printed).
    #[error("invalid TSA private key: {0}")]
    InvalidKey(String),
    /// The TSA certificate could not be read or is unfit for timestamping.
    #[error("invalid TSA certificate: {0}")]
    InvalidCertificate(String),
    /// The private key is not the one the TSA certificate certifies.
    #[error("the TSA private key does not match the TSA certificate")]
    KeyCertMismatch,
    /// A hand-built query breaks an invariant `parse_query` guarantees.
    #[error("invalid query: {0}")]
    InvalidQuery(String),
    /// A value could not be DER-encoded (e.g. a time outside years 0..=9999).
    #[error("encoding failed: {0}")]
    Encoding(String),
    /// The signing primitive failed.
    #[error("signing failed")]
    Signing,
    /// The response is not well-formed DER of the expected structure.
    #[error("malformed response: {0}")]
    Malformed(String),
    /// The TSA answered, but did not grant the request.
    #[error("the TSA refused the request (status {status}): {text}")]
    NotGranted {
        /// The `PKIStatus` value (2 = rejection, ...).
        status: u8,
        /// The `statusString`, joined.
        text: String,
        /// The `failInfo` bits that were set.
        failures: Vec<FailureInfo>,
    },
    /// The token is a CMS structure but not an RFC 3161 timestamp token.
    #[error("not a timestamp token: {0}")]
    NotATimestampToken(String),
    /// An algorithm this verifier does not implement.
    #[error("unsupported algorithm: {0}")]
    UnsupportedAlgorithm(String),
    /// The token names a signer whose certificate is neither in the token nor given.
    #[error("the signer's certificate is neither in the token nor given")]
    SignerCertificateMissing,
    /// The TSA certificate does not chain to the trusted root.
    #[error("certificate not issued by the root: {0}")]
    NotIssuedByRoot(String),
    /// A certificate in the chain was not valid at the token's genTime.
    #[error("the {which} certificate was not valid at the time of stamping ({at})")]
    CertificateNotValidAt {
        /// `"TSA"` or `"root"`.
        which: &'static str,
        /// The token's genTime.
        at: DateTime<Utc>,
    },
    /// The signer's certificate may not sign timestamps (EKU, key usage, critical extensions).
    #[error("not a timestamping certificate: {0}")]
    NotTimestampingCertificate(String),
    /// The CMS signature does not verify with the TSA certificate's key.
    #[error("signature invalid")]
    SignatureInvalid,
    /// A signed attribute (content-type, message-digest) disagrees with the signed content.
    #[error("signed attributes do not match the token content: {0}")]
    SignedAttributesMismatch(String),
    /// The token lacks the ESS signing-certificate(-v2) attribute binding it to its certificate.
    #[error("the signing-certificate attribute is missing")]
    EssCertIdMissing,
    /// The ESS signing-certificate attribute names another certificate.
    #[error("the signing-certificate attribute does not match the signer's certificate")]
    EssCertIdMismatch,
    /// The token is genuine but stamps other data.
    #[error("imprint does not match the data")]
    ImprintMismatch,
}

/// A value that could not be DER-encoded, as a [`TsaError::Encoding`].
pub(super) fn encoding(e: der::Error) -> TsaError {
    TsaError::Encoding(e.to_string())
}

/// A `map_err` for decoding `what`, as a [`TsaError::Malformed`].
pub(super) fn malformed(what: &'static str) -> impl Fn(der::Error) -> TsaError {
    move |e| TsaError::Malformed(format!("{what}: {e}"))
}
