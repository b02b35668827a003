//! Complaints against the real `notar serve` (docs/design.md §6.4, "Complaints"; §10 invariants 2,
//! 5, 6): filing with a receipt checked whole (signature against `/v1/notary`, every field, the
//! same envelope at its `log_index`), refiling for the same bytes, answering once and in time,
//! who may answer and read, silence under a policy with a two-second response time, and bad input
//! that changes nothing. The parties' side runs through `notar complaint` for part of the way, the
//! arbitrators' through `notar complaint list|take|note`.

mod util;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use base64::Engine;
use der::pem::LineEnding;
use ed25519_dalek::pkcs8::EncodePrivateKey;
use ed25519_dalek::{Signer, VerifyingKey};
use notar::crypto::envelope::Envelope;
use notar::model::canonical::to_canonical_json;
use notar::model::complaint::ReadRequest;
use notar::model::exchange::WireTime;
use serde_json::{json, Value};
use util::exchange::{contract_m1, sha256_hex, Party, M1};
use util::ledger::*;
use util::*;

struct World {
    data: DataDir,
    srv: Server,
    admin: Admin,
    notary: VerifyingKey,
    notary_kid: String,
    ann: Party,
    bob: Party,
    cy: Party,
}

/// A server (after `prepare` changed the fresh data dir) with three parties: ann complains about
/// bob; cy is a stranger to the case.
fn world_with(prepare: impl FnOnce(&DataDir)) -> World {
    let data = DataDir::init();
    prepare(&data);
    let srv = Server::start(&data);
    let mut admin = Admin::connect(&data);
    let (ann, bob, cy) = (
        admin.party("ann", "buyer"),
        admin.party("bob", "seller"),
        admin.party("cy", "buyer"),
    );
    let notary = notary_key(&srv.url);
    World {
        notary_kid: notar::crypto::keys::key_id(&notary),
        data,
        srv,
        admin,
        notary,
        ann,
        bob,
        cy,
    }
}

fn world() -> World {
    world_with(|_| {})
}

impl World {
    /// ann's complaint about bob over the exchange of `m1` (m1 among the evidence).
    fn claim(&self, m1: &Envelope, tid: &str) -> Value {
        json!({
            "kind": "non_delivery",
            "claimant": self.ann.id,
            "respondent": self.bob.id,
            "tid": tid,
            "amount": {"minor": 12000, "currency": "EUR"},
            "statement": "Signed on 1 March; bob never countersigned.",
            "evidence": [
                {"type": "envelope", "envelope": m1},
                {"type": "document", "sha256": sha256_hex(b"contract.pdf"), "name": "contract.pdf",
                 "media_type": "application/pdf"},
            ],
            "notary_key_id": self.notary_kid,
            "created_at": "2026-03-01T09:00:00.000Z",
        })
    }

    fn post(&self, path: &str, body: &[u8]) -> (u16, Vec<u8>) {
        post(&self.srv.url, path, None, body)
    }

    fn post_env(&self, path: &str, env: &Envelope) -> (u16, Vec<u8>) {
        self.post(path, &serde_json::to_vec(env).expect("json"))
    }

    /// `GET /v1/complaints/{id}` with a read signed by `p` now.
    fn read(&self, id: &str, p: &Party) -> (u16, Vec<u8>) {
        let at = WireTime::new(notar::model::time::truncate_ms(chrono::Utc::now())).expect("ms");
        let msg = ReadRequest {
            complaint_id: id.into(),
            at,
        }
        .signing_bytes()
        .expect("bytes");
        let sig =
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(p.key.sign(&msg).to_bytes());
        let kid = notar::crypto::keys::key_id(&p.key.verifying_key());
        let path = format!(
            "/v1/complaints/{id}?key_id={kid}&at={}&sig={sig}",
            String::from(at)
        );
        get(&self.srv.url, &path, None)
    }

    fn log_size(&self) -> u64 {
        log_size(&self.srv.url)
    }

    /// A 201 `{"complaint_id","receipt"}` whose receipt is a notary-signed `kind`, in the log at
    /// its `log_index`; returns the receipt.
    fn receipt(&self, got: &(u16, Vec<u8>), kind: &str) -> Envelope {
        let text = String::from_utf8_lossy(&got.1).to_string();
        assert_eq!(got.0, 201, "{text}");
        let v = json(&got.1);
        assert_eq!(
            to_canonical_json(&v).expect("canonical"),
            got.1,
            "canonical JSON"
        );
        assert_eq!(keys(&v), ["complaint_id", "receipt"], "{text}");
        let r = verified(&v["receipt"], &self.notary);
        assert_eq!(r.kind, kind);
        assert_eq!(r.payload["complaint_id"], v["complaint_id"]);
        let entry = log_entry(
            &self.srv.url,
            r.payload["log_index"].as_u64().expect("index"),
        );
        assert_eq!(entry["kind"], kind, "{entry}");
        assert_eq!(
            entry["body"], v["receipt"],
            "the log holds the receipt returned"
        );
        r
    }
}

/// Writes `p`'s private key as PKCS#8 PEM (what `openssl genpkey` writes) for the CLI.
fn pem(dir: &Path, name: &str, p: &Party) -> PathBuf {
    let path = dir.join(format!("{name}.pem"));
    let text = p.key.to_pkcs8_pem(LineEnding::LF).expect("pem");
    std::fs::write(&path, text.as_bytes()).expect("write key");
    path
}

#[test]
fn a_complaint_is_received_refiled_answered_once_and_read_by_its_parties_only() {
    let mut w = world();
    let m1 = contract_m1(&w.ann, &w.bob, &w.notary_kid, None);
    let claim = w.claim(&m1.env, &m1.tid);
    let env = Envelope::sign("complaint", claim, &w.ann.key).expect("sign");
    let filed = w.post_env("/v1/complaints", &env);
    let r = w.receipt(&filed, "complaint_receipt");
    let id = the_receipt_says_what_was_filed(&w, &r, &env, &m1);

    // The same signed complaint again: the same bytes, nothing signed.
    let size = w.log_size();
    assert_eq!(w.post_env("/v1/complaints", &env), filed);
    assert_eq!(w.log_size(), size);

    // The respondent reads the case before answering; a stranger cannot.
    let (status, body) = w.read(&id, &w.bob);
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let case = json(&body);
    assert_eq!(case["status"], "open");
    assert_eq!(case["overdue"], false);
    assert_eq!(case["complaint"], json!(env));
    assert_eq!(case["receipt"], json!(r));
    assert_error(&w.read(&id, &w.cy), 403, "not_a_party");
    assert_error(
        &get(&w.srv.url, &format!("/v1/complaints/{id}"), None),
        400,
        "bad_request",
    );
    // A parameter given twice: the answer says so after how to sign the read (s10 S10-5).
    let twice = format!("/v1/complaints/{id}?key_id=00&at=x&sig=y&at=z");
    let got = get(&w.srv.url, &twice, None);
    assert_error(&got, 400, "bad_request");
    let message = json(&got.1)["error"]["message"].to_string();
    assert!(
        message.contains("sign the read") && message.contains("duplicate"),
        "{message}"
    );

    // Only the respondent answers.
    let path = format!("/v1/complaints/{id}/response");
    for stranger in [&w.cy, &w.ann] {
        let not_bob = answer_by(&id, &r, stranger, "me");
        assert_error(&w.post_env(&path, &not_bob), 403, "not_respondent");
    }
    assert_eq!(w.log_size(), size);

    let rr = bob_answers_with_the_cli(&w, &id, &r);
    a_second_answer_is_refused_and_the_case_shows_the_first(&w, &id, &r, &rr);

    // The arbitrators' queue shows it answered, with the counter-claim.
    let q = w.admin.ok("complaints", json!({"limit": 10}));
    assert_eq!(q["items"][0]["complaint_id"], id.as_str(), "{q}");
    assert_eq!(q["items"][0]["status"], "answered", "{q}");
    assert_eq!(q["items"][0]["counter_claim"], true, "{q}");
    assert_eq!(q["items"][0]["claimant_name"], "ann", "{q}");
}

/// The receipt `r` for `env` (ann's complaint over `m1`) names every field, each as filed; the
/// complaint's id.
fn the_receipt_says_what_was_filed(w: &World, r: &Envelope, env: &Envelope, m1: &M1) -> String {
    let p = &r.payload;
    assert_eq!(
        keys(p),
        [
            "amount",
            "claimant",
            "complaint_digest",
            "complaint_id",
            "evidence_ids",
            "kind",
            "log_index",
            "policy_digest",
            "policy_id",
            "policy_version",
            "received_at",
            "respondent",
            "response_deadline",
            "tid",
        ],
        "{p}"
    );
    let id = p["complaint_id"].as_str().expect("id").to_string();
    assert!(
        uuid::Uuid::parse_str(&id).is_ok_and(|u| u.get_version_num() == 7),
        "{id}"
    );
    let signed = notar::model::canonical::signing_bytes("complaint", &env.payload).expect("b");
    assert_eq!(p["complaint_digest"], sha256_hex(&signed));
    assert_eq!(p["claimant"], w.ann.id.as_str());
    assert_eq!(p["respondent"], w.bob.id.as_str());
    assert_eq!(p["kind"], "non_delivery");
    assert_eq!(p["tid"], m1.tid.as_str());
    assert_eq!(p["amount"], json!({"currency": "EUR", "minor": 12000}));
    let m1_id = sha256_hex(&to_canonical_json(&m1.env).expect("m1"));
    assert_eq!(
        p["evidence_ids"],
        json!([m1_id, sha256_hex(b"contract.pdf")])
    );
    assert_eq!(p["policy_id"], "semper-consumer");
    let received = chrono::DateTime::parse_from_rfc3339(p["received_at"].as_str().expect("t"));
    let deadline =
        chrono::DateTime::parse_from_rfc3339(p["response_deadline"].as_str().expect("t"));
    assert_eq!(
        (deadline.expect("t") - received.expect("t")).num_hours(),
        72
    );
    id
}

/// An answer signed by `p` to the complaint `id` with the receipt `r`.
fn answer_by(id: &str, r: &Envelope, p: &Party, statement: &str) -> Envelope {
    let payload = json!({
        "complaint_id": id,
        "complaint_digest": p_digest(r),
        "respondent": p.id,
        "statement": statement,
        "evidence": [],
        "created_at": "2026-03-01T11:00:00.000Z",
    });
    Envelope::sign("complaint_response", payload, &p.key).expect("sign")
}

/// bob answers with the CLI, with a counter-claim; anyone checks the receipt offline with the
/// notary's public key. The response receipt.
fn bob_answers_with_the_cli(w: &World, id: &str, r: &Envelope) -> Envelope {
    let key = pem(w.data.work(), "bob", &w.bob);
    // Written on Windows: its line ends are signed as plain ones (a carriage return is
    // refused in a statement).
    let said = w.data.work().join("statement.txt");
    let written = "\u{feff}I never got the contract to sign.\r\nNot once.\r\n";
    std::fs::write(&said, written).expect("write");
    let out = notar(&[
        "complaint",
        "respond",
        id,
        "--key",
        p(&key),
        "--notary",
        &w.srv.url,
        "--statement-file",
        p(&said),
        "--counter-kind",
        "non_payment",
        "--counter-amount",
        "15.00",
        "--counter-statement",
        "The drafting fee.",
        "--json",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let answered = (201, out.stdout.trim_ascii_end().to_vec());
    let rr = w.receipt(&answered, "complaint_response_receipt");
    assert_eq!(
        keys(&rr.payload),
        [
            "claimant",
            "complaint_digest",
            "complaint_id",
            "counter_claim",
            "evidence_ids",
            "log_index",
            "received_at",
            "respondent",
            "response_deadline",
            "response_digest",
        ]
    );
    assert_eq!(
        rr.payload["complaint_digest"],
        r.payload["complaint_digest"]
    );
    assert_eq!(
        rr.payload["response_deadline"],
        r.payload["response_deadline"]
    );
    assert_eq!(
        rr.payload["counter_claim"],
        json!({"kind": "non_payment", "amount": {"currency": "EUR", "minor": 1500}})
    );
    let file = w.data.work().join("answered.json");
    std::fs::write(&file, &answered.1).expect("write");
    let vk = base64::engine::general_purpose::STANDARD.encode(w.notary.as_bytes());
    let out = notar(&["verify", p(&file), "--notary-key", &vk]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("complaint_response_receipt"),
        "{}",
        text(&out)
    );
    rr
}

fn a_second_answer_is_refused_and_the_case_shows_the_first(
    w: &World,
    id: &str,
    r: &Envelope,
    rr: &Envelope,
) {
    let size = w.log_size();
    let path = format!("/v1/complaints/{id}/response");
    assert_error(
        &w.post_env(&path, &answer_by(id, r, &w.bob, "again")),
        409,
        "already_answered",
    );
    assert_eq!(w.log_size(), size);
    let case = json(&w.read(id, &w.ann).1);
    assert_eq!(case["status"], "answered");
    assert_eq!(case["response_receipt"], json!(rr));
    assert_eq!(
        case["response"]["payload"]["statement"],
        "I never got the contract to sign.\nNot once.\n"
    );
    let events: Vec<&str> = case["history"]
        .as_array()
        .expect("history")
        .iter()
        .map(|h| h["what"]["event"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(events, ["filed", "answered"]);
}

fn p_digest(receipt: &Envelope) -> Value {
    receipt.payload["complaint_digest"].clone()
}

/// A policy like semper-consumer whose respondents have two seconds, named by `[exchanges]`.
fn quick_policy(data: &DataDir) {
    let policies = data.path.join("policies");
    let text = std::fs::read_to_string(policies.join("semper-consumer.toml")).expect("policy");
    let quick = text
        .replace("id = \"semper-consumer\"", "id = \"quick\"")
        .replace(
            "complaint_response_time = \"72h\"",
            "complaint_response_time = \"2s\"",
        );
    assert_ne!(quick, text);
    std::fs::write(policies.join("quick.toml"), quick).expect("write policy");
    let config = data.path.join("notar.toml");
    let toml = std::fs::read_to_string(&config).expect("config");
    let changed = toml.replace("policy = \"semper-consumer\"", "policy = \"quick\"");
    assert_ne!(changed, toml, "[exchanges] policy is in notar.toml");
    std::fs::write(&config, changed).expect("write config");
}

#[test]
fn a_silent_respondent_is_recorded_signed_and_logged_once_the_deadline_passes() {
    let w = world_with(quick_policy);
    let dir = w.data.work().to_path_buf();
    let bob_key = pem(&dir, "bob", &w.bob);
    let receipt = ann_files_with_the_cli(&w, &pem(&dir, "ann", &w.ann));
    let id = receipt.payload["complaint_id"]
        .as_str()
        .expect("id")
        .to_string();

    // Poll until the sweep has run (it runs every second); fail only after a generous while.
    let give_up = Instant::now() + Duration::from_secs(60);
    let case = loop {
        let case = json(&w.read(&id, &w.ann).1);
        if case["status"] == "silent" {
            break case;
        }
        assert!(Instant::now() < give_up, "never marked silent: {case}");
        std::thread::sleep(Duration::from_millis(200));
    };
    the_silence_is_signed_and_logged(&w, &case, &receipt);

    // bob is too late now, through the CLI as through curl; `show` says silent.
    let as_bob = |args: &[&str]| {
        let mut all = vec!["complaint"];
        all.extend(args);
        all.extend(["--key", p(&bob_key), "--notary", &w.srv.url]);
        notar(&all)
    };
    let out = as_bob(&["respond", &id, "--statement", "Sorry, I was away."]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("response_too_late"), "{}", text(&out));
    // cy, no party to it, is told she may not answer it (s10 S10-8: "may read").
    let cy_key = pem(&dir, "cy", &w.cy);
    let out = notar(&[
        "complaint",
        "respond",
        &id,
        "--statement",
        "Me too.",
        "--key",
        p(&cy_key),
        "--notary",
        &w.srv.url,
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("respondent may answer it") && text(&out).contains("not_a_party"),
        "{}",
        text(&out)
    );
    let out = as_bob(&["show", &id]);
    assert!(out.status.success(), "{}", text(&out));
    let shown = text(&out);
    assert!(
        shown.contains("silent") && shown.contains("bob went quiet"),
        "{shown}"
    );
    // The statement's backslash escaped once, as docs/operating.md says (s10 S10-3: escaped
    // twice).
    let once = "after m1 (gpj.exe, C:\\\\tmp).";
    assert!(shown.contains(once), "{shown}");
    // Its second line on a line of its own, indented under the first (s14 F7: `\x0a`).
    assert!(!shown.contains("\\x0a"), "{shown}");
    assert!(
        shown
            .lines()
            .any(|l| l.starts_with("  ") && l.trim() == "See the invoice."),
        "{shown}"
    );
    // Filing with no subject names all three ways to give one (it said only --tid).
    let args = "file --claimant a --respondent b --kind non_payment --amount 1.00 --currency EUR --statement s";
    let out = as_bob(&args.split(' ').collect::<Vec<_>>());
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("--tid <TID>|--guarantee <GUARANTEE_ID>|--order-digest <HEX>"),
        "{}",
        text(&out)
    );
    the_arbitrator_takes_and_notes_the_case_unseen_by_the_parties(&w, &id);
}

/// ann files her complaint about bob with the CLI (m1 and an invoice as evidence); its receipt.
fn ann_files_with_the_cli(w: &World, ann_key: &Path) -> Envelope {
    let dir = w.data.work();
    let m1 = contract_m1(&w.ann, &w.bob, &w.notary_kid, None);
    let m1_file = dir.join("m1.json");
    std::fs::write(&m1_file, serde_json::to_vec(&m1.env).expect("json")).expect("write m1");
    let invoice = dir.join("invoice.pdf");
    std::fs::write(&invoice, b"%PDF invoice 42").expect("write");
    let file = |statement: &str| {
        notar(&[
            "complaint",
            "file",
            "--key",
            p(ann_key),
            "--notary",
            &w.srv.url,
            "--claimant",
            &w.ann.id,
            "--respondent",
            &w.bob.id,
            "--kind",
            "contract_validity",
            "--tid",
            &m1.tid,
            "--amount",
            "120.00",
            "--currency",
            "EUR",
            "--statement",
            statement,
            "--evidence",
            p(&m1_file),
            "--evidence",
            p(&invoice),
            "--json",
        ])
    };
    // A bidi override in the signed statement is refused where it enters, named (s11 L11: it
    // was kept and only shown inert).
    let out = file("bob went quiet after m1 (\u{202e}gpj.exe, C:\\tmp).");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("U+202E at byte 25"), "{}", text(&out));
    let out = file("bob went quiet after m1 (gpj.exe, C:\\tmp).\nSee the invoice.");
    assert!(out.status.success(), "{}", text(&out));
    let filed = (201, out.stdout.trim_ascii_end().to_vec());
    let receipt = w.receipt(&filed, "complaint_receipt");
    assert_eq!(receipt.payload["policy_id"], "quick");
    assert_eq!(
        receipt.payload["evidence_ids"][1],
        sha256_hex(b"%PDF invoice 42"),
        "a document goes by its digest"
    );
    receipt
}

/// The silent `case` carries a notary-signed silence about the complaint of `receipt`, recorded
/// after the deadline and logged at its index.
fn the_silence_is_signed_and_logged(w: &World, case: &Value, receipt: &Envelope) {
    let silence = verified(&case["silence"], &w.notary);
    assert_eq!(silence.kind, "complaint_silence");
    let p = &silence.payload;
    assert_eq!(
        keys(p),
        [
            "amount",
            "claimant",
            "complaint_digest",
            "complaint_id",
            "kind",
            "log_index",
            "receipt_log_index",
            "recorded_at",
            "respondent",
            "response_deadline",
            "tid",
        ]
    );
    assert_eq!(p["complaint_id"], receipt.payload["complaint_id"]);
    assert_eq!(p["receipt_log_index"], receipt.payload["log_index"]);
    assert_eq!(p["response_deadline"], receipt.payload["response_deadline"]);
    assert!(
        p["recorded_at"].as_str() > p["response_deadline"].as_str(),
        "{p}"
    );
    let entry = log_entry(&w.srv.url, p["log_index"].as_u64().expect("index"));
    assert_eq!(entry["kind"], "complaint_silence");
    assert_eq!(entry["body"], case["silence"]);
}

/// The arbitrator takes the case and notes it, with the CLI; the parties never see notes.
fn the_arbitrator_takes_and_notes_the_case_unseen_by_the_parties(w: &World, id: &str) {
    let data = w.data.arg();
    let out = notar(&["complaint", "list", "--data", data]);
    assert!(
        out.status.success() && text(&out).contains("silent"),
        "{}",
        text(&out)
    );
    let out = notar(&["complaint", "take", id, "--data", data, "--json"]);
    assert!(out.status.success(), "{}", text(&out));
    let out = notar(&[
        "complaint",
        "note",
        id,
        "ask bob's carrier",
        "--data",
        data,
        "--json",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let detail = json(&out.stdout);
    let history = detail["history"].as_array().expect("history");
    assert_eq!(history.len(), 4, "{detail}"); // filed, silent, taken, note
    assert_eq!(history[3]["what"], "note: ask bob's carrier");
    assert!(detail["item"]["taken_by"].is_string(), "{detail}");
    // The arbitrator's view of the case shows the statement escaped once too.
    let out = notar(&["complaint", "note", id, "statement read", "--data", data]);
    let once = "after m1 (gpj.exe, C:\\\\tmp).";
    assert!(text(&out).contains(once), "{}", text(&out));
    // A note is free text too: lines yes, a terminal escape no (s11 L11), and nothing noted.
    let out = notar(&["complaint", "note", id, "see\u{1b}[2J", "--data", data]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("U+001B at byte 3"), "{}", text(&out));
    let case = json(&w.read(id, &w.bob).1);
    assert_eq!(case["history"].as_array().map(Vec::len), Some(3), "{case}");
}

#[test]
fn bad_input_is_refused_with_its_code_and_changes_nothing() {
    let w = world();
    let m1 = contract_m1(&w.ann, &w.bob, &w.notary_kid, None);
    let good = w.claim(&m1.env, &m1.tid);
    let size = w.log_size();
    for (b, status, code) in &refused_complaint_bodies(&w, &good) {
        assert_error(&w.post("/v1/complaints", b), *status, code);
    }
    let fake = "01900000-0000-7000-8000-000000000000";
    let response = Envelope::sign(
        "complaint_response",
        json!({"complaint_id": fake, "complaint_digest": sha256_hex(b"x"), "respondent": w.bob.id,
               "statement": "no", "evidence": [], "created_at": "2026-03-01T11:00:00.000Z"}),
        &w.bob.key,
    )
    .expect("sign");
    assert_error(
        &w.post_env(&format!("/v1/complaints/{fake}/response"), &response),
        404,
        "unknown_complaint",
    );
    assert_error(&w.read(fake, &w.ann), 404, "unknown_complaint");
    assert_eq!(w.log_size(), size, "bad input signs nothing");
}

/// `n` document evidence items, each of its own digest.
fn documents(n: u8) -> Value {
    Value::Array(
        (0..n)
            .map(|i| {
                json!({"type": "document", "sha256": sha256_hex(&[i]), "name": "d",
                       "media_type": "text/plain"})
            })
            .collect(),
    )
}

/// Bodies for `POST /v1/complaints` built from the `good` claim, one fault each, with the
/// status and code each must get.
fn refused_complaint_bodies(w: &World, good: &Value) -> Vec<(Vec<u8>, u16, &'static str)> {
    let signed = |p: Value| Envelope::sign("complaint", p, &w.ann.key).expect("sign");
    let changed = |change: &dyn Fn(&mut Value)| {
        let mut v = good.clone();
        change(&mut v);
        body(&signed(v))
    };
    let mut unsigned = signed(good.clone());
    unsigned.signatures.clear();
    // The same valid signature twice (s11 L11: kept, padding the stored record).
    let mut twice = signed(good.clone());
    twice.signatures.push(twice.signatures[0].clone());
    let unknown_respondent = changed(&|v| {
        v["respondent"] = json!("01900000-0000-7000-8000-000000000000");
        v["evidence"] = json!([]);
    });
    vec![
        (b"{not json".to_vec(), 400, "bad_request"),
        (
            b"{\"kind\": \"complaint\"}".to_vec(),
            400,
            "malformed_complaint",
        ),
        (body(&unsigned), 400, "bad_signature"),
        (body(&twice), 400, "malformed_complaint"),
        (
            changed(&|v| v["statement"] = json!("paid\u{1b}]0;owned\u{7}")),
            400,
            "malformed_complaint",
        ),
        (
            body(&Envelope::sign("complaint", good.clone(), &w.cy.key).expect("s")),
            400,
            "bad_signature",
        ),
        (
            body(&Envelope::sign("order", good.clone(), &w.ann.key).expect("s")),
            400,
            "malformed_complaint",
        ),
        (unknown_respondent, 404, "unknown_party"),
        (
            changed(&|v| v["amount"]["minor"] = json!(-1)),
            400,
            "bad_amount",
        ),
        (
            changed(&|v| v["evidence"] = documents(17)),
            400,
            "too_many_evidence_items",
        ),
        (
            changed(&|v| v["evidence"][1]["name"] = json!("n".repeat(20_000))),
            400,
            "evidence_too_large",
        ),
        (
            changed(&|v| v["notary_key_id"] = json!("00".repeat(32))),
            400,
            "wrong_notary",
        ),
        (
            changed(&|v| v["tid"] = json!(sha256_hex(b"another exchange"))),
            400,
            "malformed_complaint",
        ),
        (
            vec![b' '; notar::api::COMPLAINT_BODY_LEN_MAX + 1],
            413,
            "body_too_large",
        ),
    ]
}

fn body(env: &Envelope) -> Vec<u8> {
    serde_json::to_vec(env).expect("json")
}

/// A complaint about a stuck contract exchange whose evidence holds m1 and m2 (the responder
/// signed m2 and never sent nb): the notary resolves the exchange at once and the complaint is
/// settled with the replacement contract. A complaint whose m2 binds another exchange is left
/// open for an arbitrator.
#[test]
fn a_stuck_exchange_in_the_evidence_is_settled_at_once() {
    use util::exchange::m2;
    let w = world();
    let m1 = contract_m1(&w.ann, &w.bob, &w.notary_kid, None);
    let mut claim = w.claim(&m1.env, &m1.tid);
    claim["kind"] = json!("contract_validity");
    claim["evidence"]
        .as_array_mut()
        .expect("evidence")
        .push(json!({"type": "envelope", "envelope": m2(&w.bob, &m1.tid)}));
    let filed = Envelope::sign("complaint", claim, &w.ann.key).expect("sign");
    let got = w.post_env("/v1/complaints", &filed);
    assert_eq!(got.0, 201, "{}", String::from_utf8_lossy(&got.1));
    let v = json(&got.1);
    assert_eq!(keys(&v), ["complaint_id", "receipt", "settlement"], "{v}");
    let s = &v["settlement"];
    assert_eq!(
        (&s["tid"], &s["outcome"]),
        (&json!(m1.tid), &json!("resolved")),
        "{s}"
    );
    let token = verified(&s["token"], &w.notary);
    assert_eq!(token.kind, "replacement_contract");
    let index = token.payload["log_index"].as_u64().expect("log_index");
    assert_eq!(log_entry(&w.srv.url, index)["body"], s["token"]);
    let (_, ex) = get(&w.srv.url, &format!("/v1/exchanges/{}", m1.tid), None);
    assert_eq!(
        json(&ex)["token"],
        s["token"],
        "the exchange is resolved by it"
    );
    assert_eq!(
        w.post_env("/v1/complaints", &filed),
        got,
        "a refiling: the same bytes"
    );
    let id = v["complaint_id"].as_str().expect("id");
    let case = json(&w.read(id, &w.ann).1);
    assert_eq!(case["status"], "settled", "{case}");
    assert!(
        case.to_string().contains(&format!("\"log_index\":{index}")),
        "the history cites the token: {case}"
    );

    // m2 of another exchange: the exchange rules refuse it, nothing is decided.
    let other = contract_m1(&w.ann, &w.bob, &w.notary_kid, None);
    let m1 = contract_m1(&w.ann, &w.bob, &w.notary_kid, None);
    let mut claim = w.claim(&m1.env, &m1.tid);
    claim["evidence"]
        .as_array_mut()
        .expect("evidence")
        .push(json!({"type": "envelope", "envelope": m2(&w.bob, &other.tid)}));
    let got = w.post_env(
        "/v1/complaints",
        &Envelope::sign("complaint", claim, &w.ann.key).expect("sign"),
    );
    assert_eq!(keys(&json(&got.1)), ["complaint_id", "receipt"]);
    let (status, _) = get(&w.srv.url, &format!("/v1/exchanges/{}", m1.tid), None);
    assert_eq!(status, 404, "nothing decided");
}

/// A `--tid` or `--order-digest` that is not a digest is refused by the option's name before
/// anything is read or signed (s11 L5: the notary's refusal named neither option).
#[test]
fn a_malformed_tid_or_order_digest_is_named() {
    // `notar complaint file` about `option value`, with a key file that is not there.
    let file_with = |option: &str, value: &str| {
        notar(&[
            "complaint",
            "file",
            "--key",
            "missing.pem",
            "--claimant",
            "a",
            "--respondent",
            "b",
            "--kind",
            "non_delivery",
            "--amount",
            "1.00",
            "--currency",
            "EUR",
            "--statement",
            "s",
            option,
            value,
        ])
    };
    for (option, value) in [
        ("--tid", "null"),
        ("--order-digest", "ABC"),
        ("--tid", &"G".repeat(64)[..]),
    ] {
        let o = file_with(option, value);
        assert_eq!(o.status.code(), Some(2), "{}", text(&o));
        assert!(text(&o).contains(option), "{option}: {}", text(&o));
        assert!(text(&o).contains("64 lowercase hex"), "{}", text(&o));
    }
    // Capitals, as another tool may print a digest, pass the option check (s11 L3): the
    // command goes on to read its key file.
    let o = file_with("--tid", &"AB".repeat(32));
    assert!(!text(&o).contains("--tid"), "{}", text(&o));
    assert!(text(&o).contains("missing.pem"), "{}", text(&o));
}
