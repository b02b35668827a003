//! `notar replay` against the real binary: bob pays sally 120.00 EUR by an item-for-receipt
//! exchange the notary resolves with a delivery affidavit, then sally claims non-payment (the
//! shape of D7; bob answers with his escrow statement and sally's receipt) → `notar case export` → `notar replay --json` in two processes gives equal
//! bytes and the whole ruling D7 expects; shuffled and duplicated items → the same bytes; a
//! flipped bit in m1 → m1 inadmissible by id; garbage → exit 2.

mod util;

use std::path::Path;

use serde_json::{json, Value};
use util::cases::{export, guarantee_case, paid_answer, paid_then_claimed, read, rule_ids, write};
use util::exchange::sha256_hex;
use util::ledger::*;
use util::*;

struct Case {
    data: DataDir,
    _srv: Server,
    complaint_id: String,
    m1_id: String,
    tid: String,
}

/// bob sends sally a payment token for a receipt; the notary resolves it (delivery affidavit);
/// sally files `non_payment` against bob anyway.
fn d7_case() -> Case {
    let data = DataDir::init();
    let srv = Server::start(&data);
    let mut admin = Admin::connect(&data);
    let c = paid_then_claimed(&srv.url, &mut admin);
    let statement = "Paid: sally signed her receipt and the notary released the key.";
    paid_answer(&srv.url, &c, statement, None);
    Case {
        complaint_id: c.complaint_id,
        m1_id: sha256_hex(&c.x.m1.env.to_bytes().expect("bytes")),
        tid: c.x.m1.tid.clone(),
        data,
        _srv: srv,
    }
}

/// `notar replay FILE [--json]`, which must exit 0; its stdout.
fn replay(file: &Path, json_out: bool) -> Vec<u8> {
    let mut args = vec!["replay", p(file)];
    if json_out {
        args.push("--json");
    }
    let o = notar(&args);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    o.stdout
}

fn finding<'a>(ruling: &'a Value, rule_id: &str) -> &'a Value {
    ruling["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["rule_id"] == rule_id)
        .unwrap_or_else(|| panic!("no {rule_id} in {ruling}"))
}

fn eur(minor: i64) -> Value {
    json!({"minor": minor, "currency": "EUR"})
}

#[test]
fn a_paid_exchange_replays_to_the_same_whole_ruling_in_any_order() {
    let c = d7_case();
    let file = export(&c.data, &c.complaint_id, "d7.json");
    let first = replay(&file, true);
    assert_eq!(first, replay(&file, true), "two processes, one bundle");
    let ruling = json(&first);
    assert_eq!(
        rule_ids(&ruling),
        [
            "P.recorded",
            "Q1.no_order",
            "Q2.not_applicable",
            "Q3.not_applicable",
            "Q4.not_applicable",
            "Q5.not_shown",
            "Q6.paid_by_affidavit",
            "Q7.not_applicable",
            "Q8.within_window",
        ],
        "{ruling}"
    );
    let affidavit = ruling["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["what"] == "delivery_affidavit")
        .expect("the affidavit is an item");
    assert_eq!(affidavit["admissible"], true, "{ruling}");
    let mut paid_by = vec![
        c.m1_id.clone(),
        affidavit["id"].as_str().expect("id").into(),
    ];
    paid_by.sort();
    assert_eq!(
        finding(&ruling, "Q6.paid_by_affidavit")["evidence_ids"],
        json!(paid_by)
    );
    assert_eq!(
        ruling["allocation"],
        json!({"buyer_pays": eur(0), "notary_pays": eur(0), "seller_bears": eur(0),
               "refund_to_buyer": eur(0)})
    );
    assert_eq!(ruling["actions"], json!([]));
    assert_eq!(ruling["agreement"], "none");
    assert_eq!(
        ruling["claim"]["subject"],
        json!({"type": "tid", "id": c.tid})
    );
    let mut whats: Vec<&str> = ruling["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| {
            assert_eq!(i["admissible"], true, "{i}");
            i["what"].as_str().expect("what")
        })
        .collect();
    whats.sort_unstable();
    assert_eq!(
        whats,
        [
            "complaint_receipt",
            "complaint_response_receipt",
            "delivery_affidavit",
            "exchange_receipt",
            "item_escrow",
            "offer"
        ]
    );

    // Shuffled and duplicated: the same bytes, in JSON and for people.
    let mut v = read(&file);
    for section in ["items", "registry"] {
        let list = v[section].as_array_mut().expect(section);
        list.reverse();
        let again = list[0].clone();
        list.push(again);
    }
    let shuffled = c.data.work().join("shuffled.json");
    write(&shuffled, &v);
    assert_eq!(replay(&shuffled, true), first);
    let people = replay(&file, false);
    assert_eq!(replay(&shuffled, false), people);
    let people = String::from_utf8(people).expect("utf-8");
    assert!(people.contains("Q6.paid_by_affidavit"), "{people}");
    assert!(people.contains("actions: none"), "{people}");
    assert!(
        people.contains("not used by the rules (2)") && people.contains("complaint_response"),
        "{people}"
    );
}

#[test]
fn a_flipped_bit_makes_that_item_inadmissible_and_garbage_is_refused() {
    let c = d7_case();
    let file = export(&c.data, &c.complaint_id, "d7.json");
    let mut v = read(&file);
    let items = v["items"].as_array_mut().expect("items");
    let m1 = items
        .iter_mut()
        .find(|i| i["id"] == c.m1_id.as_str())
        .expect("m1 is an item");
    let sig = m1
        .pointer_mut("/envelope/signatures/0/sig")
        .expect("a signature");
    let mut bytes = sig.as_str().expect("text").as_bytes().to_vec();
    bytes[0] ^= 0x01;
    *sig = Value::String(String::from_utf8(bytes).expect("ascii"));
    let tampered = c.data.work().join("tampered.json");
    write(&tampered, &v);
    let ruling = json(&replay(&tampered, true));
    let a0 = ruling["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["question"] == "A0")
        .unwrap_or_else(|| panic!("an A0 finding: {ruling}"));
    assert_eq!(a0["rule_id"], "A0.bad_signature", "{ruling}");
    assert_eq!(a0["evidence_ids"], json!([c.m1_id]));
    assert!(
        rule_ids(&ruling).contains(&"Q6.not_shown".to_string()),
        "{ruling}"
    );

    // The delivery affidavit intact but misnamed: its id is not the SHA-256 of its bytes, which
    // A0 says as such (before: `A0.bad_signature`, though its signature verifies).
    let mut v = read(&file);
    let items = v["items"].as_array_mut().expect("items");
    let affidavit = items
        .iter_mut()
        .find(|i| i["envelope"]["kind"] == "delivery_affidavit")
        .expect("the affidavit is an item");
    let id = affidavit["id"].as_str().expect("id").to_string();
    let last = if id.ends_with('0') { "1" } else { "0" };
    let misnamed = format!("{}{last}", &id[..63]);
    affidavit["id"] = json!(misnamed);
    let renamed = c.data.work().join("misnamed.json");
    write(&renamed, &v);
    let ruling = json(&replay(&renamed, true));
    let a0 = ruling["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["question"] == "A0")
        .unwrap_or_else(|| panic!("an A0 finding: {ruling}"));
    assert_eq!(a0["rule_id"], "A0.id_mismatch", "{ruling}");
    assert_eq!(a0["evidence_ids"], json!([misnamed]));
    // The delivery affidavit with another notary item's proof: its signature verifies, its
    // proof does not hold it. Refused for the proof, not as forged (s11 M1: before,
    // `A0.bad_signature`).
    let mut v = read(&file);
    let items = v["items"].as_array_mut().expect("items");
    let other = items
        .iter()
        .find(|i| i["proof"].is_string() && i["envelope"]["kind"] != "delivery_affidavit")
        .map(|i| i["proof"].clone())
        .expect("another notary item");
    let affidavit = items
        .iter_mut()
        .find(|i| i["envelope"]["kind"] == "delivery_affidavit")
        .expect("the affidavit is an item");
    affidavit["proof"] = other;
    let id = affidavit["id"].clone();
    let unproven = c.data.work().join("unproven.json");
    write(&unproven, &v);
    let ruling = json(&replay(&unproven, true));
    let a0: Vec<&Value> = ruling["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["question"] == "A0")
        .collect();
    assert_eq!(a0.len(), 1, "{ruling}");
    assert_eq!(a0[0]["rule_id"], "A0.no_inclusion_proof", "{ruling}");
    assert_eq!(a0[0]["evidence_ids"], json!([id]));
    // m1, which the complaint receipt names, renamed: it is missing under its own id, and the
    // refusal says which item may be it.
    let mut v = read(&file);
    let last = if c.m1_id.ends_with('0') { "1" } else { "0" };
    let m1_renamed = format!("{}{last}", &c.m1_id[..63]);
    let items = v["items"].as_array_mut().expect("items");
    let m1 = items
        .iter_mut()
        .find(|i| i["id"] == c.m1_id.as_str())
        .expect("m1 is an item");
    m1["id"] = json!(m1_renamed);
    let renamed = c.data.work().join("m1-renamed.json");
    write(&renamed, &v);
    let o = notar(&["replay", p(&renamed)]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains(&format!("not the SHA-256 of their bytes: {m1_renamed}")),
        "{}",
        text(&o)
    );

    // A member name repeated inside m1's payload: refused, as the API refuses such bodies
    // (before: replayed, the last copy winning).
    let raw = String::from_utf8(std::fs::read(&file).expect("read")).expect("utf-8");
    let at = raw.find(c.m1_id.as_str()).expect("m1 in the file");
    let payload = at + raw[at..].find("\"payload\": {").expect("m1's payload");
    let cut = payload + "\"payload\": {".len();
    let twice = format!("{}\"originator\": \"mallory\",{}", &raw[..cut], &raw[cut..]);
    let repeated = c.data.work().join("repeated.json");
    std::fs::write(&repeated, twice).expect("write");
    let o = notar(&["replay", p(&repeated)]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("originator"), "{}", text(&o));

    let garbage = c.data.work().join("garbage.json");
    std::fs::write(&garbage, b"{not a bundle").expect("write");
    let o = notar(&["replay", p(&garbage)]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("cannot be replayed"), "{}", text(&o));

    // A file whose stated size is no bound (a device): read up to the limit, then refused (s10
    // S10-2: before, read whole, gigabytes in seconds).
    for cmd in [
        &["replay", "/dev/zero"][..],
        &["bundle", "verify", "/dev/zero"],
    ] {
        let o = notar(cmd);
        assert_eq!(o.status.code(), Some(2), "{cmd:?}: {}", text(&o));
        assert!(text(&o).contains("is larger than"), "{cmd:?}: {}", text(&o));
    }
}

/// sally, guaranteed for bob's order of 120.00 EUR, claims non-payment with the order and the
/// guarantee but shows no delivery: a valid, covered order, nothing owed, the guarantee released.
#[test]
fn a_guarantee_case_replays_with_the_agreement_and_its_recorded_policy() {
    let data = DataDir::init();
    let srv = Server::start(&data);
    let mut admin = Admin::connect(&data);
    let case = guarantee_case(&srv.url, &mut admin, "semper-consumer");
    let (deal, gid, id) = (case.deal, case.guarantee_id, case.complaint_id);
    let file = export(&data, &id, "guarantee.json");
    let ruling = json(&replay(&file, true));
    assert_eq!(
        rule_ids(&ruling),
        [
            "P.recorded",
            "Q1.valid",
            "Q2.not_revoked",
            "Q3.valid",
            "Q4.covered",
            "Q5.not_shown",
            "Q6.not_shown",
            "Q7.not_applicable",
            "Q8.within_window",
        ],
        "{ruling}"
    );
    assert_eq!(ruling["agreement"], deal.agreement_id.as_str());
    assert_eq!(ruling["policy"]["id"], "semper-consumer");
    assert_eq!(
        ruling["allocation"],
        json!({"buyer_pays": eur(0), "notary_pays": eur(0), "seller_bears": eur(0),
               "refund_to_buyer": eur(0)})
    );
    assert_eq!(
        ruling["actions"],
        json!([{"action": "release_guarantee", "guarantee_id": gid}])
    );
}
