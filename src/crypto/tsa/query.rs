//! `TimeStampReq` (RFC 3161 §2.4.1): parsed once, at the edge, into a [`TimestampQuery`] or a
//! [`Rejection`]; and encoded, for `notar stamp`.

use der::asn1::{Int, OctetString};
use der::oid::ObjectIdentifier;
use der::{Any, Decode, Encode};
use spki::AlgorithmIdentifierOwned;
use x509_tsp::{MessageImprint, TimeStampReq, TspVersion};

use super::error::encoding;
use super::hash::params_absent_or_null;
use super::{FailureInfo, HashAlg, Rejection, TsaError};

/// Largest accepted `TimeStampReq`, in bytes. A real query is under 200 bytes; anything this
/// big is garbage or an attack, and is refused before parsing.
pub const QUERY_LEN_MAX: usize = 64 * 1024;

/// Largest accepted nonce, in content bytes. Clients use 8 (OpenSSL) to 20 bytes.
pub const NONCE_LEN_MAX: usize = 64;

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
    let hash_alg = imprint_hash_alg(alg_id)?;
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
    check_policy(req.req_policy, policy)?;
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

/// The imprint's hash algorithm: SHA-256/384/512 with parameters absent or NULL, else `badAlg`.
fn imprint_hash_alg(alg_id: &AlgorithmIdentifierOwned) -> Result<HashAlg, Rejection> {
    let hash_alg = HashAlg::from_oid(&alg_id.oid).ok_or_else(|| {
        Rejection::new(
            FailureInfo::BadAlg,
            format!(
                "hash algorithm {} is not supported (use SHA-256, SHA-384 or SHA-512)",
                alg_id.oid
            ),
        )
    })?;
    if !params_absent_or_null(alg_id) {
        return Err(Rejection::new(
            FailureInfo::BadAlg,
            "hash algorithm parameters must be absent or NULL",
        ));
    }
    Ok(hash_alg)
}

/// A requested policy must be ours (`unacceptedPolicy` otherwise); none means ours.
fn check_policy(
    requested: Option<ObjectIdentifier>,
    policy: &ObjectIdentifier,
) -> Result<(), Rejection> {
    match requested {
        Some(requested) if requested != *policy => Err(Rejection::new(
            FailureInfo::UnacceptedPolicy,
            format!("policy {requested} is not served here (this TSA uses {policy})"),
        )),
        _ => Ok(()),
    }
}

/// Checks the invariants `parse_query` establishes, for queries built by hand.
pub(super) fn check_query(q: &TimestampQuery) -> Result<(), TsaError> {
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

/// The query's `MessageImprint`, its NULL hash parameters kept: the token echoes it exactly.
pub(super) fn message_imprint(q: &TimestampQuery) -> der::Result<MessageImprint> {
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

/// DER INTEGER content bytes of a non-negative number (minimal, with a 0x00 pad if the top bit
/// is set).
pub(super) fn int_bytes_from_u64(n: u64) -> Vec<u8> {
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

/// Whether `bytes` are the content of a DER INTEGER: not empty, no redundant leading byte.
fn is_canonical_int(bytes: &[u8]) -> bool {
    match bytes {
        [] => false,
        [0x00, next, ..] => *next >= 0x80,
        [0xff, next, ..] => *next < 0x80,
        _ => true,
    }
}
