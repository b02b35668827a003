//! The liability ledger's sample data for `notar up`: `samples/ledger.toml` (compiled in) says
//! who the sellers and buyers are, their keys, agreements, revocations and agreement changes, and
//! the parameters of a stream of guarantee requests. `plan` turns it into a fixed list of requests
//! with the outcome each must get (a pure function of the file); `load` plays it against a new
//! notary through its API, concurrently, in the order that makes every outcome certain.
//!
//! `spec` is the file as typed values, `generator` the seeded order generator, `plan` the
//! planner, `load` the player, `tokens` the sellers' token file.

mod generator;
mod load;
mod plan;
mod spec;
mod tokens;

pub use load::{load, Loaded, SellerToken};
pub use plan::{plan, Ask, Close, Forgery, Plan, PolicyCaps, Signer};
pub use spec::{BuyerSpec, GuaranteeSpec, RevokeSpec, SellerSpec, Spec, StatusSpec};

use ed25519_dalek::SigningKey;
use sha2::{Digest, Sha256};

/// The data set, as shipped.
pub const LEDGER_TOML: &str = include_str!("../../../samples/ledger.toml");
/// Name of the file (in the data dir) that receives the sample sellers' API tokens.
pub const TOKENS_FILE: &str = "samples-tokens.txt";

/// The secret of a sample buyer's key `k` (1-based): SHA-256("notar-sample-buyer-" + name + k).
pub fn buyer_key(name: &str, k: usize) -> SigningKey {
    let secret: [u8; 32] = Sha256::digest(format!("notar-sample-buyer-{name}{k}")).into();
    SigningKey::from_bytes(&secret)
}

/// The key of stranger `n`, which the notary does not know: it signs the orders that must be
/// refused with `bad_order_signature`.
fn stranger_key(n: usize) -> SigningKey {
    let secret: [u8; 32] = Sha256::digest(format!("notar-sample-stranger-{n}")).into();
    SigningKey::from_bytes(&secret)
}

#[cfg(test)]
mod tests;
