//! Who signed a complaint or a response, and who reads a case.
//!
//! Reading is authenticated by a signed read request rather than a per-case secret
//! (docs/design.md, "Reading a case"): the party signs `complaint_read` {complaint_id, at} with a
//! registered key and sends `key_id`, `at` and the signature in the query. Nothing secret is
//! stored or handed over, the respondent can read a case it has not answered with the key it
//! already has, a revoked key stops reading at once, and a captured URL reads one case for at
//! most [`READ_SKEW_S`] seconds either side of its `at`.

use base64::Engine;
use chrono::{DateTime, Utc};
use ed25519_dalek::{Signature, Verifier, VerifyingKey};

use crate::crypto::envelope::{Envelope, SIGNATURES_MAX};
use crate::model::complaint::{read_time_ok, ReadRequest, READ_SKEW_S};
use crate::model::error_code::ErrorCode;
use crate::model::exchange::WireTime;
use crate::model::registry::{KeyRecord, KeyStanding};
use crate::model::time::rfc3339_ms;
use crate::notary::state::State;
use crate::notary::{NotaryError, Shared};

/// What the notary found about the signatures on a party's envelope.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Signer {
    /// A registered key of `party_id` signed, and its signature verifies.
    Verified {
        /// The key.
        key_id: String,
        /// Its owner.
        party_id: String,
    },
    /// A registered key is named, but no signature by one verifies.
    BadSignature,
    /// No signature by a registered key.
    UnknownKey,
}

impl Signer {
    /// The verified key and its owner, or the refusal: `unknown_key`, `bad_signature`.
    pub(super) fn verified(&self) -> Result<(&str, &str), NotaryError> {
        match self {
            Signer::Verified { key_id, party_id } => Ok((key_id, party_id)),
            Signer::UnknownKey => Err(NotaryError::invalid(
                ErrorCode::UnknownKey,
                "no signature by a key registered with this notary",
            )),
            Signer::BadSignature => Err(NotaryError::invalid(
                ErrorCode::BadSignature,
                "the signature does not verify",
            )),
        }
    }

    /// Ok when a key of `party` signed; `other_party` when a key of another party did.
    pub(super) fn by(&self, party: &str, other_party: NotaryError) -> Result<(), NotaryError> {
        let (_, owner) = self.verified()?;
        if owner == party {
            Ok(())
        } else {
            Err(other_party)
        }
    }

    /// Ok when the signing key is in good standing at `now` (`key_revoked` otherwise).
    pub(super) fn in_good_standing(
        &self,
        st: &State,
        now: DateTime<Utc>,
    ) -> Result<(), NotaryError> {
        let (key_id, _) = self.verified()?;
        match st.keys.get(key_id) {
            Some(k) if k.standing_at(now) == KeyStanding::Good => Ok(()),
            _ => Err(NotaryError::invalid(
                ErrorCode::KeyRevoked,
                format!("key {key_id} is revoked (or its certificate out of validity)"),
            )),
        }
    }
}

/// The raw Ed25519 key of a registered key record.
fn verifying_key(k: &KeyRecord) -> Option<VerifyingKey> {
    let raw: [u8; 32] = hex::decode(&k.public_key).ok()?.try_into().ok()?;
    VerifyingKey::from_bytes(&raw).ok()
}

/// Whether a registered key of one of `parties` signed `env` and its signature verifies.
pub(crate) fn signed_by_one_of(shared: &Shared, env: &Envelope, parties: &[&str]) -> bool {
    let Some(first) = parties.first() else {
        return false;
    };
    matches!(find_signer(shared, env, first),
        Signer::Verified { party_id, .. } if parties.contains(&party_id.as_str()))
}

/// Checks the signatures on `env`, preferring keys of `party`: the first registered key whose
/// signature verifies. Keys are looked up under the lock; signatures are checked outside it.
pub(super) fn find_signer(shared: &Shared, env: &Envelope, party: &str) -> Signer {
    let mut candidates: Vec<(String, String, Option<VerifyingKey>)> = {
        let st = shared.state.lock();
        env.signer_key_ids()
            .take(SIGNATURES_MAX)
            .filter_map(|kid| st.keys.get(kid))
            .map(|k| (k.key_id.clone(), k.party_id.clone(), verifying_key(k)))
            .collect()
    };
    if candidates.is_empty() {
        return Signer::UnknownKey;
    }
    candidates.sort_by_key(|(_, owner, _)| owner != party);
    candidates
        .into_iter()
        .find_map(|(key_id, party_id, vk)| {
            env.verify_by(&vk?).ok()?;
            Some(Signer::Verified { key_id, party_id })
        })
        .unwrap_or(Signer::BadSignature)
}

/// An envelope from a party carries 1 to [`SIGNATURES_MAX`] signatures.
pub(super) fn check_signature_count(env: &Envelope, what: &str) -> Result<(), NotaryError> {
    if env.signatures.is_empty() {
        return Err(NotaryError::invalid(
            ErrorCode::BadSignature,
            format!("the {what} carries no signature"),
        ));
    }
    if env.signatures.len() > SIGNATURES_MAX {
        return Err(NotaryError::invalid(
            ErrorCode::MalformedComplaint,
            format!("the {what} carries more than {SIGNATURES_MAX} signatures"),
        ));
    }
    // A second signature by one key says nothing more; kept, it only pads the stored record.
    let ids: Vec<&str> = env.signer_key_ids().collect();
    if let Some(twice) = ids
        .iter()
        .enumerate()
        .find_map(|(i, id)| ids[..i].contains(id).then_some(id))
    {
        return Err(NotaryError::invalid(
            ErrorCode::MalformedComplaint,
            format!(
                "the {what} carries two signatures by key \"{}\"",
                crate::model::text::sanitize_prefix(twice, 64)
            ),
        ));
    }
    Ok(())
}

/// A signed read request, as it arrives in the query of `GET /v1/complaints/{id}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedRead {
    /// The reader's registered key.
    pub key_id: String,
    /// When it signed (RFC 3339 UTC, milliseconds).
    pub at: String,
    /// Ed25519 signature over the `complaint_read` signing bytes, base64url without padding.
    pub sig: String,
}

fn bad_read(code: ErrorCode, message: impl Into<String>) -> NotaryError {
    NotaryError::invalid(code, message)
}

/// The party that signed `read` for complaint `id`, checked at `now`: the time (`bad_request`),
/// the key (`unknown_key`, `key_revoked`), the signature (`bad_signature`). Whether that party may
/// read the case is the caller's next check.
pub(super) fn read_by(
    shared: &Shared,
    id: &str,
    read: &SignedRead,
    now: DateTime<Utc>,
) -> Result<String, NotaryError> {
    let at = WireTime::try_from(read.at.clone())
        .map_err(|e| bad_read(ErrorCode::BadRequest, format!("at: {e}")))?;
    if !read_time_ok(at.at(), now) {
        return Err(bad_read(
            ErrorCode::BadRequest,
            format!(
                "the read was signed for {}, the notary's clock says {}: sign it again (at most \
             {READ_SKEW_S} s apart)",
                read.at,
                rfc3339_ms(now)
            ),
        ));
    }
    let key = shared
        .state
        .lock()
        .keys
        .get(&read.key_id)
        .cloned()
        .ok_or_else(|| {
            bad_read(
                ErrorCode::UnknownKey,
                "key_id is not a key registered with this notary",
            )
        })?;
    let sig = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(read.sig.as_bytes())
        .ok()
        .and_then(|raw| Signature::from_slice(&raw).ok())
        .ok_or_else(|| {
            bad_read(
                ErrorCode::BadSignature,
                "sig must be 64 bytes, base64url without padding",
            )
        })?;
    let msg = ReadRequest {
        complaint_id: id.to_string(),
        at,
    }
    .signing_bytes()
    .map_err(|e| NotaryError::Bug(e.to_string()))?;
    let verified = verifying_key(&key).is_some_and(|vk| vk.verify(&msg, &sig).is_ok());
    if !verified {
        return Err(bad_read(
            ErrorCode::BadSignature,
            "the signature does not verify for this complaint id and time",
        ));
    }
    if key.standing_at(now) != KeyStanding::Good {
        return Err(NotaryError::invalid(
            ErrorCode::KeyRevoked,
            format!("key {} is revoked", key.key_id),
        ));
    }
    Ok(key.party_id)
}
