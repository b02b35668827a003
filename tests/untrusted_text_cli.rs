//! Text from others never reaches the operator's terminal as itself. One rule (docs/operating.md
//! "Names and text from others"): a name or reason holding a control, invisible or bidi
//! formatting character is refused where it enters; everything else the CLI prints that came
//! from elsewhere (certificate subjects, errors quoting them, answers) is shown escaped.

mod util;

use std::process::Output;

use util::x509::{issue, make_ca};
use util::*;

/// The characters that must not reach a terminal as themselves, as the tests use them.
const HAZARDS: [char; 5] = ['\u{1b}', '\u{7}', '\u{202e}', '\u{200b}', '\u{2066}'];

fn n(data: &DataDir, args: &[&str]) -> Output {
    let mut all = args.to_vec();
    all.extend(["--data", data.arg()]);
    notar(&all)
}

/// Neither stdout nor stderr holds a hazardous character.
fn inert(o: &Output) {
    let all = text(o);
    for c in HAZARDS {
        assert!(!all.contains(c), "raw {c:?} printed: {all:?}");
    }
}

#[test]
fn names_and_reasons_with_bidi_or_invisible_characters_are_refused() {
    let data = DataDir::init();
    let _srv = Server::start(&data);
    for name in [
        "Mallory\u{202e}gpj.exe",
        "Zero\u{200b}Width",
        "Iso\u{2066}late",
        "Ol\u{17b4}ga",
        "Ol\u{2800}ga",
    ] {
        let o = n(&data, &["party", "add", "--name", name, "--role", "buyer"]);
        assert_eq!(o.status.code(), Some(2), "{}", text(&o));
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(stderr.contains("(bad_name)"), "{stderr}");
        assert!(stderr.contains("U+"), "the character is named: {stderr}");
        inert(&o);
    }
    // A name that reads as another's (s12 M6): a Cyrillic і in "Rita", a letter under a stack
    // of combining marks.
    for (name, says) in [
        ("R\u{456}ta", "mixes scripts"),
        ("O\u{301}\u{302}\u{303}\u{304}", "combining marks"),
    ] {
        let o = n(&data, &["party", "add", "--name", name, "--role", "seller"]);
        assert_eq!(o.status.code(), Some(2), "{}", text(&o));
        assert!(text(&o).contains(says), "{}", text(&o));
    }
    let listed = n(&data, &["party", "list", "--json"]);
    assert!(listed.status.success(), "{}", text(&listed));
    assert_eq!(json(&listed.stdout)["items"], serde_json::json!([]));

    // Letters of right-to-left scripts are names like any other.
    let o = n(
        &data,
        &["party", "add", "--name", "שרה כהן", "--role", "buyer"],
    );
    assert!(o.status.success(), "{}", text(&o));

    let k = ed25519_key(data.work(), "k");
    let added = n(&data, &["party", "add", "--name", "Kim", "--role", "buyer"]);
    assert!(added.status.success(), "{}", text(&added));
    let kim = json(&n(&data, &["party", "list", "kim", "--json"]).stdout);
    let kim_id = kim["items"][0]["id"].as_str().expect("id").to_string();
    let key = n(
        &data,
        &["party", "key-add", &kim_id, "--pubkey", p(&k.pubkey)],
    );
    assert!(key.status.success(), "{}", text(&key));
    let key_id = json(&n(&data, &["party", "show", &kim_id, "--json"]).stdout)["keys"][0]["key_id"]
        .as_str()
        .expect("key id")
        .to_string();
    let o = n(&data, &["revoke", &key_id, "--reason", "lost\u{202e}nemow"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("(bad_reason)"));
    inert(&o);
}

#[test]
fn certificate_subjects_are_shown_escaped_in_output_and_errors() {
    let data = DataDir::init();
    let w = data.work().to_path_buf();
    let ca = make_ca(&w, "ca", "/CN=Buyers CA");
    let hostile = "/CN=Eve\u{1b}[2J\u{1b}]0;owned\u{7}\u{202e}gpj.exe";
    let rogue = make_ca(&w, "rogue", hostile);
    let cfg_path = data.path.join("notar.toml");
    let cfg = std::fs::read_to_string(&cfg_path).expect("notar.toml");
    let cfg = cfg.replace("ca_roots = []", &format!("ca_roots = [{:?}]", p(&ca.cert)));
    std::fs::write(&cfg_path, cfg).expect("write notar.toml");
    let _srv = Server::start(&data);

    // Registered from a trusted CA: the subject is the CA's statement, kept as issued, shown
    // escaped by the human output and as JSON escapes (the same value) by --json.
    let cert = issue(&ca, "eve", hostile, None);
    let added = n(
        &data,
        &[
            "party",
            "add",
            "--name",
            "Eve",
            "--role",
            "buyer",
            "--cert",
            p(&cert),
        ],
    );
    assert!(added.status.success(), "{}", text(&added));
    inert(&added);
    let listed = n(&data, &["party", "list", "eve", "--json"]);
    inert(&listed);
    let id = json(&listed.stdout)["items"][0]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let human = n(&data, &["party", "show", &id]);
    inert(&human);
    let shown = String::from_utf8_lossy(&human.stdout).to_string();
    assert!(
        shown.contains("\\x1b[2J") && shown.contains("\\u{202e}"),
        "{shown}"
    );
    let show = n(&data, &["party", "show", &id, "--json"]);
    inert(&show);
    let subject = json(&show.stdout)["keys"][0]["subject"].clone();
    assert!(
        subject
            .as_str()
            .is_some_and(|s| s.contains("Eve\u{1b}[2J") && s.contains('\u{202e}')),
        "the JSON value is the subject as issued: {subject}"
    );

    // An error quoting a certificate's names (an issuer that is no trusted root).
    let foreign = issue(&rogue, "mallory", hostile, None);
    let o = n(
        &data,
        &[
            "party",
            "add",
            "--name",
            "Mallory",
            "--role",
            "buyer",
            "--cert",
            p(&foreign),
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("(unknown_issuer)") && stderr.contains("\\x1b"),
        "{stderr}"
    );
    inert(&o);
}
