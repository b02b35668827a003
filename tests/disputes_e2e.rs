//! A dispute end to end against the real binary, everything made over HTTP and the admin
//! socket as the parties and the arbitrator would (SCENARIOS.md D9 with a revocation):
//!
//! sally offers bob six chairs by an item-for-receipt exchange; bob signs an order of 180.00 EUR
//! that names the exchange; sally gets the notary's guarantee for it; she then aborts the
//! exchange (no key released, nothing delivered); bob's key kb1 is revoked (he answers with a
//! second key kb2); sally claims non-payment on the guarantee; bob answers with the notary's
//! abort token. The arbitrator exports the case, `notar bundle verify` checks it offline,
//! `notar replay` rules (the order was signed before the revocation, the guarantee covers it,
//! the delivery was aborted: bob owes nothing, the guarantee is released), `notar case rule`
//! signs that ruling: it is in the log, and the agreement's exposure is back to 0.

mod util;

use ed25519_dalek::SigningKey;
use notar::crypto::envelope::Envelope;
use serde_json::{json, Value};
use util::cases::{export, granted, post_signed};
use util::exchange::*;
use util::ledger::*;
use util::*;

/// The whole case made over HTTP; the complaint id and the guarantee id.
struct Made {
    complaint_id: String,
    guarantee_id: String,
    agreement_id: String,
}

fn make_case(url: &str, admin: &mut Admin) -> Made {
    let deal = make_deal(admin, 100_000, 50_000);
    let notary_key_id = notar::crypto::keys::key_id(&notary_key(url));
    let sally_key = SigningKey::generate(&mut rand::rngs::OsRng);
    admin.ok(
        "key_add",
        json!({"party_id": deal.seller_id,
               "public_key_hex": hex::encode(sally_key.verifying_key().to_bytes())}),
    );
    let sally = Party {
        id: deal.seller_id.clone(),
        key: sally_key,
    };
    let bob = Party {
        id: deal.buyer_id.clone(),
        key: deal.buyer_key.clone(),
    };
    let goods = item_exchange(
        &sally,
        &bob,
        &notary_key_id,
        &escrow_key(url),
        b"six chairs",
        false,
    );
    let tid = goods.m1.tid.clone();
    let order = Envelope::sign(
        "order",
        json!({"seller_id": sally.id, "amount": eur(18_000),
               "order_digest": sha256_hex(b"order: six chairs, 180.00 EUR"), "tid": tid}),
        &bob.key,
    )
    .expect("sign order");
    let body = request_with(&deal, "r-chairs", eur(18_000), &order);
    let (guarantee, guarantee_id) = granted(url, &deal, &body);
    assert_eq!(admin.exposure(&deal.agreement_id), 18_000);

    let abort = abort_request(&sally, &tid);
    let answer = exchange_post(url, "abort", &abort_body(&goods.m1.env, &abort));
    let notary = notary_key(url);
    let aborted = decided(
        url,
        &notary,
        &answer,
        &tid,
        &goods.m1.env,
        ("aborted", "aborted", "exchange_abort_token"),
    );

    // bob's kb1 is revoked after the guarantee; he answers with kb2.
    let kb2 = SigningKey::generate(&mut rand::rngs::OsRng);
    admin.ok(
        "key_add",
        json!({"party_id": bob.id, "public_key_hex": hex::encode(kb2.verifying_key().to_bytes())}),
    );
    let revoked = admin.ok(
        "key_revoke",
        json!({"key_id": deal.key_id, "reason": "bob lost his laptop"}),
    );
    assert_eq!(revoked["status"], "revoked", "{revoked}");

    let claim = json!({
        "kind": "non_payment",
        "claimant": sally.id,
        "respondent": bob.id,
        "guarantee_id": guarantee_id,
        "amount": eur(18_000),
        "statement": "bob never paid for the six chairs.",
        "evidence": [{"type": "envelope", "envelope": order},
                     {"type": "envelope", "envelope": guarantee},
                     {"type": "envelope", "envelope": goods.m1.env}],
        "notary_key_id": notary_key_id,
        "created_at": "2026-03-01T09:00:00.000Z",
    });
    // The same claim the other way round (bob claiming "non-payment" from sally) would have
    // a ruling make the claimant pay: refused at filing, nothing logged.
    let mut reversed = claim.clone();
    reversed["claimant"] = json!(bob.id);
    reversed["respondent"] = json!(sally.id);
    let env = Envelope::sign("complaint", reversed, &kb2).expect("sign");
    let size = log_size(url);
    let got = post(
        url,
        "/v1/complaints",
        None,
        &serde_json::to_vec(&env).expect("json"),
    );
    assert_error(&got, 403, "wrong_side");
    assert_eq!(log_size(url), size, "a refused complaint logs nothing");
    let filed = post_signed(url, "/v1/complaints", "complaint", claim, &sally.key);
    let complaint_id = filed["complaint_id"].as_str().expect("id").to_string();
    let answer = json!({
        "complaint_id": complaint_id,
        "complaint_digest": filed["receipt"]["payload"]["complaint_digest"],
        "respondent": bob.id,
        "statement": "sally aborted the exchange: the chairs never came.",
        "evidence": [{"type": "envelope", "envelope": aborted["token"]}],
        "created_at": "2026-03-01T11:00:00.000Z",
    });
    let path = format!("/v1/complaints/{complaint_id}/response");
    post_signed(url, &path, "complaint_response", answer, &kb2);
    Made {
        complaint_id,
        guarantee_id,
        agreement_id: deal.agreement_id,
    }
}

/// The `what` of the item `id` on the ruling's timeline.
fn what<'a>(ruling: &'a Value, id: &str) -> &'a str {
    let items = ruling["items"].as_array().expect("items");
    let item = items.iter().find(|i| i["id"] == id).expect("a cited item");
    item["what"].as_str().expect("what")
}

/// The findings as (rule id, kinds of the items cited).
fn findings(ruling: &Value) -> Vec<(String, Vec<String>)> {
    let list = ruling["findings"].as_array().expect("findings");
    list.iter()
        .map(|f| {
            let cited = f["evidence_ids"].as_array().expect("evidence ids");
            let mut kinds: Vec<String> = cited
                .iter()
                .map(|id| what(ruling, id.as_str().expect("id")).to_string())
                .collect();
            kinds.sort();
            (f["rule_id"].as_str().expect("rule").to_string(), kinds)
        })
        .collect()
}

#[test]
fn orders_guarantee_revocation_exchange_complaint_to_a_signed_ruling() {
    let data = DataDir::init();
    let srv = Server::start(&data);
    let mut admin = Admin::connect(&data);
    let made = make_case(&srv.url, &mut admin);

    let file = export(&data, &made.complaint_id, "case.json");
    let v = notar(&["bundle", "verify", p(&file)]);
    assert_eq!(v.status.code(), Some(0), "{}", text(&v));
    // The registry facts as of the case: bob's keys and kb1's revocation, the notary's own.
    let bundle = util::cases::read(&file);
    let registry = bundle["registry"].as_array().expect("registry");
    let kinds: Vec<&str> = registry
        .iter()
        .map(|e| e["envelope"]["kind"].as_str().expect("kind"))
        .collect();
    for kind in [
        "party",
        "key_registration",
        "revocation",
        "agreement",
        "policy",
    ] {
        assert!(kinds.contains(&kind), "{kind} missing from {kinds:?}");
    }

    let r = notar(&["replay", "--json", p(&file)]);
    assert_eq!(r.status.code(), Some(0), "{}", text(&r));
    let ruling = json(&r.stdout);
    // The whole ruling: every finding with its rule and the kinds of the items it rests on,
    // every item admitted, the allocation and the actions.
    let expected: Vec<(&str, Vec<&str>)> = vec![
        ("P.recorded", vec![]),
        ("Q1.valid", vec!["order"]),
        // The guarantee (issued before the revocation) embeds the order: signed before it.
        ("Q2.before_revocation", vec!["guarantee", "order"]),
        ("Q3.valid", vec!["guarantee"]),
        ("Q4.covered", vec![]),
        ("Q5.aborted", vec!["abort_token"]),
        ("Q6.not_shown", vec![]),
        ("Q7.not_applicable", vec![]),
        ("Q8.within_window", vec!["guarantee", "order"]),
    ];
    let expected: Vec<(String, Vec<String>)> = expected
        .into_iter()
        .map(|(r, k)| (r.to_string(), k.into_iter().map(String::from).collect()))
        .collect();
    assert_eq!(findings(&ruling), expected, "{ruling}");
    let items = ruling["items"].as_array().expect("items");
    let mut kinds: Vec<&str> = items
        .iter()
        .map(|i| i["what"].as_str().expect("what"))
        .collect();
    kinds.sort();
    assert_eq!(
        kinds,
        [
            // The abort request the abort token carries, an item of its own.
            "abort_request",
            "abort_token",
            "complaint_receipt",
            "complaint_response_receipt",
            "guarantee",
            "offer",
            "order"
        ],
        "{ruling}"
    );
    assert!(items.iter().all(|i| i["admissible"] == true), "{ruling}");
    // Nothing was delivered: bob owes nothing and sally kept her chairs.
    assert_eq!(
        ruling["allocation"],
        json!({"buyer_pays": eur(0), "notary_pays": eur(0),
               "seller_bears": eur(0), "refund_to_buyer": eur(0)}),
        "{ruling}"
    );
    assert_eq!(
        ruling["actions"],
        json!([{"action": "release_guarantee", "guarantee_id": made.guarantee_id}])
    );

    let o = notar(&[
        "--data",
        data.arg(),
        "case",
        "rule",
        &made.complaint_id,
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let answer = json(&o.stdout);
    let signed = verified(&answer["ruling"], &notary_key(&srv.url));
    assert_eq!(
        signed.payload["ruling"], ruling,
        "the replayed ruling is signed"
    );
    let index = signed.payload["log_index"].as_u64().expect("log index");
    assert_eq!(log_entry(&srv.url, index)["body"], answer["ruling"]);
    assert_eq!(
        admin.exposure(&made.agreement_id),
        0,
        "released by the ruling"
    );
}
