use ed25519_dalek::SigningKey;
use serde_json::json;

use super::*;
use crate::crypto::keys::key_id;
use crate::model::money::Currency;
use crate::replay::{ItemFacts, Section, Signer};

fn key(n: u8) -> SigningKey {
    SigningKey::from_bytes(&[n; 32])
}

fn hex64(c: char) -> String {
    std::iter::repeat_n(c, 64).collect()
}

fn m1() -> Envelope {
    m1_paying(None)
}

/// m1 of an item exchange; with `amount`, the payment m1 states.
fn m1_paying(amount: Option<Money>) -> Envelope {
    let mut payload = json!({"protocol": "item", "ciphertext_digest": hex64('c'),
        "item_digest": hex64('d'), "originator": "p-bob", "responder": "p-sal",
        "notary_key_id": hex64('e'), "na_digest": hex64('f')});
    if let Some(a) = amount {
        payload["amount"] = serde_json::to_value(a).expect("json");
    }
    Envelope::sign("exchange_offer", payload, &key(1)).expect("sign")
}

fn tid(m1: &Envelope) -> String {
    Offer::from_payload(&m1.payload)
        .expect("m1")
        .tid()
        .as_str()
        .to_string()
}

fn party(env: Envelope) -> BundleItem {
    BundleItem::party(env).expect("id")
}

fn report(item: &BundleItem, ok: bool) -> ItemReport {
    ItemReport {
        id: item.id().to_string(),
        section: Section::Items,
        kind: item.label().to_string(),
        ok,
        reason: (!ok).then(|| "bad".to_string()),
        facts: ItemFacts {
            signature_ok: Some(ok),
            signer: ok.then(|| Signer {
                key_id: "verified".into(),
                party_id: Some("p-bob".into()),
            }),
            ..ItemFacts::default()
        },
    }
}

fn eur(minor: i64) -> Money {
    Money {
        minor,
        currency: Currency::parse("EUR").expect("EUR"),
    }
}

/// m1, the sender's escrow, the recipient's receipt and the notary's affidavit carrying them.
fn exchange() -> Vec<BundleItem> {
    let m1 = m1();
    let t = tid(&m1);
    let escrow = Envelope::sign("exchange_item_escrow", json!({"tid": t}), &key(1)).expect("s");
    let receipt = Envelope::sign("exchange_receipt", json!({"tid": t}), &key(2)).expect("s");
    let affidavit = json!({"tid": t, "m1": m1, "item_escrow": escrow, "receipt": receipt,
        "decided_at": "2026-03-12T10:00:00.000Z", "log_index": 7});
    let affidavit = Envelope::sign("delivery_affidavit", affidavit, &key(3)).expect("s");
    let proof = "p".to_string();
    vec![
        party(m1),
        party(escrow),
        party(receipt),
        BundleItem::notary(affidavit, proof).expect("id"),
    ]
}

fn index(items: &[BundleItem], payment: Option<PaymentClaim>) -> Index<'_> {
    let reports: Vec<ItemReport> = items.iter().map(|i| report(i, true)).collect();
    Index::new(items, &reports, payment, "tsa".into())
}

#[test]
fn a_token_embeds_the_envelopes_it_carries_and_a_tid_names_m1() {
    let items = exchange();
    let ix = index(&items, None);
    let joined: Vec<Item> = items
        .iter()
        .map(|i| join(i, &report(i, true), &ix).expect("content"))
        .collect();
    let id = |n: usize| items[n].id().to_string();
    assert_eq!(joined[1].embeds, vec![id(0)]);
    assert_eq!(joined[2].embeds, vec![id(0)]);
    let mut carried = vec![id(0), id(1), id(2)];
    carried.sort();
    assert_eq!(joined[3].embeds, carried);
    assert!(matches!(
        &joined[3].content,
        Content::DeliveryAffidavit { tid, decided_at } if *tid == tid_of(&items)
            && String::from(*decided_at) == "2026-03-12T10:00:00.000Z"
    ));
    assert!(matches!(
        &joined[0].content,
        Content::Offer { payment: None, .. }
    ));
}

fn tid_of(items: &[BundleItem]) -> String {
    match &items[0] {
        BundleItem::PartyEnvelope { envelope, .. } => tid(envelope),
        _ => unreachable!("the first item is m1"),
    }
}

/// m1 moved a payment only from the respondent to the claimant, and of the amount m1 states,
/// never the claim's: without a stated amount the payment shows no sum.
#[test]
fn m1_moved_a_payment_only_from_the_respondent_to_the_claimant_of_its_stated_amount() {
    for (stated, expect) in [(None, eur(0)), (Some(eur(100)), eur(100))] {
        let mut items = exchange();
        items[0] = party(m1_paying(stated));
        let t = tid_of(&items);
        let claim = |payee: &str, payer: &str| PaymentClaim {
            tid: t.clone(),
            payee: payee.into(),
            payer: payer.into(),
            currency: eur(0).currency,
        };
        let payment = |c: PaymentClaim| match join(
            &items[0],
            &report(&items[0], true),
            &index(&items, Some(c)),
        ) {
            Some(Item {
                content: Content::Offer { payment, .. },
                ..
            }) => payment,
            other => panic!("{other:?}"),
        };
        assert_eq!(payment(claim("p-sal", "p-bob")), Some(expect), "{stated:?}");
        assert_eq!(payment(claim("p-bob", "p-sal")), None);
    }
}

#[test]
fn a_failing_item_is_not_valid_and_keeps_the_key_it_names() {
    let items = exchange();
    let ix = index(&items, None);
    let got = join(&items[0], &report(&items[0], false), &ix).expect("content");
    assert!(!got.facts.signature_valid);
    assert_eq!(got.facts.signer, Some(key_id(&key(1).verifying_key())));
    let notary = join(&items[3], &report(&items[3], true), &ix).expect("content");
    assert_eq!(notary.facts.in_log, None, "no proven log position");
}

#[test]
fn a_token_is_a_timestamp_over_its_imprint_and_a_complaint_has_no_content() {
    let stamped = exchange();
    let token = BundleItem::Rfc3161Token {
        id: hex64('a'),
        token: String::new(),
        imprint: stamped[0].id().to_string(),
    };
    let mut r = report(&token, true);
    r.facts.gen_time = Some("2026-03-12T10:00:00.000Z".into());
    r.facts.accuracy_ms = Some(1000);
    let mut items = stamped.clone();
    items.push(token.clone());
    let got = join(&token, &r, &index(&items, None)).expect("content");
    assert_eq!(got.embeds, vec![stamped[0].id().to_string()]);
    assert_eq!(got.facts.signer.as_deref(), Some("tsa"));
    assert_eq!(got.facts.in_log, Some(true));
    assert!(matches!(
        got.content,
        Content::Timestamp {
            accuracy_ms: 1000,
            ..
        }
    ));
    let complaint = party(Envelope::sign("complaint", json!({}), &key(2)).expect("s"));
    assert!(join(&complaint, &report(&complaint, true), &index(&items, None)).is_none());
}

#[test]
fn a_notary_envelope_the_log_contradicts_is_valid_and_not_in_the_log() {
    let items = exchange();
    let mut r = report(&items[3], false);
    r.facts.signature_ok = Some(true);
    r.facts.log_contradicts = Some(crate::replay::LogFacts {
        index: 7,
        logged_at: "2026-03-12T10:00:00.000Z".into(),
    });
    let got = join(&items[3], &r, &index(&items, None)).expect("content");
    assert!(got.facts.signature_valid);
    assert_eq!(got.facts.in_log, Some(false));
}

#[test]
fn a_goods_receipt_is_the_signers_and_embeds_the_order_it_names() {
    let order = crate::notary::fixture::signed_order(&key(1), "p-sal", eur(30_000), b"chairs");
    let at = "2026-03-02T10:00:00Z".parse().expect("time");
    let receipt = crate::notary::fixture::goods_receipt(&key(1), "p-bob", &order, at)
        .expect("an order has a digest and a seller");
    assert_eq!(
        receipt.payload["order_digest"],
        order.payload["order_digest"]
    );
    assert_eq!(receipt.payload["received_at"], "2026-03-02T10:00:00.000Z");
    let items = vec![party(order), party(receipt)];
    let ix = index(&items, None);
    let got = join(&items[1], &report(&items[1], true), &ix).expect("content");
    assert_eq!(got.embeds, vec![items[0].id().to_string()]);
    assert!(matches!(&got.content, Content::GoodsReceipt { buyer } if buyer == "p-bob"));
    let unverified = join(&items[1], &report(&items[1], false), &ix).expect("content");
    assert!(matches!(&unverified.content, Content::GoodsReceipt { buyer } if buyer.is_empty()));
    let not_an_order = Envelope::sign("exchange_receipt", json!({}), &key(1)).expect("s");
    assert!(crate::notary::fixture::goods_receipt(&key(1), "p-bob", &not_an_order, at).is_none());
}

#[test]
fn an_order_embeds_the_nonce_it_names_as_fresh() {
    let payload = json!({"nonce": hex64('1'), "issued_at": "2026-03-11T08:59:00.000Z",
        "log_index": 4});
    let nonce = Envelope::sign("nonce", payload, &key(3)).expect("s");
    let nonce = BundleItem::notary(nonce, "p".into()).expect("id");
    let extras = crate::notary::fixture::OrderExtras {
        tid: None,
        fresh: Some(nonce.id().to_string()),
    };
    let order =
        crate::notary::fixture::signed_order_with(&key(1), "p-sal", eur(35_000), b"x", &extras);
    let items = vec![nonce, party(order)];
    let ix = index(&items, None);
    let n = join(&items[0], &report(&items[0], true), &ix).expect("content");
    assert!(matches!(n.content, Content::Nonce { issued_at }
        if String::from(issued_at) == "2026-03-11T08:59:00.000Z"));
    let o = join(&items[1], &report(&items[1], true), &ix).expect("content");
    assert_eq!(o.embeds, vec![items[0].id().to_string()]);
}

/// The notary's receipt of an answer embeds the answer's evidence: each was signed by then.
#[test]
fn a_response_receipt_embeds_the_answers_evidence_at_its_time() {
    let mut items = exchange();
    let (escrow, receipt) = (items[1].id().to_string(), items[2].id().to_string());
    let env = Envelope::sign(
        "complaint_response_receipt",
        json!({"complaint_id": "c-1", "evidence_ids": [escrow, receipt, hex64('a')],
               "received_at": "2026-03-20T10:00:00.000Z"}),
        &key(3),
    )
    .expect("sign");
    items.push(BundleItem::notary(env, "p".into()).expect("id"));
    let last = items.last().expect("receipt");
    let got = join(last, &report(last, true), &index(&items, None)).expect("content");
    let mut want = vec![escrow, receipt];
    want.sort();
    let mut embeds = got.embeds.clone();
    embeds.sort();
    assert_eq!(embeds, want, "the evidence in the bundle");
    assert_eq!(
        got.content.notary_time().map(String::from),
        Some("2026-03-20T10:00:00.000Z".to_string())
    );
}
