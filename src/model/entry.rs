//! What a leaf of the notary log holds: one signed statement of the notary, as canonical JSON.
//!
//! Every signature the notary makes is one entry; an auditor who reads the log can re-check each
//! signature from the entry alone (the entry carries the signed object itself).

use serde::{Deserialize, Serialize};

use super::canonical::{to_canonical_json, write_str, CanonicalError};

/// The kinds of log entry. New kinds are added as the notary learns to sign new things.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    /// Entry 0: the notary's public keys and certificates, fixed at `notar init`.
    NotaryIdentity,
    /// An RFC 3161 timestamp token.
    Timestamp,
    /// A policy version the notary began to apply (its full text and digest).
    Policy,
    /// A party's registration.
    Party,
    /// A public key registered for a party.
    KeyRegistration,
    /// Keys revoked (by hand or from a CRL).
    Revocation,
    /// An agreement made, or its status changed.
    Agreement,
    /// A guarantee certificate.
    Guarantee,
    /// A refused guarantee request.
    Refusal,
    /// A guarantee settled (transaction completed).
    Settlement,
    /// A guarantee released (cancelled, aborted, ruled, expired).
    Release,
    /// A fair exchange aborted (at the originator's request, or expired).
    ExchangeAbortToken,
    /// The notary's replacement contract over (m1, m2): a contract exchange resolved.
    ReplacementContract,
    /// Item for receipt resolved: the key went to the recipient (the sender's receipt substitute).
    DeliveryAffidavit,
    /// Item for receipt: the escrow did not open or did not match; the sender is at fault.
    EscrowFailureAffidavit,
    /// A complaint received: the claimant's proof of when it complained.
    ComplaintReceipt,
    /// A respondent's answer to a complaint received.
    ComplaintResponseReceipt,
    /// A respondent let the response deadline pass.
    ComplaintSilence,
    /// An arbitrator's ruling on a case, signed by the notary (its actions run in its batch).
    Ruling,
    /// A fresh random nonce: an object that embeds it was made after its `issued_at`.
    Nonce,
    /// A seller's API token rotated or revoked (never the token or its hash).
    SellerToken,
}

impl EntryKind {
    /// The snake_case name: also the `kind` of the signed envelope the entry holds.
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::NotaryIdentity => "notary_identity",
            EntryKind::Timestamp => "timestamp",
            EntryKind::Policy => "policy",
            EntryKind::Party => "party",
            EntryKind::KeyRegistration => "key_registration",
            EntryKind::Revocation => "revocation",
            EntryKind::Agreement => "agreement",
            EntryKind::Guarantee => "guarantee",
            EntryKind::Refusal => "refusal",
            EntryKind::Settlement => "settlement",
            EntryKind::Release => "release",
            EntryKind::ExchangeAbortToken => "exchange_abort_token",
            EntryKind::ReplacementContract => "replacement_contract",
            EntryKind::DeliveryAffidavit => "delivery_affidavit",
            EntryKind::EscrowFailureAffidavit => "escrow_failure_affidavit",
            EntryKind::ComplaintReceipt => "complaint_receipt",
            EntryKind::ComplaintResponseReceipt => "complaint_response_receipt",
            EntryKind::ComplaintSilence => "complaint_silence",
            EntryKind::Ruling => "ruling",
            EntryKind::Nonce => "nonce",
            EntryKind::SellerToken => "seller_token",
        }
    }
}

/// One log leaf.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogEntry {
    /// What was signed.
    pub kind: EntryKind,
    /// When the notary logged it (RFC 3339, ms, UTC).
    pub logged_at: String,
    /// The arbitrator who caused it, for actions taken through the console or CLI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<String>,
    /// The signed object or its description; the shape depends on `kind`.
    pub body: serde_json::Value,
}

impl LogEntry {
    /// The leaf bytes: canonical JSON of the entry.
    pub fn to_bytes(&self) -> Result<Vec<u8>, CanonicalError> {
        to_canonical_json(self)
    }
}

/// The leaf bytes of an entry whose body's canonical JSON is already made (the notary signs an
/// envelope and writes its bytes once): the same bytes as [`LogEntry::to_bytes`] (tested),
/// written member by member in JCS order (`body`, `kind`, `logged_at`, `operator`).
pub fn leaf_bytes(
    kind: EntryKind,
    logged_at: &str,
    operator: Option<&str>,
    canonical_body: &[u8],
) -> Result<Vec<u8>, CanonicalError> {
    let mut out = Vec::with_capacity(canonical_body.len() + 96);
    out.extend_from_slice(b"{\"body\":");
    out.extend_from_slice(canonical_body);
    out.extend_from_slice(b",\"kind\":\"");
    // Kind names are snake_case ASCII: nothing to escape.
    out.extend_from_slice(kind.as_str().as_bytes());
    out.extend_from_slice(b"\",\"logged_at\":");
    write_str(&mut out, logged_at)?;
    if let Some(op) = operator {
        out.extend_from_slice(b",\"operator\":");
        write_str(&mut out, op)?;
    }
    out.push(b'}');
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn entry_bytes_are_canonical_and_parse_back() {
        let e = LogEntry {
            kind: EntryKind::Timestamp,
            logged_at: "2026-03-10T12:00:00.000Z".into(),
            operator: None,
            body: json!({"serial": 7, "hash_alg": "sha256"}),
        };
        let bytes = e.to_bytes().expect("bytes");
        assert_eq!(
            bytes,
            br#"{"body":{"hash_alg":"sha256","serial":7},"kind":"timestamp","logged_at":"2026-03-10T12:00:00.000Z"}"#
        );
        let back: LogEntry = serde_json::from_slice(&bytes).expect("parse");
        assert_eq!(back, e);
    }

    #[test]
    fn leaf_bytes_are_the_entry_bytes() {
        let body = json!({"payload": {"n": 1, "s": "a\"\u{1}\u{202e}é"}, "kind": "guarantee"});
        for operator in [None, Some("ann \"the\" arbitrator\u{7}")] {
            let e = LogEntry {
                kind: EntryKind::Guarantee,
                logged_at: "2026-03-10T12:00:00.000Z".into(),
                operator: operator.map(str::to_string),
                body: body.clone(),
            };
            let canonical_body = crate::model::canonical::canonical_value(&body).expect("body");
            let leaf = leaf_bytes(e.kind, &e.logged_at, operator, &canonical_body).expect("leaf");
            assert_eq!(leaf, e.to_bytes().expect("bytes"));
        }
    }
}
