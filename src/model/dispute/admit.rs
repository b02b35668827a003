//! Step 0, admissibility: may the rules rest on this item? The signature facts come from the
//! verifying layer; here they meet the registry: who must have signed, with whose key, and
//! whether a notary-signed item is in the notary's log.

use std::collections::BTreeMap;

use super::types::{Content, Item, Registry, Signer};

/// The decision on one item.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Admission {
    /// The rules may rest on it.
    pub admissible: bool,
    /// The rule that decided.
    pub rule_id: &'static str,
    /// Signed by the notary but absent from its log: the notary's fault.
    pub notary_fault: bool,
}

const fn refuse(rule_id: &'static str) -> Admission {
    Admission {
        admissible: false,
        rule_id,
        notary_fault: false,
    }
}

const fn admit_by(rule_id: &'static str) -> Admission {
    Admission {
        admissible: true,
        rule_id,
        notary_fault: false,
    }
}

/// Whether `id` is 64 lowercase hex digits, the form of a SHA-256 item id.
fn id_ok(id: &str) -> bool {
    id.len() == 64 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Decides one item. `by_id` holds every distinct item, to find an exchange's parties.
pub(super) fn admit(item: &Item, by_id: &BTreeMap<&str, &Item>, registry: &Registry) -> Admission {
    if !id_ok(&item.id) {
        return refuse("A0.malformed_id");
    }
    if item.facts.misnamed {
        return refuse("A0.id_mismatch");
    }
    match item.content.signer() {
        Signer::Nobody => match item.content {
            Content::NonceReveal { matches: false, .. } => refuse("A0.digest_mismatch"),
            _ => admit_by("A0.data"),
        },
        Signer::Notary => admit_notary(item, registry),
        Signer::Party => admit_party(item, by_id, registry),
    }
}

fn admit_notary(item: &Item, registry: &Registry) -> Admission {
    let Some(signer) = &item.facts.signer else {
        return refuse("A0.unsigned");
    };
    if !registry.notary_keys.contains(signer) {
        return refuse("A0.not_notary_key");
    }
    if item.facts.unproven {
        return refuse("A0.no_inclusion_proof");
    }
    if !item.facts.signature_valid {
        return refuse("A0.bad_signature");
    }
    match item.facts.in_log {
        None => refuse("A0.no_inclusion_proof"),
        Some(false) => Admission {
            admissible: true,
            rule_id: "A0.not_in_log",
            notary_fault: true,
        },
        Some(true) => admit_by("A0.notary_logged"),
    }
}

fn admit_party(item: &Item, by_id: &BTreeMap<&str, &Item>, registry: &Registry) -> Admission {
    let Some(signer) = &item.facts.signer else {
        return refuse("A0.unsigned");
    };
    let Some(key) = registry.key(signer) else {
        return refuse("A0.unknown_key");
    };
    if !item.facts.signature_valid {
        return refuse("A0.bad_signature");
    }
    match expected_party(&item.content, by_id, registry) {
        Some(party) if party != key.party_id => refuse("A0.wrong_signer"),
        _ => admit_by("A0.admitted"),
    }
}

/// The party who must have signed a party-signed item, when the evidence names one.
fn expected_party(
    content: &Content,
    by_id: &BTreeMap<&str, &Item>,
    registry: &Registry,
) -> Option<String> {
    let offer = |tid: &str, originator: bool| {
        offer_parties(tid, by_id, registry).map(|(o, r)| if originator { o } else { r })
    };
    match content {
        Content::Order { buyer, .. } | Content::GoodsReceipt { buyer } => Some(buyer.clone()),
        Content::Offer { originator, .. } => Some(originator.clone()),
        Content::AbortRequest { tid } | Content::ItemEscrow { tid } => offer(tid, true),
        Content::Acceptance { tid } | Content::ExchangeReceipt { tid } => offer(tid, false),
        _ => None,
    }
}

/// (originator, responder) of the exchange `tid`, from the first offer (by id) validly signed by
/// its originator.
pub(super) fn offer_parties(
    tid: &str,
    by_id: &BTreeMap<&str, &Item>,
    registry: &Registry,
) -> Option<(String, String)> {
    by_id.values().find_map(|i| match &i.content {
        Content::Offer {
            tid: t,
            originator,
            responder,
            ..
        } if t == tid && i.facts.signature_valid => {
            let key = registry.key(i.facts.signer.as_deref()?)?;
            (key.party_id == *originator).then(|| (originator.clone(), responder.clone()))
        }
        _ => None,
    })
}
