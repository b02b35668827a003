//! Fair exchange over HTTP against the real `notar serve` (docs/design.md §6.4; SCENARIOS.md
//! T1–T11; §10 invariants 2, 3, 5, 6). Parties are registered through the admin socket; their
//! objects are signed with the library, as `notar exchange` signs them. Every answer is checked
//! whole: the token's signature with the key from `/v1/notary`, its payload, the same envelope in
//! the log at its `log_index`, and the exchange as `GET /v1/exchanges/{tid}` shows it.

mod util;

use base64::Engine;
use ed25519_dalek::VerifyingKey;
use notar::crypto::item::decrypt_item;
use serde_json::{json, Value};
use util::exchange::*;
use util::ledger::*;
use util::*;

struct World {
    srv: Server,
    admin: Admin,
    notary: VerifyingKey,
    notary_key_id: String,
    o: Party,
    r: Party,
    _data: DataDir,
}

fn world() -> World {
    let data = DataDir::init();
    let srv = Server::start(&data);
    let mut admin = Admin::connect(&data);
    let notary = notary_key(&srv.url);
    let o = admin.party("olga", "buyer");
    let r = admin.party("rita", "seller");
    World {
        notary_key_id: notar::crypto::keys::key_id(&notary),
        srv,
        admin,
        notary,
        o,
        r,
        _data: data,
    }
}

impl World {
    fn post(&self, route: &str, body: &[u8]) -> (u16, Vec<u8>) {
        exchange_post(&self.srv.url, route, body)
    }

    fn decided(&self, a: &(u16, Vec<u8>), m1: &M1, expect: (&str, &str, &str)) -> Value {
        decided(&self.srv.url, &self.notary, a, &m1.tid, &m1.env, expect)
    }

    fn size(&self) -> u64 {
        log_size(&self.srv.url)
    }

    /// A refusal: status, code, and nothing logged.
    fn refused(&self, route: &str, body: &[u8], status: u16, code: &str) {
        let before = self.size();
        let (s, b) = self.post(route, body);
        assert_eq!(s, status, "{}", String::from_utf8_lossy(&b));
        assert_eq!(
            json(&b)["error"]["code"],
            code,
            "{}",
            String::from_utf8_lossy(&b)
        );
        assert_eq!(self.size(), before, "a refusal logs nothing");
    }
}

const ABORTED: (&str, &str, &str) = ("aborted", "aborted", "exchange_abort_token");
const RESOLVED: (&str, &str, &str) = ("resolved", "resolved", "replacement_contract");

/// T1: abort on an undecided contract exchange → abort token; state aborted.
#[test]
fn t1_abort_undecided() {
    let w = world();
    let m1 = contract_m1(&w.o, &w.r, &w.notary_key_id, None);
    let abort = abort_request(&w.o, &m1.tid);
    let before = w.size();
    let a = w.post("abort", &abort_body(&m1.env, &abort));
    let a = w.decided(&a, &m1, ABORTED);
    let p = &a["token"]["payload"];
    assert_eq!(p["cause"], "requested", "{p}");
    assert_eq!(p["abort"], json!(abort), "{p}");
    assert_eq!(p["originator"], w.o.id.as_str());
    assert_eq!(p["responder"], w.r.id.as_str());
    assert!(a.get("key").is_none());
    assert_eq!(w.size(), before + 1, "one token, one leaf");
}

/// T2: resolve on an undecided exchange → replacement contract; state resolved.
#[test]
fn t2_resolve_undecided() {
    let w = world();
    let m1 = contract_m1(&w.o, &w.r, &w.notary_key_id, None);
    let m2 = m2(&w.r, &m1.tid);
    let a = w.post("resolve", &resolve_body(&m1.env, &m2));
    let a = w.decided(&a, &m1, RESOLVED);
    let p = &a["token"]["payload"];
    assert_eq!(p["m2"], json!(m2), "{p}");
    assert_eq!(p["contract_digest"], m1.env.payload["contract_digest"]);
}

/// T3: resolve after abort → the stored abort token; state unchanged. T6 on the way: the same
/// abort twice → byte-identical replies.
#[test]
fn t3_t6_resolve_after_abort_and_repeated_abort() {
    let w = world();
    let m1 = contract_m1(&w.o, &w.r, &w.notary_key_id, None);
    let body = abort_body(&m1.env, &abort_request(&w.o, &m1.tid));
    let first = w.post("abort", &body);
    w.decided(&first, &m1, ABORTED);
    let size = w.size();
    assert_eq!(w.post("abort", &body), first, "T6: the same bytes again");
    let resolve = w.post("resolve", &resolve_body(&m1.env, &m2(&w.r, &m1.tid)));
    assert_eq!(resolve, first, "T3: the stored abort token");
    assert_eq!(w.size(), size, "nothing new signed");
}

/// T4: abort after resolve → the stored replacement contract. T5: a second resolve with another
/// m2 → the stored replacement (the first m2 wins).
#[test]
fn t4_t5_abort_after_resolve_and_second_m2() {
    let w = world();
    let m1 = contract_m1(&w.o, &w.r, &w.notary_key_id, None);
    let first_m2 = m2(&w.r, &m1.tid);
    let first = w.post("resolve", &resolve_body(&m1.env, &first_m2));
    w.decided(&first, &m1, RESOLVED);
    let size = w.size();
    let other = w.post("resolve", &resolve_body(&m1.env, &m2(&w.r, &m1.tid)));
    assert_eq!(other, first, "T5: the first m2 wins");
    let abort = w.post("abort", &abort_body(&m1.env, &abort_request(&w.o, &m1.tid)));
    assert_eq!(abort, first, "T4: the stored replacement contract");
    assert_eq!(json(&first.1)["token"]["payload"]["m2"], json!(first_m2));
    assert_eq!(w.size(), size);
}

/// T7: abort sent by the responder → `not_originator`, no state change.
#[test]
fn t7_abort_by_responder() {
    let w = world();
    let m1 = contract_m1(&w.o, &w.r, &w.notary_key_id, None);
    let body = abort_body(&m1.env, &abort_request(&w.r, &m1.tid));
    w.refused("abort", &body, 403, "not_originator");
    let (s, b) = get(&w.srv.url, &format!("/v1/exchanges/{}", m1.tid), None);
    assert_eq!(s, 404, "the exchange is still unknown");
    assert_eq!(json(&b)["error"]["code"], "unknown_exchange");
    // The exchange can still be resolved: the refusal changed nothing.
    let a = w.post("resolve", &resolve_body(&m1.env, &m2(&w.r, &m1.tid)));
    w.decided(&a, &m1, RESOLVED);
}

/// T8: m1 that names another notary → `wrong_notary`.
#[test]
fn t8_wrong_notary() {
    let w = world();
    let m1 = contract_m1(&w.o, &w.r, &sha256_hex(b"another notary"), None);
    w.refused(
        "abort",
        &abort_body(&m1.env, &abort_request(&w.o, &m1.tid)),
        400,
        "wrong_notary",
    );
    w.refused(
        "resolve",
        &resolve_body(&m1.env, &m2(&w.r, &m1.tid)),
        400,
        "wrong_notary",
    );
}

/// T9: m2 that does not bind H(m1) → `bad_m2`.
#[test]
fn t9_m2_for_another_exchange() {
    let w = world();
    let m1 = contract_m1(&w.o, &w.r, &w.notary_key_id, None);
    let other = contract_m1(&w.o, &w.r, &w.notary_key_id, None);
    w.refused(
        "resolve",
        &resolve_body(&m1.env, &m2(&w.r, &other.tid)),
        400,
        "bad_m2",
    );
}

/// T10: resolve after the deadline on an undecided exchange → aborted, cause `expired`.
#[test]
fn t10_resolve_after_deadline() {
    let w = world();
    let m1 = contract_m1(
        &w.o,
        &w.r,
        &w.notary_key_id,
        Some("2020-01-01T00:00:00.000Z"),
    );
    let a = w.post("resolve", &resolve_body(&m1.env, &m2(&w.r, &m1.tid)));
    let a = w.decided(&a, &m1, ("aborted", "expired", "exchange_abort_token"));
    assert_eq!(a["token"]["payload"]["cause"], "expired");
    let (_, view) = get(&w.srv.url, &format!("/v1/exchanges/{}", m1.tid), None);
    assert_eq!(json(&view)["deadline"], "2020-01-01T00:00:00.000Z");
}

/// T11: item-for-receipt resolve whose escrow does not decrypt → escrow-failure affidavit,
/// the sender at fault; no key released.
#[test]
fn t11_escrow_that_does_not_open() {
    let w = world();
    let ek = escrow_key(&w.srv.url);
    let x = item_exchange(&w.o, &w.r, &w.notary_key_id, &ek, b"the goods", true);
    let a = w.post("resolve", &x.resolve_body());
    let expect = ("resolved", "escrow_failed", "escrow_failure_affidavit");
    let a = w.decided(&a, &x.m1, expect);
    let p = &a["token"]["payload"];
    assert_eq!(p["fault"], "does_not_open", "{p}");
    assert_eq!(
        p["sender"],
        w.o.id.as_str(),
        "the sender is named: at fault"
    );
    assert_eq!(p["recipient"], w.r.id.as_str());
    assert_eq!(p["escrow_digest"], sha256_hex(&x.escrow));
    assert_eq!(p["receipt"], json!(x.receipt));
    assert!(a.get("key").is_none(), "no key released: {a}");
}

/// Item for receipt, the good case: the key goes to the recipient, the sender gets a delivery
/// affidavit; the key decrypts the ciphertext the recipient holds into the item.
#[test]
fn item_delivered() {
    let w = world();
    let ek = escrow_key(&w.srv.url);
    let x = item_exchange(
        &w.o,
        &w.r,
        &w.notary_key_id,
        &ek,
        b"a signed payment token",
        false,
    );
    let a = w.post("resolve", &x.resolve_body());
    let a = w.decided(&a, &x.m1, ("resolved", "delivered", "delivery_affidavit"));
    let k = base64::engine::general_purpose::STANDARD
        .decode(a["key"].as_str().expect("key released"))
        .expect("base64");
    assert_eq!(k, x.key);
    assert_eq!(decrypt_item(&k, &x.ciphertext).expect("decrypts"), x.item);
    let p = &a["token"]["payload"];
    assert_eq!(p["key_digest"], sha256_hex(&k));
    assert_eq!(p["item_digest"], sha256_hex(&x.item));
    assert_eq!(p["sender"], w.o.id.as_str());
    // The sender's abort now gets the affidavit: the first decision is final.
    let abort = w.post(
        "abort",
        &abort_body(&x.m1.env, &abort_request(&w.o, &x.m1.tid)),
    );
    assert_eq!(abort.1, w.post("resolve", &x.resolve_body()).1);
    assert_eq!(json(&abort.1), a);
}

/// Bad input: each gets its code and changes nothing (invariant 6).
#[test]
fn bad_input_changes_nothing() {
    let mut w = world();
    let m1 = contract_m1(&w.o, &w.r, &w.notary_key_id, None);
    let good_m2 = m2(&w.r, &m1.tid);
    w.refused("resolve", b"{not json", 400, "bad_request");
    w.refused(
        "resolve",
        b"{\"protocol\":\"contract\",\"m1\":{}}",
        400,
        "malformed_exchange",
    );
    let mut unsigned = good_m2.clone();
    unsigned.signatures.clear();
    w.refused(
        "resolve",
        &resolve_body(&m1.env, &unsigned),
        400,
        "malformed_exchange",
    );
    let mut forged = good_m2.clone();
    forged.payload["nb_digest"] = json!(sha256_hex(b"forged"));
    w.refused(
        "resolve",
        &resolve_body(&m1.env, &forged),
        400,
        "bad_signature",
    );
    let stranger = Party {
        id: w.r.id.clone(),
        key: ed25519_dalek::SigningKey::generate(&mut rand::rngs::OsRng),
    };
    w.refused(
        "resolve",
        &resolve_body(&m1.env, &m2(&stranger, &m1.tid)),
        400,
        "unknown_key",
    );
    let mut extra = json!({"protocol": "contract", "m1": m1.env, "m2": good_m2});
    extra["surprise"] = json!(1);
    w.refused(
        "resolve",
        &serde_json::to_vec(&extra).expect("json"),
        400,
        "malformed_exchange",
    );
    let big = vec![b' '; 70 * 1024];
    w.refused("resolve", &big, 413, "body_too_large");
    let (s, b) = get(
        &w.srv.url,
        &format!("/v1/exchanges/{}", "0".repeat(64)),
        None,
    );
    assert_eq!(
        (s, json(&b)["error"]["code"].clone()),
        (404, json!("unknown_exchange"))
    );
    let (s, _) = get(&w.srv.url, "/v1/exchanges/not-a-tid", None);
    assert_eq!(s, 404);
    // A revoked key: the responder's m2 no longer counts.
    let key_id = notar::crypto::keys::key_id(&w.r.key.verifying_key());
    w.admin
        .ok("key_revoke", json!({"key_id": key_id, "reason": "lost"}));
    w.refused(
        "resolve",
        &resolve_body(&m1.env, &good_m2),
        400,
        "key_revoked",
    );
}
