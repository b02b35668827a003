use base64::Engine;
use curve25519_dalek::constants::{ED25519_BASEPOINT_POINT, EIGHT_TORSION};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::EdwardsPoint;
use ed25519_dalek::{Signature, Signer as _, SigningKey, Verifier as _};
use proptest::prelude::*;
use serde_json::{json, Value};

use super::*;
use crate::crypto::envelope::{signing_input, EnvelopeError};
use crate::log::{prove_inclusion, sign_checkpoint, tree_hash, vkey, MemoryHashStore};
use crate::model::entry::{EntryKind, LogEntry};
use crate::notary::fixture::signatures::{self, s_plus_l};
use crate::replay::{Claim, TlogProof};

const ORIGIN: &str = "notar.test/log";

fn notary() -> SigningKey {
    SigningKey::from_bytes(&[7; 32])
}

fn ann() -> SigningKey {
    SigningKey::from_bytes(&[9; 32])
}

/// A notary-signed envelope of `kind` at `index`, and its log entry bytes.
fn logged(kind: EntryKind, mut payload: Value, index: u64) -> (Envelope, Vec<u8>) {
    payload["log_index"] = json!(index);
    let env = Envelope::sign(kind.as_str(), payload, &notary()).expect("sign");
    let entry = LogEntry {
        kind,
        logged_at: format!("2026-03-01T09:00:0{index}.000Z"),
        operator: None,
        body: serde_json::to_value(&env).expect("json"),
    };
    (env, entry.to_bytes().expect("bytes"))
}

fn receipt_payload() -> Value {
    json!({"complaint_id": "c1", "kind": "non_delivery", "claimant": "p-ann",
        "respondent": "p-bob", "guarantee_id": "g1", "amount": {"minor": 100, "currency": "EUR"},
        "received_at": "2026-03-01T09:00:02.000Z"})
}

/// A valid bundle: ann's key registration (registry), ann's order, a notary receipt, a document.
fn bundle() -> Bundle {
    let a = ann().verifying_key();
    let reg = json!({"key_id": key_id(&a), "party_id": "p-ann", "public_key": hex::encode(a.to_bytes()), "alg": "ed25519"});
    let logged_items = [
        logged(
            EntryKind::Party,
            json!({"party_id": "p-ann", "name": "ann"}),
            0,
        ),
        logged(EntryKind::KeyRegistration, reg, 1),
        logged(EntryKind::ComplaintReceipt, receipt_payload(), 2),
    ];
    let (registry, receipt, note) = prove_all(&logged_items);
    let order = Envelope::sign("order", json!({"amount": 100}), &ann()).expect("sign");
    let doc = b"%PDF invoice";
    let b64 = &base64::engine::general_purpose::STANDARD;
    Bundle {
        format: FORMAT.into(),
        claim: Claim {
            complaint_id: "c1".into(),
            kind: "non_delivery".into(),
            claimant: "p-ann".into(),
            respondent: "p-bob".into(),
            tid: None,
            guarantee_id: Some("g1".into()),
            order_digest: None,
            amount: serde_json::from_value(json!({"minor": 100, "currency": "EUR"}))
                .expect("money"),
            filed_at: "2026-03-01T09:00:02.000Z".into(),
            counter_claim: None,
        },
        items: vec![
            Item::party(order).expect("item"),
            receipt,
            Item::Document {
                id: hex_sha256(doc),
                sha256: hex_sha256(doc),
                name: "invoice.pdf".into(),
                media_type: "application/pdf".into(),
                content: Some(b64.encode(doc)),
            },
        ],
        registry,
        notary: notary_keys(),
        checkpoint: note,
    }
}

fn notary_keys() -> NotaryKeys {
    let b64 = &base64::engine::general_purpose::STANDARD;
    NotaryKeys {
        name: "notar".into(),
        key_id: key_id(&notary().verifying_key()),
        public_key: b64.encode(notary().verifying_key().to_bytes()),
        checkpoint_vkey: vkey(ORIGIN, &notary().verifying_key()),
        log_origin: ORIGIN.into(),
        tsa_chain: vec![],
        identity: None,
    }
}

fn bytes(b: &Bundle) -> Vec<u8> {
    serde_json::to_vec(b).expect("json")
}

fn failing(r: &Report) -> Vec<(String, String)> {
    r.failures()
        .map(|i| (i.id.clone(), i.reason.clone().unwrap_or_default()))
        .collect()
}

#[test]
fn a_valid_bundle_verifies_with_its_facts() {
    let b = bundle();
    let r = verify(&bytes(&b)).expect("readable");
    assert!(r.ok(), "{:?}", failing(&r));
    assert_eq!(r.items.len(), 5);
    let order = &r.items[0].facts;
    assert_eq!(
        order.signer.as_ref().and_then(|s| s.party_id.as_deref()),
        Some("p-ann")
    );
    assert_eq!(r.items[1].facts.in_log.as_ref().map(|l| l.index), Some(2));
    assert_eq!(r.items[2].facts.content_ok, Some(true));
    assert_eq!(r.items[3].section, Section::Registry);
    assert_eq!(r.checkpoint.size, Some(3));
}

#[test]
fn a_party_key_must_be_registered_in_the_bundle() {
    let mut b = bundle();
    b.registry.pop();
    let r = verify(&bytes(&b)).expect("readable");
    let f = failing(&r);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].0, b.items[0].id());
    assert!(f[0].1.contains("none registered"), "{f:?}");
}

#[test]
fn an_envelope_logged_elsewhere_or_a_foreign_checkpoint_fails() {
    // The receipt's proof is moved to the party entry's envelope: the leaf does not hold it.
    let mut b = bundle();
    let Item::NotaryEnvelope { proof, .. } = b.registry[0].clone() else {
        unreachable!()
    };
    if let Item::NotaryEnvelope { proof: p, .. } = &mut b.items[1] {
        *p = proof;
    }
    let f = failing(&verify(&bytes(&b)).expect("readable"));
    assert_eq!(f.len(), 1);
    assert!(f[0].1.contains("does not hold this envelope"), "{f:?}");

    // A checkpoint signed by another key: the checkpoint and every notary item fail.
    let mut b = bundle();
    let body = b.checkpoint.split("\n\n").next().unwrap_or("").to_string() + "\n";
    let cp = Checkpoint::parse_body(&body).ok();
    let other = SigningKey::from_bytes(&[3; 32]);
    b.checkpoint = sign_checkpoint(&cp.expect("body"), ORIGIN, &other);
    let r = verify(&bytes(&b)).expect("readable");
    assert!(!r.checkpoint.ok);
    // The three notary items, and the order whose key only they register.
    assert_eq!(failing(&r).len(), 4, "{:?}", failing(&r));

    // The same with the bundle's checkpoint_vkey naming that other key (s13 F1: whoever built
    // the bundle could sign a log of their own, and every notary item seemed logged).
    b.notary.checkpoint_vkey = vkey(ORIGIN, &other.verifying_key());
    let r = verify(&bytes(&b)).expect("readable");
    assert!(!r.checkpoint.ok, "{:?}", r.checkpoint);
    assert!(
        r.checkpoint
            .reason
            .as_deref()
            .is_some_and(|w| w.contains("not the notary's key")),
        "{:?}",
        r.checkpoint
    );
    assert_eq!(failing(&r).len(), 4, "{:?}", failing(&r));
}

#[test]
fn a_notary_envelope_without_its_proof_is_signed_but_not_in_the_log() {
    let mut b = bundle();
    let Item::NotaryEnvelope { envelope, .. } = b.items[1].clone() else {
        unreachable!()
    };
    b.items[1] = Item::party(envelope).expect("item");
    let r = verify(&bytes(&b)).expect("readable");
    let f = &r.items[1];
    assert!(!f.ok);
    assert_eq!(f.facts.signature_ok, Some(true));
    assert_eq!(
        f.facts.signer.as_ref().map(|s| s.party_id.is_none()),
        Some(true)
    );
    assert_eq!(f.facts.in_log, None);
    assert!(f
        .reason
        .as_deref()
        .unwrap_or("")
        .contains("not shown to be in its log"));
}

#[test]
fn the_claim_must_be_what_the_receipt_says() {
    let mut b = bundle();
    b.claim.amount.minor = 1_000_000;
    b.claim.respondent = "p-cy".into();
    let r = verify(&bytes(&b)).expect("readable");
    assert!(!r.ok() && !r.claim.ok);
    assert_eq!(
        r.claim.reason.as_deref(),
        Some("the claim's respondent, amount differ from the notary's receipt")
    );
    assert!(failing(&r).is_empty(), "the items themselves are fine");
    b.items.remove(1);
    let r = verify(&bytes(&b)).expect("readable");
    assert_eq!(r.claim.receipt, None);
    assert!(!r.claim.ok);
}

#[test]
fn unreadable_files_are_told_apart_from_failing_items() {
    assert!(matches!(verify(b"\x00garbage"), Err(Unreadable::Shape(_))));
    let mut b = bundle();
    b.format = "notar-bundle/2".into();
    assert!(matches!(verify(&bytes(&b)), Err(Unreadable::Format(_))));
    let mut b = bundle();
    b.notary.key_id = "00".into();
    assert!(matches!(verify(&bytes(&b)), Err(Unreadable::NotaryKey(_))));
}

/// Every string leaf of an item, as JSON pointers.
fn string_leaves(v: &Value, at: String, out: &mut Vec<String>) {
    match v {
        Value::String(_) => out.push(at),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .for_each(|(i, x)| string_leaves(x, format!("{at}/{i}"), out)),
        Value::Object(o) => o
            .iter()
            .for_each(|(k, x)| string_leaves(x, format!("{at}/{k}"), out)),
        _ => {}
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn mutated_bytes_never_panic(at in 0usize..100_000, bit in 0u8..8, cut in proptest::option::of(0usize..100_000)) {
        let mut raw = bytes(&bundle());
        let i = at % raw.len();
        raw[i] ^= 1 << bit;
        if let Some(c) = cut {
            raw.truncate(c % raw.len());
        }
        let _ = verify(&raw);
    }

    #[test]
    fn a_flipped_bit_in_an_item_fails_that_item_by_id(item in 0usize..5, leaf in 0usize..1000, bit in 0u8..7) {
        let b = bundle();
        let mut v = serde_json::to_value(&b).expect("json");
        let (list, k) = if item < 3 { ("items", item) } else { ("registry", item - 3) };
        let mut leaves = Vec::new();
        string_leaves(&v[list][k], format!("/{list}/{k}"), &mut leaves);
        // Not the tag or the id (another item then), nor a document's labels (for people, not
        // covered by its digest).
        let labels = ["/type", "/id", "/alg", "/name", "/media_type"];
        leaves.retain(|p| !labels.iter().any(|l| p.ends_with(l)));
        let ptr = &leaves[leaf % leaves.len()];
        let s = v.pointer_mut(ptr).expect("leaf");
        let mut text = s.as_str().unwrap_or("").as_bytes().to_vec();
        prop_assume!(!text.is_empty());
        text[0] ^= 1 << bit;
        let Ok(text) = String::from_utf8(text) else { return Ok(()) };
        *s = Value::String(text);
        let id = v[list][k]["id"].as_str().unwrap_or("").to_string();
        match verify(&serde_json::to_vec(&v).expect("json")) {
            Err(_) => {}
            Ok(r) => {
                let f = failing(&r);
                prop_assert!(f.iter().any(|(i, _)| *i == id), "{ptr}: {f:?}");
            }
        }
    }
}

#[test]
fn a_notary_envelope_the_log_contradicts_is_named_with_the_entry_there() {
    let mut b = bundle();
    let Item::NotaryEnvelope {
        envelope, proof, ..
    } = b.items[1].clone()
    else {
        unreachable!()
    };
    // Signed by the notary for index 2, where the log holds the real receipt.
    let mut payload = envelope.payload.clone();
    payload["complaint_id"] = json!("c2");
    let other = Envelope::sign(&envelope.kind, payload, &notary()).expect("sign");
    b.items.push(Item::notary(other, proof).expect("item"));
    let r = verify(&bytes(&b)).expect("readable");
    let f = &r.items[3];
    assert!(!f.ok);
    assert_eq!(f.facts.signature_ok, Some(true));
    assert_eq!(f.facts.in_log, None);
    assert_eq!(f.facts.log_contradicts.as_ref().map(|l| l.index), Some(2));
    assert_eq!(r.items[1].facts.log_contradicts, None);

    // The same envelope signed by someone else: nothing shows the notary signed it, so it is
    // no notary fault (s13 F6).
    let mut payload = envelope.payload.clone();
    payload["complaint_id"] = json!("c3");
    let forged = Envelope::sign(&envelope.kind, payload, &ann()).expect("sign");
    let mut forged = forged;
    forged.signatures[0].key_id = r.notary_key_id.clone();
    let Item::NotaryEnvelope { proof, .. } = b.items[1].clone() else {
        unreachable!()
    };
    let item = Item::notary(forged, proof).expect("item");
    let id = item.id().to_string();
    b.items.push(item);
    let r = verify(&bytes(&b)).expect("readable");
    let f = r
        .items
        .iter()
        .find(|i| i.id == id)
        .expect("the forged item");
    assert_eq!(f.facts.signature_ok, Some(false), "{f:?}");
    assert_eq!(f.facts.log_contradicts, None, "{f:?}");
}

/// `bundle()` with `n` more of ann's orders; the one at `broken` (if any) carries the signature
/// of another payload, its id made anew so that only the signature is wrong.
fn many_orders(n: usize, broken: Option<usize>) -> Bundle {
    let mut b = bundle();
    for i in 0..n {
        // 1000 up: none a copy of bundle()'s own order (exact copies are read once).
        let mut order = Envelope::sign("order", json!({"amount": 1000 + i}), &ann()).expect("s");
        if broken == Some(i) {
            let other = Envelope::sign("order", json!({"amount": 1}), &ann()).expect("sign");
            order.signatures = other.signatures;
        }
        b.items.push(Item::party(order).expect("item"));
    }
    b
}

#[test]
fn a_bundle_of_many_items_all_verify_through_the_batch() {
    let b = many_orders(120, None);
    let r = verify(&bytes(&b)).expect("readable");
    assert!(r.ok(), "{:?}", failing(&r));
    assert_eq!(r.items.len(), 125);
    assert!(r.items.iter().all(|i| i.facts.signature_ok != Some(false)));
}

/// A bundle large enough to be checked on the pool of threads (`par::on_pool`) and in parts:
/// the broken signatures among 400 orders are named, in bundle order, whether it is verified
/// from this thread, from a pool thread, or by four threads at once sharing the pool (whose
/// threads then wait on each other's readers: none may hang).
#[test]
fn a_large_bundle_gives_the_same_report_on_the_pool_and_at_once_from_many_threads() {
    let mut b = many_orders(400, None);
    let broken = [0, 57, 199, 200, 201, 399];
    for &i in &broken {
        let other = Envelope::sign("order", json!({"amount": 1}), &ann()).expect("sign");
        let Item::PartyEnvelope { envelope, .. } = &mut b.items[3 + i] else {
            unreachable!("an order item")
        };
        envelope.signatures = other.signatures;
    }
    let text = bytes(&b);
    assert!(
        text.len() >= super::super::par::POOL_MIN_BYTES,
        "{}",
        text.len()
    );
    let report = verify(&text).expect("readable");
    let named: Vec<String> = failing(&report).into_iter().map(|(id, _)| id).collect();
    let expected: Vec<String> = broken
        .iter()
        .map(|i| b.items[3 + i].id().to_string())
        .collect();
    assert_eq!(named, expected);
    let json = serde_json::to_string(&report).expect("json");
    let on_pool = rayon::scope(|_| verify(&text).expect("readable"));
    assert_eq!(serde_json::to_string(&on_pool).expect("json"), json);
    std::thread::scope(|s| {
        let runs: Vec<_> = (0..4)
            .map(|_| s.spawn(|| serde_json::to_string(&verify(&text).expect("r")).expect("j")))
            .collect();
        for r in runs {
            assert_eq!(r.join().expect("no panic"), json);
        }
    });
}

#[test]
fn one_broken_signature_among_many_is_named_as_a_single_verify_says() {
    let b = many_orders(120, Some(77));
    let r = verify(&bytes(&b)).expect("readable");
    let broken = &b.items[3 + 77];
    let Item::PartyEnvelope { envelope, .. } = broken else {
        unreachable!("an order item")
    };
    let single = envelope
        .verify_by(&ann().verifying_key())
        .expect_err("broken");
    assert_eq!(
        failing(&r),
        vec![(broken.id().to_string(), single.to_string())]
    );
    assert_eq!(r.items[3 + 77].facts.signature_ok, Some(false));
    assert_eq!(r.items.iter().filter(|i| i.ok).count(), 124);
}

/// ann's signature over `msg` with `R = [r]B + extra` (see [`signatures::crafted`]).
fn crafted(msg: &[u8], r: u64, extra: EdwardsPoint, r_bytes: Option<[u8; 32]>) -> Signature {
    signatures::crafted(&ann(), msg, r, extra, r_bytes)
}

/// `many_orders(n)` with order `at` signed by `sig(signing input)` instead; whether a bare
/// `verify_batch` of every order's signature accepts.
fn with_crafted(n: usize, at: usize, sig: impl Fn(&[u8]) -> Signature) -> (Bundle, bool) {
    let mut b = many_orders(n, None);
    let (mut msgs, mut sigs) = (Vec::new(), Vec::new());
    for item in b.items.iter_mut().skip(3).take(n) {
        let Item::PartyEnvelope { envelope, .. } = item else {
            unreachable!("an order item")
        };
        let msg = signing_input(&envelope.kind, &envelope.payload).expect("input");
        let s = envelope
            .signature_by(&key_id(&ann().verifying_key()))
            .expect("sig");
        msgs.push(msg);
        sigs.push(s);
    }
    sigs[at] = sig(&msgs[at]);
    let b64 = &base64::engine::general_purpose::STANDARD;
    if let Item::PartyEnvelope { envelope, .. } = &b.items[3 + at] {
        let mut env = envelope.clone();
        env.signatures[0].sig = b64.encode(sigs[at].to_bytes());
        b.items[3 + at] = Item::party(env).expect("item");
    }
    let refs: Vec<&[u8]> = msgs.iter().map(Vec::as_slice).collect();
    let keys = vec![ann().verifying_key(); n];
    (b, ed25519_dalek::verify_batch(&refs, &sigs, &keys).is_ok())
}

/// (id, reason) of failing items.
type Failures = Vec<(String, String)>;

/// The torsion signature of [`crafted`]: `R = [r]B + T`, `T` of order 2.
fn torsion_r(m: &[u8]) -> Signature {
    crafted(m, 5, EIGHT_TORSION[4], None)
}

/// `(ok, reason)` of each item of the report, by id.
fn verdicts(r: &Report) -> std::collections::BTreeMap<String, (bool, Option<String>)> {
    r.items
        .iter()
        .map(|i| (i.id.clone(), (i.ok, i.reason.clone())))
        .collect()
}

#[test]
fn torsion_in_r_is_admissible_alone_first_last_and_among_many() {
    // An order-2 point in R: cofactorless verification (dalek `verify`) refuses it, ZIP-215
    // admits it, and only ann could make it.
    let (b, _) = with_crafted(1, 0, torsion_r);
    let Item::PartyEnvelope { envelope, .. } = &b.items[3] else {
        unreachable!("an order item")
    };
    assert!(envelope.verify_by(&ann().verifying_key()).is_err());
    let r = verify(&bytes(&b)).expect("readable");
    assert!(r.ok(), "alone: {:?}", failing(&r));
    for (n, at) in [(40, 0), (40, 39), (40, 17), (150, 120), (150, 0)] {
        let (b, _) = with_crafted(n, at, torsion_r);
        let r = verify(&bytes(&b)).expect("readable");
        assert!(r.ok(), "{at} of {n}: {:?}", failing(&r));
        assert_eq!(r.items[3 + at].facts.signature_ok, Some(true));
    }
}

#[test]
fn a_non_canonical_r_is_refused_though_a_bare_batch_accepts_it() {
    // R the identity, encoded as y = p + 1; s = k·a satisfies the equation.
    let mut y = [0xffu8; 32];
    y[0] = 0xee;
    y[31] = 0x7f;
    let (b, batch_ok) = with_crafted(20, 3, |m| crafted(m, 0, EdwardsPoint::default(), Some(y)));
    assert!(batch_ok, "dalek's bare verify_batch accepts it");
    let (want, got) = single_and_report(&b, 3);
    assert_eq!(got, want);
    // And among many, in a core's batch: named alone, the others admissible.
    let (b, _) = with_crafted(100, 61, |m| crafted(m, 0, EdwardsPoint::default(), Some(y)));
    let (want, got) = single_and_report(&b, 61);
    assert_eq!(got, want);
}

#[test]
fn a_non_canonical_s_is_refused_alone_and_among_many() {
    for (n, at) in [(1, 0), (100, 40)] {
        let (b, _) = with_crafted(n, at, |m| s_plus_l(ann().sign(m)));
        let (want, got) = single_and_report(&b, at);
        assert_eq!(got, want, "{at} of {n}");
    }
}

#[test]
fn bad_signatures_mixed_with_a_torsion_one_are_each_named() {
    let (mut b, _) = with_crafted(90, 10, torsion_r);
    let (other, _) = with_crafted(90, 70, |m| s_plus_l(ann().sign(m)));
    b.items[3 + 70] = other.items[3 + 70].clone();
    let broken = many_orders(90, Some(33));
    b.items[3 + 33] = broken.items[3 + 33].clone();
    let r = verify(&bytes(&b)).expect("readable");
    let ids: Vec<String> = failing(&r).into_iter().map(|f| f.0).collect();
    assert_eq!(ids, vec![b.items[3 + 33].id(), b.items[3 + 70].id()]);
    assert!(r.items[3 + 10].ok);
}

/// [`bundle`] with bob's small-order key registered (index 3), and an order "signed" by it:
/// `R = [r]B`, `s = r` satisfies the cofactorless equation whatever the message.
fn with_small_order_key(orders: usize) -> (Bundle, String) {
    let mut identity = [0u8; 32];
    identity[0] = 1;
    let weak = VerifyingKey::from_bytes(&identity).expect("the identity decodes");
    let reg = json!({"key_id": key_id(&weak), "party_id": "p-bob",
        "public_key": hex::encode(identity), "alg": "ed25519"});
    let mut b = many_orders(orders, None);
    let mut items: Vec<(Envelope, Vec<u8>)> = b
        .registry
        .iter()
        .chain(std::iter::once(&b.items[1]))
        .map(|i| match i {
            Item::NotaryEnvelope {
                envelope, proof, ..
            } => {
                let p = TlogProof::parse(proof).expect("proof");
                (envelope.clone(), p.extra.expect("leaf"))
            }
            _ => unreachable!("notary items"),
        })
        .collect();
    items.push(logged(EntryKind::KeyRegistration, reg, 3));
    let (registry, receipt, note) = prove_all(&items);
    b.registry = registry;
    b.items[1] = receipt;
    b.checkpoint = note;
    let r = Scalar::from(11u64);
    let mut raw = [0u8; 64];
    raw[..32].copy_from_slice((r * ED25519_BASEPOINT_POINT).compress().as_bytes());
    raw[32..].copy_from_slice(r.as_bytes());
    let mut order = Envelope::sign("order", json!({"amount": 7}), &ann()).expect("sign");
    order.signatures[0].key_id = key_id(&weak);
    order.signatures[0].sig = base64::engine::general_purpose::STANDARD.encode(raw);
    let msg = signing_input(&order.kind, &order.payload).expect("input");
    assert!(weak.verify(&msg, &Signature::from_bytes(&raw)).is_ok());
    let item = Item::party(order).expect("item");
    let id = item.id().to_string();
    b.items.insert(2, item);
    (b, id)
}

/// The registry items (every one of `logged` but the receipt, the third) and the receipt item,
/// each proven against one checkpoint of a tree of all of them, and that checkpoint's note.
fn prove_all(logged: &[(Envelope, Vec<u8>)]) -> (Vec<Item>, Item, String) {
    let mut store = MemoryHashStore::new();
    for (_, leaf) in logged {
        store.append(leaf).expect("append");
    }
    let size = store.size();
    let cp = Checkpoint {
        origin: ORIGIN.into(),
        size,
        root: tree_hash(size, &store).expect("root"),
    };
    let note = sign_checkpoint(&cp, ORIGIN, &notary());
    let mut items: Vec<Item> = logged
        .iter()
        .map(|(env, leaf)| {
            let index = env.payload["log_index"].as_u64().expect("log_index");
            let proof = TlogProof {
                extra: Some(leaf.clone()),
                index,
                hashes: prove_inclusion(index, size, &store).expect("proof"),
                checkpoint: note.clone(),
            };
            Item::notary(env.clone(), proof.to_text()).expect("item")
        })
        .collect();
    let receipt = items.remove(2);
    (items, receipt, note)
}

#[test]
fn a_small_order_key_signs_nothing_admissible_alone_or_among_many() {
    for orders in [0, 100] {
        let (b, id) = with_small_order_key(orders);
        let r = verify(&bytes(&b)).expect("readable");
        let mut identity = [0u8; 32];
        identity[0] = 1;
        let kid = key_id(&VerifyingKey::from_bytes(&identity).expect("key"));
        assert_eq!(
            failing(&r),
            vec![(id.clone(), format!("{}", EnvelopeError::BadSignature(kid)))],
            "with {orders} orders"
        );
    }
}

/// The reason a single verification gives for the order at `at`, and the report's failures.
fn single_and_report(b: &Bundle, at: usize) -> (Failures, Failures) {
    let Item::PartyEnvelope { envelope, .. } = &b.items[3 + at] else {
        unreachable!("an order item")
    };
    let single = envelope
        .verify_by(&ann().verifying_key())
        .expect_err("refused");
    let want = vec![(b.items[3 + at].id().to_string(), single.to_string())];
    (want, failing(&verify(&bytes(b)).expect("readable")))
}

/// A bundle with 60 orders: a torsion `R` at 5, a wrong signature at 20, `s + L` at 41.
fn mixed() -> Bundle {
    let (mut b, _) = with_crafted(60, 5, torsion_r);
    let broken = many_orders(60, Some(20));
    b.items[3 + 20] = broken.items[3 + 20].clone();
    let (other, _) = with_crafted(60, 41, |m| s_plus_l(ann().sign(m)));
    b.items[3 + 41] = other.items[3 + 41].clone();
    b
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn shuffling_items_never_changes_a_verdict(
        order in Just((0..63usize).collect::<Vec<_>>()).prop_shuffle(),
        take in 1usize..63,
    ) {
        let b = mixed();
        let want = verdicts(&verify(&bytes(&b)).expect("readable"));
        let mut shuffled = b.clone();
        shuffled.items = order.iter().take(take).map(|&i| b.items[i].clone()).collect();
        let got = verdicts(&verify(&bytes(&shuffled)).expect("readable"));
        for (id, v) in &got {
            prop_assert_eq!(Some(v), want.get(id), "{}", id);
        }
    }
}
