//! What the agreements screen's prompts ask, naming the record each is about (names
//! sanitised) and, for the agreement's questions, the step and the policy's defaults.

use crate::console::app::{App, PromptPurpose};
use crate::console::sanitize::sanitize_prefix;
use crate::console::screens::agreements::{money, short_id, Draft};

/// The title of the prompt for `purpose`.
pub fn prompt_title(app: &App, purpose: PromptPurpose) -> String {
    let draft = app.agreements.draft.as_ref();
    let name = |s: &str| sanitize_prefix(s, 32);
    match (purpose, draft) {
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
