//! The console end to end, in a real terminal: `notar up` in tmux, driven with send-keys and read
//! with capture-pane, as an arbitrator would over SSH.

mod util;

use std::process::Command;
use std::time::{Duration, Instant};

use util::*;

/// One tmux session on its own tmux server (`-L`): tests run in parallel, and on a shared server
/// one test's last `kill-session` makes the server exit under another test's `new-session`.
struct Tmux {
    name: String,
    socket: String,
}

impl Tmux {
    fn start(name: &str, cmd: &str) -> Tmux {
        let tmux = Tmux {
            name: name.to_string(),
            socket: format!("{name}-{}", std::process::id()),
        };
        let _ = tmux.cmd().args(["kill-server"]).output();
        let st = tmux
            .cmd()
            .args([
                "new-session",
                "-d",
                "-s",
                name,
                "-x",
                "100",
                "-y",
                "30",
                cmd,
            ])
            .env("TERM", "xterm-256color")
            .status()
            .expect("tmux");
        assert!(st.success(), "tmux new-session failed");
        tmux
    }

    /// A tmux command addressed to this test's own server.
    fn cmd(&self) -> Command {
        let mut c = Command::new("tmux");
        c.args(["-L", &self.socket]);
        c
    }

    fn screen(&self) -> String {
        let o = self
            .cmd()
            .args(["capture-pane", "-p", "-t", &self.name])
            .output()
            .expect("capture");
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    /// Waits until the screen shows `needle`; panics with the last screen otherwise.
    fn wait_for(&self, needle: &str) -> String {
        self.wait_for_any(&[needle])
    }

    /// Waits until the screen shows one of `needles`; panics with the last screen otherwise.
    fn wait_for_any(&self, needles: &[&str]) -> String {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let s = self.screen();
            if needles.iter().any(|n| s.contains(n)) {
                return s;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for one of {needles:?}; screen:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(150));
        }
    }

    fn keys(&self, keys: &[&str]) {
        let st = self
            .cmd()
            .args(["send-keys", "-t", &self.name])
            .args(keys)
            .status()
            .expect("send-keys");
        assert!(st.success());
        std::thread::sleep(Duration::from_millis(200));
    }

    fn literal(&self, text: &str) {
        let st = self
            .cmd()
            .args(["send-keys", "-l", "-t", &self.name, text])
            .status()
            .expect("send-keys");
        assert!(st.success());
    }

    fn alive(&self) -> bool {
        self.cmd()
            .args(["has-session", "-t", &self.name])
            .status()
            .map(|s| s.success())
            .unwrap_or(false)
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd().args(["kill-server"]).output();
    }
}

fn wait_gone(what: &str, mut gone: impl FnMut() -> bool, secs: u64) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !gone() {
        assert!(
            Instant::now() < deadline,
            "{what} still there after {secs} s"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn up_command(data: &std::path::Path) -> String {
    format!(
        "{} up --data {} --listen 127.0.0.1:0",
        notar_bin(),
        data.display()
    )
}

#[test]
fn up_then_stamp_a_file_through_the_confirmation_dialog() {
    let tmp = tempfile::tempdir().expect("tmp");
    let data = tmp.path().join("data");
    let tmux = Tmux::start("notar-e2e-stamp", &up_command(&data));

    // Dashboard first, with the sample data loaded (identity + 4 sample documents).
    let s = tmux.wait_for("Dashboard");
    assert!(s.contains("notar"), "{s}");
    // Where the API listens, although `notar up` picked the port (`--listen 127.0.0.1:0`).
    let s = tmux.wait_for("HTTP API http://127.0.0.1:");
    let port = s
        .split("HTTP API http://127.0.0.1:")
        .nth(1)
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|p| p.parse::<u16>().ok());
    assert!(port.is_some_and(|p| p > 0), "a real port on screen:\n{s}");
    // The sample sellers' curl lines name that address, not the default one.
    let tokens = std::fs::read_to_string(data.join("samples-tokens.txt")).expect("tokens");
    let here = format!("http://127.0.0.1:{}/v1/guarantees/", port.unwrap_or(0));
    assert!(tokens.contains(&here), "{here} in\n{tokens}");
    tmux.keys(&["2"]);
    let s = tmux.wait_for("Recent timestamps");
    tmux.wait_for("samples");
    assert!(s.contains("Serial"), "{s}");

    // Stamp a file: prompt, path, the dialog shows exactly the imprint, `y` signs.
    let file = tmp.path().join("lease.txt");
    std::fs::write(&file, "Lease of flat 3, 1200.00 EUR per month\n").expect("write");
    use sha2::Digest;
    let imprint = hex::encode(sha2::Sha256::digest(std::fs::read(&file).expect("read")));
    tmux.keys(&["s"]);
    tmux.literal(file.to_str().expect("utf8"));
    tmux.keys(&["Enter"]);
    let s = tmux.wait_for("The notary will sign");
    assert!(
        s.contains(&imprint),
        "the dialog shows the full imprint:\n{s}"
    );
    assert!(s.contains("lease.txt"), "{s}");
    tmux.keys(&["y"]);
    let s = tmux.wait_for("Timestamp signed");
    // Where it lands depends on how much sample data `notar up` loaded before it.
    let index: u64 = s
        .lines()
        .find_map(|l| l.split("Log index").nth(1))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.trim_matches(|c: char| !c.is_ascii_digit()).parse().ok())
        .unwrap_or_else(|| panic!("no log index on screen:\n{s}"));
    tmux.keys(&["Escape"]);
    let s = tmux.wait_for(&imprint[..20]);
    assert!(s.contains(&index.to_string()), "{s}");

    // The log screen has the entry; verify its inclusion proof client-side.
    tmux.keys(&["3"]);
    tmux.wait_for("Entries");
    tmux.keys(&["G"]);
    tmux.keys(&["v"]);
    let s = tmux.wait_for(&format!("Inclusion of #{index}: OK"));
    assert!(s.contains("timestamp"), "{s}");

    // Help, then quit: the service stops with the console.
    tmux.keys(&["?"]);
    tmux.wait_for("help");
    tmux.keys(&["Escape"]);
    tmux.keys(&["q"]);
    wait_gone("the tmux session of notar up", || !tmux.alive(), 20);

    // The stamp is durable and names the operator.
    let data_dir = DataDir { tmp, path: data };
    let srv = Server::start(&data_dir);
    let (code, entry) = curl(&[&format!("{}/v1/log/entries/{index}", srv.url)]);
    assert_eq!(code, 200);
    let e = json(&entry);
    assert_eq!(e["kind"], "timestamp");
    assert_eq!(e["body"]["record"]["imprint"], imprint.as_str());
    assert!(e["operator"].is_string(), "{e}");
}

/// The number just before `word` on the screen's line that holds `line_label`.
fn count_before(screen: &str, line_label: &str, word: &str) -> u64 {
    let line = screen
        .lines()
        .find(|l| l.contains(line_label) && l.contains(word))
        .unwrap_or_else(|| panic!("no {line_label:?} line with {word:?}:\n{screen}"));
    let before = line.split(word).next().unwrap_or_default();
    let digits: String = before
        .split_whitespace()
        .last()
        .unwrap_or_default()
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    digits
        .parse()
        .unwrap_or_else(|_| panic!("no count before {word:?} in {line:?}"))
}

#[test]
fn dashboard_counts_since_start_and_tab_reaches_exchanges_and_complaints() {
    let tmp = tempfile::tempdir().expect("tmp");
    let data = tmp.path().join("data");
    let tmux = Tmux::start("notar-e2e-cases", &up_command(&data));

    // The samples loaded by `notar up` count: since start, not over the last feed events.
    tmux.wait_for("Dashboard");
    let s = tmux.wait_for("released since start");
    assert!(count_before(&s, "Guarantees", " granted,") > 0, "{s}");
    assert!(!s.contains("last 100 events"), "{s}");
    for series in ["Stamps/s", "Guarantees/s", "Exchanges/s"] {
        assert!(s.contains(series), "{series}:\n{s}");
    }
    assert!(s.contains("one bar per second"), "{s}");

    // Tab, Tab, Tab, Tab: screen 5, the sample complaints over the sample exchanges.
    for _ in 0..4 {
        tmux.keys(&["Tab"]);
    }
    let s = tmux.wait_for("Complaints (4)");
    assert!(s.contains("5 Exchanges"), "{s}");
    assert!(s.contains("by deadline"), "{s}");
    assert!(s.contains("Exchanges (6)"), "{s}");
    for word in [
        "open",
        "answered",
        "settled",
        "escrow_failed",
        "delivered",
        "expired",
    ] {
        assert!(s.contains(word), "{word}:\n{s}");
    }
    assert!(s.contains("Nordlicht"), "parties by name:\n{s}");
    // The answered case, opened (the claim first; the response below scrolls); then taken, after the
    // confirmation frame, which says the notary records (it signs nothing for this).
    tmux.keys(&["Down", "Enter"]);
    let s = tmux.wait_for("Case …");
    assert!(s.contains("non_payment") && s.contains("answered"), "{s}");
    assert!(s.contains("Nordlicht Verlag → Cara Mendes"), "{s}");
    tmux.keys(&["t"]);
    let s = tmux.wait_for("Confirm: the notary will record");
    assert!(s.contains("[ Record ]"), "{s}");
    tmux.keys(&["y"]);
    tmux.wait_for("taken: the notary records you on it");
    tmux.keys(&["Escape"]);
    // `e` moves the selection to the exchanges, `?` lists this screen's keys.
    tmux.keys(&["e"]);
    tmux.wait_for("▶ Exchanges");
    tmux.keys(&["?"]);
    tmux.wait_for("take · note a case");
    tmux.keys(&["Escape"]);
    tmux.keys(&["q"]);
    wait_gone("the tmux session of notar up", || !tmux.alive(), 20);
}

#[test]
fn hangup_ends_the_console_and_the_service() {
    let tmp = tempfile::tempdir().expect("tmp");
    let data = tmp.path().join("data");
    let tmux = Tmux::start("notar-e2e-hup", &up_command(&data));
    tmux.wait_for("Dashboard");
    // Killing the session hangs up the terminal (SIGHUP), as a dropped SSH connection does.
    // Anchored at the binary: the tmux server keeps the `new-session` command line as its own.
    let pattern = format!("^{} up --data {}", notar_bin(), data.display());
    let st = tmux
        .cmd()
        .args(["kill-session", "-t", "notar-e2e-hup"])
        .status()
        .expect("kill");
    assert!(st.success());
    wait_gone(
        "notar up after SIGHUP",
        || {
            let o = Command::new("pgrep")
                .args(["-f", &pattern])
                .output()
                .expect("pgrep");
            o.stdout.is_empty()
        },
        5,
    );
    // The data dir is usable again straight away (lock released, socket not in the way).
    let data_dir = DataDir { tmp, path: data };
    let srv = Server::start(&data_dir);
    let (code, _) = curl(&[&format!("{}/healthz", srv.url)]);
    assert_eq!(code, 200);
}

#[test]
fn register_a_seller_through_the_dialog_and_find_it_in_the_parties_list() {
    let tmp = tempfile::tempdir().expect("tmp");
    let data = tmp.path().join("data");
    let tmux = Tmux::start("notar-e2e-party", &up_command(&data));
    tmux.wait_for("Dashboard");

    // Screen 4, then the parties list (whatever the samples hold).
    tmux.keys(&["4"]);
    tmux.wait_for("Agreements (");
    tmux.keys(&["p"]);
    tmux.wait_for("Parties (");

    // n: name, role, then the dialog shows what will be signed; y signs.
    let name = "Tmux Test Shop 7";
    tmux.keys(&["n"]);
    tmux.wait_for("display name");
    tmux.literal(name);
    tmux.keys(&["Enter"]);
    tmux.wait_for("buyer or seller");
    tmux.literal("seller");
    tmux.keys(&["Enter"]);
    let s = tmux.wait_for("The notary will sign a party registration");
    assert!(s.contains(name), "the dialog shows the name:\n{s}");
    assert!(s.contains("[ Cancel ]") && s.contains("[ Sign ]"), "{s}");
    tmux.keys(&["y"]);

    // The seller's API token is shown once; a stray key does not close it, Enter does.
    let s = tmux.wait_for("shown ONCE");
    assert!(s.contains("nts_"), "{s}");
    tmux.keys(&["x"]);
    assert!(
        tmux.screen().contains("shown ONCE"),
        "a stray key closed it"
    );
    tmux.keys(&["Enter"]);

    // The new party is in the list, as a seller, selected (however the list sorts it).
    let s = tmux.wait_for(&format!("> {name}"));
    let row = s
        .lines()
        .find(|l| l.contains(name))
        .expect("the party's row");
    assert!(row.contains("seller"), "{row}");

    tmux.keys(&["q"]);
    wait_gone("the tmux session of notar up", || !tmux.alive(), 20);
}

#[test]
fn tab_reaches_cases_steps_through_the_sample_replay_and_signs_its_ruling() {
    let tmp = tempfile::tempdir().expect("tmp");
    let data = tmp.path().join("data");
    let tmux = Tmux::start("notar-e2e-replay", &up_command(&data));
    tmux.wait_for("Dashboard");
    // Five Tabs: screen 6, the two sample cases ready for a ruling (the answered ones).
    for _ in 0..5 {
        tmux.keys(&["Tab"]);
    }
    let s = tmux.wait_for("Cases (2)");
    assert!(s.contains("6 Cases") && s.contains("answered"), "{s}");
    // Enter: the notary replays the case's bundle; the stepper starts at the first item.
    tmux.keys(&["Enter"]);
    let s = tmux.wait_for_any(&["Item 1 of", "could not replay"]);
    assert!(s.contains("Timeline:"), "{s}");
    assert!(s.contains("Not signed"), "{s}");
    tmux.keys(&["Right"]);
    tmux.wait_for("Item 2 of");
    tmux.keys(&["End"]);
    for _ in 0..40 {
        tmux.keys(&["n"]);
    }
    let s = tmux.wait_for("Findings, in order");
    assert!(s.contains("Ruling:"), "{s}");
    // `s`: the trusted frame shows the ruling to be signed; `y` signs it (or proposes it,
    // when the sample policy wants a second arbitrator), and the replay's header says which.
    tmux.keys(&["s"]);
    let s = tmux.wait_for("Confirm: the notary will sign");
    assert!(s.contains("Bundle") && s.contains("Refund"), "{s}");
    assert!(s.contains("if its replay agrees"), "{s}");
    // What does not fit 80x24 scrolls; the dialog signs only once its last line was shown.
    tmux.keys(&["NPage", "NPage", "NPage"]);
    tmux.wait_for("Arbitrator");
    tmux.keys(&["y"]);
    let s = tmux.wait_for_any(&["RULED: signed and logged", "PROPOSED by"]);
    assert!(!s.contains("WARNING"), "{s}");
    tmux.keys(&["q"]);
    wait_gone("the tmux session of notar up", || !tmux.alive(), 20);
}

/// Under a policy that wants a second arbitrator, `notar case rule` only proposes; the proposer
/// opens the case in `notar console` (a running `notar serve`), sees "PROPOSED by you", and `w`
/// takes the proposal back: the reason typed, the withdrawal shown in the trusted frame (nothing
/// signed), `y` sent; the case is replayed afresh (signable again), the reason in its history
/// and the log unchanged.
#[test]
fn the_proposer_withdraws_a_proposal_from_the_cases_screen() {
    use util::cases::{buyer_answers, dual_policy, guarantee_case};
    let data = DataDir::init();
    dual_policy(&data);
    let srv = Server::start(&data);
    let mut admin = util::ledger::Admin::connect(&data);
    let c = guarantee_case(&srv.url, &mut admin, "dual");
    buyer_answers(&srv.url, &c);
    let o = notar(&["--data", data.arg(), "case", "rule", &c.complaint_id]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("proposed"), "{}", text(&o));
    let size = util::ledger::log_size(&srv.url);

    let cmd = format!("{} --data {} console", notar_bin(), data.arg());
    let tmux = Tmux::start("notar-e2e-withdraw", &cmd);
    tmux.wait_for("Dashboard");
    tmux.keys(&["6"]);
    tmux.wait_for("Cases (1)");
    tmux.keys(&["Enter"]);
    let s = tmux.wait_for("PROPOSED by you");
    assert!(s.contains("w withdraws it"), "{s}");
    tmux.keys(&["w"]);
    tmux.wait_for("Why withdraw the proposal");
    tmux.literal("the refund is wrong");
    tmux.keys(&["Enter"]);
    let s = tmux.wait_for("withdraw the proposal and record your reason");
    assert!(
        s.contains("Proposed by") && s.contains("the refund is wrong"),
        "{s}"
    );
    tmux.keys(&["NPage", "NPage", "NPage"]);
    tmux.keys(&["y"]);
    let s = tmux.wait_for_any(&["withdrawn: replayed afresh", "Notary error", "WARNING"]);
    assert!(s.contains("withdrawn: replayed afresh"), "{s}");
    // Replayed afresh: a ruling to sign again, no proposal pending.
    let s = tmux.wait_for("Not signed: s signs this ruling");
    assert!(!s.contains("PROPOSED"), "{s}");
    tmux.keys(&["q"]);
    wait_gone("the console", || !tmux.alive(), 20);

    let shown = admin.ok(
        "complaint_show",
        serde_json::json!({"complaint_id": c.complaint_id}),
    );
    assert_eq!(shown["item"].get("ruling"), None, "{shown}");
    let history = shown["history"].to_string();
    assert!(history.contains("the refund is wrong"), "{history}");
    assert_eq!(util::ledger::log_size(&srv.url), size, "nothing signed");
}
