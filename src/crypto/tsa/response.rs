//! `TimeStampResp` (RFC 3161 §2.4.2) both ways: the granted and rejection responses the TSA
//! sends, and the status of a received one.
//!
//! `x509-tsp`'s `TimeStampResp` takes its `PKIStatusInfo` from `cmpv2`, which is not a
//! dependency here (its types could not be named to build a response), so this module defines
//! the two small structures itself.

use cms::content_info::ContentInfo;
use der::asn1::BitString;
use der::{Decode, Encode, Sequence};

use super::error::encoding;
use super::{FailureInfo, Rejection, TsaError};

/// Longest `statusString` written by [`rejection_response`], in bytes.
pub(super) const STATUS_TEXT_LEN_MAX: usize = 512;

/// `PKIStatus` granted: the token is exactly what was asked for.
const STATUS_GRANTED: u8 = 0;
/// `PKIStatus` grantedWithMods: a token, with modifications (never sent here, accepted).
const STATUS_GRANTED_WITH_MODS: u8 = 1;
/// `PKIStatus` rejection.
const STATUS_REJECTION: u8 = 2;

/// `PKIStatusInfo` (RFC 3161 §2.4.2 / RFC 4210).
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub(super) struct PkiStatusInfo {
    pub(super) status: u8,
    #[asn1(optional = "true")]
    pub(super) status_string: Option<Vec<String>>,
    #[asn1(optional = "true")]
    pub(super) fail_info: Option<BitString>,
}

/// `TimeStampResp` (RFC 3161 §2.4.2).
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub(super) struct TimeStampResp {
    pub(super) status: PkiStatusInfo,
    #[asn1(optional = "true")]
    pub(super) time_stamp_token: Option<ContentInfo>,
}

/// The DER `TimeStampResp` granting a query: status granted, then the token.
pub(super) fn granted_response(token: ContentInfo) -> Result<Vec<u8>, TsaError> {
    TimeStampResp {
        status: PkiStatusInfo {
            status: STATUS_GRANTED,
            status_string: None,
            fail_info: None,
        },
        time_stamp_token: Some(token),
    }
    .to_der()
    .map_err(encoding)
}

/// The DER `TimeStampResp` refusing a query: status rejection (2), the text as `statusString`
/// (cut to 512 bytes) and the failure bit as `failInfo`.
pub fn rejection_response(r: &Rejection) -> Vec<u8> {
    /// `{status 2, failInfo systemFailure}`, hand-encoded because it is what is sent should
    /// encoding ever fail: a refusal must not turn into a server error.
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
                status: STATUS_REJECTION,
                status_string: Some(vec![text]),
                fail_info: Some(bits),
            },
            time_stamp_token: None,
        }
        .to_der()
    });
    encoded.unwrap_or_else(|_| FALLBACK.to_vec())
}

/// The token inside a granted `TimeStampResp`, or the bytes themselves as a bare token.
pub(super) fn token_of(resp_der: &[u8]) -> Result<ContentInfo, TsaError> {
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
    if status > STATUS_GRANTED_WITH_MODS {
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
