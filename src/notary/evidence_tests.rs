//! The dispute evidence the real notary makes, end to end in-process: the evidence is made, a
//! complaint filed, the case exported (`Notary::case_bundle`) and replayed (`replay::replay`),
//! and the findings' rule ids checked.

use chrono::{DateTime, Duration, Utc};
use ed25519_dalek::SigningKey;
use serde_json::{json, Value};

use super::fixture::{
    eur, goods_receipt, make_deal, request, signed_order_with, ClockedDataDir, Deal, OrderExtras,
};
use super::{KeyInput, Notary, SequencerThread};
use crate::crypto::envelope::Envelope;
use crate::replay::replay;

/// A notary at 2026-03-01T10:00Z with bob (buyer, caps 1000.00 / 500.00) and sally (seller,
/// with a key to sign complaints).
pub(super) struct World {
    pub n: Notary,
    pub _t: SequencerThread,
    pub w: ClockedDataDir<tempfile::TempDir>,
    pub deal: Deal,
    pub sally_key: SigningKey,
}

pub(super) async fn world() -> World {
    world_under(None).await
}

/// [`world`], with the agreement under a copy of semper-consumer (`dual`) that wants a second
/// arbitrator above `second_arbitrator_above` minor units, when given.
pub(super) async fn world_under(second_arbitrator_above: Option<i64>) -> World {
    let t0: DateTime<Utc> = "2026-03-01T10:00:00Z".parse().expect("t0");
    let w = ClockedDataDir::init(tempfile::tempdir().expect("tmp"), "t", t0)
        .await
        .expect("init");
    let mut policy = "semper-consumer";
    if let Some(above) = second_arbitrator_above {
        let dual = include_str!("../../policies/semper-consumer.toml")
            .replace("id = \"semper-consumer\"", "id = \"dual\"")
            + &format!("second_arbitrator_above = {above}\n");
        std::fs::write(w.dir.root().join("policies/dual.toml"), dual).expect("policy");
        policy = "dual";
    }
    let (n, t) = w.open().expect("open");
    let bob = SigningKey::from_bytes(&[7; 32]);
    let deal = make_deal(&n, "bob", bob, "sally", policy, Some((100_000, 50_000)))
        .await
        .expect("deal");
    let sally_key = SigningKey::from_bytes(&[8; 32]);
    let raw = KeyInput::Raw(sally_key.verifying_key().to_bytes());
    n.add_key(&deal.seller_id, raw, None).await.expect("key");
    World {
        n,
        _t: t,
        w,
        deal,
        sally_key,
    }
}

impl World {
    /// Asks for a guarantee of `minor` cents for a fresh order over `doc`; (order, answer).
    pub async fn order(&self, rid: &str, minor: i64, doc: &[u8]) -> (Envelope, Envelope) {
        self.ask(self.request(rid, minor, doc)).await
    }

    /// sally's request `rid` for a guarantee of `minor` cents for bob's order over `doc`.
    pub fn request(&self, rid: &str, minor: i64, doc: &[u8]) -> super::GuaranteeRequest {
        let d = &self.deal;
        request(
            rid,
            &d.agreement_id,
            &d.seller_id,
            &d.buyer_key,
            eur(minor),
            doc,
        )
    }

    /// Like [`World::order`], the order signed with `extras`.
    pub async fn order_with(
        &self,
        rid: &str,
        minor: i64,
        doc: &[u8],
        extras: &OrderExtras,
    ) -> (Envelope, Envelope) {
        let d = &self.deal;
        let order = signed_order_with(&d.buyer_key, &d.seller_id, eur(minor), doc, extras);
        let req = super::GuaranteeRequest {
            request_id: rid.into(),
            agreement_id: d.agreement_id.clone(),
            seller_id: d.seller_id.clone(),
            amount: eur(minor),
            order,
        };
        self.ask(req).await
    }

    /// Sends `req`; (its order, the guarantee or refusal).
    pub async fn ask(&self, req: super::GuaranteeRequest) -> (Envelope, Envelope) {
        let order = req.order.clone();
        let a = self
            .n
            .request_guarantee(req, &self.deal.seller_id)
            .await
            .expect("answered");
        (order, a.envelope().expect("signed answer"))
    }

    /// bob's receipt of the goods of `order`.
    pub fn receipt(&self, order: &Envelope) -> Envelope {
        let at = self.w.now();
        goods_receipt(&self.deal.buyer_key, &self.deal.buyer_id, order, at).expect("an order")
    }

    /// sally files a non-payment complaint of `minor` cents about `subject` (a `(field, id)`
    /// pair) with `evidence` (envelopes); the complaint id.
    pub async fn complain(
        &self,
        subject: (&str, &str),
        minor: i64,
        evidence: &[Envelope],
    ) -> String {
        let evidence: Vec<Value> = evidence
            .iter()
            .map(|e| json!({"type": "envelope", "envelope": e}))
            .collect();
        let mut claim = json!({
            "kind": "non_payment",
            "claimant": self.deal.seller_id,
            "respondent": self.deal.buyer_id,
            "amount": eur(minor),
            "statement": "bob never paid.",
            "evidence": evidence,
            "notary_key_id": self.n.identity().key_id,
            "created_at": "2026-03-01T09:00:00.000Z",
        });
        claim[subject.0] = json!(subject.1);
        let env = Envelope::sign("complaint", claim, &self.sally_key).expect("sign");
        self.n
            .file_complaint(env)
            .await
            .expect("filed")
            .complaint_id
    }

    /// The case's bundle, replayed: the rule ids of its findings.
    pub async fn rule_ids(&self, complaint_id: &str) -> (Vec<String>, crate::replay::Replay) {
        let bundle = self.n.case_bundle(complaint_id).await.expect("bundle");
        let bytes = serde_json::to_vec(&bundle).expect("json");
        let r = replay(&bytes).expect("replayed");
        let ids = r
            .ruling
            .findings
            .iter()
            .map(|f| f.rule_id.clone())
            .collect();
        (ids, r)
    }

    /// bob answers complaint `id` (so an arbitrator may rule on it).
    pub async fn answer(&self, id: &str) {
        self.answer_with(id, &[]).await
    }

    /// bob answers complaint `id` with `evidence` (envelopes).
    pub async fn answer_with(&self, id: &str, evidence: &[Envelope]) {
        let evidence: Vec<Value> = evidence
            .iter()
            .map(|e| json!({"type": "envelope", "envelope": e}))
            .collect();
        let case = self
            .n
            .complaint(id, &super::Reader::Arbitrator)
            .expect("case");
        let answer = json!({
            "complaint_id": id,
            "complaint_digest": case.receipt.payload["complaint_digest"],
            "respondent": self.deal.buyer_id,
            "statement": "Not delivered.",
            "evidence": evidence,
            "created_at": "2026-03-01T09:30:00.000Z",
        });
        let answer =
            Envelope::sign("complaint_response", answer, &self.deal.buyer_key).expect("sign");
        self.n
            .respond_to_complaint(id, answer)
            .await
            .expect("answered");
    }

    pub fn advance(&self, by: Duration) {
        self.w.advance(by);
    }
}

fn has(ids: &[String], rule: &str) -> bool {
    ids.iter().any(|i| i == rule)
}

#[tokio::test]
async fn a_goods_receipt_shows_the_delivery_of_a_guaranteed_order() {
    let w = world().await;
    let (order, g) = w.order("r-1", 30_000, b"chairs").await;
    assert_eq!(g.kind, "guarantee");
    w.advance(Duration::days(1));
    let receipt = w.receipt(&order);
    let gid = g.payload["guarantee_id"].as_str().expect("id").to_string();
    let id = w
        .complain(("guarantee_id", &gid), 30_000, &[order, g, receipt])
        .await;
    let (ids, r) = w.rule_ids(&id).await;
    assert!(has(&ids, "Q5.goods_receipt"), "{ids:?}");
    assert!(has(&ids, "Q1.valid"), "{ids:?}");
    assert_eq!(r.ruling.allocation.buyer_pays, eur(30_000), "{ids:?}");
}

fn digest_of(order: &Envelope) -> String {
    order.payload["order_digest"]
        .as_str()
        .expect("digest")
        .to_string()
}

/// D4: an order above the per-transaction cap, refused; sally complains about the order (no
/// guarantee id): the export finds the order and the refusal by its digest.
#[tokio::test]
async fn a_complaint_about_a_refused_order_is_replayed_under_its_agreement() {
    let w = world().await;
    let (order, refusal) = w.order("r-4", 80_000, b"sofa").await;
    assert_eq!(refusal.kind, "refusal");
    assert_eq!(refusal.payload["reason"], "per_transaction_cap_exceeded");
    let receipt = w.receipt(&order);
    let d = digest_of(&order);
    let id = w.complain(("order_digest", &d), 80_000, &[receipt]).await;
    let case =
        w.n.complaint(&id, &super::Reader::Arbitrator)
            .expect("case");
    assert_eq!(case.order_digest.as_deref(), Some(d.as_str()));
    assert_eq!(case.receipt.payload["order_digest"], json!(d));
    let (ids, r) = w.rule_ids(&id).await;
    for rule in [
        "Q1.valid",
        "Q3.refused",
        "Q4.over_per_tx_cap",
        "Q5.goods_receipt",
    ] {
        assert!(has(&ids, rule), "{rule} not in {ids:?}");
    }
    assert_eq!(r.agreement.id, w.deal.agreement_id);
    assert_eq!(r.ruling.allocation.buyer_pays, eur(50_000));
    assert_eq!(r.ruling.allocation.seller_bears, eur(30_000));
}

/// bob signs an order in USD under his EUR agreement: the notary refuses a guarantee for it. A
/// claim about it is in the order's currency (the agreement's is refused, it could only be ruled
/// empty), and the ruling says the order binds nothing under the agreement: its caps are in EUR.
#[tokio::test]
async fn a_claim_about_an_order_in_another_currency_than_its_agreement_is_in_the_orders() {
    let w = world().await;
    let usd = crate::model::money::Money {
        minor: 10_000,
        currency: crate::model::money::Currency::parse("USD").expect("USD"),
    };
    let d = &w.deal;
    let mut req = w.request("r-usd", 10_000, b"dollar lamp");
    req.order =
        crate::notary::fixture::signed_order(&d.buyer_key, &d.seller_id, usd, b"dollar lamp");
    req.amount = usd;
    let (order, refusal) = w.ask(req).await;
    assert_eq!(refusal.kind, "refusal", "{:?}", refusal.payload);
    let digest = digest_of(&order);
    let receipt = json!([{"type": "envelope", "envelope": w.receipt(&order)}]);
    let claim = |amount: crate::model::money::Money| {
        let c = json!({
            "kind": "non_payment", "claimant": d.seller_id, "respondent": d.buyer_id,
            "amount": amount, "statement": "bob never paid.", "evidence": receipt,
            "order_digest": digest,
            "notary_key_id": w.n.identity().key_id, "created_at": "2026-03-01T09:00:00.000Z",
        });
        Envelope::sign("complaint", c, &w.sally_key).expect("sign")
    };
    let e =
        w.n.file_complaint(claim(eur(10_000)))
            .await
            .expect_err("EUR");
    assert_eq!(e.code(), crate::model::error_code::ErrorCode::BadAmount);
    assert!(e.to_string().contains("is in USD"), "{e}");
    let filed =
        w.n.file_complaint(claim(usd))
            .await
            .expect("USD claim filed");
    let (ids, r) = w.rule_ids(&filed.complaint_id).await;
    assert!(has(&ids, "Q1.currency_mismatch"), "{ids:?}");
    let a = &r.ruling.allocation;
    assert_eq!((a.buyer_pays.minor, a.seller_bears), (0, usd), "{a:?}");
}

/// carol asks for a guarantee for bob's order made out to sally (refused): that answers nothing
/// between carol and bob, so she may not open a case about the order (before: accepted, and bob
/// had to answer a case that could only be ruled empty).
#[tokio::test]
async fn a_seller_cannot_claim_about_an_order_made_out_to_another_seller() {
    let w = world().await;
    let carol =
        w.n.register_party("carol", crate::model::registry::Role::Seller, None)
            .await
            .expect("carol");
    let carol_key = SigningKey::from_bytes(&[9; 32]);
    let raw = KeyInput::Raw(carol_key.verifying_key().to_bytes());
    w.n.add_key(&carol.party.id, raw, None).await.expect("key");
    let mut req = w.request("r-carol", 10_000, b"sally's lamp");
    req.seller_id = carol.party.id.clone();
    let order = req.order.clone();
    let answer =
        w.n.request_guarantee(req, &carol.party.id)
            .await
            .expect("answered");
    assert_eq!(answer.envelope().expect("signed").kind, "refusal");
    let claim = json!({
        "kind": "non_payment", "claimant": carol.party.id, "respondent": w.deal.buyer_id,
        "amount": eur(10_000), "statement": "pay me", "evidence": [],
        "order_digest": digest_of(&order),
        "notary_key_id": w.n.identity().key_id, "created_at": "2026-03-01T09:00:00.000Z",
    });
    let claim = Envelope::sign("complaint", claim, &carol_key).expect("sign");
    let e =
        w.n.file_complaint(claim)
            .await
            .expect_err("not carol's order");
    assert_eq!(
        e.code(),
        crate::model::error_code::ErrorCode::NotAParty,
        "{e}"
    );
}

#[tokio::test]
async fn a_complaint_about_an_order_the_notary_never_answered_is_refused() {
    let w = world().await;
    let (order, _) = w.order("r-1", 10_000, b"lamp").await;
    let stranger = hex::encode([9u8; 32]);
    let claim = |d: &str| {
        let mut c = json!({
            "kind": "non_payment", "claimant": w.deal.seller_id, "respondent": w.deal.buyer_id,
            "amount": eur(10_000), "statement": "s", "evidence": [],
            "notary_key_id": w.n.identity().key_id, "created_at": "2026-03-01T09:00:00.000Z",
        });
        c["order_digest"] = json!(d);
        Envelope::sign("complaint", c, &w.sally_key).expect("sign")
    };
    let e =
        w.n.file_complaint(claim(&stranger))
            .await
            .expect_err("unknown");
    assert_eq!(e.code(), crate::model::error_code::ErrorCode::UnknownOrder);
    // The order is under an agreement in EUR: a claim in USD could only be ruled empty.
    let mut usd = claim(&digest_of(&order)).payload;
    usd["amount"]["currency"] = json!("USD");
    let usd = Envelope::sign("complaint", usd, &w.sally_key).expect("sign");
    let e = w.n.file_complaint(usd).await.expect_err("currency");
    assert_eq!(e.code(), crate::model::error_code::ErrorCode::BadAmount);
    let ok = w.n.file_complaint(claim(&digest_of(&order))).await;
    assert!(ok.is_ok(), "{ok:?}");
}

/// D5: two guarantees outstanding, a third order refused over the total cap; the export carries
/// the agreement's guarantees, so the replay computes the headroom left: 100.00.
#[tokio::test]
async fn the_export_carries_the_guarantees_outstanding_at_the_orders_time() {
    let w = world().await;
    let (_, g1) = w.order("r-a", 50_000, b"a").await;
    w.advance(Duration::days(1));
    let (_, g2) = w.order("r-b", 40_000, b"b").await;
    assert_eq!(
        (g1.kind.as_str(), g2.kind.as_str()),
        ("guarantee", "guarantee")
    );
    w.advance(Duration::days(1));
    let (order, refusal) = w.order("r-c", 30_000, b"c").await;
    assert_eq!(refusal.payload["reason"], "total_cap_exceeded");
    let id = w
        .complain(
            ("order_digest", &digest_of(&order)),
            30_000,
            &[w.receipt(&order)],
        )
        .await;
    let (ids, r) = w.rule_ids(&id).await;
    assert!(has(&ids, "Q4.over_headroom"), "{ids:?}");
    assert_eq!(
        r.registry.guarantees.len(),
        2,
        "{:?}",
        r.registry.guarantees
    );
    assert_eq!(r.ruling.allocation.buyer_pays, eur(10_000), "{ids:?}");
    assert_eq!(r.ruling.allocation.seller_bears, eur(20_000));
}

/// D9: the order names the goods exchange by tid; sally aborted it. The export carries m1 and
/// the abort token, so the replay finds the delivery aborted and releases the guarantee.
#[tokio::test]
async fn the_export_carries_the_exchange_the_order_names() {
    use crate::model::exchange::{AbortBody, Sha256Hex, Subject};
    use crate::notary::fixture::exchange::{abort_request, offer, Signer};
    let w = world().await;
    let sally = Signer {
        id: &w.deal.seller_id,
        key: &w.sally_key,
    };
    let subject = Subject::Item {
        ciphertext_digest: Sha256Hex::of(b"ciphertext"),
        item_digest: Sha256Hex::of(b"chairs"),
        amount: None,
        order_digest: None,
    };
    let kid = w.n.identity().key_id.clone();
    let (m1, o) = offer(&sally, &w.deal.buyer_id, &kid, subject, b"na", None).expect("m1");
    let abort = abort_request(&sally, &o);
    w.n.abort_exchange(AbortBody { m1, abort })
        .await
        .expect("aborted");
    let extras = OrderExtras {
        tid: Some(o.tid().as_str().to_string()),
        fresh: None,
    };
    let (_, g) = w.order_with("r-9", 18_000, b"chairs", &extras).await;
    assert_eq!(g.kind, "guarantee", "an order with a tid is guaranteed");
    let gid = g.payload["guarantee_id"].as_str().expect("id").to_string();
    let id = w.complain(("guarantee_id", &gid), 18_000, &[]).await;
    let (ids, r) = w.rule_ids(&id).await;
    for rule in ["Q1.valid", "Q3.valid", "Q5.aborted"] {
        assert!(has(&ids, rule), "{rule} not in {ids:?}");
    }
    assert_eq!(r.ruling.allocation.buyer_pays, eur(0));
    assert_eq!(r.ruling.actions.len(), 1, "{:?}", r.ruling.actions);
}

/// D2: bob's key kb1 is revoked; later bob signs an order with kb1 that embeds a nonce the
/// notary issued after the revocation, and the notary refuses it (`key_revoked`). The export
/// finds the nonce by the order's `fresh`; the replay proves the order signed after the
/// revocation (T.freshness), so it binds nobody.
#[tokio::test]
async fn a_fresh_nonce_proves_an_order_was_signed_after_the_revocation() {
    use crate::crypto::keys::key_id;
    let w = world().await;
    let d = &w.deal;
    w.advance(Duration::days(9));
    let kb1 = key_id(&d.buyer_key.verifying_key());
    w.n.revoke_key(&kb1, "key compromise", None)
        .await
        .expect("revoked");
    let kb2 = SigningKey::from_bytes(&[9; 32]);
    let raw = KeyInput::Raw(kb2.verifying_key().to_bytes());
    w.n.add_key(&d.buyer_id, raw, None).await.expect("kb2");
    w.advance(Duration::hours(21));
    let nonce = w.n.issue_nonce().await.expect("nonce");
    w.advance(Duration::minutes(1));
    let extras = OrderExtras {
        tid: None,
        fresh: Some(crate::replay::envelope_id(&nonce).expect("id")),
    };
    let (order, refusal) = w.order_with("r-2", 35_000, b"desk", &extras).await;
    assert_eq!(refusal.payload["reason"], "key_revoked");
    let receipt = goods_receipt(&kb2, &d.buyer_id, &order, w.w.now()).expect("receipt");
    let id = w
        .complain(("order_digest", &digest_of(&order)), 35_000, &[receipt])
        .await;
    let (ids, r) = w.rule_ids(&id).await;
    for rule in ["Q2.after_revocation", "Q3.refused", "Q5.goods_receipt"] {
        assert!(has(&ids, rule), "{rule} not in {ids:?}");
    }
    let order_item = r
        .ruling
        .items
        .iter()
        .find(|i| i.what == "order")
        .expect("order");
    let earliest = order_item.earliest.as_ref().expect("bounded below");
    assert_eq!(earliest.rule_id, "T.freshness");
    assert_eq!(
        String::from(earliest.at),
        nonce.payload["issued_at"].as_str().expect("t")
    );
    assert_eq!(r.ruling.allocation.buyer_pays, eur(0));
    assert_eq!(r.ruling.allocation.seller_bears, eur(35_000));
}

/// The headroom set leaves out the agreement's guarantees closed before the order's earliest
/// possible signing time (the nonce it embeds), and keeps those outstanding after it.
#[tokio::test]
async fn guarantees_closed_before_the_orders_nonce_are_left_out() {
    use super::guarantees::{Caller, Closing};
    let w = world().await;
    let (_, g1) = w.order("r-1", 50_000, b"one").await;
    let gid1 = g1.payload["guarantee_id"].as_str().expect("id").to_string();
    w.advance(Duration::days(1));
    w.n.close_guarantee(&gid1, Caller::Notary, Closing::Release, None, None)
        .await
        .expect("released");
    w.advance(Duration::days(1));
    let nonce = w.n.issue_nonce().await.expect("nonce");
    let (_, g2) = w.order("r-2", 40_000, b"two").await;
    w.advance(Duration::days(1));
    let extras = OrderExtras {
        tid: None,
        fresh: Some(crate::replay::envelope_id(&nonce).expect("id")),
    };
    let (_, g3) = w.order_with("r-3", 30_000, b"three", &extras).await;
    let gid3 = g3.payload["guarantee_id"].as_str().expect("id").to_string();
    let id = w.complain(("guarantee_id", &gid3), 30_000, &[]).await;
    let (_, r) = w.rule_ids(&id).await;
    let mut got: Vec<&str> = r
        .registry
        .guarantees
        .iter()
        .map(|g| g.id.as_str())
        .collect();
    got.sort();
    let mut want = vec![
        g2.payload["guarantee_id"].as_str().expect("id"),
        gid3.as_str(),
    ];
    want.sort();
    assert_eq!(got, want, "g1 closed before the nonce is left out");
    // bob attaches g1 to his answer: the export adds its release from the notary's records,
    // so it does not count as outstanding (it made the headroom 0.00 in a signed ruling).
    w.answer_with(&id, std::slice::from_ref(&g1)).await;
    let (_, r) = w.rule_ids(&id).await;
    let g = r.registry.guarantees.iter().find(|g| g.id == gid1);
    assert!(
        g.is_some_and(|g| g.ended_at.is_some()),
        "g1 attached, with its release: {:?}",
        r.registry.guarantees
    );
}

/// A guarantee an earlier ruling released (the ruling is its closing, no release envelope) no
/// longer counts against the headroom of a later case, and a re-export of the ruled case asks
/// for no second release.
#[tokio::test]
async fn a_guarantee_a_ruling_released_is_out_of_later_headroom() {
    let w = world().await;
    let gid = |g: &Envelope| g.payload["guarantee_id"].as_str().expect("id").to_string();
    let (oa, ga) = w.order("r-a", 40_000, b"table").await;
    let (_, gb) = w.order("r-b", 40_000, b"chairs").await;
    assert_eq!(
        (ga.kind.as_str(), gb.kind.as_str()),
        ("guarantee", "guarantee")
    );
    let first = w
        .complain(("guarantee_id", &gid(&ga)), 40_000, &[oa, ga.clone()])
        .await;
    w.answer(&first).await;
    let arbitrator = super::Arbitrator {
        name: "Alice".into(),
        user: "alice".into(),
    };
    w.n.sign_ruling(&first, arbitrator).await.expect("ruled");
    let (ids, r) = w.rule_ids(&first).await;
    assert!(
        r.ruling.actions.is_empty(),
        "{:?} {ids:?}",
        r.ruling.actions
    );
    w.advance(Duration::hours(1));
    // 600.00 over the 500.00 cap, refused; the headroom is 1000.00 - 400.00 (gb) = 600.00.
    let (order, refusal) = w.order("r-c", 60_000, b"sofa").await;
    assert_eq!(refusal.payload["reason"], "per_transaction_cap_exceeded");
    let receipt = w.receipt(&order);
    let d = digest_of(&order);
    let second = w.complain(("order_digest", &d), 60_000, &[receipt]).await;
    let (ids, r) = w.rule_ids(&second).await;
    assert!(has(&ids, "Q4.over_per_tx_cap"), "{ids:?}");
    assert_eq!(r.ruling.allocation.buyer_pays, eur(50_000), "{ids:?}");
    assert_eq!(r.ruling.allocation.seller_bears, eur(10_000), "{ids:?}");
}

/// bob answers sally's claim on a 400.00 EUR guarantee with a second order he signs over the
/// same document for a few cents. The guarantee names its order only by the document's digest:
/// the replay must still take the order it certified (its seller, its key, its amount), not the
/// one whose id sorts first, nor an edited copy that fails verification.
#[tokio::test]
async fn another_order_over_the_same_document_does_not_replace_the_guaranteed_one() {
    let w = world().await;
    let (order, g) = w.order("r-1", 40_000, b"table").await;
    let genuine = crate::replay::envelope_id(&order).expect("id");
    // A second order over the same document whose id sorts before the genuine one's (of
    // ~2,000 candidates one does but when the genuine id is among the smallest 1 in 2,000).
    let decoy = (11..2000)
        .map(|cents| {
            let extras = super::fixture::OrderExtras::default();
            signed_order_with(
                &w.deal.buyer_key,
                &w.deal.seller_id,
                eur(cents),
                b"table",
                &extras,
            )
        })
        .find(|o| crate::replay::envelope_id(o).expect("id") < genuine)
        .expect("one of them sorts first");
    let receipt = w.receipt(&order);
    let gid = g.payload["guarantee_id"].as_str().expect("id").to_string();
    let id = w
        .complain(("guarantee_id", &gid), 40_000, &[order, g, receipt])
        .await;
    w.answer_with(&id, &[decoy]).await;
    let (ids, r) = w.rule_ids(&id).await;
    assert!(has(&ids, "Q1.valid"), "{ids:?}");
    assert_eq!(r.ruling.allocation.buyer_pays, eur(40_000), "{ids:?}");
    let q1 = r
        .ruling
        .findings
        .iter()
        .find(|f| f.rule_id == "Q1.valid")
        .expect("Q1");
    assert_eq!(q1.evidence_ids, vec![genuine], "the guaranteed order");
}

/// bob's counter-claim to sally's claim about a guarantee: non-payment is the seller's claim
/// (`wrong_side`), and one in another currency than the case's could only be ruled empty
/// (`bad_amount`); both refused, nothing logged; a non-delivery counter-claim in EUR is taken.
#[tokio::test]
async fn a_counter_claim_the_rules_could_only_rule_empty_is_refused() {
    let w = world().await;
    let (order, g) = w.order("r-1", 40_000, b"table").await;
    let gid = g.payload["guarantee_id"].as_str().expect("id").to_string();
    let id = w
        .complain(("guarantee_id", &gid), 40_000, &[order, g])
        .await;
    refuses_counter_claims_ruled_empty(&w, &id).await;
}

/// The same about an order named by its digest (no guarantee id in the case): the sides come
/// from the agreement the order's guarantee request was answered under.
#[tokio::test]
async fn a_counter_claim_about_an_order_of_the_wrong_side_is_refused() {
    let w = world().await;
    let (order, g) = w.order("r-1", 40_000, b"table").await;
    let d = digest_of(&order);
    let id = w.complain(("order_digest", &d), 40_000, &[order, g]).await;
    refuses_counter_claims_ruled_empty(&w, &id).await;
}

/// bob answers case `id` (sally's claim) with counter-claims: non-payment in EUR and
/// non-delivery in USD are refused with nothing logged, non-delivery in EUR is taken.
async fn refuses_counter_claims_ruled_empty(w: &World, id: &str) {
    use crate::model::error_code::ErrorCode;
    let case = w.n.complaint(id, &super::Reader::Arbitrator).expect("case");
    let response = |kind: &str, currency: &str| {
        let p = json!({
            "complaint_id": id,
            "complaint_digest": case.receipt.payload["complaint_digest"],
            "respondent": w.deal.buyer_id,
            "statement": "Nothing came.",
            "evidence": [],
            "counter_claim": {"kind": kind, "amount": {"minor": 40_000, "currency": currency},
                              "statement": "Refund me."},
            "created_at": "2026-03-01T09:30:00.000Z",
        });
        Envelope::sign("complaint_response", p, &w.deal.buyer_key).expect("sign")
    };
    let size = w.n.log_size();
    for (kind, currency, refused) in [
        ("non_payment", "EUR", ErrorCode::WrongSide),
        ("non_delivery", "USD", ErrorCode::BadAmount),
    ] {
        let e = w.n.respond_to_complaint(id, response(kind, currency)).await;
        assert_eq!(e.expect_err("refused").code(), refused, "{kind} {currency}");
    }
    assert_eq!(w.n.log_size(), size, "nothing logged");
    let ok =
        w.n.respond_to_complaint(id, response("non_delivery", "EUR"))
            .await;
    assert!(ok.is_ok(), "{ok:?}");
}

/// A claim of `kind` about `subject` for `minor`, without evidence, signed by its claimant:
/// sally for non-payment, bob for non-delivery.
pub(super) fn claim_by(
    w: &World,
    kind: &str,
    subject: (&str, &str),
    minor: i64,
    statement: &str,
) -> Envelope {
    let (claimant, respondent, key) = match kind {
        "non_payment" => (&w.deal.seller_id, &w.deal.buyer_id, &w.sally_key),
        _ => (&w.deal.buyer_id, &w.deal.seller_id, &w.deal.buyer_key),
    };
    let mut claim = json!({
        "kind": kind, "claimant": claimant, "respondent": respondent,
        "amount": eur(minor), "statement": statement, "evidence": [],
        "notary_key_id": w.n.identity().key_id,
        "created_at": "2026-03-01T09:10:00.000Z",
    });
    claim[subject.0] = json!(subject.1);
    Envelope::sign("complaint", claim, key).expect("sign")
}

/// One claim, one case: sally claiming payment for the same guarantee again (other words,
/// another amount) is refused, as was found when two cases each ruled "bob pays 250.00" for
/// one 250.00 order. bob's own non-delivery claim about it is another claim and is taken; his
/// counter-claim of non-delivery in sally's case would claim it twice and is refused. An order
/// has two names, its guarantee and its digest: claimed through one, it is claimed through the
/// other (either way round).
#[tokio::test]
async fn a_claim_is_filed_once_per_subject_party_and_kind() {
    use crate::model::error_code::ErrorCode;
    let w = world().await;
    let (order, g) = w.order("r-1", 40_000, b"table").await;
    let gid = g.payload["guarantee_id"].as_str().expect("id").to_string();
    let id = w
        .complain(("guarantee_id", &gid), 40_000, &[order.clone(), g.clone()])
        .await;
    let again = claim_by(
        &w,
        "non_payment",
        ("guarantee_id", &gid),
        30_000,
        "Still not paid.",
    );
    let size = w.n.log_size();
    let refused = w.n.file_complaint(again).await.expect_err("twice");
    assert_eq!(refused.code(), ErrorCode::DuplicateClaim, "{refused}");
    assert!(refused.to_string().contains(&id), "{refused}");
    assert_eq!(w.n.log_size(), size, "nothing logged");
    let bobs = claim_by(
        &w,
        "non_delivery",
        ("guarantee_id", &gid),
        40_000,
        "No table came.",
    );
    w.n.file_complaint(bobs).await.expect("bob's own claim");
    let digest = digest_of(&order);
    for kind in ["non_payment", "non_delivery"] {
        let by_order = claim_by(
            &w,
            kind,
            ("order_digest", &digest),
            40_000,
            "Through the order.",
        );
        let refused = w.n.file_complaint(by_order).await.expect_err(kind);
        assert_eq!(
            refused.code(),
            ErrorCode::DuplicateClaim,
            "{kind}: {refused}"
        );
    }
    assert_eq!(w.n.log_size(), size + 1, "only bob's own claim logged");
    let (order2, g2) = w.order("r-2", 20_000, b"lamp").await;
    let gid2 = g2.payload["guarantee_id"].as_str().expect("id").to_string();
    let lamp = claim_by(
        &w,
        "non_payment",
        ("order_digest", &digest_of(&order2)),
        20_000,
        "Lamp.",
    );
    w.n.file_complaint(lamp)
        .await
        .expect("the lamp, by its digest");
    let via_guarantee = claim_by(&w, "non_payment", ("guarantee_id", &gid2), 20_000, "Lamp!");
    let refused = w.n.file_complaint(via_guarantee).await.expect_err("twice");
    assert_eq!(refused.code(), ErrorCode::DuplicateClaim, "{refused}");
    let case =
        w.n.complaint(&id, &super::Reader::Arbitrator)
            .expect("case");
    let answer = json!({
        "complaint_id": id,
        "complaint_digest": case.receipt.payload["complaint_digest"],
        "respondent": w.deal.buyer_id,
        "statement": "Nothing came.",
        "evidence": [],
        "counter_claim": {"kind": "non_delivery", "amount": eur(40_000),
                          "statement": "Refund me."},
        "created_at": "2026-03-01T09:30:00.000Z",
    });
    let answer = Envelope::sign("complaint_response", answer, &w.deal.buyer_key).expect("sign");
    let refused =
        w.n.respond_to_complaint(&id, answer)
            .await
            .expect_err("twice");
    assert_eq!(refused.code(), ErrorCode::DuplicateClaim, "{refused}");
}

/// A guarantee a claim draws on stays outstanding past its expiry and grace until the case is
/// ruled: released by the expiry scan, its headroom could go to another guarantee while the
/// ruling still has the buyer pay under it (s7 M2). One without a claim is released as before.
#[tokio::test]
async fn the_expiry_scan_leaves_a_claimed_guarantee_until_its_case_is_ruled() {
    let w = world().await;
    let (_, claimed) = w.order("r-claimed", 10_000, b"claimed").await;
    let (order, free) = w.order("r-free", 20_000, b"free").await;
    let (_, by_order) = w.order("r-by-order", 30_000, b"by order").await;
    let gid = |g: &Envelope| g.payload["guarantee_id"].as_str().expect("id").to_string();
    w.complain(("guarantee_id", &gid(&claimed)), 10_000, &[])
        .await;
    let digest = by_order.payload["order_digest"].as_str().expect("digest");
    w.complain(("order_digest", digest), 30_000, &[]).await;
    assert_ne!(digest, digest_of(&order));
    w.advance(Duration::days(400));
    assert_eq!(w.n.release_expired().await.expect("scan"), 1);
    let exposure =
        w.n.agreement(&w.deal.agreement_id, 0)
            .expect("agreement")
            .0
            .exposure;
    assert_eq!(
        exposure,
        eur(40_000),
        "the claimed ones stay: 100.00 + 300.00"
    );
    assert_eq!(w.n.release_expired().await.expect("scan"), 0);
    let _ = free;
}

/// s10 S10-1: a pending complaint keeps an expired guarantee outstanding for its ruling, not for
/// its seller to settle alone: past `expires_at` + `release_grace` her settle is refused
/// (`guarantee_lapsed`) and nothing changes; within them it is taken (before: she settled it
/// 400 days late). A guarantee a ruling holds stays settleable (`held_tests`).
#[tokio::test]
async fn a_seller_cannot_settle_a_lapsed_guarantee_a_pending_case_keeps() {
    use crate::model::error_code::ErrorCode;
    use crate::notary::guarantees::{Caller, Closing};
    let w = world().await;
    let (_, claimed) = w.order("r-claimed", 10_000, b"claimed").await;
    let (_, early) = w.order("r-early", 20_000, b"early").await;
    let gid = |g: &Envelope| g.payload["guarantee_id"].as_str().expect("id").to_string();
    w.complain(("guarantee_id", &gid(&claimed)), 10_000, &[])
        .await;
    let seller = || Caller::Seller(w.deal.seller_id.clone());
    let early = gid(&early);
    let settled =
        w.n.close_guarantee(&early, seller(), Closing::Settle, None, None);
    assert!(settled.await.is_ok(), "within its validity");
    w.advance(Duration::days(400));
    let size = w.n.log_size();
    let refused =
        w.n.close_guarantee(&gid(&claimed), seller(), Closing::Settle, None, None)
            .await
            .expect_err("lapsed");
    assert_eq!(refused.code(), ErrorCode::GuaranteeLapsed, "{refused}");
    assert!(refused.to_string().contains("lapsed at"), "{refused}");
    assert_eq!(w.n.log_size(), size, "nothing signed");
    let exposure =
        w.n.agreement(&w.deal.agreement_id, 0)
            .expect("agreement")
            .0
            .exposure;
    assert_eq!(exposure, eur(10_000), "still reserved for the ruling");
}

/// bob has two agreements: sally's request under the first (smaller id) is refused, under the
/// second granted. A claim about the order by its digest is ruled under the agreement the
/// notary took the order on under, the guarantee's (before: the smaller id, the refusal's).
#[tokio::test]
async fn an_order_refused_under_one_agreement_and_guaranteed_under_another_is_ruled_under_the_guarantees(
) {
    let w = world().await;
    let second =
        w.n.create_agreement(
            crate::notary::NewAgreement {
                buyer_id: w.deal.buyer_id.clone(),
                policy_id: "semper-consumer".into(),
                total_cap_minor: Some(500_000),
                per_tx_cap_minor: Some(200_000),
                ..Default::default()
            },
            None,
        )
        .await
        .expect("second agreement");
    assert!(
        w.deal.agreement_id < second.id,
        "the first has the smaller id"
    );
    let (order, refusal) = w.order("r-big", 80_000, b"piano").await;
    assert_eq!(refusal.payload["reason"], "per_transaction_cap_exceeded");
    let mut req = w.request("r-big-2", 80_000, b"piano");
    req.order = order.clone();
    req.agreement_id = second.id.clone();
    let (_, granted) = w.ask(req).await;
    assert_eq!(granted.kind, "guarantee", "{:?}", granted.payload);
    let receipt = w.receipt(&order);
    let id = w
        .complain(("order_digest", &digest_of(&order)), 80_000, &[receipt])
        .await;
    let (ids, r) = w.rule_ids(&id).await;
    assert_eq!(r.agreement.id, second.id);
    assert!(has(&ids, "Q3.valid"), "{ids:?}");
    assert_eq!(r.ruling.allocation.buyer_pays, eur(80_000));
}

/// sally claims non-payment on bob's guaranteed, delivered order; bob answers with the notary's
/// affidavit of the payment exchange he made to her, whose m1 names the order: the export adds
/// the m1 the affidavit carries, the replay counts the payment and bob owes nothing (s7 M3:
/// before, "nothing shows a payment"; s7b N3: with the affidavit alone, m1 was left out).
#[tokio::test]
async fn a_payment_exchange_naming_the_order_pays_it() {
    use crate::crypto::escrow::EscrowPublicKey;
    use crate::model::exchange::Sha256Hex;
    use crate::notary::fixture::exchange::{order_payment_exchange, Signer};
    let w = world().await;
    let (order, g) = w.order("r-paid", 30_000, b"desk").await;
    let receipt = w.receipt(&order);
    let escrow = EscrowPublicKey::from_base64(&w.n.identity().escrow_public_key).expect("escrow");
    let bob = Signer {
        id: &w.deal.buyer_id,
        key: &w.deal.buyer_key,
    };
    let sally = Signer {
        id: &w.deal.seller_id,
        key: &w.sally_key,
    };
    let kid = w.n.identity().key_id.clone();
    let digest = order.payload["order_digest"].as_str().expect("digest");
    let names = Sha256Hex::try_from(digest.to_string()).expect("digest");
    let x = order_payment_exchange(
        &bob,
        &sally,
        (&kid, &escrow),
        b"payment token 300.00 EUR",
        [5; 32],
        (Some(eur(30_000)), Some(names)),
    )
    .expect("exchange");
    let answer =
        w.n.resolve_exchange(x.resolve.clone())
            .await
            .expect("resolved");
    let body: Value = serde_json::from_str(&answer.body).expect("json");
    let affidavit: Envelope = serde_json::from_value(body["token"].clone()).expect("affidavit");
    assert_eq!(affidavit.kind, "delivery_affidavit");
    let gid = g.payload["guarantee_id"].as_str().expect("id").to_string();
    let id = w
        .complain(("guarantee_id", &gid), 30_000, &[order, receipt])
        .await;
    w.answer_with(&id, &[affidavit]).await;
    let (ids, r) = w.rule_ids(&id).await;
    assert!(has(&ids, "Q6.paid_by_affidavit"), "{ids:?}");
    assert_eq!(r.ruling.allocation.buyer_pays, eur(0));
}
