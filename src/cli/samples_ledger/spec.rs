//! `samples/ledger.toml` as typed values: the sellers, the buyers with their agreements, and the
//! parameters of the request stream, with the totals the file implies.

use std::collections::BTreeMap;

use anyhow::{anyhow, Context};
use serde::Deserialize;

use super::LEDGER_TOML;
use crate::model::money::{Currency, Money};

/// `samples/ledger.toml`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    /// Seed of the request generator.
    pub seed: u64,
    /// Sellers.
    #[serde(rename = "seller")]
    pub sellers: Vec<SellerSpec>,
    /// Buyers, each with one agreement.
    #[serde(rename = "buyer")]
    pub buyers: Vec<BuyerSpec>,
    /// The request stream.
    pub guarantees: GuaranteeSpec,
}

/// A seller.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SellerSpec {
    /// Display name.
    pub name: String,
    /// Prefix of request ids and order numbers.
    pub code: String,
    /// Range of one order, decimal.
    pub amounts: [String; 2],
    /// Relative frequency.
    pub weight: u32,
    /// Policies of the agreements it trades under.
    pub policies: Vec<String>,
}

/// A buyer and its agreement.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BuyerSpec {
    /// Display name; also the seed of its keys.
    pub name: String,
    /// Policy of its agreement.
    pub policy: String,
    /// Number of raw keys.
    pub keys: usize,
    /// Relative frequency.
    #[serde(default = "one")]
    pub weight: u32,
    /// Custom total cap, decimal.
    #[serde(default)]
    pub total_cap: Option<String>,
    /// Custom per-transaction cap, decimal.
    #[serde(default)]
    pub per_tx_cap: Option<String>,
    /// Buys up to near its cap before anything else.
    #[serde(default)]
    pub fill: bool,
    /// Keys revoked by hand.
    #[serde(default)]
    pub revoke: Vec<RevokeSpec>,
    /// Agreement change.
    #[serde(default)]
    pub status: Option<StatusSpec>,
}

fn one() -> u32 {
    1
}

/// A key revoked by hand.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RevokeSpec {
    /// Which key, 1-based.
    pub key: usize,
    /// Why.
    pub reason: String,
}

/// An agreement suspended or ended.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusSpec {
    /// `suspended` or `ended`.
    pub to: String,
    /// Why.
    pub reason: String,
}

/// The request stream's parameters.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GuaranteeSpec {
    /// Every request, refusals included.
    pub requests: usize,
    /// Share of granted guarantees settled, percent (rounded down).
    pub settle_percent: usize,
    /// Share of granted guarantees released, percent (rounded down).
    pub release_percent: usize,
    /// Reasons given when releasing.
    pub release_reasons: Vec<String>,
    /// Currencies of the orders refused with `currency_mismatch`.
    pub foreign_currencies: Vec<String>,
    /// Refusals wanted, by reason code.
    pub refused: BTreeMap<String, usize>,
}

impl Spec {
    /// The shipped data set.
    pub fn builtin() -> anyhow::Result<Spec> {
        Spec::parse(LEDGER_TOML)
    }

    /// Parses a data set.
    pub fn parse(text: &str) -> anyhow::Result<Spec> {
        toml::from_str(text).context("samples/ledger.toml")
    }

    /// Requests refused, all reasons.
    pub fn refused_total(&self) -> usize {
        self.guarantees.refused.values().sum()
    }

    /// Guarantees granted.
    pub fn granted(&self) -> usize {
        self.guarantees
            .requests
            .saturating_sub(self.refused_total())
    }

    /// Granted guarantees the sellers settle.
    pub fn settled(&self) -> usize {
        self.granted() * self.guarantees.settle_percent / 100
    }

    /// Granted guarantees the sellers release.
    pub fn released(&self) -> usize {
        self.granted() * self.guarantees.release_percent / 100
    }

    /// Keys revoked by hand.
    pub fn revoked_keys(&self) -> usize {
        self.buyers.iter().map(|b| b.revoke.len()).sum()
    }
}

impl BuyerSpec {
    /// The custom total cap, minor units (`None`: the policy's).
    pub(super) fn total_cap_minor(&self) -> anyhow::Result<Option<i64>> {
        self.total_cap
            .as_deref()
            .map(|t| decimal(t, &self.name))
            .transpose()
    }

    /// The custom per-transaction cap, minor units (`None`: the policy's).
    pub(super) fn per_tx_cap_minor(&self) -> anyhow::Result<Option<i64>> {
        self.per_tx_cap
            .as_deref()
            .map(|t| decimal(t, &self.name))
            .transpose()
    }
}

/// A decimal amount of the file (the samples trade in euros), in minor units; `what` names the
/// entry in the error.
pub(super) fn decimal(text: &str, what: &str) -> anyhow::Result<i64> {
    let eur = Currency::parse("EUR").map_err(|e| anyhow!("{e}"))?;
    Money::parse_decimal(text, eur)
        .map(|m| m.minor)
        .map_err(|e| anyhow!("{what}: {e}"))
}
