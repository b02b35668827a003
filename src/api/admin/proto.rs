//! The admin protocol spoken on `DATA/admin.sock` between the console/CLI and the notary:
//! one JSON object per line each way. A request carries an `id` the response echoes, so a client
//! may pipeline requests. The operator is not in the request: the server takes it from the
//! socket's peer credentials.
//!
//! Closed sets travel as enums (role, agreement status, guarantee state, key standing, entry
//! kind, hash algorithm, error code), the same ones the notary decides with; free text stays
//! text. The console, the CLI and the service ship as one binary, so the wire may change with
//! them; the CLI's `--json` output prints [`Reply`] as it is, so a reply's JSON is what users see.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use super::proto_cases::{
    ComplaintDetail, ComplaintItem, ComplaintKind, ComplaintStatus, CounterClaimItem, EvidenceItem,
    ExchangeItem, ExchangeStatus, HistoryItem, Outcome, Protocol, ResponseItem, RulingItem,
};
pub use crate::crypto::tsa::HashAlg;
pub use crate::model::entry::EntryKind;
pub use crate::model::error_code::ErrorCode;
pub use crate::model::ledger::{Refusal, ReleaseReason};
pub use crate::model::policy::UncoveredRule;
pub use crate::model::registry::{AgreementStatus, KeySourceKind, KeyStanding, Role};
/// Per-second activity: the notary's own record is what the protocol sends.
pub use crate::notary::Activity;
pub use crate::notary::GuaranteeState;
use crate::notary::NotaryError;
/// One timestamp: the record the notary keeps is what the protocol sends.
pub use crate::notary::TimestampRecord as TimestampItem;
pub use crate::notary::TokenChange;

/// Longest request line accepted (bytes).
pub const LINE_LEN_MAX: usize = 256 * 1024;

/// A request: `{"id": 7, "op": "timestamps_recent", "limit": 50}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    /// Echoed in the response.
    pub id: u64,
    /// What to do.
    #[serde(flatten)]
    pub op: Op,
}

/// The operations.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Op {
    /// Who am I, and which notary is this.
    Hello,
    /// Dashboard figures.
    Status,
    /// Most recent timestamps, newest first.
    TimestampsRecent {
        /// How many (capped by the server).
        limit: u32,
    },
    /// Timestamps over this imprint (hex).
    TimestampsSearch {
        /// Message imprint, hex.
        imprint: String,
    },
    /// Make the notary sign a timestamp over this imprint; the operator is recorded in the log.
    Stamp {
        /// `sha256`, `sha384` or `sha512`.
        hash_alg: HashAlg,
        /// Imprint, hex.
        imprint: String,
    },
    /// Most recent checkpoints, newest first.
    Checkpoints {
        /// How many (capped by the server).
        limit: u32,
    },
    /// Log entries `start..start+limit`.
    Entries {
        /// First index.
        start: u64,
        /// How many (capped by the server).
        limit: u32,
    },
    /// Inclusion proof for `index` at the current checkpoint, for the client to verify.
    Prove {
        /// Leaf index.
        index: u64,
    },
    /// Register a buyer or seller (signed, logged). A seller's API token is in the reply, once.
    PartyRegister {
        /// Display name.
        name: String,
        /// `buyer` or `seller`.
        role: Role,
        /// A first key, raw Ed25519 (hex); checked before anything is registered.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        public_key_hex: Option<String>,
        /// A first key as an X.509 certificate (PEM or DER, base64).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        certificate_b64: Option<String>,
    },
    /// Parties whose name or id contains `query` (all when empty).
    Parties {
        /// Search text.
        #[serde(default)]
        query: String,
    },
    /// One party with its keys.
    PartyShow {
        /// Party id.
        party_id: String,
    },
    /// Register a key: exactly one of a raw Ed25519 key (hex) or a certificate (base64 PEM/DER).
    KeyAdd {
        /// Owner.
        party_id: String,
        /// Raw 32-byte Ed25519 public key, hex.
        #[serde(default)]
        public_key_hex: Option<String>,
        /// X.509 certificate bytes (PEM or DER), base64.
        #[serde(default)]
        certificate_b64: Option<String>,
    },
    /// Revoke a key by hand.
    KeyRevoke {
        /// Key id.
        key_id: String,
        /// Why.
        reason: String,
    },
    /// Import a CRL (PEM or DER, base64).
    CrlImport {
        /// CRL bytes, base64.
        crl_b64: String,
    },
    /// Change a seller's API token: `rotated` gives it a new one (in the reply, once) and ends
    /// every older one; `revoked` ends it (the seller API refuses it from now on).
    SellerToken {
        /// The seller.
        party_id: String,
        /// `rotated` or `revoked`.
        change: TokenChange,
    },
    /// Create an agreement; absent limits take the policy's defaults.
    AgreementCreate {
        /// The buyer.
        buyer_id: String,
        /// Policy id.
        policy_id: String,
        /// Overall cap, minor units.
        #[serde(default)]
        total_cap_minor: Option<i64>,
        /// Per-transaction cap, minor units.
        #[serde(default)]
        per_tx_cap_minor: Option<i64>,
        /// End of validity, RFC 3339.
        #[serde(default)]
        valid_until: Option<String>,
        /// Key ids; default all of the buyer's keys in good standing.
        #[serde(default)]
        keys: Option<Vec<String>>,
    },
    /// Suspend, resume (`active`) or end an agreement.
    AgreementStatus {
        /// Agreement id.
        agreement_id: String,
        /// `active`, `suspended` or `ended`.
        status: AgreementStatus,
        /// Why.
        reason: String,
    },
    /// Agreements whose id, buyer name or buyer id contains `query`.
    Agreements {
        /// Search text.
        #[serde(default)]
        query: String,
    },
    /// One agreement: exposure, keys with their state, guarantees.
    AgreementShow {
        /// Agreement id.
        agreement_id: String,
        /// Most guarantees listed.
        #[serde(default = "default_limit")]
        limit: u32,
    },
    /// Recent guarantees, refusals, settlements and releases, newest first.
    LedgerFeed {
        /// How many.
        limit: u32,
    },
    /// Known policy versions.
    Policies,
    /// Exchanges the notary knows of, undecided first, then newest first.
    Exchanges {
        /// How many (capped by the server).
        limit: u32,
    },
    /// The complaint queue: open and answered complaints by response deadline, then the rest.
    Complaints {
        /// How many (capped by the server).
        limit: u32,
    },
    /// One complaint in full.
    ComplaintShow {
        /// Complaint id.
        complaint_id: String,
    },
    /// Take a case: the calling arbitrator is recorded as working it.
    ComplaintTake {
        /// Complaint id.
        complaint_id: String,
    },
    /// Add an arbitrator's note to a case's history.
    ComplaintNote {
        /// Complaint id.
        complaint_id: String,
        /// The note (one paragraph).
        text: String,
    },
    /// The case's evidence bundle (`notar-bundle/1`): everything an offline replay needs.
    CaseExport {
        /// Complaint id.
        complaint_id: String,
        /// The bundle the case's ruling (or proposal) cites, exactly as the notary replayed
        /// it, instead of one built now.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        ruled: bool,
    },
    /// Replay the case's bundle and sign its ruling as the calling arbitrator (or propose it,
    /// when the policy wants a second arbitrator for the claim's amount).
    RulingSign {
        /// Complaint id.
        complaint_id: String,
        /// The decision digest (`Ruling::decision_digest`: the ruling without its timeline) of
        /// the ruling the arbitrator reviewed (a `CaseReplay`, or `notar replay` of an export):
        /// when the notary's fresh replay decides otherwise, nothing is signed
        /// (`409 ruling_changed`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        expect_ruling: Option<String>,
    },
    /// Confirm another arbitrator's proposed ruling: it is signed and takes effect.
    RulingConfirm {
        /// Complaint id.
        complaint_id: String,
        /// The decision digest of the proposal the arbitrator reviewed (a `CaseReplay` of the
        /// proposed case, or `notar replay` of `notar case export --ruled`): when the case's
        /// proposal decides otherwise, nothing is signed (`409 ruling_changed`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        expect_ruling: Option<String>,
    },
    /// Withdraw a case's proposed ruling (its proposer taking it back, or another arbitrator
    /// rejecting it): nothing is signed; the case may be ruled afresh. Answers the case.
    ProposalWithdraw {
        /// Complaint id.
        complaint_id: String,
        /// Why (one paragraph): recorded in the case's history.
        reason: String,
    },
    /// What to review before acting on a case: its pending proposal, exactly as a confirmation
    /// would sign it, else a fresh replay of its bundle (the ruling `RulingSign` would sign).
    /// Nothing is signed.
    CaseReplay {
        /// Complaint id.
        complaint_id: String,
    },
}

fn default_limit() -> u32 {
    100
}

/// A response, exactly one of an answer or an error: `{"id": 7, "ok": {...}}` or
/// `{"id": 7, "error": {"code": "...", "message": "..."}}`. The member's name says which.
// A response is moved whole, once, from the socket to its reader: boxing the large `Ok` would
// only add an allocation per answer.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged, deny_unknown_fields)]
pub enum Response {
    /// The operation succeeded.
    Ok {
        /// The request's id.
        id: u64,
        /// Its answer.
        #[serde(rename = "ok")]
        result: Reply,
    },
    /// The operation failed, or the request could not be read.
    Err {
        /// The request's id (0 when it could not be read).
        id: u64,
        /// Why.
        error: ErrorBody,
    },
}

impl Response {
    /// The id of the request answered.
    pub fn id(&self) -> u64 {
        match self {
            Response::Ok { id, .. } | Response::Err { id, .. } => *id,
        }
    }

    /// The answer to request `id`: the reply or the error.
    pub fn new(id: u64, outcome: Result<Reply, ErrorBody>) -> Response {
        match outcome {
            Ok(result) => Response::Ok { id, result },
            Err(error) => Response::Err { id, error },
        }
    }

    /// The reply or the error, without the id.
    pub fn into_result(self) -> Result<Reply, ErrorBody> {
        match self {
            Response::Ok { result, .. } => Ok(result),
            Response::Err { error, .. } => Err(error),
        }
    }
}

/// An error answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// What went wrong, for programs (and shown after the message).
    pub code: ErrorCode,
    /// For humans.
    pub message: String,
}

impl ErrorBody {
    /// An error with `code`.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ErrorBody {
            code,
            message: message.into(),
        }
    }

    /// A `bad_request`: the request itself is malformed or out of range.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::BadRequest, message)
    }
}

impl From<NotaryError> for ErrorBody {
    fn from(e: NotaryError) -> Self {
        Self::new(e.code(), e.to_string())
    }
}

/// Success bodies, one per operation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reply {
    /// Answer to `Hello`.
    Hello(Hello),
    /// Answer to `Status`.
    Status(Status),
    /// Answer to `TimestampsRecent` and `TimestampsSearch`.
    Timestamps {
        /// The records.
        items: Vec<TimestampItem>,
    },
    /// Answer to `Stamp`.
    Stamped(TimestampItem),
    /// Answer to `Checkpoints`.
    Checkpoints {
        /// Signed notes with their sizes, newest first.
        items: Vec<CheckpointItem>,
    },
    /// Answer to `Entries`.
    Entries {
        /// The entries.
        items: Vec<EntryItem>,
    },
    /// Answer to `Prove`.
    Proof(ProofItem),
    /// Answer to `PartyRegister`.
    PartyRegistered {
        /// The party.
        party: PartyItem,
        /// Its first key, when one was given.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        key: Option<KeyItem>,
        /// Seller API token, shown this once.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        api_token: Option<String>,
    },
    /// Answer to `Parties`.
    Parties {
        /// Matching parties.
        items: Vec<PartyItem>,
    },
    /// Answer to `PartyShow`.
    Party {
        /// The party.
        party: PartyItem,
        /// Its keys.
        keys: Vec<KeyItem>,
    },
    /// Answer to `KeyAdd` and `KeyRevoke`.
    Key(KeyItem),
    /// Answer to `CrlImport`.
    CrlImported {
        /// CRL issuer.
        issuer: String,
        /// Entries in the CRL.
        entries: u64,
        /// Key ids newly revoked.
        revoked: Vec<String>,
        /// Listed keys already revoked before.
        already_revoked: u64,
        /// Log index of the signed revocation, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        log_index: Option<u64>,
    },
    /// Answer to `SellerToken`.
    SellerToken(SellerTokenItem),
    /// Answer to `AgreementCreate` and `AgreementStatus`.
    Agreement(AgreementItem),
    /// Answer to `Agreements`.
    Agreements {
        /// Matching agreements.
        items: Vec<AgreementItem>,
    },
    /// Answer to `AgreementShow`.
    AgreementDetail {
        /// The agreement.
        agreement: AgreementItem,
        /// Its keys.
        keys: Vec<KeyItem>,
        /// Its guarantees, newest first.
        guarantees: Vec<GuaranteeItem>,
    },
    /// Answer to `LedgerFeed`.
    Feed {
        /// Events, newest first.
        items: Vec<FeedItem>,
    },
    /// Answer to `Policies`.
    Policies {
        /// Policy versions.
        items: Vec<PolicyItem>,
    },
    /// Answer to `Exchanges`.
    Exchanges {
        /// The exchanges.
        items: Vec<ExchangeItem>,
    },
    /// Answer to `Complaints`.
    Complaints {
        /// The queue.
        items: Vec<ComplaintItem>,
    },
    /// Answer to `ComplaintShow`, `ComplaintTake` and `ComplaintNote`: the case as it now is.
    Complaint(ComplaintDetail),
    /// Answer to `CaseExport`.
    CaseBundle {
        /// The bundle.
        bundle: Box<crate::replay::Bundle>,
    },
    /// Answer to `RulingSign` and `RulingConfirm`.
    Ruling(RulingItem),
    /// Answer to `CaseReplay`: the model's ruling and the digest of the bundle it replayed.
    CaseReplay {
        /// The reasoned ruling (timeline, findings, allocation, actions).
        ruling: Box<crate::model::dispute::Ruling>,
        /// Hex SHA-256 of the bundle's file bytes.
        bundle_digest: String,
        /// The arbitrator who proposed this ruling, when it is the case's pending proposal
        /// (a second arbitrator confirms it with `RulingConfirm`); none for a fresh replay.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        proposed_by: Option<String>,
        /// The amount of each guarantee the ruling's actions release or hold, by guarantee id,
        /// as the notary holds it: what such an action moves, shown beside it.
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        guarantees: BTreeMap<String, crate::model::money::Money>,
    },
}

/// A party in listings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartyItem {
    /// Id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// `buyer` or `seller`.
    pub role: Role,
    /// RFC 3339 ms.
    pub registered_at: String,
    /// Number of keys.
    pub keys: u32,
}

/// A key with its revocation state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyItem {
    /// Key id.
    pub key_id: String,
    /// Owner.
    pub party_id: String,
    /// `raw` or `x509`.
    pub source: KeySourceKind,
    /// Certificate subject, for x509 keys.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// `not_revoked`, `revoked`, `certificate_out_of_validity`.
    pub status: KeyStanding,
    /// When the notary registered the revocation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<String>,
    /// Revocation reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revocation_reason: Option<String>,
    /// When registered.
    pub registered_at: String,
}

/// A seller's token changed: what changed and where it is logged (never the old token).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SellerTokenItem {
    /// The seller.
    pub party_id: String,
    /// `rotated` or `revoked`.
    pub change: TokenChange,
    /// The new API token (rotation only), shown this once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_token: Option<String>,
    /// Index of the signed `seller_token` entry.
    pub log_index: u64,
    /// When the notary made the change, RFC 3339 ms.
    pub changed_at: String,
}

/// An agreement with its exposure.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgreementItem {
    /// Id.
    pub id: String,
    /// Buyer id.
    pub buyer_id: String,
    /// Buyer name.
    pub buyer_name: String,
    /// Policy id.
    pub policy_id: String,
    /// Policy version.
    pub policy_version: u32,
    /// Policy digest.
    pub policy_digest: String,
    /// ISO 4217.
    pub currency: String,
    /// Overall cap, minor units.
    pub total_cap_minor: i64,
    /// Per-transaction cap, minor units.
    pub per_tx_cap_minor: i64,
    /// Outstanding exposure, minor units.
    pub exposure_minor: i64,
    /// Outstanding guarantees (only filled by `AgreementShow`).
    pub outstanding: u64,
    /// `active`, `suspended`, `ended`.
    pub status: AgreementStatus,
    /// What guarantees see now: the status, or for an active agreement outside its validity
    /// `not_yet_valid` / `expired` (empty from an older notary: read `status`).
    #[serde(default)]
    pub standing: String,
    /// RFC 3339 ms.
    pub valid_from: String,
    /// RFC 3339 ms.
    pub valid_until: String,
    /// Key ids.
    pub keys: Vec<String>,
}

impl AgreementItem {
    /// What guarantees see now: `standing` for an active agreement (`expired` past
    /// `valid_until`), else the stored status (also from an older notary, which sends none).
    pub fn standing(&self) -> &str {
        match (self.status, self.standing.as_str()) {
            (AgreementStatus::Active, s) if !s.is_empty() => s,
            (status, _) => status.as_str(),
        }
    }
}

/// A guarantee in listings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuaranteeItem {
    /// Id.
    pub guarantee_id: String,
    /// Agreement.
    pub agreement_id: String,
    /// Seller.
    pub seller_id: String,
    /// Amount, minor units.
    pub amount_minor: i64,
    /// ISO 4217.
    pub currency: String,
    /// `outstanding`, `settled`, `released`.
    pub state: GuaranteeState,
    /// Issue time, RFC 3339 ms.
    pub issued_at: String,
    /// When the notary releases it if still outstanding.
    pub release_at: String,
    /// The case whose signed ruling holds it for its seller (outstanding past `release_at`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub held_by: Option<String>,
}

/// One ledger event from the log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedItem {
    /// Log index.
    pub index: u64,
    /// `guarantee`, `refusal`, `settlement` or `release`.
    pub kind: EntryKind,
    /// RFC 3339 ms.
    pub logged_at: String,
    /// Agreement.
    pub agreement_id: String,
    /// Seller.
    pub seller_id: String,
    /// The seller's display name, from the registry ("" if unknown).
    pub seller_name: String,
    /// Amount, minor units.
    pub amount_minor: i64,
    /// ISO 4217.
    pub currency: String,
    /// Why it was refused or released, as the signed record says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<FeedReason>,
    /// Guarantee id, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guarantee_id: Option<String>,
}

/// The reason a feed event carries: a refusal's or a release's. In JSON, its wire name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum FeedReason {
    /// Why a guarantee was refused.
    Refused(Refusal),
    /// Why a guarantee was released.
    Released(ReleaseReason),
}

impl FeedReason {
    /// The wire name (`total_cap_exceeded`, `expired`), as the console shows it.
    pub fn as_str(self) -> &'static str {
        match self {
            FeedReason::Refused(r) => r.code(),
            FeedReason::Released(r) => r.as_str(),
        }
    }
}

/// A policy version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyItem {
    /// Id.
    pub id: String,
    /// Version.
    pub version: u32,
    /// Title.
    pub title: String,
    /// SHA-256 of the file, hex.
    pub digest: String,
    /// ISO 4217.
    pub currency: String,
    /// Default overall cap, minor units.
    pub total_cap_minor: i64,
    /// Default per-transaction cap, minor units.
    pub per_tx_cap_minor: i64,
    /// `strict` or `capped`.
    pub uncovered_rule: UncoveredRule,
}

/// Who the caller is and what notary it talks to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hello {
    /// Unix user name of the caller.
    pub operator: String,
    /// Arbitrator name from notar.toml.
    pub arbitrator: String,
    /// Notary short name.
    pub notary: String,
    /// Notary Ed25519 key id (hex).
    pub key_id: String,
    /// C2SP checkpoint verifier key.
    pub checkpoint_vkey: String,
    /// Subject of the TSA certificate.
    pub tsa_subject: String,
    /// TSA policy OID.
    pub timestamp_policy: String,
    /// Declared accuracy.
    pub timestamp_accuracy_ms: u32,
    /// Where the HTTP API listens (`http://ADDR:PORT`; absent from older servers' answers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_url: Option<String>,
}

/// Dashboard figures.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Status {
    /// Server clock, RFC 3339 ms.
    pub now: String,
    /// Process start, RFC 3339 ms.
    pub started_at: String,
    /// Committed log size.
    pub log_size: u64,
    /// Size of the latest checkpoint.
    pub checkpoint_size: u64,
    /// Milliseconds since the latest checkpoint was signed.
    pub checkpoint_age_ms: u64,
    /// Timestamps issued over the last 10 seconds, per second (x1000 to stay an integer).
    pub timestamps_per_s_milli: u64,
    /// Timestamps issued since start.
    pub timestamps_total: u64,
    /// Guarantee events signed since start.
    pub guarantees: GuaranteeCounts,
    /// Exchanges decided (aborted, expired or resolved) since start.
    pub exchanges_decided: u64,
    /// Per-second counts of the last minutes, for the dashboard's chart.
    pub activity: Activity,
    /// True when a failure (a failed write, a failed check, a panic) stopped signing.
    pub failed: bool,
    /// Why it stopped, when it has (absent from older servers' answers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failed_reason: Option<String>,
    /// This process's role on its database: `single` (RocksDB), or on PostgreSQL `active`,
    /// `standby`, `fenced` or `replica` (absent from older servers' answers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
}

/// Guarantee events signed since the notary process started.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuaranteeCounts {
    /// Guarantees granted.
    pub granted: u64,
    /// Requests refused.
    pub refused: u64,
    /// Guarantees settled.
    pub settled: u64,
    /// Guarantees released (by a seller, a ruling or expiry).
    pub released: u64,
}

/// One checkpoint.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckpointItem {
    /// Tree size.
    pub size: u64,
    /// The signed note.
    pub note: String,
}

/// One log entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryItem {
    /// Leaf index.
    pub index: u64,
    /// Entry kind (`timestamp`, `notary_identity`, ...); none when the leaf is unreadable.
    pub kind: Option<EntryKind>,
    /// When it was logged.
    pub logged_at: String,
    /// Who caused it, if an arbitrator did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<String>,
    /// The leaf bytes (canonical JSON) as text.
    pub raw: String,
}

/// An inclusion proof with the checkpoint it is relative to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProofItem {
    /// Leaf index.
    pub index: u64,
    /// Leaf bytes as text.
    pub raw: String,
    /// The signed checkpoint note the proof is for.
    pub checkpoint: String,
    /// Proof hashes, base64.
    pub proof: Vec<String>,
}

impl EntryItem {
    /// The entry's kind as shown: its name, or `unreadable`.
    pub fn kind_name(&self) -> &'static str {
        self.kind.map_or("unreadable", EntryKind::as_str)
    }
}

#[cfg(test)]
#[path = "proto_tests.rs"]
pub(crate) mod tests;
