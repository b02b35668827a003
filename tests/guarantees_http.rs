//! The guarantee API over HTTP against the real `notar serve` (docs/design.md §6.3; SCENARIOS.md
//! C1–C7; §10 invariants 1, 2, 5, 6). Setup goes through the admin socket as the arbitrator who
//! ran `notar init`; sellers talk to the API with `curl` (and a raw HTTP client for C7). Every
//! answer is checked whole: status, body shape, signature, and what the ledger and the log hold.

mod util;

use std::collections::BTreeSet;
use std::sync::{Arc, Barrier};

use chrono::DateTime;
use ed25519_dalek::{SigningKey, VerifyingKey};
use notar::crypto::envelope::Envelope;
use notar::model::canonical::to_canonical_json;
use notar::model::money::{Currency, Money};
use notar::notary::fixture::signed_order;
use serde_json::{json, Value};
use util::ledger::*;
use util::*;

/// A server with one deal: semper-consumer, total_cap 1000.00, per_tx_cap 500.00 EUR.
struct World {
    srv: Server,
    admin: Admin,
    deal: Deal,
    notary: VerifyingKey,
    _data: DataDir,
}

const TOTAL_CAP: i64 = 100_000;
const PER_TX_CAP: i64 = 50_000;

fn world() -> World {
    let data = DataDir::init();
    let srv = Server::start(&data);
    let mut admin = Admin::connect(&data);
    let deal = make_deal(&mut admin, TOTAL_CAP, PER_TX_CAP);
    let notary = notary_key(&srv.url);
    World {
        srv,
        admin,
        deal,
        notary,
        _data: data,
    }
}

impl World {
    /// POSTs a guarantee request (as JSON) with the deal's seller token.
    fn post(&self, body: &Value) -> (u16, Vec<u8>) {
        self.post_raw(&serde_json::to_vec(body).expect("json"))
    }

    fn post_raw(&self, body: &[u8]) -> (u16, Vec<u8>) {
        post(
            &self.srv.url,
            "/v1/guarantees",
            Some(&self.deal.token),
            body,
        )
    }

    /// Asks for a guarantee of `minor` cents for a fresh order over `doc`.
    fn ask(&self, rid: &str, minor: i64, doc: &str) -> (u16, Vec<u8>) {
        self.post(&request(&self.deal, rid, minor, doc))
    }

    /// Asks and expects a grant; returns the verified guarantee.
    fn grant(&mut self, rid: &str, minor: i64, doc: &str) -> Envelope {
        let (status, body) = self.ask(rid, minor, doc);
        self.granted(status, &body, rid, minor, doc)
    }

    /// `POST /v1/guarantees/{id of g}{what}` (`/settle`, `/release`) with the deal's seller token.
    fn close(&self, g: &Envelope, what: &str, body: &[u8]) -> (u16, Vec<u8>) {
        let path = format!("/v1/guarantees/{}{what}", gid(g));
        post(&self.srv.url, &path, Some(&self.deal.token), body)
    }

    /// `GET /v1/guarantees/{id of g}` with the deal's seller token.
    fn show(&self, g: &Envelope) -> (u16, Vec<u8>) {
        let path = format!("/v1/guarantees/{}", gid(g));
        get(&self.srv.url, &path, Some(&self.deal.token))
    }

    /// `GET /v1/agreements/{the deal's}/check?QUERY` with the deal's seller token.
    fn check(&self, query: &str) -> (u16, Vec<u8>) {
        let path = format!("/v1/agreements/{}/check?{query}", self.deal.agreement_id);
        get(&self.srv.url, &path, Some(&self.deal.token))
    }

    /// Asks and expects a signed refusal for `reason`; returns the verified refusal.
    fn refuse(&self, rid: &str, minor: i64, doc: &str, reason: &str) -> Envelope {
        let (status, body) = self.ask(rid, minor, doc);
        self.refused(status, &body, rid, eur(minor), doc, reason)
    }

    fn exposure(&mut self) -> i64 {
        self.admin.exposure(&self.deal.agreement_id)
    }

    fn log_size(&self) -> u64 {
        log_size(&self.srv.url)
    }

    /// A 201 `{"decision":"granted","guarantee":env}` for this very request, whose envelope is
    /// signed by the notary, carries every field of docs/design.md §6.3 with the right values, and
    /// sits in the log at its `log_index`.
    fn granted(&self, status: u16, body: &[u8], rid: &str, minor: i64, doc: &str) -> Envelope {
        let text = String::from_utf8_lossy(body);
        assert_eq!(status, 201, "{text}");
        let v = json(body);
        assert_eq!(
            to_canonical_json(&v).expect("canonical"),
            body,
            "the answer is canonical JSON"
        );
        assert_eq!(keys(&v), ["decision", "guarantee"], "{text}");
        assert_eq!(v["decision"], "granted");
        let g = verified(&v["guarantee"], &self.notary);
        assert_eq!(g.kind, "guarantee");
        let p = &g.payload;
        assert_eq!(
            keys(p),
            [
                "agreement_id",
                "amount",
                "buyer",
                "expires_at",
                "guarantee_id",
                "issued_at",
                "key_id",
                "key_status",
                "log_index",
                "order_digest",
                "policy_digest",
                "policy_id",
                "policy_version",
                "request_id",
                "seller_id",
            ],
            "{p}"
        );
        let d = &self.deal;
        assert_eq!(p["request_id"], rid);
        assert_eq!(p["agreement_id"], d.agreement_id.as_str());
        assert_eq!(p["buyer"], d.buyer_id.as_str());
        assert_eq!(p["seller_id"], d.seller_id.as_str());
        assert_eq!(p["amount"], json!({"minor": minor, "currency": "EUR"}));
        assert_eq!(p["order_digest"], digest(doc));
        assert_eq!(p["key_id"], d.key_id.as_str());
        assert_eq!(p["key_status"], "not_revoked");
        assert_eq!(p["policy_id"], "semper-consumer");
        assert_eq!(p["policy_version"], d.agreement["policy_version"]);
        assert_eq!(p["policy_digest"], d.agreement["policy_digest"]);
        let gid = p["guarantee_id"].as_str().expect("guarantee_id");
        assert!(uuid::Uuid::parse_str(gid).is_ok(), "{gid}");
        // semper-consumer: guarantee_validity 30d.
        let issued = time(&p["issued_at"]);
        let expires = time(&p["expires_at"]);
        assert_eq!((expires - issued).num_days(), 30, "{p}");
        assert_eq!(
            p["issued_at"].as_str().map(str::len),
            Some(24),
            "RFC 3339 ms: {p}"
        );
        assert_in_log(&self.srv.url, &g, "guarantee");
        g
    }

    /// A 200 `{"decision":"refused","reason":code,"refusal":env}`: signed, logged, and without
    /// any figure of the buyer's headroom.
    fn refused(
        &self,
        status: u16,
        body: &[u8],
        rid: &str,
        amount: Money,
        doc: &str,
        reason: &str,
    ) -> Envelope {
        let text = String::from_utf8_lossy(body);
        assert_eq!(status, 200, "{text}");
        let v = json(body);
        assert_eq!(to_canonical_json(&v).expect("canonical"), body);
        assert_eq!(keys(&v), ["decision", "reason", "refusal"], "{text}");
        assert_eq!(v["decision"], "refused");
        assert_eq!(v["reason"], reason, "{text}");
        let r = verified(&v["refusal"], &self.notary);
        assert_eq!(r.kind, "refusal");
        let p = &r.payload;
        assert_eq!(
            keys(p),
            [
                "agreement_id",
                "amount",
                "issued_at",
                "log_index",
                "order_digest",
                "reason",
                "refusal_id",
                "request_id",
                "seller_id",
            ],
            "{p}"
        );
        assert_eq!(p["reason"], reason);
        assert_eq!(p["request_id"], rid);
        assert_eq!(p["agreement_id"], self.deal.agreement_id.as_str());
        assert_eq!(p["seller_id"], self.deal.seller_id.as_str());
        assert_eq!(p["amount"], serde_json::to_value(amount).expect("amount"));
        assert_eq!(p["order_digest"], digest(doc));
        let lower = text.to_lowercase();
        for secret in [
            "headroom",
            "exposure",
            "remaining",
            "cap_minor",
            "available",
        ] {
            assert!(
                !lower.contains(secret),
                "a refusal discloses {secret}: {text}"
            );
        }
        assert_in_log(&self.srv.url, &r, "refusal");
        r
    }

    /// Runs `f` and checks that neither the log nor the agreement's exposure changed.
    fn unchanged(&mut self, what: &str, f: impl FnOnce(&mut World)) {
        let (size, exposure) = (self.log_size(), self.exposure());
        f(self);
        assert_eq!(self.log_size(), size, "{what} added to the log");
        assert_eq!(self.exposure(), exposure, "{what} changed the exposure");
    }

    /// Runs `f`, which must make exactly one signed refusal: one log entry, no exposure.
    fn one_refusal(&mut self, what: &str, f: impl FnOnce(&mut World)) {
        let (size, exposure) = (self.log_size(), self.exposure());
        f(self);
        assert_eq!(self.log_size(), size + 1, "{what}: one refusal logged");
        assert_eq!(self.exposure(), exposure, "{what} changed the exposure");
    }
}

fn time(v: &Value) -> DateTime<chrono::FixedOffset> {
    DateTime::parse_from_rfc3339(v.as_str().expect("time string")).expect("RFC 3339")
}

/// Invariant 2: the envelope a reply carried is the body of the log entry at its `log_index`.
fn assert_in_log(url: &str, env: &Envelope, kind: &str) {
    let index = env.payload["log_index"].as_u64().expect("log_index");
    let entry = log_entry(url, index);
    assert_eq!(entry["kind"], kind, "{entry}");
    assert_eq!(
        entry["body"],
        serde_json::to_value(env).expect("envelope"),
        "log entry {index} holds another object"
    );
}

fn gid(g: &Envelope) -> String {
    g.payload["guarantee_id"]
        .as_str()
        .expect("guarantee_id")
        .to_string()
}

#[test]
fn c1_a_guarantee_within_both_caps_is_signed_logged_and_reserves_its_amount() {
    let mut w = world();
    let before = w.log_size();
    let (status, body) = w.ask("c1", 12_000, "order c1: 3 books");
    let g = w.granted(status, &body, "c1", 12_000, "order c1: 3 books");
    // One leaf, and it is the guarantee's.
    assert_eq!(w.log_size(), before + 1);
    assert_eq!(g.payload["log_index"], before);
    assert_eq!(w.exposure(), 12_000);
    let a = w.admin.agreement(&w.deal.agreement_id);
    assert_eq!(a["outstanding"], 1, "{a}");
    // The seller reads it back: outstanding, the very envelope, nothing closed.
    let (status, body) = w.show(&g);
    assert_eq!(status, 200);
    assert_eq!(
        json(&body),
        json!({
            "guarantee_id": gid(&g),
            "state": "outstanding",
            "guarantee": g,
            "closing": null,
        })
    );
    // The check endpoint sees the reservation: 880.00 left, at most 500.00 at once.
    let reason = |w: &World, amount: &str| {
        let (s, b) = w.check(&format!("minor={amount}"));
        assert_eq!(s, 200, "{}", String::from_utf8_lossy(&b));
        json(&b)["reason"].clone()
    };
    assert_eq!(reason(&w, "50000"), Value::Null);
    w.grant("c1-b", 50_000, "order c1 b");
    assert_eq!(reason(&w, "38000"), Value::Null);
    assert_eq!(reason(&w, "38001"), "total_cap_exceeded");
    assert_eq!(w.exposure(), 62_000);
}

#[test]
fn c2_an_amount_above_the_per_transaction_cap_is_refused_with_a_signed_refusal() {
    let mut w = world();
    w.one_refusal("C2", |w| {
        w.refuse(
            "c2",
            PER_TX_CAP + 1,
            "order c2",
            "per_transaction_cap_exceeded",
        );
    });
    assert_eq!(w.exposure(), 0);
    // The cap itself is allowed.
    w.grant("c2-at-cap", PER_TX_CAP, "order c2 at cap");
    assert_eq!(w.exposure(), PER_TX_CAP);
}

#[test]
fn c3_an_amount_above_the_remaining_headroom_is_refused_total_cap_exceeded() {
    let mut w = world();
    w.grant("c3-a", 50_000, "order c3 a");
    w.grant("c3-b", 40_000, "order c3 b");
    assert_eq!(w.exposure(), 90_000);
    w.one_refusal("C3", |w| {
        w.refuse("c3-c", 10_001, "order c3 c", "total_cap_exceeded");
    });
    assert_eq!(w.exposure(), 90_000);
    // Exactly the headroom fits; then nothing does.
    w.grant("c3-d", 10_000, "order c3 d");
    assert_eq!(w.exposure(), TOTAL_CAP);
    w.refuse("c3-e", 1, "order c3 e", "total_cap_exceeded");
    assert_eq!(w.exposure(), TOTAL_CAP);
}

#[test]
fn c4_an_order_signed_with_a_revoked_key_is_refused_key_revoked() {
    let mut w = world();
    w.grant("c4-before", 10_000, "order before revocation");
    let k = w.admin.ok(
        "key_revoke",
        json!({"key_id": w.deal.key_id, "reason": "laptop stolen"}),
    );
    assert_eq!(k["kind"], "key");
    assert_eq!(k["key_id"], w.deal.key_id.as_str());
    assert_eq!(k["status"], "revoked", "{k}");
    assert_eq!(k["revocation_reason"], "laptop stolen", "{k}");
    w.one_refusal("C4", |w| {
        w.refuse("c4-after", 10_000, "order after revocation", "key_revoked");
    });
    assert_eq!(w.exposure(), 10_000);
    // The check endpoint knows too: no key of the agreement is in good standing.
    let (s, b) = w.check("amount=1.00");
    assert_eq!(s, 200);
    assert_eq!(json(&b)["reason"], "key_revoked");
}

#[test]
fn c5_the_same_request_id_gets_the_same_bytes_and_other_content_is_409() {
    let mut w = world();
    let first = w.ask("c5", 20_000, "order c5");
    w.granted(first.0, &first.1, "c5", 20_000, "order c5");
    let size = w.log_size();
    // A retry re-signs the order (ed25519 is deterministic: the same bytes); the answer is the
    // stored one, byte for byte, and nothing is reserved or logged again.
    for _ in 0..3 {
        assert_eq!(w.ask("c5", 20_000, "order c5"), first);
    }
    assert_eq!(w.log_size(), size);
    assert_eq!(w.exposure(), 20_000);
    // So is a refusal.
    let refusal = w.ask("c5-big", 60_000, "order c5 big");
    w.refused(
        refusal.0,
        &refusal.1,
        "c5-big",
        eur(60_000),
        "order c5 big",
        "per_transaction_cap_exceeded",
    );
    assert_eq!(w.ask("c5-big", 60_000, "order c5 big"), refusal);
    // The same request id with another amount (and its own valid order): a conflict.
    w.unchanged("a reused request id", |w| {
        assert_error(&w.ask("c5", 20_001, "order c5"), 409, "request_id_reused");
        assert_error(
            &w.ask("c5", 20_000, "another order"),
            409,
            "request_id_reused",
        );
        assert_error(
            &w.ask("c5-big", 50_000, "order c5 big"),
            409,
            "request_id_reused",
        );
    });
    assert_eq!(w.exposure(), 20_000);
}

#[test]
fn c6_release_restores_headroom_and_closes_the_guarantee_for_good() {
    let mut w = world();
    let a = w.grant("c6-a", 50_000, "order c6 a");
    let b = w.grant("c6-b", 50_000, "order c6 b");
    assert_eq!(w.exposure(), TOTAL_CAP);
    w.refuse("c6-c", 50_000, "order c6 c", "total_cap_exceeded");

    let size = w.log_size();
    let released = w.close(&a, "/release", br#"{"reason":"cancelled"}"#);
    let v = the_release_is_signed_and_logged(&w, &a, &released, size);

    // Headroom is back: the amount that was refused is now granted.
    assert_eq!(w.exposure(), 50_000);
    let d = w.grant("c6-d", 50_000, "order c6 d");
    assert_eq!(w.exposure(), TOTAL_CAP);

    // Closed for good: a second release answers the same, a settle is a conflict.
    w.unchanged("closing a closed guarantee", |w| {
        assert_eq!(w.close(&a, "/release", b""), released);
        assert_error(&w.close(&a, "/settle", b""), 409, "already_released");
    });
    let (s, body) = w.show(&a);
    assert_eq!(s, 200);
    assert_eq!(
        json(&body),
        v,
        "GET shows the released guarantee and its release"
    );

    // Settling the other one: a signed settlement; releasing it then is a conflict.
    let settled = w.close(&b, "/settle", b"");
    assert_eq!(settled.0, 200, "{}", String::from_utf8_lossy(&settled.1));
    let sv = json(&settled.1);
    assert_eq!(sv["state"], "settled");
    let s_env = verified(&sv["closing"], &w.notary);
    assert_eq!(s_env.kind, "settlement");
    assert_eq!(s_env.payload["outcome"], "settled");
    assert_eq!(s_env.payload["reason"], Value::Null);
    assert_in_log(&w.srv.url, &s_env, "settlement");
    assert_eq!(w.exposure(), 50_000);
    w.unchanged("releasing a settled guarantee", |w| {
        assert_error(&w.close(&b, "/release", b""), 409, "already_settled");
        // Only the documented reasons; `expired` is the notary's alone.
        for reason in [r#"{"reason":"expired"}"#, r#"{"reason":"because"}"#] {
            let got = w.close(&d, "/release", reason.as_bytes());
            assert_error(&got, 400, "bad_reason");
            // It offers a seller only what a seller may give (`ruled` is a ruling's).
            let said = String::from_utf8_lossy(&got.1);
            assert!(
                said.contains("cancelled") && !said.contains("ruled"),
                "{said}"
            );
        }
    });
}

/// The answer to releasing `a` (log size `size` before): 200, the guarantee and its release,
/// signed, logged as the next entry. The answer's JSON.
fn the_release_is_signed_and_logged(
    w: &World,
    a: &Envelope,
    released: &(u16, Vec<u8>),
    size: u64,
) -> Value {
    assert_eq!(released.0, 200, "{}", String::from_utf8_lossy(&released.1));
    let v = json(&released.1);
    assert_eq!(keys(&v), ["closing", "guarantee", "guarantee_id", "state"]);
    assert_eq!(v["guarantee_id"], gid(a).as_str());
    assert_eq!(v["state"], "released");
    assert_eq!(v["guarantee"], serde_json::to_value(a).expect("a"));
    let closing = verified(&v["closing"], &w.notary);
    assert_eq!(closing.kind, "release");
    let p = &closing.payload;
    assert_eq!(
        keys(p),
        [
            "agreement_id",
            "amount",
            "closed_at",
            "guarantee_id",
            "log_index",
            "outcome",
            "reason",
            "seller_id"
        ]
    );
    assert_eq!(p["guarantee_id"], gid(a).as_str());
    assert_eq!(p["agreement_id"], w.deal.agreement_id.as_str());
    assert_eq!(p["seller_id"], w.deal.seller_id.as_str());
    assert_eq!(p["amount"], json!({"minor": 50_000, "currency": "EUR"}));
    assert_eq!(p["outcome"], "released");
    assert_eq!(p["reason"], "cancelled");
    assert_eq!(p["log_index"], size);
    assert_in_log(&w.srv.url, &closing, "release");
    assert_eq!(w.log_size(), size + 1);
    v
}

#[test]
fn c7_64_concurrent_requests_of_100_against_1000_grant_exactly_ten() {
    let mut w = world();
    let n = 64;
    let bodies: Vec<Vec<u8>> = (0..n)
        .map(|i| {
            serde_json::to_vec(&request(
                &w.deal,
                &format!("c7-{i}"),
                10_000,
                &format!("order c7 {i}"),
            ))
            .expect("json")
        })
        .collect();
    let start = Arc::new(Barrier::new(n));
    let threads: Vec<_> = bodies
        .into_iter()
        .map(|body| {
            let (url, token, start) = (w.srv.url.clone(), w.deal.token.clone(), start.clone());
            std::thread::spawn(move || {
                start.wait();
                http(&url, "POST", "/v1/guarantees", Some(&token), &body).expect("an answer")
            })
        })
        .collect();
    let answers: Vec<(u16, Vec<u8>)> = threads
        .into_iter()
        .map(|t| t.join().expect("client thread"))
        .collect();

    let mut granted = Vec::new();
    let mut refused = 0;
    let mut indexes = BTreeSet::new();
    for (i, (status, body)) in answers.iter().enumerate() {
        let (rid, doc) = (format!("c7-{i}"), format!("order c7 {i}"));
        let env = if *status == 201 {
            let g = w.granted(*status, body, &rid, 10_000, &doc);
            granted.push(g.clone());
            g
        } else {
            refused += 1;
            w.refused(*status, body, &rid, eur(10_000), &doc, "total_cap_exceeded")
        };
        assert!(
            indexes.insert(env.payload["log_index"].as_u64().expect("index")),
            "two answers share a log index"
        );
    }
    assert_eq!((granted.len(), refused), (10, 54));
    let sum: i64 = granted
        .iter()
        .map(|g| g.payload["amount"]["minor"].as_i64().expect("minor"))
        .sum();
    let a = w.admin.agreement(&w.deal.agreement_id);
    assert_eq!(a["exposure_minor"], 100_000, "{a}");
    assert_eq!(a["exposure_minor"], sum);
    assert_eq!(a["outstanding"], 10, "{a}");
    let ids: BTreeSet<String> = granted.iter().map(gid).collect();
    assert_eq!(ids.len(), 10);
}

#[test]
fn sellers_need_a_valid_token_and_see_only_their_own_guarantees() {
    let mut w = world();
    let g = w.grant("auth-1", 10_000, "order auth");
    let (_, other_token) = w.admin.seller("mallory");
    let url = w.srv.url.clone();
    let body =
        serde_json::to_vec(&request(&w.deal, "auth-2", 10_000, "order auth 2")).expect("json");
    let one = format!("/v1/guarantees/{}", gid(&g));
    let check = format!("/v1/agreements/{}/check?amount=1.00", w.deal.agreement_id);
    w.unchanged("unauthorised calls", |w| {
        // No token, an unknown token, another scheme: 401 on every route.
        for token in [None, Some("not-a-token"), Some("")] {
            assert_error(
                &post(&url, "/v1/guarantees", token, &body),
                401,
                "unauthorized",
            );
            assert_error(&get(&url, &one, token), 401, "unauthorized");
            assert_error(
                &post(&url, &format!("{one}/settle"), token, b""),
                401,
                "unauthorized",
            );
            assert_error(
                &post(&url, &format!("{one}/release"), token, b""),
                401,
                "unauthorized",
            );
            assert_error(&get(&url, &check, token), 401, "unauthorized");
        }
        let basic = curl(&[
            "-H",
            &format!("Authorization: Basic {}", w.deal.token),
            &format!("{url}{one}"),
        ]);
        assert_error(&basic, 401, "unauthorized");
        // Two Authorization headers, either order: 400, not whichever came first (s10 S10-5).
        for (a, b) in [(&w.deal.token, &other_token), (&other_token, &w.deal.token)] {
            let two = curl(&[
                "-H",
                &format!("Authorization: Bearer {a}"),
                "-H",
                &format!("Authorization: Bearer {b}"),
                &format!("{url}{one}"),
            ]);
            assert_error(&two, 400, "bad_request");
        }
        // Seller B asks in seller A's name: 403.
        assert_error(
            &post(&url, "/v1/guarantees", Some(&other_token), &body),
            403,
            "forbidden",
        );
        // Seller B may not read or close seller A's guarantee, whatever reason B gives; nor an
        // unknown one (s10 S10-5: the reason was checked first, 400 bad_reason).
        let ruled = br#"{"reason":"ruled"}"#;
        let release = format!("{one}/release");
        assert_error(
            &post(&url, &release, Some(&other_token), ruled),
            403,
            "forbidden",
        );
        let unknown = format!("/v1/guarantees/{}/release", "0".repeat(64));
        assert_error(
            &post(&url, &unknown, Some(&other_token), ruled),
            404,
            "unknown_guarantee",
        );
        assert_error(&get(&url, &one, Some(&other_token)), 403, "forbidden");
        for what in ["/settle", "/release"] {
            assert_error(
                &post(&url, &format!("{one}{what}"), Some(&other_token), b""),
                403,
                "forbidden",
            );
        }
    });
    let (s, b) = get(&url, &one, Some(&w.deal.token));
    assert_eq!(s, 200);
    assert_eq!(json(&b)["state"], "outstanding");
    assert_eq!(w.exposure(), 10_000);
}

#[test]
fn bad_input_gets_its_documented_error_and_changes_nothing() {
    let mut w = world();
    w.grant("seed", 10_000, "seed order");
    let good = request(&w.deal, "bad-1", 1_000, "order bad");
    let cases = requests_with_bad_orders(&w.deal, &good);
    each_changes_nothing(&mut w, cases);
    each_changes_nothing(&mut w, requests_with_bad_amounts(&good));
    each_changes_nothing(&mut w, requests_of_a_bad_shape(&good));
    // Unknown guarantees and routes.
    w.unchanged("unknown guarantee", |w| {
        let t = Some(w.deal.token.as_str());
        assert_error(
            &get(&w.srv.url, "/v1/guarantees/nope", t),
            404,
            "unknown_guarantee",
        );
        assert_error(
            &post(&w.srv.url, "/v1/guarantees/nope/settle", t, b""),
            404,
            "unknown_guarantee",
        );
        assert_error(
            &post(&w.srv.url, "/v1/guarantees/nope/release", t, b""),
            404,
            "unknown_guarantee",
        );
        assert_error(
            &post(
                &w.srv.url,
                "/v1/guarantees/nope/release",
                t,
                b"{\"reason\":7}",
            ),
            400,
            "bad_request",
        );
    });
    // After all that, a good request still goes through.
    let (s, b) = w.post(&good);
    w.granted(s, &b, "bad-1", 1_000, "order bad");
    assert_eq!(w.exposure(), 11_000);
}

/// A request body that breaks one rule, what it breaks, and the status and code it must get.
type BadRequest = (&'static str, Vec<u8>, u16, &'static str);

/// The `good` request with the value at `path` (inserted when missing) set to `value`.
fn with(good: &Value, path: &[&str], value: Value) -> Vec<u8> {
    let mut v = good.clone();
    let at = path.iter().fold(&mut v, |at, p| &mut at[*p]);
    *at = value;
    json_bytes(&v)
}

/// An unknown agreement, and orders that are no buyer's order: another kind, a digest that is
/// not lower-case hex, no signatures.
fn requests_with_bad_orders(deal: &Deal, good: &Value) -> Vec<BadRequest> {
    // The request with a buyer-signed object of `kind` over `digest` as its order, with
    // `extra` fields (an exchange's tid, a nonce's item id).
    let signed = |kind: &str, digest: &str, extra: &[(&str, Value)]| {
        let mut payload =
            json!({"seller_id": deal.seller_id, "amount": eur(1_000), "order_digest": digest});
        for (field, value) in extra {
            payload[*field] = value.clone();
        }
        let env = Envelope::sign(kind, payload, &deal.buyer_key).expect("sign");
        with(good, &["order"], serde_json::to_value(env).expect("json"))
    };
    let forged = |kind: &str, digest: &str| signed(kind, digest, &[]);
    let with_field = |field: &str, value: Value| signed("order", &digest("o"), &[(field, value)]);
    vec![
        (
            "unknown agreement",
            with(good, &["agreement_id"], json!("no-such-agreement")),
            404,
            "unknown_agreement",
        ),
        (
            "order of the wrong kind",
            forged("invoice", &digest("order bad")),
            400,
            "malformed_order",
        ),
        (
            "order digest not 64 hex",
            forged("order", "abc123"),
            400,
            "malformed_order",
        ),
        (
            "order digest in upper case",
            forged("order", &digest("x").to_uppercase()),
            400,
            "malformed_order",
        ),
        (
            "order without signatures",
            with(good, &["order", "signatures"], json!([])),
            400,
            "malformed_order",
        ),
        (
            "order whose fresh is no item id",
            with_field("fresh", json!("not-a-digest")),
            400,
            "malformed_order",
        ),
        (
            "order whose tid is a number",
            with_field("tid", json!(12)),
            400,
            "malformed_order",
        ),
    ]
}

/// Amounts that are no positive whole number of minor units up to 10^15, in the request or in
/// the order.
fn requests_with_bad_amounts(good: &Value) -> Vec<BadRequest> {
    let minor = |value: Value| with(good, &["amount", "minor"], value);
    // Numbers serde_json cannot hold, written into the text.
    let minor_text = |text: &str| {
        replace(
            good,
            "\"currency\":\"EUR\",\"minor\":1000},\"order\"",
            &format!("\"currency\":\"EUR\",\"minor\":{text}}},\"order\""),
        )
    };
    vec![
        ("amount negative", minor(json!(-1_000)), 400, "bad_amount"),
        ("amount zero", minor(json!(0)), 400, "bad_amount"),
        ("amount 1e30", minor_text("1e30"), 400, "bad_amount"),
        (
            "amount 99999999999999999999",
            minor_text("99999999999999999999"),
            400,
            "bad_amount",
        ),
        ("amount a string", minor(json!("1000")), 400, "bad_amount"),
        ("amount a fraction", minor(json!(10.5)), 400, "bad_amount"),
        (
            "amount above 10^15",
            minor(json!(1_000_000_000_000_001i64)),
            400,
            "bad_amount",
        ),
        (
            "order amount zero",
            with(good, &["order", "payload", "amount", "minor"], json!(0)),
            400,
            "bad_amount",
        ),
        (
            "currency in lower case",
            with(good, &["amount", "currency"], json!("eur")),
            400,
            "bad_amount",
        ),
        (
            "currency ISO 4217 does not list",
            with(good, &["amount", "currency"], json!("ZZZ")),
            400,
            "bad_amount",
        ),
        (
            "order currency without a minor unit",
            with(
                good,
                &["order", "payload", "amount", "currency"],
                json!("XAU"),
            ),
            400,
            "bad_amount",
        ),
    ]
}

/// A lower-case currency, no amount, bad request ids, bodies that are no JSON object or too big.
fn requests_of_a_bad_shape(good: &Value) -> Vec<BadRequest> {
    let request_id = |value: &str| with(good, &["request_id"], json!(value));
    let mut no_amount = good.clone();
    no_amount.as_object_mut().expect("obj").remove("amount");
    vec![
        ("no amount", json_bytes(&no_amount), 400, "bad_request"),
        (
            "request_id with spaces",
            request_id("my request 1"),
            400,
            "bad_request_id",
        ),
        (
            "request_id of 200 chars",
            request_id(&"r".repeat(200)),
            400,
            "bad_request_id",
        ),
        ("request_id empty", request_id(""), 400, "bad_request_id"),
        (
            "not JSON",
            b"request_id=1&amount=100".to_vec(),
            400,
            "bad_request",
        ),
        (
            "JSON but not an object",
            b"[1,2,3]".to_vec(),
            400,
            "bad_request",
        ),
        ("empty body", Vec::new(), 400, "bad_request"),
        ("body above 64 KiB", big_body(good), 413, "body_too_large"),
    ]
}

/// Posts each (what, body) and expects its status and error code, with no state change.
fn each_changes_nothing(w: &mut World, cases: Vec<BadRequest>) {
    for (what, body, status, code) in cases {
        w.unchanged(what, |w| {
            let got = w.post_raw(&body);
            let text = String::from_utf8_lossy(&got.1).to_string();
            assert_eq!(
                (
                    got.0,
                    json(&got.1)["error"]["code"].as_str().unwrap_or_default()
                ),
                (status, code),
                "{what}: {text}"
            );
            assert_error(&got, status, code);
        });
    }
}

/// The error code of a request whose JSON does not fit the request's shape comes from the serde
/// message's text (src/api/guarantees.rs `create`: "order", "signature" or "payload" anywhere in
/// it means `malformed_order`). serde's type errors do not name the field, so an `order` that is
/// not an envelope at all gets `bad_request`, and an unknown top-level field — whose message
/// lists the expected fields, `order` among them — gets `malformed_order`.
#[test]
fn an_order_that_is_not_an_envelope_is_malformed_order() {
    let mut w = world();
    let good = request(&w.deal, "shape-1", 1_000, "order shape");
    let with = |field: &str, value: Value| {
        let mut v = good.clone();
        v[field] = value;
        json_bytes(&v)
    };
    let cases = vec![
        (
            "order is a string",
            with("order", json!("I promise to pay")),
            400,
            "malformed_order",
        ),
        (
            "order is a number",
            with("order", json!(7)),
            400,
            "malformed_order",
        ),
        (
            "order is an empty object",
            with("order", json!({})),
            400,
            "malformed_order",
        ),
        (
            "order without a payload",
            with("order", json!({"kind": "order", "signatures": []})),
            400,
            "malformed_order",
        ),
        (
            "an unknown field",
            with("note", json!("hi")),
            400,
            "bad_request",
        ),
    ];
    each_changes_nothing(&mut w, cases);
}

fn json_bytes(v: &Value) -> Vec<u8> {
    serde_json::to_vec(v).expect("json")
}

/// The request's JSON with one exact piece of text replaced (for numbers serde_json cannot hold).
fn replace(v: &Value, from: &str, to: &str) -> Vec<u8> {
    let text = serde_json::to_string(v).expect("json");
    assert!(text.contains(from), "{from} not in {text}");
    text.replace(from, to).into_bytes()
}

/// A valid request padded with a 70 KB field.
fn big_body(good: &Value) -> Vec<u8> {
    let mut v = good.clone();
    v["padding"] = json!("x".repeat(70 * 1024));
    json_bytes(&v)
}

/// An order that does not cover its request: what is wrong, the request id, the request's amount,
/// the order, the document it is over, and the reason of the signed refusal.
type Uncovered = (
    &'static str,
    &'static str,
    Money,
    Envelope,
    &'static str,
    &'static str,
);

fn orders_that_do_not_cover(d: &Deal) -> Vec<Uncovered> {
    let usd = Money {
        minor: 1_000,
        currency: Currency::parse("USD").expect("USD"),
    };
    let stranger = SigningKey::generate(&mut rand::rngs::OsRng);
    let mut tampered = signed_order(&d.buyer_key, &d.seller_id, eur(1_000), b"order t");
    tampered.payload["amount"]["minor"] = json!(2_000);
    vec![
        (
            "USD on an EUR agreement",
            "r-usd",
            usd,
            signed_order(&d.buyer_key, &d.seller_id, usd, b"order usd"),
            "order usd",
            "currency_mismatch",
        ),
        (
            "order signed by an unregistered key",
            "r-stranger",
            eur(1_000),
            signed_order(&stranger, &d.seller_id, eur(1_000), b"order stranger"),
            "order stranger",
            "bad_order_signature",
        ),
        (
            "order naming another seller",
            "r-other-seller",
            eur(1_000),
            signed_order(&d.buyer_key, "someone-else", eur(1_000), b"order other"),
            "order other",
            "bad_order_signature",
        ),
        (
            "order amount differs from the request's",
            "r-amount",
            eur(1_000),
            signed_order(&d.buyer_key, &d.seller_id, eur(999), b"order amount"),
            "order amount",
            "bad_amount",
        ),
        (
            "order tampered with after signing",
            "r-tampered",
            eur(2_000),
            tampered,
            "order t",
            "bad_order_signature",
        ),
    ]
}

#[test]
fn orders_that_do_not_cover_the_request_get_signed_refusals() {
    let mut w = world();
    for (what, rid, amount, order, doc, reason) in orders_that_do_not_cover(&w.deal) {
        let body = request_with(&w.deal, rid, amount, &order);
        w.one_refusal(what, |w| {
            let (s, b) = w.post(&body);
            w.refused(s, &b, rid, amount, doc, reason);
        });
    }
    assert_eq!(w.exposure(), 0);

    // A suspended agreement refuses everything; resumed, it grants again.
    let aid = w.deal.agreement_id.clone();
    let a = w.admin.ok(
        "agreement_status",
        json!({"agreement_id": aid, "status": "suspended", "reason": "unpaid fees"}),
    );
    assert_eq!(a["status"], "suspended", "{a}");
    w.one_refusal("suspended agreement", |w| {
        w.refuse(
            "r-suspended",
            1_000,
            "order suspended",
            "agreement_inactive",
        );
    });
    w.admin.ok(
        "agreement_status",
        json!({"agreement_id": aid, "status": "active", "reason": "paid"}),
    );
    w.grant("r-resumed", 1_000, "order resumed");
    assert_eq!(w.exposure(), 1_000);
    // The same order again under a new request id: duplicate_transaction.
    w.one_refusal("duplicate order", |w| {
        w.refuse(
            "r-resumed-2",
            1_000,
            "order resumed",
            "duplicate_transaction",
        );
    });
}

#[test]
fn the_check_endpoint_answers_yes_or_no_and_reserves_nothing() {
    let mut w = world();
    w.grant("chk-a", 50_000, "order chk a");
    w.grant("chk-b", 40_000, "order chk b");
    w.unchanged("checks", |w| {
        let answer = |q: &str, minor: i64, currency: &str, reason: Value| {
            let (s, b) = w.check(q);
            assert_eq!(s, 200, "{q}: {}", String::from_utf8_lossy(&b));
            assert_eq!(
                json(&b),
                json!({
                    "agreement_id": w.deal.agreement_id,
                    "amount": {"minor": minor, "currency": currency},
                    "covered": reason.is_null(),
                    "reason": reason,
                }),
                "{q}"
            );
        };
        answer("minor=10000", 10_000, "EUR", Value::Null);
        answer("amount=100.00", 10_000, "EUR", Value::Null);
        answer("amount=100.00&currency=EUR", 10_000, "EUR", Value::Null);
        answer("minor=10001", 10_001, "EUR", json!("total_cap_exceeded"));
        answer(
            "amount=500.01",
            50_001,
            "EUR",
            json!("per_transaction_cap_exceeded"),
        );
        answer(
            "amount=100.00&currency=USD",
            10_000,
            "USD",
            json!("currency_mismatch"),
        );
        // Asking many times reserves nothing: the last 100.00 is still there.
        for _ in 0..5 {
            answer("minor=10000", 10_000, "EUR", Value::Null);
        }
        // A bare integer in EUR could mean 900.00 (as the CLI's --amount reads it) or 9.00
        // (minor units): refused, saying how to write either.
        let (s, b) = w.check("amount=900");
        assert_eq!(s, 400, "{}", String::from_utf8_lossy(&b));
        let why = String::from_utf8_lossy(&b);
        assert!(
            why.contains("bad_amount") && why.contains("900.00") && why.contains("minor="),
            "{why}"
        );
        for q in [
            "amount=0",
            "amount=-5",
            "amount=abc",
            "amount=1.234",
            "amount=1e3",
            "amount=99999999999999999999",
            "amount=",
            "minor=0",
            "minor=1.00",
            "minor=abc",
        ] {
            assert_error(&w.check(q), 400, "bad_amount");
        }
        assert_error(&w.check(""), 400, "bad_request");
        assert_error(&w.check("amount=1.00&minor=100"), 400, "bad_request");
        assert_error(&w.check("amount=100&currency=eur"), 400, "bad_request");
        let token = Some(w.deal.token.as_str());
        assert_error(
            &get(&w.srv.url, "/v1/agreements/nope/check?amount=1.00", token),
            404,
            "unknown_agreement",
        );
    });
    assert_eq!(w.exposure(), 90_000);
    w.grant("chk-c", 10_000, "order chk c");
}
