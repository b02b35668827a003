//! A tiny harness: temp data dirs, the real `notar` binary, a real server on 127.0.0.1, and the
//! real peers (openssl, curl) the tests talk to. Each test reads like a user's session.
#![allow(dead_code)]

pub mod cases;
pub mod exchange;
pub mod ledger;
pub mod pg;
pub mod sim;
pub mod x509;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Path of the built binary.
pub fn notar_bin() -> &'static str {
    env!("CARGO_BIN_EXE_notar")
}

/// Runs `notar ARGS` to completion.
pub fn notar(args: &[&str]) -> Output {
    Command::new(notar_bin())
        .args(args)
        .env("NOTAR_LOG", "warn")
        .output()
        .expect("run notar")
}

/// Runs a command in `dir` to completion.
pub fn run_in(dir: &Path, program: &str, args: &[&str]) -> Output {
    Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .expect(program)
}

/// A temp path as a command-line argument (temp paths are UTF-8).
pub fn p(path: &Path) -> &str {
    path.to_str().expect("utf8 path")
}

/// The permission bits of `path` (`0o600` for a private key).
pub fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

/// Runs `openssl ARGS` in `cwd`, which must succeed; its stdout.
pub fn openssl(cwd: &Path, args: &[&str]) -> Vec<u8> {
    let o = run_in(cwd, "openssl", args);
    assert!(o.status.success(), "openssl {args:?}: {}", text(&o));
    o.stdout
}

/// An Ed25519 key made by `openssl genpkey`: the private key file, its PEM public key
/// (`openssl pkey -pubout`), and the raw 32-byte public key as hex.
pub struct KeyFiles {
    pub key: PathBuf,
    pub pubkey: PathBuf,
    pub hex: String,
}

/// A fresh Ed25519 key in `dir` as `NAME.pem` and `NAME.pub.pem`.
pub fn ed25519_key(dir: &Path, name: &str) -> KeyFiles {
    let key = dir.join(format!("{name}.pem"));
    let pubkey = dir.join(format!("{name}.pub.pem"));
    openssl(dir, &["genpkey", "-algorithm", "ed25519", "-out", p(&key)]);
    openssl(
        dir,
        &["pkey", "-in", p(&key), "-pubout", "-out", p(&pubkey)],
    );
    let der = openssl(dir, &["pkey", "-in", p(&key), "-pubout", "-outform", "DER"]);
    let hex = hex::encode(&der[der.len() - 32..]);
    KeyFiles { key, pubkey, hex }
}

/// stdout + stderr as one string, for assertions and messages.
pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A fresh data dir (initialised) inside a temp dir.
pub struct DataDir {
    pub tmp: tempfile::TempDir,
    pub path: PathBuf,
}

impl DataDir {
    pub fn init() -> DataDir {
        let tmp = tempfile::tempdir().expect("tempdir");
        let path = tmp.path().join("data");
        let out = notar(&["init", "--data", path.to_str().expect("utf8")]);
        assert!(out.status.success(), "init failed: {}", text(&out));
        DataDir { tmp, path }
    }

    pub fn arg(&self) -> &str {
        self.path.to_str().expect("utf8 path")
    }

    /// A scratch directory beside the data dir for files, queries, replies.
    pub fn work(&self) -> &Path {
        self.tmp.path()
    }
}

/// Sets `[section] key = value` in the data dir's notar.toml (the server is not running).
pub fn configure(data: &DataDir, settings: &[(&str, &str, i64)]) {
    let path = data.path.join("notar.toml");
    let text = std::fs::read_to_string(&path).expect("notar.toml");
    let mut doc: toml::Table = toml::from_str(&text).expect("toml");
    for (section, key, value) in settings {
        let table = doc
            .entry(section.to_string())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        table
            .as_table_mut()
            .expect("a section")
            .insert(key.to_string(), toml::Value::Integer(*value));
    }
    std::fs::write(&path, toml::to_string(&doc).expect("toml")).expect("write notar.toml");
}

/// A running `notar serve`.
pub struct Server {
    child: Child,
    pub url: String,
}

/// The URL a starting `notar serve` prints on its stdout (piped), waited for up to a minute; its
/// stdout is read on to its end by a thread, so the server never blocks on it.
pub fn listening_url(child: &mut Child) -> String {
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(url) = line.strip_prefix("listening on ") {
                let _ = tx.send(url.to_string());
            }
        }
    });
    rx.recv_timeout(Duration::from_secs(60))
        .expect("server printed its address")
}

impl Server {
    pub fn start(data: &DataDir) -> Server {
        Server::spawn(Server::command(data))
    }

    /// As `start`, with more environment variables (the `NOTAR_TEST_*` faults).
    pub fn start_with(data: &DataDir, env: &[(&str, &str)]) -> Server {
        let mut cmd = Server::command(data);
        cmd.envs(env.iter().copied());
        Server::spawn(cmd)
    }

    /// The command `start` runs, to adjust before `spawn` (limits, environment).
    pub fn command(data: &DataDir) -> Command {
        let mut cmd = Command::new(notar_bin());
        cmd.args(["serve", "--data", data.arg(), "--listen", "127.0.0.1:0"])
            .env("NOTAR_LOG", "warn")
            .stderr(Stdio::inherit());
        cmd
    }

    /// Spawns a `notar serve` command and waits for its URL.
    pub fn spawn(mut cmd: Command) -> Server {
        let mut child = cmd
            .stdout(Stdio::piped())
            .spawn()
            .expect("spawn notar serve");
        let url = listening_url(&mut child);
        Server { child, url }
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGKILL, no chance to clean up.
    pub fn kill9(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM and wait for a clean exit.
    pub fn stop(mut self) -> std::process::ExitStatus {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(Some(s)) = self.child.try_wait() {
                return s;
            }
            assert!(Instant::now() < deadline, "server did not stop on SIGTERM");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `curl -s` with the given args; returns (status code, body).
pub fn curl(args: &[&str]) -> (u16, Vec<u8>) {
    let tmp = tempfile::NamedTempFile::new().expect("tmp");
    let out = Command::new("curl")
        .args([
            "-s",
            "-o",
            tmp.path().to_str().expect("utf8"),
            "-w",
            "%{http_code}",
        ])
        .args(args)
        .output()
        .expect("curl");
    let code = String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .expect("http code");
    (code, std::fs::read(tmp.path()).expect("body"))
}

/// Parses a JSON body.
pub fn json(body: &[u8]) -> serde_json::Value {
    serde_json::from_slice(body)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(body)))
}
