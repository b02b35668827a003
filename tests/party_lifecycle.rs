//! A party's lifecycle after registration, on the command line against a real `notar serve`:
//! a seller's API token rotated and revoked (`notar party token rotate|revoke`), the old token
//! refused at once and after a restart, the change logged without the token; and a party
//! registered with its first key as one signed change in one batch.

mod util;

use std::process::Output;

use serde_json::{json, Value};
use util::ledger::*;
use util::*;

/// `notar ARGS --data DIR`.
fn n(data: &DataDir, args: &[&str]) -> Output {
    let mut all = args.to_vec();
    all.extend(["--data", data.arg()]);
    notar(&all)
}

/// The status of a coverage check made with `token`.
fn check_status(url: &str, agreement_id: &str, token: &str) -> u16 {
    let path = format!("/v1/agreements/{agreement_id}/check?amount=10.00");
    get(url, &path, Some(token)).0
}

/// `notar party token rotate SELLER`: the new token, read from the one stdout line that has it.
fn rotate(data: &DataDir, seller_id: &str) -> String {
    let o = n(data, &["party", "token", "rotate", seller_id]);
    assert!(o.status.success(), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("shown only once"), "{out}");
    let token = out
        .lines()
        .find_map(|l| l.strip_prefix("API token"))
        .expect("token line")
        .trim()
        .to_string();
    assert!(token.starts_with("nts_"), "{out}");
    assert!(
        !String::from_utf8_lossy(&o.stderr).contains(&token),
        "the token went to stderr"
    );
    token
}

/// The last log entry: a `seller_token` entry for `seller_id` saying `change`, which names
/// neither `token` nor its hash.
fn token_entry_logged(url: &str, seller_id: &str, change: &str, token: &str) {
    let index = log_size(url) - 1;
    let entry = log_entry(url, index);
    assert_eq!(entry["kind"], "seller_token", "{entry}");
    let payload = &entry["body"]["payload"];
    assert_eq!(payload["party_id"], seller_id, "{entry}");
    assert_eq!(payload["change"], change, "{entry}");
    assert_eq!(payload["log_index"], index, "{entry}");
    let text = entry.to_string();
    let hash = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(token.as_bytes()));
    assert!(!text.contains(token) && !text.contains(&hash), "{entry}");
    verified(&entry["body"], &notary_key(url));
}

#[test]
fn a_rotated_or_revoked_token_stops_working_at_once_and_after_a_restart() {
    let data = DataDir::init();
    let srv = Server::start(&data);
    let mut admin = Admin::connect(&data);
    let deal = make_deal(&mut admin, 100_000, 50_000);
    let (url, ag) = (srv.url.clone(), deal.agreement_id.clone());
    assert_eq!(check_status(&url, &ag, &deal.token), 200);

    let first = rotate(&data, &deal.seller_id);
    assert_eq!(
        check_status(&url, &ag, &deal.token),
        401,
        "old token still works"
    );
    assert_eq!(check_status(&url, &ag, &first), 200);
    token_entry_logged(&url, &deal.seller_id, "rotated", &first);

    let second = rotate(&data, &deal.seller_id);
    assert_eq!(check_status(&url, &ag, &first), 401);
    assert_eq!(check_status(&url, &ag, &second), 200);

    drop(admin);
    srv.stop();
    let srv = Server::start(&data);
    let url = srv.url.clone();
    for old in [&deal.token, &first] {
        assert_eq!(check_status(&url, &ag, old), 401, "an old token came back");
    }
    assert_eq!(check_status(&url, &ag, &second), 200);

    let o = n(&data, &["party", "token", "revoke", &deal.seller_id]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        !String::from_utf8_lossy(&o.stdout).contains("nts_"),
        "{}",
        text(&o)
    );
    assert_eq!(check_status(&url, &ag, &second), 401);
    token_entry_logged(&url, &deal.seller_id, "revoked", &second);
    revoking_twice_and_a_buyer_are_refused(&data, &deal);

    srv.kill9();
    let srv = Server::start(&data);
    assert_eq!(
        check_status(&srv.url, &ag, &second),
        401,
        "revoked token back"
    );
    // A rotation gives a revoked seller a token again.
    let third = rotate(&data, &deal.seller_id);
    assert_eq!(check_status(&srv.url, &ag, &third), 200);
}

/// Revoking a revoked token is a conflict (exit 1); a buyer has no token (exit 2); an unknown
/// party is named (exit 2). None of them logs anything.
fn revoking_twice_and_a_buyer_are_refused(data: &DataDir, deal: &Deal) {
    let cases = [
        (
            vec!["revoke", deal.seller_id.as_str()],
            1,
            "already_revoked",
        ),
        (vec!["revoke", deal.buyer_id.as_str()], 2, "bad_request"),
        (vec!["rotate", deal.buyer_id.as_str()], 2, "bad_request"),
        (vec!["rotate", "no-such-party"], 2, "unknown_party"),
    ];
    for (args, exit, code) in cases {
        let mut all = vec!["party", "token"];
        all.extend(args);
        let o = n(data, &all);
        assert_eq!(o.status.code(), Some(exit), "{all:?}: {}", text(&o));
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(stderr.contains(&format!("({code})")), "{all:?}: {stderr}");
    }
}

/// Sizes of the most recent checkpoints (one per durable batch).
fn checkpoint_sizes(admin: &mut Admin) -> Vec<u64> {
    let r = admin.ok("checkpoints", json!({"limit": 50}));
    r["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|c| c["size"].as_u64().expect("size"))
        .collect()
}

#[test]
fn a_party_and_its_first_key_are_one_change_in_one_batch() {
    let data = DataDir::init();
    let srv = Server::start(&data);
    let mut admin = Admin::connect(&data);
    let key = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
    let key_hex = hex::encode(key.verifying_key().to_bytes());
    let before = log_size(&srv.url);

    let o = n(
        &data,
        &[
            "party",
            "add",
            "--name",
            "Bob",
            "--role",
            "buyer",
            "--key-hex",
            &key_hex,
            "--json",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    let reply: Value = json(&o.stdout);
    let party_id = reply["party"]["id"].as_str().expect("party id").to_string();
    assert_eq!(reply["key"]["party_id"], party_id, "{reply}");
    assert_eq!(log_size(&srv.url), before + 2);
    let party = log_entry(&srv.url, before);
    let key_entry = log_entry(&srv.url, before + 1);
    assert_eq!(party["kind"], "party", "{party}");
    assert_eq!(key_entry["kind"], "key_registration", "{key_entry}");
    assert_eq!(key_entry["body"]["payload"]["party_id"], party_id);
    assert_eq!(key_entry["body"]["payload"]["log_index"], before + 1);
    let sizes = checkpoint_sizes(&mut admin);
    assert!(sizes.contains(&(before + 2)), "{sizes:?}");
    assert!(
        !sizes.contains(&(before + 1)),
        "the party was made durable without its key: checkpoints {sizes:?}"
    );

    // A key the notary refuses (registered already) registers nothing: no party is left behind.
    let o = n(
        &data,
        &[
            "party",
            "add",
            "--name",
            "Carol",
            "--role",
            "buyer",
            "--key-hex",
            &key_hex,
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("(key_exists)"),
        "{}",
        text(&o)
    );
    assert_eq!(log_size(&srv.url), before + 2);
    let parties = admin.ok("parties", json!({"query": "carol"}));
    assert_eq!(parties["items"], json!([]), "{parties}");
}
