//! The serde types of `notar-bundle/1`. Every field is specified in docs/formats.md ("Evidence
//! bundle"); unknown fields are refused so a bundle means one thing.

use base64::Engine;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::crypto::envelope::Envelope;
use crate::model::canonical::CanonicalError;
use crate::model::money::Money;

/// The `format` value of a version-1 bundle.
pub const FORMAT: &str = "notar-bundle/1";

/// Largest bundle [`super::verify`] reads, in bytes.
pub const BUNDLE_LEN_MAX: usize = 64 * 1024 * 1024;

/// A whole evidence bundle.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bundle {
    /// Always [`FORMAT`].
    pub format: String,
    /// What is claimed, from the notary's complaint receipt.
    pub claim: Claim,
    /// The evidence: the parties' signed objects, the notary's records about the case, timestamps
    /// and documents.
    pub items: Vec<Item>,
    /// The notary's own logged envelopes about the parties: party and key registrations,
    /// revocations, agreements, policies. Each a [`Item::NotaryEnvelope`].
    pub registry: Vec<Item>,
    /// The notary's public keys.
    pub notary: NotaryKeys,
    /// One C2SP checkpoint (signed note) every proof in the bundle is against.
    pub checkpoint: String,
}

impl Bundle {
    /// The bytes of the bundle file `notar case export` writes (pretty JSON and a newline): what
    /// a ruling's `bundle_digest` is the SHA-256 of.
    pub fn to_file_bytes(&self) -> Result<Vec<u8>, serde_json::Error> {
        let mut bytes = serde_json::to_vec_pretty(self)?;
        bytes.push(b'\n');
        Ok(bytes)
    }
}

/// The claim of the case, as the notary's complaint receipt states it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Claim {
    /// The complaint's id.
    pub complaint_id: String,
    /// `non_delivery`, `non_payment`, `not_as_described`, `contract_validity` or `other`.
    pub kind: String,
    /// The claimant's party id.
    pub claimant: String,
    /// The respondent's party id.
    pub respondent: String,
    /// The exchange concerned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tid: Option<String>,
    /// The guarantee concerned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guarantee_id: Option<String>,
    /// The order concerned, by its `order_digest` (a complaint about an order without a
    /// guarantee). Exactly one of `tid`, `guarantee_id` and `order_digest`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_digest: Option<String>,
    /// Amount claimed.
    pub amount: Money,
    /// When the notary received the complaint (RFC 3339 ms).
    pub filed_at: String,
    /// The respondent's counter-claim, when its answer carries one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counter_claim: Option<super::counter::CounterClaim>,
}

/// One evidence item. Its `id` is the lowercase hex SHA-256 of its canonical bytes: an envelope's
/// canonical JSON, a token's DER, a document's content (so a document without content is named by
/// its digest). The same ids as a complaint's evidence ids.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
// Read through the flat form of `format_wire` (the same items, faster); written tagged.
#[serde(
    tag = "type",
    rename_all = "snake_case",
    deny_unknown_fields,
    try_from = "super::format_wire::ItemWire"
)]
pub enum Item {
    /// An envelope signed by a party (an order, m1, a complaint, a response).
    PartyEnvelope {
        /// Hex SHA-256 of the envelope's canonical JSON.
        id: String,
        /// The envelope.
        envelope: Envelope,
    },
    /// An envelope signed by the notary, with its inclusion proof.
    NotaryEnvelope {
        /// Hex SHA-256 of the envelope's canonical JSON.
        id: String,
        /// The envelope.
        envelope: Envelope,
        /// A `c2sp.org/tlog-proof@v1` whose `extra` is the log entry (the leaf bytes) holding the
        /// envelope, against the bundle's checkpoint.
        proof: String,
    },
    /// An RFC 3161 timestamp token.
    Rfc3161Token {
        /// Hex SHA-256 of the DER.
        id: String,
        /// Base64 (standard, padded) of the DER `TimeStampResp` or bare token.
        token: String,
        /// Hex of the message imprint the token covers (for SHA-256: the id of the stamped item).
        imprint: String,
    },
    /// A document, by digest, with its content when small.
    Document {
        /// Equal to `sha256`.
        id: String,
        /// Hex SHA-256 of the document's bytes.
        sha256: String,
        /// File name, for people.
        name: String,
        /// Media type.
        media_type: String,
        /// Base64 (standard, padded) of the document.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        content: Option<String>,
    },
}

impl Item {
    /// The declared id.
    pub fn id(&self) -> &str {
        match self {
            Item::PartyEnvelope { id, .. }
            | Item::NotaryEnvelope { id, .. }
            | Item::Rfc3161Token { id, .. }
            | Item::Document { id, .. } => id,
        }
    }

    /// What the item is in one word: the envelope's kind, `rfc3161_token` or `document`.
    pub fn label(&self) -> &str {
        match self {
            Item::PartyEnvelope { envelope, .. } | Item::NotaryEnvelope { envelope, .. } => {
                &envelope.kind
            }
            Item::Rfc3161Token { .. } => "rfc3161_token",
            Item::Document { .. } => "document",
        }
    }

    /// A party-signed envelope item, its id computed.
    pub fn party(envelope: Envelope) -> Result<Item, CanonicalError> {
        Ok(Item::PartyEnvelope {
            id: envelope_id(&envelope)?,
            envelope,
        })
    }

    /// A notary-signed envelope item with its tlog-proof text, its id computed.
    pub fn notary(envelope: Envelope, proof: String) -> Result<Item, CanonicalError> {
        Ok(Item::NotaryEnvelope {
            id: envelope_id(&envelope)?,
            envelope,
            proof,
        })
    }

    /// A token item from its DER and the imprint it covers.
    pub fn token(der: &[u8], imprint: &[u8]) -> Item {
        Item::Rfc3161Token {
            id: hex_sha256(der),
            token: base64::engine::general_purpose::STANDARD.encode(der),
            imprint: hex::encode(imprint),
        }
    }
}

/// The notary's public keys, as `GET /v1/notary` serves them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotaryKeys {
    /// The notary's short name.
    pub name: String,
    /// Hex SHA-256 of the Ed25519 public key.
    pub key_id: String,
    /// Ed25519 public key, base64 (32 bytes).
    pub public_key: String,
    /// C2SP note verifier key of the checkpoints.
    pub checkpoint_vkey: String,
    /// The log's origin line.
    pub log_origin: String,
    /// Base64 DER certificates of the TSA: its own certificate first, its root last.
    pub tsa_chain: Vec<String>,
    /// The notary's identity entry (log entry 0, kind `notary_identity`: its public key and TSA
    /// certificates) with its inclusion proof against the bundle's checkpoint, a C2SP
    /// tlog-proof: what ties `tsa_chain` to the notary's key. A bundle could otherwise bring a
    /// TSA of its own making, whose tokens would bound any item's time (s13). Without it, or
    /// when it does not hold these keys, no token is admitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
}

/// Hex SHA-256 of an envelope's canonical JSON: its evidence id.
pub fn envelope_id(envelope: &Envelope) -> Result<String, CanonicalError> {
    Ok(hex_sha256(&envelope.to_bytes()?))
}

/// Whether a notary record's payload (a receipt, a response receipt, a silence record) is about
/// the complaint `complaint_id`: its `complaint_id` member is that id.
pub(super) fn names_complaint(payload: &serde_json::Value, complaint_id: &str) -> bool {
    payload
        .get("complaint_id")
        .and_then(serde_json::Value::as_str)
        == Some(complaint_id)
}

/// Lowercase hex SHA-256.
pub(super) fn hex_sha256(bytes: &[u8]) -> String {
    // Into a buffer, not `hex::encode`: that makes the string a char at a time, which was a
    // fifth of checking an item's id in a large bundle's replay.
    let digest = Sha256::digest(bytes);
    let mut out = [0u8; 64];
    match hex::encode_to_slice(digest, &mut out) {
        Ok(()) => String::from_utf8_lossy(&out).into_owned(),
        Err(_) => hex::encode(digest),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_sha256_is_the_lowercase_hex_of_the_digest() {
        assert_eq!(
            hex_sha256(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        for text in [&b"abc"[..], &[0xff; 1000][..]] {
            assert_eq!(hex_sha256(text), hex::encode(Sha256::digest(text)));
        }
    }
}
