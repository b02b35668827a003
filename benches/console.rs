//! Render time of the console's busiest screens into a 120×40 `TestBackend`, with 10^5 rows in
//! state (and 10^3 for comparison: lists are windowed, so the cost must not grow with the rows).
//!
//! Run: `cargo bench --bench console`.

use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use notar::api::admin::proto::{EntryItem, EntryKind, HashAlg, Hello, TimestampItem};
use notar::console::action::Action;
use notar::console::app::{App, Screen};
use notar::console::screens;
use notar::console::theme::Theme;
use notar::console::update::update;
use notar::console::views;
use ratatui::backend::TestBackend;
use ratatui::Terminal;

const WIDTH: u16 = 120;
const HEIGHT: u16 = 40;

fn hello() -> Hello {
    Hello {
        operator: "alice".into(),
        arbitrator: "Alice Arbiter".into(),
        notary: "Bench Notary".into(),
        key_id: "3f".repeat(32),
        checkpoint_vkey: "notary.example/log+00000000+AAAA".into(),
        tsa_subject: "CN=Bench TSA".into(),
        timestamp_policy: "1.3.6.1.4.1.57264.2.1".into(),
        timestamp_accuracy_ms: 1000,
        http_url: Some("http://127.0.0.1:8080".into()),
    }
}

fn base_app(screen: Screen) -> App {
    let mut app = App::new(hello(), 2, Theme::from_env());
    update(
        &mut app,
        Action::Resize {
            width: WIDTH,
            height: HEIGHT,
        },
    );
    app.screen = screen;
    app
}

fn log_app(n: u64) -> App {
    let mut app = base_app(Screen::Log);
    app.log.entries_start = 0;
    app.log.entries = (0..n)
        .map(|index| EntryItem {
            index,
            kind: Some(EntryKind::Timestamp),
            logged_at: "2025-03-02T12:00:00.000Z".into(),
            operator: (index % 3 == 0).then(|| "alice".to_string()),
            raw: format!(
                r#"{{"index":{index},"kind":"timestamp","imprint":"{}"}}"#,
                "ab".repeat(32)
            ),
        })
        .collect();
    let rows = screens::list_rows(&app, Screen::Log);
    app.log.set_log_size(n, rows);
    app.log.select(n / 2, rows);
    app
}

fn timestamps_app(n: u64) -> App {
    let mut app = base_app(Screen::Timestamps);
    let items = (0..n)
        .rev()
        .map(|serial| TimestampItem {
            serial,
            gen_time: "2025-03-02T12:00:00.000Z".into(),
            hash_alg: HashAlg::Sha256,
            imprint: format!("{serial:064x}"),
            operator: (serial % 3 == 0).then(|| "alice".to_string()),
        })
        .collect();
    let rows = screens::list_rows(&app, Screen::Timestamps);
    app.timestamps.replace(items, rows);
    app.timestamps.selected = (n / 2) as usize;
    app.timestamps.rescroll(rows);
    app
}

fn render(c: &mut Criterion) {
    let mut group = c.benchmark_group("console_render_120x40");
    group.sample_size(20);
    group.warm_up_time(Duration::from_millis(300));
    group.measurement_time(Duration::from_secs(2));
    let mut terminal = match Terminal::new(TestBackend::new(WIDTH, HEIGHT)) {
        Ok(t) => t,
        Err(e) => match e {},
    };
    for n in [1_000u64, 100_000] {
        let app = log_app(n);
        group.bench_with_input(BenchmarkId::new("log", n), &app, |b, app| {
            b.iter(|| terminal.draw(|f| views::render(app, f)).map(|_| ()))
        });
        let app = timestamps_app(n);
        group.bench_with_input(BenchmarkId::new("timestamps", n), &app, |b, app| {
            b.iter(|| terminal.draw(|f| views::render(app, f)).map(|_| ()))
        });
    }
    group.finish();
}

criterion_group!(benches, render);
criterion_main!(benches);
