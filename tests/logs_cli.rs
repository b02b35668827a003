//! Service logs as an operator's tools read them: `notar serve 2> file` writes no colour codes
//! (stderr is not a terminal), and `--log-format json` writes one JSON object per line.

mod util;

use std::process::{Command, Stdio};

use util::*;

/// Runs `notar serve` with stderr to a file and `extra` arguments, makes one request, stops it
/// with SIGTERM; the log file's text.
fn serve_log(extra: &[&str]) -> String {
    let data = DataDir::init();
    let log = data.work().join("serve.log");
    let file = std::fs::File::create(&log).expect("log file");
    let mut args = vec!["serve", "--data", data.arg(), "--listen", "127.0.0.1:0"];
    args.extend_from_slice(extra);
    let mut child = Command::new(notar_bin())
        .args(&args)
        .env("NOTAR_LOG", "info")
        .env_remove("NOTAR_LOG_FORMAT")
        .stdout(Stdio::piped())
        .stderr(Stdio::from(file))
        .spawn()
        .expect("spawn notar serve");
    let url = listening_url(&mut child);
    let (status, _) = curl(&["-s", &format!("{url}/healthz")]);
    assert_eq!(status, 200);
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let exit = child.wait().expect("wait");
    assert!(exit.success(), "{exit:?}");
    std::fs::read_to_string(&log).expect("read log")
}

#[test]
fn a_log_written_to_a_file_has_no_colour_codes() {
    let text = serve_log(&[]);
    assert!(text.lines().count() > 0, "something is logged at info");
    assert!(!text.contains('\u{1b}'), "escape codes in a file:\n{text}");
}

#[test]
fn log_format_json_writes_one_object_per_line() {
    let text = serve_log(&["--log-format", "json"]);
    let lines: Vec<&str> = text.lines().filter(|l| !l.is_empty()).collect();
    assert!(!lines.is_empty(), "something is logged at info");
    for line in lines {
        let v: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
        assert!(v["level"].is_string(), "{line}");
        assert!(v["timestamp"].is_string(), "{line}");
        assert!(v["fields"].is_object(), "{line}");
    }
    assert!(!text.contains('\u{1b}'), "{text}");
}

#[test]
fn an_unknown_log_format_is_a_usage_error() {
    let o = notar(&["--log-format", "xml", "bundle", "verify", "case.json"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("text") && text(&o).contains("json"),
        "{}",
        text(&o)
    );
}
