//! The notary's in-memory view of parties, keys, agreements and the liability ledger.
//!
//! Only sequencer jobs change it (under the mutex, while staging); readers take short looks.
//! It is rebuilt from the store at start, and checked there: the read-side half of the
//! exposure <= total_cap invariant.
//!
//! `pending` holds what staged-but-not-yet-durable commands wrote, so that a later command in the
//! same batch sees it; each command's finish removes its own entries once the batch is on disk.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use ed25519_dalek::SigningKey;
use serde::{Deserialize, Serialize};

use super::complaints::ComplaintBook;
use super::exchanges::load_book;
use super::guarantees::{GuaranteeAnswer, TextRecord};
use super::sign_cell::SignCell;
use super::NotaryError;
use crate::crypto::envelope::Envelope;
use crate::crypto::x509::CaRoot;
use crate::model::exchange::Exchanges;
use crate::model::ledger::{Ledger, Reservation};
use crate::model::money::Money;
use crate::model::policy::PolicyBook;
use crate::model::registry::{check_caps, Agreement, KeyRecord, Party};
use crate::store::{Cf, Store};

/// Lifecycle of a guarantee.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GuaranteeState {
    /// Counts against the agreement's cap.
    Outstanding,
    /// The transaction completed; the amount returned to headroom.
    Settled,
    /// Cancelled, aborted, ruled, or expired; the amount returned to headroom.
    Released,
}

impl GuaranteeState {
    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            GuaranteeState::Outstanding => "outstanding",
            GuaranteeState::Settled => "settled",
            GuaranteeState::Released => "released",
        }
    }
}

/// A guarantee: in memory with its envelopes (`E` = [`Envelope`]); in CF guarantees with them
/// named by log index (`E` = `by_index::Signed`, see `guarantees::stored`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct GuaranteeRecord<E = Envelope> {
    /// UUIDv7.
    pub guarantee_id: String,
    /// Agreement it counts against.
    pub agreement_id: String,
    /// The buyer.
    pub buyer_id: String,
    /// The seller who asked (and alone may read, settle, release it).
    pub seller_id: String,
    /// The seller's request id.
    pub request_id: String,
    /// Amount.
    pub amount: Money,
    /// Digest of the order.
    pub order_digest: String,
    /// When the notary releases it if nobody closes it first (expires_at + release grace).
    pub release_at: chrono::DateTime<chrono::Utc>,
    /// Current state.
    pub state: GuaranteeState,
    /// The signed guarantee.
    pub guarantee: E,
    /// The signed settlement or release, once closed.
    #[serde(default = "none")]
    pub closing: Option<E>,
}

fn none<E>() -> Option<E> {
    None
}

impl<E> GuaranteeRecord<E> {
    /// The same record with `guarantee` and `closing` in place of its envelopes.
    pub(crate) fn with_signed<F>(self, guarantee: F, closing: Option<F>) -> GuaranteeRecord<F> {
        GuaranteeRecord {
            guarantee_id: self.guarantee_id,
            agreement_id: self.agreement_id,
            buyer_id: self.buyer_id,
            seller_id: self.seller_id,
            request_id: self.request_id,
            amount: self.amount,
            order_digest: self.order_digest,
            release_at: self.release_at,
            state: self.state,
            guarantee,
            closing,
        }
    }
}

/// A stored answer to a guarantee request: replayed byte for byte for the same request id.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StoredAnswer {
    /// Hex SHA-256 of the canonical request: a reused id with other content is refused.
    pub request_digest: String,
    /// HTTP status of the answer.
    pub status: u16,
    /// The exact response body (canonical JSON), in answers stored before 2026-12-01. Since
    /// then the body is made again from the signed envelope at `at`, byte for byte.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// The log index of the guarantee or refusal the answer carries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<u64>,
    /// A refusal's reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A guarantee request answered in the batch being built: its answer is made by the batch's
/// deferred work (signed on the worker pool), so a retry in the same batch reads it from
/// `answer` once the batch is durable.
pub(crate) struct PendingAnswer {
    /// Hex SHA-256 of the canonical request.
    pub request_digest: String,
    /// Filled when the answer is signed.
    pub answer: Arc<OnceLock<GuaranteeAnswer>>,
}

/// A guarantee changed in the batch being built.
pub(crate) enum PendingGuarantee {
    /// Granted, its certificate signed by the batch's deferred work: the record with an empty
    /// placeholder where the certificate goes, and the certificate's cell.
    Granted {
        /// Every field but `guarantee` (shared with the signing of the certificate).
        record: Arc<GuaranteeRecord>,
        /// The certificate.
        cell: Arc<SignCell>,
    },
    /// Settled or released (by its seller, at expiry, or by a ruling, whose envelope is then its
    /// closing), its closing signed by the batch's deferred work: the record in its
    /// new state, its closing named by index but its text not yet there, and the closing's cell.
    Closed {
        /// Every field but the closing's text (shared with the signing of the closing).
        record: Arc<TextRecord>,
        /// The settlement or release.
        cell: Arc<SignCell>,
    },
}

impl PendingGuarantee {
    /// The whole record; a granted one's certificate, or a closed one's closing, is signed now
    /// with `key` if the deferred work has not signed it yet.
    pub fn record(&self, key: &SigningKey) -> Result<GuaranteeRecord, NotaryError> {
        match self {
            PendingGuarantee::Granted { record, cell } => Ok(GuaranteeRecord {
                guarantee: cell.get(key)?.envelope()?,
                ..GuaranteeRecord::clone(record)
            }),
            PendingGuarantee::Closed { .. } => self.text_record(key)?.parsed(),
        }
    }

    /// [`PendingGuarantee::record`] with its envelopes as texts.
    pub fn text_record(&self, key: &SigningKey) -> Result<TextRecord, NotaryError> {
        match self {
            PendingGuarantee::Closed { record, cell } => {
                let closing = String::from_utf8(cell.get(key)?.bytes.clone())
                    .map_err(|e| NotaryError::Bug(e.to_string()))?;
                Ok(TextRecord {
                    closing: Some(closing),
                    ..TextRecord::clone(record)
                })
            }
            other => TextRecord::of(other.record(key)?),
        }
    }
}

/// The answer to an exchange decided in the batch being built, set when its token is signed.
pub(crate) type StagedAnswer = Arc<OnceLock<String>>;

/// Writes of staged commands not yet on disk.
#[derive(Default)]
pub(crate) struct Pending {
    pub requests: HashMap<Vec<u8>, PendingAnswer>,
    pub orders: HashMap<Vec<u8>, String>,
    pub guarantees: HashMap<String, PendingGuarantee>,
    /// Exchanges whose decision is staged, not yet durable, with its answer (made by the
    /// batch's deferred work): a repeat gets it once the batch is durable. (Durable answers are
    /// read from the exchange's record.)
    pub exchanges: HashMap<String, StagedAnswer>,
}

/// Everything the sequencer decides with.
pub(crate) struct State {
    pub policies: PolicyBook,
    pub ca_roots: Vec<CaRoot>,
    // Ordered maps, as the ledger's reservations: these grow with the parties, keys and
    // agreements the notary registers, and a hash map's doubling would stop the sequencer while
    // it moved them all (BENCHMARKS.md, "Growing maps").
    pub parties: BTreeMap<String, Party>,
    pub keys: BTreeMap<String, KeyRecord>,
    pub agreements: BTreeMap<String, Agreement>,
    /// SHA-256 of a live seller token -> seller id (rotated and revoked ones are not here).
    pub tokens: HashMap<[u8; 32], String>,
    pub ledger: Ledger,
    /// Every complaint's queue line, the open ones by deadline, and staged records.
    pub complaints: ComplaintBook,
    /// Every exchange the notary has seen, and its decision.
    pub exchanges: Exchanges,
    pub pending: Pending,
}

/// The shared, locked state.
pub(crate) struct StateCell(Mutex<State>);

impl StateCell {
    pub fn new(state: State) -> Self {
        StateCell(Mutex::new(state))
    }

    /// Locks the state. A poisoned lock means a job panicked mid-change: nothing in memory can
    /// be trusted any more, but the durable store is intact; readers still get the data.
    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Key of a request record: seller id, 0, request id.
pub(crate) fn request_key(seller_id: &str, request_id: &str) -> Vec<u8> {
    let mut k = seller_id.as_bytes().to_vec();
    k.push(0);
    k.extend_from_slice(request_id.as_bytes());
    k
}

/// Key of an order record: agreement id, 0, order digest.
pub(crate) fn order_key(agreement_id: &str, order_digest: &str) -> Vec<u8> {
    let mut k = agreement_id.as_bytes().to_vec();
    k.push(0);
    k.extend_from_slice(order_digest.as_bytes());
    k
}

fn json<T: for<'de> Deserialize<'de>>(what: &str, raw: &[u8]) -> Result<T, NotaryError> {
    serde_json::from_slice(raw).map_err(|e| NotaryError::Corrupt(format!("{what} record: {e}")))
}

/// Serialises a record for the store.
pub(crate) fn to_json<T: Serialize>(value: &T) -> Result<Vec<u8>, NotaryError> {
    serde_json::to_vec(value).map_err(|e| NotaryError::Bug(e.to_string()))
}

impl State {
    /// Rebuilds the state from the store and checks the ledger's invariants.
    pub fn load(
        store: &Store,
        policies: PolicyBook,
        ca_roots: Vec<CaRoot>,
    ) -> Result<State, NotaryError> {
        let mut st = State {
            policies,
            ca_roots,
            parties: BTreeMap::new(),
            keys: BTreeMap::new(),
            agreements: BTreeMap::new(),
            tokens: HashMap::new(),
            ledger: Ledger::new(),
            complaints: ComplaintBook::load(store)?,
            exchanges: load_book(store)?,
            pending: Pending::default(),
        };
        for (_, v) in store.scan_all(Cf::Parties)? {
            let p: Party = json("party", &v)?;
            st.parties.insert(p.id.clone(), p);
        }
        for (_, v) in store.scan_all(Cf::Keys)? {
            let k: KeyRecord = json("key", &v)?;
            st.keys.insert(k.key_id.clone(), k);
        }
        for (k, v) in store.scan_all(Cf::SellerTokens)? {
            // An empty value is a token rotated away or revoked: it opens nothing.
            if v.is_empty() {
                continue;
            }
            let hash: [u8; 32] = k
                .as_slice()
                .try_into()
                .map_err(|_| NotaryError::Corrupt("seller token key".into()))?;
            let id = String::from_utf8(v).map_err(|_| NotaryError::Corrupt("token".into()))?;
            st.tokens.insert(hash, id);
        }
        for (_, v) in store.scan_all(Cf::Agreements)? {
            let a: Agreement = json("agreement", &v)?;
            if st.policies.get(&a.policy).is_none() {
                return Err(NotaryError::Corrupt(format!(
                    "agreement {} names policy {} v{} ({}) which is not stored",
                    a.id, a.policy.id, a.policy.version, a.policy.digest
                )));
            }
            // The ledger asserts its caps are sane; on disk that is a fact to check, not assume.
            check_caps(a.total_cap_minor, a.per_tx_cap_minor)
                .map_err(|m| NotaryError::Corrupt(format!("agreement {}: {m}", a.id)))?;
            st.ledger.open_account(&a.id, a.total_cap_minor);
            st.agreements.insert(a.id.clone(), a);
        }
        reserve_outstanding(store, &mut st.ledger)?;
        st.ledger.check_invariants().map_err(NotaryError::Corrupt)?;
        Ok(st)
    }
}

/// Reserves each outstanding guarantee stored, read one record at a time.
fn reserve_outstanding(store: &Store, ledger: &mut Ledger) -> Result<(), NotaryError> {
    store.for_each(Cf::Guarantees, |_, v| {
        // The ledger needs no envelope: they are skipped, not parsed.
        let g: GuaranteeRecord<serde::de::IgnoredAny> = json("guarantee", v)?;
        if g.state == GuaranteeState::Outstanding {
            let reservation = Reservation {
                agreement_id: g.agreement_id,
                amount_minor: g.amount.minor,
                release_at: g.release_at,
            };
            ledger
                .reserve(&g.guarantee_id, reservation)
                .map_err(|e| NotaryError::Corrupt(format!("ledger on disk: {e}")))?;
        }
        Ok(())
    })
}
