//! RFC 3161 time-stamp protocol: parse queries, issue tokens, verify responses offline.
//!
//! The wire types follow the RFC: a `TimeStampReq` becomes a [`TimestampQuery`] once, at the
//! edge ([`parse_query`]), or a [`Rejection`] carrying the `PKIFailureInfo` bit to send back
//! ([`rejection_response`]). [`issue_response`] turns a query into a `TimeStampResp` whose token
//! is a CMS `SignedData` over a `TSTInfo`, signed with ECDSA P-256 by [`TsaSigner`]. The token
//! carries what `openssl ts -verify` insists on: the ESS signing-certificate-v2 attribute and a
//! TSA certificate whose only extended key usage is a critical `id-kp-timeStamping`.
//! [`verify_response`] is the offline check behind `notar verify FILE.tsr --data-file FILE`.
//!
//! Library choices: `x509-tsp` supplies `TimeStampReq`, `MessageImprint` and `Accuracy`, and
//! `cms` the `SignedData` types. `x509-tsp`'s `TstInfo` is not used because `der` 0.7's
//! `GeneralizedTime` cannot carry the fractional seconds our millisecond `genTime` needs;
//! [`TstInfo`] here is the same structure with its own time type. Signing uses `ring`, about four
//! times faster than RustCrypto `p256` for P-256 (see `benches/tsa.rs`).

use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc};
use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{EncapsulatedContentInfo, SignerIdentifier, SignerInfos};
use const_oid::db::rfc5280::{
    ID_CE_BASIC_CONSTRAINTS, ID_CE_EXT_KEY_USAGE, ID_CE_KEY_USAGE, ID_CE_SUBJECT_KEY_IDENTIFIER,
    ID_KP_TIME_STAMPING,
};
use const_oid::db::rfc5911::{
    ID_AA_SIGNING_CERTIFICATE, ID_AA_SIGNING_CERTIFICATE_V_2, ID_CONTENT_TYPE, ID_MESSAGE_DIGEST,
    ID_SIGNED_DATA,
};
use const_oid::db::rfc5912::{
    ECDSA_WITH_SHA_256, ECDSA_WITH_SHA_384, ID_EC_PUBLIC_KEY, ID_SHA_256, ID_SHA_384, ID_SHA_512,
    SECP_256_R_1, SECP_384_R_1,
};
use der::asn1::{BitString, Int, OctetString, OctetStringRef, SetOfVec};
use der::oid::ObjectIdentifier;
use der::{
    Any, Decode, DecodeValue, Encode, EncodeValue, FixedTag, Header, Length, Reader, Sequence, Tag,
    Tagged, Writer,
};
use p256::elliptic_curve::sec1::ToEncodedPoint;
use p256::elliptic_curve::zeroize::Zeroizing;
use ring::rand::SystemRandom;
use ring::signature::{EcdsaKeyPair, UnparsedPublicKey, ECDSA_P256_SHA256_ASN1_SIGNING};
use spki::AlgorithmIdentifierOwned;
use x509_cert::attr::Attribute;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{
    BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsages, SubjectKeyIdentifier,
};
use x509_cert::serial_number::SerialNumber;
use x509_cert::Certificate;
use x509_tsp::{Accuracy, MessageImprint, TimeStampReq, TspVersion};

/// Largest accepted `TimeStampReq`, in bytes. A real query is under 200 bytes; anything this
/// big is garbage or an attack, and is refused before parsing.
pub const QUERY_LEN_MAX: usize = 64 * 1024;

/// Largest accepted nonce, in content bytes. Clients use 8 (OpenSSL) to 20 bytes.
pub const NONCE_LEN_MAX: usize = 64;

/// Largest response [`verify_response`] reads, in bytes (a token with a certificate chain is a
/// few KiB).
pub const RESPONSE_LEN_MAX: usize = 256 * 1024;

/// Longest `statusString` written by [`rejection_response`], in bytes.
const STATUS_TEXT_LEN_MAX: usize = 512;

/// `id-ct-TSTInfo` (RFC 3161 §2.4.2): the content type of a timestamp token.
pub const ID_CT_TST_INFO: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.1.4");

// ---------------------------------------------------------------------------------------------
// Hash algorithms and failure codes

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
    fn from_alg_id(alg: &AlgorithmIdentifierOwned) -> Option<Self> {
        if !params_absent_or_null(alg) {
            return None;
        }
        Self::from_oid(&alg.oid)
    }

    /// The `AlgorithmIdentifier` we write: parameters absent, as RFC 5754 §2 asks.
    fn alg_id(self) -> AlgorithmIdentifierOwned {
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

fn params_absent_or_null(alg: &AlgorithmIdentifierOwned) -> bool {
    match &alg.parameters {
        None => true,
        Some(p) => p.tag() == Tag::Null && p.value().is_empty(),
    }
}

/// An RFC 3161 `PKIFailureInfo` value: why a query was refused. The wire form is one bit of a
/// BIT STRING ([`FailureInfo::bit`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FailureInfo {
    /// Unrecognized or unsupported hash algorithm.
    BadAlg,
    /// Transaction not permitted or supported.
    BadRequest,
    /// The data submitted has the wrong format.
    BadDataFormat,
    /// The TSA's time source is not available.
    TimeNotAvailable,
    /// The requested TSA policy is not supported.
    UnacceptedPolicy,
    /// The requested extension is not supported.
    UnacceptedExtension,
    /// The additional information requested could not be understood or is not available.
    AddInfoNotAvailable,
    /// The request cannot be handled due to a system failure.
    SystemFailure,
}

impl FailureInfo {
    const ALL: [FailureInfo; 8] = [
        FailureInfo::BadAlg,
        FailureInfo::BadRequest,
        FailureInfo::BadDataFormat,
        FailureInfo::TimeNotAvailable,
        FailureInfo::UnacceptedPolicy,
        FailureInfo::UnacceptedExtension,
        FailureInfo::AddInfoNotAvailable,
        FailureInfo::SystemFailure,
    ];

    /// The bit number in `PKIFailureInfo` (RFC 3161 §2.4.2).
    pub fn bit(self) -> u8 {
        match self {
            FailureInfo::BadAlg => 0,
            FailureInfo::BadRequest => 2,
            FailureInfo::BadDataFormat => 5,
            FailureInfo::TimeNotAvailable => 14,
            FailureInfo::UnacceptedPolicy => 15,
            FailureInfo::UnacceptedExtension => 16,
            FailureInfo::AddInfoNotAvailable => 17,
            FailureInfo::SystemFailure => 25,
        }
    }

    /// The RFC's name (`badAlg`, ...), as OpenSSL prints it.
    pub fn name(self) -> &'static str {
        match self {
            FailureInfo::BadAlg => "badAlg",
            FailureInfo::BadRequest => "badRequest",
            FailureInfo::BadDataFormat => "badDataFormat",
            FailureInfo::TimeNotAvailable => "timeNotAvailable",
            FailureInfo::UnacceptedPolicy => "unacceptedPolicy",
            FailureInfo::UnacceptedExtension => "unacceptedExtension",
            FailureInfo::AddInfoNotAvailable => "addInfoNotAvailable",
            FailureInfo::SystemFailure => "systemFailure",
        }
    }

    /// DER `BIT STRING` of this single named bit (trailing zero bits dropped, X.690 11.2.2).
    fn bit_string(self) -> der::Result<BitString> {
        let bit = usize::from(self.bit());
        let mut bytes = vec![0u8; bit / 8 + 1];
        // bit / 8 < bytes.len() by construction.
        bytes[bit / 8] = 0x80 >> (bit % 8);
        // 7 - bit % 8 is in 0..=7.
        BitString::new(7 - (bit % 8) as u8, bytes)
    }

    /// The named bits set in a received `PKIFailureInfo`.
    fn decode_bits(bits: &BitString) -> Vec<FailureInfo> {
        let set: Vec<usize> = bits
            .bits()
            .enumerate()
            .filter_map(|(i, b)| b.then_some(i))
            .collect();
        Self::ALL
            .into_iter()
            .filter(|f| set.contains(&usize::from(f.bit())))
            .collect()
    }
}

impl std::fmt::Display for FailureInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A refused query: the `PKIFailureInfo` bit to return and a human explanation (sent as the
/// `statusString`). Never a server error: the client's bytes were at fault.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{failure}: {text}")]
pub struct Rejection {
    /// The failure code sent in `failInfo`.
    pub failure: FailureInfo,
    /// What was wrong, in words, for `statusString` and logs.
    pub text: String,
}

impl Rejection {
    fn new(failure: FailureInfo, text: impl Into<String>) -> Self {
        Rejection {
            failure,
            text: text.into(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Queries

/// A parsed, accepted `TimeStampReq`: what the client asked to have stamped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimestampQuery {
    /// The hash algorithm of the imprint.
    pub hash_alg: HashAlg,
    /// Whether the query's hash `AlgorithmIdentifier` carried an explicit NULL parameter (as
    /// OpenSSL's do). Echoed, so the token's imprint equals the query's (RFC 3161 §2.4.2).
    pub hash_params_null: bool,
    /// The hash of the client's data; its length matches `hash_alg`.
    pub imprint: Vec<u8>,
    /// The nonce as DER INTEGER content bytes, echoed verbatim in the token.
    pub nonce: Option<Vec<u8>>,
    /// Whether the client wants the TSA certificate inside the token.
    pub cert_req: bool,
    /// The policy the client asked for (it equals ours, or the query was refused).
    pub req_policy: Option<ObjectIdentifier>,
}

impl TimestampQuery {
    /// A query for `data` with a random positive 64-bit nonce: what `notar stamp FILE` sends.
    pub fn for_data(hash_alg: HashAlg, data: &[u8], cert_req: bool) -> Self {
        let nonce: u64 = rand::random();
        TimestampQuery {
            hash_alg,
            hash_params_null: false,
            imprint: hash_alg.digest(data),
            nonce: Some(int_bytes_from_u64(nonce)),
            cert_req,
            req_policy: None,
        }
    }

    /// A query for an imprint hashed elsewhere (the console hashes files locally), without a
    /// nonce: the same length rule as [`parse_query`], so no path builds a query it would refuse.
    pub fn for_imprint(hash_alg: HashAlg, imprint: Vec<u8>) -> Result<Self, Rejection> {
        if imprint.len() != hash_alg.digest_len() {
            return Err(Rejection::new(
                FailureInfo::BadDataFormat,
                format!(
                    "a {hash_alg} imprint is {} bytes, got {}",
                    hash_alg.digest_len(),
                    imprint.len()
                ),
            ));
        }
        Ok(TimestampQuery {
            hash_alg,
            hash_params_null: false,
            imprint,
            nonce: None,
            cert_req: true,
            req_policy: None,
        })
    }

    /// The DER `TimeStampReq` for this query.
    pub fn to_der(&self) -> Result<Vec<u8>, TsaError> {
        check_query(self)?;
        let req = TimeStampReq {
            version: TspVersion::V1,
            message_imprint: message_imprint(self).map_err(encoding)?,
            req_policy: self.req_policy,
            nonce: self
                .nonce
                .as_deref()
                .map(Int::new)
                .transpose()
                .map_err(encoding)?,
            cert_req: self.cert_req,
            extensions: None,
        };
        req.to_der().map_err(encoding)
    }
}

/// Parses a DER `TimeStampReq` and decides whether this TSA serves it under `policy`.
///
/// Every refusal is a [`Rejection`] naming the RFC 3161 failure: `badDataFormat` for anything
/// malformed (including trailing bytes, a version other than 1, an imprint of the wrong length,
/// or more than [`QUERY_LEN_MAX`] bytes), `badAlg` for a hash other than SHA-256/384/512 or with
/// parameters other than absent/NULL, `unacceptedExtension` for any extension, and
/// `unacceptedPolicy` for a requested policy other than `policy`. Never panics.
pub fn parse_query(der: &[u8], policy: &ObjectIdentifier) -> Result<TimestampQuery, Rejection> {
    use FailureInfo::*;
    if der.len() > QUERY_LEN_MAX {
        return Err(Rejection::new(
            BadDataFormat,
            format!("query is {} bytes, more than {QUERY_LEN_MAX}", der.len()),
        ));
    }
    let req = TimeStampReq::from_der(der)
        .map_err(|e| Rejection::new(BadDataFormat, format!("malformed TimeStampReq: {e}")))?;
    if req.extensions.is_some() {
        return Err(Rejection::new(
            UnacceptedExtension,
            "query extensions are not supported",
        ));
    }
    let alg_id = &req.message_imprint.hash_algorithm;
    let hash_alg = HashAlg::from_oid(&alg_id.oid).ok_or_else(|| {
        Rejection::new(
            BadAlg,
            format!(
                "hash algorithm {} is not supported (use SHA-256, SHA-384 or SHA-512)",
                alg_id.oid
            ),
        )
    })?;
    if !params_absent_or_null(alg_id) {
        return Err(Rejection::new(
            BadAlg,
            "hash algorithm parameters must be absent or NULL",
        ));
    }
    let imprint = req.message_imprint.hashed_message.as_bytes();
    if imprint.len() != hash_alg.digest_len() {
        return Err(Rejection::new(
            BadDataFormat,
            format!(
                "{hash_alg} imprint must be {} bytes, not {}",
                hash_alg.digest_len(),
                imprint.len()
            ),
        ));
    }
    if let Some(requested) = req.req_policy {
        if requested != *policy {
            return Err(Rejection::new(
                UnacceptedPolicy,
                format!("policy {requested} is not served here (this TSA uses {policy})"),
            ));
        }
    }
    let nonce = req.nonce.map(|n| n.as_bytes().to_vec());
    if nonce.as_ref().is_some_and(|n| n.len() > NONCE_LEN_MAX) {
        return Err(Rejection::new(
            BadDataFormat,
            format!("nonce longer than {NONCE_LEN_MAX} bytes"),
        ));
    }
    Ok(TimestampQuery {
        hash_alg,
        hash_params_null: alg_id.parameters.is_some(),
        imprint: imprint.to_vec(),
        nonce,
        cert_req: req.cert_req,
        req_policy: req.req_policy,
    })
}

/// Checks the invariants `parse_query` establishes, for queries built by hand.
fn check_query(q: &TimestampQuery) -> Result<(), TsaError> {
    if q.imprint.len() != q.hash_alg.digest_len() {
        return Err(TsaError::InvalidQuery(format!(
            "{} imprint must be {} bytes",
            q.hash_alg,
            q.hash_alg.digest_len()
        )));
    }
    if let Some(nonce) = &q.nonce {
        if nonce.len() > NONCE_LEN_MAX || !is_canonical_int(nonce) {
            return Err(TsaError::InvalidQuery(
                "nonce is not a canonical DER INTEGER".into(),
            ));
        }
    }
    Ok(())
}

fn message_imprint(q: &TimestampQuery) -> der::Result<MessageImprint> {
    let parameters = if q.hash_params_null {
        Some(Any::from(der::asn1::Null))
    } else {
        None
    };
    Ok(MessageImprint {
        hash_algorithm: AlgorithmIdentifierOwned {
            oid: q.hash_alg.oid(),
            parameters,
        },
        hashed_message: OctetString::new(q.imprint.as_slice())?,
    })
}

// ---------------------------------------------------------------------------------------------
// Errors

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

fn encoding(e: der::Error) -> TsaError {
    TsaError::Encoding(e.to_string())
}

fn malformed(what: &'static str) -> impl Fn(der::Error) -> TsaError {
    move |e| TsaError::Malformed(format!("{what}: {e}"))
}

// ---------------------------------------------------------------------------------------------
// Wire structures not provided by x509-tsp / cms

/// `genTime` as DER `GeneralizedTime` with millisecond precision: `YYYYMMDDHHMMSS[.fff]Z`,
/// trailing zeros of the fraction dropped (X.690 11.7), as OpenSSL writes and reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct GenTime(DateTime<Utc>);

impl GenTime {
    /// Longest form accepted when decoding: 14 digits, `.`, 9 fraction digits, `Z`.
    const LEN_MAX: usize = 25;

    fn ascii(&self) -> der::Result<String> {
        let t = self.0;
        if !(0..=9999).contains(&t.year()) {
            return Err(Tag::GeneralizedTime.value_error());
        }
        // Leap seconds show as nanosecond >= 1e9 in chrono: clamp into the last millisecond.
        let ms = (t.nanosecond() / 1_000_000).min(999);
        let mut s = format!(
            "{:04}{:02}{:02}{:02}{:02}{:02}",
            t.year(),
            t.month(),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        );
        if ms != 0 {
            let frac = format!("{ms:03}");
            s.push('.');
            s.push_str(frac.trim_end_matches('0'));
        }
        s.push('Z');
        Ok(s)
    }

    fn parse(bytes: &[u8]) -> Option<DateTime<Utc>> {
        let (digits, rest) = bytes.split_at_checked(14)?;
        if !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let num = |from: usize, to: usize| {
            digits
                .get(from..to)
                .map(|ds| ds.iter().fold(0u32, |n, d| n * 10 + u32::from(d - b'0')))
        };
        let nanos = match rest {
            [b'Z'] => 0,
            [b'.', frac @ .., b'Z']
                if (1..=9).contains(&frac.len()) && frac.iter().all(u8::is_ascii_digit) =>
            {
                let n = frac.iter().fold(0u32, |n, d| n * 10 + u32::from(d - b'0'));
                // frac.len() is in 1..=9, so the exponent is in 0..=8.
                n * 10u32.pow(9 - frac.len() as u32)
            }
            _ => return None,
        };
        let year = i32::try_from(num(0, 4)?).ok()?;
        NaiveDate::from_ymd_opt(year, num(4, 6)?, num(6, 8)?)?
            .and_hms_nano_opt(num(8, 10)?, num(10, 12)?, num(12, 14)?, nanos)
            .map(|t| t.and_utc())
    }
}

impl FixedTag for GenTime {
    const TAG: Tag = Tag::GeneralizedTime;
}

impl EncodeValue for GenTime {
    fn value_len(&self) -> der::Result<Length> {
        Length::try_from(self.ascii()?.len())
    }

    fn encode_value(&self, writer: &mut impl Writer) -> der::Result<()> {
        writer.write(self.ascii()?.as_bytes())
    }
}

impl<'a> DecodeValue<'a> for GenTime {
    fn decode_value<R: Reader<'a>>(reader: &mut R, header: Header) -> der::Result<Self> {
        if usize::try_from(header.length)? > Self::LEN_MAX {
            return Err(Tag::GeneralizedTime.length_error());
        }
        let bytes = reader.read_slice(header.length)?;
        Self::parse(bytes)
            .map(GenTime)
            .ok_or_else(|| Tag::GeneralizedTime.value_error())
    }
}

/// `TSTInfo` (RFC 3161 §2.4.2), with a millisecond `genTime`.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
struct TstInfo {
    version: TspVersion,
    policy: ObjectIdentifier,
    message_imprint: MessageImprint,
    serial_number: Int,
    gen_time: GenTime,
    #[asn1(optional = "true")]
    accuracy: Option<Accuracy>,
    #[asn1(default = "Default::default")]
    ordering: bool,
    #[asn1(optional = "true")]
    nonce: Option<Int>,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    tsa: Option<GeneralName>,
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    extensions: Option<x509_cert::ext::Extensions>,
}

/// `PKIStatusInfo` (RFC 3161 §2.4.2 / RFC 4210).
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
struct PkiStatusInfo {
    status: u8,
    #[asn1(optional = "true")]
    status_string: Option<Vec<String>>,
    #[asn1(optional = "true")]
    fail_info: Option<BitString>,
}

/// `TimeStampResp` (RFC 3161 §2.4.2).
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
struct TimeStampResp {
    status: PkiStatusInfo,
    #[asn1(optional = "true")]
    time_stamp_token: Option<ContentInfo>,
}

/// CMS `SignedData` as the verifier reads it: `cms`'s structure, except that the certificate
/// set is read as a plain list. OpenSSL writes the signer's certificate twice when it is also in
/// the configured `certs` file, a SET OF with duplicates that `der`'s `SetOfVec` refuses.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
struct SignedDataIn {
    version: CmsVersion,
    digest_algorithms: SetOfVec<AlgorithmIdentifierOwned>,
    encap_content_info: EncapsulatedContentInfo,
    #[asn1(
        context_specific = "0",
        tag_mode = "IMPLICIT",
        constructed = "true",
        optional = "true"
    )]
    certificates: Option<Vec<CertificateChoices>>,
    #[asn1(
        context_specific = "1",
        tag_mode = "IMPLICIT",
        constructed = "true",
        optional = "true"
    )]
    crls: Option<cms::revocation::RevocationInfoChoices>,
    signer_infos: SignerInfos,
}

/// `SigningCertificateV2` (RFC 5035 §3).
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
struct SigningCertificateV2 {
    certs: Vec<EssCertIdV2>,
    #[asn1(optional = "true")]
    policies: Option<Any>,
}

/// `ESSCertIDv2`. The hash algorithm is `DEFAULT {id-sha256}`: `None` means SHA-256, and is
/// what we write (DER omits a default value).
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
struct EssCertIdV2 {
    #[asn1(optional = "true")]
    hash_algorithm: Option<AlgorithmIdentifierOwned>,
    cert_hash: OctetString,
    #[asn1(optional = "true")]
    issuer_serial: Option<IssuerSerial>,
}

/// `SigningCertificate` (RFC 2634 §5.4), the SHA-1 predecessor, only read.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
struct SigningCertificateV1 {
    certs: Vec<EssCertIdV1>,
    #[asn1(optional = "true")]
    policies: Option<Any>,
}

/// `ESSCertID`: a SHA-1 certificate hash.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
struct EssCertIdV1 {
    cert_hash: OctetString,
    #[asn1(optional = "true")]
    issuer_serial: Option<IssuerSerial>,
}

/// `IssuerSerial`: the issuer's name (as GeneralNames) and the certificate's serial.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
struct IssuerSerial {
    issuer: Vec<GeneralName>,
    serial_number: SerialNumber,
}

impl IssuerSerial {
    fn of(cert: &Certificate) -> Self {
        IssuerSerial {
            issuer: vec![GeneralName::DirectoryName(
                cert.tbs_certificate.issuer.clone(),
            )],
            serial_number: cert.tbs_certificate.serial_number.clone(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Signing

/// The TSA's signing key and certificate, with the constant parts of every token pre-encoded.
/// `Send + Sync`: one instance serves the whole signing pool.
pub struct TsaSigner {
    key_pair: EcdsaKeyPair,
    rng: SystemRandom,
    cert: Certificate,
    cert_der: Vec<u8>,
    parts: TokenParts,
}

/// DER pieces that are the same in every token, encoded once in [`TsaSigner::from_pem`].
///
/// Tokens are then assembled by concatenation ([`issue_response`]): encoding the certificate
/// and names through `der`'s generic structures cost more than half a signature per token.
/// The verifier still reads tokens through the typed structures, and the tests and OpenSSL
/// check that both agree.
struct TokenParts {
    /// `tsa [0] EXPLICIT GeneralName` = directoryName of the certificate's subject.
    tsa_field: Vec<u8>,
    /// The head of the `SignerInfo`: version 1, `IssuerAndSerialNumber`, digestAlgorithm.
    signer_info_head: Vec<u8>,
    /// The content-type signed attribute (id-ct-TSTInfo).
    content_type_attr: Vec<u8>,
    /// The ESS signing-certificate-v2 signed attribute naming the certificate.
    ess_attr: Vec<u8>,
    /// `signatureAlgorithm`: ecdsa-with-SHA256, parameters absent (RFC 5758).
    signature_alg: Vec<u8>,
    /// `digestAlgorithms`: SET { sha256 }.
    digest_algs: Vec<u8>,
    /// `certificates [0] IMPLICIT SET OF`: the TSA certificate, sent when certReq is set.
    cert_set: Vec<u8>,
}

impl TokenParts {
    fn new(cert: &Certificate, cert_der: &[u8]) -> der::Result<Self> {
        let tbs = &cert.tbs_certificate;
        let subject = GeneralName::DirectoryName(tbs.subject.clone()).to_der()?;
        let sid = IssuerAndSerialNumber {
            issuer: tbs.issuer.clone(),
            serial_number: tbs.serial_number.clone(),
        }
        .to_der()?;
        let digest_alg = HashAlg::Sha256.alg_id().to_der()?;
        let ess = SigningCertificateV2 {
            certs: vec![EssCertIdV2 {
                hash_algorithm: None,
                cert_hash: OctetString::new(HashAlg::Sha256.digest(cert_der))?,
                issuer_serial: Some(IssuerSerial::of(cert)),
            }],
            policies: None,
        };
        let signature_alg = AlgorithmIdentifierOwned {
            oid: ECDSA_WITH_SHA_256,
            parameters: None,
        };
        Ok(TokenParts {
            tsa_field: tlv(0xa0, &subject),
            signer_info_head: [&[0x02, 0x01, 0x01][..], &sid, &digest_alg].concat(),
            content_type_attr: attribute(ID_CONTENT_TYPE, &ID_CT_TST_INFO)?.to_der()?,
            ess_attr: attribute(ID_AA_SIGNING_CERTIFICATE_V_2, &ess)?.to_der()?,
            signature_alg: signature_alg.to_der()?,
            digest_algs: tlv(0x31, &digest_alg),
            cert_set: tlv(0xa0, cert_der),
        })
    }
}

impl std::fmt::Debug for TsaSigner {
    /// Names the certificate, never the key.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TsaSigner")
            .field("subject", &self.cert.tbs_certificate.subject.to_string())
            .finish_non_exhaustive()
    }
}

impl TsaSigner {
    /// Loads the TSA key (PKCS#8 `PRIVATE KEY` or SEC1 `EC PRIVATE KEY` PEM, P-256) and its
    /// certificate (PEM), refusing a key that does not match the certificate and a certificate
    /// that is not fit for timestamping (RFC 3161 §2.3: critical EKU, timeStamping only).
    ///
    /// The key is parsed by `p256` (which reads every common form) and handed to `ring` as raw
    /// scalar and point, since `ring` reads only PKCS#8 that embeds the public key.
    pub fn from_pem(key_pem: &str, cert_pem: &str) -> Result<Self, TsaError> {
        use p256::pkcs8::DecodePrivateKey;
        let key_pem = key_pem.trim();
        let secret = if key_pem.starts_with("-----BEGIN EC PRIVATE KEY-----") {
            p256::SecretKey::from_sec1_pem(key_pem)
                .map_err(|_| TsaError::InvalidKey("not a P-256 SEC1 key".into()))?
        } else {
            p256::SecretKey::from_pkcs8_pem(key_pem)
                .map_err(|_| TsaError::InvalidKey("not a P-256 PKCS#8 key".into()))?
        };
        let scalar = Zeroizing::new(secret.to_bytes());
        let point = secret.public_key().to_encoded_point(false);
        let rng = SystemRandom::new();
        let key_pair = EcdsaKeyPair::from_private_key_and_public_key(
            &ECDSA_P256_SHA256_ASN1_SIGNING,
            &scalar[..],
            point.as_bytes(),
            &rng,
        )
        .map_err(|e| TsaError::InvalidKey(format!("rejected by ring: {e}")))?;

        let cert_der = crate::crypto::pki::cert_der_from_pem(cert_pem)
            .map_err(|e| TsaError::InvalidCertificate(e.to_string()))?;
        let cert = Certificate::from_der(&cert_der)
            .map_err(|e| TsaError::InvalidCertificate(e.to_string()))?;
        let spki = &cert.tbs_certificate.subject_public_key_info;
        if spki.algorithm.oid != ID_EC_PUBLIC_KEY
            || spki.subject_public_key.as_bytes() != Some(point.as_bytes())
        {
            return Err(TsaError::KeyCertMismatch);
        }
        check_timestamping_cert(&cert).map_err(TsaError::InvalidCertificate)?;
        let parts = TokenParts::new(&cert, &cert_der).map_err(encoding)?;
        Ok(TsaSigner {
            key_pair,
            rng,
            cert,
            cert_der,
            parts,
        })
    }

    /// The TSA certificate, DER (for `GET /v1/timestamp/certchain` and `notar verify`).
    pub fn cert_der(&self) -> &[u8] {
        &self.cert_der
    }

    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, TsaError> {
        self.key_pair
            .sign(&self.rng, msg)
            .map(|sig| sig.as_ref().to_vec())
            .map_err(|_| TsaError::Signing)
    }
}

/// What the sequencer decides for one token; everything else comes from the query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenParams {
    /// The token's serial number: unique and monotonic, assigned by the sequencer.
    pub serial: u64,
    /// The time stamped. Encoded with millisecond precision (finer digits are dropped).
    pub gen_time: DateTime<Utc>,
    /// The TSA policy OID from the configuration.
    pub policy: ObjectIdentifier,
    /// The accuracy of `gen_time`, in milliseconds, from the configuration; 0 omits the field.
    pub accuracy_ms: u32,
}

/// Issues a granted `TimeStampResp` (DER) for `q`: a CMS SignedData over the `TSTInfo`, signed
/// by `signer` with the content-type, message-digest and ESS signing-certificate-v2 attributes,
/// and carrying the TSA certificate iff the query asked for it.
///
/// The `TSTInfo` holds the query's imprint and nonce verbatim, the policy, serial, genTime and
/// accuracy of `p`, `ordering` absent (false) and the TSA's name. No signing-time attribute is
/// written: genTime is the authoritative time, and a second, coarser one would only invite
/// disagreement.
pub fn issue_response(
    signer: &TsaSigner,
    q: &TimestampQuery,
    p: &TokenParams,
) -> Result<Vec<u8>, TsaError> {
    check_query(q)?;
    let parts = &signer.parts;
    let tst = tst_info_der(q, p, &parts.tsa_field)?;

    // Signed attributes: a DER SET OF is sorted by encoding (X.690 11.6); byte-wise order of
    // the three distinct encodings is that order.
    let digest = HashAlg::Sha256.digest(&tst);
    let digest_attr = attribute(
        ID_MESSAGE_DIGEST,
        &OctetStringRef::new(&digest).map_err(encoding)?,
    )
    .and_then(|a| a.to_der())
    .map_err(encoding)?;
    let mut attrs = [
        parts.content_type_attr.as_slice(),
        digest_attr.as_slice(),
        parts.ess_attr.as_slice(),
    ];
    attrs.sort_unstable();
    let attrs = attrs.concat();
    // The signature covers the attributes with the universal SET tag (RFC 5652 §5.4), while
    // the SignerInfo carries them as [0] IMPLICIT.
    let signature = signer.sign(&tlv(0x31, &attrs))?;
    let signer_info = tlv(
        0x30,
        &[
            parts.signer_info_head.as_slice(),
            &tlv(0xa0, &attrs),
            &parts.signature_alg,
            &tlv(0x04, &signature),
        ]
        .concat(),
    );

    let econtent = tlv(
        0x30,
        &[oid_der(&ID_CT_TST_INFO), tlv(0xa0, &tlv(0x04, &tst))].concat(),
    );
    let certificates: &[u8] = if q.cert_req { &parts.cert_set } else { &[] };
    let signed_data = tlv(
        0x30,
        &[
            // Version 3: the encapsulated content is not id-data (RFC 5652 §5.1).
            &[0x02, 0x01, 0x03][..],
            &parts.digest_algs,
            &econtent,
            certificates,
            &tlv(0x31, &signer_info),
        ]
        .concat(),
    );
    let content_info = tlv(
        0x30,
        &[oid_der(&ID_SIGNED_DATA), tlv(0xa0, &signed_data)].concat(),
    );
    // PKIStatusInfo { status granted(0) }, then the token.
    Ok(tlv(
        0x30,
        &[&[0x30, 0x03, 0x02, 0x01, 0x00][..], &content_info].concat(),
    ))
}

/// The DER `TSTInfo` (RFC 3161 §2.4.2) for one token.
fn tst_info_der(
    q: &TimestampQuery,
    p: &TokenParams,
    tsa_field: &[u8],
) -> Result<Vec<u8>, TsaError> {
    let imprint = message_imprint(q)
        .and_then(|m| m.to_der())
        .map_err(encoding)?;
    let gen_time = GenTime(p.gen_time).to_der().map_err(encoding)?;
    let accuracy = match accuracy(p.accuracy_ms) {
        Some(a) => a.to_der().map_err(encoding)?,
        None => Vec::new(),
    };
    let nonce = match &q.nonce {
        Some(n) => tlv(0x02, n),
        None => Vec::new(),
    };
    Ok(tlv(
        0x30,
        &[
            &[0x02, 0x01, 0x01][..],
            &oid_der(&p.policy),
            &imprint,
            &tlv(0x02, &int_bytes_from_u64(p.serial)),
            &gen_time,
            &accuracy,
            // ordering: DEFAULT FALSE, so absent.
            &nonce,
            tsa_field,
            // extensions: none.
        ]
        .concat(),
    ))
}

/// `tag`, the DER length of `content`, then `content`.
fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let len = content.len();
    let mut out = Vec::with_capacity(content.len() + 6);
    out.push(tag);
    if len < 0x80 {
        // len < 0x80 fits a byte.
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        // At most size_of::<usize>() = 8 length bytes follow.
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(content);
    out
}

fn oid_der(oid: &ObjectIdentifier) -> Vec<u8> {
    tlv(0x06, oid.as_bytes())
}

/// The DER `TimeStampResp` refusing a query: status rejection (2), the text as `statusString`
/// (cut to 512 bytes) and the failure bit as `failInfo`.
pub fn rejection_response(r: &Rejection) -> Vec<u8> {
    /// `{status 2, failInfo systemFailure}`: what is sent should encoding ever fail.
    const FALLBACK: [u8; 14] = [
        0x30, 0x0c, 0x30, 0x0a, 0x02, 0x01, 0x02, 0x03, 0x05, 0x06, 0x00, 0x00, 0x00, 0x40,
    ];
    let mut text = r.text.clone();
    if text.len() > STATUS_TEXT_LEN_MAX {
        let mut cut = STATUS_TEXT_LEN_MAX;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
    }
    let encoded = r.failure.bit_string().and_then(|bits| {
        TimeStampResp {
            status: PkiStatusInfo {
                status: 2,
                status_string: Some(vec![text]),
                fail_info: Some(bits),
            },
            time_stamp_token: None,
        }
        .to_der()
    });
    encoded.unwrap_or_else(|_| FALLBACK.to_vec())
}

fn attribute(oid: ObjectIdentifier, value: &(impl EncodeValue + Tagged)) -> der::Result<Attribute> {
    Ok(Attribute {
        oid,
        values: SetOfVec::try_from(vec![Any::encode_from(value)?])?,
    })
}

fn accuracy(accuracy_ms: u32) -> Option<Accuracy> {
    if accuracy_ms == 0 {
        return None;
    }
    let seconds = u64::from(accuracy_ms / 1000);
    // accuracy_ms % 1000 < 1000 fits an i16.
    let millis = (accuracy_ms % 1000) as i16;
    Some(Accuracy {
        seconds: (seconds != 0).then_some(seconds),
        millis: (millis != 0).then_some(millis),
        micros: None,
    })
}

/// DER INTEGER content bytes of a non-negative number (minimal, with a 0x00 pad if the top bit
/// is set).
fn int_bytes_from_u64(n: u64) -> Vec<u8> {
    let bytes = n.to_be_bytes();
    let first = bytes
        .iter()
        .position(|b| *b != 0)
        .unwrap_or(bytes.len() - 1);
    let mut out = Vec::with_capacity(9);
    if bytes[first] >= 0x80 {
        out.push(0);
    }
    out.extend_from_slice(&bytes[first..]);
    out
}

fn is_canonical_int(bytes: &[u8]) -> bool {
    match bytes {
        [] => false,
        [0x00, next, ..] => *next >= 0x80,
        [0xff, next, ..] => *next < 0x80,
        _ => true,
    }
}

// ---------------------------------------------------------------------------------------------
// Verification

/// A timestamp token that passed every check of [`verify_response`]. Only that function makes
/// one (`non_exhaustive`: no other crate can build it), so holding one proves the checks ran.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct VerifiedToken {
    /// The token's serial number, big-endian unsigned, minimal (RFC 3161 allows 160 bits).
    pub serial: Vec<u8>,
    /// The time stamped.
    pub gen_time: DateTime<Utc>,
    /// The accuracy of `gen_time` in milliseconds (microseconds rounded up), if stated.
    pub accuracy_ms: Option<u64>,
    /// The imprint's hash algorithm.
    pub hash_alg: HashAlg,
    /// The imprint: the hash of the stamped data.
    pub imprint: Vec<u8>,
    /// The TSA policy under which the token was issued.
    pub policy: ObjectIdentifier,
    /// The nonce (DER INTEGER content bytes), if the query had one.
    pub nonce: Option<Vec<u8>>,
    /// The subject of the TSA certificate that signed, RFC 4514 form.
    pub tsa_subject: String,
}

impl VerifiedToken {
    /// The serial as a `u64`, if it fits (always, for notar's own tokens).
    pub fn serial_u64(&self) -> Option<u64> {
        if self.serial.len() > 8 {
            return None;
        }
        Some(
            self.serial
                .iter()
                .fold(0u64, |n, b| (n << 8) | u64::from(*b)),
        )
    }
}

/// Verifies a DER `TimeStampResp` (or a bare token, a CMS `ContentInfo`) against `data`,
/// trusting only `root_cert_der`.
///
/// Checks, in order, each failure its own [`TsaError`] variant: the status is granted; the
/// structure is a SignedData over a `TSTInfo` with one signer; the signer's certificate (from
/// the token, or `tsa_cert_der`) was issued by the root, both were valid at genTime, and it is a
/// timestamping certificate (critical EKU with only timeStamping); the CMS signature verifies;
/// content-type and message-digest match the `TSTInfo`; the ESS signing-certificate(-v2)
/// attribute names that certificate; finally the imprint equals the hash of `data`.
pub fn verify_response(
    resp_der: &[u8],
    data: &[u8],
    root_cert_der: &[u8],
    tsa_cert_der: Option<&[u8]>,
) -> Result<VerifiedToken, TsaError> {
    if resp_der.len() > RESPONSE_LEN_MAX {
        return Err(TsaError::Malformed(format!(
            "{} bytes, more than {RESPONSE_LEN_MAX}",
            resp_der.len()
        )));
    }
    let token = token_of(resp_der)?;
    if token.content_type != ID_SIGNED_DATA {
        return Err(TsaError::NotATimestampToken(format!(
            "content type {} is not signedData",
            token.content_type
        )));
    }
    let sd: SignedDataIn = token.content.decode_as().map_err(malformed("SignedData"))?;
    let eci = &sd.encap_content_info;
    if eci.econtent_type != ID_CT_TST_INFO {
        return Err(TsaError::NotATimestampToken(format!(
            "encapsulated content type {} is not id-ct-TSTInfo",
            eci.econtent_type
        )));
    }
    let tst_der = match &eci.econtent {
        Some(content) if content.tag() == Tag::OctetString => content.value(),
        _ => return Err(TsaError::Malformed("no TSTInfo in the token".into())),
    };
    let tst = TstInfo::from_der(tst_der).map_err(malformed("TSTInfo"))?;
    let gen_time = tst.gen_time.0;
    let si = match sd.signer_infos.0.as_slice() {
        [si] => si,
        other => {
            return Err(TsaError::Malformed(format!(
                "{} signers, expected exactly one",
                other.len()
            )))
        }
    };

    let root = Certificate::from_der(root_cert_der)
        .map_err(|e| TsaError::Malformed(format!("root certificate: {e}")))?;
    let cert = signer_cert(&sd, &si.sid, tsa_cert_der)?;
    check_issued_by(&cert, &root)?;
    for (which, c) in [("TSA", &cert), ("root", &root)] {
        if !valid_at(c, gen_time) {
            return Err(TsaError::CertificateNotValidAt {
                which,
                at: gen_time,
            });
        }
    }
    check_timestamping_cert(&cert).map_err(TsaError::NotTimestampingCertificate)?;

    let signed_attrs = si
        .signed_attrs
        .as_ref()
        .ok_or_else(|| TsaError::Malformed("no signed attributes".into()))?;
    let signed_der = signed_attrs
        .to_der()
        .map_err(malformed("signed attributes"))?;
    verify_signature(
        &cert.tbs_certificate.subject_public_key_info,
        &si.signature_algorithm,
        &signed_der,
        si.signature.as_bytes(),
    )?;

    check_content_attrs(signed_attrs, &si.digest_alg, tst_der)?;
    check_ess(signed_attrs, &cert)?;

    let hash_alg = HashAlg::from_alg_id(&tst.message_imprint.hash_algorithm).ok_or_else(|| {
        TsaError::UnsupportedAlgorithm(format!(
            "imprint hash {}",
            tst.message_imprint.hash_algorithm.oid
        ))
    })?;
    let imprint = tst.message_imprint.hashed_message.as_bytes().to_vec();
    if hash_alg.digest(data) != imprint {
        return Err(TsaError::ImprintMismatch);
    }
    Ok(VerifiedToken {
        serial: unsigned_serial(&tst.serial_number)?,
        gen_time,
        accuracy_ms: tst.accuracy.as_ref().map(accuracy_ms),
        hash_alg,
        imprint,
        policy: tst.policy,
        nonce: tst.nonce.map(|n| n.as_bytes().to_vec()),
        tsa_subject: cert.tbs_certificate.subject.to_string(),
    })
}

/// The token inside a granted `TimeStampResp`, or the bytes themselves as a bare token.
fn token_of(resp_der: &[u8]) -> Result<ContentInfo, TsaError> {
    let resp = match TimeStampResp::from_der(resp_der) {
        Ok(resp) => resp,
        Err(resp_err) => {
            return ContentInfo::from_der(resp_der).map_err(|_| {
                TsaError::Malformed(format!(
                    "neither a TimeStampResp nor a timestamp token: {resp_err}"
                ))
            })
        }
    };
    let status = resp.status.status;
    if status > 1 {
        return Err(TsaError::NotGranted {
            status,
            text: resp.status.status_string.unwrap_or_default().join("; "),
            failures: resp
                .status
                .fail_info
                .as_ref()
                .map(FailureInfo::decode_bits)
                .unwrap_or_default(),
        });
    }
    resp.time_stamp_token
        .ok_or_else(|| TsaError::Malformed("granted response without a token".into()))
}

/// The signer's certificate: `given` if it matches the signer id, else one from the token.
fn signer_cert(
    sd: &SignedDataIn,
    sid: &SignerIdentifier,
    given: Option<&[u8]>,
) -> Result<Certificate, TsaError> {
    if let Some(der) = given {
        let cert = Certificate::from_der(der)
            .map_err(|e| TsaError::Malformed(format!("TSA certificate: {e}")))?;
        if sid_matches(sid, &cert) {
            return Ok(cert);
        }
    }
    sd.certificates
        .iter()
        .flatten()
        .find_map(|choice| match choice {
            CertificateChoices::Certificate(c) if sid_matches(sid, c) => Some(c.clone()),
            _ => None,
        })
        .ok_or(TsaError::SignerCertificateMissing)
}

fn sid_matches(sid: &SignerIdentifier, cert: &Certificate) -> bool {
    match sid {
        SignerIdentifier::IssuerAndSerialNumber(ias) => {
            ias.issuer == cert.tbs_certificate.issuer
                && ias.serial_number == cert.tbs_certificate.serial_number
        }
        SignerIdentifier::SubjectKeyIdentifier(ski) => {
            extension(cert, ID_CE_SUBJECT_KEY_IDENTIFIER)
                .and_then(|e| SubjectKeyIdentifier::from_der(e.extn_value.as_bytes()).ok())
                .is_some_and(|own| own == *ski)
        }
    }
}

fn extension(cert: &Certificate, oid: ObjectIdentifier) -> Option<&x509_cert::ext::Extension> {
    cert.tbs_certificate
        .extensions
        .as_ref()
        .and_then(|exts| exts.iter().find(|e| e.extn_id == oid))
}

fn check_issued_by(cert: &Certificate, root: &Certificate) -> Result<(), TsaError> {
    if cert.tbs_certificate.issuer != root.tbs_certificate.subject {
        return Err(TsaError::NotIssuedByRoot(format!(
            "issuer is {}, the root is {}",
            cert.tbs_certificate.issuer, root.tbs_certificate.subject
        )));
    }
    if cert.signature_algorithm != cert.tbs_certificate.signature {
        return Err(TsaError::Malformed(
            "certificate signature algorithms disagree".into(),
        ));
    }
    let tbs = cert
        .tbs_certificate
        .to_der()
        .map_err(malformed("TSA certificate"))?;
    let sig = cert
        .signature
        .as_bytes()
        .ok_or_else(|| TsaError::Malformed("certificate signature is not whole bytes".into()))?;
    match verify_signature(
        &root.tbs_certificate.subject_public_key_info,
        &cert.signature_algorithm,
        &tbs,
        sig,
    ) {
        Err(TsaError::SignatureInvalid) => Err(TsaError::NotIssuedByRoot(
            "its signature does not verify with the root's key".into(),
        )),
        other => other,
    }
}

fn valid_at(cert: &Certificate, t: DateTime<Utc>) -> bool {
    let v = &cert.tbs_certificate.validity;
    let secs = |time: &x509_cert::time::Time| {
        i64::try_from(time.to_unix_duration().as_secs()).unwrap_or(i64::MAX)
    };
    secs(&v.not_before) <= t.timestamp() && t.timestamp() <= secs(&v.not_after)
}

/// RFC 3161 §2.3: exactly one EKU extension, critical, holding only timeStamping; no CA; a key
/// usage, if present, allowing signatures; no critical extension we do not understand.
fn check_timestamping_cert(cert: &Certificate) -> Result<(), String> {
    let exts: &[x509_cert::ext::Extension] =
        cert.tbs_certificate.extensions.as_deref().unwrap_or(&[]);
    let ekus: Vec<_> = exts
        .iter()
        .filter(|e| e.extn_id == ID_CE_EXT_KEY_USAGE)
        .collect();
    let eku = match ekus.as_slice() {
        [eku] => eku,
        [] => return Err("no extended key usage extension".into()),
        _ => return Err("more than one extended key usage extension".into()),
    };
    if !eku.critical {
        return Err("the extended key usage extension is not critical".into());
    }
    let usages = ExtendedKeyUsage::from_der(eku.extn_value.as_bytes())
        .map_err(|e| format!("malformed extended key usage: {e}"))?;
    if usages.0 != [ID_KP_TIME_STAMPING] {
        return Err("the extended key usage must be timeStamping only".into());
    }
    for ext in exts {
        let oid = ext.extn_id;
        if oid == ID_CE_BASIC_CONSTRAINTS {
            let bc = BasicConstraints::from_der(ext.extn_value.as_bytes())
                .map_err(|e| format!("malformed basic constraints: {e}"))?;
            if bc.ca {
                return Err("a CA certificate may not sign timestamps".into());
            }
        } else if oid == ID_CE_KEY_USAGE {
            let ku = KeyUsage::from_der(ext.extn_value.as_bytes())
                .map_err(|e| format!("malformed key usage: {e}"))?;
            if !ku.0.contains(KeyUsages::DigitalSignature)
                && !ku.0.contains(KeyUsages::NonRepudiation)
            {
                return Err("the key usage does not allow signatures".into());
            }
        } else if ext.critical && oid != ID_CE_EXT_KEY_USAGE {
            return Err(format!("unsupported critical extension {oid}"));
        }
    }
    Ok(())
}

/// Verifies an ECDSA (P-256 or P-384, SHA-256 or SHA-384) signature with `ring`.
fn verify_signature(
    spki: &spki::SubjectPublicKeyInfoOwned,
    sig_alg: &AlgorithmIdentifierOwned,
    msg: &[u8],
    sig: &[u8],
) -> Result<(), TsaError> {
    use ring::signature as rs;
    let curve = spki
        .algorithm
        .parameters
        .as_ref()
        .and_then(|p| p.decode_as::<ObjectIdentifier>().ok());
    if spki.algorithm.oid != ID_EC_PUBLIC_KEY || sig_alg.parameters.is_some() {
        return Err(TsaError::UnsupportedAlgorithm(format!(
            "key {} with signature {}",
            spki.algorithm.oid, sig_alg.oid
        )));
    }
    let alg: &dyn rs::VerificationAlgorithm = match (curve, sig_alg.oid) {
        (Some(SECP_256_R_1), ECDSA_WITH_SHA_256) => &rs::ECDSA_P256_SHA256_ASN1,
        (Some(SECP_256_R_1), ECDSA_WITH_SHA_384) => &rs::ECDSA_P256_SHA384_ASN1,
        (Some(SECP_384_R_1), ECDSA_WITH_SHA_256) => &rs::ECDSA_P384_SHA256_ASN1,
        (Some(SECP_384_R_1), ECDSA_WITH_SHA_384) => &rs::ECDSA_P384_SHA384_ASN1,
        (curve, oid) => {
            return Err(TsaError::UnsupportedAlgorithm(format!(
                "signature {oid} on curve {curve:?}"
            )))
        }
    };
    let key = spki
        .subject_public_key
        .as_bytes()
        .ok_or_else(|| TsaError::Malformed("public key is not whole bytes".into()))?;
    UnparsedPublicKey::new(alg, key)
        .verify(msg, sig)
        .map_err(|_| TsaError::SignatureInvalid)
}

/// The single value of the signed attribute `oid`, if present exactly once with one value.
fn attr_value(
    attrs: &SetOfVec<Attribute>,
    oid: ObjectIdentifier,
) -> Result<Option<&Any>, TsaError> {
    let mut found = attrs.iter().filter(|a| a.oid == oid);
    match (found.next(), found.next()) {
        (None, _) => Ok(None),
        (Some(a), None) if a.values.len() == 1 => Ok(a.values.get(0)),
        _ => Err(TsaError::Malformed(format!(
            "attribute {oid} must appear once with one value"
        ))),
    }
}

fn check_content_attrs(
    attrs: &SetOfVec<Attribute>,
    digest_alg: &AlgorithmIdentifierOwned,
    content: &[u8],
) -> Result<(), TsaError> {
    let mismatch = |s: &str| TsaError::SignedAttributesMismatch(s.into());
    let content_type = attr_value(attrs, ID_CONTENT_TYPE)?
        .ok_or_else(|| mismatch("no content-type attribute"))?
        .decode_as::<ObjectIdentifier>()
        .map_err(malformed("content-type attribute"))?;
    if content_type != ID_CT_TST_INFO {
        return Err(mismatch("the content-type attribute is not id-ct-TSTInfo"));
    }
    let alg = HashAlg::from_alg_id(digest_alg).ok_or_else(|| {
        TsaError::UnsupportedAlgorithm(format!("digest algorithm {}", digest_alg.oid))
    })?;
    let digest = attr_value(attrs, ID_MESSAGE_DIGEST)?
        .ok_or_else(|| mismatch("no message-digest attribute"))?
        .decode_as::<OctetString>()
        .map_err(malformed("message-digest attribute"))?;
    if digest.as_bytes() != alg.digest(content).as_slice() {
        return Err(mismatch(
            "the message-digest attribute is not the hash of the TSTInfo",
        ));
    }
    Ok(())
}

/// The ESS attribute's first certificate id must be the signer's certificate (RFC 5035 §5.4).
fn check_ess(attrs: &SetOfVec<Attribute>, cert: &Certificate) -> Result<(), TsaError> {
    let cert_der = cert.to_der().map_err(malformed("TSA certificate"))?;
    let (hash, expected, issuer_serial) =
        if let Some(v2) = attr_value(attrs, ID_AA_SIGNING_CERTIFICATE_V_2)? {
            let sc: SigningCertificateV2 = v2.decode_as().map_err(malformed("ESSCertIDv2"))?;
            let id = sc
                .certs
                .into_iter()
                .next()
                .ok_or(TsaError::EssCertIdMissing)?;
            let alg = match &id.hash_algorithm {
                None => HashAlg::Sha256,
                Some(alg_id) => HashAlg::from_alg_id(alg_id).ok_or_else(|| {
                    TsaError::UnsupportedAlgorithm(format!("ESS hash {}", alg_id.oid))
                })?,
            };
            (id.cert_hash, alg.digest(&cert_der), id.issuer_serial)
        } else if let Some(v1) = attr_value(attrs, ID_AA_SIGNING_CERTIFICATE)? {
            let sc: SigningCertificateV1 = v1.decode_as().map_err(malformed("ESSCertID"))?;
            let id = sc
                .certs
                .into_iter()
                .next()
                .ok_or(TsaError::EssCertIdMissing)?;
            let sha1 = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, &cert_der);
            (id.cert_hash, sha1.as_ref().to_vec(), id.issuer_serial)
        } else {
            return Err(TsaError::EssCertIdMissing);
        };
    if hash.as_bytes() != expected.as_slice() {
        return Err(TsaError::EssCertIdMismatch);
    }
    if issuer_serial.is_some_and(|is| is != IssuerSerial::of(cert)) {
        return Err(TsaError::EssCertIdMismatch);
    }
    Ok(())
}

fn unsigned_serial(serial: &Int) -> Result<Vec<u8>, TsaError> {
    match serial.as_bytes() {
        [b, ..] if *b >= 0x80 => Err(TsaError::Malformed("negative serial number".into())),
        [0, rest @ ..] if !rest.is_empty() => Ok(rest.to_vec()),
        bytes => Ok(bytes.to_vec()),
    }
}

fn accuracy_ms(a: &Accuracy) -> u64 {
    let micros_ms = a
        .micros
        .map_or(0, |us| u64::from(us.unsigned_abs()).div_ceil(1000));
    a.seconds
        .unwrap_or(0)
        .saturating_mul(1000)
        .saturating_add(u64::from(a.millis.map_or(0, i16::unsigned_abs)))
        .saturating_add(micros_ms)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::pki::{cert_der_from_pem, generate_tsa_pki, GeneratedPki};
    use chrono::TimeZone;
    use cms::signed_data::SignedData;
    use proptest::prelude::*;
    use std::sync::OnceLock;

    /// Queries made once with `openssl ts -query -data f.txt ...` (OpenSSL 3.0), where f.txt is
    /// "hello notar\n" (SHA-256 26320c55...).
    const Q_SHA256: &str = "30400201013031300d06096086480165030402010500042026320c559f4251919acbe87040e21d46bf5962c10e864cab9770be5a3d7e3d71020811ac1d969c6a4155";
    const Q_SHA384: &str = "30510201013041300d06096086480165030402020500043009427c31e84b725097731b3667fdb5385eb44fc1bd881d3b7dac189c2480fbd9ae3307692b540836cfcb95d2c2804b4b020900a3a08f9a51a33d2b";
    const Q_SHA512: &str = "30610201013051300d06096086480165030402030500044076ae9bfd9b0cd683f24d5d0b3a994fc9bdf3566c0d246d8da2caae10b19707136e256e1d3a44ca553574afaaded9bb9ad9d82d725876211e0a92f923ae4ec81d02090087195b4533919199";
    const Q_SHA1: &str = "30300201013021300906052b0e03021a050004147357971a1de62b7b3a18f80795ba84dfd62e5e8002083a5562ff0017287f";
    const Q_MD5: &str = "30300201013020300c06082a864886f70d020505000410ab5fcf65b0f6ce410b8fd82dcd51af47020900e7d70a85e4247a49";
    /// `-sha256 -cert -no_nonce`
    const Q_CERT_NO_NONCE: &str = "30390201013031300d06096086480165030402010500042026320c559f4251919acbe87040e21d46bf5962c10e864cab9770be5a3d7e3d710101ff";
    /// `-sha256 -cert -tspolicy 1.3.6.1.4.1.99999.1`
    const Q_POLICY: &str = "304f0201013031300d06096086480165030402010500042026320c559f4251919acbe87040e21d46bf5962c10e864cab9770be5a3d7e3d7106092b06010401868d1f01020900a8ea10d6f2bf90f50101ff";
    const DATA: &[u8] = b"hello notar\n";

    fn policy() -> ObjectIdentifier {
        ObjectIdentifier::new_unwrap("1.3.6.1.4.1.99999.1")
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).single().unwrap()
    }

    struct Fixture {
        pki: GeneratedPki,
        signer: TsaSigner,
        root_der: Vec<u8>,
        tsa_der: Vec<u8>,
    }

    fn fixture() -> &'static Fixture {
        static FIXTURE: OnceLock<Fixture> = OnceLock::new();
        FIXTURE.get_or_init(|| {
            let pki = generate_tsa_pki("Unit Test", now(), 30).unwrap();
            let signer = TsaSigner::from_pem(&pki.tsa_key_pem, &pki.tsa_cert_pem).unwrap();
            Fixture {
                root_der: cert_der_from_pem(&pki.root_cert_pem).unwrap(),
                tsa_der: cert_der_from_pem(&pki.tsa_cert_pem).unwrap(),
                pki,
                signer,
            }
        })
    }

    fn params(serial: u64) -> TokenParams {
        TokenParams {
            serial,
            gen_time: now() + chrono::Duration::milliseconds(1_250),
            policy: policy(),
            accuracy_ms: 1_500,
        }
    }

    fn parse_hex(hex_query: &str) -> Result<TimestampQuery, Rejection> {
        parse_query(&hex::decode(hex_query).unwrap(), &policy())
    }

    fn failure(hex_or_der: Result<TimestampQuery, Rejection>) -> FailureInfo {
        hex_or_der.unwrap_err().failure
    }

    // -- parse_query -------------------------------------------------------------------------

    #[test]
    fn openssl_queries_parse() {
        let q = parse_hex(Q_SHA256).unwrap();
        assert_eq!(q.hash_alg, HashAlg::Sha256);
        assert!(q.hash_params_null);
        assert_eq!(q.imprint, HashAlg::Sha256.digest(DATA));
        assert_eq!(q.nonce, Some(hex::decode("11ac1d969c6a4155").unwrap()));
        assert!(!q.cert_req);
        assert_eq!(q.req_policy, None);

        let q = parse_hex(Q_SHA384).unwrap();
        assert_eq!(q.hash_alg, HashAlg::Sha384);
        assert_eq!(q.imprint, HashAlg::Sha384.digest(DATA));
        // A nonce with its top bit set keeps its 0x00 pad: echoed verbatim.
        assert_eq!(q.nonce, Some(hex::decode("00a3a08f9a51a33d2b").unwrap()));

        let q = parse_hex(Q_SHA512).unwrap();
        assert_eq!(q.hash_alg, HashAlg::Sha512);
        assert_eq!(q.imprint, HashAlg::Sha512.digest(DATA));

        let q = parse_hex(Q_CERT_NO_NONCE).unwrap();
        assert!(q.cert_req);
        assert_eq!(q.nonce, None);

        let q = parse_hex(Q_POLICY).unwrap();
        assert_eq!(q.req_policy, Some(policy()));
    }

    #[test]
    fn our_queries_reencode_like_openssl() {
        let q = parse_hex(Q_SHA256).unwrap();
        assert_eq!(hex::encode(q.to_der().unwrap()), Q_SHA256);
        let q = parse_hex(Q_POLICY).unwrap();
        assert_eq!(hex::encode(q.to_der().unwrap()), Q_POLICY);
    }

    #[test]
    fn unsupported_hashes_are_bad_alg() {
        assert_eq!(failure(parse_hex(Q_SHA1)), FailureInfo::BadAlg);
        assert_eq!(failure(parse_hex(Q_MD5)), FailureInfo::BadAlg);
        // SHA-256 with an OCTET STRING where only absent or NULL parameters are allowed.
        let mut der = hex::decode(Q_SHA256).unwrap();
        let null_at = der.windows(2).position(|w| w == [0x05, 0x00]).unwrap();
        der[null_at] = 0x04;
        assert_eq!(failure(parse_query(&der, &policy())), FailureInfo::BadAlg);
    }

    #[test]
    fn malformed_queries_are_bad_data_format() {
        let good = hex::decode(Q_SHA256).unwrap();

        let mut trailing = good.clone();
        trailing.push(0);
        assert_eq!(
            failure(parse_query(&trailing, &policy())),
            FailureInfo::BadDataFormat
        );

        let mut version2 = good.clone();
        assert_eq!(&version2[2..5], [0x02, 0x01, 0x01]);
        version2[4] = 2;
        assert_eq!(
            failure(parse_query(&version2, &policy())),
            FailureInfo::BadDataFormat
        );

        assert_eq!(
            failure(parse_query(&good[..good.len() - 1], &policy())),
            FailureInfo::BadDataFormat
        );
        assert_eq!(
            failure(parse_query(&[], &policy())),
            FailureInfo::BadDataFormat
        );
        assert_eq!(
            failure(parse_query(&vec![0x30; QUERY_LEN_MAX + 1], &policy())),
            FailureInfo::BadDataFormat
        );

        // A SHA-256 query holding a 31-byte imprint.
        let short = TimeStampReq {
            version: TspVersion::V1,
            message_imprint: MessageImprint {
                hash_algorithm: HashAlg::Sha256.alg_id(),
                hashed_message: OctetString::new(vec![7u8; 31]).unwrap(),
            },
            req_policy: None,
            nonce: None,
            cert_req: false,
            extensions: None,
        };
        let r = parse_query(&short.to_der().unwrap(), &policy()).unwrap_err();
        assert_eq!(r.failure, FailureInfo::BadDataFormat);
        assert!(r.text.contains("32 bytes"), "{}", r.text);

        let mut long_nonce = parse_hex(Q_SHA256).unwrap();
        long_nonce.nonce = Some(vec![0x11; NONCE_LEN_MAX + 1]);
        let der = TimeStampReq {
            nonce: Some(Int::new(&[0x11; NONCE_LEN_MAX + 1]).unwrap()),
            ..TimeStampReq::from_der(&good).unwrap()
        }
        .to_der()
        .unwrap();
        assert_eq!(
            failure(parse_query(&der, &policy())),
            FailureInfo::BadDataFormat
        );
        assert!(matches!(
            long_nonce.to_der(),
            Err(TsaError::InvalidQuery(_))
        ));
    }

    #[test]
    fn extensions_and_foreign_policies_are_refused() {
        let good = TimeStampReq::from_der(&hex::decode(Q_SHA256).unwrap()).unwrap();
        let with_ext = TimeStampReq {
            extensions: Some(vec![x509_cert::ext::Extension {
                extn_id: ObjectIdentifier::new_unwrap("1.2.3.4"),
                critical: false,
                extn_value: OctetString::new(vec![0x05, 0x00]).unwrap(),
            }]),
            ..good
        };
        assert_eq!(
            failure(parse_query(&with_ext.to_der().unwrap(), &policy())),
            FailureInfo::UnacceptedExtension
        );
        let other = ObjectIdentifier::new_unwrap("1.2.3.4.5");
        let r = parse_query(&hex::decode(Q_POLICY).unwrap(), &other).unwrap_err();
        assert_eq!(r.failure, FailureInfo::UnacceptedPolicy);
        assert!(r.text.contains("1.3.6.1.4.1.99999.1"));
    }

    #[test]
    fn rejection_responses_carry_status_text_and_one_bit() {
        let r = Rejection::new(FailureInfo::BadDataFormat, "nope");
        let der = rejection_response(&r);
        // SEQUENCE { SEQUENCE { INTEGER 2, SEQUENCE { UTF8String "nope" }, BIT STRING 000001 } }
        assert_eq!(hex::encode(&der), "3011300f02010230060c046e6f706503020204");
        let resp = TimeStampResp::from_der(&der).unwrap();
        assert_eq!(resp.status.status, 2);
        for f in FailureInfo::ALL {
            let der = rejection_response(&Rejection::new(f, "x"));
            let resp = TimeStampResp::from_der(&der).unwrap();
            assert_eq!(
                FailureInfo::decode_bits(&resp.status.fail_info.unwrap()),
                vec![f]
            );
            let err = verify_response(&der, DATA, &fixture().root_der, None).unwrap_err();
            assert!(
                matches!(err, TsaError::NotGranted { status: 2, ref failures, .. } if *failures == vec![f])
            );
        }
        let bad_alg = rejection_response(&Rejection::new(FailureInfo::BadAlg, ""));
        assert!(hex::encode(bad_alg).ends_with("03020780"));
        let ext = rejection_response(&Rejection::new(FailureInfo::UnacceptedExtension, ""));
        assert!(hex::encode(ext).ends_with("030407000080"));
        let long = rejection_response(&Rejection::new(FailureInfo::BadAlg, "é".repeat(600)));
        let resp = TimeStampResp::from_der(&long).unwrap();
        assert!(resp.status.status_string.unwrap()[0].len() <= STATUS_TEXT_LEN_MAX);
    }

    // -- genTime -----------------------------------------------------------------------------

    #[test]
    fn gen_time_is_der_generalized_time_with_millis() {
        let t = |ms| GenTime(now() + chrono::Duration::milliseconds(ms));
        assert_eq!(t(0).ascii().unwrap(), "20260301120000Z");
        assert_eq!(t(120).ascii().unwrap(), "20260301120000.12Z");
        assert_eq!(t(7).ascii().unwrap(), "20260301120000.007Z");
        assert_eq!(t(1_999).ascii().unwrap(), "20260301120001.999Z");
        for ms in [0, 7, 120, 999, 86_400_123] {
            let der = t(ms).to_der().unwrap();
            assert_eq!(GenTime::from_der(&der).unwrap(), t(ms));
        }
        assert!(GenTime::parse(b"20260301120000.123456789Z").is_some());
        for bad in [
            &b"20260301120000"[..],
            b"20260301120000.Z",
            b"20260301120000.1234567890Z",
            b"20261301120000Z",
            b"2026030112000aZ",
            b"20260301120000+0100",
            b"",
        ] {
            assert!(
                GenTime::parse(bad).is_none(),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    // -- issue and verify --------------------------------------------------------------------

    #[test]
    fn issued_tokens_verify_for_every_algorithm_and_option() {
        let f = fixture();
        for (i, alg) in HashAlg::ALL.into_iter().enumerate() {
            for cert_req in [false, true] {
                for with_nonce in [false, true] {
                    let mut q = TimestampQuery::for_data(alg, DATA, cert_req);
                    if !with_nonce {
                        q.nonce = None;
                    }
                    let serial = 1 + i as u64;
                    let resp = issue_response(&f.signer, &q, &params(serial)).unwrap();
                    let given = (!cert_req).then_some(f.tsa_der.as_slice());
                    let v = verify_response(&resp, DATA, &f.root_der, given).unwrap();
                    assert_eq!(v.serial_u64(), Some(serial));
                    assert_eq!(v.hash_alg, alg);
                    assert_eq!(v.imprint, alg.digest(DATA));
                    assert_eq!(v.nonce, q.nonce);
                    assert_eq!(v.policy, policy());
                    assert_eq!(v.gen_time, params(0).gen_time);
                    assert_eq!(v.accuracy_ms, Some(1_500));
                    assert_eq!(v.tsa_subject, "CN=Unit Test TSA,O=notar");
                    // The token alone, without the TimeStampResp wrapper, verifies too.
                    let token = TimeStampResp::from_der(&resp)
                        .unwrap()
                        .time_stamp_token
                        .unwrap();
                    let bare = token.to_der().unwrap();
                    assert_eq!(verify_response(&bare, DATA, &f.root_der, given).unwrap(), v);
                }
            }
        }
    }

    #[test]
    fn token_contents_are_what_the_query_and_params_say() {
        let f = fixture();
        let q = parse_hex(Q_SHA384).unwrap();
        let resp = issue_response(&f.signer, &q, &params(u64::MAX)).unwrap();
        let token = TimeStampResp::from_der(&resp)
            .unwrap()
            .time_stamp_token
            .unwrap();
        let sd: SignedData = token.content.decode_as().unwrap();
        assert!(sd.certificates.is_none());
        let tst = TstInfo::from_der(sd.encap_content_info.econtent.unwrap().value()).unwrap();
        // The imprint is the query's, NULL parameters included; the nonce keeps its pad.
        assert_eq!(
            tst.message_imprint,
            TimeStampReq::from_der(&hex::decode(Q_SHA384).unwrap())
                .unwrap()
                .message_imprint
        );
        assert_eq!(
            tst.nonce.unwrap().as_bytes(),
            hex::decode("00a3a08f9a51a33d2b").unwrap()
        );
        assert_eq!(
            tst.serial_number.as_bytes(),
            [0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]
        );
        assert_eq!(
            tst.accuracy,
            Some(Accuracy {
                seconds: Some(1),
                millis: Some(500),
                micros: None
            })
        );
        assert!(!tst.ordering);
        assert_eq!(
            tst.tsa,
            Some(GeneralName::DirectoryName(
                f.signer.cert.tbs_certificate.subject.clone()
            ))
        );
        let si = &sd.signer_infos.0.as_slice()[0];
        let attrs = si.signed_attrs.as_ref().unwrap();
        let oids: Vec<_> = attrs.iter().map(|a| a.oid).collect();
        assert_eq!(oids.len(), 3);
        for oid in [
            ID_CONTENT_TYPE,
            ID_MESSAGE_DIGEST,
            ID_AA_SIGNING_CERTIFICATE_V_2,
        ] {
            assert!(oids.contains(&oid));
        }
        let ess: SigningCertificateV2 = attr_value(attrs, ID_AA_SIGNING_CERTIFICATE_V_2)
            .unwrap()
            .unwrap()
            .decode_as()
            .unwrap();
        assert_eq!(ess.certs[0].hash_algorithm, None);
        assert_eq!(
            ess.certs[0].cert_hash.as_bytes(),
            HashAlg::Sha256.digest(&f.tsa_der)
        );
    }

    #[test]
    fn verification_names_what_is_wrong() {
        let f = fixture();
        let q = TimestampQuery::for_data(HashAlg::Sha256, DATA, true);
        let resp = issue_response(&f.signer, &q, &params(9)).unwrap();
        let verify = |resp: &[u8]| verify_response(resp, DATA, &f.root_der, None);
        assert!(verify(&resp).is_ok());

        assert!(matches!(
            verify_response(&resp, b"other data", &f.root_der, None),
            Err(TsaError::ImprintMismatch)
        ));

        // The response ends with the signature's last byte.
        let mut sig = resp.clone();
        *sig.last_mut().unwrap() ^= 0x01;
        assert!(matches!(verify(&sig), Err(TsaError::SignatureInvalid)));

        // One bit of the imprint inside the signed TSTInfo.
        let imprint = HashAlg::Sha256.digest(DATA);
        let at = resp
            .windows(32)
            .position(|w| w == imprint.as_slice())
            .unwrap();
        let mut tst = resp.clone();
        tst[at + 5] ^= 0x01;
        assert!(matches!(
            verify(&tst),
            Err(TsaError::SignedAttributesMismatch(_))
        ));

        let other = generate_tsa_pki("Other", now(), 30).unwrap();
        let other_root = cert_der_from_pem(&other.root_cert_pem).unwrap();
        assert!(matches!(
            verify_response(&resp, DATA, &other_root, None),
            Err(TsaError::NotIssuedByRoot(_))
        ));
        // Another TSA certificate, given, does not replace the one the token names.
        let other_tsa = cert_der_from_pem(&other.tsa_cert_pem).unwrap();
        assert!(verify_response(&resp, DATA, &f.root_der, Some(&other_tsa)).is_ok());

        let no_cert = TimestampQuery::for_data(HashAlg::Sha256, DATA, false);
        let resp = issue_response(&f.signer, &no_cert, &params(10)).unwrap();
        assert!(matches!(
            verify(&resp),
            Err(TsaError::SignerCertificateMissing)
        ));
        assert!(matches!(
            verify_response(&resp, DATA, &f.root_der, Some(&other_tsa)),
            Err(TsaError::SignerCertificateMissing)
        ));

        let late = TokenParams {
            gen_time: now() + chrono::Duration::days(31),
            ..params(11)
        };
        let resp = issue_response(&f.signer, &q, &late).unwrap();
        assert!(matches!(
            verify(&resp),
            Err(TsaError::CertificateNotValidAt { which: "TSA", .. })
        ));

        assert!(matches!(
            verify(b"\x30\x03\x02\x01\x00"),
            Err(TsaError::Malformed(_))
        ));
        assert!(matches!(verify(&[]), Err(TsaError::Malformed(_))));
    }

    #[test]
    fn signer_refuses_a_foreign_key_and_reads_sec1() {
        use p256::pkcs8::DecodePrivateKey;
        let f = fixture();
        let other = generate_tsa_pki("Other", now(), 30).unwrap();
        assert!(matches!(
            TsaSigner::from_pem(&other.tsa_key_pem, &f.pki.tsa_cert_pem),
            Err(TsaError::KeyCertMismatch)
        ));
        assert!(matches!(
            TsaSigner::from_pem("garbage", &f.pki.tsa_cert_pem),
            Err(TsaError::InvalidKey(_))
        ));
        assert!(matches!(
            TsaSigner::from_pem(&f.pki.tsa_key_pem, "garbage"),
            Err(TsaError::InvalidCertificate(_))
        ));
        let sec1 = p256::SecretKey::from_pkcs8_pem(&f.pki.tsa_key_pem)
            .unwrap()
            .to_sec1_pem(der::pem::LineEnding::LF)
            .unwrap();
        let signer = TsaSigner::from_pem(&sec1, &f.pki.tsa_cert_pem).unwrap();
        assert_eq!(signer.cert_der(), f.tsa_der.as_slice());
        assert!(!format!("{signer:?}").contains("key_pair"));
    }

    #[test]
    fn hand_built_queries_are_checked() {
        let f = fixture();
        let mut q = TimestampQuery::for_data(HashAlg::Sha512, DATA, false);
        q.imprint.pop();
        assert!(matches!(
            issue_response(&f.signer, &q, &params(1)),
            Err(TsaError::InvalidQuery(_))
        ));
        let mut q = TimestampQuery::for_data(HashAlg::Sha512, DATA, false);
        q.nonce = Some(vec![0, 1]);
        assert!(matches!(
            issue_response(&f.signer, &q, &params(1)),
            Err(TsaError::InvalidQuery(_))
        ));
    }

    #[test]
    fn small_helpers() {
        assert_eq!(int_bytes_from_u64(0), [0]);
        assert_eq!(int_bytes_from_u64(0x7f), [0x7f]);
        assert_eq!(int_bytes_from_u64(0x80), [0, 0x80]);
        assert_eq!(int_bytes_from_u64(0x0100), [1, 0]);
        assert_eq!(accuracy(0), None);
        assert_eq!(
            accuracy(1_000),
            Some(Accuracy {
                seconds: Some(1),
                millis: None,
                micros: None
            })
        );
        assert_eq!(
            accuracy(20),
            Some(Accuracy {
                seconds: None,
                millis: Some(20),
                micros: None
            })
        );
        assert_eq!(
            accuracy_ms(&Accuracy {
                seconds: Some(2),
                millis: Some(5),
                micros: Some(1)
            }),
            2_006
        );
        for alg in HashAlg::ALL {
            assert_eq!(alg.digest(b"").len(), alg.digest_len());
            assert_eq!(HashAlg::from_oid(&alg.oid()), Some(alg));
        }
    }

    // -- never panic -------------------------------------------------------------------------

    fn openssl_queries() -> Vec<Vec<u8>> {
        [
            Q_SHA256,
            Q_SHA384,
            Q_SHA512,
            Q_SHA1,
            Q_MD5,
            Q_CERT_NO_NONCE,
            Q_POLICY,
        ]
        .iter()
        .map(|q| hex::decode(q).unwrap())
        .collect()
    }

    proptest! {
        #[test]
        fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = parse_query(&bytes, &policy());
            let _ = verify_response(&bytes, DATA, &fixture().root_der, None);
        }

        #[test]
        fn mutated_queries_never_panic(
            which in 0usize..7,
            flips in proptest::collection::vec((any::<usize>(), 0u8..8), 1..4),
            cut in any::<Option<usize>>(),
        ) {
            let mut der = openssl_queries()[which].clone();
            for (at, bit) in flips {
                let at = at % der.len();
                der[at] ^= 1 << bit;
            }
            if let Some(cut) = cut {
                der.truncate(cut % (der.len() + 1));
            }
            if let Ok(q) = parse_query(&der, &policy()) {
                // Whatever is accepted is fit to be stamped.
                prop_assert_eq!(q.imprint.len(), q.hash_alg.digest_len());
                prop_assert!(issue_response(&fixture().signer, &q, &params(1)).is_ok());
            }
        }

        #[test]
        fn queries_round_trip(alg in 0usize..3, data in proptest::collection::vec(any::<u8>(), 0..64), cert_req: bool, nonce: bool, null: bool) {
            let mut q = TimestampQuery::for_data(HashAlg::ALL[alg], &data, cert_req);
            q.hash_params_null = null;
            if !nonce {
                q.nonce = None;
            }
            prop_assert_eq!(parse_query(&q.to_der().unwrap(), &policy()).unwrap(), q);
        }

        #[test]
        fn mutated_responses_never_panic(flips in proptest::collection::vec((any::<usize>(), 0u8..8), 1..3)) {
            static RESP: OnceLock<Vec<u8>> = OnceLock::new();
            let resp = RESP.get_or_init(|| {
                let q = TimestampQuery::for_data(HashAlg::Sha256, DATA, true);
                issue_response(&fixture().signer, &q, &params(1)).unwrap()
            });
            let mut der = resp.clone();
            for (at, bit) in flips {
                let at = at % der.len();
                der[at] ^= 1 << bit;
            }
            let _ = verify_response(&der, DATA, &fixture().root_der, None);
        }
    }
}
