//! Screen 4: agreements (or parties) with the live feed under them, and an agreement's detail:
//! the exposure gauge (its figures also in text, so it reads in 16 colours and under
//! NO_COLOR), caps, validity, policy, keys with their revocation state, guarantees.

pub mod feed;
mod keys;
pub mod outcome;
mod parties;
mod prompts;

pub use prompts::prompt_title;

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, LineGauge, Paragraph};
use ratatui::Frame;

use crate::api::admin::proto::{AgreementItem, GuaranteeItem, GuaranteeState};
use crate::console::app::App;
use crate::console::components::columns::Columns;
use crate::console::components::layout;
use crate::console::components::list::{loaded_or_loading, marker, render_message};
use crate::console::components::text::kv_lines;
use crate::console::sanitize::sanitize_prefix;
use crate::console::screens::agreements::{
    exposure_percent, exposure_ratio, exposure_text, money, short_id, AgreementDetail,
    AgreementsView, Detail, Pane,
};
use crate::console::theme::Theme;
use crate::model::registry::Role;

/// Agreement ids get their own column from this width on.
const WIDE: u16 = 100;
const LABEL_WIDTH: usize = 10;

/// The agreements or parties list, and the live feed under it.
fn areas(body: Rect) -> [Rect; 2] {
    let feed = if body.height < 30 { 8 } else { 12 };
    Layout::vertical([Constraint::Min(0), Constraint::Length(feed)]).areas(body)
}

/// Rows of the list in a terminal of `size`.
pub fn list_rows(size: (u16, u16)) -> usize {
    layout::rows_in(areas(layout::body(size))[0])
}

/// The status line's hint on this screen.
pub fn hint(app: &App) -> &'static str {
    match (&app.agreements.detail, app.agreements.pane) {
        (Some(Detail::Agreement(_)), _) => "↑↓ key · x revoke key · s u e status · Esc back",
        (Some(Detail::Party(d)), _) if d.party.role == Role::Seller => {
            "↑↓ key · x revoke key · t T rotate/revoke token · Esc back"
        }
        (Some(Detail::Party(_)), _) => "↑↓ key · x revoke key · c agreement · Esc back",
        (None, Pane::Agreements) => "Enter open · s u e status · p parties · / search",
        (None, Pane::Parties) => "Enter open · n register · c agreement · p agreements",
    }
}

/// Draws the agreements screen into `area`.
pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    match &app.agreements.detail {
        Some(Detail::Agreement(d)) => render_detail(app, d, frame, area),
        Some(Detail::Party(d)) => parties::render_detail(app, d, frame, area),
        None => {
            let [list, feed_area] = areas(area);
            match app.agreements.pane {
                Pane::Agreements => render_list(app, frame, list),
                Pane::Parties => parties::render_list(app, frame, list),
            }
            feed::render(app, frame, feed_area);
        }
    }
}

fn render_list(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let list = &app.agreements.agreements;
    let block = list.search_block(t, "Agreements", " Enter open · p parties · / search ");
    if list.items.is_empty() {
        let none = "No agreements yet. p: parties, then c on a buyer to create one.";
        let msg = list.empty_message(none, "No agreement matches. Esc: show all.");
        return render_message(frame, area, block, msg, t.hint);
    }
    let cols = Columns::new(area.width >= WIDE)
        .col("  Buyer", Constraint::Min(10))
        .wide_col("Id", Constraint::Length(10))
        .col("Policy", Constraint::Length(18))
        .col("Status", Constraint::Length(9))
        .col("Used", Constraint::Length(4))
        .col("Exposure / total cap", Constraint::Length(24));
    let body = list.visible_rows(layout::rows_in(area), t.selected, |a, selected| {
        cols.row(agreement_cells(a, selected))
    });
    frame.render_widget(cols.table(body, t.header, block), area);
}

fn agreement_cells(a: &AgreementItem, selected: bool) -> [Cell<'static>; 6] {
    [
        Cell::from(format!(
            "{}{}",
            marker(selected),
            sanitize_prefix(&a.buyer_name, 64)
        )),
        Cell::from(short_id(&a.id)),
        Cell::from(format!(
            "{} v{}",
            sanitize_prefix(&a.policy_id, 32),
            a.policy_version
        )),
        Cell::from(sanitize_prefix(a.standing(), 13)),
        Cell::from(format!("{:>3}%", exposure_percent(a))),
        Cell::from(exposure_text(a)),
    ]
}

fn render_detail(app: &App, d: &AgreementDetail, frame: &mut Frame, area: Rect) {
    let key_rows = d.keys.len().clamp(1, 6) as u16;
    let [summary, keys_area, guarantees] = Layout::vertical([
        Constraint::Length(8),
        Constraint::Length(key_rows + 2),
        Constraint::Min(0),
    ])
    .areas(area);
    render_summary(app, d, frame, summary);
    keys::render(app, &d.keys, d.selected_key, d.loaded, frame, keys_area);
    render_guarantees(app, d, frame, guarantees);
}

/// The agreement's frame, its exposure gauge, and its figures in text.
fn render_summary(app: &App, d: &AgreementDetail, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let a = &d.agreement;
    let title = format!(
        " Agreement {} · {} ",
        short_id(&a.id),
        sanitize_prefix(&a.buyer_name, 40)
    );
    let block = Block::bordered()
        .title(Span::styled(title, t.title))
        .title_bottom(Line::from(" s suspend · u resume · e end · Esc back "));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [gauge_row, text_rows] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(inner);
    let [gauge_label, gauge_area] =
        Layout::horizontal([Constraint::Length(LABEL_WIDTH as u16), Constraint::Min(0)])
            .areas(gauge_row);
    frame.render_widget(Span::styled("Exposure", t.label), gauge_label);
    let pct = exposure_percent(a);
    let gauge = LineGauge::default()
        .ratio(exposure_ratio(a))
        .label(format!("{pct:>3}%"))
        .filled_symbol("█")
        .unfilled_symbol("░")
        .filled_style(if pct >= 90 { t.error } else { t.ok });
    frame.render_widget(gauge, gauge_area);
    let lines = summary_lines(t, d, usize::from(inner.width));
    frame.render_widget(Paragraph::new(lines), text_rows);
}

fn summary_lines(t: &Theme, d: &AgreementDetail, width: usize) -> Vec<Line<'static>> {
    let a = &d.agreement;
    let kv = |label: &str, value: String| {
        kv_lines(
            label,
            &value,
            LABEL_WIDTH,
            width,
            t.label,
            ratatui::style::Style::new(),
        )
    };
    let outstanding = if d.loaded {
        format!(" · {} outstanding", a.outstanding)
    } else {
        String::new()
    };
    let mut lines = kv("", format!("{}{outstanding}", exposure_text(a)));
    lines.extend(kv(
        "Caps",
        format!(
            "{} total · {} per transaction",
            money(a.total_cap_minor, &a.currency),
            money(a.per_tx_cap_minor, &a.currency)
        ),
    ));
    lines.extend(kv("Status", sanitize_prefix(a.standing(), 16)));
    lines.extend(kv(
        "Valid",
        format!(
            "{} → {}",
            sanitize_prefix(&a.valid_from, 32),
            sanitize_prefix(&a.valid_until, 32)
        ),
    ));
    lines.extend(kv(
        "Policy",
        format!(
            "{} v{} · digest {}",
            sanitize_prefix(&a.policy_id, 40),
            a.policy_version,
            sanitize_prefix(&a.policy_digest, 12)
        ),
    ));
    lines
}

fn render_guarantees(app: &App, d: &AgreementDetail, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let outstanding = d
        .guarantees
        .iter()
        .filter(|g| g.state == GuaranteeState::Outstanding)
        .count();
    let title = format!(
        " Guarantees ({}, {outstanding} outstanding) ",
        d.guarantees.len()
    );
    let block = Block::bordered().title(Span::styled(title, t.title));
    if d.guarantees.is_empty() {
        let msg = loaded_or_loading(d.loaded, "No guarantees under this agreement yet.");
        return render_message(frame, area, block, msg, t.hint);
    }
    let cols = Columns::new(area.width >= WIDE)
        .col("  Id", Constraint::Length(11))
        .col("Seller", Constraint::Min(8))
        .col("Amount", Constraint::Length(14))
        .col("State", Constraint::Length(11))
        .wide_col("Issued at", Constraint::Length(24))
        .col("Release at", Constraint::Length(24));
    let rows = usize::from(area.height.saturating_sub(3));
    let outstanding =
        |g: &GuaranteeItem| (g.state == GuaranteeState::Outstanding).then_some(t.label);
    let cells = |g: &GuaranteeItem| guarantee_cells(&app.agreements, g);
    let body = cols.rows_of(&d.guarantees, rows, cells, outstanding);
    frame.render_widget(cols.table(body, t.header, block), area);
}

fn guarantee_cells(v: &AgreementsView, g: &GuaranteeItem) -> [Cell<'static>; 6] {
    [
        Cell::from(format!("  {}", short_id(&g.guarantee_id))),
        Cell::from(v.shown_name(&g.seller_id)),
        Cell::from(money(g.amount_minor, &g.currency)),
        // Outstanding, and kept so by a ruling: the expiry scan passes it by (s12 L6).
        Cell::from(match (&g.held_by, g.state) {
            (Some(_), GuaranteeState::Outstanding) => "held".to_string(),
            _ => sanitize_prefix(g.state.as_str(), 12),
        }),
        Cell::from(sanitize_prefix(&g.issued_at, 32)),
        Cell::from(sanitize_prefix(&g.release_at, 32)),
    ]
}
