//! The buyer's and the seller's dispute evidence made with the real binary: `notar order
//! receipt` (the buyer's receipt of the goods), `notar nonce` (`POST /v1/nonce`) and `notar
//! order sign --fresh`, and a complaint about a refused order (`notar complaint file
//! --order-digest`) exported and replayed.

mod util;

use serde_json::{json as j, Value};
use util::cases::{export, rule_ids};
use util::ledger::{post, Admin};
use util::{ed25519_key, json, notar, p, text, DataDir, Server};

/// The seller's party id the orders here name.
const SALLY: &str = "0195a3b2-0000-7000-8000-00000000000a";

/// `notar order sign` over a small document; the order's path.
fn sign_order(dir: &std::path::Path, key: &std::path::Path, extra: &[&str]) -> std::path::PathBuf {
    let doc = dir.join("order.txt");
    std::fs::write(&doc, b"1 bicycle, red").expect("doc");
    let mut args = vec![
        "order",
        "sign",
        "--key",
        p(key),
        "--seller",
        SALLY,
        "--amount",
        "300.00",
        "--currency",
        "EUR",
        "--document",
        p(&doc),
    ];
    args.extend_from_slice(extra);
    let o = notar(&args);
    assert!(o.status.success(), "order sign: {}", text(&o));
    let path = dir.join("order.json");
    std::fs::write(&path, &o.stdout).expect("order");
    path
}

#[test]
fn a_buyer_signs_a_receipt_of_the_goods_of_an_order() {
    let dir = tempfile::tempdir().expect("tmp");
    let bob = ed25519_key(dir.path(), "bob");
    let order_path = sign_order(dir.path(), &bob.key, &[]);
    let order = json(&std::fs::read(&order_path).expect("order"));
    // A seller id that is no party id (a typo) is refused before anything is signed.
    let typo = notar(&[
        "order",
        "sign",
        "--key",
        p(&bob.key),
        "--seller",
        "p-sally",
        "--amount",
        "1.00",
        "--currency",
        "EUR",
        "--document",
        p(&order_path),
    ]);
    assert_eq!(typo.status.code(), Some(2), "{}", text(&typo));
    assert!(
        text(&typo).contains("a party id is a UUID"),
        "{}",
        text(&typo)
    );
    let o = notar(&[
        "order",
        "receipt",
        "--key",
        p(&bob.key),
        "--buyer",
        "p-bob",
        "--order",
        p(&order_path),
        "--received-at",
        "2026-03-02T10:00:00Z",
    ]);
    assert!(o.status.success(), "order receipt: {}", text(&o));
    let receipt = json(&o.stdout);
    assert_eq!(receipt["kind"], "goods_receipt");
    let payload = &receipt["payload"];
    assert_eq!(payload["order_digest"], order["payload"]["order_digest"]);
    assert_eq!(payload["seller_id"], SALLY);
    assert_eq!(payload["buyer"], "p-bob");
    assert_eq!(payload["received_at"], "2026-03-02T10:00:00.000Z");
    assert_eq!(
        receipt["signatures"][0]["key_id"],
        order["signatures"][0]["key_id"]
    );

    let path = dir.path().join("receipt.json");
    std::fs::write(&path, &o.stdout).expect("receipt");
    let v = notar(&["verify", p(&path), "--notary-key", &some_key_b64()]);
    assert!(!v.status.success(), "a party's receipt is not the notary's");
    assert!(
        text(&v).contains("goods_receipt is signed by a party"),
        "{}",
        text(&v)
    );

    let not_order = notar(&[
        "order",
        "receipt",
        "--key",
        p(&bob.key),
        "--buyer",
        "p-bob",
        "--order",
        p(&path),
    ]);
    assert_eq!(not_order.status.code(), Some(2), "{}", text(&not_order));
    assert!(
        text(&not_order).contains("is not an order"),
        "{}",
        text(&not_order)
    );
    let help = notar(&["order", "receipt", "--help"]);
    assert!(text(&help).contains("proves nothing"), "{}", text(&help));
}

/// Base64 of some valid Ed25519 public key (not the one that signed anything here).
fn some_key_b64() -> String {
    use base64::Engine;
    let key = ed25519_dalek::SigningKey::from_bytes(&[1; 32]).verifying_key();
    base64::engine::general_purpose::STANDARD.encode(key.to_bytes())
}

/// A key file's signing key.
fn signing_key(path: &std::path::Path) -> ed25519_dalek::SigningKey {
    let pem = std::fs::read_to_string(path).expect("pem");
    notar::crypto::keys::ed25519_from_pem(&pem).expect("key")
}

/// `notar ARGS` must succeed; its stdout.
fn ok(args: &[&str]) -> Vec<u8> {
    let o = notar(args);
    assert!(o.status.success(), "notar {args:?}: {}", text(&o));
    o.stdout
}

/// bob's order of 800.00 EUR embeds a nonce fetched with `notar nonce`; the notary refuses it
/// over the per-transaction cap. sally files about the order by its digest with the CLI, with
/// bob's receipt of the goods; the exported case replays with the nonce as the order's lower
/// time bound and binds bob up to the cap.
#[test]
fn a_fresh_order_refused_and_complained_about_replays_from_its_export() {
    let data = DataDir::init();
    // A token bounds its item at genTime + accuracy: 1 ms, so that the order's stamp, not the
    // notary's refusal moments later, is its latest signing time.
    util::configure(&data, &[("timestamp", "accuracy_ms", 1)]);
    let srv = Server::start(&data);
    let mut admin = Admin::connect(&data);
    let dir = data.work();
    let bob = ed25519_key(dir, "bob");
    let sally = ed25519_key(dir, "sally");
    let (bob_id, _) = admin.buyer("bob", &signing_key(&bob.key));
    let (sally_id, token) = admin.seller("sally");
    let sally_pub = hex::encode(signing_key(&sally.key).verifying_key().to_bytes());
    admin.ok(
        "key_add",
        j!({"party_id": sally_id, "public_key_hex": sally_pub}),
    );
    let ag = admin.ok(
        "agreement_create",
        j!({"buyer_id": bob_id, "policy_id": "semper-consumer",
            "total_cap_minor": 100_000, "per_tx_cap_minor": 50_000}),
    );

    let nonce_file = dir.join("nonce.json");
    ok(&["nonce", "--notary", &srv.url, "--out", p(&nonce_file)]);
    let nonce = json(&std::fs::read(&nonce_file).expect("nonce"));
    assert_eq!(nonce["kind"], "nonce");
    ok(&["--data", data.arg(), "verify", p(&nonce_file)]);
    let order_file = sign_order_for(dir, &bob.key, &sally_id, &nonce_file);
    let order = json(&std::fs::read(&order_file).expect("order"));
    let nonce_env: notar::crypto::envelope::Envelope =
        serde_json::from_value(nonce.clone()).expect("envelope");
    let nonce_id = notar::replay::envelope_id(&nonce_env).expect("id");
    assert_eq!(order["payload"]["fresh"], j!(nonce_id));
    // A timestamp of the order as a bundle knows it: its canonical JSON, whose SHA-256 is its
    // item id (the file as written is pretty-printed: a token over it would bound nothing).
    let order_env: notar::crypto::envelope::Envelope =
        serde_json::from_value(order.clone()).expect("envelope");
    let order_id = notar::replay::envelope_id(&order_env).expect("id");
    let stamped = ok(&["stamp", "--server", &srv.url, "--envelope", p(&order_file)]);
    let stamped = String::from_utf8_lossy(&stamped).into_owned();
    assert!(
        stamped.contains(&format!("item id            {order_id}")),
        "{stamped}"
    );
    let tsr = dir.join("sofa-order.json.tsr");
    let check = |envelope: bool| {
        let mut args = vec!["--data", data.arg(), "verify", p(&tsr), "--data-file"];
        args.push(p(&order_file));
        if envelope {
            args.push("--envelope");
        }
        notar(&args).status.code()
    };
    assert_eq!((check(true), check(false)), (Some(0), Some(1)));

    let body = j!({"request_id": "r-1", "agreement_id": ag["id"], "seller_id": sally_id,
        "amount": {"minor": 80_000, "currency": "EUR"}, "order": order});
    let (status, got) = post(
        &srv.url,
        "/v1/guarantees",
        Some(&token),
        body.to_string().as_bytes(),
    );
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&got));
    assert_eq!(json(&got)["reason"], "per_transaction_cap_exceeded");
    // The notary's answer as the seller keeps it: sent as evidence, the refusal it holds goes
    // in as that envelope (s11 M3: before, the answer file by its digest, a document).
    let answer_file = dir.join("refusal-answer.json");
    std::fs::write(&answer_file, &got).expect("answer");
    let refusal: notar::crypto::envelope::Envelope =
        serde_json::from_value(json(&got)["refusal"].clone()).expect("a refusal envelope");
    let refusal_id = notar::replay::envelope_id(&refusal).expect("id");

    let receipt = ok(&[
        "order",
        "receipt",
        "--key",
        p(&bob.key),
        "--buyer",
        &bob_id,
        "--order",
        p(&order_file),
    ]);
    let receipt_file = dir.join("receipt.json");
    std::fs::write(&receipt_file, receipt).expect("receipt");
    let digest = order["payload"]["order_digest"].as_str().expect("digest");
    let filed = ok(&[
        "complaint",
        "file",
        "--key",
        p(&sally.key),
        "--notary",
        &srv.url,
        "--claimant",
        &sally_id,
        "--respondent",
        &bob_id,
        "--kind",
        "non_payment",
        "--order-digest",
        digest,
        "--amount",
        "800.00",
        "--currency",
        "EUR",
        "--statement",
        "bob never paid for the sofa.",
        "--evidence",
        p(&receipt_file),
        "--evidence",
        p(&tsr),
        "--evidence",
        p(&answer_file),
        "--json",
    ]);
    let filed = json(&filed);
    assert_eq!(filed["receipt"]["payload"]["order_digest"], j!(digest));
    let ids = &filed["receipt"]["payload"]["evidence_ids"];
    assert!(
        ids.as_array()
            .is_some_and(|l| l.iter().any(|i| i == refusal_id.as_str())),
        "{ids}"
    );
    let id = filed["complaint_id"].as_str().expect("id");
    // The arbitrators' queue (the console's) names the order the case is about.
    let queue = admin.ok("complaints", j!({"limit": 10}));
    let line = queue["items"]
        .as_array()
        .and_then(|l| l.iter().find(|c| c["complaint_id"] == id))
        .cloned()
        .expect("the case is queued");
    assert_eq!(line["order_digest"], j!(digest), "{line}");
    assert!(line.get("guarantee_id").is_none(), "{line}");

    let bundle = export(&data, id, "case.json");
    let ruling: Value = json(&ok(&["replay", p(&bundle), "--json"]));
    let rules = rule_ids(&ruling);
    for rule in [
        "Q1.valid",
        "Q3.refused",
        "Q4.over_per_tx_cap",
        "Q5.goods_receipt",
    ] {
        assert!(rules.iter().any(|r| r == rule), "{rule} not in {rules:?}");
    }
    let items = ruling["items"].as_array().expect("items");
    let order_item = items.iter().find(|i| i["what"] == "order").expect("order");
    assert_eq!(
        order_item["earliest"]["rule_id"], "T.freshness",
        "{order_item}"
    );
    assert_eq!(order_item["earliest"]["at"], nonce["payload"]["issued_at"]);
    assert_eq!(
        order_item["latest"]["rule_id"], "T.timestamp",
        "the stamp bounds the order: {order_item}"
    );
    assert_eq!(
        ruling["allocation"]["buyer_pays"]["minor"], 50_000,
        "{ruling}"
    );
}

/// `notar order sign --fresh NONCE` by bob for 800.00 EUR with `seller`; the order's path.
fn sign_order_for(
    dir: &std::path::Path,
    key: &std::path::Path,
    seller: &str,
    nonce: &std::path::Path,
) -> std::path::PathBuf {
    let doc = dir.join("sofa.txt");
    std::fs::write(&doc, b"1 sofa, green").expect("doc");
    let out = ok(&[
        "order",
        "sign",
        "--key",
        p(key),
        "--seller",
        seller,
        "--amount",
        "800.00",
        "--currency",
        "EUR",
        "--document",
        p(&doc),
        "--fresh",
        p(nonce),
    ]);
    let path = dir.join("sofa-order.json");
    std::fs::write(&path, out).expect("order");
    path
}
