//! `notar party token rotate|revoke SELLER_ID`: a seller's API token replaced or ended through
//! the admin socket. A rotation prints the new token once, on stdout; nothing else keeps it (the
//! notary stores only its hash).

use std::path::Path;

use clap::Subcommand;

use super::admin_client::AdminClient;
use super::out::{print_fields, print_json};
use super::party_cmd::unexpected;
use super::Failure;
use crate::api::admin::proto::{Op, Reply, TokenChange};

/// `notar party token ...`.
#[derive(Debug, Subcommand)]
pub enum TokenAction {
    /// Give the seller a new API token, printed once; the old one stops working at once.
    Rotate {
        /// The seller.
        seller_id: String,
    },
    /// End the seller's API token; `rotate` gives it a new one later.
    Revoke {
        /// The seller.
        seller_id: String,
    },
}

/// Runs `notar party token ...`.
pub async fn run(data: &Path, action: TokenAction, json: bool) -> Result<(), Failure> {
    let op = match action {
        TokenAction::Rotate { seller_id } => Op::SellerToken {
            party_id: seller_id,
            change: TokenChange::Rotated,
        },
        TokenAction::Revoke { seller_id } => Op::SellerToken {
            party_id: seller_id,
            change: TokenChange::Revoked,
        },
    };
    let mut admin = AdminClient::connect(data).await?;
    let reply = admin.call(op).await?;
    let Reply::SellerToken(t) = &reply else {
        return Err(unexpected(&reply));
    };
    if json {
        return print_json(&reply);
    }
    let mut fields = vec![
        ("seller", t.party_id.clone()),
        ("token", t.change.as_str().to_string()),
        ("changed", t.changed_at.clone()),
        ("log index", t.log_index.to_string()),
    ];
    if let Some(token) = &t.api_token {
        fields.push(("API token", token.clone()));
    }
    print_fields(&fields);
    if t.api_token.is_some() {
        outln!(
            "The new API token is shown only once: give it to the seller now (the notary keeps \
             only its hash). The old token no longer works."
        );
    }
    Ok(())
}
