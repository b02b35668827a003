//! Evidence bundles against the real binary: parties with keys (admin socket), an exchange
//! resolved and a complaint about it with a timestamp and a document among its evidence (HTTP),
//! `notar case export` (admin socket) → `notar bundle verify` exit 0 with every item's facts;
//! a flipped bit in one item → exit 1 naming that item; a broken proof → exit 1; garbage → 2.

mod util;

use std::path::Path;

use base64::Engine;
use notar::crypto::tsa::{HashAlg, TimestampQuery};
use serde_json::{json, Value};
use util::cases::{export, post_signed, read, write};
use util::exchange::{contract_m1, exchange_post, m2, resolve_body, sha256_hex, Party};
use util::ledger::*;
use util::*;

struct Case {
    data: DataDir,
    _srv: Server,
    ann: Party,
    complaint_id: String,
    m1_id: String,
}

/// ann and bob sign a contract, the notary resolves it, then ann complains about it anyway with
/// m1, the replacement contract, a timestamp over m1 and a document as evidence.
fn case() -> Case {
    let data = DataDir::init();
    let srv = Server::start(&data);
    let mut admin = Admin::connect(&data);
    let (ann, bob) = (admin.party("ann", "buyer"), admin.party("bob", "seller"));
    let notary_kid = notar::crypto::keys::key_id(&notary_key(&srv.url));
    let m1 = contract_m1(&ann, &bob, &notary_kid, None);
    let resolved = exchange_post(
        &srv.url,
        "resolve",
        &resolve_body(&m1.env, &m2(&bob, &m1.tid)),
    );
    assert_eq!(resolved.0, 200, "{}", String::from_utf8_lossy(&resolved.1));
    let m1_bytes = m1.env.to_bytes().expect("bytes");
    let query = TimestampQuery::for_data(HashAlg::Sha256, &m1_bytes, true)
        .to_der()
        .expect("query");
    let (status, tsr) = post_tsq(&data, &srv.url, &query);
    assert_eq!(status, 200);
    let b64 = &base64::engine::general_purpose::STANDARD;
    let claim = json!({
        "kind": "non_delivery",
        "claimant": ann.id,
        "respondent": bob.id,
        "tid": m1.tid,
        "amount": {"minor": 12000, "currency": "EUR"},
        "statement": "bob never delivered.",
        "evidence": [
            {"type": "envelope", "envelope": m1.env},
            {"type": "envelope", "envelope": json(&resolved.1)["token"]},
            {"type": "rfc3161_token", "token": b64.encode(&tsr)},
            {"type": "document", "sha256": sha256_hex(b"%PDF invoice"), "name": "invoice.pdf",
             "media_type": "application/pdf", "content": b64.encode(b"%PDF invoice")},
        ],
        "notary_key_id": notary_kid,
        "created_at": "2026-03-01T09:00:00.000Z",
    });
    let filed = post_signed(&srv.url, "/v1/complaints", "complaint", claim, &ann.key);
    let id = filed["complaint_id"].as_str().expect("id").to_string();
    let answer = json!({
        "complaint_id": id,
        "complaint_digest": filed["receipt"]["payload"]["complaint_digest"],
        "respondent": bob.id,
        "statement": "Delivered on time; see the notary's contract.",
        "evidence": [{"type": "envelope", "envelope": json(&resolved.1)["token"]}],
        "created_at": "2026-03-01T11:00:00.000Z",
    });
    let path = format!("/v1/complaints/{id}/response");
    post_signed(&srv.url, &path, "complaint_response", answer, &bob.key);
    Case {
        complaint_id: id,
        m1_id: sha256_hex(&m1_bytes),
        data,
        _srv: srv,
        ann,
    }
}

fn post_tsq(data: &DataDir, url: &str, query: &[u8]) -> (u16, Vec<u8>) {
    let path = data.work().join("m1.tsq");
    std::fs::write(&path, query).expect("write");
    curl(&[
        "-H",
        "Content-Type: application/timestamp-query",
        "--data-binary",
        &format!("@{}", path.display()),
        &format!("{url}/v1/timestamp"),
    ])
}

fn verify(file: &Path, json_out: bool) -> std::process::Output {
    let mut args = vec!["bundle", "verify", p(file)];
    if json_out {
        args.push("--json");
    }
    notar(&args)
}

/// XORs one bit of the first character of the string at `ptr` in `v`.
fn flip_bit(v: &mut Value, ptr: &str) {
    let s = v.pointer_mut(ptr).expect(ptr);
    let mut bytes = s.as_str().expect("a string").as_bytes().to_vec();
    bytes[0] ^= 0x01;
    *s = Value::String(String::from_utf8(bytes).expect("ascii stays utf-8"));
}

#[test]
fn an_exported_case_verifies_and_every_tampering_is_named() {
    let c = case();
    let file = export(&c.data, &c.complaint_id, "case.json");
    let o = verify(&file, true);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let report = json(&o.stdout);
    let items = report["items"].as_array().expect("items");
    let kinds: Vec<&str> = items
        .iter()
        .filter(|i| i["section"] == "items")
        .map(|i| i["kind"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        kinds,
        [
            "complaint",
            "exchange_offer",
            "replacement_contract",
            // m2, carried by the replacement contract: an item of its own.
            "exchange_acceptance",
            "rfc3161_token",
            "document",
            "complaint_receipt",
            "complaint_response",
            "complaint_response_receipt"
        ],
        "{report}"
    );
    let m1 = items
        .iter()
        .find(|i| i["id"] == c.m1_id.as_str())
        .expect("m1 by its id");
    assert_eq!(m1["facts"]["signer"]["party_id"], c.ann.id.as_str(), "{m1}");
    let token = &items[4]["facts"];
    assert_eq!(
        token["imprint"],
        c.m1_id.as_str(),
        "the token covers m1: {token}"
    );
    assert!(token["gen_time"].is_string(), "{token}");
    assert!(
        items[2]["facts"]["in_log"]["index"].is_u64(),
        "{}",
        items[2]
    );
    let registry: Vec<&str> = items
        .iter()
        .filter(|i| i["section"] == "registry")
        .map(|i| i["kind"].as_str().unwrap_or(""))
        .collect();
    assert!(
        registry.contains(&"key_registration")
            && registry.contains(&"party")
            && registry.contains(&"policy"),
        "{registry:?}"
    );
    let plain = verify(&file, false);
    assert!(text(&plain).contains(" 0 fail"), "{}", text(&plain));
    let kid = report["notary_key_id"].as_str().expect("key id");
    let pinned = |k: &str| notar(&["bundle", "verify", p(&file), "--notary-key-id", k]);
    assert_eq!(pinned(kid).status.code(), Some(0));
    let other = pinned(&"0".repeat(64));
    assert_eq!(other.status.code(), Some(1), "{}", text(&other));
    assert!(text(&other).contains("not 0000"), "{}", text(&other));

    // A flipped bit in m1's payload: m1 fails by its id, nothing else does.
    let mut v = read(&file);
    flip_bit(&mut v, "/items/1/envelope/payload/contract_digest");
    let bad = c.data.work().join("flipped.json");
    write(&bad, &v);
    // With --json the report is the one JSON value on stdout (no error object after it).
    let o = verify(&bad, true);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).expect("one JSON value");
    assert!(report.get("error").is_none(), "{report}");
    let o = verify(&bad, false);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let out = text(&o);
    let fails: Vec<&str> = out.lines().filter(|l| l.starts_with("FAIL")).collect();
    assert_eq!(fails.len(), 1, "{out}");
    assert!(fails[0].contains(&c.m1_id), "{out}");
    assert!(
        out.contains(&format!("1 item(s) fail: {}", &c.m1_id[..16])),
        "{out}"
    );

    // The claim's amount changed, every item intact: the claim fails with its reason, and the
    // summary says the items verify (s10 S10-6: "0 item(s) fail: " with nothing after it).
    let mut v = read(&file);
    v["claim"]["amount"]["minor"] = serde_json::json!(1);
    let bad = c.data.work().join("claim.json");
    write(&bad, &v);
    let o = verify(&bad, false);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let out = text(&o);
    assert!(
        out.contains("the claim fails (") && out.contains("; every item verifies"),
        "{out}"
    );
    assert!(!out.contains("0 item(s)"), "{out}");

    // A broken inclusion proof of the replacement contract.
    let mut v = read(&file);
    let proof = v["items"][2]["proof"].as_str().expect("proof").to_string();
    let lines: Vec<&str> = proof.split('\n').collect();
    let at = lines
        .iter()
        .position(|l| l.starts_with("index "))
        .expect("index")
        + 1;
    let mut broken: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    let first = if broken[at].starts_with('A') {
        "B"
    } else {
        "A"
    };
    broken[at].replace_range(0..1, first);
    v["items"][2]["proof"] = Value::String(broken.join("\n"));
    write(&bad, &v);
    let o = verify(&bad, false);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let out = text(&o);
    let id = v["items"][2]["id"].as_str().expect("id");
    assert!(
        out.lines()
            .any(|l| l.starts_with("FAIL") && l.contains(id) && l.contains("inclusion proof")),
        "{out}"
    );

    // A claim for more than the notary's receipt says.
    let mut v = read(&file);
    v["claim"]["amount"]["minor"] = json!(9_999_999);
    write(&bad, &v);
    let o = verify(&bad, false);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("claim FAIL: the claim's amount differ"),
        "{}",
        text(&o)
    );

    // Garbage, and a missing file.
    std::fs::write(&bad, b"\x00\x01 not a bundle").expect("write");
    assert_eq!(verify(&bad, false).status.code(), Some(2));
    assert_eq!(
        verify(&c.data.work().join("none.json"), false)
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn an_unknown_case_is_refused() {
    let data = DataDir::init();
    let _srv = Server::start(&data);
    let out = data.work().join("x.json");
    let export = |id: &str, json: bool| {
        let mut args = vec!["--data", data.arg(), "case", "export", id, "--out", p(&out)];
        if json {
            args.push("--json");
        }
        notar(&args)
    };
    let o = export("no-such-case", false);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("no-such-case"), "{}", text(&o));
    assert!(!out.exists());
    // An id holding ESC and a backslash is echoed escaped once: the escape as the notary
    // wrote it, not its backslashes doubled by the CLI (s11 L4: `"ab\\u{1b}c\\\\x"`).
    let o = export("ab\u{1b}c\\x", false);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains(r#"no complaint "ab\x1bc\\x""#), "{err}");
    assert!(!err.contains('\u{1b}'), "{err}");
    // With --json the refusal is JSON on stdout too, with the notary's code (s11 L10: plain
    // text on stderr only); the human line stays on stderr.
    let o = export("no-such-case", true);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let e: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON on stdout");
    assert_eq!(e["error"]["code"], "unknown_complaint", "{e}");
    assert_eq!(e["error"]["exit"], 2, "{e}");
    assert!(
        e["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("no-such-case")),
        "{e}"
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("error: no complaint"));
}

/// A second export to the same file keeps the first (it may be the bundle a ruling cites),
/// exit 2 naming it; `--force` writes over it.
#[test]
fn an_export_does_not_write_over_a_file_without_force() {
    let c = case();
    let file = export(&c.data, &c.complaint_id, "case.json");
    std::fs::write(&file, b"the bundle a ruling cites").expect("write");
    let again = |force: bool| {
        let mut args = vec!["--data", c.data.arg(), "case", "export", &c.complaint_id];
        args.extend(["--out", p(&file)]);
        if force {
            args.push("--force");
        }
        notar(&args)
    };
    let o = again(false);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("exists"), "{}", text(&o));
    assert_eq!(
        std::fs::read(&file).expect("read"),
        b"the bundle a ruling cites"
    );
    let o = again(true);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(read(&file)["format"], "notar-bundle/1");
    // A link planted at the path: --force replaces the link, the file it names is untouched
    // (s11 L6: before, written through).
    let victim = c.data.work().join("victim.txt");
    std::fs::write(&victim, b"someone else's file").expect("write");
    std::fs::remove_file(&file).expect("rm");
    std::os::unix::fs::symlink(&victim, &file).expect("link");
    let o = again(true);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(
        std::fs::read(&victim).expect("read"),
        b"someone else's file"
    );
    assert!(!std::fs::symlink_metadata(&file)
        .expect("meta")
        .file_type()
        .is_symlink());
    assert_eq!(read(&file)["format"], "notar-bundle/1");
    // A directory is said to be one, with or without --force.
    for force in [false, true] {
        let mut args = vec!["--data", c.data.arg(), "case", "export", &c.complaint_id];
        args.extend(["--out", c.data.work().to_str().expect("utf-8")]);
        if force {
            args.push("--force");
        }
        let o = notar(&args);
        assert_eq!(o.status.code(), Some(2), "{}", text(&o));
        assert!(text(&o).contains("is a directory"), "{}", text(&o));
    }
}

#[test]
fn a_guarantee_case_carries_the_certificate_and_the_agreement() {
    let data = DataDir::init();
    let srv = Server::start(&data);
    let mut admin = Admin::connect(&data);
    let deal = make_deal(&mut admin, 100_000, 50_000);
    let lost = ed25519_dalek::SigningKey::from_bytes(&[5; 32]).verifying_key();
    let k = admin.ok(
        "key_add",
        json!({"party_id": deal.buyer_id, "public_key_hex": hex::encode(lost.to_bytes())}),
    );
    admin.ok(
        "key_revoke",
        json!({"key_id": k["key_id"], "reason": "lost"}),
    );
    let (status, body) = post(
        &srv.url,
        "/v1/guarantees",
        Some(&deal.token),
        &serde_json::to_vec(&request(&deal, "r-1", 12_000, "chairs")).expect("json"),
    );
    assert_eq!(status, 201, "{}", String::from_utf8_lossy(&body));
    let g = json(&body)["guarantee"].clone();
    let claim = json!({
        "kind": "non_delivery",
        "claimant": deal.buyer_id,
        "respondent": deal.seller_id,
        "guarantee_id": g["payload"]["guarantee_id"],
        "amount": {"minor": 12000, "currency": "EUR"},
        "statement": "The chairs never came.",
        "evidence": [{"type": "envelope", "envelope": g}],
        "notary_key_id": notar::crypto::keys::key_id(&notary_key(&srv.url)),
        "created_at": "2026-03-01T09:00:00.000Z",
    });
    let filed = post_signed(
        &srv.url,
        "/v1/complaints",
        "complaint",
        claim,
        &deal.buyer_key,
    );
    let id = filed["complaint_id"].as_str().expect("id").to_string();
    let file = export(&data, &id, "guarantee.json");
    let o = verify(&file, true);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let report = json(&o.stdout);
    let kinds = |section: &str| -> Vec<String> {
        report["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter(|i| i["section"] == section)
            .map(|i| i["kind"].as_str().unwrap_or("").to_string())
            .collect()
    };
    // The order comes from the notary's own record of the request it answered.
    assert_eq!(
        kinds("items"),
        ["complaint", "guarantee", "complaint_receipt", "order"],
        "{report}"
    );
    let registry = kinds("registry");
    for kind in [
        "party",
        "key_registration",
        "revocation",
        "agreement",
        "policy",
    ] {
        assert!(registry.iter().any(|k| k == kind), "{kind}: {registry:?}");
    }
}
