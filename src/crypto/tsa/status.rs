//! Why a query is refused: the RFC 3161 `PKIFailureInfo` codes and [`Rejection`].

use der::asn1::BitString;

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
    pub(super) const ALL: [FailureInfo; 8] = [
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
    pub(super) fn bit_string(self) -> der::Result<BitString> {
        let bit = usize::from(self.bit());
        let mut bytes = vec![0u8; bit / 8 + 1];
        // bit / 8 < bytes.len() by construction.
        bytes[bit / 8] = 0x80 >> (bit % 8);
        // 7 - bit % 8 is in 0..=7.
        BitString::new(7 - (bit % 8) as u8, bytes)
    }

    /// The named bits set in a received `PKIFailureInfo`.
    pub(super) fn decode_bits(bits: &BitString) -> Vec<FailureInfo> {
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
    pub(super) fn new(failure: FailureInfo, text: impl Into<String>) -> Self {
        Rejection {
            failure,
            text: text.into(),
        }
    }
}
