//! Permissions of what the notary trusts (issue 11, item 6): `notar serve` refuses a notar.toml,
//! a policy dir or file, a CA root or a db/ that others could change or read, naming the file,
//! its mode and the command to run; `init` and `up` create db/ 0700 and notar.log 0600, so a
//! data dir granting its group search (0710) shows them nothing.

mod util;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use util::{mode, notar_bin, openssl, p, text, DataDir, Server};

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

/// `notar serve` on `data`, which must refuse to start (bounded: a server that starts anyway is
/// killed after a minute and the test fails). Its exit code and output.
fn serve_refused(data: &DataDir) -> (Option<i32>, String) {
    let o = Command::new("timeout")
        .args(["60", notar_bin(), "serve", "--data", data.arg()])
        .args(["--listen", "127.0.0.1:0"])
        .env("NOTAR_LOG", "warn")
        .output()
        .expect("run notar serve");
    let out = text(&o);
    assert_ne!(o.status.code(), Some(124), "serve started: {out}");
    assert!(!o.status.success(), "serve must refuse: {out}");
    (o.status.code(), out)
}

/// Asserts the refusal names `path`, its `mode` and the fix `fix`, and exits 2 (usage).
fn refuses(data: &DataDir, path: &Path, mode: &str, fix: &str) {
    let (code, out) = serve_refused(data);
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains(p(path)), "names {}: {out}", path.display());
    assert!(out.contains(mode), "names mode {mode}: {out}");
    assert!(out.contains(fix), "says {fix:?}: {out}");
}

#[test]
fn a_notar_toml_others_can_change_is_refused() {
    let data = DataDir::init();
    let cfg = data.path.join("notar.toml");
    chmod(&cfg, 0o664);
    refuses(&data, &cfg, "664", &format!("chmod go-w {}", p(&cfg)));
    chmod(&cfg, 0o646);
    refuses(&data, &cfg, "646", "chmod go-w");
    chmod(&cfg, 0o644);
    // Owned by another user (nobody), even with a sane mode.
    std::os::unix::fs::chown(&cfg, Some(65534), None).expect("chown");
    let (code, out) = serve_refused(&data);
    assert_eq!(code, Some(2), "{out}");
    assert!(
        out.contains(p(&cfg)) && out.contains("owned by uid 65534"),
        "{out}"
    );
    assert!(out.contains("chown"), "{out}");
    std::os::unix::fs::chown(&cfg, Some(0), None).expect("chown back");
    Server::start(&data).stop();
}

#[test]
fn a_policy_dir_or_file_others_can_write_is_refused() {
    let data = DataDir::init();
    let dir = data.path.join("policies");
    chmod(&dir, 0o702);
    refuses(&data, &dir, "702", &format!("chmod go-w {}", p(&dir)));
    chmod(&dir, 0o700);
    let file = dir.join("semper-consumer.toml");
    chmod(&file, 0o620);
    refuses(&data, &file, "620", &format!("chmod go-w {}", p(&file)));
    chmod(&file, 0o644);
    Server::start(&data).stop();
}

#[test]
fn a_ca_root_others_can_write_is_refused() {
    let data = DataDir::init();
    let w = data.work();
    openssl(
        w,
        &[
            "req",
            "-x509",
            "-newkey",
            "ed25519",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.crt",
            "-subj",
            "/CN=Test CA",
            "-days",
            "2",
        ],
    );
    let root = w.join("ca.crt");
    let cfg_path = data.path.join("notar.toml");
    let cfg = std::fs::read_to_string(&cfg_path).expect("notar.toml");
    assert!(cfg.contains("ca_roots = []"), "{cfg}");
    let cfg = cfg.replace("ca_roots = []", &format!("ca_roots = [{:?}]", p(&root)));
    std::fs::write(&cfg_path, cfg).expect("write notar.toml");
    chmod(&root, 0o664);
    refuses(&data, &root, "664", &format!("chmod go-w {}", p(&root)));
    chmod(&root, 0o644);
    Server::start(&data).stop();
}

#[test]
fn db_and_the_log_file_are_private_and_a_readable_db_is_refused() {
    let data = DataDir::init();
    let db = data.path.join("db");
    assert_eq!(mode(&db), 0o700, "db/ after init");
    // The documented setup: the data dir grants its group search.
    chmod(&data.path, 0o710);
    Server::start(&data).stop();
    assert_eq!(mode(&db), 0o700, "db/ after serve");
    chmod(&db, 0o750);
    refuses(&data, &db, "750", &format!("chmod 700 {}", p(&db)));
    chmod(&db, 0o700);

    // `notar up` makes a data dir and logs to DATA/notar.log; without a terminal its console
    // ends at once, and the service with it.
    let tmp = tempfile::tempdir().expect("tempdir");
    let up = tmp.path().join("up");
    let o = Command::new("timeout")
        .args(["300", notar_bin(), "up", "--data", p(&up)])
        .args(["--listen", "127.0.0.1:0"])
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run notar up");
    assert_ne!(o.status.code(), Some(124), "up did not end: {}", text(&o));
    assert_eq!(mode(&up.join("notar.log")), 0o600, "{}", text(&o));
    assert_eq!(mode(&up.join("db")), 0o700);
}
