//! One case in full, scrolled with the movement keys: the claim, the claimant's evidence, the
//! respondent's answer with its evidence and counter-claim, and the history. Every value came
//! from the notary's parties and is sanitised; the section headings and labels are fixed text.

use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};
use ratatui::Frame;

use crate::api::admin::proto::{
    ComplaintDetail, ComplaintItem, ComplaintStatus, EvidenceItem, HistoryItem,
};
use crate::console::app::App;
use crate::console::components::layout;
use crate::console::components::text::{fit, kv_lines};
use crate::console::sanitize::{sanitize, sanitize_prefix};
use crate::console::screens::agreements::short_id;
use crate::console::theme::Theme;

use super::super::{mark, minute, parties, Case};

/// Wide enough for a history entry's minute (`2025-03-02 12:00`).
const LABEL_WIDTH: usize = 18;

/// Lines of the case shown at once in a terminal of `size` (a page for PgUp / PgDn).
pub fn case_rows(size: (u16, u16)) -> usize {
    usize::from(layout::body(size).height.saturating_sub(2)).max(1)
}

/// The first line the case can be scrolled to in a terminal of `size`: its last page.
pub fn scroll_max(theme: &Theme, case: &Case, size: (u16, u16)) -> usize {
    let body = layout::body(size);
    let width = usize::from(body.width.saturating_sub(2));
    lines(theme, case, width)
        .len()
        .saturating_sub(case_rows(size))
}

/// The case as lines `width` wide: its detail, or why there is none yet.
fn lines(t: &Theme, case: &Case, width: usize) -> Vec<Line<'static>> {
    match (&case.detail, &case.error) {
        (_, Some(why)) => vec![
            Line::from(Span::styled(
                format!(
                    "The notary could not show this case: {}",
                    sanitize_prefix(why, 200)
                ),
                t.error,
            )),
            Line::from(Span::styled("Esc: back to the queue.", t.hint)),
        ],
        (None, None) => vec![Line::from(Span::styled("Loading the case…", t.hint))],
        (Some(d), None) => Lines::new(t, width).case(d),
    }
}

/// Draws the open case into `area`.
pub fn render(app: &App, case: &Case, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let lines = lines(t, case, usize::from(area.width.saturating_sub(2)));
    let visible = usize::from(area.height.saturating_sub(2));
    let scroll_max = lines.len().saturating_sub(visible);
    let scroll = case.scroll.min(scroll_max);
    let c = &case.item;
    let title = format!(
        " Case {} · {} · {} ",
        short_id(&c.complaint_id),
        c.kind.as_str(),
        parties(
            &c.claimant_name,
            &c.claimant,
            &c.respondent_name,
            &c.respondent
        ),
    );
    let position = if scroll_max > 0 {
        format!(
            " lines {}-{} of {} · ↑↓ PgUp PgDn ",
            scroll + 1,
            scroll + visible,
            lines.len()
        )
    } else {
        String::new()
    };
    let block = Block::bordered()
        .title(Span::styled(title, t.title))
        .title_bottom(Line::from(format!(
            " t take · n note · Esc back {position}"
        )));
    let shown: Vec<Line> = lines.into_iter().skip(scroll).collect();
    frame.render_widget(Paragraph::new(shown).block(block), area);
}

/// The case's lines, each value sanitised and wrapped under its label.
struct Lines<'t> {
    t: &'t Theme,
    width: usize,
    out: Vec<Line<'static>>,
}

impl<'t> Lines<'t> {
    fn new(t: &'t Theme, width: usize) -> Self {
        Lines {
            t,
            width,
            out: Vec::new(),
        }
    }

    /// `label`, then `raw` (as received) sanitised, in `style`.
    fn kv(&mut self, label: &str, raw: &str, style: Style) {
        let (t, width) = (self.t, self.width);
        let label = fit(label, LABEL_WIDTH - 1);
        let value = sanitize(raw);
        let lines = kv_lines(&label, &value, LABEL_WIDTH, width, t.label, style);
        self.out.extend(lines);
    }

    fn heading(&mut self, text: String) {
        self.out.push(Line::from(""));
        self.out.push(Line::from(Span::styled(text, self.t.title)));
    }

    fn case(mut self, d: &ComplaintDetail) -> Vec<Line<'static>> {
        self.claim(&d.item);
        self.kv("Statement", &d.statement, Style::new());
        self.evidence("Claimant's evidence", &d.evidence);
        match &d.response {
            None => {
                self.heading("Response".into());
                let none = match d.item.status {
                    ComplaintStatus::Silent => {
                        "none: the respondent let the deadline pass (SILENT)"
                    }
                    _ => "none yet",
                };
                self.kv("Answered", none, Style::new());
            }
            Some(r) => {
                self.heading("Response".into());
                self.kv("Answered", &r.answered_at, Style::new());
                self.kv("Statement", &r.statement, Style::new());
                self.evidence("Respondent's evidence", &r.evidence);
                if let Some(cc) = &r.counter_claim {
                    self.heading("Counter-claim".into());
                    let what = format!("{} · {}", cc.kind.as_str(), cc.amount);
                    self.kv("Claim", &what, Style::new());
                    self.kv("Statement", &cc.statement, Style::new());
                }
            }
        }
        self.history(&d.history);
        self.out
    }

    /// The queue line in full: who, about what, how much, by when, where it stands.
    fn claim(&mut self, c: &ComplaintItem) {
        let plain = Style::new();
        let t = self.t;
        let mut status = c.status.as_str().to_string();
        if !mark(c).is_empty() {
            status = format!("{status} · {}", mark(c));
        }
        let status_style = match (mark(c), c.status) {
            ("", _) => plain,
            (_, ComplaintStatus::Silent) => t.warn,
            _ => t.error,
        };
        self.kv("Status", &status, status_style);
        let who = |name: &str, id: &str| {
            let shown = if name.is_empty() { id } else { name };
            format!("{shown} ({id})")
        };
        self.kv("Claimant", &who(&c.claimant_name, &c.claimant), plain);
        self.kv("Respondent", &who(&c.respondent_name, &c.respondent), plain);
        self.kv("Kind", c.kind.as_str(), plain);
        self.kv("Amount", &c.amount.to_string(), plain);
        if let Some(tid) = &c.tid {
            self.kv("Exchange", tid, plain);
        }
        if let Some(g) = &c.guarantee_id {
            self.kv("Guarantee", g, plain);
        }
        if let Some(d) = &c.order_digest {
            self.kv("Order", d, plain);
        }
        self.kv("Filed", &c.filed_at, plain);
        self.kv("Deadline", &c.response_deadline, plain);
        self.kv(
            "Taken by",
            c.taken_by.as_deref().unwrap_or("nobody yet"),
            plain,
        );
        self.kv("Case id", &c.complaint_id, plain);
    }

    fn evidence(&mut self, title: &str, items: &[EvidenceItem]) {
        self.heading(format!("{title} ({})", items.len()));
        if items.is_empty() {
            self.kv("", "none", Style::new());
        }
        for e in items {
            let signer = e.signer.as_deref().unwrap_or("-");
            self.kv(&kind_label(&e.kind), &e.summary, Style::new());
            let id = format!("id {} · signer {signer}", e.id);
            self.kv("", &id, self.t.hint);
        }
    }

    fn history(&mut self, items: &[HistoryItem]) {
        self.heading(format!("History ({})", items.len()));
        for h in items {
            let by = h.by.as_deref().map(|b| format!(" · by {b}"));
            let logged = h.log_index.map(|i| format!(" · log #{i}"));
            let text = format!(
                "{}{}{}",
                h.what,
                by.unwrap_or_default(),
                logged.unwrap_or_default()
            );
            self.kv(&minute(&h.at), &text, Style::new());
        }
    }
}

/// An evidence kind as a label, sanitised (`kv` cuts it to the label's width).
fn kind_label(kind: &str) -> String {
    sanitize_prefix(kind, 64)
}
