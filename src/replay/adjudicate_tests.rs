use base64::Engine;
use ed25519_dalek::SigningKey;
use proptest::prelude::*;
use serde_json::json;

use super::*;
use crate::crypto::envelope::Envelope;
use crate::crypto::keys::key_id;
use crate::model::exchange::Offer;
use crate::replay::{Claim as BundleClaim, NotaryKeys, FORMAT};

fn key(n: u8) -> SigningKey {
    SigningKey::from_bytes(&[n; 32])
}

fn hex64(c: char) -> String {
    std::iter::repeat_n(c, 64).collect()
}

/// An exchange claim whose items do not verify (no registry, no proofs) and whose policy is
/// missing: the join still runs over every item.
fn bundle() -> Bundle {
    let payload = json!({"protocol": "item", "ciphertext_digest": hex64('c'),
        "item_digest": hex64('d'), "originator": "p-bob", "responder": "p-sal",
        "notary_key_id": hex64('e'), "na_digest": hex64('f')});
    let tid = Offer::from_payload(&payload)
        .expect("m1")
        .tid()
        .as_str()
        .to_string();
    let m1 = Envelope::sign("exchange_offer", payload, &key(1)).expect("sign");
    let receipt = Envelope::sign("exchange_receipt", json!({"tid": tid}), &key(2)).expect("s");
    let token = json!({"tid": tid, "m1": m1, "receipt": receipt, "log_index": 3,
        "decided_at": "2026-03-12T10:00:00.000Z"});
    let token = Envelope::sign("delivery_affidavit", token, &key(3)).expect("s");
    let notary = key(3).verifying_key();
    Bundle {
        format: FORMAT.into(),
        claim: BundleClaim {
            complaint_id: "c1".into(),
            kind: "non_payment".into(),
            claimant: "p-sal".into(),
            respondent: "p-bob".into(),
            tid: Some(tid),
            guarantee_id: None,
            order_digest: None,
            amount: serde_json::from_value(json!({"minor": 12000, "currency": "EUR"}))
                .expect("money"),
            filed_at: "2026-03-20T09:00:00.000Z".into(),
            counter_claim: None,
        },
        items: vec![
            BundleItem::party(m1).expect("id"),
            BundleItem::party(receipt).expect("id"),
            BundleItem::notary(token, "no proof".into()).expect("id"),
        ],
        registry: vec![],
        notary: NotaryKeys {
            name: "notar".into(),
            key_id: key_id(&notary),
            public_key: base64::engine::general_purpose::STANDARD.encode(notary.to_bytes()),
            checkpoint_vkey: String::new(),
            log_origin: "notar.test/log".into(),
            tsa_chain: vec![],
            identity: None,
        },
        checkpoint: String::new(),
    }
}

#[test]
fn a_bundle_without_the_policy_to_apply_is_not_replayed() {
    let bytes = serde_json::to_vec(&bundle()).expect("json");
    match replay(&bytes) {
        Err(ReplayError::Policy(why)) => assert!(why.contains("complaint receipt"), "{why}"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(replay(b"{}"), Err(ReplayError::Unreadable(_))));
}

#[test]
fn a_claim_the_rules_cannot_state_is_not_replayed() {
    let mut b = bundle();
    b.claim.guarantee_id = Some("g1".into());
    let bytes = serde_json::to_vec(&b).expect("json");
    assert!(matches!(replay(&bytes), Err(ReplayError::Claim(_))));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Any byte of a bundle changed: an answer or an error, never a panic.
    #[test]
    fn a_mutated_bundle_never_panics(at in any::<prop::sample::Index>(), bit in 0u8..8) {
        let mut bytes = serde_json::to_vec(&bundle()).expect("json");
        let i = at.index(bytes.len());
        bytes[i] ^= 1 << bit;
        let _ = replay(&bytes);
    }
}
