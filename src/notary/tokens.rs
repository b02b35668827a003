//! A seller's API token after registration: rotated (a new token, shown once) or revoked. Each
//! change is signed and logged as a `seller_token` entry that says what changed, never the token
//! or its hash. The old token stops opening the seller API as soon as the change is staged (the
//! HTTP check reads the same map), and after a restart (its stored record is emptied).

use serde::Serialize;
use serde_json::json;

use super::command::{Decision, ToSign};
use super::parties::{new_token, token_hash};
use super::sequencer::{Records, StageCtx};
use super::{Notary, NotaryError, Shared};
use crate::model::entry::EntryKind;
use crate::model::error_code::ErrorCode;
use crate::model::registry::Role;
use crate::model::time::rfc3339_ms;
use crate::store::Cf;

/// What happened to a seller's token.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenChange {
    /// A new token replaced the old ones.
    Rotated,
    /// The seller has no token any more (until one is rotated in).
    Revoked,
}

impl TokenChange {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenChange::Rotated => "rotated",
            TokenChange::Revoked => "revoked",
        }
    }
}

/// A token change, logged; `api_token` is the new token (rotation only), shown this once.
#[derive(Clone, Debug, Serialize)]
pub struct TokenReceipt {
    /// The seller.
    pub party_id: String,
    /// What changed.
    pub change: TokenChange,
    /// The new token, for a rotation.
    pub api_token: Option<String>,
    /// Index of the signed `seller_token` entry.
    pub log_index: u64,
    /// When the notary made the change.
    pub changed_at: chrono::DateTime<chrono::Utc>,
}

/// Stages the change of seller `party_id`'s token to `new` (none: revoked) at `ctx`: every live
/// token of the seller dies, in memory now and on disk with the batch.
fn stage_change(
    shared: &Shared,
    ctx: &StageCtx,
    party_id: &str,
    new: Option<String>,
    operator: Option<String>,
) -> Result<Decision<TokenReceipt>, NotaryError> {
    let mut st = shared.state.lock();
    let party = st
        .parties
        .get(party_id)
        .ok_or_else(|| NotaryError::unknown(ErrorCode::UnknownParty, "party", party_id))?;
    if party.role != Role::Seller {
        return Err(NotaryError::invalid(
            ErrorCode::BadRequest,
            format!("party {party_id} is a buyer: only sellers have API tokens"),
        ));
    }
    let old: Vec<[u8; 32]> = st
        .tokens
        .iter()
        .filter(|(_, id)| id.as_str() == party_id)
        .map(|(h, _)| *h)
        .collect();
    if new.is_none() && old.is_empty() {
        return Err(NotaryError::Conflict {
            code: ErrorCode::AlreadyRevoked,
            message: format!("seller {party_id} has no API token to revoke"),
        });
    }
    let change = if new.is_some() {
        TokenChange::Rotated
    } else {
        TokenChange::Revoked
    };
    let payload = json!({
        "party_id": party_id,
        "change": change.as_str(),
        "changed_at": rfc3339_ms(ctx.now),
    });
    let kind = EntryKind::SellerToken;
    let entry = ToSign::new(ctx, kind, payload, operator);
    let mut records: Records = old
        .iter()
        .map(|h| (Cf::SellerTokens, h.to_vec(), Vec::new()))
        .collect();
    for h in &old {
        st.tokens.remove(h);
    }
    if let Some(t) = &new {
        let h = token_hash(t);
        records.push((Cf::SellerTokens, h.to_vec(), party_id.as_bytes().to_vec()));
        st.tokens.insert(h, party_id.to_string());
    }
    let receipt = TokenReceipt {
        party_id: party_id.to_string(),
        change,
        api_token: new,
        log_index: ctx.index,
        changed_at: ctx.now,
    };
    Ok(Decision::sign_later(
        &shared.notary_key,
        entry,
        records,
        receipt,
    ))
}

impl Notary {
    /// Gives seller `party_id` a new API token (returned once) and ends every older one.
    pub async fn rotate_token(
        &self,
        party_id: &str,
        operator: Option<String>,
    ) -> Result<TokenReceipt, NotaryError> {
        self.change_token(party_id, Some(new_token()), operator)
            .await
    }

    /// Ends seller `party_id`'s API token: the seller API refuses it from now on.
    pub async fn revoke_token(
        &self,
        party_id: &str,
        operator: Option<String>,
    ) -> Result<TokenReceipt, NotaryError> {
        self.change_token(party_id, None, operator).await
    }

    async fn change_token(
        &self,
        party_id: &str,
        new: Option<String>,
        operator: Option<String>,
    ) -> Result<TokenReceipt, NotaryError> {
        let party_id = party_id.trim().to_string();
        let shared = self.shared.clone();
        self.command(move |ctx| stage_change(&shared, ctx, &party_id, new, operator))
            .await
    }
}
