//! Buyer keys from X.509 certificates, and revocation from CRLs (DESIGN §6.2).
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
    /// Stable snake_case code for API error bodies; never changes once published.
    pub fn code(&self) -> &'static str {
        match self {
            X509Error::CertificateUnparsable(_) => "certificate_unparsable",
            X509Error::CrlUnparsable(_) => "crl_unparsable",
            X509Error::NotACa { .. } => "not_a_ca",
            X509Error::UnsupportedKey { .. } => "unsupported_key",
            X509Error::UnknownIssuer { .. } => "unknown_issuer",
            X509Error::BadSignature { .. } => "bad_signature",
            X509Error::CertificateNotYetValid { .. } => "certificate_not_yet_valid",
            X509Error::CertificateExpired { .. } => "certificate_expired",
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
/// the notary's own registration time is recorded by the caller (DESIGN §6.2).
pub fn parse_crl(bytes: &[u8], roots: &[CaRoot]) -> Result<Crl, X509Error> {
    let der = decode_input(bytes, CRL_MAX_BYTES, &["X509 CRL"], "CRL")
        .map_err(X509Error::CrlUnparsable)?;
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

/// Parses a whole DER certificate; trailing bytes are refused.
fn parse_cert_der(der: &[u8]) -> Result<X509Certificate<'_>, X509Error> {
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
pub(crate) mod openssl_fixtures {
    use std::fs;
    use std::path::{Path, PathBuf};
    use std::process::Command;

    use chrono::{DateTime, NaiveDateTime, Utc};

    /// Key algorithm for a CA or a subject.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub(crate) enum Alg {
        Ed25519,
        P256,
        Rsa2048,
    }

    /// A CA made by [`make_ca`], with its own `openssl ca` directory.
    #[derive(Debug, Clone)]
    pub(crate) struct Ca {
        /// The CA's directory (index.txt, serial, crlnumber, newcerts/, openssl.cnf).
        pub dir: PathBuf,
        /// CA certificate, PEM.
        pub cert: PathBuf,
        /// CA private key, PEM.
        pub key: PathBuf,
        /// The `openssl ca` configuration.
        pub config: PathBuf,
    }

    /// A certificate issued by [`issue_cert`] and friends.
    #[derive(Debug, Clone)]
    pub(crate) struct Issued {
        /// Subject private key, PEM.
        pub key: PathBuf,
        /// Certificate, PEM.
        pub cert: PathBuf,
        /// Serial as `openssl x509 -serial` prints it, normalised to lowercase without leading
        /// zeros.
        pub serial_hex: String,
    }

    /// Runs `openssl args...` in `cwd`, returns stdout; panics with stderr on failure.
    pub(crate) fn openssl(cwd: &Path, args: &[&str]) -> Vec<u8> {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(cwd)
            .output()
            .unwrap_or_else(|e| panic!("cannot run openssl (is it installed?): {e}"));
        assert!(
            out.status.success(),
            "openssl {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    }

    fn p(path: &Path) -> &str {
        path.to_str().expect("fixture paths are UTF-8")
    }

    /// Writes a fresh private key of `alg` to `path` (`openssl genpkey`).
    pub(crate) fn gen_key(path: &Path, alg: Alg) {
        let cwd = path.parent().expect("key path has a parent");
        let mut args = vec!["genpkey", "-out", p(path)];
        match alg {
            Alg::Ed25519 => args.extend(["-algorithm", "ed25519"]),
            Alg::P256 => args.extend(["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]),
            Alg::Rsa2048 => args.extend(["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]),
        }
        openssl(cwd, &args);
    }

    /// Makes a self-signed CA under `parent/name/` with `openssl req -x509` (critical
    /// basicConstraints CA:TRUE, keyUsage keyCertSign+cRLSign, 10 years) and an `openssl ca`
    /// setup (`default_md = default`, which Ed25519 needs).
    pub(crate) fn make_ca(parent: &Path, name: &str, alg: Alg, subject: &str) -> Ca {
        let dir = parent.join(name);
        fs::create_dir_all(dir.join("newcerts")).expect("mkdir CA dir");
        fs::write(dir.join("index.txt"), "").expect("write index.txt");
        fs::write(dir.join("serial"), "1000\n").expect("write serial");
        fs::write(dir.join("crlnumber"), "01\n").expect("write crlnumber");
        let key = dir.join("ca.key");
        let cert = dir.join("ca.pem");
        gen_key(&key, alg);
        openssl(
            &dir,
            &[
                "req",
                "-x509",
                "-new",
                "-key",
                p(&key),
                "-subj",
                subject,
                "-addext",
                "basicConstraints=critical,CA:TRUE",
                "-addext",
                "keyUsage=critical,keyCertSign,cRLSign",
                "-days",
                "3650",
                "-out",
                p(&cert),
            ],
        );
        let config = dir.join("openssl.cnf");
        let cnf = format!(
            "[ ca ]\n\
             default_ca = CA_default\n\
             [ CA_default ]\n\
             dir = {dir}\n\
             database = $dir/index.txt\n\
             new_certs_dir = $dir/newcerts\n\
             certificate = $dir/ca.pem\n\
             private_key = $dir/ca.key\n\
             serial = $dir/serial\n\
             crlnumber = $dir/crlnumber\n\
             default_md = default\n\
             default_days = 365\n\
             default_crl_days = 30\n\
             policy = policy_any\n\
             unique_subject = no\n\
             copy_extensions = none\n\
             x509_extensions = usr_cert\n\
             crl_extensions = crl_ext\n\
             [ policy_any ]\n\
             commonName = supplied\n\
             organizationName = optional\n\
             [ usr_cert ]\n\
             basicConstraints = critical,CA:FALSE\n\
             keyUsage = critical,digitalSignature,nonRepudiation\n\
             [ crl_ext ]\n\
             authorityKeyIdentifier = keyid:always\n",
            dir = p(&dir)
        );
        fs::write(&config, cnf).expect("write openssl.cnf");
        Ca {
            dir,
            cert,
            key,
            config,
        }
    }

    /// New key of `alg` plus a CSR for `subject`, in `dir`; returns (key, csr).
    pub(crate) fn make_csr(dir: &Path, name: &str, alg: Alg, subject: &str) -> (PathBuf, PathBuf) {
        let key = dir.join(format!("{name}.key"));
        let csr = dir.join(format!("{name}.csr"));
        gen_key(&key, alg);
        openssl(
            dir,
            &[
                "req",
                "-new",
                "-key",
                p(&key),
                "-subj",
                subject,
                "-out",
                p(&csr),
            ],
        );
        (key, csr)
    }

    /// Normalised serial of a PEM certificate, from `openssl x509 -serial`.
    pub(crate) fn serial_of(cert: &Path) -> String {
        let out = openssl(
            Path::new("/"),
            &["x509", "-in", p(cert), "-noout", "-serial"],
        );
        let text = String::from_utf8_lossy(&out);
        let hex = text
            .trim()
            .trim_start_matches("serial=")
            .to_ascii_lowercase();
        let trimmed = hex.trim_start_matches('0');
        if trimmed.is_empty() {
            "0".into()
        } else {
            trimmed.into()
        }
    }

    fn issue_with_ca(ca: &Ca, name: &str, alg: Alg, subject: &str, extra: &[&str]) -> Issued {
        let (key, csr) = make_csr(&ca.dir, name, alg, subject);
        let cert = ca.dir.join(format!("{name}.pem"));
        let mut args = vec![
            "ca",
            "-batch",
            "-notext",
            "-config",
            p(&ca.config),
            "-in",
            p(&csr),
            "-out",
            p(&cert),
        ];
        args.extend_from_slice(extra);
        openssl(&ca.dir, &args);
        let serial_hex = serial_of(&cert);
        Issued {
            key,
            cert,
            serial_hex,
        }
    }

    /// `openssl ca` issues a certificate for a new `alg` key (365 days from now).
    pub(crate) fn issue_cert(ca: &Ca, name: &str, alg: Alg, subject: &str) -> Issued {
        issue_with_ca(ca, name, alg, subject, &[])
    }

    /// `openssl ca -startdate start -enddate end` (`YYYYMMDDHHMMSSZ`).
    pub(crate) fn issue_cert_dated(
        ca: &Ca,
        name: &str,
        alg: Alg,
        subject: &str,
        start: &str,
        end: &str,
    ) -> Issued {
        issue_with_ca(
            ca,
            name,
            alg,
            subject,
            &["-startdate", start, "-enddate", end],
        )
    }

    /// `openssl x509 -req -CA ... -set_serial serial -days days` (no CA database involved).
    pub(crate) fn issue_cert_x509_req(
        ca: &Ca,
        name: &str,
        alg: Alg,
        subject: &str,
        serial: &str,
        days: u32,
    ) -> Issued {
        let (key, csr) = make_csr(&ca.dir, name, alg, subject);
        let ext = ca.dir.join(format!("{name}.ext"));
        fs::write(
            &ext,
            "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n",
        )
        .expect("write extfile");
        let cert = ca.dir.join(format!("{name}.pem"));
        let days = days.to_string();
        openssl(
            &ca.dir,
            &[
                "x509",
                "-req",
                "-in",
                p(&csr),
                "-CA",
                p(&ca.cert),
                "-CAkey",
                p(&ca.key),
                "-set_serial",
                serial,
                "-days",
                &days,
                "-extfile",
                p(&ext),
                "-out",
                p(&cert),
            ],
        );
        let serial_hex = serial_of(&cert);
        Issued {
            key,
            cert,
            serial_hex,
        }
    }

    /// `openssl ca -revoke cert -crl_reason reason`.
    pub(crate) fn revoke(ca: &Ca, cert: &Path, reason: &str) {
        openssl(
            &ca.dir,
            &[
                "ca",
                "-config",
                p(&ca.config),
                "-revoke",
                p(cert),
                "-crl_reason",
                reason,
            ],
        );
    }

    /// `openssl ca -gencrl` into `<ca dir>/<name>.crl.pem`.
    pub(crate) fn gencrl(ca: &Ca, name: &str) -> PathBuf {
        let out = ca.dir.join(format!("{name}.crl.pem"));
        openssl(
            &ca.dir,
            &["ca", "-config", p(&ca.config), "-gencrl", "-out", p(&out)],
        );
        out
    }

    /// Revokes `cert` with `reason` and generates a CRL; returns the CRL (PEM) path.
    pub(crate) fn revoke_and_gencrl(ca: &Ca, cert: &Path, reason: &str) -> PathBuf {
        revoke(ca, cert, reason);
        gencrl(ca, "revoked")
    }

    /// DER form of a PEM certificate (`kind = "x509"`) or CRL (`kind = "crl"`).
    pub(crate) fn to_der(pem: &Path, kind: &str) -> Vec<u8> {
        openssl(Path::new("/"), &[kind, "-in", p(pem), "-outform", "DER"])
    }

    /// Raw 32-byte Ed25519 public key of a private key file (last 32 bytes of the SPKI).
    pub(crate) fn raw_ed25519_public(key: &Path) -> Vec<u8> {
        let spki = spki_der(key);
        spki[spki.len() - 32..].to_vec()
    }

    /// SubjectPublicKeyInfo DER of a private key file (`openssl pkey -pubout`).
    pub(crate) fn spki_der(key: &Path) -> Vec<u8> {
        openssl(
            Path::new("/"),
            &["pkey", "-in", p(key), "-pubout", "-outform", "DER"],
        )
    }

    /// (notBefore, notAfter) as openssl reads them.
    pub(crate) fn cert_dates(cert: &Path) -> (DateTime<Utc>, DateTime<Utc>) {
        let out = openssl(
            Path::new("/"),
            &[
                "x509",
                "-in",
                p(cert),
                "-noout",
                "-dates",
                "-dateopt",
                "iso_8601",
            ],
        );
        let text = String::from_utf8_lossy(&out);
        let get = |field: &str| {
            let line = text
                .lines()
                .find_map(|l| l.strip_prefix(field))
                .unwrap_or_else(|| panic!("no {field} in {text}"));
            NaiveDateTime::parse_from_str(line.trim(), "%Y-%m-%d %H:%M:%SZ")
                .unwrap_or_else(|e| panic!("bad date {line}: {e}"))
                .and_utc()
        };
        (get("notBefore="), get("notAfter="))
    }

    /// Revocation date and reason the CA database (index.txt) holds for `serial_hex`.
    pub(crate) fn revocation_in_index(
        ca: &Ca,
        serial_hex: &str,
    ) -> (DateTime<Utc>, Option<String>) {
        let index = fs::read_to_string(ca.dir.join("index.txt")).expect("read index.txt");
        for line in index.lines() {
            let cols: Vec<&str> = line.split('\t').collect();
            let serial = cols[3].to_ascii_lowercase();
            if cols[0] == "R" && serial.trim_start_matches('0') == serial_hex {
                let (date, reason) = match cols[2].split_once(',') {
                    Some((d, r)) => (d, Some(r.to_string())),
                    None => (cols[2], None),
                };
                let date =
                    NaiveDateTime::parse_from_str(date.trim_end_matches('Z'), "%y%m%d%H%M%S")
                        .unwrap_or_else(|e| panic!("bad index date {date}: {e}"))
                        .and_utc();
                return (date, reason);
            }
        }
        panic!("serial {serial_hex} not revoked in index.txt:\n{index}");
    }
}

#[cfg(test)]
mod tests {
    use super::openssl_fixtures::{self as fx, Alg};
    use super::*;
    use chrono::{Duration, TimeZone};
    use std::fs;

    fn read(path: &std::path::Path) -> Vec<u8> {
        fs::read(path).expect("read fixture")
    }

    fn root(ca: &fx::Ca) -> CaRoot {
        parse_ca_root(&read(&ca.cert)).expect("CA root parses")
    }

    fn code<T: std::fmt::Debug>(r: Result<T, X509Error>) -> &'static str {
        r.expect_err("expected an error").code()
    }

    #[test]
    fn openssl_is_3() {
        let out = fx::openssl(std::path::Path::new("/"), &["version"]);
        let v = String::from_utf8_lossy(&out);
        assert!(
            v.starts_with("OpenSSL 3."),
            "tests expect OpenSSL 3.x, got {v}"
        );
    }

    #[test]
    fn ca_root_pem_and_der() {
        let tmp = tempfile::tempdir().unwrap();
        for (name, alg) in [("ed", Alg::Ed25519), ("p256", Alg::P256)] {
            let ca = fx::make_ca(
                tmp.path(),
                name,
                alg,
                &format!("/CN=Root {name}/O=notar test"),
            );
            let from_pem = root(&ca);
            let from_der = parse_ca_root(&fx::to_der(&ca.cert, "x509")).unwrap();
            assert_eq!(from_pem, from_der);
            assert_eq!(from_pem.der, fx::to_der(&ca.cert, "x509"));
            assert_eq!(from_pem.subject, format!("CN=Root {name}, O=notar test"));
            assert_eq!(
                from_pem.key_id,
                hex::encode(Sha256::digest(fx::spki_der(&ca.key)))
            );
        }
    }

    #[test]
    fn ca_root_refuses_non_ca_and_garbage() {
        let tmp = tempfile::tempdir().unwrap();
        let ca = fx::make_ca(tmp.path(), "ca", Alg::Ed25519, "/CN=Root");
        let leaf = fx::issue_cert(&ca, "leaf", Alg::Ed25519, "/CN=Leaf");
        assert_eq!(code(parse_ca_root(&read(&leaf.cert))), "not_a_ca");

        // Self-signed but CA:FALSE.
        let key = tmp.path().join("self.key");
        let cert = tmp.path().join("self.pem");
        fx::gen_key(&key, Alg::Ed25519);
        fx::openssl(
            tmp.path(),
            &[
                "req",
                "-x509",
                "-new",
                "-key",
                key.to_str().unwrap(),
                "-subj",
                "/CN=Self",
                "-addext",
                "basicConstraints=critical,CA:FALSE",
                "-days",
                "10",
                "-out",
                cert.to_str().unwrap(),
            ],
        );
        let err = parse_ca_root(&read(&cert)).unwrap_err();
        assert_eq!(err.code(), "not_a_ca");
        assert!(err.to_string().contains("CN=Self"), "{err}");

        // Tampered self-signature.
        let mut der = fx::to_der(&ca.cert, "x509");
        let last = der.len() - 1;
        der[last] ^= 0x01;
        assert_eq!(code(parse_ca_root(&der)), "bad_signature");

        assert_eq!(code(parse_ca_root(b"hello")), "certificate_unparsable");
        assert_eq!(code(parse_ca_root(b"")), "certificate_unparsable");
    }

    #[test]
    fn valid_certificate_from_openssl_ca_pem_and_der() {
        let tmp = tempfile::tempdir().unwrap();
        let ca = fx::make_ca(tmp.path(), "ca", Alg::Ed25519, "/CN=Buyers CA/O=notar test");
        let roots = [root(&ca)];
        let buyer = fx::issue_cert(&ca, "buyer", Alg::Ed25519, "/CN=Alice Buyer/O=Shop");
        let now = Utc::now();

        let key = parse_buyer_certificate(&read(&buyer.cert), &roots, now).unwrap();
        assert_eq!(key.public_key.to_vec(), fx::raw_ed25519_public(&buyer.key));
        assert_eq!(key.serial_hex, "1000");
        assert_eq!(key.serial_hex, buyer.serial_hex);
        assert_eq!(key.subject, "CN=Alice Buyer, O=Shop");
        assert_eq!(key.issuer, "CN=Buyers CA, O=notar test");
        assert_eq!((key.not_before, key.not_after), fx::cert_dates(&buyer.cert));
        assert_eq!(key.not_after - key.not_before, Duration::days(365));
        assert_eq!(key.ca_key_id, roots[0].key_id);
        assert_eq!(key.der, fx::to_der(&buyer.cert, "x509"));

        let from_der =
            parse_buyer_certificate(&fx::to_der(&buyer.cert, "x509"), &roots, now).unwrap();
        assert_eq!(from_der, key);

        // The key really is the one the buyer signs with.
        let vk = ed25519_dalek::VerifyingKey::from_bytes(&key.public_key).unwrap();
        assert_eq!(vk.to_bytes(), key.public_key);

        // Validity bounds are inclusive.
        assert!(parse_buyer_certificate(&read(&buyer.cert), &roots, key.not_after).is_ok());
        assert!(parse_buyer_certificate(&read(&buyer.cert), &roots, key.not_before).is_ok());
        let err = parse_buyer_certificate(
            &read(&buyer.cert),
            &roots,
            key.not_after + Duration::seconds(1),
        )
        .unwrap_err();
        assert_eq!(err.code(), "certificate_expired");
        let err = parse_buyer_certificate(
            &read(&buyer.cert),
            &roots,
            key.not_before - Duration::seconds(1),
        )
        .unwrap_err();
        assert_eq!(err.code(), "certificate_not_yet_valid");
    }

    #[test]
    fn certificate_from_x509_req_with_small_serial() {
        let tmp = tempfile::tempdir().unwrap();
        let ca = fx::make_ca(tmp.path(), "ca", Alg::Ed25519, "/CN=Buyers CA");
        let roots = [root(&ca)];
        // 0xff is DER-encoded as 00 ff: the leading zero must not show.
        let buyer = fx::issue_cert_x509_req(&ca, "bob", Alg::Ed25519, "/CN=Bob", "0xff", 30);
        let key = parse_buyer_certificate(&read(&buyer.cert), &roots, Utc::now()).unwrap();
        assert_eq!(key.serial_hex, "ff");
        assert_eq!(buyer.serial_hex, "ff");
        assert_eq!(key.public_key.to_vec(), fx::raw_ed25519_public(&buyer.key));
        assert_eq!(key.not_after - key.not_before, Duration::days(30));

        let one = fx::issue_cert_x509_req(&ca, "one", Alg::Ed25519, "/CN=One", "1", 30);
        let key = parse_buyer_certificate(&read(&one.cert), &roots, Utc::now()).unwrap();
        assert_eq!(key.serial_hex, "1");
    }

    #[test]
    fn ecdsa_p256_ca_signatures_verify() {
        let tmp = tempfile::tempdir().unwrap();
        let ca = fx::make_ca(tmp.path(), "p256", Alg::P256, "/CN=P-256 CA");
        let roots = [root(&ca)];
        let buyer = fx::issue_cert(&ca, "buyer", Alg::Ed25519, "/CN=Carol");
        let key = parse_buyer_certificate(&read(&buyer.cert), &roots, Utc::now()).unwrap();
        assert_eq!(key.public_key.to_vec(), fx::raw_ed25519_public(&buyer.key));

        let via_req = fx::issue_cert_x509_req(&ca, "dave", Alg::Ed25519, "/CN=Dave", "0x0a0b", 5);
        let key = parse_buyer_certificate(&read(&via_req.cert), &roots, Utc::now()).unwrap();
        assert_eq!(key.serial_hex, "a0b");

        let mut der = fx::to_der(&buyer.cert, "x509");
        let last = der.len() - 1;
        der[last] ^= 0x01;
        assert_eq!(
            code(parse_buyer_certificate(&der, &roots, Utc::now())),
            "bad_signature"
        );

        let crl_path = fx::revoke_and_gencrl(&ca, &buyer.cert, "superseded");
        let crl = parse_crl(&read(&crl_path), &roots).unwrap();
        assert_eq!(crl.revoked.len(), 1);
        assert_eq!(crl.revoked[0].serial_hex, buyer.serial_hex);
        assert_eq!(crl.revoked[0].reason.as_deref(), Some("superseded"));
    }

    #[test]
    fn unknown_issuer_and_impostor_issuer() {
        let tmp = tempfile::tempdir().unwrap();
        let ca = fx::make_ca(tmp.path(), "ca", Alg::Ed25519, "/CN=Buyers CA");
        let other = fx::make_ca(tmp.path(), "other", Alg::Ed25519, "/CN=Other CA");
        // Same name as `ca`, different key.
        let impostor = fx::make_ca(tmp.path(), "impostor", Alg::Ed25519, "/CN=Buyers CA");
        let roots = [root(&ca)];
        // Certificates issued below start at the second they are made (openssl): judge them a
        // little later, or a second boundary in between makes them not yet valid.
        let now = Utc::now() + chrono::Duration::seconds(2);

        let foreign = fx::issue_cert(&other, "x", Alg::Ed25519, "/CN=Eve");
        let err = parse_buyer_certificate(&read(&foreign.cert), &roots, now).unwrap_err();
        assert_eq!(err.code(), "unknown_issuer");
        assert!(err.to_string().contains("CN=Other CA"), "{err}");
        assert_eq!(
            code(parse_buyer_certificate(&read(&foreign.cert), &[], now)),
            "unknown_issuer"
        );

        let forged = fx::issue_cert(&impostor, "y", Alg::Ed25519, "/CN=Mallory");
        let err = parse_buyer_certificate(&read(&forged.cert), &roots, now).unwrap_err();
        assert_eq!(err.code(), "bad_signature");
        assert!(err.to_string().contains("CN=Mallory"), "{err}");

        // With several roots, the one that verifies is reported.
        let all = [root(&ca), root(&other), root(&impostor)];
        let key = parse_buyer_certificate(&read(&forged.cert), &all, now).unwrap();
        assert_eq!(key.ca_key_id, all[2].key_id);
        let key = parse_buyer_certificate(&read(&foreign.cert), &all, now).unwrap();
        assert_eq!(key.ca_key_id, all[1].key_id);
    }

    #[test]
    fn tampered_certificate_is_bad_signature() {
        let tmp = tempfile::tempdir().unwrap();
        let ca = fx::make_ca(tmp.path(), "ca", Alg::Ed25519, "/CN=Buyers CA");
        let roots = [root(&ca)];
        let buyer = fx::issue_cert(&ca, "buyer", Alg::Ed25519, "/CN=Alice");
        let good = fx::to_der(&buyer.cert, "x509");

        // A byte of the signature.
        let mut der = good.clone();
        let last = der.len() - 1;
        der[last] ^= 0x80;
        assert_eq!(
            code(parse_buyer_certificate(&der, &roots, Utc::now())),
            "bad_signature"
        );

        // A byte of the subject ("Alice" -> "Alicf").
        let mut der = good.clone();
        let at = der.windows(5).position(|w| w == b"Alice").unwrap() + 4;
        der[at] = b'f';
        let err = parse_buyer_certificate(&der, &roots, Utc::now()).unwrap_err();
        assert_eq!(err.code(), "bad_signature");
        assert!(err.to_string().contains("CN=Alicf"), "{err}");
    }

    #[test]
    fn non_ed25519_subject_keys_are_unsupported() {
        let tmp = tempfile::tempdir().unwrap();
        let ca = fx::make_ca(tmp.path(), "ca", Alg::Ed25519, "/CN=Buyers CA");
        let roots = [root(&ca)];
        for (name, alg, label) in [
            ("rsa", Alg::Rsa2048, "RSA"),
            ("p256", Alg::P256, "ECDSA P-256"),
        ] {
            let c = fx::issue_cert(&ca, name, alg, &format!("/CN=Key {name}"));
            let err = parse_buyer_certificate(&read(&c.cert), &roots, Utc::now()).unwrap_err();
            assert_eq!(err.code(), "unsupported_key", "{name}");
            assert!(err.to_string().contains(label), "{err}");
            assert!(err.to_string().contains(&format!("CN=Key {name}")), "{err}");
        }
    }

    #[test]
    fn expired_and_not_yet_valid_from_openssl_dates() {
        let tmp = tempfile::tempdir().unwrap();
        let ca = fx::make_ca(tmp.path(), "ca", Alg::Ed25519, "/CN=Buyers CA");
        let roots = [root(&ca)];
        let old = fx::issue_cert_dated(
            &ca,
            "old",
            Alg::Ed25519,
            "/CN=Old",
            "20200101000000Z",
            "20210101000000Z",
        );
        let err = parse_buyer_certificate(&read(&old.cert), &roots, Utc::now()).unwrap_err();
        assert_eq!(err.code(), "certificate_expired");
        let msg = err.to_string();
        assert!(
            msg.contains("CN=Old") && msg.contains("2021-01-01T00:00:00Z"),
            "{msg}"
        );
        let then = Utc.with_ymd_and_hms(2020, 6, 1, 0, 0, 0).unwrap();
        let key = parse_buyer_certificate(&read(&old.cert), &roots, then).unwrap();
        assert_eq!(
            key.not_before,
            Utc.with_ymd_and_hms(2020, 1, 1, 0, 0, 0).unwrap()
        );
        assert_eq!(
            key.not_after,
            Utc.with_ymd_and_hms(2021, 1, 1, 0, 0, 0).unwrap()
        );

        let future = fx::issue_cert_dated(
            &ca,
            "future",
            Alg::Ed25519,
            "/CN=Future",
            "20990101000000Z",
            "20991231000000Z",
        );
        let err = parse_buyer_certificate(&read(&future.cert), &roots, Utc::now()).unwrap_err();
        assert_eq!(err.code(), "certificate_not_yet_valid");
        assert!(err.to_string().contains("2099-01-01T00:00:00Z"), "{err}");
    }

    #[test]
    fn garbage_and_oversized_certificates() {
        let tmp = tempfile::tempdir().unwrap();
        let ca = fx::make_ca(tmp.path(), "ca", Alg::Ed25519, "/CN=Buyers CA");
        let roots = [root(&ca)];
        // Certificates issued below start at the second they are made (openssl): judge them a
        // little later, or a second boundary in between makes them not yet valid.
        let now = Utc::now() + chrono::Duration::seconds(2);
        let buyer = fx::issue_cert(&ca, "buyer", Alg::Ed25519, "/CN=Alice");
        let der = fx::to_der(&buyer.cert, "x509");
        let pem = read(&buyer.cert);

        let mut cases: Vec<Vec<u8>> = vec![
            Vec::new(),
            b"not a certificate".to_vec(),
            vec![0x30, 0x82, 0xff, 0xff, 0x00],
            der[..der.len() / 2].to_vec(),
            [der.clone(), vec![0]].concat(),
            b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n".to_vec(),
            b"-----BEGIN CERTIFICATE-----\nAAAA\n".to_vec(),
            // A CRL is not a certificate.
            read(&fx::gencrl(&ca, "empty")),
            vec![0x30; CERT_MAX_BYTES + 1],
        ];
        // PEM body cut short.
        cases.push(pem[..pem.len() - 40].to_vec());
        for (i, bytes) in cases.iter().enumerate() {
            let err = parse_buyer_certificate(bytes, &roots, now).unwrap_err();
            assert_eq!(err.code(), "certificate_unparsable", "case {i}: {err}");
        }
        let err =
            parse_buyer_certificate(&vec![b'a'; CERT_MAX_BYTES + 1], &roots, now).unwrap_err();
        assert!(err.to_string().contains("64 KiB"), "{err}");

        // Text around the PEM block (as `openssl x509 -text` writes) is fine.
        let with_text = [
            b"Certificate:\n  some text\n".to_vec(),
            pem.clone(),
            b"\n".to_vec(),
        ]
        .concat();
        assert!(parse_buyer_certificate(&with_text, &roots, now).is_ok());
        // And so is a private key block before the certificate.
        let with_key = [read(&buyer.key), pem].concat();
        assert!(parse_buyer_certificate(&with_key, &roots, now).is_ok());
    }

    #[test]
    fn crl_lists_revoked_serial_with_date_and_reason() {
        let tmp = tempfile::tempdir().unwrap();
        let ca = fx::make_ca(tmp.path(), "ca", Alg::Ed25519, "/CN=Buyers CA/O=notar test");
        let roots = [root(&ca)];
        let kept = fx::issue_cert(&ca, "kept", Alg::Ed25519, "/CN=Kept");
        let lost = fx::issue_cert_x509_req(&ca, "lost", Alg::Ed25519, "/CN=Lost", "0x1001", 30);
        // `openssl ca -revoke` also works on certificates it did not issue itself.
        let crl_path = fx::revoke_and_gencrl(&ca, &lost.cert, "keyCompromise");

        let crl = parse_crl(&read(&crl_path), &roots).unwrap();
        assert_eq!(crl.issuer, "CN=Buyers CA, O=notar test");
        assert_eq!(crl.ca_key_id, roots[0].key_id);
        assert_eq!(crl.revoked.len(), 1);
        let entry = &crl.revoked[0];
        assert_eq!(entry.serial_hex, "1001");
        let (date, reason) = fx::revocation_in_index(&ca, "1001");
        assert_eq!(entry.revocation_date, date);
        assert_eq!(reason.as_deref(), Some("keyCompromise"));
        assert_eq!(entry.reason.as_deref(), Some("keyCompromise"));
        let next = crl.next_update.expect("openssl writes nextUpdate");
        assert_eq!(next - crl.this_update, Duration::days(30));
        assert!(!crl.revoked.iter().any(|r| r.serial_hex == kept.serial_hex));

        // The serial matches the certificate's own serial_hex.
        let key = parse_buyer_certificate(&read(&lost.cert), &roots, Utc::now()).unwrap();
        assert_eq!(key.serial_hex, entry.serial_hex);

        // DER works too.
        let der = parse_crl(&fx::to_der(&crl_path, "crl"), &roots).unwrap();
        assert_eq!(der, crl);

        // A second revocation, without reason, shows in the next CRL.
        fx::openssl(
            &ca.dir,
            &[
                "ca",
                "-config",
                ca.config.to_str().unwrap(),
                "-revoke",
                kept.cert.to_str().unwrap(),
            ],
        );
        let crl2 = parse_crl(&read(&fx::gencrl(&ca, "second")), &roots).unwrap();
        assert_eq!(crl2.revoked.len(), 2);
        let kept_entry = crl2
            .revoked
            .iter()
            .find(|r| r.serial_hex == kept.serial_hex)
            .unwrap();
        assert_eq!(kept_entry.reason, None);
        assert_eq!(
            kept_entry.revocation_date,
            fx::revocation_in_index(&ca, &kept.serial_hex).0
        );
    }

    #[test]
    fn crl_from_other_ca_tampered_or_garbage() {
        let tmp = tempfile::tempdir().unwrap();
        let ca = fx::make_ca(tmp.path(), "ca", Alg::Ed25519, "/CN=Buyers CA");
        let other = fx::make_ca(tmp.path(), "other", Alg::P256, "/CN=Other CA");
        let impostor = fx::make_ca(tmp.path(), "impostor", Alg::Ed25519, "/CN=Buyers CA");
        let roots = [root(&ca)];

        let err = parse_crl(&read(&fx::gencrl(&other, "o")), &roots).unwrap_err();
        assert_eq!(err.code(), "unknown_issuer");
        assert!(err.to_string().contains("CN=Other CA"), "{err}");
        assert_eq!(
            code(parse_crl(&read(&fx::gencrl(&impostor, "i")), &roots)),
            "bad_signature"
        );

        let good = fx::to_der(&fx::gencrl(&ca, "good"), "crl");
        assert!(parse_crl(&good, &roots).is_ok());
        let mut bad = good.clone();
        let last = bad.len() - 1;
        bad[last] ^= 0x01;
        assert_eq!(code(parse_crl(&bad, &roots)), "bad_signature");

        let ca_pem = read(&ca.cert);
        for (i, bytes) in [
            Vec::new(),
            b"garbage".to_vec(),
            vec![0x30, 0x03, 0x02, 0x01, 0x01],
            good[..good.len() - 10].to_vec(),
            b"-----BEGIN X509 CRL-----\n%%%%\n-----END X509 CRL-----\n".to_vec(),
            // A certificate is not a CRL.
            ca_pem,
            vec![0x30; CRL_MAX_BYTES + 1],
        ]
        .iter()
        .enumerate()
        {
            let err = parse_crl(bytes, &roots).unwrap_err();
            assert_eq!(err.code(), "crl_unparsable", "case {i}: {err}");
        }
    }

    #[test]
    fn codes_are_stable() {
        let s = String::new;
        let all = [
            (
                X509Error::CertificateUnparsable(s()),
                "certificate_unparsable",
            ),
            (X509Error::CrlUnparsable(s()), "crl_unparsable"),
            (
                X509Error::NotACa {
                    subject: s(),
                    reason: s(),
                },
                "not_a_ca",
            ),
            (
                X509Error::UnsupportedKey {
                    subject: s(),
                    algorithm: s(),
                },
                "unsupported_key",
            ),
            (
                X509Error::UnknownIssuer {
                    object: s(),
                    issuer: s(),
                },
                "unknown_issuer",
            ),
            (
                X509Error::BadSignature {
                    object: s(),
                    issuer: s(),
                    reason: s(),
                },
                "bad_signature",
            ),
            (
                X509Error::CertificateNotYetValid {
                    subject: s(),
                    not_before: s(),
                    now: s(),
                },
                "certificate_not_yet_valid",
            ),
            (
                X509Error::CertificateExpired {
                    subject: s(),
                    not_after: s(),
                    now: s(),
                },
                "certificate_expired",
            ),
        ];
        for (err, code) in all {
            assert_eq!(err.code(), code);
        }
    }

    #[test]
    fn hand_made_roots_never_panic() {
        let bogus = CaRoot {
            der: b"junk".to_vec(),
            subject: "CN=Buyers CA".into(),
            key_id: "00".into(),
        };
        let tmp = tempfile::tempdir().unwrap();
        let ca = fx::make_ca(tmp.path(), "ca", Alg::Ed25519, "/CN=Buyers CA");
        let buyer = fx::issue_cert(&ca, "b", Alg::Ed25519, "/CN=B");
        let err =
            parse_buyer_certificate(&read(&buyer.cert), std::slice::from_ref(&bogus), Utc::now());
        assert_eq!(code(err), "unknown_issuer");
        let crl = read(&fx::gencrl(&ca, "c"));
        assert_eq!(code(parse_crl(&crl, &[bogus])), "unknown_issuer");
    }

    #[test]
    fn helpers() {
        assert_eq!(serial_hex(&[]), "0");
        assert_eq!(serial_hex(&[0]), "0");
        assert_eq!(serial_hex(&[0, 0xff]), "ff");
        assert_eq!(serial_hex(&[0x10, 0x00]), "1000");
        assert_eq!(serial_hex(&[0x01, 0x02, 0x03]), "10203");
        assert_eq!(reason_name(1), "keyCompromise");
        assert_eq!(reason_name(7), "unknownReason");
    }
}
