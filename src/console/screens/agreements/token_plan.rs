//! Rotate or revoke a seller's API token (`t` / `T` on screen 4): what the confirmation dialog
//! lists of the `seller_token` entry the notary will sign, and the check of its answer. The
//! entry says only that the token changed; a rotation's new token comes back in the answer and
//! is shown once.

use crate::api::admin::proto::{Op, PartyItem, SellerTokenItem, TokenChange};

use super::plans::{ActionOutcome, Fields};

/// Rotate or revoke a seller's token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenPlan {
    /// The seller, as listed.
    pub party: PartyItem,
    /// Rotate or revoke.
    pub change: TokenChange,
}

impl TokenPlan {
    /// The fixed sentence naming the record.
    pub(super) fn headline(&self) -> &'static str {
        match self.change {
            TokenChange::Rotated => "The notary will sign: seller API token rotated",
            TokenChange::Revoked => "The notary will sign: seller API token revoked",
        }
    }

    /// The fields of the `seller_token` entry, in the order the notary signs them.
    pub(super) fn fields(&self, f: &mut Fields) {
        f.add("Party id", &self.party.id);
        f.add("Seller", &self.party.name);
        f.add("Change", self.change.as_str());
        f.add("Changed at", "the notary's clock when it signs");
        f.add(
            "Logged",
            "that the token changed, never the token or its hash",
        );
        f.add(
            "Effect",
            match self.change {
                TokenChange::Rotated => {
                    "the current token stops working at once; the new one is shown once"
                }
                TokenChange::Revoked => {
                    "the current token stops working at once (401); t gives a new one"
                }
            },
        );
    }

    /// The request this plan authorises.
    pub(super) fn op(&self) -> Op {
        Op::SellerToken {
            party_id: self.party.id.clone(),
            change: self.change,
        }
    }

    /// Signed as confirmed (a rotation with its new token, shown once), or not.
    pub(super) fn outcome(&self, t: &SellerTokenItem) -> ActionOutcome {
        let token_as_asked = match self.change {
            TokenChange::Rotated => t.api_token.is_some(),
            TokenChange::Revoked => t.api_token.is_none(),
        };
        if t.party_id != self.party.id || t.change != self.change || !token_as_asked {
            return ActionOutcome::Mismatch(
                "the notary's answer is not the token change you confirmed".into(),
            );
        }
        let mut fields = Fields::default();
        fields.add("Seller", &self.party.name);
        fields.add("Party id", &t.party_id);
        fields.add("Change", t.change.as_str());
        fields.add("Changed at", &t.changed_at);
        fields.add("Log index", &t.log_index.to_string());
        let title = match t.change {
            TokenChange::Rotated => "Seller token rotated",
            TokenChange::Revoked => "Seller token revoked",
        };
        fields.done(title, t.api_token.as_deref())
    }
}
