//! CMS signed attributes (RFC 5652 §5.3): built as `x509-cert` `Attribute`s, read back one value
//! at a time, and the content-type and message-digest pair checked against the signed content.

use const_oid::db::rfc5911::{ID_CONTENT_TYPE, ID_MESSAGE_DIGEST};
use der::asn1::{OctetString, SetOfVec};
use der::oid::ObjectIdentifier;
use der::{Any, EncodeValue, Tagged};
use spki::AlgorithmIdentifierOwned;
use x509_cert::attr::Attribute;

use super::error::malformed;
use super::{HashAlg, TsaError, ID_CT_TST_INFO};

/// The attribute `oid` with the single value `value`.
pub(super) fn attribute(
    oid: ObjectIdentifier,
    value: &(impl EncodeValue + Tagged),
) -> der::Result<Attribute> {
    Ok(Attribute {
        oid,
        values: SetOfVec::try_from(vec![Any::encode_from(value)?])?,
    })
}

/// The single value of the signed attribute `oid`, if present exactly once with one value.
pub(super) fn attr_value(
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

/// The content-type attribute must say `id-ct-TSTInfo` and the message-digest attribute must be
/// the `digest_alg` hash of `content` (RFC 5652 §5.4).
pub(super) fn check_content_attrs(
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
