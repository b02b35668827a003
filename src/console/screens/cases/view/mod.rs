//! Screen 6: the cases ready for a ruling (answered or silent, by response deadline), or the
//! open case's replay ([`replay`]). A list the notary refused says so in its frame.

mod replay;

use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell};
use ratatui::Frame;

use crate::api::admin::proto::ComplaintItem;
use crate::console::app::{App, PromptPurpose};
use crate::console::components::columns::Columns;
use crate::console::components::layout;
use crate::console::components::list::{marker, render_message, LOADING};
use crate::console::sanitize::sanitize_prefix;
use crate::console::screens::agreements::short_id;
use crate::console::screens::exchanges::{mark, minute, parties_fit};
use crate::console::theme::Theme;

use super::CasesView;

pub use replay::{findings_rows, scroll_max};

/// Case ids get their own column from this width on.
const WIDE: u16 = 100;

/// Rows of the case list in a terminal of `size`.
pub fn list_rows(size: (u16, u16)) -> usize {
    layout::rows_in(layout::body(size))
}

/// The status line's hint on this screen.
pub fn hint(app: &App) -> &'static str {
    match &app.cases.open {
        // One's own proposal waits for another arbitrator: nothing for `s` to do.
        Some(r) if r.proposed_by(&app.hello.arbitrator) && r.on_findings() => {
            "w withdraw · ← p timeline · ↑↓ scroll"
        }
        Some(r) if r.proposed_by(&app.hello.arbitrator) => {
            "→ n next · ← p previous · w withdraw · Esc back"
        }
        Some(r) if r.pending_proposal().is_some() && r.on_findings() => {
            "s confirm · w withdraw · ← p timeline · ↑↓ scroll"
        }
        Some(r) if r.pending_proposal().is_some() => {
            "→ n next · ← p previous · s confirm · w withdraw · Esc back"
        }
        // Signed: nothing left to sign here (the notary would refuse it, already_ruled).
        Some(r) if r.answer.as_ref().is_some_and(|a| a.status == "ruled") => {
            if r.on_findings() {
                "ruled · ← p back to the timeline · ↑↓ scroll · Esc back"
            } else {
                "ruled · → n next item · ← p previous · Esc back"
            }
        }
        Some(r) if r.on_findings() => "s sign the ruling · ← p back to the timeline · ↑↓ scroll",
        Some(_) => "→ n next item · ← p previous · s sign the ruling · Esc back",
        None => "Enter replay the case · ↑↓ move · r refresh",
    }
}

/// What this screen's prompt asks.
pub fn prompt_title(app: &App, purpose: PromptPurpose) -> String {
    match (purpose, &app.cases.withdraw_for) {
        (PromptPurpose::WithdrawReason, Some((c, _))) => format!(
            " Why withdraw the proposal on case {}? (you confirm it next) ",
            short_id(&c.complaint_id)
        ),
        _ => " Answer ".into(),
    }
}

/// Draws the screen into `area`.
pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    match &app.cases.open {
        Some(r) => replay::render(&app.theme, (r, &app.hello.arbitrator), frame, area),
        None => render_list(&app.theme, &app.cases, frame, area),
    }
}

fn render_list(t: &Theme, v: &CasesView, frame: &mut Frame, area: Rect) {
    let l = &v.cases;
    let count = match (&l.error, l.list.loaded) {
        (None, true) => format!(" ({})", l.list.items.len()),
        _ => String::new(),
    };
    let title = format!(" Cases{count}: answered or silent, by deadline ");
    let block = Block::bordered()
        .title(Span::styled(title, t.title))
        .title_bottom(Line::from(" Enter replay · ↑↓ move "));
    if let Some(why) = &l.error {
        let text = format!(
            "The notary could not list the cases: {}",
            sanitize_prefix(why, 200)
        );
        return render_message(frame, area, block, &text, t.error);
    }
    if !l.list.loaded || l.list.items.is_empty() {
        let none = "No case to rule: none answered or silent yet.";
        let text = if l.list.loaded { none } else { LOADING };
        return render_message(frame, area, block, text, t.hint);
    }
    let cols = Columns::new(area.width >= WIDE)
        .col("  Deadline (UTC)", Constraint::Length(18))
        .col("Status", Constraint::Length(9))
        .col("Kind", Constraint::Length(17))
        .col("Claimant → respondent", Constraint::Min(10))
        // The amount at every width: an arbitrator triages by it (the parties' names give way).
        .col("Amount", Constraint::Length(14))
        .wide_col("Case", Constraint::Length(10));
    let room = cols.room(area.width.saturating_sub(2));
    let body = l
        .list
        .visible_rows(layout::rows_in(area), t.selected, |c, sel| {
            cols.row(cells(c, sel, room))
        });
    frame.render_widget(cols.table(body, t.header, block), area);
}

/// A case's cells; `room`: the parties column's width.
fn cells(c: &ComplaintItem, selected: bool, room: usize) -> [Cell<'static>; 6] {
    let status = match mark(c) {
        "" => c.status.as_str().to_string(),
        m => m.to_string(),
    };
    [
        Cell::from(format!(
            "{}{}",
            marker(selected),
            minute(&c.response_deadline)
        )),
        Cell::from(status),
        Cell::from(c.kind.as_str()),
        Cell::from(parties_fit(
            (&c.claimant_name, &c.claimant),
            (&c.respondent_name, &c.respondent),
            room,
        )),
        Cell::from(c.amount.to_string()),
        Cell::from(short_id(&c.complaint_id)),
    ]
}
