//! Cases for tests: `notar case export` of a complaint, and bundle files read and rewritten.

use std::path::{Path, PathBuf};

use ed25519_dalek::SigningKey;
use notar::crypto::envelope::Envelope;
use serde_json::Value;

use super::exchange::{escrow_key, exchange_post, paying_exchange, ItemExchange, Party};
use super::ledger::{eur, make_deal_under, notary_key, post, request, Admin, Deal};
use super::{json, notar, p, text, DataDir};

/// `notar case export COMPLAINT_ID --out WORK/name`, which must succeed; the file.
pub fn export(data: &DataDir, complaint_id: &str, name: &str) -> PathBuf {
    let out = data.work().join(name);
    let o = notar(&[
        "--data",
        data.arg(),
        "case",
        "export",
        complaint_id,
        "--out",
        p(&out),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    out
}

/// A bundle file as JSON.
pub fn read(file: &Path) -> Value {
    json(&std::fs::read(file).expect("read"))
}

/// Writes `v` as a bundle file.
pub fn write(file: &Path, v: &Value) {
    std::fs::write(file, serde_json::to_vec_pretty(v).expect("json")).expect("write");
}

/// A complaint about a guarantee, filed over HTTP.
pub struct GuaranteeCase {
    /// The buyer, the seller and their agreement.
    pub deal: Deal,
    /// The guarantee (120.00 EUR).
    pub guarantee_id: String,
    /// The complaint.
    pub complaint_id: String,
    /// The seller's (claimant's) complaint key.
    pub seller_key: ed25519_dalek::SigningKey,
    /// The notary's complaint receipt.
    pub receipt: Value,
}

/// sally, guaranteed for bob's order of 120.00 EUR under `policy_id`, files `non_payment` with the
/// order and the guarantee as evidence (no delivery shown): the rules release the guarantee.
pub fn guarantee_case(url: &str, admin: &mut Admin, policy_id: &str) -> GuaranteeCase {
    let deal = make_deal_under(admin, policy_id, 100_000, 50_000);
    let body = request(&deal, "r-1", 12_000, "chairs");
    let order = body["order"].clone();
    let (g, gid) = granted(url, &deal, &body);
    let claim = serde_json::json!({
        "kind": "non_payment",
        "claimant": deal.seller_id,
        "respondent": deal.buyer_id,
        "guarantee_id": gid,
        "amount": eur(12_000),
        "statement": "bob never paid for the chairs.",
        "evidence": [{"type": "envelope", "envelope": order},
                     {"type": "envelope", "envelope": g}],
        "notary_key_id": notar::crypto::keys::key_id(&notary_key(url)),
        "created_at": "2026-03-01T09:00:00.000Z",
    });
    let seller_key = ed25519_dalek::SigningKey::generate(&mut rand::rngs::OsRng);
    admin.ok(
        "key_add",
        serde_json::json!({"party_id": deal.seller_id,
               "public_key_hex": hex::encode(seller_key.verifying_key().to_bytes())}),
    );
    let filed = post_signed(url, "/v1/complaints", "complaint", claim, &seller_key);
    let complaint_id = filed["complaint_id"].as_str().expect("id").to_string();
    let receipt = filed["receipt"].clone();
    GuaranteeCase {
        deal,
        guarantee_id: gid,
        complaint_id,
        seller_key,
        receipt,
    }
}

/// POSTs the guarantee request `body` as `deal`'s seller; it must be granted (201). The
/// guarantee envelope and its id.
pub fn granted(url: &str, deal: &Deal, body: &Value) -> (Value, String) {
    let (status, got) = post(
        url,
        "/v1/guarantees",
        Some(&deal.token),
        &serde_json::to_vec(body).expect("json"),
    );
    assert_eq!(status, 201, "{}", String::from_utf8_lossy(&got));
    let g = json(&got)["guarantee"].clone();
    let gid = g["payload"]["guarantee_id"]
        .as_str()
        .expect("guarantee id")
        .to_string();
    (g, gid)
}

/// bob (the buyer, the respondent) answers the case: "not delivered yet", no evidence.
pub fn buyer_answers(url: &str, c: &GuaranteeCase) {
    let answer = serde_json::json!({
        "complaint_id": c.complaint_id,
        "complaint_digest": c.receipt["payload"]["complaint_digest"],
        "respondent": c.deal.buyer_id,
        "statement": "Nothing was delivered yet.",
        "evidence": [],
        "created_at": "2026-03-01T11:00:00.000Z",
    });
    let path = format!("/v1/complaints/{}/response", c.complaint_id);
    post_signed(url, &path, "complaint_response", answer, &c.deal.buyer_key);
}

/// Signs `payload` as `kind` (`complaint` or `complaint_response`) with `key` and POSTs it to
/// `path`, which must answer 201; the answer's JSON.
pub fn post_signed(url: &str, path: &str, kind: &str, payload: Value, key: &SigningKey) -> Value {
    let env = Envelope::sign(kind, payload, key).expect("sign");
    let got = post(url, path, None, &serde_json::to_vec(&env).expect("json"));
    assert_eq!(got.0, 201, "{}", String::from_utf8_lossy(&got.1));
    json(&got.1)
}

/// D7's shape over HTTP: bob pays sally 120.00 EUR by an item-for-receipt exchange the notary
/// resolves (delivery affidavit), then sally files `non_payment` with m1 as evidence.
pub struct PaidCase {
    /// The payer (buyer).
    pub bob: Party,
    /// The payee (seller), the claimant.
    pub sally: Party,
    /// The exchange of the payment token.
    pub x: ItemExchange,
    /// The complaint id.
    pub complaint_id: String,
    /// The notary's complaint receipt.
    pub receipt: Value,
}

/// Plays D7's exchange and files sally's claim (see [`PaidCase`]).
pub fn paid_then_claimed(url: &str, admin: &mut Admin) -> PaidCase {
    let (bob, sally) = (admin.party("bob", "buyer"), admin.party("sally", "seller"));
    let notary_kid = notar::crypto::keys::key_id(&notary_key(url));
    let x = paying_exchange(
        &bob,
        &sally,
        (&notary_kid, &escrow_key(url)),
        b"payment token: 120.00 EUR to sally",
        false,
        Some(serde_json::to_value(eur(12_000)).expect("json")),
    );
    let resolved = exchange_post(url, "resolve", &x.resolve_body());
    assert_eq!(resolved.0, 200, "{}", String::from_utf8_lossy(&resolved.1));
    assert_eq!(json(&resolved.1)["outcome"], "delivered");
    let claim = serde_json::json!({
        "kind": "non_payment",
        "claimant": sally.id,
        "respondent": bob.id,
        "tid": x.m1.tid,
        "amount": eur(12_000),
        "statement": "bob never paid.",
        "evidence": [{"type": "envelope", "envelope": x.m1.env}],
        "notary_key_id": notary_kid,
        "created_at": "2026-03-01T09:00:00.000Z",
    });
    let filed = post_signed(url, "/v1/complaints", "complaint", claim, &sally.key);
    PaidCase {
        complaint_id: filed["complaint_id"].as_str().expect("id").to_string(),
        receipt: filed["receipt"].clone(),
        bob,
        sally,
        x,
    }
}

/// D7's exchange (m1 states 120.00 EUR), then bob's own `non_delivery` claim about it (he paid,
/// nothing came) of `claimed` minor units of EUR, with m1 as evidence; (the case, the complaint
/// id of bob's claim).
pub fn paid_then_bob_claims(url: &str, admin: &mut Admin, claimed: i64) -> (PaidCase, String) {
    let c = paid_then_claimed(url, admin);
    let notary_kid = notar::crypto::keys::key_id(&notary_key(url));
    let claim = serde_json::json!({
        "kind": "non_delivery",
        "claimant": c.bob.id,
        "respondent": c.sally.id,
        "tid": c.x.m1.tid,
        "amount": eur(claimed),
        "statement": "I paid; the chairs never came.",
        "evidence": [{"type": "envelope", "envelope": c.x.m1.env}],
        "notary_key_id": notary_kid,
        "created_at": "2026-03-01T09:05:00.000Z",
    });
    let filed = post_signed(url, "/v1/complaints", "complaint", claim, &c.bob.key);
    let id = filed["complaint_id"].as_str().expect("id").to_string();
    (c, id)
}

/// bob answers a [`PaidCase`] with his escrow statement and sally's receipt, saying
/// `statement`, with `counter_claim` when given.
pub fn paid_answer(url: &str, c: &PaidCase, statement: &str, counter_claim: Option<Value>) {
    let mut answer = serde_json::json!({
        "complaint_id": c.complaint_id,
        "complaint_digest": c.receipt["payload"]["complaint_digest"],
        "respondent": c.bob.id,
        "statement": statement,
        "evidence": [{"type": "envelope", "envelope": c.x.item_escrow},
                     {"type": "envelope", "envelope": c.x.receipt}],
        "created_at": "2026-03-01T11:00:00.000Z",
    });
    if let Some(cc) = counter_claim {
        answer["counter_claim"] = cc;
    }
    let path = format!("/v1/complaints/{}/response", c.complaint_id);
    post_signed(url, &path, "complaint_response", answer, &c.bob.key);
}

/// The rule ids of a ruling's findings (JSON, as `notar replay --json` prints it), in order.
pub fn rule_ids(ruling: &Value) -> Vec<String> {
    ruling["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["rule_id"].as_str().expect("rule id").to_string())
        .collect()
}

/// `semper-consumer` as policy `dual`, a ruling on more than 100.00 EUR needing two arbitrators.
pub fn dual_policy(data: &DataDir) {
    let policies = data.path.join("policies");
    let text = std::fs::read_to_string(policies.join("semper-consumer.toml")).expect("policy");
    let dual = text.replace("id = \"semper-consumer\"", "id = \"dual\"")
        + "\n# Rulings on more than 100.00 EUR need a second arbitrator.\n\
           second_arbitrator_above = 10000\n";
    std::fs::write(policies.join("dual.toml"), dual).expect("write policy");
}
