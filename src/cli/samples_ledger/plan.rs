//! The planner: turns the data set into a fixed list of guarantee requests, each with the outcome
//! it must get, in rounds ordered so that every outcome is certain whatever the concurrency
//! within a round. Pure: the same file and policy caps give the same plan.

use std::collections::BTreeMap;

use anyhow::{anyhow, bail};
use rand::seq::SliceRandom;
use rand::Rng;

use super::generator::{price, Buyer, Gen, Seller};
use super::spec::Spec;
use crate::model::ledger::Refusal;
use crate::model::money::{Currency, Money};
use crate::notary::Closing;

/// The reasons the generator can provoke; the others need requests no client would build.
pub(super) const PLANNED_REASONS: [Refusal; 7] = [
    Refusal::AgreementInactive,
    Refusal::BadOrderSignature,
    Refusal::KeyRevoked,
    Refusal::CurrencyMismatch,
    Refusal::PerTransactionCapExceeded,
    Refusal::TotalCapExceeded,
    Refusal::DuplicateTransaction,
];

/// Grant attempts (each for a buyer picked by weight) before the planner gives up on fitting one
/// more grant under the agreements' caps.
const GRANT_TRIES: usize = 1000;

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

/// Refusals of reason `r` the file asks for.
pub(super) fn want(spec: &Spec, r: Refusal) -> usize {
    spec.guarantees.refused.get(r.code()).copied().unwrap_or(0)
}

/// Turns the data set into requests with certain outcomes. Pure: the same spec and policy caps
/// give the same plan.
pub fn plan(spec: &Spec, policies: &BTreeMap<String, PolicyCaps>) -> anyhow::Result<Plan> {
    check_refusals(spec)?;
    let sellers = spec
        .sellers
        .iter()
        .map(Seller::from_spec)
        .collect::<anyhow::Result<Vec<_>>>()?;
    let buyers = spec
        .buyers
        .iter()
        .map(|b| Buyer::from_spec(b, policies))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let mut g = Gen::new(spec.seed, sellers, buyers);

    // The calls below draw from one random source: their order is part of the data set.
    let mut first = grants(&mut g, spec.granted())?;
    first.extend(over_per_tx_cap(
        &mut g,
        want(spec, Refusal::PerTransactionCapExceeded),
    )?);
    first.extend(foreign_currency(&mut g, spec)?);
    first.extend(bad_signatures(
        &mut g,
        want(spec, Refusal::BadOrderSignature),
    )?);
    first.shuffle(&mut g.rng);

    let closings = closings(&mut g, spec, &first)?;

    let mut last = inactive_agreements(&mut g, want(spec, Refusal::AgreementInactive))?;
    last.extend(revoked_keys(&mut g, want(spec, Refusal::KeyRevoked))?);
    last.extend(over_total_cap(
        &mut g,
        want(spec, Refusal::TotalCapExceeded),
    )?);
    last.extend(retries(
        &mut g,
        &first,
        want(spec, Refusal::DuplicateTransaction),
    )?);
    last.shuffle(&mut g.rng);
    Ok(Plan {
        first,
        closings,
        last,
    })
}

/// The file asks only for refusals the generator can provoke, and no more than its requests.
fn check_refusals(spec: &Spec) -> anyhow::Result<()> {
    for code in spec.guarantees.refused.keys() {
        match Refusal::from_code(code) {
            Some(r) if PLANNED_REASONS.contains(&r) => {}
            _ => bail!("guarantees.refused: the samples cannot provoke {code:?}"),
        }
    }
    if spec.refused_total() > spec.guarantees.requests {
        bail!("guarantees: more refusals than requests");
    }
    Ok(())
}

/// The `granted` grants: first the fill buyers take grants until less than one per-transaction
/// cap is left, then buyers picked by weight take the rest.
fn grants(g: &mut Gen, granted: usize) -> anyhow::Result<Vec<Ask>> {
    let mut asks = Vec::new();
    for b in g.buyers_where(|b| b.fill) {
        while g.buyers[b].total - g.exposure[b] >= g.buyers[b].per_tx {
            match g.grant(b) {
                Some(a) => asks.push(a),
                None => break,
            }
        }
    }
    if asks.len() > granted {
        bail!("the fill buyers alone take {} grants", asks.len());
    }
    while asks.len() < granted {
        let a = g
            .grant_to_anyone(GRANT_TRIES)
            .ok_or_else(|| anyhow!("the agreements' caps cannot hold {granted} grants"))?;
        asks.push(a);
    }
    Ok(asks)
}

/// Refused whatever the ledger holds: orders over the buyer's per-transaction cap.
fn over_per_tx_cap(g: &mut Gen, n: usize) -> anyhow::Result<Vec<Ask>> {
    let pairs: Vec<(usize, usize)> = (0..g.buyers.len())
        .flat_map(|b| g.serving_sellers(b).into_iter().map(move |s| (s, b)))
        .filter(|&(s, b)| g.sellers[s].hi > g.buyers[b].per_tx)
        .collect();
    let mut asks = Vec::with_capacity(n);
    for _ in 0..n {
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
        asks.push(a);
    }
    Ok(asks)
}

/// Refused whatever the ledger holds: orders in a currency other than the agreement's.
fn foreign_currency(g: &mut Gen, spec: &Spec) -> anyhow::Result<Vec<Ask>> {
    let n = want(spec, Refusal::CurrencyMismatch);
    let mut asks = Vec::with_capacity(n);
    for _ in 0..n {
        let b = g.any_buyer()?;
        let mut a = g.ordinary(b, Signer::Key(0))?;
        let own = g.buyers[b].currency;
        let foreign: Vec<Currency> = spec
            .guarantees
            .foreign_currencies
            .iter()
            .filter_map(|c| Currency::parse(c).ok())
            .filter(|c| *c != own)
            .collect();
        let c = *foreign
            .choose(&mut g.rng)
            .ok_or_else(|| anyhow!("guarantees.foreign_currencies: none usable"))?;
        a.amount.currency = c;
        a.document = a.document.replace(own.as_str(), c.as_str());
        a.expect = Some(Refusal::CurrencyMismatch);
        asks.push(a);
    }
    Ok(asks)
}

/// Refused whatever the ledger holds: orders signed by a stranger, replayed to another seller,
/// or raised after the buyer signed them, in turn.
fn bad_signatures(g: &mut Gen, n: usize) -> anyhow::Result<Vec<Ask>> {
    let mut asks = Vec::with_capacity(n);
    for i in 0..n {
        let b = g.any_buyer()?;
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
        asks.push(a);
    }
    Ok(asks)
}

/// Sellers settle or release part of the grants (fill buyers keep theirs); what is closed no
/// longer counts against its agreement.
fn closings(g: &mut Gen, spec: &Spec, first: &[Ask]) -> anyhow::Result<Vec<Close>> {
    let mut open: Vec<usize> = (0..first.len())
        .filter(|&i| first[i].expect.is_none() && !g.buyers[first[i].buyer].fill)
        .collect();
    open.shuffle(&mut g.rng);
    let (n_settle, n_release) = (spec.settled(), spec.released());
    if n_settle + n_release > open.len() {
        bail!("not enough grants to settle {n_settle} and release {n_release}");
    }
    let mut closings = Vec::with_capacity(n_settle + n_release);
    for (n, &i) in open.iter().take(n_settle + n_release).enumerate() {
        let (how, reason) = if n < n_settle {
            (Closing::Settle, None)
        } else {
            let r = spec
                .guarantees
                .release_reasons
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
    Ok(closings)
}

/// Refused because of what came before: orders under a suspended or ended agreement.
fn inactive_agreements(g: &mut Gen, n: usize) -> anyhow::Result<Vec<Ask>> {
    let inactive = g.buyers_where(|b| b.inactive);
    let mut asks = Vec::with_capacity(n);
    for i in 0..n {
        let b = *inactive
            .get(i % inactive.len().max(1))
            .ok_or_else(|| anyhow!("agreement_inactive wanted, but no agreement changes"))?;
        let key = g.buyers[b].good_key().unwrap_or(0);
        let mut a = g.ordinary(b, Signer::Key(key))?;
        a.expect = Some(Refusal::AgreementInactive);
        asks.push(a);
    }
    Ok(asks)
}

/// Refused because of what came before: orders signed with a revoked key.
fn revoked_keys(g: &mut Gen, n: usize) -> anyhow::Result<Vec<Ask>> {
    let revoked = g.buyers_where(|b| !b.inactive && !b.revoked.is_empty());
    let mut asks = Vec::with_capacity(n);
    for i in 0..n {
        let b = *revoked
            .get(i % revoked.len().max(1))
            .ok_or_else(|| anyhow!("key_revoked wanted, but no revocations"))?;
        let key = g.buyers[b].revoked[0];
        let mut a = g.ordinary(b, Signer::Key(key))?;
        a.expect = Some(Refusal::KeyRevoked);
        asks.push(a);
    }
    Ok(asks)
}

/// Refused because of what came before: over the total cap, from a seller whose orders go above
/// the headroom of an agreement with less headroom than its per-transaction cap.
fn over_total_cap(g: &mut Gen, n: usize) -> anyhow::Result<Vec<Ask>> {
    let full: Vec<(usize, usize)> = (0..g.buyers.len())
        .filter(|&b| !g.buyers[b].inactive && g.buyers[b].good_key().is_some())
        .flat_map(|b| g.serving_sellers(b).into_iter().map(move |s| (s, b)))
        .filter(|&(s, b)| {
            let room = g.buyers[b].total - g.exposure[b];
            let top = g.sellers[s].hi.min(g.buyers[b].per_tx);
            room.max(g.sellers[s].lo - 1) < top
        })
        .collect();
    let mut asks = Vec::with_capacity(n);
    for _ in 0..n {
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
        asks.push(a);
    }
    Ok(asks)
}

/// Refused because of what came before: a seller retrying a granted order under a new request
/// id (only orders that would otherwise still be granted, so the refusal is the duplicate's).
fn retries(g: &mut Gen, first: &[Ask], n: usize) -> anyhow::Result<Vec<Ask>> {
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
    if again.len() < n {
        bail!(
            "duplicate_transaction: only {} grants can be retried",
            again.len()
        );
    }
    Ok(again
        .iter()
        .take(n)
        .map(|&i| {
            let mut a = first[i].clone();
            a.request_id = format!("{}-retry", a.request_id);
            a.expect = Some(Refusal::DuplicateTransaction);
            a
        })
        .collect())
}
