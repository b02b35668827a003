//! The buyer's and the seller's dispute evidence made with the real binary: `notar order
//! receipt` (the buyer's receipt of the goods), checked by `notar verify` as a party-signed
//! object.

mod util;

use util::{ed25519_key, json, notar, p, text};

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
        "p-sally",
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
    assert_eq!(payload["seller_id"], "p-sally");
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
