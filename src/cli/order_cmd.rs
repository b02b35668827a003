//! `notar order sign`: the buyer's side of a guarantee request, offline. Prints a buyer-signed
//! `order` envelope a seller puts into `POST /v1/guarantees` (so a buyer, or a curl demo, can
//! make orders without other tools).

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};

use super::admin_client::Refusal;
use super::{Classify, Failure};
use crate::api::admin::proto::ErrorCode;
use crate::crypto::keys::ed25519_from_pem;
use crate::model::money::{Currency, Money};
use crate::notary::fixture::signed_order;

/// `notar order`.
#[derive(Debug, Args)]
pub struct OrderArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: OrderCommand,
}

/// `notar order ...`.
#[derive(Debug, Subcommand)]
pub enum OrderCommand {
    /// Sign an order with the buyer's key; prints the envelope (JSON) on stdout.
    Sign {
        /// The buyer's Ed25519 private key (PKCS#8 PEM, as `openssl genpkey -algorithm
        /// ed25519` writes).
        #[arg(long, value_name = "FILE")]
        key: PathBuf,
        /// The seller's party id.
        #[arg(long, value_name = "SELLER_ID")]
        seller: String,
        /// Amount, a decimal (e.g. `120.00`).
        #[arg(long)]
        amount: String,
        /// ISO 4217 currency code.
        #[arg(long)]
        currency: String,
        /// The order document; its SHA-256 is what the buyer signs.
        #[arg(long, value_name = "FILE")]
        document: PathBuf,
    },
}

/// Runs `notar order ...`.
pub fn run(args: OrderArgs) -> Result<(), Failure> {
    let OrderCommand::Sign {
        key,
        seller,
        amount,
        currency,
        document,
    } = args.command;
    let pem = std::fs::read_to_string(&key)
        .with_context(|| format!("reading {}", key.display()))
        .usage()?;
    let signing_key = ed25519_from_pem(&pem)
        .with_context(|| key.display().to_string())
        .usage()?;
    let currency = Currency::parse(currency.trim())
        .map_err(|e| Refusal::input(ErrorCode::BadAmount, e.to_string()))?;
    let amount = Money::parse_decimal(amount.trim(), currency)
        .map_err(|e| Refusal::input(ErrorCode::BadAmount, e.to_string()))?;
    let doc = std::fs::read(&document)
        .with_context(|| format!("reading {}", document.display()))
        .usage()?;
    let order = signed_order(&signing_key, &seller, amount, &doc);
    let text = serde_json::to_string_pretty(&order)
        .context("encoding the order")
        .refused()?;
    println!("{text}");
    Ok(())
}
