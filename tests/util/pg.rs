//! A throwaway PostgreSQL cluster (primary + synchronous streaming replica) for the PostgreSQL
//! store's tests, made and removed by scripts/pg-cluster.sh, and notar processes on it.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::{curl, json, notar, p, text, DataDir, Server};

/// The cluster; removed on drop.
pub struct Cluster {
    dir: tempfile::TempDir,
    /// The cluster's directory under `dir` (one per attempt at starting it).
    pg: PathBuf,
    /// Both servers, primary first, for clients that must follow a promotion
    /// (`target_session_attrs=read-write` picks the one that takes writes).
    pub url: String,
    /// The replica alone (a hot standby: read-only).
    pub replica_url: String,
}

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/pg-cluster.sh")
}

fn cluster_cmd(args: &[&str]) {
    if let Err(why) = cluster_try(args) {
        panic!("pg-cluster.sh {args:?}: {why}");
    }
}

/// `pg-cluster.sh ARGS`; its output when it fails.
fn cluster_try(args: &[&str]) -> Result<(), String> {
    let out = Command::new(script())
        .args(args)
        .output()
        .expect("pg-cluster.sh");
    if out.status.success() {
        Ok(())
    } else {
        Err(text(&out))
    }
}

/// Two free consecutive loopback ports (the script puts the replica on PORT+1).
fn free_port_pair() -> u16 {
    for _ in 0..100 {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = l.local_addr().expect("addr").port();
        if port < 65535 && std::net::TcpListener::bind(("127.0.0.1", port + 1)).is_ok() {
            return port;
        }
    }
    panic!("no two free consecutive ports");
}

impl Cluster {
    /// Starts a primary and its synchronous replica (PostgreSQL 15 from Debian's packages, which
    /// scripts/setup.sh installs).
    pub fn up() -> Cluster {
        assert!(
            Path::new("/usr/lib/postgresql/15/bin/initdb").exists(),
            "PostgreSQL 15 is not installed: run scripts/setup.sh (it installs postgresql-15)"
        );
        let dir = tempfile::Builder::new()
            .prefix("notar-pg")
            .tempdir_in("/tmp")
            .expect("tempdir");
        // The ports are free when chosen, but tests run in parallel: another may take one before
        // PostgreSQL binds it (pg_ctl then "could not start server"). Try afresh a few times.
        let mut attempt = 0;
        let (port, pg) = loop {
            attempt += 1;
            let port = free_port_pair();
            let pg = dir.path().join(format!("pg{attempt}"));
            match cluster_try(&["up", p(&pg), &port.to_string()]) {
                Ok(()) => break (port, pg),
                Err(why) if attempt < 3 => {
                    eprintln!("pg-cluster up on port {port} failed, trying another: {why}");
                    let _ = cluster_try(&["down", p(&pg)]);
                }
                Err(why) => panic!("pg-cluster.sh up: {why}"),
            }
        };
        let replica = port + 1;
        Cluster {
            url: format!(
                "postgres://notar@127.0.0.1:{port},127.0.0.1:{replica}/notar?target_session_attrs=read-write"
            ),
            replica_url: format!("postgres://notar@127.0.0.1:{replica}/notar"),
            dir,
            pg,
        }
    }

    fn pg(&self) -> PathBuf {
        self.pg.clone()
    }

    /// Stops the primary at once, as a crash.
    pub fn stop_primary(&self) {
        cluster_cmd(&["stop-primary", p(&self.pg())]);
    }

    /// Promotes the replica to primary.
    pub fn promote(&self) {
        cluster_cmd(&["promote", p(&self.pg())]);
    }

    /// Waits until the replica has replayed everything the primary holds now (a synchronous
    /// commit waits for the replica's disk, not for its replay).
    pub fn wait_replayed(&self) {
        let sql = "SELECT pg_current_wal_lsn()";
        let target = self.psql(&self.url, sql);
        let caught_up = format!("SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn");
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.psql(&self.replica_url, &caught_up) != "t" {
            assert!(
                Instant::now() < deadline,
                "the replica did not replay up to {target}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// `psql -Atc SQL` against the server at `url`; its output.
    pub fn psql(&self, url: &str, sql: &str) -> String {
        let out = Command::new("psql")
            .args([url, "-Atc", sql])
            .output()
            .expect("psql");
        assert!(out.status.success(), "psql {sql}: {}", text(&out));
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = Command::new(script())
            .args(["down", p(&self.pg())])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

/// `notar init --store URL` in a fresh data dir, with a lease of `lease_ms`.
pub fn init_on(url: &str, lease_ms: i64) -> DataDir {
    let tmp = tempfile::tempdir().expect("tempdir");
    let path = tmp.path().join("data");
    let out = notar(&["init", "--data", p(&path), "--store", url]);
    assert!(out.status.success(), "init --store failed: {}", text(&out));
    let data = DataDir { tmp, path };
    super::configure(&data, &[("store", "lease_ms", lease_ms)]);
    data
}

/// A second data dir with the same keys and notar.toml (what an operator copies to a standby).
pub fn copy_of(data: &DataDir) -> DataDir {
    let tmp = tempfile::tempdir().expect("tempdir");
    let path = tmp.path().join("data");
    let out = Command::new("cp")
        .args(["-a", data.arg(), p(&path)])
        .output()
        .expect("cp");
    assert!(out.status.success(), "cp: {}", text(&out));
    let _ = std::fs::remove_file(path.join("admin.sock"));
    DataDir { tmp, path }
}

/// `GET /healthz`: (status code, `role`).
pub fn role(url: &str) -> (u16, String) {
    let (code, body) = curl(&["--max-time", "5", &format!("{url}/healthz")]);
    if code == 0 {
        return (0, String::new());
    }
    (code, json(&body)["role"].as_str().unwrap_or("").to_string())
}

/// Waits up to `within` for the server at `url` to report `want` as its role.
pub fn wait_role(url: &str, want: &str, within: Duration) {
    let deadline = Instant::now() + within;
    loop {
        let (_, got) = role(url);
        if got == want {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{url} is {got:?}, not {want:?}, after {within:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Sends a signal (`STOP`, `CONT`) to a server.
pub fn signal(server: &Server, sig: &str) {
    let st = Command::new("kill")
        .args([&format!("-{sig}"), &server.pid().to_string()])
        .status()
        .expect("kill");
    assert!(st.success(), "kill -{sig}");
}

/// Points a data dir at another database URL, as a read-only replica when `replica`.
pub fn set_store(data: &DataDir, url: &str, replica: bool) {
    let path = data.path.join("notar.toml");
    let text = std::fs::read_to_string(&path).expect("notar.toml");
    let mut doc: toml::Table = toml::from_str(&text).expect("toml");
    let store = doc
        .entry("store")
        .or_insert_with(|| toml::Value::Table(toml::Table::new()))
        .as_table_mut()
        .expect("[store]");
    store.insert("url".into(), toml::Value::String(url.into()));
    store.insert("replica".into(), toml::Value::Boolean(replica));
    std::fs::write(&path, toml::to_string(&doc).expect("toml")).expect("write notar.toml");
}
