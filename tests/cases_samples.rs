//! samples/cases/: the Disputes rows of the scenarios as evidence bundles, made by `notar
//! samples cases` on real notaries. Every committed bundle passes `notar bundle verify` and
//! `notar replay --json` gives the whole ruling its row expects: every item (what it is,
//! admitted or not and by which rule, its time bounds and what proves them), every finding (its
//! question, rule id, the kinds of the items it rests on and its answer), the allocation, the
//! actions, the policy and agreement applied. Ids (digests, party and agreement ids) differ
//! from one generation to the next, so the comparison is on a normalised ruling: an item id
//! becomes `#what` of its item, a party id its name, bob's keys kb1 and kb2, sally's ks1, the
//! agreement `ag-bob`, a guarantee `g` and its amount, a tid `tid`.
//!
//! A second test runs the generator afresh and checks each fresh bundle normalises to the same
//! ruling as the committed one. When it fails after a change of format or of rules, the fix is
//! to regenerate: `notar samples cases --out samples/cases` (samples/cases/README.md).

mod util;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

// The rows in samples/cases, each `ROW.bundle.json`: every row the generator makes.
use notar::notary::fixture::cases::ROWS;
use serde_json::Value;
use util::*;

/// The committed bundles.
const CASES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/samples/cases");

/// `notar replay --json FILE`, which must exit 0; the ruling.
fn replay(file: &Path) -> Value {
    let o = notar(&["replay", "--json", p(file)]);
    assert_eq!(o.status.code(), Some(0), "{}: {}", file.display(), text(&o));
    json(&o.stdout)
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}

/// Readable names for the ids of one bundle and its ruling.
struct Names(BTreeMap<String, String>);

impl Names {
    fn of(bundle: &Value, ruling: &Value) -> Names {
        let mut names = BTreeMap::new();
        let registry = bundle["registry"].as_array().expect("registry");
        let payloads = registry
            .iter()
            .chain(bundle["items"].as_array().expect("items"))
            .filter_map(|i| Some((s(i.pointer("/envelope/kind")?), &i["envelope"]["payload"])));
        let mut keys: BTreeMap<String, Vec<(u64, String)>> = BTreeMap::new();
        for (kind, p) in payloads {
            match kind {
                "party" => {
                    names.insert(s(&p["party_id"]).to_string(), s(&p["name"]).to_string());
                }
                "key_registration" => {
                    keys.entry(s(&p["party_id"]).to_string())
                        .or_default()
                        .push((
                            p["log_index"].as_u64().expect("index"),
                            s(&p["key_id"]).into(),
                        ))
                }
                "agreement" => {
                    names.insert(s(&p["agreement_id"]).to_string(), "ag-bob".into());
                }
                "guarantee" => {
                    let minor = p["amount"]["minor"].as_i64().expect("amount");
                    names.insert(s(&p["guarantee_id"]).into(), format!("g{}", minor / 100));
                }
                _ => {}
            }
        }
        for (party, mut ks) in keys {
            ks.sort();
            let prefix = if names.get(&party).map(String::as_str) == Some("bob") {
                "kb"
            } else {
                "ks"
            };
            for (n, (_, kid)) in ks.into_iter().enumerate() {
                names.insert(kid, format!("{prefix}{}", n + 1));
            }
        }
        if let Some(tid) = bundle["claim"]["tid"].as_str() {
            names.insert(tid.into(), "tid".into());
        }
        names.insert(
            s(&bundle["claim"]["complaint_id"]).into(),
            "complaint".into(),
        );
        names.remove("");
        for item in ruling["items"].as_array().expect("items") {
            names.insert(s(&item["id"]).into(), format!("#{}", s(&item["what"])));
        }
        Names(names)
    }

    fn name<'a>(&'a self, id: &'a str) -> &'a str {
        self.0.get(id).map_or(id, String::as_str)
    }

    /// `text` with every known id replaced by its name.
    fn text(&self, text: &str) -> String {
        let mut out = text.to_string();
        for (id, name) in &self.0 {
            out = out.replace(id.as_str(), name);
        }
        out
    }
}

fn money(v: &Value) -> String {
    let minor = v["minor"].as_i64().expect("minor");
    format!("{}.{:02} {}", minor / 100, minor % 100, s(&v["currency"]))
}

/// A time bound: when, by which rule, proved by which item. Among items that embed this one
/// and bound it at the same time the engine picks by id, which changes with every generation:
/// a `T.embedded_by` bound names no item.
fn bound(n: &Names, b: &Value) -> String {
    if b.is_null() {
        return "-".into();
    }
    let by = match s(&b["rule_id"]) {
        "T.embedded_by" => "(an item embedding it)",
        _ => n.name(s(&b["by"])),
    };
    format!("{} {} {by}", s(&b["at"]), s(&b["rule_id"]))
}

/// The ruling of `bundle`, one line per part, every id named (see the module doc). Items are
/// sorted (their order ties on ids); a finding's evidence is the sorted names of its items.
fn normalise(bundle: &Value, r: &Value) -> String {
    let n = Names::of(bundle, r);
    let c = &r["claim"];
    let mut out = vec![
        format!(
            "{} {} v{} agreement {}",
            s(&r["rules_version"]),
            s(&r["policy"]["id"]),
            r["policy"]["version"],
            n.name(s(&r["agreement"]))
        ),
        format!(
            "claim {} {}->{} {} {} {} filed {}",
            s(&c["kind"]),
            n.name(s(&c["claimant"])),
            n.name(s(&c["respondent"])),
            s(&c["subject"]["type"]),
            n.name(s(&c["subject"]["id"])),
            money(&c["amount"]),
            s(&c["filed_at"])
        ),
    ];
    let mut items: Vec<String> = r["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| {
            let ok = if i["admissible"] == true {
                "admitted"
            } else {
                "INADMISSIBLE"
            };
            let (e, l) = (bound(&n, &i["earliest"]), bound(&n, &i["latest"]));
            format!(
                "item {} {ok} {} | {e} | {l}",
                s(&i["what"]),
                s(&i["rule_id"])
            )
        })
        .collect();
    items.sort();
    out.extend(items);
    for f in r["findings"].as_array().expect("findings") {
        let mut on: Vec<&str> = f["evidence_ids"]
            .as_array()
            .expect("evidence ids")
            .iter()
            .map(|id| n.name(s(id)))
            .collect();
        on.sort_unstable();
        out.push(format!(
            "{} {} [{}] {}",
            s(&f["question"]),
            s(&f["rule_id"]),
            on.join(","),
            n.text(s(&f["answer"]))
        ));
    }
    let a = &r["allocation"];
    out.push(format!(
        "buyer_pays {} notary_pays {} seller_bears {} refund_to_buyer {}",
        money(&a["buyer_pays"]),
        money(&a["notary_pays"]),
        money(&a["seller_bears"]),
        money(&a["refund_to_buyer"])
    ));
    for act in r["actions"].as_array().expect("actions") {
        let fields = act.as_object().expect("an action is an object");
        let args: Vec<String> = fields
            .iter()
            .filter(|(k, _)| *k != "action")
            .map(|(k, v)| format!("{k}={}", n.name(s(v))))
            .collect();
        out.push(format!("{} {}", s(&act["action"]), args.join(" ")));
    }
    if r["actions"].as_array().is_some_and(Vec::is_empty) {
        out.push("no actions".into());
    }
    out.join("\n")
}

fn bundle_file(dir: &Path, row: &str) -> PathBuf {
    dir.join(format!("{row}.bundle.json"))
}

/// The normalised ruling of bundle file `file`, which `notar bundle verify` must pass.
fn ruling_of(file: &Path) -> String {
    let o = notar(&["bundle", "verify", p(file)]);
    assert_eq!(o.status.code(), Some(0), "{}: {}", file.display(), text(&o));
    let bundle = json(&std::fs::read(file).expect("read the bundle"));
    normalise(&bundle, &replay(file))
}

#[test]
fn every_committed_bundle_verifies_and_replays_to_its_rows_whole_ruling() {
    let mut failed = Vec::new();
    for row in ROWS {
        let got = ruling_of(&bundle_file(Path::new(CASES), row));
        let want = expected(row).trim();
        if got != want {
            failed.push(format!("--- {row}: got ---\n{got}\n--- want ---\n{want}\n"));
        }
    }
    assert!(failed.is_empty(), "\n{}", failed.join("\n"));
}

/// Every bundle in samples/cases is one of [`ROWS`]: none is left out of the comparison.
#[test]
fn every_bundle_in_samples_cases_is_a_row_of_this_test() {
    let mut files: Vec<String> = std::fs::read_dir(CASES)
        .expect("samples/cases")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter_map(|n| n.strip_suffix(".bundle.json").map(str::to_string))
        .collect();
    files.sort();
    let mut rows: Vec<&str> = ROWS.to_vec();
    rows.sort_unstable();
    assert_eq!(files, rows);
}

#[test]
fn the_generator_makes_bundles_with_the_same_rulings_as_the_committed_ones() {
    let out = tempfile::tempdir().expect("tmp");
    let mut args = vec!["samples", "cases", "--out", p(out.path())];
    args.extend(ROWS);
    let o = notar(&args);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let mut stale = Vec::new();
    for row in ROWS {
        let fresh = ruling_of(&bundle_file(out.path(), row));
        let committed = ruling_of(&bundle_file(Path::new(CASES), row));
        if fresh != committed {
            stale.push(format!(
                "--- {row}: fresh ---\n{fresh}\n--- committed ---\n{committed}\n"
            ));
        }
    }
    assert!(
        stale.is_empty(),
        "samples/cases is stale: regenerate it with `notar samples cases --out samples/cases` \
         (then review the expectations here)\n{}",
        stale.join("\n")
    );
}

#[test]
fn an_unknown_row_is_refused() {
    let out = tempfile::tempdir().expect("tmp");
    let o = notar(&["samples", "cases", "--out", p(out.path()), "D3"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("no row \"D3\""), "{}", text(&o));
}

/// Each row's whole ruling. The rows say who pays; the engine says more (every item's
/// admissibility and time bounds, every question answered): where that goes beyond the row's
/// words, a comment says so.
fn expected(row: &str) -> &'static str {
    match row {
        "D1" => D1,
        "D2" => D2,
        "D4-capped" => D4_CAPPED,
        "D4-strict" => D4_STRICT,
        "D5-capped" => D5_CAPPED,
        "D5-strict" => D5_STRICT,
        "D7" => D7,
        "D9" => D9,
        "D10" => D10,
        "D11" => D11,
        _ => panic!("no expectation for {row}"),
    }
}

/// D1: signed with kb1 before the revocation (the timestamp bounds it), guaranteed, delivered
/// (bob's goods receipt) → buyer_pays 300.00, seller_bears 0, the guarantee held for sally
/// until she settles it (bob owes its amount). Beyond the row: bob's answer
/// ("never ordered") changes nothing; the goods receipt is bounded only by the complaint
/// receipt that names it.
const D1: &str = r#"
notar-rules/1 semper-consumer v1 agreement ag-bob
claim non_payment sally->bob guarantee g300 300.00 EUR filed 2026-03-20T09:00:00.000Z
item complaint_receipt admitted A0.notary_logged | 2026-03-20T09:00:00.000Z T.notary_time #complaint_receipt | 2026-03-20T09:00:00.000Z T.notary_time #complaint_receipt
item complaint_response_receipt admitted A0.notary_logged | 2026-03-20T10:00:00.000Z T.notary_time #complaint_response_receipt | 2026-03-20T10:00:00.000Z T.notary_time #complaint_response_receipt
item goods_receipt admitted A0.admitted | - | 2026-03-02T15:00:01.000Z T.timestamp #timestamp
item guarantee admitted A0.notary_logged | 2026-03-01T10:00:05.000Z T.notary_time #guarantee | 2026-03-01T10:00:05.000Z T.notary_time #guarantee
item order admitted A0.admitted | - | 2026-03-01T10:00:01.000Z T.timestamp #timestamp
item timestamp admitted A0.notary_logged | 2026-03-01T09:59:59.000Z T.notary_time #timestamp | 2026-03-01T10:00:01.000Z T.notary_time #timestamp
item timestamp admitted A0.notary_logged | 2026-03-02T14:59:59.000Z T.notary_time #timestamp | 2026-03-02T15:00:01.000Z T.notary_time #timestamp
P P.recorded [] semper-consumer version 1, as agreement ag-bob recorded
Q1 Q1.valid [#order] order of 300.00 EUR signed by bob with key kb1
Q2 Q2.before_revocation [#order,#timestamp] signed by 2026-03-01T10:00:01.000Z at the latest, before the revocation registered at 2026-03-10T12:00:00.000Z
Q3 Q3.valid [#guarantee] guarantee g300 covers the order
Q4 Q4.covered [] the guarantee covers the order
Q5 Q5.goods_receipt [#goods_receipt] bob signed a receipt of the goods
Q6 Q6.not_shown [] nothing shows a payment by bob for this order
Q7 Q7.not_applicable [] no contract exchange
Q8 Q8.within_window [#order,#timestamp] filed 2026-03-20T09:00:00.000Z within the window ending 2026-05-30T10:00:01.000Z
buyer_pays 300.00 EUR notary_pays 0.00 EUR seller_bears 0.00 EUR refund_to_buyer 0.00 EUR
hold_guarantee guarantee_id=g300
"#;

/// D2: the order embeds a notary nonce logged 2026-03-11T08:59Z, after the revocation at R, so
/// it was signed after it (Q2.after_revocation, by the nonce); the guarantee was refused
/// (`key_revoked`); delivered → buyer_pays 0, seller_bears 350.00. Beyond the row: the order's
/// signature itself is valid (Q1), and Q4 finds it within the caps, which does not matter once
/// the key is shown revoked; bob's goods receipt (with kb2) is bounded below by the order.
const D2: &str = r#"
notar-rules/1 semper-consumer v1 agreement ag-bob
claim non_payment sally->bob order #order 350.00 EUR filed 2026-03-20T09:00:00.000Z
item complaint_receipt admitted A0.notary_logged | 2026-03-20T09:00:00.000Z T.notary_time #complaint_receipt | 2026-03-20T09:00:00.000Z T.notary_time #complaint_receipt
item complaint_response_receipt admitted A0.notary_logged | 2026-03-20T10:00:00.000Z T.notary_time #complaint_response_receipt | 2026-03-20T10:00:00.000Z T.notary_time #complaint_response_receipt
item goods_receipt admitted A0.admitted | 2026-03-11T08:59:00.000Z T.freshness #order | 2026-03-20T09:00:00.000Z T.embedded_by (an item embedding it)
item nonce admitted A0.notary_logged | 2026-03-11T08:59:00.000Z T.notary_time #nonce | 2026-03-11T08:59:00.000Z T.notary_time #nonce
item order admitted A0.admitted | 2026-03-11T08:59:00.000Z T.freshness #nonce | 2026-03-11T09:00:01.000Z T.timestamp #timestamp
item refusal admitted A0.notary_logged | 2026-03-11T09:00:02.000Z T.notary_time #refusal | 2026-03-11T09:00:02.000Z T.notary_time #refusal
item timestamp admitted A0.notary_logged | 2026-03-11T08:59:59.000Z T.notary_time #timestamp | 2026-03-11T09:00:01.000Z T.notary_time #timestamp
P P.recorded [] semper-consumer version 1, as agreement ag-bob recorded
Q1 Q1.valid [#order] order of 350.00 EUR signed by bob with key kb1
Q2 Q2.after_revocation [#nonce,#order] signed at 2026-03-11T08:59:00.000Z at the earliest, after the revocation registered at 2026-03-10T12:00:00.000Z
Q3 Q3.refused [#refusal] the notary refused a guarantee: key_revoked
Q4 Q4.within_caps [#order,#timestamp] uncovered_rule capped: at 2026-03-11T09:00:01.000Z the headroom was 1000.00 EUR and the per-transaction cap 500.00 EUR; the order would bind 350.00 EUR, but the buyer is not bound by an order Q2 does not show signed before the key's revocation
Q5 Q5.goods_receipt [#goods_receipt] bob signed a receipt of the goods
Q6 Q6.not_shown [] nothing shows a payment by bob for this order
Q7 Q7.not_applicable [] no contract exchange
Q8 Q8.within_window [#order,#timestamp] filed 2026-03-20T09:00:00.000Z within the window ending 2026-06-09T09:00:01.000Z
buyer_pays 0.00 EUR notary_pays 0.00 EUR seller_bears 350.00 EUR refund_to_buyer 0.00 EUR
no actions
"#;

/// D4 `capped`: an order of 800.00 above the per-transaction cap, the guarantee refused
/// (`per_transaction_cap_exceeded`), nothing outstanding, delivered → buyer_pays 500.00,
/// seller_bears 300.00. Beyond the row: the claim is about the order (by its digest); the
/// order is valid and signed before the revocation (Q1, Q2).
const D4_CAPPED: &str = r#"
notar-rules/1 semper-consumer v1 agreement ag-bob
claim non_payment sally->bob order #order 800.00 EUR filed 2026-03-20T09:00:00.000Z
item complaint_receipt admitted A0.notary_logged | 2026-03-20T09:00:00.000Z T.notary_time #complaint_receipt | 2026-03-20T09:00:00.000Z T.notary_time #complaint_receipt
item complaint_response_receipt admitted A0.notary_logged | 2026-03-20T10:00:00.000Z T.notary_time #complaint_response_receipt | 2026-03-20T10:00:00.000Z T.notary_time #complaint_response_receipt
item goods_receipt admitted A0.admitted | - | 2026-03-03T15:00:01.000Z T.timestamp #timestamp
item order admitted A0.admitted | - | 2026-03-02T10:00:01.000Z T.timestamp #timestamp
item refusal admitted A0.notary_logged | 2026-03-02T10:00:03.000Z T.notary_time #refusal | 2026-03-02T10:00:03.000Z T.notary_time #refusal
item timestamp admitted A0.notary_logged | 2026-03-02T09:59:59.000Z T.notary_time #timestamp | 2026-03-02T10:00:01.000Z T.notary_time #timestamp
item timestamp admitted A0.notary_logged | 2026-03-03T14:59:59.000Z T.notary_time #timestamp | 2026-03-03T15:00:01.000Z T.notary_time #timestamp
P P.recorded [] semper-consumer version 1, as agreement ag-bob recorded
Q1 Q1.valid [#order] order of 800.00 EUR signed by bob with key kb1
Q2 Q2.before_revocation [#order,#timestamp] signed by 2026-03-02T10:00:01.000Z at the latest, before the revocation registered at 2026-03-10T12:00:00.000Z
Q3 Q3.refused [#refusal] the notary refused a guarantee: per_transaction_cap_exceeded
Q4 Q4.over_per_tx_cap [#order,#timestamp] uncovered_rule capped: at 2026-03-02T10:00:01.000Z the headroom was 1000.00 EUR and the per-transaction cap 500.00 EUR; the order binds 500.00 EUR
Q5 Q5.goods_receipt [#goods_receipt] bob signed a receipt of the goods
Q6 Q6.not_shown [] nothing shows a payment by bob for this order
Q7 Q7.not_applicable [] no contract exchange
Q8 Q8.within_window [#order,#timestamp] filed 2026-03-20T09:00:00.000Z within the window ending 2026-05-31T10:00:01.000Z
buyer_pays 500.00 EUR notary_pays 0.00 EUR seller_bears 300.00 EUR refund_to_buyer 0.00 EUR
no actions
"#;

/// D4 `strict` (`semper-business`, the same caps): → buyer_pays 0, seller_bears 800.00. Beyond
/// the row: semper-business's dispute window is 60 days (Q8).
const D4_STRICT: &str = r#"
notar-rules/1 semper-business v1 agreement ag-bob
claim non_payment sally->bob order #order 800.00 EUR filed 2026-03-20T09:00:00.000Z
item complaint_receipt admitted A0.notary_logged | 2026-03-20T09:00:00.000Z T.notary_time #complaint_receipt | 2026-03-20T09:00:00.000Z T.notary_time #complaint_receipt
item complaint_response_receipt admitted A0.notary_logged | 2026-03-20T10:00:00.000Z T.notary_time #complaint_response_receipt | 2026-03-20T10:00:00.000Z T.notary_time #complaint_response_receipt
item goods_receipt admitted A0.admitted | - | 2026-03-03T15:00:01.000Z T.timestamp #timestamp
item order admitted A0.admitted | - | 2026-03-02T10:00:01.000Z T.timestamp #timestamp
item refusal admitted A0.notary_logged | 2026-03-02T10:00:03.000Z T.notary_time #refusal | 2026-03-02T10:00:03.000Z T.notary_time #refusal
item timestamp admitted A0.notary_logged | 2026-03-02T09:59:59.000Z T.notary_time #timestamp | 2026-03-02T10:00:01.000Z T.notary_time #timestamp
item timestamp admitted A0.notary_logged | 2026-03-03T14:59:59.000Z T.notary_time #timestamp | 2026-03-03T15:00:01.000Z T.notary_time #timestamp
P P.recorded [] semper-business version 1, as agreement ag-bob recorded
Q1 Q1.valid [#order] order of 800.00 EUR signed by bob with key kb1
Q2 Q2.before_revocation [#order,#timestamp] signed by 2026-03-02T10:00:01.000Z at the latest, before the revocation registered at 2026-03-10T12:00:00.000Z
Q3 Q3.refused [#refusal] the notary refused a guarantee: per_transaction_cap_exceeded
Q4 Q4.strict [#order] uncovered_rule strict: an order without a guarantee does not bind
Q5 Q5.goods_receipt [#goods_receipt] bob signed a receipt of the goods
Q6 Q6.not_shown [] nothing shows a payment by bob for this order
Q7 Q7.not_applicable [] no contract exchange
Q8 Q8.within_window [#order,#timestamp] filed 2026-03-20T09:00:00.000Z within the window ending 2026-05-01T10:00:01.000Z
buyer_pays 0.00 EUR notary_pays 0.00 EUR seller_bears 800.00 EUR refund_to_buyer 0.00 EUR
no actions
"#;

/// D5 `capped`: guarantees of 500.00 and 400.00 outstanding, an order of 300.00 refused
/// (`total_cap_exceeded`), delivered: the headroom at the order's time is 100.00 → buyer_pays
/// 100.00, seller_bears 200.00. Beyond the row: both guarantees are items (the export gathers
/// the agreement's guarantees), and the headroom is taken at the latest time the order can
/// have been signed (its timestamp).
const D5_CAPPED: &str = r#"
notar-rules/1 semper-consumer v1 agreement ag-bob
claim non_payment sally->bob order #order 300.00 EUR filed 2026-03-20T09:00:00.000Z
item complaint_receipt admitted A0.notary_logged | 2026-03-20T09:00:00.000Z T.notary_time #complaint_receipt | 2026-03-20T09:00:00.000Z T.notary_time #complaint_receipt
item complaint_response_receipt admitted A0.notary_logged | 2026-03-20T10:00:00.000Z T.notary_time #complaint_response_receipt | 2026-03-20T10:00:00.000Z T.notary_time #complaint_response_receipt
item goods_receipt admitted A0.admitted | - | 2026-03-06T15:00:01.000Z T.timestamp #timestamp
item guarantee admitted A0.notary_logged | 2026-03-03T10:00:00.000Z T.notary_time #guarantee | 2026-03-03T10:00:00.000Z T.notary_time #guarantee
item guarantee admitted A0.notary_logged | 2026-03-04T10:00:00.000Z T.notary_time #guarantee | 2026-03-04T10:00:00.000Z T.notary_time #guarantee
item order admitted A0.admitted | - | 2026-03-05T10:00:01.000Z T.timestamp #timestamp
item refusal admitted A0.notary_logged | 2026-03-05T10:00:03.000Z T.notary_time #refusal | 2026-03-05T10:00:03.000Z T.notary_time #refusal
item timestamp admitted A0.notary_logged | 2026-03-05T09:59:59.000Z T.notary_time #timestamp | 2026-03-05T10:00:01.000Z T.notary_time #timestamp
item timestamp admitted A0.notary_logged | 2026-03-06T14:59:59.000Z T.notary_time #timestamp | 2026-03-06T15:00:01.000Z T.notary_time #timestamp
P P.recorded [] semper-consumer version 1, as agreement ag-bob recorded
Q1 Q1.valid [#order] order of 300.00 EUR signed by bob with key kb1
Q2 Q2.before_revocation [#order,#timestamp] signed by 2026-03-05T10:00:01.000Z at the latest, before the revocation registered at 2026-03-10T12:00:00.000Z
Q3 Q3.refused [#refusal] the notary refused a guarantee: total_cap_exceeded
Q4 Q4.over_headroom [#guarantee,#guarantee,#order,#timestamp] uncovered_rule capped: at 2026-03-05T10:00:01.000Z the headroom was 100.00 EUR and the per-transaction cap 500.00 EUR; the order binds 100.00 EUR
Q5 Q5.goods_receipt [#goods_receipt] bob signed a receipt of the goods
Q6 Q6.not_shown [] nothing shows a payment by bob for this order
Q7 Q7.not_applicable [] no contract exchange
Q8 Q8.within_window [#order,#timestamp] filed 2026-03-20T09:00:00.000Z within the window ending 2026-06-03T10:00:01.000Z
buyer_pays 100.00 EUR notary_pays 0.00 EUR seller_bears 200.00 EUR refund_to_buyer 0.00 EUR
no actions
"#;

/// D5 `strict`: → buyer_pays 0, seller_bears 300.00.
const D5_STRICT: &str = r#"
notar-rules/1 semper-business v1 agreement ag-bob
claim non_payment sally->bob order #order 300.00 EUR filed 2026-03-20T09:00:00.000Z
item complaint_receipt admitted A0.notary_logged | 2026-03-20T09:00:00.000Z T.notary_time #complaint_receipt | 2026-03-20T09:00:00.000Z T.notary_time #complaint_receipt
item complaint_response_receipt admitted A0.notary_logged | 2026-03-20T10:00:00.000Z T.notary_time #complaint_response_receipt | 2026-03-20T10:00:00.000Z T.notary_time #complaint_response_receipt
item goods_receipt admitted A0.admitted | - | 2026-03-06T15:00:01.000Z T.timestamp #timestamp
item guarantee admitted A0.notary_logged | 2026-03-03T10:00:00.000Z T.notary_time #guarantee | 2026-03-03T10:00:00.000Z T.notary_time #guarantee
item guarantee admitted A0.notary_logged | 2026-03-04T10:00:00.000Z T.notary_time #guarantee | 2026-03-04T10:00:00.000Z T.notary_time #guarantee
item order admitted A0.admitted | - | 2026-03-05T10:00:01.000Z T.timestamp #timestamp
item refusal admitted A0.notary_logged | 2026-03-05T10:00:03.000Z T.notary_time #refusal | 2026-03-05T10:00:03.000Z T.notary_time #refusal
item timestamp admitted A0.notary_logged | 2026-03-05T09:59:59.000Z T.notary_time #timestamp | 2026-03-05T10:00:01.000Z T.notary_time #timestamp
item timestamp admitted A0.notary_logged | 2026-03-06T14:59:59.000Z T.notary_time #timestamp | 2026-03-06T15:00:01.000Z T.notary_time #timestamp
P P.recorded [] semper-business version 1, as agreement ag-bob recorded
Q1 Q1.valid [#order] order of 300.00 EUR signed by bob with key kb1
Q2 Q2.before_revocation [#order,#timestamp] signed by 2026-03-05T10:00:01.000Z at the latest, before the revocation registered at 2026-03-10T12:00:00.000Z
Q3 Q3.refused [#refusal] the notary refused a guarantee: total_cap_exceeded
Q4 Q4.strict [#order] uncovered_rule strict: an order without a guarantee does not bind
Q5 Q5.goods_receipt [#goods_receipt] bob signed a receipt of the goods
Q6 Q6.not_shown [] nothing shows a payment by bob for this order
Q7 Q7.not_applicable [] no contract exchange
Q8 Q8.within_window [#order,#timestamp] filed 2026-03-20T09:00:00.000Z within the window ending 2026-05-04T10:00:01.000Z
buyer_pays 0.00 EUR notary_pays 0.00 EUR seller_bears 300.00 EUR refund_to_buyer 0.00 EUR
no actions
"#;

/// D7: paid by the delivery affidavit of the payment-for-receipt exchange → nothing owed.
/// Beyond the row: an exchange case applies the notary's `[exchanges]` policy with no agreement
/// (`none`), and Q5 finds no delivery (the claim is about payment).
const D7: &str = r#"
notar-rules/1 semper-consumer v1 agreement none
claim non_payment sally->bob tid tid 120.00 EUR filed 2026-03-20T09:00:00.000Z
item complaint_receipt admitted A0.notary_logged | 2026-03-20T09:00:00.000Z T.notary_time #complaint_receipt | 2026-03-20T09:00:00.000Z T.notary_time #complaint_receipt
item complaint_response_receipt admitted A0.notary_logged | 2026-03-20T10:00:00.000Z T.notary_time #complaint_response_receipt | 2026-03-20T10:00:00.000Z T.notary_time #complaint_response_receipt
item delivery_affidavit admitted A0.notary_logged | 2026-03-12T10:00:00.000Z T.notary_time #delivery_affidavit | 2026-03-12T10:00:00.000Z T.notary_time #delivery_affidavit
item exchange_receipt admitted A0.admitted | - | 2026-03-12T10:00:00.000Z T.embedded_by (an item embedding it)
item item_escrow admitted A0.admitted | - | 2026-03-12T10:00:00.000Z T.embedded_by (an item embedding it)
item offer admitted A0.admitted | - | 2026-03-12T10:00:00.000Z T.embedded_by (an item embedding it)
P P.recorded [] semper-consumer version 1, as the complaint receipt recorded (an exchange case)
Q1 Q1.no_order [] no admissible order
Q2 Q2.not_applicable [] no valid order
Q3 Q3.not_applicable [] no valid order
Q4 Q4.not_applicable [] no valid order
Q5 Q5.not_shown [] nothing shows a delivery
Q6 Q6.paid_by_affidavit [#delivery_affidavit,#offer] bob paid 120.00 EUR to sally
Q7 Q7.not_applicable [] no contract exchange
Q8 Q8.within_window [#delivery_affidavit] filed 2026-03-20T09:00:00.000Z within the window ending 2026-06-10T10:00:00.000Z
buyer_pays 0.00 EUR notary_pays 0.00 EUR seller_bears 0.00 EUR refund_to_buyer 0.00 EUR
no actions
"#;

/// D9: a guaranteed order whose delivering exchange (named by the order's tid) was aborted by
/// sally, no key released → buyer_pays 0, the guarantee released (exposure −180.00). Beyond the
/// row: the order is valid and covered (Q1–Q4); the offer and the abort token reach the bundle
/// as bob's evidence.
const D9: &str = r#"
notar-rules/1 semper-consumer v1 agreement ag-bob
claim non_payment sally->bob guarantee g180 180.00 EUR filed 2026-03-20T09:00:00.000Z
item abort_request admitted A0.admitted | - | 2026-03-07T10:00:00.000Z T.embedded_by (an item embedding it)
item abort_token admitted A0.notary_logged | 2026-03-07T10:00:00.000Z T.notary_time #abort_token | 2026-03-07T10:00:00.000Z T.notary_time #abort_token
item complaint_receipt admitted A0.notary_logged | 2026-03-20T09:00:00.000Z T.notary_time #complaint_receipt | 2026-03-20T09:00:00.000Z T.notary_time #complaint_receipt
item complaint_response_receipt admitted A0.notary_logged | 2026-03-20T10:00:00.000Z T.notary_time #complaint_response_receipt | 2026-03-20T10:00:00.000Z T.notary_time #complaint_response_receipt
item guarantee admitted A0.notary_logged | 2026-03-06T10:00:02.000Z T.notary_time #guarantee | 2026-03-06T10:00:02.000Z T.notary_time #guarantee
item offer admitted A0.admitted | - | 2026-03-07T10:00:00.000Z T.embedded_by (an item embedding it)
item order admitted A0.admitted | - | 2026-03-06T10:00:01.000Z T.timestamp #timestamp
item timestamp admitted A0.notary_logged | 2026-03-06T09:59:59.000Z T.notary_time #timestamp | 2026-03-06T10:00:01.000Z T.notary_time #timestamp
P P.recorded [] semper-consumer version 1, as agreement ag-bob recorded
Q1 Q1.valid [#order] order of 180.00 EUR signed by bob with key kb1
Q2 Q2.before_revocation [#order,#timestamp] signed by 2026-03-06T10:00:01.000Z at the latest, before the revocation registered at 2026-03-10T12:00:00.000Z
Q3 Q3.valid [#guarantee] guarantee g180 covers the order
Q4 Q4.covered [] the guarantee covers the order
Q5 Q5.aborted [#abort_token] the delivering exchange was aborted; no key was released
Q6 Q6.not_shown [] nothing shows a payment by bob for this order
Q7 Q7.not_applicable [] no contract exchange
Q8 Q8.within_window [#order,#timestamp] filed 2026-03-20T09:00:00.000Z within the window ending 2026-06-04T10:00:01.000Z
buyer_pays 0.00 EUR notary_pays 0.00 EUR seller_bears 0.00 EUR refund_to_buyer 0.00 EUR
release_guarantee guarantee_id=g180
"#;

/// D10: the responder's resolve after the originator's abort got the abort token → no
/// contract. Beyond the row: bob's complaint with m1 and m2 is settled at filing by the
/// protocol (the notary answers with its stored abort token); the abort request is carried in
/// the token, not an item of its own.
const D10: &str = r#"
notar-rules/1 semper-consumer v1 agreement none
claim contract_validity bob->sally tid tid 250.00 EUR filed 2026-03-20T09:00:00.000Z
item abort_request admitted A0.admitted | - | 2026-03-12T10:00:00.000Z T.embedded_by (an item embedding it)
item abort_token admitted A0.notary_logged | 2026-03-12T10:00:00.000Z T.notary_time #abort_token | 2026-03-12T10:00:00.000Z T.notary_time #abort_token
item acceptance admitted A0.admitted | - | 2026-03-20T09:00:00.000Z T.embedded_by (an item embedding it)
item complaint_receipt admitted A0.notary_logged | 2026-03-20T09:00:00.000Z T.notary_time #complaint_receipt | 2026-03-20T09:00:00.000Z T.notary_time #complaint_receipt
item offer admitted A0.admitted | - | 2026-03-12T10:00:00.000Z T.embedded_by (an item embedding it)
P P.recorded [] semper-consumer version 1, as the complaint receipt recorded (an exchange case)
Q1 Q1.no_order [] no admissible order
Q2 Q2.not_applicable [] no valid order
Q3 Q3.not_applicable [] no valid order
Q4 Q4.not_applicable [] no valid order
Q5 Q5.not_shown [] nothing shows a delivery
Q6 Q6.not_shown [] nothing shows a payment by sally
Q7 Q7.aborted [#abort_token,#offer] no contract: the exchange was aborted
Q8 Q8.within_window [#abort_token] filed 2026-03-20T09:00:00.000Z within the window ending 2026-06-10T10:00:00.000Z
buyer_pays 0.00 EUR notary_pays 0.00 EUR seller_bears 0.00 EUR refund_to_buyer 0.00 EUR
no actions
"#;

/// D11: the responder resolved first; the originator's later abort got the same replacement
/// contract → the contract binds both. Beyond the row: sally's complaint with m1 and her abort
/// request is settled at filing by the protocol (the stored replacement).
const D11: &str = r#"
notar-rules/1 semper-consumer v1 agreement none
claim contract_validity sally->bob tid tid 250.00 EUR filed 2026-03-20T09:00:00.000Z
item abort_request admitted A0.admitted | - | 2026-03-20T09:00:00.000Z T.embedded_by (an item embedding it)
item acceptance admitted A0.admitted | - | 2026-03-12T10:00:00.000Z T.embedded_by (an item embedding it)
item complaint_receipt admitted A0.notary_logged | 2026-03-20T09:00:00.000Z T.notary_time #complaint_receipt | 2026-03-20T09:00:00.000Z T.notary_time #complaint_receipt
item offer admitted A0.admitted | - | 2026-03-12T10:00:00.000Z T.embedded_by (an item embedding it)
item replacement_contract admitted A0.notary_logged | 2026-03-12T10:00:00.000Z T.notary_time #replacement_contract | 2026-03-12T10:00:00.000Z T.notary_time #replacement_contract
P P.recorded [] semper-consumer version 1, as the complaint receipt recorded (an exchange case)
Q1 Q1.no_order [] no admissible order
Q2 Q2.not_applicable [] no valid order
Q3 Q3.not_applicable [] no valid order
Q4 Q4.not_applicable [] no valid order
Q5 Q5.not_shown [] nothing shows a delivery
Q6 Q6.not_shown [] nothing shows a payment by bob
Q7 Q7.replacement_contract [#offer,#replacement_contract] contract valid: the notary's replacement contract binds both
Q8 Q8.within_window [#replacement_contract] filed 2026-03-20T09:00:00.000Z within the window ending 2026-06-10T10:00:00.000Z
buyer_pays 0.00 EUR notary_pays 0.00 EUR seller_bears 0.00 EUR refund_to_buyer 0.00 EUR
no actions
"#;
