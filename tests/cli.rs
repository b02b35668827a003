//! The command line as a user meets it: init, serve, stamp, verify, log checks, exit codes, and
//! durability across `kill -9`.

mod util;

use std::os::unix::fs::PermissionsExt;

use util::*;

fn code(o: &std::process::Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

/// `notar verify TSR --data-file FILE --data DIR [MORE...]`.
fn verify(tsr: &str, file: &str, data: &DataDir, more: &[&str]) -> std::process::Output {
    let mut args = vec!["verify", tsr, "--data-file", file, "--data", data.arg()];
    args.extend(more);
    notar(&args)
}

#[test]
fn init_makes_private_keys_openssl_can_read_and_refuses_to_overwrite() {
    let data = DataDir::init();
    let mode_of = |p: &str| mode(&data.path.join(p));
    assert_eq!(mode_of(""), 0o700);
    assert_eq!(mode_of("keys/notary.ed25519.pem"), 0o600);
    assert_eq!(mode_of("keys/tsa.p256.pem"), 0o600);
    for key in ["keys/notary.ed25519.pem", "keys/tsa.p256.pem"] {
        let o = run_in(&data.path, "openssl", &["pkey", "-in", key, "-noout"]);
        assert!(o.status.success(), "{key}: {}", text(&o));
    }
    let x = text(&run_in(
        &data.path,
        "openssl",
        &["x509", "-in", "keys/tsa.crt", "-noout", "-text"],
    ));
    assert!(x.contains("X509v3 Extended Key Usage: critical"), "{x}");
    assert!(x.contains("Time Stamping"), "{x}");
    let again = notar(&["init", "--data", data.arg()]);
    assert_eq!(code(&again), 2, "{}", text(&again));
    assert!(
        text(&again).contains("refusing to overwrite"),
        "{}",
        text(&again)
    );
}

#[test]
fn serve_refuses_keys_readable_by_others() {
    let data = DataDir::init();
    let key = data.path.join("keys/tsa.p256.pem");
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let o = notar(&["serve", "--data", data.arg(), "--listen", "127.0.0.1:0"]);
    assert_eq!(code(&o), 2, "{}", text(&o));
    assert!(
        text(&o).contains("tsa.p256.pem") && text(&o).contains("644"),
        "{}",
        text(&o)
    );
}

/// `GET /v1/notary`: the notary's published identity.
fn identity(url: &str) -> serde_json::Value {
    let (status, body) = curl(&[&format!("{url}/v1/notary")]);
    assert_eq!(status, 200);
    json(&body)
}

/// The raw X25519 public key of a PEM private key, as `openssl pkey -pubout` derives it.
fn openssl_x25519_public_b64(data: &DataDir, key: &str) -> String {
    use base64::Engine;
    let o = run_in(
        &data.path,
        "openssl",
        &["pkey", "-in", key, "-pubout", "-outform", "DER"],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(o.stdout.len(), 44, "X25519 SubjectPublicKeyInfo");
    base64::engine::general_purpose::STANDARD.encode(&o.stdout[12..])
}

#[test]
fn init_makes_the_escrow_key_and_the_notary_publishes_it() {
    let data = DataDir::init();
    let key = data.path.join("keys/escrow.x25519.pem");
    assert_eq!(mode(&key), 0o600);
    let public = openssl_x25519_public_b64(&data, "keys/escrow.x25519.pem");
    let srv = Server::start(&data);
    let id = identity(&srv.url);
    assert_eq!(id["escrow_public_key"], public.as_str(), "{id}");
    assert_eq!(
        id["escrow_suite"],
        "HPKE base mode: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, ChaCha20Poly1305"
    );
}

#[test]
fn a_data_dir_without_an_escrow_key_gains_one_at_start() {
    // A data dir made before fair exchange has no escrow key.
    let data = DataDir::init();
    let key = data.path.join("keys/escrow.x25519.pem");
    std::fs::remove_file(&key).expect("rm escrow key");
    let mut child = std::process::Command::new(notar_bin())
        .args(["serve", "--data", data.arg(), "--listen", "127.0.0.1:0"])
        .env("NOTAR_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn notar serve");
    let stderr = child.stderr.take().expect("stderr");
    let first = std::io::BufRead::lines(std::io::BufReader::new(stderr))
        .map_while(Result::ok)
        .next()
        .unwrap_or_default();
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        first.contains("escrow.x25519.pem") && first.contains("made one"),
        "{first}"
    );
    assert_eq!(mode(&key), 0o600);
    // Made once: the next start reads it and publishes it.
    let public = openssl_x25519_public_b64(&data, "keys/escrow.x25519.pem");
    let srv = Server::start(&data);
    assert_eq!(identity(&srv.url)["escrow_public_key"], public.as_str());
    // The log records the new key once: the identity logged again after entry 0, and not again
    // at the next start.
    let identities = |url: &str| -> Vec<serde_json::Value> {
        let (_, h) = curl(&[&format!("{url}/healthz")]);
        let size = json(&h)["log_size"].as_u64().expect("log_size");
        (1..size)
            .map(|i| json(&curl(&[&format!("{url}/v1/log/entries/{i}")]).1))
            .filter(|e| e["kind"] == "notary_identity")
            .collect()
    };
    let logged = identities(&srv.url);
    assert_eq!(logged.len(), 1, "{logged:?}");
    assert_eq!(logged[0]["body"]["escrow_public_key"], public.as_str());
    drop(srv);
    let srv = Server::start(&data);
    assert_eq!(identities(&srv.url).len(), 1, "logged once");
    drop(srv);
    // Loose permissions are refused, as for the other keys.
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o640)).expect("chmod");
    let o = notar(&["serve", "--data", data.arg(), "--listen", "127.0.0.1:0"]);
    assert_eq!(code(&o), 2, "{}", text(&o));
    assert!(text(&o).contains("escrow.x25519.pem"), "{}", text(&o));
}

#[test]
fn serve_without_a_data_dir_says_to_init() {
    let tmp = tempfile::tempdir().expect("tmp");
    let o = notar(&[
        "serve",
        "--data",
        tmp.path().join("none").to_str().expect("utf8"),
    ]);
    assert_eq!(code(&o), 2);
    assert!(text(&o).contains("notar init"), "{}", text(&o));
}

/// An empty `NOTAR_DATA` (or `NOTAR_LOG_FORMAT`, `NOTAR_SERVER`) counts as unset: the default
/// `./notar-data` applies (it was refused: "a value is required for '--data'").
#[test]
fn empty_settings_in_the_environment_count_as_unset() {
    let tmp = tempfile::tempdir().expect("tmp");
    let o = std::process::Command::new(util::notar_bin())
        .arg("serve")
        .env("NOTAR_DATA", "")
        .env("NOTAR_LOG_FORMAT", "  ")
        .current_dir(tmp.path())
        .output()
        .expect("run notar");
    let t = text(&o);
    assert_eq!(code(&o), 2, "{t}");
    assert!(t.contains("notar-data") && t.contains("notar init"), "{t}");
    assert!(!t.contains("a value is required"), "{t}");
    let o = std::process::Command::new(util::notar_bin())
        .args(["log", "checkpoint"])
        .env("NOTAR_SERVER", " ")
        .current_dir(tmp.path())
        .output()
        .expect("run notar");
    let t = text(&o);
    assert!(!t.contains("a value is required"), "{t}");
    assert!(!t.contains("relative URL"), "blank counts as unset: {t}");
}

#[test]
fn stamp_then_verify_offline_with_exit_codes() {
    let data = DataDir::init();
    let srv = Server::start(&data);
    let file = data.work().join("offer.txt");
    std::fs::write(&file, "I offer 300.00 EUR\n").expect("write");
    let f = file.to_str().expect("utf8");
    let o = notar(&["stamp", f, "--server", &srv.url]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    let tsr = format!("{f}.tsr");
    assert!(std::path::Path::new(&tsr).exists());

    let o = verify(&tsr, f, &data, &[]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert!(text(&o).contains("Verification: OK"));
    // openssl agrees.
    let keys = data.path.join("keys");
    let o = run_in(
        data.work(),
        "openssl",
        &[
            "ts",
            "-verify",
            "-data",
            f,
            "-in",
            &tsr,
            "-CAfile",
            keys.join("root.crt").to_str().expect("p"),
        ],
    );
    assert!(text(&o).contains("Verification: OK"), "{}", text(&o));

    // The wrong file: a failed check, exit 1, with the reason.
    std::fs::write(data.work().join("forged.txt"), "I offer 3.00 EUR\n").expect("write");
    let forged = data.work().join("forged.txt");
    let o = verify(&tsr, forged.to_str().expect("p"), &data, &["--json"]);
    assert_eq!(code(&o), 1, "{}", text(&o));
    assert_eq!(json(&o.stdout)["ok"], false);
    // Another notary's root: exit 1.
    let other = DataDir::init();
    let o = verify(&tsr, f, &other, &[]);
    assert_eq!(code(&o), 1, "{}", text(&o));
    // A missing file: exit 2.
    let o = verify("/nonexistent.tsr", f, &data, &[]);
    assert_eq!(code(&o), 2, "{}", text(&o));
    // Stamping again does not write over the earlier token (it proves an earlier time), and
    // asks nothing of the notary; --force does.
    let first = std::fs::read(&tsr).expect("tsr");
    let o = notar(&["stamp", f, "--server", &srv.url]);
    assert_eq!(code(&o), 2, "{}", text(&o));
    assert!(text(&o).contains("not written over"), "{}", text(&o));
    assert_eq!(std::fs::read(&tsr).expect("tsr"), first);
    let o = notar(&["stamp", f, "--server", &srv.url, "--force"]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert_ne!(std::fs::read(&tsr).expect("tsr"), first, "a new token");
    // `--notary` names the server too, as it does in the exchange and complaint commands.
    let o = notar(&["stamp", f, "--notary", &srv.url, "--force"]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    // `--json` says what was written in the names `notar verify --json` uses.
    let o = notar(&["stamp", f, "--server", &srv.url, "--force", "--json"]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    let stamped = json(&o.stdout);
    assert_eq!(stamped["file"], tsr.as_str(), "{stamped}");
    let o = verify(&tsr, f, &data, &["--json"]);
    let verified = json(&o.stdout);
    for field in ["serial", "gen_time", "hash_alg", "imprint", "policy"] {
        assert_eq!(
            stamped[field], verified[field],
            "{field}: {stamped} {verified}"
        );
    }
    assert!(stamped["serial"].as_u64().is_some(), "{stamped}");
    let o = notar(&[
        "log",
        "checkpoint",
        "--notary",
        &srv.url,
        "--data",
        data.arg(),
    ]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    // A server that is not there: exit 1, not a panic.
    let elsewhere = data.work().join("elsewhere.tsr");
    let o = notar(&[
        "stamp",
        f,
        "--server",
        "http://127.0.0.1:9",
        "--out",
        elsewhere.to_str().expect("p"),
    ]);
    assert_eq!(code(&o), 1, "{}", text(&o));
}

/// `notar log ARGS --server URL --data DIR`.
fn log_cmd(srv: &Server, data: &DataDir, args: &[&str]) -> std::process::Output {
    let mut all = vec!["log"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--server", &srv.url, "--data", data.arg()]);
    notar(&all)
}

#[test]
fn log_commands_prove_inclusion_and_consistency() {
    let data = DataDir::init();
    let srv = Server::start(&data);
    let cp_file = data.work().join("cp1");
    let o = notar(&[
        "log",
        "checkpoint",
        "--server",
        &srv.url,
        "--data",
        data.arg(),
        "--out",
        cp_file.to_str().expect("p"),
    ]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    for i in 0..5 {
        let f = data.work().join(format!("f{i}"));
        std::fs::write(&f, format!("{i}")).expect("write");
        let o = notar(&["stamp", f.to_str().expect("p"), "--server", &srv.url]);
        assert_eq!(code(&o), 0, "{}", text(&o));
    }
    let o = log_cmd(
        &srv,
        &data,
        &["verify", "--checkpoint", cp_file.to_str().expect("p")],
    );
    assert_eq!(code(&o), 0, "{}", text(&o));
    // A fresh log holds the identity and the two shipped policies.
    assert!(text(&o).contains("consistent: size 3 -> 8"), "{}", text(&o));
    let o = log_cmd(&srv, &data, &["prove", "--index", "3"]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert!(text(&o).contains("entry 3 is included"), "{}", text(&o));
    // The same three as JSON, for scripts.
    let cp = json(&log_cmd(&srv, &data, &["checkpoint", "--json"]).stdout);
    assert_eq!(cp["size"], 8, "{cp}");
    assert!(
        cp["note"].as_str().is_some_and(|n| n.contains("\n8\n")),
        "{cp}"
    );
    let proved = json(&log_cmd(&srv, &data, &["prove", "--index", "3", "--json"]).stdout);
    assert_eq!((&proved["index"], &proved["size"]), (&3.into(), &8.into()));
    assert_eq!(proved["root"], cp["root"], "{proved}");
    assert!(proved["entry"]["kind"].is_string(), "{proved}");
    let args = ["verify", "--checkpoint", p(&cp_file), "--json"];
    let consistent = json(&log_cmd(&srv, &data, &args).stdout);
    assert_eq!(
        consistent,
        serde_json::json!({"consistent": true, "from": 3, "to": 8})
    );
    // An index the log does not have is a wrong input, as an unknown id is: exit 2.
    let o = log_cmd(&srv, &data, &["prove", "--index", "99"]);
    assert_eq!(code(&o), 2, "{}", text(&o));
    // So is a file that is no checkpoint at all; a forged one fails its check (below, exit 1).
    let garbage = data.work().join("garbage");
    std::fs::write(&garbage, "not a note\n").expect("write");
    let o = log_cmd(&srv, &data, &["verify", "--checkpoint", p(&garbage)]);
    assert_eq!(code(&o), 2, "{}", text(&o));
    // The notary's HTTP answers that blame the input exit 2 too (an unknown exchange).
    let unknown = "ab".repeat(32);
    let o = notar(&["exchange", "show", &unknown, "--server", &srv.url]);
    assert_eq!(code(&o), 2, "{}", text(&o));
    assert!(text(&o).contains("unknown_exchange"), "{}", text(&o));

    // A forged saved checkpoint (size changed, signature no longer matches): exit 1.
    let note = std::fs::read_to_string(&cp_file).expect("read");
    let forged = note.replacen("\n3\n", "\n2\n", 1);
    assert_ne!(forged, note);
    std::fs::write(&cp_file, forged).expect("write");
    let o = log_cmd(
        &srv,
        &data,
        &["verify", "--checkpoint", cp_file.to_str().expect("p")],
    );
    assert_eq!(code(&o), 1, "{}", text(&o));
    // Another notary's key: the server's checkpoint does not verify.
    let other = DataDir::init();
    let o = notar(&[
        "log",
        "checkpoint",
        "--server",
        &srv.url,
        "--data",
        other.arg(),
    ]);
    assert_eq!(code(&o), 1, "{}", text(&o));
}

#[test]
fn every_token_returned_survives_kill_9() {
    let data = DataDir::init();
    let srv = Server::start(&data);
    let mut stamped = Vec::new();
    for i in 0..20 {
        let f = data.work().join(format!("d{i}"));
        std::fs::write(&f, format!("document {i}")).expect("write");
        let o = notar(&["stamp", f.to_str().expect("p"), "--server", &srv.url]);
        assert_eq!(code(&o), 0, "{}", text(&o));
        stamped.push(f);
    }
    let (_, before) = curl(&[&format!("{}/v1/log/checkpoint", srv.url)]);
    srv.kill9();

    let srv = Server::start(&data);
    let (_, after) = curl(&[&format!("{}/v1/log/checkpoint", srv.url)]);
    assert_eq!(
        before, after,
        "the log after restart is the one signed before the crash"
    );
    for f in &stamped {
        let tsr = format!("{}.tsr", f.display());
        let reply = std::fs::read(&tsr).expect("tsr");
        let o = verify(&tsr, f.to_str().expect("p"), &data, &["--json"]);
        let serial = json(&o.stdout)["serial"].as_u64().expect("serial");
        let (code, entry) = curl(&[&format!("{}/v1/log/entries/{serial}", srv.url)]);
        assert_eq!(code, 200);
        let logged = json(&entry)["body"]["response"]
            .as_str()
            .expect("response")
            .to_string();
        use base64::Engine;
        assert_eq!(
            base64::engine::general_purpose::STANDARD
                .decode(logged)
                .expect("b64"),
            reply
        );
    }
    // And it keeps going from where it was.
    let f = data.work().join("after");
    std::fs::write(&f, "after").expect("write");
    let o = notar(&["stamp", f.to_str().expect("p"), "--server", &srv.url]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert!(text(&o).contains("serial (log index) 23"), "{}", text(&o));
}

/// `notar verify` on a file that is neither a reply nor a signed object says so (exit 2),
/// instead of asking for the file a timestamp covers.
#[test]
fn verify_names_a_file_that_is_neither_kind() {
    let data = DataDir::init();
    let plain = data.work().join("notes.txt");
    std::fs::write(&plain, b"just some text\n").expect("write");
    let o = notar(&["verify", p(&plain), "--data", data.arg()]);
    assert_eq!(code(&o), 2, "{}", text(&o));
    assert!(
        text(&o)
            .contains("neither a timestamp reply (DER, e.g. FILE.tsr) nor a signed JSON object"),
        "{}",
        text(&o)
    );
}

/// A name `notar serve` would refuse in notar.toml is refused by `notar init` first (exit 2,
/// nothing made): `x/y` used to leave a data dir no serve could start on, `my notary` failed
/// as if the log could not be made durable (exit 1).
#[test]
fn init_refuses_a_name_serve_would_refuse() {
    let tmp = tempfile::tempdir().expect("tmp");
    for name in ["x/y", "a:b", "my notary", "a+b", "ünï", ""] {
        let dir = tmp.path().join("d");
        let o = notar(&["init", "--data", p(&dir), "--name", name]);
        assert_eq!(code(&o), 2, "{name:?}: {}", text(&o));
        assert!(
            text(&o).contains("use letters, digits"),
            "{name:?}: {}",
            text(&o)
        );
        assert!(!dir.join("notar.toml").exists(), "{name:?}: nothing made");
    }
    let dir = tmp.path().join("ok");
    let o = notar(&["init", "--data", p(&dir), "--name", "notary-1.example_x"]);
    assert_eq!(code(&o), 0, "{}", text(&o));
}

/// A reader that goes away (`notar party list | head -1`): the command ends quietly, exit 0,
/// instead of panicking ("failed printing to stdout: Broken pipe", exit 101).
#[test]
fn a_closed_stdout_ends_a_listing_quietly() {
    let data = DataDir::init();
    let _srv = Server::start(&data);
    for args in [
        vec!["party", "list", "--data", data.arg()],
        vec!["agreement", "list", "--data", data.arg()],
    ] {
        let mut child = std::process::Command::new(notar_bin())
            .args(&args)
            .env("NOTAR_LOG", "warn")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn");
        drop(child.stdout.take());
        let o = child.wait_with_output().expect("wait");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert_eq!(o.status.code(), Some(0), "{args:?}: {err}");
    }
}

/// A log entry as `GET /v1/log/entries/N` gives it is checked like the envelope it holds; an
/// entry that holds none (the notary's identity, a timestamp token) says what checks it.
#[test]
fn verify_takes_a_log_entry() {
    let data = DataDir::init();
    let srv = Server::start(&data);
    let mut checked = Vec::new();
    for index in 0..8 {
        let path = format!("/v1/log/entries/{index}");
        let (status, body) = util::ledger::get(&srv.url, &path, None);
        if status != 200 {
            break;
        }
        let entry: serde_json::Value = serde_json::from_slice(&body).expect("json");
        let kind = entry["kind"].as_str().expect("kind").to_string();
        let file = data.work().join(format!("entry{index}.json"));
        std::fs::write(&file, &body).expect("write");
        let o = notar(&["verify", p(&file), "--data", data.arg()]);
        if kind == "notary_identity" || kind == "timestamp" {
            assert_eq!(code(&o), 2, "{kind}: {}", text(&o));
            assert!(
                text(&o).contains(&format!("a log entry of kind {kind}")),
                "{}",
                text(&o)
            );
        } else {
            assert_eq!(code(&o), 0, "{kind}: {}", text(&o));
        }
        checked.push(kind);
    }
    assert!(
        checked.contains(&"notary_identity".to_string()),
        "{checked:?}"
    );
    assert!(checked.iter().any(|k| k == "policy"), "{checked:?}");
}

/// With `--json`, a command line clap refuses is JSON on stdout too, as every other failure
/// (s14 F5: nothing on stdout); help still prints as help, exit 0.
#[test]
fn a_refused_command_line_is_json_with_json() {
    let o = notar(&["party", "add", "--role", "wizard", "--name", "x", "--json"]);
    assert_eq!(code(&o), 2, "{}", text(&o));
    let e: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON on stdout");
    assert_eq!(e["error"]["exit"], 2, "{e}");
    assert!(e["error"]["code"].is_null(), "{e}");
    assert!(
        e["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("invalid value 'wizard'") && m.contains("buyer")),
        "{e}"
    );
    let o = notar(&["replay", "--json"]);
    assert_eq!(code(&o), 2, "{}", text(&o));
    let e: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON on stdout");
    assert!(
        e["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("<BUNDLE>")),
        "{e}"
    );
    let o = notar(&["replay", "--json", "--help"]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert!(text(&o).contains("Usage"), "{}", text(&o));
}
