//! [`verify_response`]: the offline check behind `notar verify FILE.tsr --data-file FILE`, and
//! the [`VerifiedToken`] only it makes.

use chrono::{DateTime, Utc};
use cms::cert::CertificateChoices;
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{EncapsulatedContentInfo, SignerInfo, SignerInfos};
use const_oid::db::rfc5911::ID_SIGNED_DATA;
use der::asn1::{Int, SetOfVec};
use der::oid::ObjectIdentifier;
use der::{Decode, Encode, Sequence, Tag, Tagged};
use spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;
use x509_tsp::MessageImprint;

use super::attrs::check_content_attrs;
use super::cert::{check_chain, signer_cert, verify_signature};
use super::error::malformed;
use super::ess::check_ess;
use super::response::token_of;
use super::tst_info::{accuracy_ms, TstInfo};
use super::{HashAlg, TsaError, ID_CT_TST_INFO};

/// Largest response [`verify_response`] reads, in bytes (a token with a certificate chain is a
/// few KiB).
pub const RESPONSE_LEN_MAX: usize = 256 * 1024;

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
    verify_stamped(resp_der, Stamped::Data(data), root_cert_der, tsa_cert_der)
}

/// What a token is checked against: the stamped data itself, or only the digest it covers (an
/// evidence bundle holds the imprint, not always the data).
#[derive(Clone, Copy, Debug)]
pub enum Stamped<'a> {
    /// The data: its hash, by the token's algorithm, must equal the imprint.
    Data(&'a [u8]),
    /// The digest: it must equal the imprint.
    Imprint(&'a [u8]),
}

/// [`verify_response`] against either the data or the digest it covers; the same checks.
pub fn verify_stamped(
    resp_der: &[u8],
    stamped: Stamped<'_>,
    root_cert_der: &[u8],
    tsa_cert_der: Option<&[u8]>,
) -> Result<VerifiedToken, TsaError> {
    if resp_der.len() > RESPONSE_LEN_MAX {
        return Err(TsaError::Malformed(format!(
            "{} bytes, more than {RESPONSE_LEN_MAX}",
            resp_der.len()
        )));
    }
    let sd = signed_data_of(&token_of(resp_der)?)?;
    let tst_der = tst_info_bytes(&sd)?;
    let tst: TstInfo = TstInfo::from_der(tst_der).map_err(malformed("TSTInfo"))?;
    let gen_time = tst.gen_time.0;
    let si = only_signer(&sd)?;

    let root = Certificate::from_der(root_cert_der)
        .map_err(|e| TsaError::Malformed(format!("root certificate: {e}")))?;
    let in_token = sd.certificates.as_deref().unwrap_or(&[]);
    let cert = signer_cert(in_token, &si.sid, tsa_cert_der)?;
    check_chain(&cert, &root, gen_time)?;
    check_signer_info(si, &cert, tst_der)?;
    let (hash_alg, imprint) = check_imprint(&tst.message_imprint, stamped)?;
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

/// The imprint a token claims to cover, read without checking anything else: for filing a
/// token under the digest it names. Whether it holds is [`verify_stamped`]'s to say.
pub fn token_imprint(resp_der: &[u8]) -> Result<Vec<u8>, TsaError> {
    if resp_der.len() > RESPONSE_LEN_MAX {
        return Err(TsaError::Malformed("token too large".into()));
    }
    let sd = signed_data_of(&token_of(resp_der)?)?;
    let tst: TstInfo = TstInfo::from_der(tst_info_bytes(&sd)?).map_err(malformed("TSTInfo"))?;
    Ok(tst.message_imprint.hashed_message.as_bytes().to_vec())
}

/// The `SignedData` of a token whose content type says so.
fn signed_data_of(token: &ContentInfo) -> Result<SignedDataIn, TsaError> {
    if token.content_type != ID_SIGNED_DATA {
        return Err(TsaError::NotATimestampToken(format!(
            "content type {} is not signedData",
            token.content_type
        )));
    }
    token.content.decode_as().map_err(malformed("SignedData"))
}

/// The DER `TSTInfo` the `SignedData` encapsulates.
fn tst_info_bytes(sd: &SignedDataIn) -> Result<&[u8], TsaError> {
    let eci = &sd.encap_content_info;
    if eci.econtent_type != ID_CT_TST_INFO {
        return Err(TsaError::NotATimestampToken(format!(
            "encapsulated content type {} is not id-ct-TSTInfo",
            eci.econtent_type
        )));
    }
    match &eci.econtent {
        Some(content) if content.tag() == Tag::OctetString => Ok(content.value()),
        _ => Err(TsaError::Malformed("no TSTInfo in the token".into())),
    }
}

/// The token's one `SignerInfo`: a timestamp token has exactly one (RFC 3161 §2.4.2).
fn only_signer(sd: &SignedDataIn) -> Result<&SignerInfo, TsaError> {
    match sd.signer_infos.0.as_slice() {
        [si] => Ok(si),
        other => Err(TsaError::Malformed(format!(
            "{} signers, expected exactly one",
            other.len()
        ))),
    }
}

/// The signature over the signed attributes verifies with `cert`'s key, the content-type and
/// message-digest attributes match `tst_der`, and the ESS attribute names `cert`.
fn check_signer_info(si: &SignerInfo, cert: &Certificate, tst_der: &[u8]) -> Result<(), TsaError> {
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
    check_ess(signed_attrs, cert)
}

/// The imprint's algorithm and bytes, once the bytes are the hash of `data`.
fn check_imprint(
    imprint: &MessageImprint,
    stamped: Stamped<'_>,
) -> Result<(HashAlg, Vec<u8>), TsaError> {
    let hash_alg = HashAlg::from_alg_id(&imprint.hash_algorithm).ok_or_else(|| {
        TsaError::UnsupportedAlgorithm(format!("imprint hash {}", imprint.hash_algorithm.oid))
    })?;
    let bytes = imprint.hashed_message.as_bytes().to_vec();
    let expected = match stamped {
        Stamped::Data(data) => hash_alg.digest(data),
        Stamped::Imprint(digest) => digest.to_vec(),
    };
    if expected != bytes {
        return Err(TsaError::ImprintMismatch);
    }
    Ok((hash_alg, bytes))
}

/// A serial number's magnitude, minimal; negative serials are malformed.
fn unsigned_serial(serial: &Int) -> Result<Vec<u8>, TsaError> {
    match serial.as_bytes() {
        [b, ..] if *b >= 0x80 => Err(TsaError::Malformed("negative serial number".into())),
        [0, rest @ ..] if !rest.is_empty() => Ok(rest.to_vec()),
        bytes => Ok(bytes.to_vec()),
    }
}
