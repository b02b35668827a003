//! The open case's replay: a header (the claim, the policy and rules applied, the bundle, the
//! state of the ruling), then either the timeline stepped item by item (what the item is, the
//! admissibility check with its rule id, its time bounds and what proves them) or, after the
//! last item, the findings in order, the allocation and the actions. Every value came from the
//! notary or the parties and is sanitised; headings and labels are fixed text.

use std::collections::BTreeMap;

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};
use ratatui::Frame;

use crate::console::components::layout;
use crate::console::components::list::{marker, scroll_into_view};
use crate::console::components::text::{fit, kv_lines};
use crate::console::sanitize::{sanitize, sanitize_prefix};
use crate::console::screens::agreements::short_id;
use crate::console::screens::exchanges::parties;
use crate::console::theme::Theme;
use crate::model::dispute::{Bound, ItemRecord, Ruling};
use crate::model::money::Money;

use super::super::plan::action_text;
use super::super::Replayed;

/// Header rows (three lines and the frame).
const HEADER: u16 = 5;
/// Fewest rows of the current item's detail (four lines, one to wrap into, and the frame); it
/// grows to hold every line of the item while the timeline keeps [`TIMELINE_MIN`] rows.
const DETAIL: u16 = 7;
/// Fewest rows of the timeline pane (one item and the frame).
const TIMELINE_MIN: u16 = 3;
/// Labels of the item detail and the allocation.
const LABEL_WIDTH: usize = 19;

/// The header over the rest.
fn areas(area: Rect) -> [Rect; 2] {
    Layout::vertical([Constraint::Length(HEADER), Constraint::Min(0)]).areas(area)
}

/// Lines of the findings page shown at once in a terminal of `size`.
pub fn findings_rows(size: (u16, u16)) -> usize {
    let [_, rest] = areas(layout::body(size));
    usize::from(rest.height.saturating_sub(2)).max(1)
}

/// The first line the findings page can be scrolled to: its last page.
pub fn scroll_max(theme: &Theme, r: &Replayed, size: (u16, u16)) -> usize {
    let [_, rest] = areas(layout::body(size));
    let Some((ruling, _)) = &r.ruling else {
        return 0;
    };
    let width = usize::from(rest.width.saturating_sub(2));
    page_lines(theme, r, ruling, width)
        .len()
        .saturating_sub(findings_rows(size))
}

/// Draws the replay into `area`.
pub fn render(t: &Theme, (r, me): (&Replayed, &str), frame: &mut Frame, area: Rect) {
    let [head, rest] = areas(area);
    render_header(t, (r, me), frame, head);
    let Some((ruling, _)) = &r.ruling else {
        let text = match &r.error {
            Some(why) => Span::styled(
                format!(
                    "The notary could not replay this case: {} (Esc: back)",
                    sanitize_prefix(why, 200)
                ),
                t.error,
            ),
            None => Span::styled("Replaying the case's evidence bundle…", t.hint),
        };
        let block = Block::bordered().title(Span::styled(" Replay ", t.title));
        let para = Paragraph::new(Line::from(text)).wrap(ratatui::widgets::Wrap { trim: true });
        return frame.render_widget(para.block(block), rest);
    };
    if r.on_findings() {
        render_findings(t, (r, me), ruling, frame, rest);
    } else {
        render_timeline(t, (r, me), ruling, frame, rest);
    }
}

/// The claim, the policy and bundle, and the state of the ruling (`me`: the arbitrator
/// looking, whose own proposal waits for someone else).
fn render_header(t: &Theme, (r, me): (&Replayed, &str), frame: &mut Frame, area: Rect) {
    let width = usize::from(area.width.saturating_sub(2));
    let c = &r.item;
    let who = parties(
        &c.claimant_name,
        &c.claimant,
        &c.respondent_name,
        &c.respondent,
    );
    let claim = format!("{} · {} · {}", c.kind.as_str(), c.amount, who);
    let applied = match &r.ruling {
        Some((ruling, digest)) => format!(
            "policy {} v{} · {} · bundle {}",
            sanitize_prefix(&ruling.policy.id, 40),
            ruling.policy.version,
            sanitize_prefix(&ruling.rules_version, 40),
            short_id(digest),
        ),
        None => "policy and bundle: when the replay arrives".into(),
    };
    let state = ruling_state(t, (r, me));
    let lines = vec![
        Line::from(fit(&claim, width)),
        Line::from(fit(&applied, width)),
        Line::from(Span::styled(fit(&state.0, width), state.1)),
    ];
    let title = format!(" Case {} · replay ", short_id(&c.complaint_id));
    let block = Block::bordered().title(Span::styled(title, t.title));
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

/// The ruling's state line and its style: signed, proposed (by `me` or another), refused, or
/// still to sign.
fn ruling_state(t: &Theme, (r, me): (&Replayed, &str)) -> (String, ratatui::style::Style) {
    match (&r.answer, &r.ruling) {
        (Some(a), _) if a.status == "ruled" => {
            // Both arbitrators of a confirmed ruling, as the parties read it (s12 L5).
            let confirmed = a
                .ruling
                .as_ref()
                .and_then(|r| r.payload["confirmed_by"]["name"].as_str())
                .map(|c| format!(", confirmed by {}", sanitize_prefix(c, 64)))
                .unwrap_or_default();
            (
                format!(
                    "RULED: signed and logged, arbitrator {}{confirmed}",
                    sanitize(&a.arbitrator)
                ),
                t.ok,
            )
        }
        (Some(a), _) if a.status == "proposed" && a.arbitrator == me => (
            "PROPOSED by you: awaiting a second arbitrator · w withdraws it".into(),
            t.warn,
        ),
        (Some(a), _) if a.status == "proposed" => (
            format!(
                "PROPOSED by {}: awaiting a second arbitrator · w withdraws it",
                sanitize(&a.arbitrator)
            ),
            t.warn,
        ),
        (Some(a), _) => (format!("answer: {}", sanitize(&a.status)), t.warn),
        (None, Some(_)) if r.refusal.is_some() => (
            "REFUSED, nothing signed: the notary's reason heads the findings".into(),
            t.error,
        ),
        (None, Some(_)) => match &r.proposed_by {
            Some(by) if by == me => (
                "PROPOSED by you: awaiting a second arbitrator · w withdraws it".into(),
                t.warn,
            ),
            Some(by) => (
                format!(
                    "PROPOSED by {}, not signed: s confirms it · w withdraws it",
                    sanitize(by)
                ),
                t.warn,
            ),
            None => (
                "Not signed: s signs this ruling (you confirm it first)".into(),
                t.hint,
            ),
        },
        (None, None) => (String::new(), t.hint),
    }
}

/// What `s` does on this case, for the panels' key lines: sign, confirm a proposal, or nothing
/// once the ruling is signed or when the proposal is `me`'s own (s12 M3: `s confirm` was
/// offered to the proposer, and refused).
fn sign_key(r: &Replayed, me: &str) -> &'static str {
    match &r.answer {
        Some(a) if a.status == "ruled" => "",
        _ if r.proposed_by(me) => "",
        _ if r.pending_proposal().is_some() => "s confirm · ",
        _ => "s sign · ",
    }
}

/// The timeline with the current item marked, over the current item's detail.
fn render_timeline(
    t: &Theme,
    (r, me): (&Replayed, &str),
    ruling: &Ruling,
    frame: &mut Frame,
    area: Rect,
) {
    let step = r.step;
    // The item's every line fits (s12 M5: at 80x24 its last line, the time bound's proof, was
    // cut unseen while the timeline above had rows to spare).
    let inner = usize::from(area.width.saturating_sub(2));
    let item_text = ruling
        .items
        .get(step)
        .map(|item| item_lines(t, item, inner))
        .unwrap_or_default();
    let wanted = u16::try_from(item_text.len() + 2).unwrap_or(u16::MAX);
    let detail_h = wanted
        .max(DETAIL)
        .min(area.height.saturating_sub(TIMELINE_MIN).max(DETAIL));
    let [list, detail] =
        Layout::vertical([Constraint::Min(TIMELINE_MIN), Constraint::Length(detail_h)]).areas(area);
    let n = ruling.items.len();
    let rows = usize::from(list.height.saturating_sub(2)).max(1);
    let first = scroll_into_view(0, step as u64, rows as u64) as usize;
    let width = usize::from(list.width.saturating_sub(2));
    let lines: Vec<Line> = (first..)
        .zip(ruling.items.iter().skip(first).take(rows))
        .map(|(i, item)| timeline_line(t, i, item, i == step, width))
        .collect();
    let title = format!(" Timeline: {n} items, by time ");
    let block = Block::bordered().title(Span::styled(title, t.title));
    frame.render_widget(Paragraph::new(lines).block(block), list);
    let Some(item) = ruling.items.get(step) else {
        return;
    };
    let title = format!(" Item {} of {n} · {} ", step + 1, short_id(&item.id));
    let block = Block::bordered()
        .title(Span::styled(title, t.title))
        .title_bottom(Line::from(format!(
            " ← p previous · → n next · {}Esc back ",
            sign_key(r, me)
        )));
    frame.render_widget(Paragraph::new(item_text).block(block), detail);
}

fn timeline_line(
    t: &Theme,
    i: usize,
    item: &ItemRecord,
    current: bool,
    width: usize,
) -> Line<'static> {
    let verdict = if item.admissible {
        "admitted"
    } else {
        "NOT ADMITTED"
    };
    // The kind column: the longest kind (complaint_response_receipt) where the pane is wide
    // (80 columns: the rule ids are short, s12 L2), else 16 columns, a cut kind ending in `…` within them so the columns stay aligned.
    let kind_w = if width >= 72 { 26 } else { 16 };
    let text = format!(
        "{}{:>3}  {:<kind_w$} {:<13} {}",
        marker(current),
        i + 1,
        fit(&sanitize_prefix(&item.what, 64), kind_w),
        verdict,
        sanitize(&item.rule_id)
    );
    let style = match (current, item.admissible) {
        (true, _) => t.selected,
        (false, false) => t.error,
        (false, true) => ratatui::style::Style::new(),
    };
    Line::from(Span::styled(fit(&text, width), style))
}

/// What the item is, the check made and its result, and its time bounds.
fn item_lines(t: &Theme, item: &ItemRecord, width: usize) -> Vec<Line<'static>> {
    let check = if item.admissible {
        format!("{}: admitted", sanitize(&item.rule_id))
    } else {
        format!(
            "{}: NOT admissible, no finding rests on it",
            sanitize(&item.rule_id)
        )
    };
    let bound = |b: &Option<Bound>, none: &str| match b {
        Some(b) => format!(
            "{} by {} (item {})",
            when(b),
            sanitize(&b.rule_id),
            short_id(&b.by)
        ),
        None => none.to_string(),
    };
    let rows = [
        ("What", sanitize(&item.what)),
        ("Check", check),
        (
            "Signed not before",
            bound(&item.earliest, "nothing proves a bound"),
        ),
        (
            "Signed not after",
            bound(&item.latest, "nothing proves a bound"),
        ),
    ];
    let style = if item.admissible { t.ok } else { t.error };
    rows.iter()
        .flat_map(|(label, value)| {
            let value_style = if *label == "Check" {
                style
            } else {
                ratatui::style::Style::new()
            };
            kv_lines(label, value, LABEL_WIDTH, width, t.label, value_style)
        })
        .collect()
}

/// `2026-03-01 09:58:00.000 UTC`.
fn when(b: &Bound) -> String {
    let s = String::from(b.at);
    format!("{} UTC", s.trim_end_matches('Z').replacen('T', " ", 1))
}

/// The findings page: the notary's refusal of the last request, if any, in full, then the
/// ruling's [`findings`].
fn page_lines(t: &Theme, r: &Replayed, ruling: &Ruling, width: usize) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    if let Some(why) = &r.refusal {
        let text = format!("nothing signed: {}", sanitize(why));
        lines.extend(kv_lines("Refused", &text, 8, width, t.error, t.error));
        lines.push(Line::from(""));
    }
    let known = Known {
        amounts: &r.guarantees,
        names: [
            (&r.item.claimant, &r.item.claimant_name),
            (&r.item.respondent, &r.item.respondent_name),
        ],
    };
    lines.extend(findings(t, ruling, &known, width));
    lines
}

/// What the findings page knows beside the ruling: the amount of each guarantee an action
/// releases or holds, and the parties' names (the rules' words name parties by id).
struct Known<'a> {
    amounts: &'a BTreeMap<String, Money>,
    /// (party id, name) of the claimant and the respondent.
    names: [(&'a String, &'a String); 2],
}

impl Known<'_> {
    /// `text` with each party's id as its name and short id: `Bob (…36304310)` (s12 L3: the
    /// findings named parties by id alone, the header and the dialog by name).
    fn named(&self, text: &str) -> String {
        let mut out = text.to_string();
        for (id, name) in self.names {
            if !id.is_empty() && !name.is_empty() {
                out = out.replace(id.as_str(), &format!("{name} ({})", short_id(id)));
            }
        }
        out
    }
}

/// The findings in order, then the allocation, then the actions.
fn findings(t: &Theme, ruling: &Ruling, known: &Known, width: usize) -> Vec<Line<'static>> {
    let plain = ratatui::style::Style::new();
    let mut lines = vec![Line::from(Span::styled("Findings, in order", t.header))];
    for f in &ruling.findings {
        let q = format!("{:?}", f.question);
        let answer = format!(
            "{}: {}",
            sanitize(&f.rule_id),
            sanitize(&known.named(&f.answer))
        );
        lines.extend(kv_lines(&q, &answer, 5, width, t.label, plain));
        if !f.evidence_ids.is_empty() {
            let ids: Vec<String> = f.evidence_ids.iter().map(|i| short_id(i)).collect();
            let ev = format!("evidence {}", ids.join(", "));
            lines.extend(kv_lines("", &ev, 5, width, t.label, t.hint));
        }
    }
    let a = &ruling.allocation;
    lines.push(Line::from(Span::styled("Allocation", t.header)));
    for (label, money) in [
        ("  Buyer pays", a.buyer_pays),
        ("  Notary pays", a.notary_pays),
        ("  Seller bears", a.seller_bears),
        ("  Refund to buyer", a.refund_to_buyer),
    ] {
        lines.extend(kv_lines(
            label,
            &money.to_string(),
            LABEL_WIDTH + 2,
            width,
            t.label,
            plain,
        ));
    }
    lines.push(Line::from(Span::styled("Actions", t.header)));
    if ruling.actions.is_empty() {
        lines.push(Line::from("  none"));
    }
    for action in &ruling.actions {
        let text = sanitize(&action_text(action, known.amounts));
        lines.extend(kv_lines("  •", &text, 4, width, t.label, plain));
    }
    if let Some(counter) = &ruling.counter_claim {
        lines.extend(counter_claim(t, counter, known, width));
    }
    lines
}

/// The counter-claim's part after the claim's: what it claims, then its own findings,
/// allocation and actions.
fn counter_claim(t: &Theme, counter: &Ruling, known: &Known, width: usize) -> Vec<Line<'static>> {
    let c = &counter.claim;
    let head = format!(
        "Counter-claim: {} of {} by {} against {}",
        c.kind.as_str(),
        c.amount,
        sanitize_prefix(&known.named(&c.claimant), 128),
        sanitize_prefix(&known.named(&c.respondent), 128)
    );
    let mut lines = vec![Line::from("")];
    lines.extend(kv_lines("", &head, 0, width, t.header, t.header));
    lines.extend(findings(t, counter, known, width));
    lines
}

fn render_findings(
    t: &Theme,
    (r, me): (&Replayed, &str),
    ruling: &Ruling,
    frame: &mut Frame,
    area: Rect,
) {
    let width = usize::from(area.width.saturating_sub(2));
    let lines = page_lines(t, r, ruling, width);
    let visible = usize::from(area.height.saturating_sub(2));
    let max = lines.len().saturating_sub(visible);
    let scroll = r.scroll.min(max);
    let position = if max > 0 {
        format!(
            " lines {}-{} of {} · ↑↓ ",
            scroll + 1,
            (scroll + visible).min(lines.len()),
            lines.len()
        )
    } else {
        String::new()
    };
    let title = format!(
        " Ruling: {} findings, allocation, actions ",
        ruling.findings.len()
    );
    let keys = format!("{position} ← p timeline · {}Esc back ", sign_key(r, me));
    let block = Block::bordered()
        .title(Span::styled(title, t.title))
        .title_bottom(Line::from(keys));
    let shown: Vec<Line> = lines.into_iter().skip(scroll).take(visible).collect();
    frame.render_widget(Paragraph::new(shown).block(block), area);
}
