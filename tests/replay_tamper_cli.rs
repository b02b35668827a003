//! Tampered bundles against the real binary, made from the sample bundles of samples/cases
//! (a real notary's): a claim the notary's receipt contradicts, evidence the receipt names left
//! out, a broken proof of the refusal the agreement is found through. `notar bundle verify`
//! fails them (exit 1) and `notar replay` refuses them (exit 2), naming what is wrong; none is
//! ruled on as if nothing happened.

mod util;

use std::path::Path;

use serde_json::Value;
use util::*;

const CASES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/samples/cases");

fn sample(row: &str) -> Value {
    let bytes = std::fs::read(Path::new(CASES).join(format!("{row}.bundle.json"))).expect("sample");
    serde_json::from_slice(&bytes).expect("json")
}

/// Writes `bundle` to a temp file; `notar bundle verify` and `notar replay` on it:
/// (verify's exit code and stdout, replay's exit code and stderr).
fn verify_and_replay(bundle: &Value) -> (Option<i32>, String, Option<i32>, String) {
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("b.json");
    std::fs::write(&file, serde_json::to_vec_pretty(bundle).expect("json")).expect("write");
    let f = file.to_str().expect("utf-8");
    let v = notar(&["bundle", "verify", f]);
    let r = notar(&["replay", f]);
    (
        v.status.code(),
        String::from_utf8_lossy(&v.stdout).into_owned(),
        r.status.code(),
        String::from_utf8_lossy(&r.stderr).into_owned(),
    )
}

#[test]
fn the_untouched_samples_verify_and_replay() {
    for row in ["D1", "D4-capped", "D5-capped"] {
        let (v, out, r, err) = verify_and_replay(&sample(row));
        assert_eq!((v, r), (Some(0), Some(0)), "{row}: {out}\n{err}");
        assert!(!err.contains("warning"), "{row}: {err}");
    }
}

/// Moving the claim's filing time years ahead would put it out of the dispute window; changing
/// its kind would decide another claim. The receipt in the bundle says otherwise.
#[test]
fn a_claim_the_receipt_contradicts_is_refused() {
    for (field, value) in [
        ("filed_at", "2030-01-01T00:00:00.000Z"),
        ("kind", "non_delivery"),
    ] {
        let mut b = sample("D4-capped");
        b["claim"][field] = Value::from(value);
        let (v, out, r, err) = verify_and_replay(&b);
        assert_eq!(v, Some(1), "{out}");
        assert!(out.contains("claim FAIL"), "{out}");
        assert_eq!(r, Some(2), "{err}");
        assert!(
            err.contains(&format!(
                "the claim's {field} differs from the notary's receipt"
            )),
            "{err}"
        );
    }
}

/// D1 without bob's goods receipt would rule "nothing shown delivered" and release the
/// guarantee; the complaint receipt names the goods receipt among its evidence.
#[test]
fn evidence_the_receipt_names_cannot_be_left_out() {
    let mut b = sample("D1");
    let items = b["items"].as_array_mut().expect("items");
    let at = items
        .iter()
        .position(|i| i["envelope"]["kind"] == "goods_receipt")
        .expect("D1 has a goods receipt");
    let removed = items.remove(at)["id"].as_str().expect("id").to_string();
    let (v, out, r, err) = verify_and_replay(&b);
    assert_eq!(v, Some(1), "{out}");
    assert!(
        out.contains(&removed[..16]) || out.contains(&removed),
        "{out}"
    );
    assert_eq!(r, Some(2), "{err}");
    assert!(
        err.contains("lacks evidence the notary's receipts name") && err.contains(&removed),
        "{err}"
    );
}

/// D5's agreement is found through the notary's refusal. With the refusal's inclusion proof
/// broken, the refusal is inadmissible, named by id, and the agreement is the buyer's one in
/// the registry (said on stderr); with that agreement's entry failing too, the terms cannot be
/// established and the refusal is named as the cause.
#[test]
fn a_broken_proof_the_policy_rests_on_is_named() {
    let mut b = sample("D5-capped");
    let refusal = of_kind(&mut b, "items", "refusal");
    let id = refusal["id"].as_str().expect("id").to_string();
    let proof = refusal["proof"].as_str().expect("proof").to_string();
    let mut lines: Vec<String> = proof.lines().map(str::to_string).collect();
    // The first hash line after the header and the index: flip its first character.
    let at = (3..lines.len())
        .find(|&k| lines[k].len() == 44)
        .expect("a hash line");
    let first = if lines[at].starts_with('A') { "B" } else { "A" };
    lines[at].replace_range(0..1, first);
    refusal["proof"] =
        Value::from(lines.join("\n") + if proof.ends_with('\n') { "\n" } else { "" });
    let (v, out, r, err) = verify_and_replay(&b);
    assert_eq!(v, Some(1), "{out}");
    assert_eq!(r, Some(0), "{err}");
    assert!(
        err.contains("the one agreement of the parties' in the bundle's registry"),
        "{err}"
    );
    assert_eq!(inadmissible(&replay_json(&b)), std::slice::from_ref(&id));
    flip_signature(of_kind(&mut b, "registry", "agreement"));
    let (v, out, r, err) = verify_and_replay(&b);
    assert_eq!(v, Some(1), "{out}");
    assert_eq!(r, Some(2), "{err}");
    assert!(err.contains(&format!("refusal {id}")), "{err}");
}

/// The first envelope of `kind` in the bundle's `section` (`items` or `registry`).
fn of_kind<'a>(b: &'a mut Value, section: &str, kind: &str) -> &'a mut Value {
    let all = b[section].as_array_mut().expect("a section");
    let found = all.iter_mut().find(|i| i["envelope"]["kind"] == kind);
    found.unwrap_or_else(|| panic!("the sample has a {kind} in {section}"))
}

/// Flips one character of `item`'s first signature (an envelope) or of its token.
fn flip_signature(item: &mut Value) {
    let (field, at) = match item.get("envelope") {
        Some(_) => ("/envelope/signatures/0/sig", 5),
        None => ("/token", 40),
    };
    let s = item.pointer_mut(field).expect("a signed item");
    let mut text = s.as_str().expect("base64").to_string();
    let c = if text.as_bytes()[at] == b'A' {
        "B"
    } else {
        "A"
    };
    text.replace_range(at..at + 1, c);
    *s = Value::from(text);
}

/// The ids of the items a ruling finds inadmissible (the A0 findings').
fn inadmissible(ruling: &Value) -> Vec<String> {
    let findings = ruling["findings"].as_array().expect("findings");
    let ids = findings
        .iter()
        .filter(|f| f["question"] == "A0")
        .flat_map(|f| f["evidence_ids"].as_array().expect("ids").clone());
    ids.map(|v| v.as_str().expect("id").to_string()).collect()
}

/// Every sample, every evidence item in turn with one bit of its signature (or token) flipped:
/// the case still replays, the item named inadmissible by id, nothing else. A damaged item
/// (the guarantee or refusal the agreement is found through, the complaint receipt that names
/// an exchange case's policy) does not block the review of the rest.
#[test]
fn a_flipped_bit_in_any_item_makes_that_item_inadmissible() {
    let rows = std::fs::read_dir(CASES).expect("samples");
    let mut names: Vec<String> = rows
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter_map(|n| n.strip_suffix(".bundle.json").map(str::to_string))
        .collect();
    names.sort();
    assert!(names.len() >= 10, "{names:?}");
    for row in &names {
        let b = sample(row);
        for at in 0..b["items"].as_array().expect("items").len() {
            let mut t = b.clone();
            let item = &mut t["items"][at];
            let kind = item["envelope"]["kind"]
                .as_str()
                .unwrap_or("token")
                .to_string();
            let id = item["id"].as_str().expect("id").to_string();
            if item.get("envelope").is_none() && item.get("token").is_none() {
                continue;
            }
            flip_signature(item);
            let ruling = replay_json(&t);
            // The complaint and the response have no content for the rules.
            if kind != "complaint" && kind != "complaint_response" {
                assert_eq!(
                    inadmissible(&ruling),
                    std::slice::from_ref(&id),
                    "{row}, item {at} ({kind})"
                );
            }
            // The findings do not say what the damaged item would have: its policy, its answer.
            let finding = |q: &str| {
                let all = ruling["findings"].as_array().expect("findings");
                all.iter()
                    .find(|f| f["question"] == q)
                    .cloned()
                    .expect("a finding")
            };
            if kind == "complaint_receipt" && ruling["agreement"] == "none" {
                let p = finding("P");
                let said = p["answer"].as_str().expect("answer");
                assert!(
                    said.contains("no admissible complaint receipt"),
                    "{row}: {p}"
                );
            }
            if kind == "refusal" {
                let q3 = finding("Q3");
                assert!(
                    q3["evidence_ids"]
                        .as_array()
                        .expect("ids")
                        .contains(&Value::from(id)),
                    "{row}: {q3}"
                );
            }
        }
    }
}

/// The notary a bundle must come from: `--notary-key-id` of the one you trust.
#[test]
fn a_bundle_of_another_notary_is_not_replayed_when_you_name_yours() {
    let file = Path::new(CASES).join("D1.bundle.json");
    let f = file.to_str().expect("utf-8");
    let named = sample("D1")["notary"]["key_id"]
        .as_str()
        .expect("key id")
        .to_string();
    let other = "ab".repeat(32);
    for (verb, args) in [
        ("replay", vec!["replay", f]),
        ("verify", vec!["bundle", "verify", f]),
    ] {
        let code = |id: &str| {
            let mut a = args.clone();
            a.extend(["--notary-key-id", id]);
            notar(&a).status.code()
        };
        assert_eq!(code(&named), Some(0), "{verb}, the bundle's own key");
        assert_eq!(code(&other), Some(1), "{verb}, another notary's key");
        assert_eq!(code("zz"), Some(2), "{verb}, not a key id");
    }
}

/// The ruling's whole `--json` output of `bundle` (which must replay).
fn replay_json(bundle: &Value) -> Value {
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("b.json");
    std::fs::write(&file, serde_json::to_vec_pretty(bundle).expect("json")).expect("write");
    let o = notar(&["replay", file.to_str().expect("utf-8"), "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    serde_json::from_slice(&o.stdout).expect("ruling")
}

/// An edited copy of the guaranteed order (its amount cut to a cent, so its signature fails)
/// added beside it, with an id that sorts first: the guarantee still rests on the genuine order.
#[test]
fn an_edited_copy_of_the_order_does_not_stand_for_it() {
    let mut b = sample("D1");
    let want = replay_json(&b);
    let items = b["items"].as_array_mut().expect("items");
    let order = items
        .iter()
        .find(|i| i["envelope"]["kind"] == "order")
        .cloned()
        .expect("D1 has an order");
    let genuine = order["id"].as_str().expect("id").to_string();
    let copy = (1..500)
        .map(|cents| {
            let mut env = order["envelope"].clone();
            env["payload"]["amount"]["minor"] = Value::from(cents);
            let e: notar::crypto::envelope::Envelope =
                serde_json::from_value(env.clone()).expect("envelope");
            let id = notar::replay::envelope_id(&e).expect("id");
            serde_json::json!({"type": "party_envelope", "id": id, "envelope": env})
        })
        .find(|c| c["id"].as_str().is_some_and(|id| id < genuine.as_str()))
        .expect("one sorts first");
    items.push(copy);
    let got = replay_json(&b);
    assert_eq!(got["allocation"], want["allocation"], "{got}");
    assert_eq!(got["actions"], want["actions"], "{got}");
}

/// The claim's order_digest (a case about an order) is checked against the receipt like its
/// other fields; a counter-claim no response carried is refused too.
#[test]
fn a_claims_order_and_an_invented_counter_claim_are_refused() {
    let mut b = sample("D4-capped");
    b["claim"]["order_digest"] = Value::from("ab".repeat(32));
    let (v, out, r, err) = verify_and_replay(&b);
    assert_eq!((v, r), (Some(1), Some(2)), "{out}\n{err}");
    assert!(err.contains("order_digest"), "{err}");
    let mut b = sample("D1");
    b["claim"]["counter_claim"] = serde_json::json!({"kind": "non_delivery",
        "amount": {"minor": 30000, "currency": "EUR"}, "filed_at": "2026-03-20T10:00:00.000Z"});
    let (v, out, r, err) = verify_and_replay(&b);
    assert_eq!((v, r), (Some(1), Some(2)), "{out}\n{err}");
    assert!(err.contains("the counter-claim"), "{err}");
}

/// An edited copy under the goods receipt's own id: in its place it is that item with a flipped
/// bit, inadmissible and named (bundle verify fails it); beside the genuine one it does not
/// displace it (the same ruling, in either order).
#[test]
fn an_edited_copy_under_an_items_id_is_named_and_does_not_displace_it() {
    let b = sample("D1");
    let want = replay_json(&b);
    let at = b["items"]
        .as_array()
        .expect("items")
        .iter()
        .position(|i| i["envelope"]["kind"] == "goods_receipt")
        .expect("D1 has a goods receipt");
    let mut copy = b["items"][at].clone();
    copy["envelope"]["payload"]["note"] = Value::from("edited");
    let mut replaced = b.clone();
    replaced["items"][at] = copy.clone();
    let (v, out, r, err) = verify_and_replay(&replaced);
    assert_eq!((v, r), (Some(1), Some(0)), "{out}\n{err}");
    let ruling = replay_json(&replaced);
    let id = copy["id"].clone();
    let named = ruling["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .any(|f| f["question"] == "A0" && f["evidence_ids"] == serde_json::json!([id]));
    assert!(named, "the edited receipt is named inadmissible: {ruling}");
    for first in [true, false] {
        let mut beside = b.clone();
        let items = beside["items"].as_array_mut().expect("items");
        if first {
            items.insert(0, copy.clone());
        } else {
            items.push(copy.clone());
        }
        let got = replay_json(&beside);
        assert_eq!(got["allocation"], want["allocation"], "{got}");
        assert_eq!(got["actions"], want["actions"], "{got}");
    }
}

/// D7 with the respondent's whole answer left out (the response, its receipt and the evidence
/// the receipt names) still verifies, item by item, and replays: an open case looks the same.
/// What changes is that both commands now say the bundle shows no answer, which only the
/// notary's records can settle; an edited response receipt is named as a failed record.
#[test]
fn a_bundle_without_the_respondents_answer_says_so() {
    let mut b = sample("D7");
    let (_, out, _, err) = verify_and_replay(&b);
    assert!(
        out.contains("answer: the notary's response receipt"),
        "{out}"
    );
    assert!(!err.contains("shows no answer"), "{err}");
    let items = b["items"].as_array_mut().expect("items");
    let receipt = items
        .iter()
        .find(|i| i["envelope"]["kind"] == "complaint_response_receipt")
        .expect("D7 was answered")
        .clone();
    let mut edited = b.clone();
    let named: Vec<Value> = receipt["envelope"]["payload"]["evidence_ids"]
        .as_array()
        .expect("evidence_ids")
        .clone();
    let items = b["items"].as_array_mut().expect("items");
    items.retain(|i| {
        let kind = &i["envelope"]["kind"];
        kind != "complaint_response_receipt"
            && kind != "complaint_response"
            && !named.contains(&i["id"])
    });
    let (v, out, r, err) = verify_and_replay(&b);
    assert_eq!((v, r), (Some(0), Some(0)), "{out}\n{err}");
    assert!(
        out.contains("answer: NOTE the bundle shows no answer"),
        "{out}"
    );
    assert!(
        err.contains("warning: the bundle shows no answer to complaint"),
        "{err}"
    );
    for i in edited["items"].as_array_mut().expect("items") {
        if i["envelope"]["kind"] == "complaint_response_receipt" {
            i["envelope"]["payload"]["evidence_ids"] = Value::Array(vec![]);
        }
    }
    let (_, out, _, err) = verify_and_replay(&edited);
    assert!(
        out.contains("notary record(s) of the answer fail their checks"),
        "{out}"
    );
    assert!(err.contains("fail their checks"), "{err}");
}

/// The claimant's own complaint with a flipped bit: the rules do not read it, so no finding
/// names it, but `notar replay` says it fails (stderr, and in its list of unused items) instead
/// of printing what an intact bundle prints.
#[test]
fn a_failing_item_the_rules_do_not_use_is_still_reported() {
    let mut b = sample("D1");
    let complaint = of_kind(&mut b, "items", "complaint");
    let id = complaint["id"].as_str().expect("id").to_string();
    flip_signature(complaint);
    let (v, _, r, err) = verify_and_replay(&b);
    assert_eq!((v, r), (Some(1), Some(0)), "{err}");
    assert!(
        err.contains(&format!("warning: complaint {}", &id[..16]))
            && err.contains("fails its checks"),
        "{err}"
    );
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("b.json");
    std::fs::write(&file, serde_json::to_vec(&b).expect("json")).expect("write");
    let out = text(&notar(&["replay", file.to_str().expect("utf-8")]));
    assert!(out.contains("complaint FAILS its checks"), "{out}");
}

/// A checkpoint signed by another key, which the bundle names as its checkpoint key: whoever
/// builds a bundle could sign a log of their own making, under which every notary item seems
/// logged (s13 F1: verified, exit 0). The checkpoint key must be the notary's own.
#[test]
fn a_checkpoint_key_other_than_the_notarys_proves_nothing() {
    use notar::log::checkpoint::{sign_checkpoint, vkey, Checkpoint};
    let mut b = sample("D1");
    let note = b["checkpoint"].as_str().expect("checkpoint").to_string();
    let body = note.split("\n\n").next().expect("body").to_string() + "\n";
    let cp = Checkpoint::parse_body(&body).expect("checkpoint body");
    let origin = b["notary"]["log_origin"]
        .as_str()
        .expect("origin")
        .to_string();
    let other = ed25519_dalek::SigningKey::from_bytes(&[3; 32]);
    let forged = sign_checkpoint(&cp, &origin, &other);
    b["checkpoint"] = forged.clone().into();
    b["notary"]["checkpoint_vkey"] = vkey(&origin, &other.verifying_key()).into();
    // Every proof carries the checkpoint verbatim: the forged one.
    for section in ["items", "registry"] {
        for item in b[section].as_array_mut().expect("list") {
            if let Some(proof) = item.get("proof").and_then(Value::as_str) {
                item["proof"] = proof.replace(&note, &forged).into();
            }
        }
    }
    let (v, out, r, err) = verify_and_replay(&b);
    assert_eq!(v, Some(1), "{out}");
    assert!(out.contains("not the notary's key"), "{out}");
    // Nothing the notary signed is admitted: not even the policy can be read.
    assert_eq!(r, Some(2), "{err}");
    assert!(err.contains("not the notary's key"), "{err}");
}

/// A bundle bringing another TSA (its chain and one of its tokens): the chain is the notary's
/// only when the notary's identity entry, proven in its log, holds it (s13: the bundle's own
/// chain was trusted, so a TSA of anyone's making could bound any item's time).
#[test]
fn a_tsa_chain_other_than_the_notarys_admits_no_token() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("other");
    let made = notar(&[
        "samples",
        "cases",
        "--out",
        out.to_str().expect("utf-8"),
        "D1",
    ]);
    assert!(made.status.success(), "{}", text(&made));
    let other: Value =
        serde_json::from_slice(&std::fs::read(out.join("D1.bundle.json")).expect("read"))
            .expect("json");
    let foreign = other["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["type"] == "rfc3161_token")
        .expect("a token")
        .clone();
    let mut b = sample("D1");
    b["notary"]["tsa_chain"] = other["notary"]["tsa_chain"].clone();
    b["items"]
        .as_array_mut()
        .expect("items")
        .push(foreign.clone());
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("b.json");
    std::fs::write(&file, serde_json::to_vec_pretty(&b).expect("json")).expect("write");
    let o = notar(&["bundle", "verify", "--json", file.to_str().expect("utf-8")]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let report: Value = serde_json::from_slice(&o.stdout).expect("report");
    let item = report["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["id"] == foreign["id"])
        .expect("the foreign token")
        .clone();
    assert_eq!(item["ok"], false, "{item}");
    assert!(
        item["reason"]
            .as_str()
            .is_some_and(|r| r.contains("not shown to be the notary's")),
        "{item}"
    );
}

/// A bundle without the notary's identity entry (one made before it was exported): its tokens
/// are not admitted, as not tied to the notary's log rather than as forged, and the replay says
/// why on stderr (s14 F4: `A0.bad_signature` and silence, while the ruling changed).
#[test]
fn a_bundle_without_its_identity_entry_says_why_no_token_counts() {
    let mut b = sample("D1");
    b["notary"]
        .as_object_mut()
        .expect("notary")
        .remove("identity");
    let (v, out, r, err) = verify_and_replay(&b);
    assert_eq!(v, Some(1), "{out}");
    assert_eq!(r, Some(0), "{err}");
    assert!(
        err.contains("warning: the TSA chain is not shown to be the notary's"),
        "{err}"
    );
    let ruling = replay_json(&b);
    let tokens: Vec<&Value> = ruling["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|i| i["what"] == "timestamp")
        .collect();
    assert!(!tokens.is_empty(), "{ruling}");
    for t in tokens {
        assert_eq!(t["rule_id"], "A0.no_inclusion_proof", "{t}");
    }
}
