//! Signed rulings against the real binary: a guarantee case (sally claims non-payment for bob's
//! guaranteed 120.00 EUR order, no delivery shown: the rules release the guarantee) →
//! bob's answer (before it, `response_pending`) → `notar case rule` → a notary-signed `ruling` in the log at its index, naming the arbitrator,
//! citing the SHA-256 of the case's bundle, its release freeing the exposure; the case view shows
//! it to the parties; ruling again → `already_ruled`. Under a policy with
//! `second_arbitrator_above` below the claim, `notar case rule` only proposes, and the same
//! arbitrator cannot confirm (`same_arbitrator`). A second Unix user cannot be simulated here:
//! the confirmation by a different arbitrator is tested in-process
//! (src/notary/complaints/rulings_tests.rs).

mod util;

use base64::Engine;
use ed25519_dalek::Signer;
use notar::model::complaint::ReadRequest;
use notar::model::exchange::WireTime;
use serde_json::Value;
use util::cases::{buyer_answers, dual_policy, export, guarantee_case, GuaranteeCase};
use util::exchange::sha256_hex;
use util::ledger::*;
use util::*;

/// `notar --data DATA case VERB CASE_ID --json`; the output.
fn case(data: &DataDir, verb: &str, id: &str) -> std::process::Output {
    notar(&["--data", data.arg(), "case", verb, id, "--json"])
}

/// The case as its claimant reads it (`GET /v1/complaints/{id}`, a signed read).
fn party_view(url: &str, c: &GuaranteeCase) -> Value {
    let at = WireTime::new(notar::model::time::truncate_ms(chrono::Utc::now())).expect("ms");
    let id = &c.complaint_id;
    let msg = ReadRequest {
        complaint_id: id.clone(),
        at,
    }
    .signing_bytes()
    .expect("bytes");
    let sig =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(c.seller_key.sign(&msg).to_bytes());
    let kid = notar::crypto::keys::key_id(&c.seller_key.verifying_key());
    let path = format!(
        "/v1/complaints/{id}?key_id={kid}&at={}&sig={sig}",
        String::from(at)
    );
    let (status, body) = get(url, &path, None);
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    json(&body)
}

#[test]
fn a_ruling_is_signed_logged_names_its_arbitrator_and_releases_the_guarantee() {
    let data = DataDir::init();
    let srv = Server::start(&data);
    let mut admin = Admin::connect(&data);
    let c = guarantee_case(&srv.url, &mut admin, "semper-consumer");
    let agreement = c.deal.agreement_id.clone();
    assert_eq!(admin.exposure(&agreement), 12_000);
    let unruled = data.work().join("unruled.json");
    let args = ["--data", data.arg(), "case", "export", &c.complaint_id];
    let none = notar(&[&args[..], &["--out", p(&unruled), "--ruled"]].concat());
    // A refusal (exit 1), the case being known (s11 L7: exit 2, as for an unknown id).
    assert_eq!(none.status.code(), Some(1), "{}", text(&none));
    assert!(
        text(&none).contains("no ruling or proposal"),
        "{}",
        text(&none)
    );
    let early = case(&data, "rule", &c.complaint_id);
    assert_eq!(early.status.code(), Some(1), "{}", text(&early));
    assert!(
        text(&early).contains("response_pending"),
        "{}",
        text(&early)
    );
    buyer_answers(&srv.url, &c);
    let me = admin.ok("hello", serde_json::json!({}));
    // The bundle as an arbitrator exports it now; nothing is logged before the ruling.
    let file = export(&data, &c.complaint_id, "case.json");
    let bundle_digest = sha256_hex(&std::fs::read(&file).expect("bundle"));
    // The replay for review (admin op `case_replay`) signs nothing and shows what will be signed.
    let size = log_size(&srv.url);
    let review = admin.ok(
        "case_replay",
        serde_json::json!({"complaint_id": c.complaint_id}),
    );
    assert_eq!(review["kind"], "case_replay", "{review}");
    assert_eq!(review["bundle_digest"], bundle_digest.as_str(), "{review}");
    // With the amount of the guarantee its release frees, shown beside the action (s12 M1).
    assert_eq!(
        review["guarantees"][c.guarantee_id.as_str()],
        serde_json::json!(eur(12_000)),
        "{review}"
    );
    assert_eq!(log_size(&srv.url), size, "a replay signs nothing");

    // The arbitrator names the ruling they reviewed (the `decision digest` line of `notar
    // replay`): another one is not signed, the one reviewed is.
    let people = notar(&["replay", p(&file)]);
    let reviewed = text(&people)
        .lines()
        .find_map(|l| l.strip_prefix("decision digest "))
        .and_then(|l| l.split(' ').next())
        .expect("a decision digest line")
        .to_string();
    let rule = |expect: &str| {
        let args = ["--data", data.arg(), "case", "rule", &c.complaint_id];
        notar(&[&args[..], &["--expect-ruling", expect, "--json"]].concat())
    };
    let other = rule(&"ab".repeat(32));
    assert_eq!(other.status.code(), Some(1), "{}", text(&other));
    assert!(text(&other).contains("ruling_changed"), "{}", text(&other));
    // It does not give away the digest it would sign: pasted back unread, it defeats the check.
    assert!(!text(&other).contains(&reviewed), "{}", text(&other));
    assert_eq!(log_size(&srv.url), size, "nothing signed");
    let o = rule(&reviewed);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let answer = json(&o.stdout);
    assert_eq!(answer["status"], "ruled", "{answer}");
    let ruling = verified(&answer["ruling"], &notary_key(&srv.url));
    assert_eq!(ruling.kind, "ruling");
    let p = &ruling.payload;
    assert_eq!(p["complaint_id"], c.complaint_id.as_str());
    assert_eq!(p["bundle_digest"], bundle_digest.as_str(), "{p}");
    assert_eq!(p["arbitrator"]["name"], me["arbitrator"], "{p}");
    assert_eq!(p["arbitrator"]["user"], me["operator"], "{p}");
    assert_eq!(p["rules_version"], "notar-rules/1");
    assert_eq!(p["policy"]["id"], "semper-consumer");
    assert_eq!(p["ruling"]["policy"], p["policy"]);
    assert_eq!(
        p["ruling"], review["ruling"],
        "the ruling reviewed is the ruling signed"
    );
    assert_eq!(
        p["ruling"]["actions"],
        serde_json::json!([{"action": "release_guarantee", "guarantee_id": c.guarantee_id}])
    );
    assert_eq!(
        p["actions"],
        serde_json::json!([{"action": "release_guarantee", "guarantee_id": c.guarantee_id,
            "amount": eur(12_000), "reason": "ruled", "result": "released"}])
    );
    let index = p["log_index"].as_u64().expect("log_index");
    let entry = log_entry(&srv.url, index);
    assert_eq!(entry["kind"], "ruling");
    assert_eq!(entry["body"], answer["ruling"]);
    assert_eq!(
        admin.exposure(&agreement),
        0,
        "the release freed the exposure"
    );
    // The dashboard counts it among the releases (s12 L6: it said "0 released").
    let status = admin.ok("status", serde_json::json!({}));
    assert_eq!(status["guarantees"]["released"], 1, "{status}");

    // The parties see it on the case view, with the history line at its log index.
    let view = party_view(&srv.url, &c);
    assert_eq!(view["ruling"], answer["ruling"], "{view}");
    let last = view["history"].as_array().expect("history").last().cloned();
    let last = last.expect("an event");
    assert_eq!(last["what"]["event"], "ruled", "{view}");
    assert_eq!(last["log_index"], index, "{view}");
    // `notar complaint show` says what was decided, not only that a ruling happened; the case
    // as JSON verifies offline (its receipts and its ruling) with `notar verify`.
    let shown = sallys_show(&data, &srv.url, &c, &[]);
    for want in [
        "and ruled (below)",
        "buyer pays 0.00 EUR, notary pays 0.00 EUR",
        "release_guarantee",
        ": released",
    ] {
        assert!(shown.contains(want), "{want} in\n{shown}");
    }
    let file = data.work().join("case-view.json");
    std::fs::write(&file, sallys_show(&data, &srv.url, &c, &["--json"])).expect("write");
    let o = notar(&["verify", util::p(&file), "--data", data.arg()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(text(&o).matches("signature OK").count(), 3, "{}", text(&o));

    // The bundle the ruling cites can be had afterwards, byte for byte, and replays offline
    // to the signed ruling; an export made now is another bundle.
    let ruled = data.work().join("ruled.json");
    let o = notar(&[&args[..], &["--out", util::p(&ruled), "--ruled"]].concat());
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let kept = std::fs::read(&ruled).expect("ruled bundle");
    assert_eq!(
        sha256_hex(&kept),
        p["bundle_digest"].as_str().expect("digest")
    );
    // `--json` names the digest a ruling on those bytes cites.
    let again = data.work().join("ruled-again.json");
    let o = notar(&[&args[..], &["--out", util::p(&again), "--ruled", "--json"]].concat());
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let written = json(&o.stdout);
    assert_eq!(written["bundle_digest"], p["bundle_digest"], "{written}");
    assert_eq!(written["file"], util::p(&again), "{written}");
    let again = notar(&["replay", "--json", util::p(&ruled)]);
    assert_eq!(json(&again.stdout), p["ruling"], "{}", text(&again));
    let later = export(&data, &c.complaint_id, "later.json");
    let later_digest = sha256_hex(&std::fs::read(&later).expect("later"));
    assert_ne!(later_digest, sha256_hex(&kept));

    // `notar case show` prints the case, ruling and all, and changes nothing (s12 L7: no
    // read-only view; `complaint take` records the reader as working it).
    let show = |json_out: bool| {
        let mut args = vec!["--data", data.arg(), "case", "show", &c.complaint_id];
        if json_out {
            args.push("--json");
        }
        notar(&args)
    };
    let before = json(&show(true).stdout);
    let o = show(false);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains(&c.complaint_id), "{}", text(&o));
    assert_eq!(json(&show(true).stdout), before, "nothing changed");
    let unknown = notar(&["--data", data.arg(), "case", "show", "no-such-case"]);
    assert_eq!(unknown.status.code(), Some(2), "{}", text(&unknown));

    // The queue says the case is ruled (its status stays the answer's).
    let listed = notar(&["complaint", "list", "--data", data.arg(), "--json"]);
    let item = json(&listed.stdout)["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["complaint_id"] == c.complaint_id.as_str())
        .cloned()
        .expect("listed");
    assert_eq!(item["ruling"], "ruled", "{item}");

    // A case is ruled once.
    let size = log_size(&srv.url);
    let again = case(&data, "rule", &c.complaint_id);
    assert_eq!(again.status.code(), Some(1), "{}", text(&again));
    assert!(text(&again).contains("already_ruled"), "{}", text(&again));
    assert_eq!(log_size(&srv.url), size, "nothing signed");
}

#[test]
fn above_the_threshold_a_ruling_is_proposed_and_its_proposer_cannot_confirm_it() {
    let data = DataDir::init();
    dual_policy(&data);
    let srv = Server::start(&data);
    let mut admin = Admin::connect(&data);
    let c = guarantee_case(&srv.url, &mut admin, "dual");
    let agreement = c.deal.agreement_id.clone();
    buyer_answers(&srv.url, &c);
    let size = log_size(&srv.url);

    let o = case(&data, "rule", &c.complaint_id);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let answer = json(&o.stdout);
    assert_eq!(answer["status"], "proposed", "{answer}");
    assert!(answer.get("ruling").is_none(), "{answer}");
    assert_eq!(log_size(&srv.url), size, "a proposal signs nothing");
    assert_eq!(admin.exposure(&agreement), 12_000, "nothing took effect");
    // The second arbitrator can read the very bundle the proposal rests on.
    let kept = data.work().join("proposed.json");
    let args = ["--data", data.arg(), "case", "export", &c.complaint_id];
    let o = notar(&[&args[..], &["--out", p(&kept), "--ruled"]].concat());
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let kept = sha256_hex(&std::fs::read(&kept).expect("kept"));
    assert_eq!(answer["bundle_digest"], kept.as_str(), "{answer}");

    let again = case(&data, "rule", &c.complaint_id);
    assert_eq!(again.status.code(), Some(1), "{}", text(&again));
    assert!(
        text(&again).contains("awaiting_confirmation"),
        "{}",
        text(&again)
    );
    let mine = case(&data, "confirm", &c.complaint_id);
    assert_eq!(mine.status.code(), Some(1), "{}", text(&mine));
    assert!(text(&mine).contains("same_arbitrator"), "{}", text(&mine));
    assert_eq!(log_size(&srv.url), size);
    assert_eq!(admin.exposure(&agreement), 12_000);
    assert!(party_view(&srv.url, &c).get("ruling").is_none());
    a_proposal_is_reviewed_and_withdrawn(&data, &mut admin, &c.complaint_id);
    // The claimant reads the withdrawal and its reason in the case's history.
    let shown = sallys_show(&data, &srv.url, &c, &[]);
    assert!(
        shown.contains("proposed ruling withdrawn by") && shown.contains("the refund is wrong"),
        "{shown}"
    );
    assert_eq!(log_size(&srv.url), size, "nothing of it signs anything");
    assert_eq!(admin.exposure(&agreement), 12_000);
}

/// `notar complaint show ID` as the seller (the claimant) runs it, with `more` arguments: stdout.
fn sallys_show(data: &DataDir, url: &str, c: &GuaranteeCase, more: &[&str]) -> String {
    let pem = data.work().join("sally.pem");
    let key = ed25519_dalek::pkcs8::EncodePrivateKey::to_pkcs8_pem(
        &c.seller_key,
        ed25519_dalek::pkcs8::spki::der::pem::LineEnding::LF,
    )
    .expect("pem");
    std::fs::write(&pem, key.as_bytes()).expect("write key");
    let args = ["complaint", "show", &c.complaint_id, "--key", p(&pem)];
    let o = notar(&[&args[..], &["--notary", url], more].concat());
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    String::from_utf8_lossy(&o.stdout).to_string()
}

/// The proposal as `notar replay` of the kept bundle shows it (its decision digest), the
/// confirmation's digest checked for form, the admin `case_replay` answering the proposal and
/// its proposer; `notar case withdraw` takes it back with a reason (none: refused), the history
/// says so, nothing is left to confirm, and `notar case rule` proposes it afresh.
fn a_proposal_is_reviewed_and_withdrawn(data: &DataDir, admin: &mut Admin, id: &str) {
    let kept = data.work().join("proposed.json");
    let o = notar(&["replay", p(&kept)]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    let digest = out
        .lines()
        .find_map(|l| l.trim().strip_prefix("decision digest "))
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no decision digest line: {out}"))
        .to_string();
    let review = admin.ok("case_replay", serde_json::json!({"complaint_id": id}));
    assert!(review["proposed_by"].is_string(), "{review}");
    let bad = [
        "--data",
        data.arg(),
        "case",
        "confirm",
        id,
        "--expect-ruling",
        "zz",
    ];
    let o = notar(&bad);
    assert_eq!(o.status.code(), Some(2), "a malformed digest: {}", text(&o));
    let args = [
        "--data",
        data.arg(),
        "case",
        "withdraw",
        id,
        "--reason",
        " ",
    ];
    let o = notar(&args);
    assert_eq!(
        o.status.code(),
        Some(2),
        "no reason: bad input, {}",
        text(&o)
    );
    let args = ["--data", data.arg(), "case", "withdraw", id];
    let o = notar(&[&args[..], &["--reason", "the refund is wrong"]].concat());
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("withdrawn"), "{}", text(&o));
    let shown = admin.ok("complaint_show", serde_json::json!({"complaint_id": id}));
    let history = shown.to_string();
    assert!(
        history.contains("proposed ruling withdrawn by") && history.contains("the refund is wrong"),
        "{history}"
    );
    let review = admin.ok("case_replay", serde_json::json!({"complaint_id": id}));
    assert!(
        review.get("proposed_by").is_none(),
        "a fresh replay: {review}"
    );
    let none = case(data, "confirm", id);
    assert_eq!(none.status.code(), Some(1), "{}", text(&none));
    assert!(text(&none).contains("no_proposal"), "{}", text(&none));
    // With --json, as the other case commands (s14 F6: no --json): here the refusal, as JSON.
    let o = notar(&[&args[..], &["--reason", "again", "--json"]].concat());
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let e: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(e["error"]["code"], "no_proposal", "{e}");
    let again = notar(&["--data", data.arg(), "case", "rule", id]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again));
    let said = text(&again);
    assert!(said.contains("ruling proposed by"), "{said}");
    assert!(said.contains("--expect-ruling"), "the review steps: {said}");
    let review = admin.ok("case_replay", serde_json::json!({"complaint_id": id}));
    let reviewed =
        serde_json::from_value::<notar::model::dispute::Ruling>(review["ruling"].clone())
            .expect("ruling");
    assert_eq!(
        reviewed.decision_digest(),
        digest,
        "the same decision again"
    );
}
