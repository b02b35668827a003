//! The planner's seeded order generator: the sellers and buyers as it sees them (amounts in minor
//! units, caps resolved from the policies, keys by index), the exposure each grant adds, and the
//! orders themselves. Every random choice goes through one `StdRng`, so the order of the calls is
//! part of the data set: the same calls in the same order give the same plan.

use std::collections::BTreeMap;

use anyhow::{anyhow, bail};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

use super::plan::{Ask, Forgery, PolicyCaps, Signer};
use super::spec::{decimal, BuyerSpec, SellerSpec};
use crate::model::money::{Currency, Money};

/// A seller, as the generator sees it.
pub(super) struct Seller {
    /// Smallest order, minor units.
    pub(super) lo: i64,
    /// Largest order, minor units.
    pub(super) hi: i64,
    weight: u32,
    policies: Vec<String>,
    code: String,
    name: String,
    /// Orders made so far: the next order number.
    orders: usize,
}

impl Seller {
    /// Checks a seller of the file and converts its amounts.
    pub(super) fn from_spec(s: &SellerSpec) -> anyhow::Result<Seller> {
        let lo = decimal(&s.amounts[0], &s.name)?;
        let hi = decimal(&s.amounts[1], &s.name)?;
        if lo > hi || s.weight == 0 {
            bail!("seller {}: bad amounts or weight", s.name);
        }
        Ok(Seller {
            lo,
            hi,
            weight: s.weight,
            policies: s.policies.clone(),
            code: s.code.clone(),
            name: s.name.clone(),
            orders: 0,
        })
    }
}

/// A buyer and its agreement, as the generator sees them.
pub(super) struct Buyer {
    name: String,
    policy: String,
    pub(super) currency: Currency,
    /// Total cap, minor units.
    pub(super) total: i64,
    /// Per-transaction cap, minor units.
    pub(super) per_tx: i64,
    /// Number of keys.
    pub(super) keys: usize,
    /// Keys revoked by hand, 0-based.
    pub(super) revoked: Vec<usize>,
    /// The agreement is suspended or ended after the first round.
    pub(super) inactive: bool,
    weight: u32,
    /// Buys up to near its cap first, and keeps those guarantees.
    pub(super) fill: bool,
}

impl Buyer {
    /// Checks a buyer of the file and resolves its caps against its policy.
    pub(super) fn from_spec(
        b: &BuyerSpec,
        policies: &BTreeMap<String, PolicyCaps>,
    ) -> anyhow::Result<Buyer> {
        let caps = policies
            .get(&b.policy)
            .ok_or_else(|| anyhow!("buyer {}: no policy {}", b.name, b.policy))?;
        let total = b.total_cap_minor()?.unwrap_or(caps.total_cap_minor);
        let per_tx = b.per_tx_cap_minor()?.unwrap_or(caps.per_tx_cap_minor);
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
        Ok(Buyer {
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
        })
    }

    /// The first key that is not revoked.
    pub(super) fn good_key(&self) -> Option<usize> {
        (0..self.keys).find(|k| !self.revoked.contains(k))
    }
}

/// A price between `lo` and `hi` (minor units) that looks like one: whole euros ending in
/// .00, .50, .90, .95 or .99 where that stays in range.
pub(super) fn price(rng: &mut StdRng, lo: i64, hi: i64) -> i64 {
    let v = rng.gen_range(lo..=hi);
    let ending = [0, 50, 90, 95, 99][rng.gen_range(0..5)];
    let pretty = (v / 100) * 100 + ending;
    if (lo..=hi).contains(&pretty) {
        pretty
    } else {
        v
    }
}

/// One of `items` (index, weight), chosen with probability proportional to its weight.
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

/// The generator: the parties, the random source, and each buyer's exposure so far.
pub(super) struct Gen {
    pub(super) rng: StdRng,
    pub(super) sellers: Vec<Seller>,
    pub(super) buyers: Vec<Buyer>,
    /// Per buyer, minor units: granted minus closed, as planned so far.
    pub(super) exposure: Vec<i64>,
}

impl Gen {
    /// A generator seeded with `seed`, nothing granted yet.
    pub(super) fn new(seed: u64, sellers: Vec<Seller>, buyers: Vec<Buyer>) -> Gen {
        Gen {
            rng: StdRng::seed_from_u64(seed),
            exposure: vec![0; buyers.len()],
            sellers,
            buyers,
        }
    }

    /// The seller's next order to `buyer`, signed by the buyer's first key; expected granted.
    pub(super) fn ask(
        &mut self,
        seller: usize,
        buyer: usize,
        minor: i64,
        currency: Currency,
    ) -> Ask {
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
    pub(super) fn grant(&mut self, buyer: usize) -> Option<Ask> {
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

    /// A grant for a buyer picked by weight; `tries` buyers at most before giving up.
    pub(super) fn grant_to_anyone(&mut self, tries: usize) -> Option<Ask> {
        let weights: Vec<(usize, u32)> = (0..self.buyers.len())
            .map(|i| (i, self.buyers[i].weight))
            .collect();
        (0..tries).find_map(|_| {
            let b = pick_weighted(&mut self.rng, &weights)?;
            self.grant(b)
        })
    }

    /// The buyers that `f` holds for.
    pub(super) fn buyers_where(&self, f: impl Fn(&Buyer) -> bool) -> Vec<usize> {
        (0..self.buyers.len())
            .filter(|&i| f(&self.buyers[i]))
            .collect()
    }

    /// The sellers that trade under the buyer's policy.
    pub(super) fn serving_sellers(&self, buyer: usize) -> Vec<usize> {
        (0..self.sellers.len())
            .filter(|&s| self.serves(s, buyer))
            .collect()
    }

    /// An order within the buyer's per-transaction cap from a seller that serves it.
    pub(super) fn ordinary(&mut self, buyer: usize, signer: Signer) -> anyhow::Result<Ask> {
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

    /// A buyer picked uniformly.
    pub(super) fn any_buyer(&mut self) -> anyhow::Result<usize> {
        let all: Vec<usize> = (0..self.buyers.len()).collect();
        all.choose(&mut self.rng)
            .copied()
            .ok_or_else(|| anyhow!("no buyers"))
    }
}
