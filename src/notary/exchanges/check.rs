//! The checks of an abort or resolve request made on the caller's task, off the sequencer: each
//! envelope parsed into its one canonical payload, its signatures verified against the registered
//! keys, and for item for receipt the escrow opened. What depends on state that can change (the
//! key's standing, the exchange's state) is left to the sequencer.

use std::collections::BTreeMap;

use crate::crypto::zeroize::Zeroizing;
use base64::Engine;
use chrono::{DateTime, Utc};

use crate::crypto::envelope::{Envelope, SIGNATURES_MAX};
use crate::crypto::escrow::EscrowSecretKey;
use crate::crypto::item::ITEM_KEY_LEN;
use crate::model::exchange::{
    AbortRequest, ContractAcceptance, EscrowFault, ExchangePayload, ExchangeRefusal, ItemEscrow,
    Offer, Receipt, Sha256Hex, SignatureCheck,
};
use crate::model::registry::KeyRecord;
use crate::notary::{NotaryError, Shared};

/// What verifying an envelope's signatures found, before the key's standing is known.
#[derive(Clone, Debug)]
pub(super) enum Seen {
    /// A registered key signed and its signature verifies.
    Verified {
        /// The key's owner.
        party_id: String,
        /// The key.
        key_id: String,
    },
    /// A registered key is named, but no signature by one verifies.
    BadSignature,
    /// No registered key is named.
    UnknownKey,
}

impl Seen {
    /// The model's view of the signature, with the key's standing at `now`.
    pub fn check(&self, keys: &BTreeMap<String, KeyRecord>, now: DateTime<Utc>) -> SignatureCheck {
        match self {
            Seen::Verified { party_id, key_id } => match keys.get(key_id) {
                Some(k) => SignatureCheck::Valid {
                    party_id: party_id.clone(),
                    standing: k.standing_at(now),
                },
                None => SignatureCheck::UnknownKey,
            },
            Seen::BadSignature => SignatureCheck::BadSignature,
            Seen::UnknownKey => SignatureCheck::UnknownKey,
        }
    }
}

/// A received envelope, its typed payload and what its signatures showed.
#[derive(Clone, Debug)]
pub(super) struct Parsed<T> {
    pub payload: T,
    pub envelope: Envelope,
    pub seen: Seen,
}

/// What opening the escrow gave: the key, or why it cannot serve.
pub(super) enum Opening {
    Opened(Zeroizing<Vec<u8>>),
    Failed(EscrowFault),
}

/// The item-for-receipt parts of a resolve.
pub(super) struct ItemParts {
    pub item_escrow: Parsed<ItemEscrow>,
    pub receipt: Parsed<Receipt>,
    pub escrow_digest: Sha256Hex,
    pub opening: Opening,
}

/// What stands for m2 in a checked resolve.
pub(super) enum CheckedEvidence {
    Contract { m2: Parsed<ContractAcceptance> },
    Item(Box<ItemParts>),
}

/// A refusal of an exchange request: changes nothing.
pub(super) fn refused(r: ExchangeRefusal, detail: &str) -> NotaryError {
    let message = match r {
        ExchangeRefusal::MalformedExchange => {
            "the exchange objects are malformed or do not belong together"
        }
        ExchangeRefusal::WrongNotary => "m1 names another notary (its notary_key_id is not ours)",
        ExchangeRefusal::UnknownKey => "an object is signed by no key registered with this notary",
        ExchangeRefusal::BadSignature => {
            "a signature does not verify, or is by a key of another party than the one who must sign"
        }
        ExchangeRefusal::KeyRevoked => "a signing key is revoked",
        ExchangeRefusal::NotOriginator => "only the originator named in m1 may abort the exchange",
        ExchangeRefusal::BadM2 => "m2 (or the receipt) does not bind this exchange",
    };
    let message = if detail.is_empty() {
        message.to_string()
    } else {
        format!("{message}: {detail}")
    };
    let code = r.into();
    if r == ExchangeRefusal::NotOriginator {
        NotaryError::Denied { code, message }
    } else {
        NotaryError::invalid(code, message)
    }
}

/// Parses `env` as a payload of kind `T::KIND` and verifies its signatures; keeps `env`.
pub(super) fn parse<T: ExchangePayload>(
    shared: &Shared,
    what: &str,
    env: Envelope,
) -> Result<Parsed<T>, NotaryError> {
    let malformed = |d: String| refused(ExchangeRefusal::MalformedExchange, &d);
    if env.kind != T::KIND {
        return Err(malformed(format!("{what} must be of kind {}", T::KIND)));
    }
    if env.signatures.is_empty() || env.signatures.len() > SIGNATURES_MAX {
        return Err(malformed(format!(
            "{what} must carry 1 to {SIGNATURES_MAX} signatures"
        )));
    }
    let payload =
        T::from_payload(&env.payload).map_err(|r| refused(r, &malformed_payload(what)))?;
    let seen = verify(shared, &env);
    Ok(Parsed {
        payload,
        envelope: env,
        seen,
    })
}

/// Why a payload was refused, as far as the model's one refusal code lets us say.
fn malformed_payload(what: &str) -> String {
    format!(
        "{what} payload is malformed: a field missing, unknown or out of its rules (party ids, \
         the two parties differ, times in RFC 3339 UTC milliseconds), or not in its canonical form"
    )
}

/// Parses m1.
pub(super) fn parse_offer(shared: &Shared, env: Envelope) -> Result<Parsed<Offer>, NotaryError> {
    let p = parse::<crate::model::exchange::ContractOffer>(shared, "m1", env)?;
    let offer = Offer::received(p.payload, &p.envelope.payload)
        .map_err(|r| refused(r, &malformed_payload("m1")))?;
    Ok(Parsed {
        payload: offer,
        envelope: p.envelope,
        seen: p.seen,
    })
}

/// The first signature on `env` by a registered key that verifies (keys decoded once,
/// [`DecodedKeys`](crate::notary::decoded_keys::DecodedKeys)).
fn verify(shared: &Shared, env: &Envelope) -> Seen {
    let candidates: Vec<(String, String, [u8; 32])> = {
        let st = shared.state.lock();
        env.signer_key_ids()
            .filter_map(|kid| st.keys.get(kid))
            .filter_map(|k| {
                let mut raw = [0u8; 32];
                hex::decode_to_slice(&k.public_key, &mut raw).ok()?;
                Some((k.key_id.clone(), k.party_id.clone(), raw))
            })
            .collect()
    };
    if candidates.is_empty() {
        return Seen::UnknownKey;
    }
    candidates
        .into_iter()
        .find_map(|(key_id, party_id, raw)| {
            let vk = shared.decoded_keys.get(&raw)?;
            env.verify_by(&vk)
                .ok()
                .map(|_| Seen::Verified { party_id, key_id })
        })
        .unwrap_or(Seen::BadSignature)
}

/// Decodes the escrow and opens it with the binding m1 gives (its tid, ciphertext, recipient).
/// A key of the wrong length opens but cannot serve: a binding mismatch, the sender's fault.
pub(super) fn open_escrow(
    key: &EscrowSecretKey,
    m1: &Offer,
    escrow_b64: &str,
) -> Result<(Sha256Hex, Opening), NotaryError> {
    let malformed = |d: &str| refused(ExchangeRefusal::MalformedExchange, d);
    let escrow = base64::engine::general_purpose::STANDARD
        .decode(escrow_b64.as_bytes())
        .map_err(|_| malformed("escrow is not standard base64"))?;
    let binding = m1
        .escrow_binding()
        .ok_or_else(|| malformed("an escrow is only for item for receipt"))?;
    let aad = binding
        .to_bytes()
        .map_err(|e| NotaryError::Bug(format!("escrow binding: {e}")))?;
    let opening = match key.open(&aad, &escrow) {
        Ok(k) if k.len() == ITEM_KEY_LEN => Opening::Opened(k),
        Ok(_) => Opening::Failed(EscrowFault::BindingMismatch),
        Err(_) => Opening::Failed(EscrowFault::DoesNotOpen),
    };
    Ok((Sha256Hex::of(&escrow), opening))
}

/// Parses the abort's two envelopes.
pub(super) fn parse_abort(
    shared: &Shared,
    m1: Envelope,
    abort: Envelope,
) -> Result<(Parsed<Offer>, Parsed<AbortRequest>), NotaryError> {
    Ok((parse_offer(shared, m1)?, parse(shared, "abort", abort)?))
}
