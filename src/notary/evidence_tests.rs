//! The dispute evidence the real notary makes, end to end in-process: the evidence is made, a
//! complaint filed, the case exported (`Notary::case_bundle`) and replayed (`replay::replay`),
//! and the findings' rule ids checked.

use chrono::{DateTime, Duration, Utc};
use ed25519_dalek::SigningKey;
use serde_json::{json, Value};

use super::fixture::{eur, goods_receipt, make_deal, request, ClockedDataDir, Deal};
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
    let t0: DateTime<Utc> = "2026-03-01T10:00:00Z".parse().expect("t0");
    let w = ClockedDataDir::init(tempfile::tempdir().expect("tmp"), "t", t0)
        .await
        .expect("init");
    let (n, t) = w.open().expect("open");
    let bob = SigningKey::from_bytes(&[7; 32]);
    let deal = make_deal(
        &n,
        "bob",
        bob,
        "sally",
        "semper-consumer",
        Some((100_000, 50_000)),
    )
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
        let d = &self.deal;
        let req = request(
            rid,
            &d.agreement_id,
            &d.seller_id,
            &d.buyer_key,
            eur(minor),
            doc,
        );
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
