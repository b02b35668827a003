//! Screen 4: agreements (or parties) with the live feed under them, and an agreement's detail:
//! the exposure gauge (its figures also in text, so it reads in 16 colours and under
//! NO_COLOR), caps, validity, policy, keys with their revocation state, guarantees.

mod feed;
mod keys;
pub mod outcome;
mod parties;

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, LineGauge, Paragraph, Row};
use ratatui::Frame;

use crate::console::app::App;
use crate::console::components::columns::Columns;
use crate::console::components::layout;
use crate::console::components::list::scroll_into_view;
use crate::console::components::text::kv_lines;
use crate::console::sanitize::sanitize_prefix;
use crate::console::screens::agreements::{
    exposure_percent, exposure_ratio, exposure_text, money, short_id, AgreementDetail, Detail, Pane,
};
use crate::console::screens::timestamps::view::marker;

/// Agreement ids get their own column from this width on.
const WIDE: u16 = 100;
const LABEL_WIDTH: usize = 10;

/// Draws the agreements screen into `area`.
pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    match &app.agreements.detail {
        Some(Detail::Agreement(d)) => render_detail(app, d, frame, area),
        Some(Detail::Party(d)) => parties::render_detail(app, d, frame, area),
        None => {
            let [list, feed_area] = layout::agreements(area);
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
    let rows = usize::from(area.height.saturating_sub(3)).max(1);
    let title = if list.query.is_empty() {
        format!(" Agreements ({}) ", list.items.len())
    } else {
        format!(
            " Agreements matching {:?}: {} ",
            sanitize_prefix(&list.query, 30),
            list.items.len()
        )
    };
    let block = Block::bordered()
        .title(Span::styled(title, t.title))
        .title_bottom(Line::from(" Enter open · p parties · / search "));
    if list.items.is_empty() {
        let msg = match (list.loaded, list.query.is_empty()) {
            (false, _) => "Loading…",
            (true, true) => "No agreements yet. p: parties, then c on a buyer to create one.",
            (true, false) => "No agreement matches. Esc: show all.",
        };
        let p = Paragraph::new(Span::styled(msg, t.hint)).block(block);
        return frame.render_widget(p, area);
    }
    let wide = area.width >= WIDE;
    let offset = scroll_into_view(list.offset as u64, list.selected as u64, rows as u64) as usize;
    let end = (offset + rows).min(list.items.len());
    let body: Vec<Row> = list.items[offset..end]
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let selected = offset + i == list.selected;
            let mut cells = vec![Cell::from(format!(
                "{}{}",
                marker(selected),
                sanitize_prefix(&a.buyer_name, 64)
            ))];
            if wide {
                cells.push(Cell::from(short_id(&a.id)));
            }
            cells.extend([
                Cell::from(format!(
                    "{} v{}",
                    sanitize_prefix(&a.policy_id, 32),
                    a.policy_version
                )),
                Cell::from(sanitize_prefix(&a.status, 12)),
                Cell::from(format!("{:>3}%", exposure_percent(a))),
                Cell::from(exposure_text(a)),
            ]);
            let row = Row::new(cells);
            if selected {
                row.style(t.selected)
            } else {
                row
            }
        })
        .collect();
    let table = Columns::new(wide)
        .col("  Buyer", Constraint::Min(10))
        .wide_col("Id", Constraint::Length(10))
        .col("Policy", Constraint::Length(18))
        .col("Status", Constraint::Length(9))
        .col("Used", Constraint::Length(4))
        .col("Exposure / total cap", Constraint::Length(24))
        .table(body, t.header, block);
    frame.render_widget(table, area);
}

fn render_detail(app: &App, d: &AgreementDetail, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let a = &d.agreement;
    let key_rows = d.keys.len().clamp(1, 6) as u16;
    let [summary, keys_area, guarantees] = Layout::vertical([
        Constraint::Length(8),
        Constraint::Length(key_rows + 2),
        Constraint::Min(0),
    ])
    .areas(area);

    let title = format!(
        " Agreement {} · {} ",
        short_id(&a.id),
        sanitize_prefix(&a.buyer_name, 40)
    );
    let block = Block::bordered()
        .title(Span::styled(title, t.title))
        .title_bottom(Line::from(" s suspend · u resume · e end · Esc back "));
    let inner = block.inner(summary);
    frame.render_widget(block, summary);
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

    let width = usize::from(inner.width);
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
    lines.extend(kv("Status", sanitize_prefix(&a.status, 16)));
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
    frame.render_widget(Paragraph::new(lines), text_rows);

    keys::render(app, &d.keys, d.selected_key, d.loaded, frame, keys_area);
    render_guarantees(app, d, frame, guarantees);
}

fn render_guarantees(app: &App, d: &AgreementDetail, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let outstanding = d
        .guarantees
        .iter()
        .filter(|g| g.state == "outstanding")
        .count();
    let title = format!(
        " Guarantees ({}, {outstanding} outstanding) ",
        d.guarantees.len()
    );
    let block = Block::bordered().title(Span::styled(title, t.title));
    if d.guarantees.is_empty() {
        let msg = if d.loaded {
            "No guarantees under this agreement yet."
        } else {
            "Loading…"
        };
        let p = Paragraph::new(Span::styled(msg, t.hint)).block(block);
        return frame.render_widget(p, area);
    }
    let wide = area.width >= WIDE;
    let rows = usize::from(area.height.saturating_sub(3));
    let names = &app.agreements.names;
    let body: Vec<Row> = d
        .guarantees
        .iter()
        .take(rows)
        .map(|g| {
            let seller = names
                .get(&g.seller_id)
                .map(|n| sanitize_prefix(n, 40))
                .unwrap_or_else(|| short_id(&g.seller_id));
            let mut cells = vec![
                Cell::from(format!("  {}", short_id(&g.guarantee_id))),
                Cell::from(seller),
                Cell::from(money(g.amount_minor, &g.currency)),
                Cell::from(sanitize_prefix(&g.state, 12)),
            ];
            if wide {
                cells.push(Cell::from(sanitize_prefix(&g.issued_at, 32)));
            }
            cells.push(Cell::from(sanitize_prefix(&g.release_at, 32)));
            let row = Row::new(cells);
            if g.state == "outstanding" {
                row.style(t.label)
            } else {
                row
            }
        })
        .collect();
    let table = Columns::new(wide)
        .col("  Id", Constraint::Length(11))
        .col("Seller", Constraint::Min(8))
        .col("Amount", Constraint::Length(14))
        .col("State", Constraint::Length(11))
        .wide_col("Issued at", Constraint::Length(24))
        .col("Release at", Constraint::Length(24))
        .table(body, t.header, block);
    frame.render_widget(table, area);
}
