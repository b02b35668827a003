//! Snapshots of every screen at 80×24 and 120×40, drawn into ratatui's `TestBackend` from fixed
//! fake data. Accept new ones with `INSTA_UPDATE=always cargo test --lib console`.

use ratatui::backend::TestBackend;
use ratatui::Terminal;
use unicode_width::UnicodeWidthStr;

use crate::api::admin::proto::{Reply, Response};

use super::render;
use crate::console::action::Action;
use crate::console::app::{App, Overlay, Pending, Screen};
use crate::console::files::{FilePurpose, HashedFile};
use crate::console::sanitize::is_hazardous;
use crate::console::screens::timestamps::{StampOutcome, TimestampMode};
use crate::console::tests::fixtures::{self, app, signed_log, timestamps};
use crate::console::update::update;

const SIZES: [(u16, u16); 2] = [(80, 24), (120, 40)];

/// The screen as plain text, one line per row, trailing spaces trimmed.
pub(crate) fn draw(app: &App, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test terminal");
    terminal.draw(|f| render(app, f)).expect("draw");
    let buffer = terminal.backend().buffer();
    let mut out = String::new();
    for y in 0..height {
        let mut line = String::new();
        let mut skip = 0;
        for x in 0..width {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let symbol = buffer[(x, y)].symbol();
            skip = symbol.width().saturating_sub(1);
            line.push_str(symbol);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// Feeds `reply` as the answer to a request for `what`.
pub(super) fn deliver(
    app: &mut App,
    what: Pending,
    op: crate::api::admin::proto::Op,
    reply: Reply,
) {
    let now = app.now_ms;
    let cmd = app.requests.issue(what, op, now);
    let crate::console::command::Command::Send(req) = cmd else {
        unreachable!("issue always makes a Send")
    };
    update(
        app,
        Action::Response(Response::Ok {
            id: req.id,
            result: reply,
        }),
    );
}

pub(super) fn sized(width: u16, height: u16) -> App {
    let mut a = app();
    update(&mut a, Action::Resize { width, height });
    a
}

fn with_status(a: &mut App, log_size: u64) {
    let mut s = fixtures::status();
    s.log_size = log_size;
    use crate::api::admin::proto::Op;
    deliver(a, Pending::Status, Op::Status, Reply::Status(s));
}

fn dashboard(width: u16, height: u16) -> App {
    let mut a = sized(width, height);
    with_status(&mut a, 1_234);
    a
}

fn timestamps_screen(width: u16, height: u16) -> App {
    use crate::api::admin::proto::Op;
    let mut a = dashboard(width, height);
    a.screen = Screen::Timestamps;
    let items = timestamps(1_233, 30);
    deliver(
        &mut a,
        Pending::TimestampsRecent,
        Op::TimestampsRecent { limit: 200 },
        Reply::Timestamps { items },
    );
    for _ in 0..3 {
        update(&mut a, Action::Move(crate::console::action::Move::Down));
    }
    a
}

fn log_screen(width: u16, height: u16) -> App {
    use crate::api::admin::proto::Op;
    let log = signed_log(40);
    let mut a = sized(width, height);
    with_status(&mut a, 40);
    a.screen = Screen::Log;
    deliver(
        &mut a,
        Pending::Checkpoints,
        Op::Checkpoints { limit: 20 },
        Reply::Checkpoints {
            items: vec![log.checkpoint_item()],
        },
    );
    let items = (0..40).map(fixtures::entry).collect();
    deliver(
        &mut a,
        Pending::Entries { start: 0 },
        Op::Entries {
            start: 0,
            limit: 100,
        },
        Reply::Entries { items },
    );
    update(&mut a, Action::Move(crate::console::action::Move::Up));
    deliver(
        &mut a,
        Pending::Prove { index: 38 },
        Op::Prove { index: 38 },
        Reply::Proof(log.proof(38)),
    );
    a
}

fn confirm(width: u16, height: u16, file: &str) -> App {
    let mut a = timestamps_screen(width, height);
    update(
        &mut a,
        Action::FileHashed {
            purpose: FilePurpose::Stamp,
            result: Ok(HashedFile {
                path: file.into(),
                size_bytes: 48_213,
                sha256: [0x5a; 32],
            }),
        },
    );
    a
}

const HOSTILE: &str = "/srv/in/\x1b[31mINVOICE\x1b[0m\r\u{202e}fdp.exe\u{200b}";

#[test]
fn snapshot_dashboard() {
    for (w, h) in SIZES {
        insta::assert_snapshot!(format!("dashboard_{w}x{h}"), draw(&dashboard(w, h), w, h));
    }
}

/// `notar up` names its notary `notar`: the header does not say it twice.
#[test]
fn a_notary_named_notar_is_not_named_twice_in_the_header() {
    for (w, h) in SIZES {
        let mut a = dashboard(w, h);
        a.hello.notary = "notar".into();
        let screen = draw(&a, w, h);
        let header = screen.lines().find(|l| l.contains(" notar ")).unwrap_or("");
        assert!(header.contains(" notar │"), "{screen}");
        assert!(!header.contains("notar notar"), "{screen}");
    }
}

#[test]
fn snapshot_dashboard_failed_and_disconnected() {
    use crate::api::admin::proto::Op;
    let mut a = sized(80, 24);
    let mut s = fixtures::status();
    s.failed = true;
    deliver(&mut a, Pending::Status, Op::Status, Reply::Status(s));
    update(
        &mut a,
        Action::BackendClosed("the notary closed the connection".into()),
    );
    insta::assert_snapshot!("dashboard_failed_80x24", draw(&a, 80, 24));
}

/// A standby of a PostgreSQL database says so (RocksDB's `single` shows nothing).
#[test]
fn snapshot_dashboard_standby() {
    use crate::api::admin::proto::Op;
    let mut a = sized(80, 24);
    let mut s = fixtures::status();
    s.role = Some("standby".into());
    deliver(&mut a, Pending::Status, Op::Status, Reply::Status(s));
    insta::assert_snapshot!("dashboard_standby_80x24", draw(&a, 80, 24));
}

#[test]
fn snapshot_dashboard_failed_with_its_reason() {
    use crate::api::admin::proto::Op;
    let mut a = sized(80, 24);
    let mut s = fixtures::status();
    s.failed = true;
    s.failed_reason = Some("commit failed: storage failure: IO error: No space left\x1b[2J".into());
    deliver(&mut a, Pending::Status, Op::Status, Reply::Status(s));
    insta::assert_snapshot!("dashboard_failed_reason_80x24", draw(&a, 80, 24));
}

#[test]
fn snapshot_timestamps() {
    for (w, h) in SIZES {
        insta::assert_snapshot!(
            format!("timestamps_{w}x{h}"),
            draw(&timestamps_screen(w, h), w, h)
        );
    }
}

#[test]
fn snapshot_timestamps_search_prompt() {
    let mut a = timestamps_screen(80, 24);
    update(&mut a, Action::OpenSearch);
    for c in "~/contracts/2025/lease.pdf".chars() {
        update(&mut a, Action::PromptInput(c));
    }
    insta::assert_snapshot!("timestamps_prompt_80x24", draw(&a, 80, 24));
    assert!(matches!(a.overlay, Overlay::Prompt(_)));
    assert_eq!(a.timestamps.query, TimestampMode::Recent);
}

#[test]
fn snapshot_log() {
    for (w, h) in SIZES {
        insta::assert_snapshot!(format!("log_{w}x{h}"), draw(&log_screen(w, h), w, h));
    }
}

#[test]
fn snapshot_help() {
    for (w, h) in SIZES {
        let mut a = dashboard(w, h);
        update(&mut a, Action::ToggleHelp);
        insta::assert_snapshot!(format!("help_{w}x{h}"), draw(&a, w, h));
    }
}

#[test]
fn snapshot_confirm() {
    for (w, h) in SIZES {
        let a = confirm(w, h, "/home/alice/contracts/lease-2025.pdf");
        insta::assert_snapshot!(format!("confirm_{w}x{h}"), draw(&a, w, h));
    }
}

#[test]
fn snapshot_confirm_hostile_file_name() {
    for (w, h) in SIZES {
        let a = confirm(w, h, HOSTILE);
        let screen = draw(&a, w, h);
        assert!(
            !screen.lines().any(|l| l.chars().any(is_hazardous)),
            "hazard on screen"
        );
        assert!(screen.contains("\\x1b[31mINVOICE"));
        assert!(screen.contains("\\u{202e}fdp.exe"));
        insta::assert_snapshot!(format!("confirm_hostile_{w}x{h}"), screen);
    }
}

#[test]
fn snapshot_confirm_ten_kilobyte_name_scrolls_instead_of_cutting() {
    let name = format!("/tmp/{}.pdf", "A".repeat(10_000));
    let mut a = confirm(80, 24, &name);
    let top = draw(&a, 80, 24);
    assert!(top.contains("Lines 1-"), "the dialog says there is more");
    assert!(top.contains("[ Cancel ]") && top.contains("[ Sign ]"));
    insta::assert_snapshot!("confirm_long_80x24", top);
    if let Overlay::Confirm(d) = &mut a.overlay {
        d.scroll = usize::MAX;
    }
    let bottom = draw(&a, 80, 24);
    assert!(bottom.contains("Operator"), "the last field is reachable");
    assert!(bottom.contains(".pdf"));
}

#[test]
fn snapshot_stamp_result() {
    let mut a = timestamps_screen(80, 24);
    let mut item = fixtures::timestamp(1_234);
    item.imprint = "5a".repeat(32);
    item.operator = Some("alice".into());
    a.overlay = Overlay::StampResult(StampOutcome::Done(item));
    insta::assert_snapshot!("stamp_result_80x24", draw(&a, 80, 24));
}

#[test]
fn hostile_server_strings_stay_inert_everywhere() {
    use crate::api::admin::proto::Op;
    let evil = "\x1b]0;pwned\x07\x1b[2J\u{9b}31m\u{202e}\u{2066}evil\r\n";
    let mut a = sized(80, 24);
    a.hello.notary = evil.into();
    a.hello.tsa_subject = evil.repeat(300);
    a.hello.operator = evil.into();
    with_status(&mut a, 3);
    let mut items = timestamps(3, 3);
    for it in &mut items {
        it.gen_time = evil.into();
        it.operator = Some(evil.into());
        it.imprint = evil.into();
    }
    a.screen = Screen::Timestamps;
    deliver(
        &mut a,
        Pending::TimestampsRecent,
        Op::TimestampsRecent { limit: 200 },
        Reply::Timestamps { items },
    );
    a.error(evil);
    for screen in Screen::ALL {
        a.screen = screen;
        let text = draw(&a, 80, 24);
        let hazard = text.lines().any(|l| l.chars().any(is_hazardous));
        assert!(!hazard, "{screen:?}:\n{text}");
    }
}

/// A notary refusal longer than the status line is not cut at 80 columns: its start takes the
/// row above (the body's bottom border), the rest the status line (about 140 characters in
/// all); it was cut after about 60, its reason lost ("Notary error: case … cha…").
#[test]
fn a_long_refusal_is_read_to_its_reason_at_80_columns() {
    let mut a = sized(80, 24);
    let why = "ruling_changed: the evidence of case 0195a3b2-000d-7e8f-9a0b-000000000003 \
               changed; review it again";
    a.error(format!("The notary refused: {why}"));
    let screen = draw(&a, 80, 24);
    let rows: Vec<&str> = screen.lines().rev().take(2).collect();
    let (status, above) = (rows[0], rows[1]);
    assert!(
        status.ends_with("alice · connected"),
        "the operator stays: {status}"
    );
    let status = status.trim_end_matches("alice · connected").trim();
    let shown = format!("{}{status}", above.trim());
    let whole = format!("The notary refused: {why}");
    // Read across the two rows (split at a space, or inside a long id).
    assert!(
        shown == whole || shown.replace(' ', "") == whole.replace(' ', ""),
        "{shown:?}\n{whole:?}\n{screen}"
    );
    // A short one stays on the status line, the screen's frame whole.
    a.error("Cancelled: nothing was signed");
    let screen = draw(&a, 80, 24);
    let above = screen.lines().rev().nth(1).unwrap_or_default();
    assert!(above.starts_with('└'), "{above}");
}
