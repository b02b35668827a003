//! RFC 3161 over HTTP against real clients: queries made by `openssl ts -query`, posted with curl,
//! replies checked by `openssl ts -verify`, and each token found in the notary log by proof.

mod util;

use base64::Engine;
use notar::crypto::keys::ed25519_from_pem;
use notar::log::checkpoint::open_checkpoint;
use notar::log::merkle::{leaf_hash, verify_inclusion, Hash};
use util::*;

fn stamp_with_openssl(
    srv: &Server,
    work: &std::path::Path,
    name: &str,
    flags: &[&str],
) -> (u16, Vec<u8>) {
    std::fs::write(work.join(name), format!("contract {name}\n")).expect("write data");
    let tsq = format!("{name}.tsq");
    let mut args = vec!["ts", "-query", "-data", name];
    args.extend_from_slice(flags);
    args.extend_from_slice(&["-out", &tsq]);
    let q = run_in(work, "openssl", &args);
    assert!(q.status.success(), "openssl ts -query: {}", text(&q));
    let tsq_path = work.join(&tsq);
    curl(&[
        "-H",
        "Content-Type: application/timestamp-query",
        "--data-binary",
        &format!("@{}", tsq_path.display()),
        &format!("{}/v1/timestamp", srv.url),
    ])
}

fn openssl_verify(data: &DataDir, name: &str, tsr: &str) -> std::process::Output {
    let keys = data.path.join("keys");
    run_in(
        data.work(),
        "openssl",
        &[
            "ts",
            "-verify",
            "-data",
            name,
            "-in",
            tsr,
            "-CAfile",
            keys.join("root.crt").to_str().expect("utf8"),
            "-untrusted",
            keys.join("tsa.crt").to_str().expect("utf8"),
        ],
    )
}

#[test]
fn openssl_verifies_tokens_for_each_hash_nonce_and_cert_choice() {
    let data = DataDir::init();
    let srv = Server::start(&data);
    let mut i = 0;
    for hash in ["-sha256", "-sha384", "-sha512"] {
        for nonce in [true, false] {
            for cert in [true, false] {
                i += 1;
                let name = format!("doc{i}");
                let mut flags = vec![hash];
                if !nonce {
                    flags.push("-no_nonce");
                }
                if cert {
                    flags.push("-cert");
                }
                let (code, body) = stamp_with_openssl(&srv, data.work(), &name, &flags);
                assert_eq!(code, 200, "{}", String::from_utf8_lossy(&body));
                let tsr = format!("{name}.tsr");
                std::fs::write(data.work().join(&tsr), &body).expect("write tsr");
                let v = openssl_verify(&data, &name, &tsr);
                assert!(
                    text(&v).contains("Verification: OK"),
                    "{flags:?}: {}",
                    text(&v)
                );
                let shown = run_in(
                    data.work(),
                    "openssl",
                    &["ts", "-reply", "-in", &tsr, "-text"],
                );
                let shown = text(&shown);
                assert!(shown.contains("Status: Granted"), "{shown}");
                // openssl names 1.2.3.4.1 after its sample config: tsa_policy1.
                assert!(
                    shown.contains("Policy OID: tsa_policy1")
                        || shown.contains("Policy OID: 1.2.3.4.1"),
                    "{shown}"
                );
                assert!(
                    shown.contains("Accuracy: 0x01 seconds") || shown.contains("Accuracy: 1"),
                    "{shown}"
                );
                assert_eq!(shown.contains("Nonce: unspecified"), !nonce, "{shown}");
            }
        }
    }
}

#[test]
fn a_tampered_reply_fails_openssl_verification() {
    let data = DataDir::init();
    let srv = Server::start(&data);
    let (code, body) = stamp_with_openssl(&srv, data.work(), "deed", &["-sha256", "-cert"]);
    assert_eq!(code, 200);
    // Flip one bit in the last bytes (the signature) and one in the TSTInfo's message imprint.
    use sha2::Digest;
    let imprint = sha2::Sha256::digest(std::fs::read(data.work().join("deed")).expect("read"));
    let at = body
        .windows(32)
        .position(|w| w == &imprint[..])
        .expect("imprint in token");
    for pos in [body.len() - 3, at + 7] {
        let mut bad = body.clone();
        bad[pos] ^= 0x01;
        std::fs::write(data.work().join("bad.tsr"), &bad).expect("write");
        let v = openssl_verify(&data, "deed", "bad.tsr");
        assert!(
            !text(&v).contains("Verification: OK"),
            "tampered at {pos} still verified"
        );
    }
    // And the right reply for the wrong data fails too.
    std::fs::write(data.work().join("deed.tsr"), &body).expect("write");
    std::fs::write(data.work().join("other"), b"other").expect("write");
    let v = openssl_verify(&data, "other", "deed.tsr");
    assert!(!text(&v).contains("Verification: OK"));
}

#[test]
fn each_token_is_in_the_log_under_its_serial() {
    let data = DataDir::init();
    let srv = Server::start(&data);
    let (code, tsr) = stamp_with_openssl(&srv, data.work(), "invoice", &["-sha512", "-cert"]);
    assert_eq!(code, 200);
    std::fs::write(data.work().join("invoice.tsr"), &tsr).expect("write");
    let shown = text(&run_in(
        data.work(),
        "openssl",
        &["ts", "-reply", "-in", "invoice.tsr", "-text"],
    ));
    let serial_hex = shown
        .lines()
        .find_map(|l| l.trim().strip_prefix("Serial number: 0x"))
        .unwrap_or_else(|| panic!("no serial in {shown}"));
    let serial = u64::from_str_radix(serial_hex.trim(), 16).expect("hex serial");
    assert!(serial >= 1, "entry 0 is the notary's identity");

    // Checkpoint verified with the notary key read from the data dir (pinned, not from the server).
    let pem = std::fs::read_to_string(data.path.join("keys/notary.ed25519.pem")).expect("key");
    let vk = ed25519_from_pem(&pem).expect("pem").verifying_key();
    let (code, note) = curl(&[&format!("{}/v1/log/checkpoint", srv.url)]);
    assert_eq!(code, 200);
    let cp = open_checkpoint(
        std::str::from_utf8(&note).expect("utf8"),
        "notar.notar/log",
        &vk,
    )
    .expect("checkpoint verifies");
    assert!(cp.size > serial);

    let (code, entry) = curl(&[&format!("{}/v1/log/entries/{serial}", srv.url)]);
    assert_eq!(code, 200);
    let e = json(&entry);
    assert_eq!(e["kind"], "timestamp");
    let logged = base64::engine::general_purpose::STANDARD
        .decode(e["body"]["response"].as_str().expect("response"))
        .expect("b64");
    assert_eq!(logged, tsr, "the log holds exactly the reply we got");

    let (code, proof) = curl(&[&format!(
        "{}/v1/log/proof/inclusion?index={serial}&size={}",
        srv.url, cp.size
    )]);
    assert_eq!(code, 200);
    let hashes: Vec<Hash> = json(&proof)["proof"]
        .as_array()
        .expect("proof")
        .iter()
        .map(|h| {
            let b = base64::engine::general_purpose::STANDARD
                .decode(h.as_str().expect("str"))
                .expect("b64");
            Hash::try_from(b.as_slice()).expect("32 bytes")
        })
        .collect();
    verify_inclusion(&leaf_hash(&entry), serial, cp.size, &hashes, &cp.root)
        .expect("inclusion verifies");
    let mut wrong = entry.clone();
    wrong[5] ^= 1;
    assert!(verify_inclusion(&leaf_hash(&wrong), serial, cp.size, &hashes, &cp.root).is_err());
}

/// Posts the file `w/file` to `url` as a timestamp query.
fn post_query(w: &std::path::Path, url: &str, file: &str) -> (u16, Vec<u8>) {
    curl(&[
        "-H",
        "Content-Type: application/timestamp-query",
        "--data-binary",
        &format!("@{}", w.join(file).display()),
        url,
    ])
}

/// The reply `body` as `openssl ts -reply -text` shows it (saved as `w/name`).
fn reply_text(w: &std::path::Path, name: &str, body: &[u8]) -> String {
    std::fs::write(w.join(name), body).expect("write");
    text(&run_in(
        w,
        "openssl",
        &["ts", "-reply", "-in", name, "-text"],
    ))
}

/// `openssl ts -query` over a new file `w/name`, hashed with `alg`; the query's file name.
fn query_file(w: &std::path::Path, name: &str, alg: &str) -> String {
    std::fs::write(w.join(name), name).expect("write");
    let tsq = format!("{name}.tsq");
    let q = run_in(
        w,
        "openssl",
        &["ts", "-query", "-data", name, alg, "-out", &tsq],
    );
    assert!(q.status.success());
    tsq
}

#[test]
fn bad_queries_get_rejections_or_json_errors_never_a_500() {
    let data = DataDir::init();
    let srv = Server::start(&data);
    let url = format!("{}/v1/timestamp", srv.url);
    let w = data.work();

    // Garbage and truncated DER: an RFC 3161 rejection (status 2), as a timestamp-reply.
    std::fs::write(w.join("garbage"), b"\x30\x03\x02\x01").expect("write");
    let full = std::fs::read(w.join(query_file(w, "t", "-sha256"))).expect("read");
    std::fs::write(w.join("truncated"), &full[..full.len() - 5]).expect("write");
    for file in ["garbage", "truncated"] {
        let (code, body) = post_query(w, &url, file);
        assert_eq!(code, 200);
        let shown = reply_text(w, "rej.tsr", &body);
        assert!(shown.contains("Status: Rejected"), "{shown}");
        assert!(
            shown.contains("the data submitted has the wrong format"),
            "{shown}"
        );
    }
    // A SHA-1 query is refused with badAlg.
    let (code, body) = post_query(w, &url, &query_file(w, "old", "-sha1"));
    assert_eq!(code, 200);
    let shown = reply_text(w, "old.tsr", &body);
    assert!(
        shown.contains("Status: Rejected")
            && shown
                .to_lowercase()
                .contains("unrecognized or unsupported algorithm"),
        "{shown}"
    );

    transport_faults_get_json_errors(w, &srv.url);

    // Nothing of that was logged: only the identity and the two shipped policies are there.
    let (_, health) = curl(&[&format!("{}/healthz", srv.url)]);
    assert_eq!(json(&health)["log_size"], 3);
}

/// Transport faults: JSON errors with the right status.
fn transport_faults_get_json_errors(w: &std::path::Path, base: &str) {
    let url = format!("{base}/v1/timestamp");
    let (code, body) = curl(&[
        "-H",
        "Content-Type: text/plain",
        "--data-binary",
        "hello",
        &url,
    ]);
    assert_eq!(code, 415);
    assert_eq!(json(&body)["error"]["code"], "unsupported_media_type");
    std::fs::write(w.join("big"), vec![0x30u8; 200_000]).expect("write");
    let (code, body) = post_query(w, &url, "big");
    assert_eq!(code, 413);
    assert_eq!(json(&body)["error"]["code"], "body_too_large");
    let (code, body) = curl(&[&url]);
    assert_eq!(code, 405);
    assert_eq!(json(&body)["error"]["code"], "method_not_allowed");
    let (code, body) = curl(&[&format!("{base}/v1/nope")]);
    assert_eq!(code, 404);
    assert_eq!(json(&body)["error"]["code"], "not_found");
    for bad in [
        "index=5&size=2",
        "index=x",
        "index=0&size=0",
        "index=99999999999",
    ] {
        let (code, body) = curl(&[&format!("{base}/v1/log/proof/inclusion?{bad}")]);
        assert_eq!(code, 400, "{bad}");
        assert_eq!(json(&body)["error"]["code"], "bad_request");
    }
    let (code, body) = curl(&[&format!("{base}/v1/log/proof/consistency?size1=3&size2=1")]);
    assert_eq!(code, 400);
    assert!(json(&body)["error"]["message"].is_string());
    let (code, _) = curl(&[&format!("{base}/v1/log/entries/12345")]);
    assert_eq!(code, 404);
    let (code, _) = curl(&[&format!("{base}/v1/log/entries/minus1")]);
    assert_eq!(code, 400);
}

#[test]
fn public_routes_describe_the_notary() {
    let data = DataDir::init();
    let srv = Server::start(&data);
    let (code, body) = curl(&[&format!("{}/v1/notary", srv.url)]);
    assert_eq!(code, 200);
    let id = json(&body);
    assert_eq!(id["key_id"].as_str().expect("key id").len(), 64);
    assert!(id["checkpoint_vkey"]
        .as_str()
        .expect("vkey")
        .starts_with("notar.notar/log+"));
    let (code, chain) = curl(&[&format!("{}/v1/timestamp/certchain", srv.url)]);
    assert_eq!(code, 200);
    assert_eq!(
        String::from_utf8_lossy(&chain)
            .matches("BEGIN CERTIFICATE")
            .count(),
        2
    );
    let (code, metrics) = curl(&[&format!("{}/metrics", srv.url)]);
    assert_eq!(code, 200);
    assert!(String::from_utf8_lossy(&metrics).contains("notar_log_size 3"));
    // Entry 0 is the notary's identity, as served.
    let (_, e0) = curl(&[&format!("{}/v1/log/entries/0", srv.url)]);
    let e0 = json(&e0);
    assert_eq!(e0["kind"], "notary_identity");
    assert_eq!(e0["body"]["key_id"], id["key_id"]);
}
