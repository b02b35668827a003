//! A standard contract beats an abort token (docs/design.md §6.5, Q7), through the real binary:
//! sally offers bob a contract, bob accepts, they swap their nonces (a complete standard
//! contract), then sally has the notary abort it anyway. bob complains with m1, m2, the abort
//! token and both nonces (`--nonce`, their pre-images): the notary does not settle the case
//! with its abort token (that is the dispute), and the ruling finds the contract valid.

mod util;

use std::path::{Path, PathBuf};

use ed25519_dalek::pkcs8::{spki::der::pem::LineEnding, EncodePrivateKey};
use serde_json::Value;
use util::cases::export;
use util::exchange::Party;
use util::ledger::Admin;
use util::*;

fn pem(dir: &Path, name: &str, p: &Party) -> PathBuf {
    let path = dir.join(format!("{name}.pem"));
    let text = p.key.to_pkcs8_pem(LineEnding::LF).expect("pem");
    std::fs::write(&path, text.as_bytes()).expect("write key");
    path
}

/// `notar ARGS` in `dir`, which must succeed; its stdout.
fn ok(args: &[&str]) -> Vec<u8> {
    let o = notar(args);
    assert!(o.status.success(), "notar {args:?}: {}", text(&o));
    o.stdout
}

#[test]
fn a_standard_contract_the_originator_aborted_is_ruled_valid() {
    let data = DataDir::init();
    let srv = Server::start(&data);
    let mut admin = Admin::connect(&data);
    let dir = data.work();
    let (sally, bob) = (admin.party("sally", "seller"), admin.party("bob", "buyer"));
    let (ks, kb) = (pem(dir, "sally", &sally), pem(dir, "bob", &bob));
    let f = |name: &str| dir.join(name);
    std::fs::write(f("deal.txt"), b"sally sells bob the boat for 50.00 EUR").expect("deal");
    let url = srv.url.as_str();
    ok(&[
        "exchange",
        "offer",
        "--notary",
        url,
        "--key",
        p(&ks),
        "--originator",
        &sally.id,
        "--responder",
        &bob.id,
        "--contract",
        p(&f("deal.txt")),
        "--out",
        p(&f("m1.json")),
        "--nonce-out",
        p(&f("na.hex")),
    ]);
    ok(&[
        "exchange",
        "accept",
        "--key",
        p(&kb),
        "--m1",
        p(&f("m1.json")),
        "--contract",
        p(&f("deal.txt")),
        "--out",
        p(&f("m2.json")),
        "--nonce-out",
        p(&f("nb.hex")),
    ]);
    ok(&[
        "exchange",
        "abort",
        "--notary",
        url,
        "--key",
        p(&ks),
        "--m1",
        p(&f("m1.json")),
        "--out",
        p(&f("abort.json")),
    ]);
    let abort = json(&std::fs::read(f("abort.json")).expect("abort"));
    let tid = abort["payload"]["tid"].as_str().expect("tid").to_string();

    let filed = json(&ok(&[
        "complaint",
        "file",
        "--key",
        p(&kb),
        "--notary",
        url,
        "--claimant",
        &bob.id,
        "--respondent",
        &sally.id,
        "--kind",
        "contract_validity",
        "--tid",
        &tid,
        "--amount",
        "50.00",
        "--currency",
        "EUR",
        "--statement",
        "We both signed; she aborted anyway.",
        "--evidence",
        p(&f("m1.json")),
        "--evidence",
        p(&f("m2.json")),
        "--evidence",
        p(&f("abort.json")),
        "--nonce",
        p(&f("na.hex")),
        "--nonce",
        p(&f("nb.hex")),
        "--json",
    ]));
    assert!(
        filed.get("settlement").is_none(),
        "not settled by the abort: {filed}"
    );
    let id = filed["complaint_id"].as_str().expect("id").to_string();
    ok(&[
        "complaint",
        "respond",
        &id,
        "--key",
        p(&ks),
        "--notary",
        url,
        "--statement",
        "I aborted in time.",
    ]);

    let bundle = export(&data, &id, "case.json");
    let ruling: Value = json(&ok(&["replay", p(&bundle), "--json"]));
    let q7 = ruling["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["question"] == "Q7")
        .cloned()
        .expect("Q7");
    assert_eq!(q7["rule_id"], "Q7.standard_contract", "{ruling}");
    let reveals = ruling["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|i| i["what"] == "nonce_reveal" && i["admissible"] == true)
        .count();
    assert_eq!(reveals, 2, "{ruling}");
    let signed = json(&ok(&["--data", data.arg(), "case", "rule", &id, "--json"]));
    assert_eq!(signed["status"], "ruled", "{signed}");
}
