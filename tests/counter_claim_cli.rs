//! A counter-claim against the real binary: sally claims non-payment on bob's guaranteed 120.00
//! EUR order (no delivery shown); bob answers that nothing was delivered and counter-claims
//! non-delivery for 120.00 EUR → `notar case export` states it (`claim.counter_claim`) →
//! `notar bundle verify` checks it against the response receipt and the response (a changed
//! amount fails) → `notar replay` decides it after the claim, with its own findings, allocation
//! and actions → `notar case rule` signs the same ruling, the release shared by both parts run
//! once. Without a counter-claim, neither the bundle nor the ruling mentions one.

mod util;

use serde_json::{json, Value};
use util::cases::{
    buyer_answers, export, guarantee_case, paid_answer, paid_then_bob_claims, paid_then_claimed,
    post_signed, read, rule_ids, write, GuaranteeCase,
};
use util::ledger::*;
use util::*;

/// bob answers the case with a non-delivery counter-claim of 120.00 EUR.
fn counter_claims(url: &str, c: &GuaranteeCase) -> Value {
    let answer = json!({
        "complaint_id": c.complaint_id,
        "complaint_digest": c.receipt["payload"]["complaint_digest"],
        "respondent": c.deal.buyer_id,
        "statement": "Nothing was delivered.",
        "evidence": [],
        "counter_claim": {"kind": "non_delivery", "amount": eur(12_000),
                          "statement": "I want my order cancelled and nothing to pay."},
        "created_at": "2026-03-01T11:00:00.000Z",
    });
    let path = format!("/v1/complaints/{}/response", c.complaint_id);
    post_signed(url, &path, "complaint_response", answer, &c.deal.buyer_key)
}

fn run(args: &[&str]) -> std::process::Output {
    notar(args)
}

#[test]
fn a_counter_claim_is_exported_verified_replayed_and_signed_in_the_same_ruling() {
    let data = DataDir::init();
    let srv = Server::start(&data);
    let mut admin = Admin::connect(&data);
    let c = guarantee_case(&srv.url, &mut admin, "semper-consumer");
    let answered = counter_claims(&srv.url, &c);
    let received_at = answered["receipt"]["payload"]["received_at"].clone();
    let file = export(&data, &c.complaint_id, "case.json");
    let bundle = read(&file);
    assert_eq!(
        bundle["claim"]["counter_claim"],
        json!({"kind": "non_delivery", "amount": eur(12_000), "filed_at": received_at}),
        "{}",
        bundle["claim"]
    );
    let o = run(&["bundle", "verify", p(&file)]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("counter-claim ok"), "{}", text(&o));

    let o = run(&["replay", p(&file), "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let ruling = json(&o.stdout);
    let cc = &ruling["counter_claim"];
    assert_eq!(cc["claim"]["kind"], "non_delivery", "{ruling}");
    assert_eq!(cc["claim"]["claimant"], c.deal.buyer_id.as_str());
    assert_eq!(cc["claim"]["respondent"], c.deal.seller_id.as_str());
    assert_eq!(cc["claim"]["filed_at"], received_at);
    assert_eq!(cc["claim"]["subject"], ruling["claim"]["subject"]);
    assert_eq!(
        rule_ids(cc),
        [
            "P.recorded",
            "Q1.valid",
            "Q2.not_revoked",
            "Q3.valid",
            "Q4.covered",
            "Q5.not_shown",
            "Q6.not_shown",
            "Q7.not_applicable",
            "Q8.within_window"
        ],
        "{cc}"
    );
    let zero = json!({"buyer_pays": eur(0), "notary_pays": eur(0), "seller_bears": eur(0),
                      "refund_to_buyer": eur(0)});
    assert_eq!(cc["allocation"], zero, "nothing paid, nothing to refund");
    let release = json!([{"action": "release_guarantee", "guarantee_id": c.guarantee_id}]);
    assert_eq!(ruling["actions"], release);
    assert_eq!(cc["actions"], release);
    assert!(cc.get("counter_claim").is_none());

    let o = run(&["replay", p(&file)]);
    let people = text(&o);
    assert_eq!(o.status.code(), Some(0), "{people}");
    let claim_part = people
        .find("\nfindings (9):")
        .expect("the claim's findings");
    let counter_part = people
        .find("counter-claim non_delivery: ")
        .expect("the counter-claim after the claim");
    assert!(claim_part < counter_part, "{people}");
    for line in [
        "counter-claim findings (9):",
        "counter-claim allocation: buyer pays 0.00 EUR",
        "counter-claim actions:",
    ] {
        assert!(people.contains(line), "{line} in\n{people}");
    }
    // The one release both parts ask for is run once, and the counter-claim's part says so;
    // with the guarantee's amount, from the bundle's guarantee (s12 M1).
    let once = format!(
        "counter-claim actions:\n  release guarantee {} (120.00 EUR) (the claim's too: run once)",
        c.guarantee_id
    );
    assert!(people.contains(&once), "{people}");

    // A counter-claim the response receipt does not state fails verification.
    let mut v = bundle.clone();
    v["claim"]["counter_claim"]["amount"] = json!(eur(99_900));
    let changed = data.work().join("changed.json");
    write(&changed, &v);
    let o = run(&["bundle", "verify", p(&changed)]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("counter-claim FAIL: the counter-claim's amount differ"),
        "{}",
        text(&o)
    );

    // Nor does a bundle leaving out the counter-claim the receipt states: its part of the
    // ruling would vanish unseen.
    let mut v = bundle.clone();
    v["claim"]
        .as_object_mut()
        .expect("claim")
        .remove("counter_claim");
    let dropped = data.work().join("dropped.json");
    write(&dropped, &v);
    let o = run(&["bundle", "verify", p(&dropped)]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("states a counter-claim the bundle's claim leaves out"),
        "{}",
        text(&o)
    );
    let o = run(&["replay", p(&dropped)]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));

    // A response or response receipt with a flipped bit: the counter-claim is not shown the
    // respondent's, so it is left undecided (said on stderr) and the claim is still decided.
    for kind in ["complaint_response", "complaint_response_receipt"] {
        let mut v = bundle.clone();
        let item = v["items"]
            .as_array_mut()
            .expect("items")
            .iter_mut()
            .find(|i| i["envelope"]["kind"] == kind)
            .expect("the answer is in the bundle");
        let sig = item["envelope"]["signatures"][0]["sig"]
            .as_str()
            .expect("sig")
            .to_string();
        let flipped = if sig.starts_with('A') { "B" } else { "A" };
        item["envelope"]["signatures"][0]["sig"] = json!(format!("{flipped}{}", &sig[1..]));
        let file = data.work().join(format!("{kind}.json"));
        write(&file, &v);
        let o = run(&["bundle", "verify", p(&file)]);
        assert_eq!(o.status.code(), Some(1), "{kind}: {}", text(&o));
        let o = run(&["replay", p(&file), "--json"]);
        assert_eq!(o.status.code(), Some(0), "{kind}: {}", text(&o));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains(
                "warning: the counter-claim is not decided: no verified complaint_response"
            ),
            "{kind}: {err}"
        );
        let undecided = json(&o.stdout);
        assert!(
            undecided.get("counter_claim").is_none(),
            "{kind}: {undecided}"
        );
        assert_eq!(undecided["allocation"], ruling["allocation"], "{kind}");
    }

    // Signed: the same ruling, both parts; the shared release runs once.
    let o = run(&[
        "--data",
        data.arg(),
        "case",
        "rule",
        &c.complaint_id,
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let signed = verified(&json(&o.stdout)["ruling"], &notary_key(&srv.url));
    assert_eq!(
        signed.payload["ruling"], ruling,
        "the replayed ruling is the signed one"
    );
    assert_eq!(
        signed.payload["actions"],
        json!([{"action": "release_guarantee", "guarantee_id": c.guarantee_id,
            "amount": eur(12_000), "reason": "ruled", "result": "released"}])
    );
    assert_eq!(admin.exposure(&c.deal.agreement_id), 0);
}

#[test]
fn without_a_counter_claim_neither_the_bundle_nor_the_ruling_names_one() {
    let data = DataDir::init();
    let srv = Server::start(&data);
    let mut admin = Admin::connect(&data);
    let c = guarantee_case(&srv.url, &mut admin, "semper-consumer");
    buyer_answers(&srv.url, &c);
    let file = export(&data, &c.complaint_id, "case.json");
    let raw = String::from_utf8(std::fs::read(&file).expect("read")).expect("utf-8");
    assert!(!raw.contains("counter_claim"), "{raw}");
    let o = run(&["replay", p(&file), "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(!text(&o).contains("counter_claim"), "{}", text(&o));
    let o = run(&["bundle", "verify", p(&file)]);
    assert!(!text(&o).contains("counter-claim"), "{}", text(&o));
    let o = run(&["replay", p(&file)]);
    assert!(!text(&o).contains("counter-claim"), "{}", text(&o));
}

/// bob paid sally 120.00 EUR by an item-for-receipt exchange (delivery affidavit); sally claims
/// non-payment anyway; bob answers with the payment and counter-claims non-delivery of the
/// goods. The claim: paid, nothing owed. The counter-claim: the same payment, no delivery shown:
/// refunded.
#[test]
fn a_payment_the_claim_names_counts_for_the_counter_claim() {
    let data = DataDir::init();
    let srv = Server::start(&data);
    let mut admin = Admin::connect(&data);
    let c = paid_then_claimed(&srv.url, &mut admin);
    let counter = json!({"kind": "non_delivery", "amount": eur(12_000),
                         "statement": "Refund my payment."});
    paid_answer(
        &srv.url,
        &c,
        "Paid, and the chairs never came.",
        Some(counter),
    );
    let id = c.complaint_id.clone();
    let file = export(&data, &id, "paid.json");
    let o = run(&["replay", p(&file), "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let ruling = json(&o.stdout);
    let rule = |r: &Value, q: &str| {
        r["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .find(|f| f["question"] == q)
            .map(|f| f["rule_id"].clone())
    };
    assert_eq!(rule(&ruling, "Q6"), Some(json!("Q6.paid_by_affidavit")));
    assert_eq!(ruling["allocation"]["buyer_pays"], json!(eur(0)));
    let cc = &ruling["counter_claim"];
    assert_eq!(rule(cc, "Q5"), Some(json!("Q5.not_shown")), "{cc}");
    assert_eq!(rule(cc, "Q6"), Some(json!("Q6.paid_by_affidavit")), "{cc}");
    assert_eq!(
        cc["allocation"],
        json!({"buyer_pays": eur(0), "notary_pays": eur(0), "seller_bears": eur(0),
               "refund_to_buyer": eur(12_000)}),
        "{cc}"
    );
}

/// The same payment read once, whoever files first: bob's own non-delivery claim about the
/// exchange he paid through reads it as paid and refunds him (no delivery shown). It read
/// "nothing shows a payment" while, in the same signed ruling, sally's non-payment
/// counter-claim read the payment. He is refunded what m1 states he paid (120.00), not the
/// 900.00 he claims: the claim's figure was read as the payment, so a buyer set his own refund.
#[test]
fn a_buyers_non_delivery_claim_reads_the_payment_he_made() {
    let data = DataDir::init();
    let srv = Server::start(&data);
    let mut admin = Admin::connect(&data);
    let (_, id) = paid_then_bob_claims(&srv.url, &mut admin, 90_000);
    let file = export(&data, &id, "bobs.json");
    let o = run(&["replay", p(&file), "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let ruling = json(&o.stdout);
    let q6 = ruling["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["question"] == "Q6")
        .map(|f| f["rule_id"].clone());
    assert_eq!(q6, Some(json!("Q6.paid_by_affidavit")), "{ruling}");
    assert_eq!(
        ruling["allocation"]["refund_to_buyer"],
        json!(eur(12_000)),
        "{ruling}"
    );
}
