//! Parties, keys, agreements, revocation and guarantee checks as an operator and a buyer meet
//! them on the command line: `notar party | agreement | revoke | order sign | verify` against a
//! real `notar serve`, with keys, certificates and CRLs made by openssl and requests sent by curl.

mod util;

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::{json, Value};
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

#[test]
fn parties_keys_agreements_and_manual_revocation() {
    let data = DataDir::init();
    let srv = Server::start(&data);
    let w = data.work();

    // A buyer, with two keys: raw hex, and an openssl public key file.
    let buyer = nj(
        &data,
        &["party", "add", "--name", "Alice", "--role", "buyer"],
    );
    assert_eq!(buyer["kind"], "party_registered");
    assert_eq!(buyer["party"]["role"], "buyer");
    assert!(buyer.get("api_token").is_none(), "buyers get no token");
    let buyer_id = buyer["party"]["id"].as_str().expect("id").to_string();
    let raw1 = ed25519_key(w, "k1").hex;
    let k2 = ed25519_key(w, "k2");
    let (pub2, raw2) = (k2.pubkey, k2.hex);
    let k1 = nj(&data, &["party", "key-add", &buyer_id, "--key-hex", &raw1]);
    assert_eq!(k1["kind"], "key");
    assert_eq!(k1["key_id"], key_id_of(&raw1));
    assert_eq!(k1["source"], "raw");
    assert_eq!(k1["status"], "not_revoked");
    let k2 = nj(
        &data,
        &["party", "key-add", &buyer_id, "--pubkey", p(&pub2)],
    );
    assert_eq!(k2["key_id"], key_id_of(&raw2), "the PEM gives the same key");

    // A seller: the token is printed once, with a line saying so.
    let o = n(
        &data,
        &["party", "add", "--name", "Shop", "--role", "seller"],
    );
    assert!(o.status.success(), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    let token_line = out
        .lines()
        .find(|l| l.starts_with("API token"))
        .expect("token line");
    assert!(token_line.contains("nts_"), "{out}");
    assert!(out.contains("shown only once"), "{out}");

    let show = nj(&data, &["party", "show", &buyer_id]);
    assert_eq!(show["party"]["name"], "Alice");
    let keys = show["keys"].as_array().expect("keys");
    assert_eq!(keys.len(), 2);
    assert!(keys.iter().all(|k| k["status"] == "not_revoked"));
    let list = nj(&data, &["party", "list", "ali"]);
    let items = list["items"].as_array().expect("items");
    assert_eq!(items.len(), 1, "{list}");
    assert_eq!(items[0]["id"], buyer_id.as_str());
    assert_eq!(items[0]["keys"], 2);
    assert_eq!(
        nj(&data, &["party", "list"])["items"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );
    let human = n(&data, &["party", "show", &buyer_id]);
    let human = String::from_utf8_lossy(&human.stdout);
    assert!(
        human.contains(&key_id_of(&raw2)) && human.contains("not_revoked"),
        "{human}"
    );

    // An agreement with decimal caps in the policy's currency.
    let ag = nj(
        &data,
        &[
            "agreement",
            "create",
            "--buyer",
            &buyer_id,
            "--policy",
            "semper-consumer",
            "--total-cap",
            "1000.00",
            "--per-tx-cap",
            "500.00",
        ],
    );
    assert_eq!(ag["kind"], "agreement");
    assert_eq!(ag["total_cap_minor"], 100_000);
    assert_eq!(ag["per_tx_cap_minor"], 50_000);
    assert_eq!(ag["currency"], "EUR");
    assert_eq!(ag["status"], "active");
    assert_eq!(ag["keys"].as_array().map(Vec::len), Some(2));
    let ag_id = ag["id"].as_str().expect("id").to_string();
    let detail = nj(&data, &["agreement", "show", &ag_id]);
    assert_eq!(detail["agreement"]["buyer_name"], "Alice");
    assert_eq!(detail["keys"].as_array().map(Vec::len), Some(2));
    let human = n(&data, &["agreement", "show", &ag_id]);
    let human = String::from_utf8_lossy(&human.stdout);
    assert!(
        human.contains("1000.00 EUR") && human.contains("500.00 EUR"),
        "{human}"
    );
    let listed = nj(&data, &["agreement", "list", "alice"]);
    assert_eq!(listed["items"][0]["id"], ag_id.as_str());

    // Suspend, resume, end; ended is final.
    let status = |cmd: &str| n(&data, &["agreement", cmd, &ag_id, "--reason", "test"]);
    let s = nj(
        &data,
        &["agreement", "suspend", &ag_id, "--reason", "audit"],
    );
    assert_eq!(s["status"], "suspended");
    let s = nj(
        &data,
        &["agreement", "resume", &ag_id, "--reason", "audit done"],
    );
    assert_eq!(s["status"], "active");
    let s = nj(&data, &["agreement", "end", &ag_id, "--reason", "closed"]);
    assert_eq!(s["status"], "ended");
    fails(&status("resume"), 1, "bad_transition");
    fails(&status("suspend"), 1, "bad_transition");
    assert_eq!(
        nj(&data, &["agreement", "show", &ag_id])["agreement"]["status"],
        "ended"
    );

    // Revoke by hand; a second revocation is refused.
    let kid1 = key_id_of(&raw1);
    let r = nj(&data, &["revoke", &kid1, "--reason", "lost laptop"]);
    assert_eq!(r["status"], "revoked");
    assert_eq!(r["revocation_reason"], "lost laptop");
    fails(
        &n(&data, &["revoke", &kid1, "--reason", "again"]),
        1,
        "already_revoked",
    );
    let show = nj(&data, &["party", "show", &buyer_id]);
    let k = show["keys"]
        .as_array()
        .and_then(|ks| ks.iter().find(|k| k["key_id"] == kid1.as_str()))
        .expect("key 1");
    assert_eq!(k["status"], "revoked");
    assert!(k["revoked_at"].is_string());

    // Bad inputs: a clear code, exit 2 (1 for conflicts), and nothing changes.
    let before = ledger::log_size(&srv.url);
    let garbage = w.join("garbage.crl");
    std::fs::write(&garbage, b"not a CRL").expect("write");
    let cases: Vec<(Vec<&str>, i32, &str)> = vec![
        (
            vec![
                "party",
                "add",
                "--name",
                "Bob",
                "--role",
                "buyer",
                "--key-hex",
                "zz",
            ],
            2,
            "bad_key",
        ),
        (
            vec![
                "party",
                "add",
                "--name",
                "Bob",
                "--role",
                "buyer",
                "--key-hex",
                &raw1[..62],
            ],
            2,
            "bad_key",
        ),
        (
            vec!["party", "add", "--name", "Alice", "--role", "buyer"],
            1,
            "party_exists",
        ),
        (
            vec!["party", "key-add", "no-such-party", "--key-hex", &raw2],
            2,
            "unknown_party",
        ),
        (
            vec!["party", "key-add", &buyer_id, "--key-hex", &raw2],
            1,
            "key_exists",
        ),
        (vec!["party", "show", "no-such-party"], 2, "unknown_party"),
        (
            vec![
                "agreement",
                "create",
                "--buyer",
                &buyer_id,
                "--policy",
                "semper-consumer",
                "--total-cap",
                "12.345",
            ],
            2,
            "bad_amount",
        ),
        (
            vec![
                "agreement",
                "create",
                "--buyer",
                &buyer_id,
                "--policy",
                "semper-consumer",
                "--per-tx-cap",
                "5,00",
            ],
            2,
            "bad_amount",
        ),
        (
            vec![
                "agreement",
                "create",
                "--buyer",
                &buyer_id,
                "--policy",
                "no-such-policy",
                "--total-cap",
                "10",
            ],
            2,
            "unknown_policy",
        ),
        (
            vec![
                "agreement",
                "create",
                "--buyer",
                &buyer_id,
                "--policy",
                "no-such-policy",
            ],
            2,
            "unknown_policy",
        ),
        (
            vec![
                "agreement",
                "create",
                "--buyer",
                "no-such-buyer",
                "--policy",
                "semper-consumer",
            ],
            2,
            "unknown_party",
        ),
        (
            vec![
                "agreement",
                "create",
                "--buyer",
                &buyer_id,
                "--policy",
                "semper-consumer",
                "--valid-until",
                "tomorrow",
            ],
            2,
            "bad_request",
        ),
        (
            vec!["agreement", "suspend", "no-such-agreement", "--reason", "x"],
            2,
            "unknown_agreement",
        ),
        (
            vec!["revoke", "no-such-key", "--reason", "x"],
            2,
            "unknown_key",
        ),
        (vec!["revoke", "--crl", p(&garbage)], 2, "crl_unparsable"),
    ];
    for (args, exit, code) in &cases {
        let o = n(&data, args);
        fails(&o, *exit, code);
        assert!(o.stdout.is_empty(), "{args:?} printed data: {}", text(&o));
    }
    assert_eq!(
        ledger::log_size(&srv.url),
        before,
        "refused inputs changed the log"
    );
    let bobs = nj(&data, &["party", "list", "bob"]);
    assert_eq!(bobs["items"].as_array().map(Vec::len), Some(0), "{bobs}");

    // Usage errors caught by the argument parser exit 2 as well.
    let o = n(&data, &["party", "key-add", &buyer_id]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let o = n(&data, &["revoke", &kid1]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert_eq!(ledger::log_size(&srv.url), before);
}

#[test]
fn without_a_running_notary_the_cli_says_what_to_start() {
    let data = DataDir::init();
    let o = n(&data, &["party", "list"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("notar serve --data"), "{stderr}");
}

/// An openssl CA (Ed25519) with an `openssl ca` database, under `dir/name`.
struct Ca {
    dir: PathBuf,
    cert: PathBuf,
    config: PathBuf,
}

fn make_ca(parent: &Path, name: &str, subject: &str) -> Ca {
    let dir = parent.join(name);
    std::fs::create_dir_all(dir.join("newcerts")).expect("mkdir");
    std::fs::write(dir.join("index.txt"), "").expect("index");
    std::fs::write(dir.join("serial"), "1000\n").expect("serial");
    std::fs::write(dir.join("crlnumber"), "01\n").expect("crlnumber");
    let key = dir.join("ca.key");
    let cert = dir.join("ca.crt");
    openssl(&dir, &["genpkey", "-algorithm", "ed25519", "-out", p(&key)]);
    openssl(
        &dir,
        &[
            "req",
            "-x509",
            "-new",
            "-key",
            p(&key),
            "-subj",
            subject,
            "-days",
            "3650",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
            "-out",
            p(&cert),
        ],
    );
    let config = dir.join("openssl.cnf");
    let cnf = format!(
        "[ ca ]\ndefault_ca = CA_default\n\
         [ CA_default ]\ndir = {}\ndatabase = $dir/index.txt\nnew_certs_dir = $dir/newcerts\n\
         certificate = $dir/ca.crt\nprivate_key = $dir/ca.key\nserial = $dir/serial\n\
         crlnumber = $dir/crlnumber\ndefault_md = default\ndefault_days = 365\n\
         default_crl_days = 30\npolicy = policy_any\nunique_subject = no\n\
         x509_extensions = usr_cert\n\
         [ policy_any ]\ncommonName = supplied\norganizationName = optional\n\
         [ usr_cert ]\nbasicConstraints = critical,CA:FALSE\n\
         keyUsage = critical,digitalSignature,nonRepudiation\n",
        p(&dir)
    );
    std::fs::write(&config, cnf).expect("openssl.cnf");
    Ca { dir, cert, config }
}

/// `openssl ca` issues a certificate for a new Ed25519 key; `dates` = (start, end) as
/// `YYYYMMDDHHMMSSZ`.
fn issue(ca: &Ca, name: &str, subject: &str, dates: Option<(&str, &str)>) -> PathBuf {
    let key = ca.dir.join(format!("{name}.key"));
    let csr = ca.dir.join(format!("{name}.csr"));
    let cert = ca.dir.join(format!("{name}.crt"));
    openssl(
        &ca.dir,
        &["genpkey", "-algorithm", "ed25519", "-out", p(&key)],
    );
    openssl(
        &ca.dir,
        &[
            "req",
            "-new",
            "-key",
            p(&key),
            "-subj",
            subject,
            "-out",
            p(&csr),
        ],
    );
    let mut args = vec![
        "ca",
        "-batch",
        "-notext",
        "-config",
        p(&ca.config),
        "-in",
        p(&csr),
        "-out",
        p(&cert),
    ];
    if let Some((start, end)) = dates {
        args.extend(["-startdate", start, "-enddate", end]);
    }
    openssl(&ca.dir, &args);
    cert
}

fn gencrl(ca: &Ca) -> PathBuf {
    let crl = ca.dir.join("crl.pem");
    openssl(
        &ca.dir,
        &["ca", "-config", p(&ca.config), "-gencrl", "-out", p(&crl)],
    );
    crl
}

#[test]
fn x509_buyer_certificates_and_crl_revocation() {
    let data = DataDir::init();
    let w = data.work().to_path_buf();
    let ca = make_ca(&w, "ca", "/CN=Buyers CA/O=notar test");
    let other = make_ca(&w, "other", "/CN=Other CA");
    // The CA root goes into the config before the notary starts.
    let cfg_path = data.path.join("notar.toml");
    let cfg = std::fs::read_to_string(&cfg_path).expect("notar.toml");
    assert!(cfg.contains("ca_roots = []"), "{cfg}");
    let cfg = cfg.replace("ca_roots = []", &format!("ca_roots = [{:?}]", p(&ca.cert)));
    std::fs::write(&cfg_path, cfg).expect("write notar.toml");
    let srv = Server::start(&data);

    let carol_crt = issue(&ca, "carol", "/CN=Carol Buyer/O=Shop", None);
    let carol = nj(
        &data,
        &[
            "party",
            "add",
            "--name",
            "Carol",
            "--role",
            "buyer",
            "--cert",
            p(&carol_crt),
        ],
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
    let carol_id = carol["party"]["id"].as_str().expect("id").to_string();
    let carol_kid = key["key_id"].as_str().expect("key id").to_string();

    // Refused certificates: exit 2 with the certificate's code, nothing registered.
    let before = ledger::log_size(&srv.url);
    let expired = issue(
        &ca,
        "old",
        "/CN=Old Buyer",
        Some(("20200101000000Z", "20210101000000Z")),
    );
    let foreign = issue(&other, "eve", "/CN=Eve", None);
    let garbage = w.join("garbage.crt");
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
        fails(
            &n(&data, &["party", "key-add", &carol_id, "--cert", p(cert)]),
            2,
            code,
        );
        fails(
            &n(
                &data,
                &[
                    "party",
                    "add",
                    "--name",
                    "Dave",
                    "--role",
                    "buyer",
                    "--cert",
                    p(cert),
                ],
            ),
            2,
            code,
        );
    }
    let daves = nj(&data, &["party", "list", "dave"]);
    assert_eq!(daves["items"].as_array().map(Vec::len), Some(0), "{daves}");
    let foreign_crl = gencrl(&other);
    fails(
        &n(&data, &["revoke", "--crl", p(&foreign_crl)]),
        2,
        "unknown_issuer",
    );
    assert_eq!(
        ledger::log_size(&srv.url),
        before,
        "refused certificates changed the log"
    );

    // The CA revokes Carol's certificate; importing its CRL revokes her key.
    openssl(
        &ca.dir,
        &[
            "ca",
            "-config",
            p(&ca.config),
            "-revoke",
            p(&carol_crt),
            "-crl_reason",
            "keyCompromise",
        ],
    );
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

#[test]
fn guarantee_from_http_verifies_offline_and_tampering_is_caught() {
    let data = DataDir::init();
    let srv = Server::start(&data);
    let w = data.work().to_path_buf();
    let KeyFiles {
        key: buyer_key,
        pubkey: buyer_pub,
        ..
    } = ed25519_key(&w, "buyer");
    let buyer = nj(
        &data,
        &[
            "party",
            "add",
            "--name",
            "Alice",
            "--role",
            "buyer",
            "--pubkey",
            p(&buyer_pub),
        ],
    );
    let buyer_id = buyer["party"]["id"].as_str().expect("id").to_string();
    let seller = nj(
        &data,
        &["party", "add", "--name", "Shop", "--role", "seller"],
    );
    let seller_id = seller["party"]["id"].as_str().expect("id").to_string();
    let token = seller["api_token"].as_str().expect("token").to_string();
    let ag = nj(
        &data,
        &[
            "agreement",
            "create",
            "--buyer",
            &buyer_id,
            "--policy",
            "semper-consumer",
            "--total-cap",
            "1000.00",
            "--per-tx-cap",
            "500.00",
        ],
    );
    let ag_id = ag["id"].as_str().expect("id").to_string();

    // The buyer signs an order; the seller posts it with curl.
    let doc = w.join("order.txt");
    std::fs::write(&doc, b"1 bicycle, red").expect("doc");
    let post = |request_id: &str, amount: &str, minor: i64| -> (u16, Vec<u8>) {
        let o = notar(&[
            "order",
            "sign",
            "--key",
            p(&buyer_key),
            "--seller",
            &seller_id,
            "--amount",
            amount,
            "--currency",
            "EUR",
            "--document",
            p(&doc),
        ]);
        assert!(o.status.success(), "order sign: {}", text(&o));
        let order = json(&o.stdout);
        assert_eq!(order["kind"], "order");
        assert_eq!(
            order["payload"]["amount"],
            json!({"minor": minor, "currency": "EUR"})
        );
        let body = json!({
            "request_id": request_id, "agreement_id": ag_id, "seller_id": seller_id,
            "amount": {"minor": minor, "currency": "EUR"}, "order": order,
        });
        let body_file = w.join(format!("{request_id}.json"));
        std::fs::write(&body_file, body.to_string()).expect("body");
        curl(&[
            "-X",
            "POST",
            "-H",
            "Content-Type: application/json",
            "-H",
            &format!("Authorization: Bearer {token}"),
            "--data-binary",
            &format!("@{}", p(&body_file)),
            &format!("{}/v1/guarantees", srv.url),
        ])
    };
    let (code, body) = post("req-1", "120.00", 12_000);
    assert_eq!(code, 201, "{}", String::from_utf8_lossy(&body));
    let answer = json(&body);
    let gid = answer["guarantee"]["payload"]["guarantee_id"]
        .as_str()
        .expect("guarantee id")
        .to_string();
    let g_file = w.join("guarantee.json");
    std::fs::write(&g_file, &body).expect("save");

    let o = n(&data, &["verify", p(&g_file)]);
    assert!(o.status.success(), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    for want in [
        "signature OK",
        "guarantee",
        &gid,
        "120.00 EUR",
        &seller_id,
        "expires_at",
        "log_index",
    ] {
        assert!(out.contains(want), "missing {want:?} in:\n{out}");
    }

    // The bare envelope, checked with the key published at GET /v1/notary and no data dir.
    let (_, id_body) = curl(&[&format!("{}/v1/notary", srv.url)]);
    let notary_key = json(&id_body)["public_key"]
        .as_str()
        .expect("public_key")
        .to_string();
    let env_file = w.join("envelope.json");
    std::fs::write(&env_file, answer["guarantee"].to_string()).expect("save");
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

    // One byte of the amount changed: the signature no longer covers it.
    let text_body = String::from_utf8(body.clone()).expect("utf8");
    assert!(text_body.contains("\"minor\":12000"), "{text_body}");
    let tampered = w.join("tampered.json");
    std::fs::write(
        &tampered,
        text_body.replacen("\"minor\":12000", "\"minor\":12001", 1),
    )
    .expect("save");
    let o = n(&data, &["verify", p(&tampered)]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("does not verify") && err.contains("altered"),
        "{err}"
    );
    assert!(!String::from_utf8_lossy(&o.stdout).contains("signature OK"));

    // Another notary's key: no signature by it.
    let other = DataDir::init();
    let o = n(&other, &["verify", p(&g_file)]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("no signature by this notary key"), "{err}");

    // A refusal is signed too and verifies the same way.
    let (code, refused) = post("req-2", "600.00", 60_000);
    assert_eq!(code, 200, "{}", String::from_utf8_lossy(&refused));
    assert_eq!(json(&refused)["reason"], "per_transaction_cap_exceeded");
    let r_file = w.join("refusal.json");
    std::fs::write(&r_file, &refused).expect("save");
    let o = n(&data, &["verify", p(&r_file), "--json"]);
    assert!(o.status.success(), "{}", text(&o));
    let v = json(&o.stdout);
    assert_eq!(v["ok"], true);
    assert_eq!(v["objects"][0]["kind"], "refusal");

    // Not JSON, not an envelope, an unknown kind: exit 1 with the reason.
    let mut env: Value = answer["guarantee"].clone();
    env["kind"] = json!("gift");
    for (content, reason) in [
        ("{ not json".to_string(), "not JSON"),
        (r#"{"hello": 1}"#.to_string(), "not an envelope"),
        (env.to_string(), "unknown kind"),
    ] {
        let f = w.join("bad.json");
        std::fs::write(&f, content).expect("save");
        let o = n(&data, &["verify", p(&f)]);
        assert_eq!(o.status.code(), Some(1), "{}", text(&o));
        assert!(
            String::from_utf8_lossy(&o.stderr).contains(reason),
            "{}",
            text(&o)
        );
    }
    // Unreadable file, bad key argument, a .tsr without --data-file: exit 2.
    let o = n(&data, &["verify", p(&w.join("missing.json"))]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let o = notar(&["verify", p(&g_file), "--notary-key", "c2hvcnQ="]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let tsr = w.join("fake.tsr");
    std::fs::write(&tsr, [0x30u8, 0x03, 0x02, 0x01, 0x00]).expect("save");
    let o = n(&data, &["verify", p(&tsr)]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("--data-file"),
        "{}",
        text(&o)
    );
}
