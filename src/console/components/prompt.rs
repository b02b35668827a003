//! The one-line prompt (search, file to stamp, entry index), drawn at the bottom of the body.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};
use ratatui::Frame;

use crate::console::app::{App, Prompt, PromptPurpose};
use crate::console::components::text::fit;
use crate::console::sanitize::{display_width, sanitize, sanitize_prefix};
use crate::console::screens::agreements::{money, short_id, Draft};

/// Draws `prompt` over the last three rows of `area`.
pub fn render(app: &App, prompt: &Prompt, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let height = 3.min(area.height);
    let box_area = Rect::new(area.x, area.y + area.height - height, area.width, height);
    let title = fit(
        &title(app, prompt.purpose),
        usize::from(area.width.saturating_sub(2)),
    );
    // Show the end of long input, which is where the cursor is.
    let room = usize::from(box_area.width.saturating_sub(5));
    let clean = sanitize(&prompt.input);
    let mut shown: &str = &clean;
    while display_width(shown) > room {
        let mut chars = shown.chars();
        chars.next();
        shown = chars.as_str();
    }
    let line = Line::from(vec![
        Span::styled("> ", t.label),
        Span::raw(shown.to_string()),
        Span::styled("_", t.selected),
    ]);
    let block = Block::bordered()
        .title(Span::styled(title, t.title))
        .title_bottom(Line::from(" Enter ok · Esc cancel "));
    frame.render_widget(Clear, box_area);
    frame.render_widget(Paragraph::new(line).block(block), box_area);
}

/// What the prompt asks, naming the record it is about (names sanitised).
fn title(app: &App, purpose: PromptPurpose) -> String {
    let draft = app.agreements.draft.as_ref();
    let name = |s: &str| sanitize_prefix(s, 32);
    match (purpose, draft) {
        (PromptPurpose::Search, _) => " Search timestamps: hex digest, or a file to hash ".into(),
        (PromptPurpose::StampPath, _) => {
            " Stamp a file: path (it is hashed here, then you confirm) ".into()
        }
        (PromptPurpose::GotoEntry, _) => " Go to log entry: index ".into(),
        (PromptPurpose::AgreementSearch, _) => " Search agreements: id, buyer name or id ".into(),
        (PromptPurpose::PartySearch, _) => " Search parties: name or id ".into(),
        (PromptPurpose::PartyName, _) => " Register a party (1/2): display name ".into(),
        (PromptPurpose::PartyRole, Some(Draft::Party { name: n })) => {
            format!(" Register {} (2/2): role, buyer or seller ", name(n))
        }
        (PromptPurpose::AgreementPolicy, Some(Draft::Agreement { buyer, .. })) => format!(
            " Agreement for {} (1/3): policy, one of {} ",
            name(&buyer.name),
            app.agreements.policy_ids().join(", ")
        ),
        (
            PromptPurpose::TotalCap,
            Some(Draft::Agreement {
                policy: Some(p), ..
            }),
        ) => format!(
            " Agreement (2/3): total cap in {} (policy default {}) ",
            sanitize_prefix(&p.currency, 8),
            money(p.total_cap_minor, &p.currency)
        ),
        (
            PromptPurpose::PerTxCap,
            Some(Draft::Agreement {
                policy: Some(p),
                total_cap_minor: Some(total),
                ..
            }),
        ) => format!(
            " Agreement (3/3): per-transaction cap in {} (at most {}) ",
            sanitize_prefix(&p.currency, 8),
            money(*total, &p.currency)
        ),
        (PromptPurpose::RevokeReason, Some(Draft::Revoke { key, owner })) => format!(
            " Revoke key {} of {}: reason ",
            short_id(&key.key_id),
            name(owner)
        ),
        (PromptPurpose::StatusReason, Some(Draft::Status { agreement, to })) => format!(
            " Make the agreement of {} {}: reason ",
            name(&agreement.buyer_name),
            to.as_str()
        ),
        _ => " Answer ".into(),
    }
}
