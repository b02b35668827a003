//! The admin operation `SellerToken`: a seller's API token replaced or ended, signed and logged
//! by the notary.

use super::ops::{OpResult, Operator};
use super::proto::{Reply, SellerTokenItem, TokenChange};
use crate::model::time::rfc3339_ms;
use crate::notary::{Notary, TokenReceipt};

fn item(r: TokenReceipt) -> Reply {
    Reply::SellerToken(SellerTokenItem {
        party_id: r.party_id,
        change: r.change,
        api_token: r.api_token,
        log_index: r.log_index,
        changed_at: rfc3339_ms(r.changed_at),
    })
}

/// Seller `party_id`'s token rotated (a new one; the old one stops working) or revoked.
pub(super) async fn change(
    notary: &Notary,
    operator: &Operator,
    party_id: &str,
    change: TokenChange,
) -> OpResult {
    let by = operator.logged();
    let r = match change {
        TokenChange::Rotated => notary.rotate_token(party_id, by).await?,
        TokenChange::Revoked => notary.revoke_token(party_id, by).await?,
    };
    Ok(item(r))
}
