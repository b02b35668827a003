//! Building blocks for sample data, benchmarks and tests: a data dir whose clock the caller
//! moves, a buyer's signed order, a guarantee request, and a ready buyer/seller/agreement set on
//! a running notary. Not used by the service.

pub mod cases;
pub mod exchange;
pub mod signatures;

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use chrono::{DateTime, Duration, Utc};
use ed25519_dalek::SigningKey;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::datadir::DataDir;
use super::{GuaranteeRequest, NewAgreement, Notary, NotaryError, SequencerThread};
use crate::crypto::envelope::Envelope;
use crate::model::money::{Currency, Money};
use crate::model::registry::Role;

/// A notary's data dir inside `place` (a directory the caller owns, such as a temporary one, kept
/// for as long as this lives) with a clock that stands still until [`ClockedDataDir::advance`]
/// moves it: deadlines and expiry can be reached without waiting.
pub struct ClockedDataDir<P> {
    /// The initialised data dir, `place/data`.
    pub dir: DataDir,
    now: Arc<Mutex<DateTime<Utc>>>,
    _place: P,
}

impl<P: AsRef<Path>> ClockedDataDir<P> {
    /// Initialises a notary called `name` in `place/data`, its clock at `t0`.
    /// Its certificates start at `t0` (an hour early), so tokens stamped on this clock verify.
    pub async fn init(place: P, name: &str, t0: DateTime<Utc>) -> Result<Self, NotaryError> {
        let dir = DataDir::new(place.as_ref().join("data"));
        let now = Arc::new(Mutex::new(t0));
        let clock = now.clone();
        Notary::init_with_clock(&dir, name, Arc::new(move || *lock(&clock))).await?;
        Ok(ClockedDataDir {
            dir,
            now,
            _place: place,
        })
    }

    /// A copy of the data dir `template` (a notary's data dir, closed: no process has it open)
    /// in `place/data`, its clock at `t0`. Much cheaper than [`ClockedDataDir::init`], which
    /// generates keys and certificates: simulation tests initialise one template and copy it for
    /// every case. Every copy has the template's keys and identity, and its own store.
    pub fn copy_of(template: &Path, place: P, t0: DateTime<Utc>) -> Result<Self, NotaryError> {
        let dir = DataDir::new(place.as_ref().join("data"));
        copy_tree(template, dir.root())
            .map_err(|e| NotaryError::Setup(format!("copying {}: {e}", template.display())))?;
        Ok(ClockedDataDir {
            dir,
            now: Arc::new(Mutex::new(t0)),
            _place: place,
        })
    }

    /// Opens the notary on this clock.
    pub fn open(&self) -> Result<(Notary, SequencerThread), NotaryError> {
        let now = self.now.clone();
        Notary::open_with_clock(&self.dir, Arc::new(move || *lock(&now)))
    }

    /// The clock's time.
    pub fn now(&self) -> DateTime<Utc> {
        *lock(&self.now)
    }

    /// Moves the clock on by `by`.
    pub fn advance(&self, by: Duration) {
        *lock(&self.now) += by;
    }
}

/// Copies the directory tree `from` to `to` (which must not exist), files and directories with
/// their permission bits (the notary checks them when it opens a data dir).
fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_tree(&entry.path(), &target)?;
        } else {
            // `fs::copy` copies the permission bits too.
            std::fs::copy(entry.path(), &target)?;
        }
    }
    std::fs::set_permissions(to, std::fs::metadata(from)?.permissions())
}

/// A time is whole whatever panicked while the lock was held.
fn lock(now: &Mutex<DateTime<Utc>>) -> MutexGuard<'_, DateTime<Utc>> {
    now.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Runs `work` over `inputs` in rounds of `round` concurrent tokio tasks, awaiting each round
/// before the next and handing every result to `check`; the wall time of the whole. For
/// benchmarks: a round is what the sequencer may commit in one synced batch. A task that
/// panicked ends the run with its error.
pub async fn in_rounds<I, T, Fut>(
    inputs: Vec<I>,
    round: usize,
    work: impl Fn(I) -> Fut,
    check: impl Fn(T),
) -> Result<std::time::Duration, tokio::task::JoinError>
where
    Fut: std::future::Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let started = std::time::Instant::now();
    let mut it = inputs.into_iter().peekable();
    while it.peek().is_some() {
        let tasks: Vec<_> = it
            .by_ref()
            .take(round)
            .map(|i| tokio::spawn(work(i)))
            .collect();
        for t in tasks {
            check(t.await?);
        }
    }
    Ok(started.elapsed())
}

/// `minor` cents of EUR, the currency of the shipped policies.
pub fn eur(minor: i64) -> Money {
    // Three upper-case letters are always a currency code.
    let currency = Currency::parse("EUR").unwrap_or_else(|_| unreachable!("EUR is a code"));
    Money { minor, currency }
}

/// An order signed by `buyer_key` for `amount` with `seller_id`, over the document `document`.
pub fn signed_order(
    buyer_key: &SigningKey,
    seller_id: &str,
    amount: Money,
    document: &[u8],
) -> Envelope {
    signed_order_with(
        buyer_key,
        seller_id,
        amount,
        document,
        &OrderExtras::default(),
    )
}

/// Optional fields of an order beyond the seller, the amount and the document's digest (each
/// covered by the buyer's signature; the notary's guarantee path ignores them).
#[derive(Clone, Debug, Default)]
pub struct OrderExtras {
    /// The exchange that delivers the goods (its tid): a dispute reads the delivery there.
    pub tid: Option<String>,
    /// The item id (hex SHA-256 of the canonical JSON) of a notary `nonce` envelope fetched
    /// before signing: proves the order was signed after the nonce's `issued_at`.
    pub fresh: Option<String>,
}

/// [`signed_order`] with `extras`.
pub fn signed_order_with(
    buyer_key: &SigningKey,
    seller_id: &str,
    amount: Money,
    document: &[u8],
    extras: &OrderExtras,
) -> Envelope {
    let mut payload = json!({
        "seller_id": seller_id,
        "amount": amount,
        "order_digest": hex::encode(Sha256::digest(document)),
    });
    if let Some(tid) = &extras.tid {
        payload["tid"] = json!(tid);
    }
    if let Some(fresh) = &extras.fresh {
        payload["fresh"] = json!(fresh);
    }
    // A payload of strings and integers always has a canonical form.
    Envelope::sign("order", payload, buyer_key).unwrap_or_else(|_| unreachable!("no floats"))
}

/// The buyer's signed receipt of the goods of `order` (kind `goods_receipt`): the order's
/// `order_digest` (as guarantees and refusals name it), the buyer, the order's seller and the
/// buyer's own claimed time of receipt, `received_at`, which proves nothing. `None` when `order`
/// is not an order naming a seller and an order digest.
pub fn goods_receipt(
    buyer_key: &SigningKey,
    buyer_id: &str,
    order: &Envelope,
    received_at: DateTime<Utc>,
) -> Option<Envelope> {
    if order.kind != "order" {
        return None;
    }
    let field = |f: &str| order.payload.get(f).and_then(|v| v.as_str());
    let payload = json!({
        "order_digest": field("order_digest")?,
        "buyer": buyer_id,
        "seller_id": field("seller_id")?,
        "received_at": crate::model::time::rfc3339_ms(received_at),
    });
    // A payload of strings always has a canonical form.
    Some(
        Envelope::sign("goods_receipt", payload, buyer_key)
            .unwrap_or_else(|_| unreachable!("strings")),
    )
}

/// A guarantee request for a freshly signed order.
pub fn request(
    request_id: &str,
    agreement_id: &str,
    seller_id: &str,
    buyer_key: &SigningKey,
    amount: Money,
    document: &[u8],
) -> GuaranteeRequest {
    GuaranteeRequest {
        request_id: request_id.to_string(),
        agreement_id: agreement_id.to_string(),
        seller_id: seller_id.to_string(),
        amount,
        order: signed_order(buyer_key, seller_id, amount, document),
    }
}

/// A buyer with one raw key, a seller with its token, and an agreement between them.
pub struct Deal {
    /// Buyer party id.
    pub buyer_id: String,
    /// The buyer's signing key.
    pub buyer_key: SigningKey,
    /// Seller party id.
    pub seller_id: String,
    /// Seller API token.
    pub seller_token: String,
    /// Agreement id.
    pub agreement_id: String,
}

/// Registers a buyer with one raw key and makes an agreement for it under `policy_id` (caps
/// `(total, per_tx)` in minor units, or the policy's). Returns (buyer id, agreement id).
pub async fn buyer_with_agreement(
    notary: &Notary,
    buyer: &str,
    buyer_key: &SigningKey,
    policy_id: &str,
    caps_minor: Option<(i64, i64)>,
) -> Result<(String, String), NotaryError> {
    let b = notary.register_party(buyer, Role::Buyer, None).await?;
    notary
        .add_key(
            &b.party.id,
            super::KeyInput::Raw(buyer_key.verifying_key().to_bytes()),
            None,
        )
        .await?;
    let a = notary
        .create_agreement(
            NewAgreement {
                buyer_id: b.party.id.clone(),
                policy_id: policy_id.to_string(),
                total_cap_minor: caps_minor.map(|c| c.0),
                per_tx_cap_minor: caps_minor.map(|c| c.1),
                ..Default::default()
            },
            None,
        )
        .await?;
    Ok((b.party.id, a.id))
}

/// Registers `buyer` (with `buyer_key`) and `seller` and makes an agreement under `policy_id`.
pub async fn make_deal(
    notary: &Notary,
    buyer: &str,
    buyer_key: SigningKey,
    seller: &str,
    policy_id: &str,
    caps_minor: Option<(i64, i64)>,
) -> Result<Deal, NotaryError> {
    let (buyer_id, agreement_id) =
        buyer_with_agreement(notary, buyer, &buyer_key, policy_id, caps_minor).await?;
    let s = notary.register_party(seller, Role::Seller, None).await?;
    Ok(Deal {
        buyer_id,
        buyer_key,
        seller_id: s.party.id,
        seller_token: s.api_token.unwrap_or_default(),
        agreement_id,
    })
}
