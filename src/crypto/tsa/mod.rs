//! RFC 3161 time-stamp protocol: parse queries, issue tokens, verify responses offline.
//!
//! The data path of a token, one file a step:
//!
//! ```text
//! TimeStampReq --query::parse_query--> TimestampQuery --token::issue_response--> TimeStampResp
//!      | refused                             + TokenParams (serial, genTime)      (granted)
//!      v                                     + TsaSigner (key, pre-encoded parts)      |
//! Rejection --response::rejection_response--> TimeStampResp (status 2)                 v
//!                                                   verify::verify_response --> VerifiedToken
//! ```
//!
//! - `query.rs`: a `TimeStampReq` becomes a [`TimestampQuery`] once, at the edge
//!   ([`parse_query`]), or a [`Rejection`] carrying the `PKIFailureInfo` bit (`status.rs`).
//! - `signer.rs`: [`TsaSigner`], the ECDSA P-256 key and the certificate, with the parts of
//!   every token that depend only on the certificate encoded once.
//! - `token.rs`: [`issue_response`], a `TimeStampResp` whose token is a CMS `SignedData` over a
//!   `TSTInfo` (`tst_info.rs`), with the signed attributes of `attrs.rs` and `ess.rs`.
//! - `ess.rs`: the ESS signing-certificate-v2 attribute that `openssl ts -verify` insists on,
//!   written by the signer and checked by the verifier.
//! - `response.rs`: `TimeStampResp` both ways, granted and [`rejection_response`], and the
//!   status of a received one.
//! - `verify.rs`: [`verify_response`], using the certificate checks of `cert.rs` (a TSA
//!   certificate's only extended key usage must be a critical `id-kp-timeStamping`).
//!
//! Library choices. `x509-tsp` supplies `TimeStampReq`, `MessageImprint` and `Accuracy`; `cms`
//! the `SignedData` family; `x509-cert` certificates, names and attributes. Where no crate
//! types a structure it is a `der` derive type here: `TSTInfo` (`x509-tsp`'s cannot carry a
//! millisecond `genTime`), `PKIStatusInfo` (`x509-tsp` takes it from `cmpv2`, not a dependency),
//! the ESS attributes (no crate has them), and a lenient `SignedData` for reading OpenSSL's
//! tokens. Signing uses `ring`, about four times faster than RustCrypto `p256` for P-256 (see
//! `benches/tsa.rs`).
//!
//! Nothing on the issuing path is hand-encoded TLV: tokens are written through derive types.
//! The signer's structures borrow DER values encoded once per certificate (the certificate,
//! the signer id, the TSA name, the constant attributes) as `Any`, because re-encoding a
//! parsed certificate and its names for every token cost more than half a signature. The tests
//! re-encode issued tokens through `cms`'s own `SignedData` and get the same bytes, and OpenSSL
//! verifies them. The one hand-written DER is the fallback rejection response, sent should
//! encoding a rejection ever fail.

mod attrs;
mod cert;
mod error;
mod ess;
mod hash;
mod query;
mod response;
mod signer;
mod status;
mod token;
mod tst_info;
mod verify;

#[cfg(test)]
mod tests;

use der::oid::ObjectIdentifier;

pub use error::TsaError;
pub use hash::HashAlg;
pub use query::{parse_query, TimestampQuery, NONCE_LEN_MAX, QUERY_LEN_MAX};
pub use response::rejection_response;
pub use signer::TsaSigner;
pub use status::{FailureInfo, Rejection};
pub use token::{issue_response, TokenParams};
pub use verify::{
    token_imprint, verify_response, verify_stamped, Stamped, VerifiedToken, RESPONSE_LEN_MAX,
};

/// `id-ct-TSTInfo` (RFC 3161 §2.4.2): the content type of a timestamp token.
pub const ID_CT_TST_INFO: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.1.4");
