//! Screen 1: who the notary is and how it is doing: its identity, its figures (rates, and counts
//! since it started) and a chart of its activity over the last minutes.

use chrono::DateTime;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};
use ratatui::Frame;

use crate::api::admin::proto::{Hello, Status};
use crate::console::app::App;
use crate::console::components::text::{group_digits, kv_lines};
use crate::console::sanitize::sanitize_prefix;

use super::activity;

const LABEL_WIDTH: usize = 14;
/// Longer values are cut (with a visible `…`): nothing here is about to be signed.
const VALUE_CHARS_MAX: usize = 160;

/// The status line's hint on this screen.
pub const HINT: &str = "Tab or 1-6: screens · / search timestamps · ? help";

/// Labelled, sanitised, wrapped lines.
type Kv<'a> = dyn Fn(&str, &str) -> Vec<Line<'static>> + 'a;

/// Draws the dashboard into `area`.
pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let inner_width = usize::from(area.width.saturating_sub(2));
    let kv = |label: &str, value: &str| {
        kv_lines(
            label,
            &sanitize_prefix(value, VALUE_CHARS_MAX),
            LABEL_WIDTH,
            inner_width,
            t.label,
            ratatui::style::Style::new(),
        )
    };
    let identity = identity_lines(&app.hello, &kv);
    let service = service_lines(app, &kv);
    let identity_height = identity.len() as u16 + 2;
    let [top, bottom] =
        Layout::vertical([Constraint::Length(identity_height), Constraint::Min(0)]).areas(area);
    let block = |title: &'static str| Block::bordered().title(Span::styled(title, t.title));
    frame.render_widget(Paragraph::new(identity).block(block(" Notary ")), top);
    let mut service_block = block(" Service ");
    let inner = service_block.inner(bottom);
    let [figures_area, chart_area] =
        Layout::vertical([Constraint::Length(service.len() as u16), Constraint::Min(0)])
            .areas(inner);
    if let Some(s) = &app.status {
        let chart = activity::Chart::new(&s.activity, chart_area);
        if let Some(caption) = chart.caption() {
            service_block = service_block.title_bottom(Line::from(caption));
        }
        chart.render(t, frame);
    }
    frame.render_widget(service_block, bottom);
    frame.render_widget(Paragraph::new(service), figures_area);
}

/// Who the notary is and who is at the console.
fn identity_lines(h: &Hello, kv: &Kv) -> Vec<Line<'static>> {
    let mut identity = Vec::new();
    // Where its HTTP API listens, on the same line: `notar up` may have picked the port.
    let notary = match &h.http_url {
        Some(url) => format!("{} · HTTP API {url}", h.notary),
        None => h.notary.clone(),
    };
    identity.extend(kv("Notary", &notary));
    identity.extend(kv("Key id", &h.key_id));
    identity.extend(kv("Log key", &h.checkpoint_vkey));
    identity.extend(kv("TSA subject", &h.tsa_subject));
    identity.extend(kv("TSA policy", &h.timestamp_policy));
    identity.extend(kv(
        "TSA accuracy",
        &format!("{} ms", h.timestamp_accuracy_ms),
    ));
    identity.extend(kv(
        "Operator",
        &format!("{} (arbitrator {})", h.operator, h.arbitrator),
    ));
    identity
}

/// The live figures, or why there are none.
fn service_lines(app: &App, kv: &Kv) -> Vec<Line<'static>> {
    let t = &app.theme;
    let mut service = Vec::new();
    match &app.status {
        None => service.push(Line::from(Span::styled(
            "Waiting for the first status…",
            t.hint,
        ))),
        Some(s) => {
            if s.failed {
                service.push(Line::from(Span::styled(
                    " FAILED: a storage failure stopped signing; see the notary's log ",
                    t.error.add_modifier(ratatui::style::Modifier::REVERSED),
                )));
                if let Some(why) = &s.failed_reason {
                    service.push(Line::from(Span::styled(
                        format!(
                            "restart it; why: {}",
                            crate::console::sanitize::sanitize(why)
                        ),
                        t.error,
                    )));
                }
            }
            service.extend(role_line(s, kv));
            service.extend(figures(s, kv));
        }
    }
    if !app.connected {
        service.push(Line::from(Span::styled(
            "DISCONNECTED: figures are no longer updated",
            t.error,
        )));
    }
    service
}

/// The process's role on a PostgreSQL database (nothing on RocksDB, where it is the only one).
fn role_line(s: &Status, kv: &Kv) -> Vec<Line<'static>> {
    let text = match s.role.as_deref() {
        None | Some("single") => return Vec::new(),
        Some("active") => "active: holds the writer's lease".to_string(),
        Some("standby") => "standby: signs once the active notar's lease lapses".to_string(),
        Some("fenced") => "fenced: another notar took over; reloading".to_string(),
        Some("replica") => "replica: reads only".to_string(),
        Some(other) => crate::console::sanitize::sanitize(other),
    };
    kv("Role", &text)
}

/// The status figures: rates, and the counts since the notary started.
fn figures(s: &Status, kv: &Kv) -> Vec<Line<'static>> {
    let mut lines = kv("Log size", &format!("{} entries", group_digits(s.log_size)));
    lines.extend(kv(
        "Checkpoint",
        &format!(
            "size {}, signed {} ago",
            group_digits(s.checkpoint_size),
            seconds(s.checkpoint_age_ms)
        ),
    ));
    lines.extend(kv(
        "Timestamps",
        &format!(
            "{}.{:03}/s over the last 10 s · {} since start",
            s.timestamps_per_s_milli / 1000,
            s.timestamps_per_s_milli % 1000,
            group_digits(s.timestamps_total)
        ),
    ));
    let g = &s.guarantees;
    lines.extend(kv(
        "Guarantees",
        &format!(
            "{} granted, {} refused, {} settled, {} released since start",
            group_digits(g.granted),
            group_digits(g.refused),
            group_digits(g.settled),
            group_digits(g.released)
        ),
    ));
    lines.extend(kv(
        "Exchanges",
        &format!("{} decided since start", group_digits(s.exchanges_decided)),
    ));
    lines.extend(kv("Uptime", &uptime(&s.started_at, &s.now)));
    lines.extend(kv("Server clock", &s.now));
    lines
}

/// `1234` ms → `1.2 s`.
fn seconds(ms: u64) -> String {
    format!("{}.{} s", ms / 1000, (ms % 1000) / 100)
}

/// Time between two RFC 3339 instants as `1d 02:03:04`, or `?` if unparsable.
fn uptime(started_at: &str, now: &str) -> String {
    let (Ok(a), Ok(b)) = (
        DateTime::parse_from_rfc3339(started_at),
        DateTime::parse_from_rfc3339(now),
    ) else {
        return "?".into();
    };
    let secs = (b - a).num_seconds().max(0);
    let (d, rem) = (secs / 86_400, secs % 86_400);
    let hms = format!("{:02}:{:02}:{:02}", rem / 3600, rem % 3600 / 60, rem % 60);
    let body = if d > 0 { format!("{d}d {hms}") } else { hms };
    format!("{body} (since {started_at})")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uptime_and_seconds_format() {
        assert_eq!(
            uptime("2025-03-01T10:00:00.000Z", "2025-03-02T12:03:04.500Z"),
            "1d 02:03:04 (since 2025-03-01T10:00:00.000Z)"
        );
        assert_eq!(uptime("bad", "2025-03-02T12:03:04.500Z"), "?");
        assert_eq!(seconds(1_234), "1.2 s");
    }
}
