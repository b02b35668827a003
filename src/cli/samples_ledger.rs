//! The liability ledger's sample data for `notar up`: `samples/ledger.toml` (compiled in) says
//! who the sellers and buyers are, their keys, agreements, revocations and agreement changes, and
//! the parameters of a stream of guarantee requests. `plan` turns it into a fixed list of requests
//! with the outcome each must get (a pure function of the file); `load` plays it against a new
//! notary through its API, concurrently, in the order that makes every outcome certain.

use std::collections::BTreeMap;
use std::future::Future;
use std::path::Path;
use std::time::Instant;

use anyhow::{anyhow, bail, Context};
use ed25519_dalek::SigningKey;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::model::ledger::Refusal;
use crate::model::money::{Currency, Money};
use crate::model::registry::{AgreementStatus, Role};
use crate::notary::fixture::{request, signed_order};
use crate::notary::{
    Caller, Closing, GuaranteeAnswer, GuaranteeRequest, KeyInput, NewAgreement, Notary, NotaryError,
};

/// The data set, as shipped.
pub const LEDGER_TOML: &str = include_str!("../../samples/ledger.toml");
/// Name of the file (in the data dir) that receives the sample sellers' API tokens.
pub const TOKENS_FILE: &str = "samples-tokens.txt";
/// Requests in flight at once while loading: enough to fill the sequencer's batches.
const CHUNK: usize = 64;
/// Operator recorded for what the samples do as the notary's staff.
const OPERATOR: &str = "samples";

/// The reasons the generator can provoke; the others need requests no client would build.
const PLANNED_REASONS: [Refusal; 7] = [
    Refusal::AgreementInactive,
    Refusal::BadOrderSignature,
    Refusal::KeyRevoked,
    Refusal::CurrencyMismatch,
    Refusal::PerTransactionCapExceeded,
    Refusal::TotalCapExceeded,
    Refusal::DuplicateTransaction,
];

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

/// The caps and currency of a policy (its latest version), as the notary has it.
#[derive(Clone, Copy, Debug)]
pub struct PolicyCaps {
    /// Default total cap, minor units.
    pub total_cap_minor: i64,
    /// Default per-transaction cap, minor units.
    pub per_tx_cap_minor: i64,
    /// Currency of its agreements.
    pub currency: Currency,
}

/// The secret of a sample buyer's key `k` (1-based): SHA-256("notar-sample-buyer-" + name + k).
pub fn buyer_key(name: &str, k: usize) -> SigningKey {
    let secret: [u8; 32] = Sha256::digest(format!("notar-sample-buyer-{name}{k}")).into();
    SigningKey::from_bytes(&secret)
}

fn stranger_key(n: usize) -> SigningKey {
    let secret: [u8; 32] = Sha256::digest(format!("notar-sample-stranger-{n}")).into();
    SigningKey::from_bytes(&secret)
}

/// Who signs a planned order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signer {
    /// The buyer's key, 0-based.
    Key(usize),
    /// A key the notary does not know.
    Stranger(usize),
}

/// How a planned order was tampered with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Forgery {
    /// Not at all.
    None,
    /// The buyer signed it for another seller (index), this seller replays it.
    OtherSeller(usize),
    /// The seller raised the amount after the buyer signed this one (minor units).
    AlteredFrom(i64),
}

/// One planned guarantee request and the outcome it must get.
#[derive(Clone, Debug)]
pub struct Ask {
    /// Seller index.
    pub seller: usize,
    /// Buyer index (its agreement).
    pub buyer: usize,
    /// Request id.
    pub request_id: String,
    /// Amount asked (and in the order, unless altered).
    pub amount: Money,
    /// The order document; its SHA-256 is the order digest.
    pub document: String,
    /// Who signs the order.
    pub signer: Signer,
    /// Tampering.
    pub forgery: Forgery,
    /// `None`: granted.
    pub expect: Option<Refusal>,
}

/// A planned settlement or release of a granted guarantee.
#[derive(Clone, Debug)]
pub struct Close {
    /// Index of the granting request in `Plan::first`.
    pub ask: usize,
    /// Settle or release.
    pub how: Closing,
    /// Release reason.
    pub reason: Option<String>,
}

/// The requests, in three rounds: `first` (grants, and refusals that do not depend on the
/// ledger), then revocations and agreement changes, then `closings`, then `last` (refusals that
/// depend on what came before). Within a round the order does not change any outcome.
#[derive(Clone, Debug)]
pub struct Plan {
    /// First round.
    pub first: Vec<Ask>,
    /// Settlements and releases.
    pub closings: Vec<Close>,
    /// Last round.
    pub last: Vec<Ask>,
}

struct SellerP {
    lo: i64,
    hi: i64,
    weight: u32,
    policies: Vec<String>,
    code: String,
    name: String,
    orders: usize,
}

struct BuyerP {
    name: String,
    policy: String,
    currency: Currency,
    total: i64,
    per_tx: i64,
    keys: usize,
    revoked: Vec<usize>,
    inactive: bool,
    weight: u32,
    fill: bool,
}

impl BuyerP {
    fn good_key(&self) -> Option<usize> {
        (0..self.keys).find(|k| !self.revoked.contains(k))
    }
}

fn decimal(text: &str, what: &str) -> anyhow::Result<i64> {
    let eur = Currency::parse("EUR").map_err(|e| anyhow!("{e}"))?;
    Money::parse_decimal(text, eur)
        .map(|m| m.minor)
        .map_err(|e| anyhow!("{what}: {e}"))
}

/// A price between `lo` and `hi` (minor units) that looks like one: whole euros ending in
/// .00, .50, .90, .95 or .99 where that stays in range.
fn price(rng: &mut StdRng, lo: i64, hi: i64) -> i64 {
    let v = rng.gen_range(lo..=hi);
    let ending = [0, 50, 90, 95, 99][rng.gen_range(0..5)];
    let pretty = (v / 100) * 100 + ending;
    if (lo..=hi).contains(&pretty) {
        pretty
    } else {
        v
    }
}

fn pick_weighted(rng: &mut StdRng, items: &[(usize, u32)]) -> Option<usize> {
    let total: u32 = items.iter().map(|i| i.1).sum();
    if total == 0 {
        return None;
    }
    let mut x = rng.gen_range(0..total);
    for (i, w) in items {
        if x < *w {
            return Some(*i);
        }
        x -= w;
    }
    None
}

struct Gen {
    rng: StdRng,
    sellers: Vec<SellerP>,
    buyers: Vec<BuyerP>,
    exposure: Vec<i64>,
}

impl Gen {
    fn ask(&mut self, seller: usize, buyer: usize, minor: i64, currency: Currency) -> Ask {
        let s = &mut self.sellers[seller];
        s.orders += 1;
        let number = 10_000 + s.orders;
        let amount = Money { minor, currency };
        let b = &self.buyers[buyer];
        Ask {
            seller,
            buyer,
            request_id: format!("{}-{number}", s.code.to_ascii_lowercase()),
            amount,
            document: format!(
                "{}: order {}-{number}\nbuyer: {}\namount: {amount}\n",
                s.name, s.code, b.name
            ),
            signer: Signer::Key(0),
            forgery: Forgery::None,
            expect: None,
        }
    }

    fn serves(&self, seller: usize, buyer: usize) -> bool {
        self.sellers[seller]
            .policies
            .contains(&self.buyers[buyer].policy)
    }

    /// A grant for `buyer` by some seller that serves it, if its headroom allows one.
    fn grant(&mut self, buyer: usize) -> Option<Ask> {
        let b = &self.buyers[buyer];
        let room = b.per_tx.min(b.total - self.exposure[buyer]);
        let sellers: Vec<(usize, u32)> = (0..self.sellers.len())
            .filter(|&s| self.serves(s, buyer) && self.sellers[s].lo <= room)
            .map(|s| (s, self.sellers[s].weight))
            .collect();
        let s = pick_weighted(&mut self.rng, &sellers)?;
        let (lo, hi) = (self.sellers[s].lo, self.sellers[s].hi.min(room));
        let minor = price(&mut self.rng, lo, hi);
        let keys = self.buyers[buyer].keys;
        let key = self.rng.gen_range(0..keys);
        let currency = self.buyers[buyer].currency;
        let mut a = self.ask(s, buyer, minor, currency);
        a.signer = Signer::Key(key);
        self.exposure[buyer] += minor;
        Some(a)
    }

    fn buyers_where(&self, f: impl Fn(&BuyerP) -> bool) -> Vec<usize> {
        (0..self.buyers.len())
            .filter(|&i| f(&self.buyers[i]))
            .collect()
    }

    fn serving_sellers(&self, buyer: usize) -> Vec<usize> {
        (0..self.sellers.len())
            .filter(|&s| self.serves(s, buyer))
            .collect()
    }

    /// An order within the buyer's per-transaction cap from a seller that serves it.
    fn ordinary(&mut self, buyer: usize, signer: Signer) -> anyhow::Result<Ask> {
        let per_tx = self.buyers[buyer].per_tx;
        let sellers: Vec<usize> = self
            .serving_sellers(buyer)
            .into_iter()
            .filter(|&s| self.sellers[s].lo <= per_tx)
            .collect();
        let s = *sellers
            .choose(&mut self.rng)
            .ok_or_else(|| anyhow!("no seller serves {}", self.buyers[buyer].name))?;
        let minor = price(
            &mut self.rng,
            self.sellers[s].lo,
            self.sellers[s].hi.min(per_tx),
        );
        let currency = self.buyers[buyer].currency;
        let mut a = self.ask(s, buyer, minor, currency);
        a.signer = signer;
        Ok(a)
    }
}

fn want(spec: &Spec, r: Refusal) -> usize {
    spec.guarantees.refused.get(r.code()).copied().unwrap_or(0)
}

/// Turns the data set into requests with certain outcomes. Pure: the same spec and policy caps
/// give the same plan.
pub fn plan(spec: &Spec, policies: &BTreeMap<String, PolicyCaps>) -> anyhow::Result<Plan> {
    for code in spec.guarantees.refused.keys() {
        match Refusal::from_code(code) {
            Some(r) if PLANNED_REASONS.contains(&r) => {}
            _ => bail!("guarantees.refused: the samples cannot provoke {code:?}"),
        }
    }
    if spec.refused_total() > spec.guarantees.requests {
        bail!("guarantees: more refusals than requests");
    }
    let mut sellers = Vec::new();
    for s in &spec.sellers {
        let lo = decimal(&s.amounts[0], &s.name)?;
        let hi = decimal(&s.amounts[1], &s.name)?;
        if lo > hi || s.weight == 0 {
            bail!("seller {}: bad amounts or weight", s.name);
        }
        sellers.push(SellerP {
            lo,
            hi,
            weight: s.weight,
            policies: s.policies.clone(),
            code: s.code.clone(),
            name: s.name.clone(),
            orders: 0,
        });
    }
    let mut buyers = Vec::new();
    for b in &spec.buyers {
        let caps = policies
            .get(&b.policy)
            .ok_or_else(|| anyhow!("buyer {}: no policy {}", b.name, b.policy))?;
        let total = match &b.total_cap {
            Some(t) => decimal(t, &b.name)?,
            None => caps.total_cap_minor,
        };
        let per_tx = match &b.per_tx_cap {
            Some(t) => decimal(t, &b.name)?,
            None => caps.per_tx_cap_minor,
        };
        if !(1..=4).contains(&b.keys) || per_tx > total {
            bail!("buyer {}: 1 to 4 keys, per_tx_cap <= total_cap", b.name);
        }
        let mut revoked = Vec::new();
        for r in &b.revoke {
            if !(1..=b.keys).contains(&r.key) {
                bail!("buyer {}: no key {} to revoke", b.name, r.key);
            }
            revoked.push(r.key - 1);
        }
        if let Some(st) = &b.status {
            if !matches!(st.to.as_str(), "suspended" | "ended") {
                bail!("buyer {}: status must be suspended or ended", b.name);
            }
        }
        buyers.push(BuyerP {
            name: b.name.clone(),
            policy: b.policy.clone(),
            currency: caps.currency,
            total,
            per_tx,
            keys: b.keys,
            revoked,
            inactive: b.status.is_some(),
            weight: b.weight,
            fill: b.fill,
        });
    }
    let mut g = Gen {
        rng: StdRng::seed_from_u64(spec.seed),
        exposure: vec![0; buyers.len()],
        sellers,
        buyers,
    };
    let granted = spec.granted();
    let mut first = Vec::new();

    // Fill buyers take grants until less than one per-transaction cap is left.
    for b in g.buyers_where(|b| b.fill) {
        while g.buyers[b].total - g.exposure[b] >= g.buyers[b].per_tx {
            match g.grant(b) {
                Some(a) => first.push(a),
                None => break,
            }
        }
    }
    if first.len() > granted {
        bail!("the fill buyers alone take {} grants", first.len());
    }
    let weights: Vec<(usize, u32)> = (0..g.buyers.len())
        .map(|i| (i, g.buyers[i].weight))
        .collect();
    while first.len() < granted {
        let found = (0..1000).find_map(|_| {
            let b = pick_weighted(&mut g.rng, &weights)?;
            g.grant(b)
        });
        first.push(
            found.ok_or_else(|| anyhow!("the agreements' caps cannot hold {granted} grants"))?,
        );
    }

    // Refused whatever the ledger holds: over the per-transaction cap, a foreign currency, a bad
    // signature.
    let pairs: Vec<(usize, usize)> = (0..g.buyers.len())
        .flat_map(|b| g.serving_sellers(b).into_iter().map(move |s| (s, b)))
        .filter(|&(s, b)| g.sellers[s].hi > g.buyers[b].per_tx)
        .collect();
    for _ in 0..want(spec, Refusal::PerTransactionCapExceeded) {
        let &(s, b) = pairs
            .choose(&mut g.rng)
            .ok_or_else(|| anyhow!("no seller sells above a per-transaction cap"))?;
        let per_tx = g.buyers[b].per_tx;
        let minor = price(&mut g.rng, per_tx + 1, g.sellers[s].hi.min(2 * per_tx));
        let keys = g.buyers[b].keys;
        let currency = g.buyers[b].currency;
        let mut a = g.ask(s, b, minor, currency);
        a.signer = Signer::Key(g.rng.gen_range(0..keys));
        a.expect = Some(Refusal::PerTransactionCapExceeded);
        first.push(a);
    }
    let all: Vec<usize> = (0..g.buyers.len()).collect();
    for _ in 0..want(spec, Refusal::CurrencyMismatch) {
        let b = *all.choose(&mut g.rng).ok_or_else(|| anyhow!("no buyers"))?;
        let mut a = g.ordinary(b, Signer::Key(0))?;
        let foreign: Vec<Currency> = spec
            .guarantees
            .foreign_currencies
            .iter()
            .filter_map(|c| Currency::parse(c).ok())
            .filter(|c| *c != g.buyers[b].currency)
            .collect();
        let c = *foreign
            .choose(&mut g.rng)
            .ok_or_else(|| anyhow!("guarantees.foreign_currencies: none usable"))?;
        a.amount.currency = c;
        a.document = a
            .document
            .replace(g.buyers[b].currency.as_str(), c.as_str());
        a.expect = Some(Refusal::CurrencyMismatch);
        first.push(a);
    }
    for i in 0..want(spec, Refusal::BadOrderSignature) {
        let b = *all.choose(&mut g.rng).ok_or_else(|| anyhow!("no buyers"))?;
        let mut a = g.ordinary(b, Signer::Key(0))?;
        match i % 3 {
            0 => a.signer = Signer::Stranger(i),
            1 => {
                let other = (a.seller + 1) % g.sellers.len();
                a.forgery = Forgery::OtherSeller(other);
            }
            _ => {
                // The buyer signed for less; the seller asks for more.
                let signed = a.amount.minor;
                a.amount.minor = signed + signed / 10 + 1;
                a.forgery = Forgery::AlteredFrom(signed);
            }
        }
        a.expect = Some(Refusal::BadOrderSignature);
        first.push(a);
    }
    first.shuffle(&mut g.rng);

    // Sellers settle or release part of the grants; fill buyers keep theirs.
    let mut open: Vec<usize> = (0..first.len())
        .filter(|&i| first[i].expect.is_none() && !g.buyers[first[i].buyer].fill)
        .collect();
    open.shuffle(&mut g.rng);
    let (n_settle, n_release) = (spec.settled(), spec.released());
    if n_settle + n_release > open.len() {
        bail!("not enough grants to settle {n_settle} and release {n_release}");
    }
    let mut closings = Vec::new();
    for (n, &i) in open.iter().take(n_settle + n_release).enumerate() {
        let (how, reason) = if n < n_settle {
            (Closing::Settle, None)
        } else {
            let reasons = &spec.guarantees.release_reasons;
            let r = reasons
                .choose(&mut g.rng)
                .cloned()
                .unwrap_or_else(|| "cancelled".into());
            (Closing::Release, Some(r))
        };
        g.exposure[first[i].buyer] -= first[i].amount.minor;
        closings.push(Close {
            ask: i,
            how,
            reason,
        });
    }
    closings.sort_by_key(|c| c.ask);

    // Refused because of what came before.
    let mut last = Vec::new();
    let inactive = g.buyers_where(|b| b.inactive);
    for i in 0..want(spec, Refusal::AgreementInactive) {
        let b = *inactive
            .get(i % inactive.len().max(1))
            .ok_or_else(|| anyhow!("agreement_inactive wanted, but no agreement changes"))?;
        let key = g.buyers[b].good_key().unwrap_or(0);
        let mut a = g.ordinary(b, Signer::Key(key))?;
        a.expect = Some(Refusal::AgreementInactive);
        last.push(a);
    }
    let revoked = g.buyers_where(|b| !b.inactive && !b.revoked.is_empty());
    for i in 0..want(spec, Refusal::KeyRevoked) {
        let b = *revoked
            .get(i % revoked.len().max(1))
            .ok_or_else(|| anyhow!("key_revoked wanted, but no revocations"))?;
        let key = g.buyers[b].revoked[0];
        let mut a = g.ordinary(b, Signer::Key(key))?;
        a.expect = Some(Refusal::KeyRevoked);
        last.push(a);
    }
    // Over the cap: an agreement with less headroom than its per-transaction cap, and a seller
    // whose orders go above the headroom.
    let full: Vec<(usize, usize)> = (0..g.buyers.len())
        .filter(|&b| !g.buyers[b].inactive && g.buyers[b].good_key().is_some())
        .flat_map(|b| g.serving_sellers(b).into_iter().map(move |s| (s, b)))
        .filter(|&(s, b)| {
            let room = g.buyers[b].total - g.exposure[b];
            let top = g.sellers[s].hi.min(g.buyers[b].per_tx);
            room.max(g.sellers[s].lo - 1) < top
        })
        .collect();
    for _ in 0..want(spec, Refusal::TotalCapExceeded) {
        let &(s, b) = full.choose(&mut g.rng).ok_or_else(|| {
            anyhow!("total_cap_exceeded wanted, but no agreement is near its cap")
        })?;
        let room = g.buyers[b].total - g.exposure[b];
        let lo = (room + 1).max(g.sellers[s].lo);
        let hi = g.sellers[s].hi.min(g.buyers[b].per_tx);
        let minor = price(&mut g.rng, lo, hi);
        let currency = g.buyers[b].currency;
        let key = g.buyers[b].good_key().unwrap_or(0);
        let mut a = g.ask(s, b, minor, currency);
        a.signer = Signer::Key(key);
        a.expect = Some(Refusal::TotalCapExceeded);
        last.push(a);
    }
    // A seller retrying a granted order under a new request id.
    let mut again: Vec<usize> = (0..first.len())
        .filter(|&i| {
            let a = &first[i];
            let b = &g.buyers[a.buyer];
            a.expect.is_none()
                && !b.inactive
                && matches!(a.signer, Signer::Key(k) if !b.revoked.contains(&k))
                && b.total - g.exposure[a.buyer] >= a.amount.minor
        })
        .collect();
    again.shuffle(&mut g.rng);
    let n_dup = want(spec, Refusal::DuplicateTransaction);
    if again.len() < n_dup {
        bail!(
            "duplicate_transaction: only {} grants can be retried",
            again.len()
        );
    }
    for &i in again.iter().take(n_dup) {
        let mut a = first[i].clone();
        a.request_id = format!("{}-retry", a.request_id);
        a.expect = Some(Refusal::DuplicateTransaction);
        last.push(a);
    }
    last.shuffle(&mut g.rng);
    Ok(Plan {
        first,
        closings,
        last,
    })
}

/// A sample seller, with its API token.
#[derive(Clone, Debug)]
pub struct SellerToken {
    /// Display name.
    pub name: String,
    /// Party id.
    pub id: String,
    /// API token.
    pub token: String,
}

/// What `load` did.
#[derive(Clone, Debug, Default)]
pub struct Loaded {
    /// Sellers and their tokens.
    pub sellers: Vec<SellerToken>,
    /// Buyers registered.
    pub buyers: usize,
    /// Guarantees granted.
    pub granted: usize,
    /// Refusals by reason code.
    pub refused: BTreeMap<String, usize>,
    /// Guarantees settled.
    pub settled: usize,
    /// Guarantees released.
    pub released: usize,
    /// Keys revoked.
    pub revoked_keys: usize,
    /// Outcomes that differ from the plan (empty when all went as planned).
    pub unexpected: Vec<String>,
}

/// Runs `f` over `items` as tokio tasks, `CHUNK` at a time; results in order.
async fn chunked<T, R, F, Fut>(items: Vec<T>, f: F) -> anyhow::Result<Vec<R>>
where
    T: Send + 'static,
    R: Send + 'static,
    F: Fn(T) -> Fut,
    Fut: Future<Output = R> + Send + 'static,
{
    let mut out = Vec::with_capacity(items.len());
    let mut it = items.into_iter().peekable();
    while it.peek().is_some() {
        let tasks: Vec<_> = it
            .by_ref()
            .take(CHUNK)
            .map(|t| tokio::spawn(f(t)))
            .collect();
        for t in tasks {
            out.push(t.await.context("sample loader task")?);
        }
    }
    Ok(out)
}

struct Registered {
    sellers: Vec<SellerToken>,
    /// Per buyer: agreement id, key ids, signing keys.
    buyers: Vec<(String, Vec<String>, Vec<SigningKey>)>,
}

fn build_request(ask: &Ask, reg: &Registered) -> GuaranteeRequest {
    let seller_id = &reg.sellers[ask.seller].id;
    let (agreement_id, _, keys) = &reg.buyers[ask.buyer];
    let key = match ask.signer {
        Signer::Key(k) => keys[k.min(keys.len() - 1)].clone(),
        Signer::Stranger(n) => stranger_key(n),
    };
    let doc = ask.document.as_bytes();
    let mut req = request(
        &ask.request_id,
        agreement_id,
        seller_id,
        &key,
        ask.amount,
        doc,
    );
    match ask.forgery {
        Forgery::None => {}
        Forgery::OtherSeller(s) => {
            req.order = signed_order(&key, &reg.sellers[s].id, ask.amount, doc);
        }
        Forgery::AlteredFrom(signed) => {
            let signed = Money {
                minor: signed,
                ..ask.amount
            };
            let mut order = signed_order(&key, seller_id, signed, doc);
            if let Some(p) = order.payload.as_object_mut() {
                p.insert("amount".into(), serde_json::json!(ask.amount));
            }
            req.order = order;
        }
    }
    req
}

/// Sends the asks concurrently; checks each outcome against the plan. Returns the guarantee id
/// of each granted ask.
async fn send(
    notary: &Notary,
    reg: &Registered,
    asks: &[Ask],
    out: &mut Loaded,
) -> anyhow::Result<Vec<Option<String>>> {
    let items: Vec<(GuaranteeRequest, String)> = asks
        .iter()
        .map(|a| (build_request(a, reg), reg.sellers[a.seller].id.clone()))
        .collect();
    let n = notary.clone();
    let answers = chunked(items, move |(req, seller)| {
        let n = n.clone();
        async move { n.request_guarantee(req, &seller).await }
    })
    .await?;
    let mut ids = Vec::with_capacity(asks.len());
    for (ask, answer) in asks.iter().zip(answers) {
        let answer: GuaranteeAnswer =
            answer.with_context(|| format!("sample request {}", ask.request_id))?;
        let got = answer.reason();
        match &got {
            None => out.granted += 1,
            Some(r) => *out.refused.entry(r.clone()).or_default() += 1,
        }
        let expected = ask.expect.map(|r| r.code().to_string());
        if got != expected {
            out.unexpected.push(format!(
                "{}: expected {}, got {}",
                ask.request_id,
                expected.as_deref().unwrap_or("granted"),
                got.as_deref().unwrap_or("granted")
            ));
        }
        let gid = answer
            .envelope()
            .filter(|_| answer.granted())
            .and_then(|e| e.payload.get("guarantee_id")?.as_str().map(str::to_string));
        ids.push(gid);
    }
    Ok(ids)
}

async fn register(notary: &Notary, spec: &Spec) -> anyhow::Result<Registered> {
    let op = || Some(OPERATOR.to_string());
    let mut sellers = Vec::new();
    for s in &spec.sellers {
        let r = notary
            .register_party(&s.name, Role::Seller, op())
            .await
            .with_context(|| format!("seller {}", s.name))?;
        sellers.push(SellerToken {
            name: s.name.clone(),
            id: r.party.id,
            token: r.api_token.unwrap_or_default(),
        });
    }
    let eur = Currency::parse("EUR").map_err(|e| anyhow!("{e}"))?;
    let n = notary.clone();
    let buyers = chunked(spec.buyers.clone(), move |b| {
        let n = n.clone();
        async move {
            let cap = |t: &Option<String>| {
                t.as_deref()
                    .map(|t| Money::parse_decimal(t, eur).map(|m| m.minor))
                    .transpose()
            };
            let total = cap(&b.total_cap).map_err(|e| anyhow!("{}: {e}", b.name))?;
            let per_tx = cap(&b.per_tx_cap).map_err(|e| anyhow!("{}: {e}", b.name))?;
            let party = n
                .register_party(&b.name, Role::Buyer, op())
                .await
                .with_context(|| format!("buyer {}", b.name))?
                .party;
            let mut keys = Vec::new();
            let mut ids = Vec::new();
            for k in 1..=b.keys {
                let key = buyer_key(&b.name, k);
                let rec = n
                    .add_key(
                        &party.id,
                        KeyInput::Raw(key.verifying_key().to_bytes()),
                        op(),
                    )
                    .await
                    .with_context(|| format!("key {k} of {}", b.name))?;
                ids.push(rec.key_id);
                keys.push(key);
            }
            let ag = n
                .create_agreement(
                    NewAgreement {
                        buyer_id: party.id,
                        policy_id: b.policy.clone(),
                        total_cap_minor: total,
                        per_tx_cap_minor: per_tx,
                        valid_until: None,
                        keys: Some(ids.clone()),
                    },
                    op(),
                )
                .await
                .with_context(|| format!("agreement of {}", b.name))?;
            Ok::<_, anyhow::Error>((ag.id, ids, keys))
        }
    })
    .await?
    .into_iter()
    .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(Registered { sellers, buyers })
}

fn policy_caps(notary: &Notary) -> BTreeMap<String, PolicyCaps> {
    let mut caps: BTreeMap<String, (u32, PolicyCaps)> = BTreeMap::new();
    for p in notary.policies() {
        let Ok(currency) = Currency::parse(&p.currency) else {
            continue;
        };
        let newer = caps.get(&p.id).is_none_or(|(v, _)| p.version > *v);
        if newer {
            let c = PolicyCaps {
                total_cap_minor: p.total_cap_minor,
                per_tx_cap_minor: p.per_tx_cap_minor,
                currency,
            };
            caps.insert(p.id.clone(), (p.version, c));
        }
    }
    caps.into_iter().map(|(id, (_, c))| (id, c)).collect()
}

/// Loads the shipped ledger data set into a new notary and writes the sellers' API tokens to
/// `DATA/samples-tokens.txt` (mode 0600). Progress goes to the log.
pub async fn load(notary: &Notary, data: &Path) -> anyhow::Result<Loaded> {
    let started = Instant::now();
    let spec = Spec::builtin()?;
    let plan = plan(&spec, &policy_caps(notary))?;
    let reg = register(notary, &spec).await?;
    let mut out = Loaded {
        buyers: reg.buyers.len(),
        sellers: reg.sellers.clone(),
        ..Default::default()
    };
    tracing::info!(
        sellers = out.sellers.len(),
        buyers = out.buyers,
        "samples: parties, keys and agreements registered"
    );

    let ids = send(notary, &reg, &plan.first, &mut out).await?;
    tracing::info!(
        requests = plan.first.len(),
        granted = out.granted,
        "samples: first round of guarantee requests done"
    );

    let op = || Some(OPERATOR.to_string());
    for (i, b) in spec.buyers.iter().enumerate() {
        let (agreement_id, key_ids, _) = &reg.buyers[i];
        for r in &b.revoke {
            notary
                .revoke_key(&key_ids[r.key - 1], &r.reason, op())
                .await
                .with_context(|| format!("revoking key {} of {}", r.key, b.name))?;
            out.revoked_keys += 1;
        }
        if let Some(st) = &b.status {
            let to = AgreementStatus::parse(&st.to)
                .ok_or_else(|| anyhow!("buyer {}: status {}", b.name, st.to))?;
            notary
                .set_agreement_status(agreement_id, to, &st.reason, op())
                .await
                .with_context(|| format!("agreement of {}", b.name))?;
        }
    }

    let closings: Vec<(String, String, Closing, Option<String>)> = plan
        .closings
        .iter()
        .filter_map(|c| {
            let gid = ids.get(c.ask)?.clone()?;
            let seller = reg.sellers[plan.first[c.ask].seller].id.clone();
            Some((gid, seller, c.how, c.reason.clone()))
        })
        .collect();
    if closings.len() != plan.closings.len() {
        out.unexpected.push(format!(
            "{} of {} planned closings have no guarantee",
            plan.closings.len() - closings.len(),
            plan.closings.len()
        ));
    }
    let n = notary.clone();
    let closed = chunked(closings, move |(gid, seller, how, reason)| {
        let n = n.clone();
        async move {
            n.close_guarantee(&gid, Caller::Seller(seller), how, reason, None)
                .await
                .map(|_| how)
        }
    })
    .await?;
    for c in closed {
        match c.map_err(|e: NotaryError| anyhow!("closing a sample guarantee: {e}"))? {
            Closing::Settle => out.settled += 1,
            Closing::Release => out.released += 1,
        }
    }
    tracing::info!(
        settled = out.settled,
        released = out.released,
        "samples: guarantees settled and released"
    );

    send(notary, &reg, &plan.last, &mut out).await?;
    write_tokens(data, &out, &reg, &plan, &ids)?;
    for u in &out.unexpected {
        tracing::warn!("samples: {u}");
    }
    tracing::info!(
        granted = out.granted,
        refused = out.refused.values().sum::<usize>(),
        revoked_keys = out.revoked_keys,
        log_size = notary.log_size(),
        ms = started.elapsed().as_millis() as u64,
        "samples: ledger loaded; seller API tokens in {TOKENS_FILE}"
    );
    Ok(out)
}

/// Writes the sellers' tokens, with an example guarantee and agreement for the first seller.
fn write_tokens(
    data: &Path,
    out: &Loaded,
    reg: &Registered,
    plan: &Plan,
    ids: &[Option<String>],
) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};

    let mut text = String::from(
        "# API tokens of the sample sellers that `notar up` loaded. Secret: keep this file 0600.\n\
         # name\tseller_id\ttoken\n",
    );
    for s in &out.sellers {
        text.push_str(&format!("{}\t{}\t{}\n", s.name, s.id, s.token));
    }
    let closed: Vec<usize> = plan.closings.iter().map(|c| c.ask).collect();
    let example = (0..plan.first.len()).find(|&i| {
        plan.first[i].seller == 0 && ids.get(i).is_some_and(Option::is_some) && !closed.contains(&i)
    });
    if let (Some(i), Some(seller)) = (example, out.sellers.first()) {
        let gid = ids[i].as_deref().unwrap_or_default();
        let agreement = &reg.buyers[plan.first[i].buyer].0;
        let t = &seller.token;
        text.push_str(&format!(
            "#\n# Try it (the notary at its default address; use the one `notar up` printed):\n\
             #   curl -s -H 'Authorization: Bearer {t}' http://127.0.0.1:8080/v1/guarantees/{gid}\n\
             #   curl -s -H 'Authorization: Bearer {t}' \\\n\
             #     'http://127.0.0.1:8080/v1/agreements/{agreement}/check?amount=25.00'\n\
             #   curl -s -X POST -H 'Authorization: Bearer {t}' \\\n\
             #     http://127.0.0.1:8080/v1/guarantees/{gid}/settle\n"
        ));
    }
    let path = data.join(TOKENS_FILE);
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&path)
        .with_context(|| format!("writing {}", path.display()))?;
    f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    f.write_all(text.as_bytes())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caps() -> BTreeMap<String, PolicyCaps> {
        let eur = Currency::parse("EUR").expect("EUR");
        let mut m = BTreeMap::new();
        m.insert(
            "semper-consumer".into(),
            PolicyCaps {
                total_cap_minor: 100_000,
                per_tx_cap_minor: 50_000,
                currency: eur,
            },
        );
        m.insert(
            "semper-business".into(),
            PolicyCaps {
                total_cap_minor: 5_000_000,
                per_tx_cap_minor: 1_000_000,
                currency: eur,
            },
        );
        m
    }

    #[test]
    fn the_plan_is_what_the_file_says_and_the_same_every_time() {
        let spec = Spec::builtin().expect("spec");
        let p = plan(&spec, &caps()).expect("plan");
        let q = plan(&spec, &caps()).expect("plan");
        let ids = |p: &Plan| -> Vec<(String, i64)> {
            p.first
                .iter()
                .chain(&p.last)
                .map(|a| (a.request_id.clone(), a.amount.minor))
                .collect()
        };
        assert_eq!(ids(&p), ids(&q));
        assert_eq!(p.first.len() + p.last.len(), spec.guarantees.requests);
        let granted = p.first.iter().filter(|a| a.expect.is_none()).count();
        assert_eq!(granted, spec.granted());
        for r in PLANNED_REASONS {
            let n = p
                .first
                .iter()
                .chain(&p.last)
                .filter(|a| a.expect == Some(r))
                .count();
            assert_eq!(n, want(&spec, r), "{}", r.code());
        }
        assert_eq!(p.closings.len(), spec.settled() + spec.released());
    }

    #[test]
    fn buyer_keys_are_derived_from_the_name() {
        let k = buyer_key("Bob Meier", 1);
        let expected: [u8; 32] = Sha256::digest(b"notar-sample-buyer-Bob Meier1").into();
        assert_eq!(k.to_bytes(), expected);
        assert_ne!(buyer_key("Bob Meier", 2).to_bytes(), expected);
    }
}
