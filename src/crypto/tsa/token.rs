//! [`issue_response`]: a granted `TimeStampResp` whose token is a CMS `SignedData` over the
//! `TSTInfo`, with the content-type, message-digest and ESS signing-certificate-v2 signed
//! attributes.
//!
//! The structures are `cms`'s where they fit (`EncapsulatedContentInfo`, `ContentInfo`), and
//! `cms`'s with pre-encoded leaves where a field depends only on the certificate
//! ([`SignedDataOut`], [`SignerInfoOut`], and the TSA name of the `TSTInfo`): those leaves are
//! the signer's `TokenParts`, encoded once, so no token re-encodes the certificate or its names.

use chrono::{DateTime, Utc};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::EncapsulatedContentInfo;
use const_oid::db::rfc5911::{ID_MESSAGE_DIGEST, ID_SIGNED_DATA};
use der::asn1::{AnyRef, Int, OctetStringRef, SetOfVec};
use der::oid::ObjectIdentifier;
use der::{Any, Encode, Sequence, Tag, ValueOrd};
use spki::AlgorithmIdentifierOwned;
use x509_tsp::TspVersion;

use super::attrs::attribute;
use super::error::encoding;
use super::query::{check_query, int_bytes_from_u64, message_imprint};
use super::response::granted_response;
use super::signer::TokenParts;
use super::tst_info::{accuracy, GenTime, TstInfo};
use super::{HashAlg, TimestampQuery, TsaError, TsaSigner, ID_CT_TST_INFO};

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

/// `SignedData` (RFC 5652 §5.1) as the signer writes it: `cms`'s structure, with the
/// certificate borrowed pre-encoded and no `crls`.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
struct SignedDataOut<'a> {
    version: CmsVersion,
    digest_algorithms: SetOfVec<AlgorithmIdentifierOwned>,
    encap_content_info: EncapsulatedContentInfo,
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT", optional = "true")]
    certificates: Option<SetOfVec<AnyRef<'a>>>,
    signer_infos: SetOfVec<SignerInfoOut<'a>>,
}

/// `SignerInfo` (RFC 5652 §5.3) as the signer writes it: `cms`'s structure, with the signer id
/// and the constant signed attributes borrowed pre-encoded, and no unsigned attributes.
#[derive(Clone, Debug, PartialEq, Eq, Sequence, ValueOrd)]
struct SignerInfoOut<'a> {
    version: CmsVersion,
    sid: AnyRef<'a>,
    digest_alg: AlgorithmIdentifierOwned,
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT", constructed = "true")]
    signed_attrs: SetOfVec<AnyRef<'a>>,
    signature_algorithm: AlgorithmIdentifierOwned,
    signature: OctetStringRef<'a>,
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
    let tst = tst_info_der(q, p, parts)?;
    let digest_attr = message_digest_attr(&tst)?;
    let signed_attrs = signed_attrs(parts, &digest_attr)?;
    // The signature covers the attributes with the universal SET tag (RFC 5652 §5.4), while
    // the SignerInfo carries them as [0] IMPLICIT.
    let signature = signer.sign(&signed_attrs.to_der().map_err(encoding)?)?;
    let token = signed_token(parts, tst, signed_attrs, &signature, q.cert_req)?;
    granted_response(token)
}

/// The DER `TSTInfo` (RFC 3161 §2.4.2) for one token.
fn tst_info_der(
    q: &TimestampQuery,
    p: &TokenParams,
    parts: &TokenParts,
) -> Result<Vec<u8>, TsaError> {
    let serial = int_bytes_from_u64(p.serial);
    TstInfo {
        version: TspVersion::V1,
        policy: p.policy,
        message_imprint: message_imprint(q).map_err(encoding)?,
        serial_number: Int::new(&serial).map_err(encoding)?,
        gen_time: GenTime(p.gen_time),
        accuracy: accuracy(p.accuracy_ms),
        ordering: false,
        nonce: q
            .nonce
            .as_deref()
            .map(Int::new)
            .transpose()
            .map_err(encoding)?,
        tsa: Some(parts.tsa_name.clone()),
        extensions: None,
    }
    .to_der()
    .map_err(encoding)
}

/// The message-digest signed attribute: the SHA-256 hash of the `TSTInfo`.
fn message_digest_attr(tst: &[u8]) -> Result<Any, TsaError> {
    let digest = HashAlg::Sha256.digest(tst);
    attribute(
        ID_MESSAGE_DIGEST,
        &OctetStringRef::new(&digest).map_err(encoding)?,
    )
    .and_then(|a| Any::encode_from(&a))
    .map_err(encoding)
}

/// The three signed attributes of a token, in DER `SET OF` order (X.690 11.6).
fn signed_attrs<'a>(
    parts: &'a TokenParts,
    digest_attr: &'a Any,
) -> Result<SetOfVec<AnyRef<'a>>, TsaError> {
    SetOfVec::try_from(vec![
        (&parts.content_type_attr).into(),
        digest_attr.into(),
        (&parts.ess_attr).into(),
    ])
    .map_err(encoding)
}

/// The timestamp token: a `ContentInfo` holding the `SignedData` over `tst`.
fn signed_token(
    parts: &TokenParts,
    tst: Vec<u8>,
    signed_attrs: SetOfVec<AnyRef<'_>>,
    signature: &[u8],
    cert_req: bool,
) -> Result<ContentInfo, TsaError> {
    let signer_info = SignerInfoOut {
        // Version 1: the signer is named by issuer and serial number (RFC 5652 §5.3).
        version: CmsVersion::V1,
        sid: (&parts.sid).into(),
        digest_alg: HashAlg::Sha256.alg_id(),
        signed_attrs,
        signature_algorithm: parts.signature_alg.clone(),
        signature: OctetStringRef::new(signature).map_err(encoding)?,
    };
    let certificates = cert_req
        .then(|| SetOfVec::try_from(vec![AnyRef::from(&parts.cert)]))
        .transpose()
        .map_err(encoding)?;
    let signed_data = SignedDataOut {
        // Version 3: the encapsulated content is not id-data (RFC 5652 §5.1).
        version: CmsVersion::V3,
        digest_algorithms: SetOfVec::try_from(vec![HashAlg::Sha256.alg_id()]).map_err(encoding)?,
        encap_content_info: EncapsulatedContentInfo {
            econtent_type: ID_CT_TST_INFO,
            econtent: Some(Any::new(Tag::OctetString, tst).map_err(encoding)?),
        },
        certificates,
        signer_infos: SetOfVec::try_from(vec![signer_info]).map_err(encoding)?,
    };
    Ok(ContentInfo {
        content_type: ID_SIGNED_DATA,
        content: Any::encode_from(&signed_data).map_err(encoding)?,
    })
}
