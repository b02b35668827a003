//! Parties, keys, agreements, revocation and guarantee checks as an operator and a buyer meet
//! them on the command line: `notar party | agreement | revoke | order sign | verify` against a
//! real `notar serve`, with keys, certificates and CRLs made by openssl and requests sent by curl.

mod util;

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::{json, Value};
use util::x509::{gencrl, issue, make_ca, Ca};
use util::*;

/// `notar ARGS --data DIR`.
fn n(data: &DataDir, args: &[&str]) -> Output {
    let mut all = args.to_vec();
    all.extend(["--data", data.arg()]);
    notar(&all)
}

/// `notar ARGS --data DIR --json`, which must succeed; the parsed stdout.
fn nj(data: &DataDir, args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.push("--json");
    let o = n(data, &all);
    assert!(o.status.success(), "notar {args:?} failed: {}", text(&o));
    json(&o.stdout)
}

/// Asserts exit code `exit` and the wire code `(code)` on stderr.
fn fails(o: &Output, exit: i32, code: &str) {
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(
        o.status.code(),
        Some(exit),
        "expected exit {exit}: {}",
        text(o)
    );
    assert!(
        stderr.contains(&format!("({code})")),
        "expected code {code} on stderr: {stderr}"
    );
    assert!(stderr.starts_with("error: "), "stderr: {stderr}");
}

fn key_id_of(raw_hex: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(hex::decode(raw_hex).expect("hex")))
}

/// The words of a command line whose arguments hold no spaces (the temp paths do not).
fn words(line: &str) -> Vec<&str> {
    line.split_whitespace().collect()
}

/// A string field (an id, a token, a key) of a JSON answer.
fn str_of(v: &Value, field: &str) -> String {
    v[field].as_str().expect(field).to_string()
}

/// An agreement for `buyer_id` under semper-consumer with caps of 1000.00 and 500.00 EUR.
fn create_agreement(data: &DataDir, buyer_id: &str) -> Value {
    let caps = "--total-cap 1000.00 --per-tx-cap 500.00";
    let line = format!("agreement create --buyer {buyer_id} --policy semper-consumer {caps}");
    nj(data, &words(&line))
}

/// A buyer's keys as raw hex: one registered as hex, one as an openssl public key file.
struct BuyerKeys {
    raw1: String,
    raw2: String,
}

#[test]
fn parties_keys_agreements_and_manual_revocation() {
    let data = DataDir::init();
    let srv = Server::start(&data);
    let (buyer_id, keys) = a_buyer_with_two_keys(&data);
    a_seller_gets_its_token_shown_once(&data);
    the_buyer_is_listed_and_shown(&data, &buyer_id, &keys);
    let ag_id = an_agreement_with_decimal_caps(&data, &buyer_id);
    suspend_resume_end_and_ended_is_final(&data, &ag_id);
    let kid1 = revoke_by_hand_once(&data, &buyer_id, &keys);

    // Bad inputs: a clear code, exit 2 (1 for conflicts), and nothing changes.
    let before = ledger::log_size(&srv.url);
    for (line, exit, code) in refused_commands(&buyer_id, &keys) {
        refused(&data, &words(&line), exit, code);
    }
    let garbage = data.work().join("garbage.crl");
    std::fs::write(&garbage, b"not a CRL").expect("write");
    refused(
        &data,
        &["revoke", "--crl", p(&garbage)],
        2,
        "crl_unparsable",
    );
    assert_eq!(
        ledger::log_size(&srv.url),
        before,
        "refused inputs changed the log"
    );
    let bobs = nj(&data, &words("party list bob"));
    assert_eq!(bobs["items"].as_array().map(Vec::len), Some(0), "{bobs}");

    // Usage errors caught by the argument parser exit 2 as well.
    let o = n(&data, &["party", "key-add", &buyer_id]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let o = n(&data, &["revoke", &kid1]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert_eq!(ledger::log_size(&srv.url), before);
}

/// Alice, a buyer, with two keys: raw hex, and an openssl public key file.
fn a_buyer_with_two_keys(data: &DataDir) -> (String, BuyerKeys) {
    let buyer = nj(data, &words("party add --name Alice --role buyer"));
    assert_eq!(buyer["kind"], "party_registered");
    assert_eq!(buyer["party"]["role"], "buyer");
    assert!(buyer.get("api_token").is_none(), "buyers get no token");
    let buyer_id = str_of(&buyer["party"], "id");
    let raw1 = ed25519_key(data.work(), "k1").hex;
    let k2 = ed25519_key(data.work(), "k2");
    let k1 = nj(data, &["party", "key-add", &buyer_id, "--key-hex", &raw1]);
    assert_eq!(k1["kind"], "key");
    assert_eq!(k1["key_id"], key_id_of(&raw1));
    assert_eq!(k1["source"], "raw");
    assert_eq!(k1["status"], "not_revoked");
    let added = nj(
        data,
        &["party", "key-add", &buyer_id, "--pubkey", p(&k2.pubkey)],
    );
    assert_eq!(
        added["key_id"],
        key_id_of(&k2.hex),
        "the PEM gives the same key"
    );
    let keys = BuyerKeys { raw1, raw2: k2.hex };
    (buyer_id, keys)
}

/// A seller: the token is printed once, with a line saying so.
fn a_seller_gets_its_token_shown_once(data: &DataDir) {
    let o = n(data, &words("party add --name Shop --role seller"));
    assert!(o.status.success(), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    let token_line = out
        .lines()
        .find(|l| l.starts_with("API token"))
        .expect("token line");
    assert!(token_line.contains("nts_"), "{out}");
    assert!(out.contains("shown only once"), "{out}");
}

fn the_buyer_is_listed_and_shown(data: &DataDir, buyer_id: &str, keys: &BuyerKeys) {
    let show = nj(data, &["party", "show", buyer_id]);
    assert_eq!(show["party"]["name"], "Alice");
    let shown = show["keys"].as_array().expect("keys");
    assert_eq!(shown.len(), 2);
    assert!(shown.iter().all(|k| k["status"] == "not_revoked"));
    let list = nj(data, &words("party list ali"));
    let items = list["items"].as_array().expect("items");
    assert_eq!(items.len(), 1, "{list}");
    assert_eq!(items[0]["id"], buyer_id);
    assert_eq!(items[0]["keys"], 2);
    assert_eq!(
        nj(data, &["party", "list"])["items"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );
    let human = n(data, &["party", "show", buyer_id]);
    let human = String::from_utf8_lossy(&human.stdout);
    assert!(
        human.contains(&key_id_of(&keys.raw2)) && human.contains("not_revoked"),
        "{human}"
    );
}

/// An agreement with decimal caps in the policy's currency; its id.
fn an_agreement_with_decimal_caps(data: &DataDir, buyer_id: &str) -> String {
    let ag = create_agreement(data, buyer_id);
    assert_eq!(ag["kind"], "agreement");
    assert_eq!(ag["total_cap_minor"], 100_000);
    assert_eq!(ag["per_tx_cap_minor"], 50_000);
    assert_eq!(ag["currency"], "EUR");
    assert_eq!(ag["status"], "active");
    assert_eq!(ag["keys"].as_array().map(Vec::len), Some(2));
    let ag_id = str_of(&ag, "id");
    let detail = nj(data, &["agreement", "show", &ag_id]);
    assert_eq!(detail["agreement"]["buyer_name"], "Alice");
    assert_eq!(detail["keys"].as_array().map(Vec::len), Some(2));
    let human = n(data, &["agreement", "show", &ag_id]);
    let human = String::from_utf8_lossy(&human.stdout);
    assert!(
        human.contains("1000.00 EUR") && human.contains("500.00 EUR"),
        "{human}"
    );
    let listed = nj(data, &words("agreement list alice"));
    assert_eq!(listed["items"][0]["id"], ag_id.as_str());
    ag_id
}

fn suspend_resume_end_and_ended_is_final(data: &DataDir, ag_id: &str) {
    let status = |cmd: &str| n(data, &["agreement", cmd, ag_id, "--reason", "test"]);
    let s = nj(data, &["agreement", "suspend", ag_id, "--reason", "audit"]);
    assert_eq!(s["status"], "suspended");
    let s = nj(
        data,
        &["agreement", "resume", ag_id, "--reason", "audit done"],
    );
    assert_eq!(s["status"], "active");
    let s = nj(data, &["agreement", "end", ag_id, "--reason", "closed"]);
    assert_eq!(s["status"], "ended");
    fails(&status("resume"), 1, "bad_transition");
    fails(&status("suspend"), 1, "bad_transition");
    assert_eq!(
        nj(data, &["agreement", "show", ag_id])["agreement"]["status"],
        "ended"
    );
}

/// Revokes the first key by hand; a second revocation is refused. The key's id.
fn revoke_by_hand_once(data: &DataDir, buyer_id: &str, keys: &BuyerKeys) -> String {
    let kid1 = key_id_of(&keys.raw1);
    let r = nj(data, &["revoke", &kid1, "--reason", "lost laptop"]);
    assert_eq!(r["status"], "revoked");
    assert_eq!(r["revocation_reason"], "lost laptop");
    fails(
        &n(data, &["revoke", &kid1, "--reason", "again"]),
        1,
        "already_revoked",
    );
    let show = nj(data, &["party", "show", buyer_id]);
    let k = show["keys"]
        .as_array()
        .and_then(|ks| ks.iter().find(|k| k["key_id"] == kid1.as_str()))
        .expect("key 1");
    assert_eq!(k["status"], "revoked");
    assert!(k["revoked_at"].is_string());
    kid1
}

/// Asserts that `notar ARGS` fails with `exit` and `code` and prints no data.
fn refused(data: &DataDir, args: &[&str], exit: i32, code: &str) {
    let o = n(data, args);
    fails(&o, exit, code);
    assert!(o.stdout.is_empty(), "{args:?} printed data: {}", text(&o));
}

/// Command lines the CLI refuses, with the exit code and wire code each must get.
fn refused_commands(buyer_id: &str, keys: &BuyerKeys) -> Vec<(String, i32, &'static str)> {
    let (short, raw2) = (&keys.raw1[..62], &keys.raw2);
    let bob = "party add --name Bob --role buyer --key-hex";
    let create = format!("agreement create --buyer {buyer_id} --policy");
    vec![
        (format!("{bob} zz"), 2, "bad_key"),
        (format!("{bob} {short}"), 2, "bad_key"),
        // Small-order points (the identity, a point of order 4): anyone can make signatures that
        // verify under them, so such a key could never bind its holder to an order.
        (format!("{bob} 01{}", "00".repeat(31)), 2, "bad_key"),
        (format!("{bob} {}", "00".repeat(32)), 2, "bad_key"),
        (
            "party add --name Alice --role buyer".into(),
            1,
            "party_exists",
        ),
        (
            format!("party key-add no-such-party --key-hex {raw2}"),
            2,
            "unknown_party",
        ),
        (
            format!("party key-add {buyer_id} --key-hex {raw2}"),
            1,
            "key_exists",
        ),
        ("party show no-such-party".into(), 2, "unknown_party"),
        (
            format!("{create} semper-consumer --total-cap 12.345"),
            2,
            "bad_amount",
        ),
        (
            format!("{create} semper-consumer --per-tx-cap 5,00"),
            2,
            "bad_amount",
        ),
        (
            format!("{create} no-such-policy --total-cap 10"),
            2,
            "unknown_policy",
        ),
        (format!("{create} no-such-policy"), 2, "unknown_policy"),
        (
            "agreement create --buyer no-such-buyer --policy semper-consumer".into(),
            2,
            "unknown_party",
        ),
        (
            format!("{create} semper-consumer --valid-until tomorrow"),
            2,
            "bad_request",
        ),
        (
            "agreement suspend no-such-agreement --reason x".into(),
            2,
            "unknown_agreement",
        ),
        ("revoke no-such-key --reason x".into(), 2, "unknown_key"),
    ]
}

/// A total cap given alone lowers the policy's per-transaction cap to it when it is larger
/// (s9 F6: `--total-cap 150.00` alone was refused, per-tx 500.00 > total); above it, the
/// policy's stands.
#[test]
fn a_total_cap_alone_bounds_the_default_per_transaction_cap() {
    let data = DataDir::init();
    let _srv = Server::start(&data);
    let (buyer_id, _) = a_buyer_with_two_keys(&data);
    let create = format!("agreement create --buyer {buyer_id} --policy semper-consumer");
    let small = nj(&data, &words(&format!("{create} --total-cap 150.00")));
    assert_eq!(small["total_cap_minor"], 15_000, "{small}");
    assert_eq!(small["per_tx_cap_minor"], 15_000, "{small}");
    let large = nj(&data, &words(&format!("{create} --total-cap 800.00")));
    assert_eq!(large["per_tx_cap_minor"], 50_000, "{large}");
}

#[test]
fn without_a_running_notary_the_cli_says_what_to_start() {
    let data = DataDir::init();
    let o = n(&data, &["party", "list"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("notar serve --data"), "{stderr}");
}

#[test]
fn x509_buyer_certificates_and_crl_revocation() {
    let data = DataDir::init();
    let w = data.work().to_path_buf();
    let ca = make_ca(&w, "ca", "/CN=Buyers CA/O=notar test");
    let other = make_ca(&w, "other", "/CN=Other CA");
    trust_the_ca_root(&data, &ca);
    let srv = Server::start(&data);

    let carol_crt = issue(&ca, "carol", "/CN=Carol Buyer/O=Shop", None);
    let carol = nj(
        &data,
        &words(&format!(
            "party add --name Carol --role buyer --cert {}",
            p(&carol_crt)
        )),
    );
    let key = &carol["key"];
    assert_eq!(key["source"], "x509");
    assert_eq!(key["status"], "not_revoked");
    assert!(
        key["subject"]
            .as_str()
            .is_some_and(|s| s.contains("Carol Buyer")),
        "{carol}"
    );
    let carol_id = str_of(&carol["party"], "id");
    let carol_kid = str_of(key, "key_id");

    let before = ledger::log_size(&srv.url);
    refused_certificates_register_nothing(&data, &ca, &other, &carol_id);
    assert_eq!(
        ledger::log_size(&srv.url),
        before,
        "refused certificates changed the log"
    );

    // The CA revokes Carol's certificate; importing its CRL revokes her key.
    let revoke = format!(
        "ca -config {} -revoke {} -crl_reason keyCompromise",
        p(&ca.config),
        p(&carol_crt)
    );
    openssl(&ca.dir, &words(&revoke));
    let crl = gencrl(&ca);
    let imported = nj(&data, &["revoke", "--crl", p(&crl)]);
    assert_eq!(imported["kind"], "crl_imported");
    assert_eq!(imported["revoked"], json!([carol_kid]));
    let show = nj(&data, &["party", "show", &carol_id]);
    assert_eq!(show["keys"][0]["key_id"], carol_kid.as_str());
    assert_eq!(show["keys"][0]["status"], "revoked");
    // The same CRL again changes nothing.
    let again = nj(&data, &["revoke", "--crl", p(&crl)]);
    assert_eq!(again["revoked"], json!([]));
    assert_eq!(again["already_revoked"], 1);
}

/// The CA root goes into the config before the notary starts.
fn trust_the_ca_root(data: &DataDir, ca: &Ca) {
    let cfg_path = data.path.join("notar.toml");
    let cfg = std::fs::read_to_string(&cfg_path).expect("notar.toml");
    assert!(cfg.contains("ca_roots = []"), "{cfg}");
    let cfg = cfg.replace("ca_roots = []", &format!("ca_roots = [{:?}]", p(&ca.cert)));
    std::fs::write(&cfg_path, cfg).expect("write notar.toml");
}

/// Refused certificates (expired, unparsable, from another CA) and another CA's CRL: exit 2
/// with the certificate's code, nothing registered.
fn refused_certificates_register_nothing(data: &DataDir, ca: &Ca, other: &Ca, carol_id: &str) {
    let expired = issue(
        ca,
        "old",
        "/CN=Old Buyer",
        Some(("20200101000000Z", "20210101000000Z")),
    );
    let foreign = issue(other, "eve", "/CN=Eve", None);
    let garbage = data.work().join("garbage.crt");
    std::fs::write(
        &garbage,
        b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
    )
    .expect("write");
    for (cert, code) in [
        (&expired, "certificate_expired"),
        (&garbage, "certificate_unparsable"),
        (&foreign, "unknown_issuer"),
    ] {
        let key_add = ["party", "key-add", carol_id, "--cert", p(cert)];
        fails(&n(data, &key_add), 2, code);
        let dave = format!("party add --name Dave --role buyer --cert {}", p(cert));
        fails(&n(data, &words(&dave)), 2, code);
    }
    let daves = nj(data, &words("party list dave"));
    assert_eq!(daves["items"].as_array().map(Vec::len), Some(0), "{daves}");
    let foreign_crl = gencrl(other);
    fails(
        &n(data, &["revoke", "--crl", p(&foreign_crl)]),
        2,
        "unknown_issuer",
    );
}

/// A buyer whose key file signs orders, a seller with its API token, and their agreement.
struct Shop {
    buyer_key: PathBuf,
    seller_id: String,
    token: String,
    ag_id: String,
    url: String,
    work: PathBuf,
}

fn open_shop(data: &DataDir, srv: &Server) -> Shop {
    let work = data.work().to_path_buf();
    let buyer = ed25519_key(&work, "buyer");
    let add_buyer = format!(
        "party add --name Alice --role buyer --pubkey {}",
        p(&buyer.pubkey)
    );
    let buyer_id = str_of(&nj(data, &words(&add_buyer))["party"], "id");
    let seller = nj(data, &words("party add --name Shop --role seller"));
    let ag = create_agreement(data, &buyer_id);
    Shop {
        buyer_key: buyer.key,
        seller_id: str_of(&seller["party"], "id"),
        token: str_of(&seller, "api_token"),
        ag_id: str_of(&ag, "id"),
        url: srv.url.clone(),
        work,
    }
}

/// The buyer signs an order for `amount` (`minor` units) of EUR; the seller posts it with curl.
fn post_order(shop: &Shop, request_id: &str, amount: &str, minor: i64) -> (u16, Vec<u8>) {
    let doc = shop.work.join("order.txt");
    std::fs::write(&doc, b"1 bicycle, red").expect("doc");
    let sign = format!(
        "order sign --key {} --seller {} --amount {amount} --currency EUR --document {}",
        p(&shop.buyer_key),
        shop.seller_id,
        p(&doc)
    );
    let o = notar(&words(&sign));
    assert!(o.status.success(), "order sign: {}", text(&o));
    let order = json(&o.stdout);
    assert_eq!(order["kind"], "order");
    assert_eq!(
        order["payload"]["amount"],
        json!({"minor": minor, "currency": "EUR"})
    );
    let body = json!({
        "request_id": request_id, "agreement_id": shop.ag_id, "seller_id": shop.seller_id,
        "amount": {"minor": minor, "currency": "EUR"}, "order": order,
    });
    let body_file = shop.work.join(format!("{request_id}.json"));
    std::fs::write(&body_file, body.to_string()).expect("body");
    curl(&[
        "-X",
        "POST",
        "-H",
        "Content-Type: application/json",
        "-H",
        &format!("Authorization: Bearer {}", shop.token),
        "--data-binary",
        &format!("@{}", p(&body_file)),
        &format!("{}/v1/guarantees", shop.url),
    ])
}

/// Writes `content` to `name` in the scratch dir; its path.
fn save(shop: &Shop, name: &str, content: impl AsRef<[u8]>) -> PathBuf {
    let path = shop.work.join(name);
    std::fs::write(&path, content).expect("save");
    path
}

#[test]
fn guarantee_from_http_verifies_offline_and_tampering_is_caught() {
    let data = DataDir::init();
    let srv = Server::start(&data);
    let shop = open_shop(&data, &srv);
    let (code, body) = post_order(&shop, "req-1", "120.00", 12_000);
    assert_eq!(code, 201, "{}", String::from_utf8_lossy(&body));
    let answer = json(&body);
    let gid = answer["guarantee"]["payload"]["guarantee_id"]
        .as_str()
        .expect("guarantee id")
        .to_string();
    let g_file = save(&shop, "guarantee.json", &body);

    let o = n(&data, &["verify", p(&g_file)]);
    assert!(o.status.success(), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    for want in [
        "signature OK",
        "guarantee",
        &gid,
        "120.00 EUR",
        &shop.seller_id,
        "expires_at",
        "log_index",
    ] {
        assert!(out.contains(want), "missing {want:?} in:\n{out}");
    }
    the_bare_envelope_verifies_with_the_published_key(&shop, &answer["guarantee"]);
    a_changed_byte_or_another_notary_does_not_verify(&data, &shop, &body, &g_file);
    a_refusal_is_signed_and_verifies_too(&data, &shop);
    files_that_are_no_signed_object_are_refused(&data, &shop, &answer["guarantee"], &g_file);
}

/// The bare envelope, checked with the key published at GET /v1/notary and no data dir.
fn the_bare_envelope_verifies_with_the_published_key(shop: &Shop, envelope: &Value) {
    let (_, id_body) = curl(&[&format!("{}/v1/notary", shop.url)]);
    let notary_key = str_of(&json(&id_body), "public_key");
    let env_file = save(shop, "envelope.json", envelope.to_string());
    let o = notar(&[
        "verify",
        p(&env_file),
        "--notary-key",
        &notary_key,
        "--data",
        "/nonexistent",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("signature OK"));
}

fn a_changed_byte_or_another_notary_does_not_verify(
    data: &DataDir,
    shop: &Shop,
    body: &[u8],
    g_file: &Path,
) {
    // One byte of the amount changed: the signature no longer covers it.
    let text_body = String::from_utf8(body.to_vec()).expect("utf8");
    assert!(text_body.contains("\"minor\":12000"), "{text_body}");
    let changed = text_body.replacen("\"minor\":12000", "\"minor\":12001", 1);
    let tampered = save(shop, "tampered.json", changed);
    let o = n(data, &["verify", p(&tampered)]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("does not verify") && err.contains("altered"),
        "{err}"
    );
    assert!(!String::from_utf8_lossy(&o.stdout).contains("signature OK"));

    // Another notary's key: no signature by it.
    let other = DataDir::init();
    let o = n(&other, &["verify", p(g_file)]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("no signature by this notary key"), "{err}");
}

fn a_refusal_is_signed_and_verifies_too(data: &DataDir, shop: &Shop) {
    let (code, refused) = post_order(shop, "req-2", "600.00", 60_000);
    assert_eq!(code, 200, "{}", String::from_utf8_lossy(&refused));
    assert_eq!(json(&refused)["reason"], "per_transaction_cap_exceeded");
    let r_file = save(shop, "refusal.json", &refused);
    let o = n(data, &["verify", p(&r_file), "--json"]);
    assert!(o.status.success(), "{}", text(&o));
    let v = json(&o.stdout);
    assert_eq!(v["ok"], true);
    assert_eq!(v["objects"][0]["kind"], "refusal");
}

/// An unknown kind: exit 1 with the reason (a signed object the notary key does not check).
/// Not JSON, not an envelope (no signed object at all), unreadable file, bad key argument, a
/// .tsr without --data-file: exit 2, with the reason.
fn files_that_are_no_signed_object_are_refused(
    data: &DataDir,
    shop: &Shop,
    envelope: &Value,
    g_file: &Path,
) {
    let mut env = envelope.clone();
    env["kind"] = json!("gift");
    for (content, reason, exit) in [
        ("{ not json".to_string(), "not JSON", 2),
        (r#"{"hello": 1}"#.to_string(), "not an envelope", 2),
        (env.to_string(), "unknown kind", 1),
    ] {
        let f = save(shop, "bad.json", content);
        let o = n(data, &["verify", p(&f)]);
        assert_eq!(o.status.code(), Some(exit), "{}", text(&o));
        assert!(
            String::from_utf8_lossy(&o.stderr).contains(reason),
            "{}",
            text(&o)
        );
    }
    let o = n(data, &["verify", p(&shop.work.join("missing.json"))]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let o = notar(&["verify", p(g_file), "--notary-key", "c2hvcnQ="]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let tsr = save(shop, "fake.tsr", [0x30u8, 0x03, 0x02, 0x01, 0x00]);
    let o = n(data, &["verify", p(&tsr)]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("--data-file"),
        "{}",
        text(&o)
    );
}

/// An agreement past its `valid_until` refuses guarantees (`agreement_inactive`); `agreement
/// show` and `list` say `expired`, where they said `active`.
#[test]
fn an_agreement_past_its_validity_is_shown_expired() {
    let data = DataDir::init();
    let _srv = Server::start(&data);
    let (buyer_id, _) = a_buyer_with_two_keys(&data);
    let until = chrono::Utc::now() + chrono::Duration::seconds(2);
    let until = until.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let line = format!("agreement create --buyer {buyer_id} --policy semper-consumer");
    let mut args = words(&line);
    args.extend(["--valid-until", &until]);
    let ag = nj(&data, &args);
    let id = str_of(&ag, "id");
    let shown = nj(&data, &["agreement", "show", &id]);
    assert_eq!(shown["agreement"]["standing"], "active", "{shown}");
    std::thread::sleep(std::time::Duration::from_millis(2_500));
    let shown = nj(&data, &["agreement", "show", &id]);
    assert_eq!(shown["agreement"]["standing"], "expired", "{shown}");
    assert_eq!(shown["agreement"]["status"], "active", "the stored status");
    let human = text(&n(&data, &["agreement", "show", &id]));
    assert!(human.contains("expired"), "{human}");
    let listed = text(&n(&data, &["agreement", "list"]));
    assert!(listed.contains("expired"), "{listed}");
}
