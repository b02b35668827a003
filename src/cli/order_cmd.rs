//! `notar order sign`: the buyer's side of a guarantee request, offline. Prints a buyer-signed
//! `order` envelope a seller puts into `POST /v1/guarantees` (so a buyer, or a curl demo, can
//! make orders without other tools). `notar order receipt`: the buyer's signed receipt of the
//! goods of an order (`goods_receipt`), evidence of delivery in a dispute.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};

use super::admin_client::Refusal;
use super::{Classify, Failure};
use crate::api::admin::proto::ErrorCode;
use crate::crypto::envelope::Envelope;
use crate::crypto::keys::ed25519_from_pem;
use crate::model::money::{Currency, Money};
use crate::notary::fixture::{goods_receipt, signed_order_with, OrderExtras};
use crate::replay::envelope_id;

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
        /// The seller's party id (a UUID, as `notar party add` printed it).
        #[arg(long, value_name = "SELLER_ID", value_parser = party_id_arg)]
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
        /// A notary nonce (`notar nonce --out FILE`) to embed as `fresh` (its item id): proves
        /// the order was signed after the nonce's `issued_at`.
        #[arg(long, value_name = "FILE")]
        fresh: Option<PathBuf>,
    },
    /// Sign the buyer's receipt of the goods of an order (envelope kind `goods_receipt`); prints
    /// it (JSON) on stdout. It names the order by its `order_digest`, as the notary's guarantee
    /// or refusal does, and embeds the buyer's own time of receipt, which proves nothing.
    Receipt {
        /// The buyer's Ed25519 private key (PKCS#8 PEM), one registered to the buyer.
        #[arg(long, value_name = "FILE")]
        key: PathBuf,
        /// The buyer's party id.
        #[arg(long, value_name = "BUYER_ID")]
        buyer: String,
        /// The order envelope (JSON, as `notar order sign` prints it).
        #[arg(long, value_name = "FILE")]
        order: PathBuf,
        /// When the goods arrived, RFC 3339 (default: now). The buyer's own claim: a dispute
        /// gives it no weight.
        #[arg(long, value_name = "TIME")]
        received_at: Option<String>,
    },
}

/// Runs `notar order ...`.
pub fn run(args: OrderArgs) -> Result<(), Failure> {
    match args.command {
        OrderCommand::Sign {
            key,
            seller,
            amount,
            currency,
            document,
            fresh,
        } => {
            let extras = OrderExtras {
                tid: None,
                fresh: fresh.as_deref().map(nonce_id).transpose()?,
            };
            sign(&key, &seller, (&amount, &currency), &document, &extras)
        }
        OrderCommand::Receipt {
            key,
            buyer,
            order,
            received_at,
        } => receipt(&key, &buyer, &order, received_at.as_deref()),
    }
}

/// The private key in a PEM file.
fn signing_key(key: &std::path::Path) -> Result<ed25519_dalek::SigningKey, Failure> {
    let pem = std::fs::read_to_string(key)
        .with_context(|| format!("reading {}", key.display()))
        .usage()?;
    ed25519_from_pem(&pem)
        .with_context(|| key.display().to_string())
        .usage()
}

fn print(env: &Envelope) -> Result<(), Failure> {
    let text = serde_json::to_string_pretty(env)
        .context("encoding the envelope")
        .refused()?;
    super::out::print_json_text(&text);
    Ok(())
}

/// The item id of the notary `nonce` envelope in `path`.
fn nonce_id(path: &std::path::Path) -> Result<String, Failure> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading {}", path.display()))
        .usage()?;
    let env: Envelope = serde_json::from_str(&text)
        .with_context(|| format!("{} is not an envelope", path.display()))
        .usage()?;
    if env.kind != "nonce" {
        return Err(Failure::Usage(anyhow::anyhow!(
            "{} is a {:?}, not a notary nonce (`notar nonce`)",
            path.display(),
            env.kind
        )));
    }
    envelope_id(&env)
        .with_context(|| format!("{}: the item id", path.display()))
        .usage()
}

fn sign(
    key: &std::path::Path,
    seller: &str,
    (amount, currency): (&str, &str),
    document: &std::path::Path,
    extras: &OrderExtras,
) -> Result<(), Failure> {
    let signing_key = signing_key(key)?;
    let currency = Currency::parse(currency.trim())
        .map_err(|e| Refusal::input(ErrorCode::BadAmount, e.to_string()))?;
    let amount = Money::parse_decimal(amount.trim(), currency)
        .map_err(|e| Refusal::input(ErrorCode::BadAmount, e.to_string()))?;
    let doc = std::fs::read(document)
        .with_context(|| format!("reading {}", document.display()))
        .usage()?;
    print(&signed_order_with(
        &signing_key,
        seller,
        amount,
        &doc,
        extras,
    ))
}

fn receipt(
    key: &std::path::Path,
    buyer: &str,
    order: &std::path::Path,
    received_at: Option<&str>,
) -> Result<(), Failure> {
    let signing_key = signing_key(key)?;
    let text = std::fs::read_to_string(order)
        .with_context(|| format!("reading {}", order.display()))
        .usage()?;
    let order_env: Envelope = serde_json::from_str(&text)
        .with_context(|| format!("{} is not an envelope", order.display()))
        .usage()?;
    let at = match received_at {
        Some(t) => chrono::DateTime::parse_from_rfc3339(t.trim())
            .with_context(|| format!("--received-at {t:?} is not an RFC 3339 time"))
            .usage()?
            .with_timezone(&chrono::Utc),
        None => chrono::Utc::now(),
    };
    let receipt = goods_receipt(&signing_key, buyer, &order_env, at)
        .ok_or_else(|| {
            anyhow::anyhow!(
                "{} is not an order naming seller_id and order_digest",
                order.display()
            )
        })
        .usage()?;
    print(&receipt)
}

/// A `--seller` value: a party id is a UUID; a typo would be signed into the order and show only
/// when the guarantee is refused (usage error, exit 2).
fn party_id_arg(s: &str) -> Result<String, String> {
    uuid::Uuid::parse_str(s)
        .map(|_| s.to_string())
        .map_err(|e| format!("{e} (a party id is a UUID, as `notar party add` printed it)"))
}
