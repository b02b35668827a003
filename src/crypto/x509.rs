//! Buyer keys from X.509 certificates, and revocation from CRLs (docs/design.md §6.2).
//!
//! A buyer may register an X.509 certificate instead of a raw Ed25519 key. The notary accepts it
//! only if it carries an Ed25519 subject key (orders are signed with Ed25519), was issued
//! **directly** by one of the configured CA roots, and is within its validity period. CRLs from
//! those roots are imported with each entry's revocation date and reason.
//!
//! Everything here is a pure function over bytes: no file I/O and no clock — the caller passes
//! `now`. Inputs are size-bounded before parsing ([`CERT_MAX_BYTES`], [`CRL_MAX_BYTES`]), and
//! parsing never panics. Signatures are checked by `x509-parser`'s `verify` feature (`ring`):
//! Ed25519, ECDSA P-256/P-384 and RSA (PKCS#1 v1.5, PSS) signing CAs are supported.

use chrono::{DateTime, SecondsFormat, Utc};
use der::Decode;
use sha2::{Digest, Sha256};
use x509_parser::certificate::X509Certificate;
use x509_parser::error::X509Error as ParserError;
use x509_parser::oid_registry::{
    Oid, OID_EC_P256, OID_KEY_TYPE_DSA, OID_KEY_TYPE_EC_PUBLIC_KEY, OID_NIST_EC_P384,
    OID_NIST_EC_P521, OID_PKCS1_RSAENCRYPTION, OID_PKCS1_RSASSAPSS, OID_SIG_ED25519, OID_SIG_ED448,
};
use x509_parser::pem::Pem;
use x509_parser::prelude::{FromDer, X509Name};
use x509_parser::revocation_list::CertificateRevocationList;
use x509_parser::time::ASN1Time;
use x509_parser::x509::SubjectPublicKeyInfo;

use crate::model::error_code::ErrorCode;

/// Largest certificate accepted (PEM or DER), in bytes. A buyer certificate is a few hundred
/// bytes; the bound keeps hostile uploads from costing memory or parse time.
pub const CERT_MAX_BYTES: usize = 64 * 1024;

/// Largest CRL accepted (PEM or DER), in bytes. Enough for a few hundred thousand entries.
pub const CRL_MAX_BYTES: usize = 16 * 1024 * 1024;

/// PEM labels read as a certificate (`X509 CERTIFICATE` is the pre-RFC 7468 spelling).
const CERT_PEM_LABELS: &[&str] = &["CERTIFICATE", "X509 CERTIFICATE"];

/// A configured trust anchor: a self-signed CA certificate whose key signs buyer certificates
/// and CRLs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaRoot {
    /// The root certificate, DER.
    pub der: Vec<u8>,
    /// Subject distinguished name, RFC 4514-like (`CN=..., O=...`).
    pub subject: String,
    /// Hex SHA-256 of the root's SubjectPublicKeyInfo DER: a stable id for the root's key,
    /// recorded with every certificate and CRL accepted under it.
    pub key_id: String,
}

/// A buyer key taken from a certificate that passed [`parse_buyer_certificate`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertKey {
    /// The raw Ed25519 public key (32 bytes) that verifies the buyer's orders.
    pub public_key: [u8; 32],
    /// Certificate serial number, lowercase hex without leading zeros (`"0"` for zero); the
    /// same form as [`RevokedSerial::serial_hex`], so the two compare directly.
    pub serial_hex: String,
    /// Subject distinguished name.
    pub subject: String,
    /// Issuer distinguished name (the subject of the root it chains to).
    pub issuer: String,
    /// Start of the validity period.
    pub not_before: DateTime<Utc>,
    /// End of the validity period (inclusive, RFC 5280 §4.1.2.5).
    pub not_after: DateTime<Utc>,
    /// [`CaRoot::key_id`] of the root that issued the certificate.
    pub ca_key_id: String,
    /// The certificate, DER.
    pub der: Vec<u8>,
}

/// A certificate revocation list that passed [`parse_crl`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Crl {
    /// Issuer distinguished name.
    pub issuer: String,
    /// [`CaRoot::key_id`] of the root whose key signed the CRL.
    pub ca_key_id: String,
    /// When the CRL was issued.
    pub this_update: DateTime<Utc>,
    /// When the next CRL is due, if the issuer said.
    pub next_update: Option<DateTime<Utc>>,
    /// The revoked certificates, in CRL order.
    pub revoked: Vec<RevokedSerial>,
}

/// One CRL entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevokedSerial {
    /// Serial of the revoked certificate, in the form of [`CertKey::serial_hex`].
    pub serial_hex: String,
    /// The revocation date the CA states.
    pub revocation_date: DateTime<Utc>,
    /// The RFC 5280 CRLReason name (`"keyCompromise"`, `"superseded"`, ...) if the entry has a
    /// reason code extension.
    pub reason: Option<String>,
}

/// Why a certificate, CA root or CRL was refused. [`X509Error::code`] gives a stable wire code.
#[derive(Debug, thiserror::Error)]
pub enum X509Error {
    /// The certificate is not PEM or DER X.509, or is too large.
    #[error("certificate cannot be parsed: {0}")]
    CertificateUnparsable(String),
    /// The CRL is not PEM or DER X.509 CRL, or is too large.
    #[error("CRL cannot be parsed: {0}")]
    CrlUnparsable(String),
    /// A certificate offered as a CA root is not a self-signed CA certificate.
    #[error("certificate of {subject} cannot be a CA root: {reason}")]
    NotACa {
        /// Subject of the refused certificate.
        subject: String,
        /// What is missing.
        reason: String,
    },
    /// The certificate's subject key is not Ed25519.
    #[error(
        "certificate of {subject} carries a {algorithm} public key; orders are signed with \
         Ed25519, so the certificate must carry an Ed25519 key"
    )]
    UnsupportedKey {
        /// Subject of the refused certificate.
        subject: String,
        /// The key algorithm found (or why the Ed25519 key is unusable).
        algorithm: String,
    },
    /// The certificate or CRL names an issuer that is none of the configured CA roots.
    #[error("{object} issued by {issuer}, which is not a configured CA root")]
    UnknownIssuer {
        /// `"certificate of <subject>"` or `"CRL"`.
        object: String,
        /// The issuer named in the certificate or CRL.
        issuer: String,
    },
    /// The signature does not verify with the key of the root that the issuer name designates
    /// (tampered, forged by another key with the same name, or an unsupported algorithm).
    #[error("signature on {object} does not verify with the key of {issuer}: {reason}")]
    BadSignature {
        /// `"certificate of <subject>"`, `"CA root <subject>"` or `"CRL"`.
        object: String,
        /// Whose key was tried.
        issuer: String,
        /// What failed.
        reason: String,
    },
    /// `now` is before the certificate's notBefore.
    #[error("certificate of {subject} is not valid before {not_before} (now is {now})")]
    CertificateNotYetValid {
        /// Subject of the certificate.
        subject: String,
        /// Start of its validity period (RFC 3339).
        not_before: String,
        /// The time it was evaluated at (RFC 3339).
        now: String,
    },
    /// `now` is after the certificate's notAfter.
    #[error("certificate of {subject} expired at {not_after} (now is {now})")]
    CertificateExpired {
        /// Subject of the certificate.
        subject: String,
        /// End of its validity period (RFC 3339).
        not_after: String,
        /// The time it was evaluated at (RFC 3339).
        now: String,
    },
}

impl X509Error {
    /// The wire code, named by the variant; its text never changes once published.
    pub fn code(&self) -> ErrorCode {
        match self {
            X509Error::CertificateUnparsable(_) => ErrorCode::CertificateUnparsable,
            X509Error::CrlUnparsable(_) => ErrorCode::CrlUnparsable,
            X509Error::NotACa { .. } => ErrorCode::NotACa,
            X509Error::UnsupportedKey { .. } => ErrorCode::UnsupportedKey,
            X509Error::UnknownIssuer { .. } => ErrorCode::UnknownIssuer,
            X509Error::BadSignature { .. } => ErrorCode::BadSignature,
            X509Error::CertificateNotYetValid { .. } => ErrorCode::CertificateNotYetValid,
            X509Error::CertificateExpired { .. } => ErrorCode::CertificateExpired,
        }
    }
}

/// Reads a CA root certificate (PEM or DER) to be used as a trust anchor.
///
/// The certificate must be a CA (basicConstraints `cA=TRUE`; if keyUsage is present it must
/// allow `keyCertSign`), self-issued (issuer == subject) and its self-signature must verify.
/// The root's own validity period is not checked here nor when it is used.
pub fn parse_ca_root(bytes: &[u8]) -> Result<CaRoot, X509Error> {
    let der = decode_input(bytes, CERT_MAX_BYTES, CERT_PEM_LABELS, "certificate")
        .map_err(X509Error::CertificateUnparsable)?;
    let cert = parse_cert_der(&der)?;
    let subject = name_string(cert.subject());
    let not_a_ca = |reason: &str| X509Error::NotACa {
        subject: subject.clone(),
        reason: reason.to_string(),
    };
    match cert.basic_constraints() {
        Ok(Some(bc)) if bc.value.ca => {}
        Ok(Some(_)) => return Err(not_a_ca("basicConstraints has cA=FALSE")),
        Ok(None) => return Err(not_a_ca("no basicConstraints extension")),
        Err(e) => return Err(not_a_ca(&format!("bad basicConstraints extension: {e}"))),
    }
    match cert.key_usage() {
        Ok(Some(ku)) if !ku.value.key_cert_sign() => {
            return Err(not_a_ca("keyUsage does not allow keyCertSign"))
        }
        Ok(_) => {}
        Err(e) => return Err(not_a_ca(&format!("bad keyUsage extension: {e}"))),
    }
    if !same_name(cert.issuer(), cert.subject()) {
        return Err(not_a_ca(&format!(
            "not self-signed (issued by {})",
            name_string(cert.issuer())
        )));
    }
    cert.verify_signature(None)
        .map_err(|e| X509Error::BadSignature {
            object: format!("CA root {subject}"),
            issuer: subject.clone(),
            reason: signature_failure(&e),
        })?;
    let key_id = hex::encode(Sha256::digest(cert.public_key().raw));
    Ok(CaRoot {
        der: der.clone(),
        subject,
        key_id,
    })
}

/// Reads a buyer certificate (PEM or DER) and returns its Ed25519 key once it is trusted.
///
/// Checks, in order: the certificate parses; its issuer name equals the subject of one of
/// `roots` and its signature verifies with that root's key (only **one level**: the
/// certificate must be issued directly by a configured root — intermediates are not followed,
/// which is enough for the CAs a notary deployment configures); its subject key is Ed25519;
/// `now` lies within notBefore..=notAfter. With PEM input the first `CERTIFICATE` block is
/// used. The certificate's extensions (keyUsage, policies, ...) are not interpreted, and the
/// root's own validity period is not checked.
pub fn parse_buyer_certificate(
    bytes: &[u8],
    roots: &[CaRoot],
    now: DateTime<Utc>,
) -> Result<CertKey, X509Error> {
    let der = decode_input(bytes, CERT_MAX_BYTES, CERT_PEM_LABELS, "certificate")
        .map_err(X509Error::CertificateUnparsable)?;
    let cert = parse_cert_der(&der)?;
    let subject = name_string(cert.subject());
    let issuer = name_string(cert.issuer());
    let object = format!("certificate of {subject}");

    let root = find_signing_root(roots, cert.issuer(), &object, |spki| {
        cert.verify_signature(Some(spki))
    })?;

    let public_key =
        ed25519_key(cert.public_key()).map_err(|algorithm| X509Error::UnsupportedKey {
            subject: subject.clone(),
            algorithm,
        })?;

    let validity = cert.validity();
    let not_before = to_chrono(validity.not_before).map_err(X509Error::CertificateUnparsable)?;
    let not_after = to_chrono(validity.not_after).map_err(X509Error::CertificateUnparsable)?;
    if now < not_before {
        return Err(X509Error::CertificateNotYetValid {
            subject,
            not_before: rfc3339(not_before),
            now: rfc3339(now),
        });
    }
    if now > not_after {
        return Err(X509Error::CertificateExpired {
            subject,
            not_after: rfc3339(not_after),
            now: rfc3339(now),
        });
    }

    Ok(CertKey {
        public_key,
        serial_hex: serial_hex(cert.raw_serial()),
        subject,
        issuer,
        not_before,
        not_after,
        ca_key_id: root.key_id.clone(),
        der: der.clone(),
    })
}

/// Reads a CRL (PEM `X509 CRL` or DER) issued by one of `roots`.
///
/// The issuer name must equal the subject of one of `roots` ([`X509Error::UnknownIssuer`]
/// otherwise) and the CRL signature must verify with that root's key
/// ([`X509Error::BadSignature`] otherwise). Entries keep the CA's revocation date and reason;
/// the notary's own registration time is recorded by the caller (docs/design.md §6.2).
pub fn parse_crl(bytes: &[u8], roots: &[CaRoot]) -> Result<Crl, X509Error> {
    let der = decode_input(bytes, CRL_MAX_BYTES, &["X509 CRL"], "CRL")
        .map_err(X509Error::CrlUnparsable)?;
    x509_cert::crl::CertificateList::from_der(&der)
        .map_err(|e| X509Error::CrlUnparsable(format!("not a DER-encoded X.509 CRL: {e}")))?;
    let crl = match CertificateRevocationList::from_der(&der) {
        Ok(([], crl)) => crl,
        Ok((rest, _)) => {
            return Err(X509Error::CrlUnparsable(format!(
                "{} trailing bytes after the CRL",
                rest.len()
            )))
        }
        Err(e) => return Err(X509Error::CrlUnparsable(format!("not an X.509 CRL: {e}"))),
    };
    let issuer = name_string(crl.issuer());
    let root = find_signing_root(roots, crl.issuer(), "CRL", |spki| {
        crl.verify_signature(spki)
    })?;

    let this_update = to_chrono(crl.last_update()).map_err(X509Error::CrlUnparsable)?;
    let next_update = crl
        .next_update()
        .map(to_chrono)
        .transpose()
        .map_err(X509Error::CrlUnparsable)?;
    let mut revoked = Vec::new();
    for entry in crl.iter_revoked_certificates() {
        revoked.push(RevokedSerial {
            serial_hex: serial_hex(entry.raw_serial()),
            revocation_date: to_chrono(entry.revocation_date).map_err(X509Error::CrlUnparsable)?,
            reason: entry
                .reason_code()
                .map(|(_, code)| reason_name(code.0).to_string()),
        });
    }
    Ok(Crl {
        issuer,
        ca_key_id: root.key_id.clone(),
        this_update,
        next_update,
        revoked,
    })
}

/// Size check, then PEM (first block with one of `labels`) or DER. Errors are human messages.
fn decode_input(bytes: &[u8], max: usize, labels: &[&str], what: &str) -> Result<Vec<u8>, String> {
    if bytes.len() > max {
        return Err(format!(
            "{what} is {} bytes, over the {} KiB limit",
            bytes.len(),
            max / 1024
        ));
    }
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    match first {
        None => Err(format!("{what} is empty")),
        // A DER SEQUENCE.
        Some(0x30) => Ok(bytes.to_vec()),
        Some(_) => {
            for block in Pem::iter_from_buffer(bytes) {
                let pem = block.map_err(|e| format!("bad PEM: {e}"))?;
                if labels.contains(&pem.label.as_str()) {
                    return Ok(pem.contents);
                }
            }
            Err(format!(
                "neither DER nor PEM with a -----BEGIN {}----- block",
                labels.first().copied().unwrap_or(what)
            ))
        }
    }
}

/// Parses a whole DER certificate; trailing bytes are refused, and so is any encoding that is
/// not DER. `x509-parser` reads the unsigned outer parts leniently (a wrong outer tag, a long
/// length form), which would let one signed certificate arrive as many byte strings; the
/// strict `x509-cert` decoder refuses those first.
fn parse_cert_der(der: &[u8]) -> Result<X509Certificate<'_>, X509Error> {
    x509_cert::Certificate::from_der(der).map_err(|e| {
        X509Error::CertificateUnparsable(format!("not a DER-encoded X.509 certificate: {e}"))
    })?;
    match X509Certificate::from_der(der) {
        Ok(([], cert)) => Ok(cert),
        Ok((rest, _)) => Err(X509Error::CertificateUnparsable(format!(
            "{} trailing bytes after the certificate",
            rest.len()
        ))),
        Err(e) => Err(X509Error::CertificateUnparsable(format!(
            "not an X.509 certificate: {e}"
        ))),
    }
}

/// Finds the root that `issuer` names and whose key verifies the signature (`verify`).
/// Several roots may share a name (a re-keyed CA): any one verifying is enough.
fn find_signing_root<'r>(
    roots: &'r [CaRoot],
    issuer: &X509Name<'_>,
    object: &str,
    verify: impl Fn(&SubjectPublicKeyInfo<'_>) -> Result<(), ParserError>,
) -> Result<&'r CaRoot, X509Error> {
    let mut last_failure = None;
    for root in roots {
        // `CaRoot` fields are public: a root that does not parse simply matches nothing.
        let Ok(root_cert) = parse_cert_der(&root.der) else {
            continue;
        };
        if !same_name(root_cert.subject(), issuer) {
            continue;
        }
        match verify(root_cert.public_key()) {
            Ok(()) => return Ok(root),
            Err(e) => last_failure = Some(signature_failure(&e)),
        }
    }
    let issuer = name_string(issuer);
    match last_failure {
        Some(reason) => Err(X509Error::BadSignature {
            object: object.to_string(),
            issuer,
            reason,
        }),
        None => Err(X509Error::UnknownIssuer {
            object: object.to_string(),
            issuer,
        }),
    }
}

/// Name equality: identical DER, or identical string form (tolerates a re-encoding such as
/// PrintableString vs UTF8String). Only selects candidate roots; the signature decides.
fn same_name(a: &X509Name<'_>, b: &X509Name<'_>) -> bool {
    a.as_raw() == b.as_raw() || name_string(a) == name_string(b)
}

fn name_string(name: &X509Name<'_>) -> String {
    name.to_string()
}

fn signature_failure(e: &ParserError) -> String {
    match e {
        ParserError::SignatureUnsupportedAlgorithm => "unsupported signature algorithm".into(),
        ParserError::SignatureVerificationError => "signature is invalid".into(),
        other => other.to_string(),
    }
}

/// The raw Ed25519 key, or a description of what was found instead.
fn ed25519_key(spki: &SubjectPublicKeyInfo<'_>) -> Result<[u8; 32], String> {
    let alg = &spki.algorithm.algorithm;
    if *alg != OID_SIG_ED25519 {
        return Err(key_algorithm_name(spki));
    }
    // RFC 8410 §3: the parameters MUST be absent.
    if spki.algorithm.parameters.is_some() {
        return Err("Ed25519 key with parameters (RFC 8410 requires none)".into());
    }
    let raw: [u8; 32] = spki
        .subject_public_key
        .data
        .as_ref()
        .try_into()
        .map_err(|_| {
            format!(
                "Ed25519 key of {} bytes (32 expected)",
                spki.subject_public_key.data.len()
            )
        })?;
    ed25519_dalek::VerifyingKey::from_bytes(&raw)
        .map_err(|_| "Ed25519 key that is not a valid curve point".to_string())?;
    Ok(raw)
}

fn key_algorithm_name(spki: &SubjectPublicKeyInfo<'_>) -> String {
    let alg = &spki.algorithm.algorithm;
    if *alg == OID_PKCS1_RSAENCRYPTION || *alg == OID_PKCS1_RSASSAPSS {
        "RSA".into()
    } else if *alg == OID_KEY_TYPE_EC_PUBLIC_KEY {
        let curve: Option<Oid<'_>> = spki
            .algorithm
            .parameters
            .as_ref()
            .and_then(|p| p.as_oid().ok());
        match curve {
            Some(c) if c == OID_EC_P256 => "ECDSA P-256".into(),
            Some(c) if c == OID_NIST_EC_P384 => "ECDSA P-384".into(),
            Some(c) if c == OID_NIST_EC_P521 => "ECDSA P-521".into(),
            Some(c) => format!("EC (curve {})", c.to_id_string()),
            None => "EC".into(),
        }
    } else if *alg == OID_SIG_ED448 {
        "Ed448".into()
    } else if *alg == OID_KEY_TYPE_DSA {
        "DSA".into()
    } else {
        format!("algorithm {}", alg.to_id_string())
    }
}

/// Lowercase hex of a DER INTEGER's content octets, leading zeros stripped, `"0"` for zero.
fn serial_hex(raw: &[u8]) -> String {
    let hex = hex::encode(raw);
    let trimmed = hex.trim_start_matches('0');
    if trimmed.is_empty() {
        "0".into()
    } else {
        trimmed.into()
    }
}

/// X.509 times carry whole seconds (RFC 5280 §4.1.2.5).
fn to_chrono(t: ASN1Time) -> Result<DateTime<Utc>, String> {
    DateTime::from_timestamp(t.timestamp(), 0)
        .ok_or_else(|| format!("time {} out of range", t.timestamp()))
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// RFC 5280 §5.3.1 CRLReason names.
fn reason_name(code: u8) -> &'static str {
    match code {
        0 => "unspecified",
        1 => "keyCompromise",
        2 => "cACompromise",
        3 => "affiliationChanged",
        4 => "superseded",
        5 => "cessationOfOperation",
        6 => "certificateHold",
        8 => "removeFromCRL",
        9 => "privilegeWithdrawn",
        10 => "aACompromise",
        _ => "unknownReason",
    }
}

/// Test fixtures made with the real `openssl` command line (OpenSSL 3.0+), reusable by other
/// modules' tests: CAs, keys, certificates issued by `openssl ca` and `openssl x509 -req`,
/// revocations and CRLs. Every helper panics with openssl's stderr when a command fails.
#[cfg(test)]
#[path = "x509_openssl_fixtures.rs"]
pub(crate) mod openssl_fixtures;

#[cfg(test)]
#[path = "x509_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "x509_strict_tests.rs"]
mod strict_tests;
