//! The complaints the sequencer keeps in memory: one queue line per complaint, the open ones by
//! deadline (for the silence sweep), the digest of every complaint (a refiled complaint finds its
//! receipt), and the records staged in the batch being built. Rebuilt from CF complaints at start,
//! every record checked there; changed only by sequencer jobs, once everything is signed.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::later::Later;
use super::ComplaintRecord;
use crate::model::complaint::{ComplaintKind, ComplaintStatus};
use crate::model::money::Money;
use crate::notary::NotaryError;
use crate::store::{Cf, Store};

/// A complaint's line in the queue: what a listing shows and the sweep needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ComplaintLine {
    /// Id.
    pub complaint_id: String,
    /// What it is about.
    pub kind: ComplaintKind,
    /// The claimant's party id.
    pub claimant: String,
    /// The respondent's party id.
    pub respondent: String,
    /// The exchange concerned.
    pub tid: Option<String>,
    /// The guarantee concerned.
    pub guarantee_id: Option<String>,
    /// The order concerned (its `order_digest`), for an order without a guarantee.
    pub order_digest: Option<String>,
    /// Amount claimed.
    pub amount: Money,
    /// When the notary received it.
    pub filed_at: DateTime<Utc>,
    /// The respondent's deadline (inclusive).
    pub response_deadline: DateTime<Utc>,
    /// Where it stands.
    pub status: ComplaintStatus,
    /// The arbitrator working it.
    pub taken_by: Option<String>,
    /// The respondent filed a counter-claim.
    pub counter_claim: bool,
    /// `ruled` (a signed ruling) or `proposed` (waiting for a second arbitrator); the status
    /// stays the answer's.
    pub ruling: Option<&'static str>,
}

impl ComplaintLine {
    pub(super) fn of(r: &ComplaintRecord) -> ComplaintLine {
        let counter_claim = r
            .response
            .as_ref()
            .is_some_and(|e| e.payload.get("counter_claim").is_some());
        ComplaintLine {
            complaint_id: r.complaint_id.clone(),
            kind: r.kind,
            claimant: r.claimant.clone(),
            respondent: r.respondent.clone(),
            tid: r.tid.clone(),
            guarantee_id: r.guarantee_id.clone(),
            order_digest: r.order_digest.clone(),
            amount: r.amount,
            filed_at: r.filed_at,
            response_deadline: r.response_deadline,
            status: r.status,
            taken_by: r.taken_by.clone(),
            counter_claim,
            ruling: match (&r.ruling, &r.proposal) {
                (Some(_), _) => Some("ruled"),
                (None, Some(_)) => Some("proposed"),
                (None, None) => None,
            },
        }
    }
}

/// The memory side of the complaints. Ordered maps for what grows with every complaint ever
/// filed: a hash map doubles its table all at once, under the state lock (BENCHMARKS.md,
/// "Growing maps").
#[derive(Default)]
pub(crate) struct ComplaintBook {
    by_digest: BTreeMap<String, String>,
    lines: BTreeMap<String, ComplaintLine>,
    open: BTreeSet<(DateTime<Utc>, String)>,
    /// Staged records, with the envelope the batch's deferred work signs, if any.
    pending: HashMap<String, (ComplaintRecord, Option<Arc<Later>>)>,
    /// Every claim by what it is about: (subject, party, kind) → the complaint whose claim or
    /// counter-claim it is (the first). A claim is decided once.
    claims: BTreeMap<ClaimKey, String>,
    /// Every complaint by its subject (a [`subject_key`]).
    by_subject: BTreeMap<String, BTreeSet<String>>,
    /// Guarantee id → the complaint whose signed ruling holds it (the buyer ruled to pay under
    /// it): the expiry scan leaves it for its seller to settle.
    held: BTreeMap<String, String>,
}

/// A claim's identity: its subject (`t:` tid, `g:` guarantee id, `o:` order digest), the
/// claiming party and the kind.
pub(crate) type ClaimKey = (String, String, ComplaintKind);

/// The subject part of a [`ClaimKey`] for a case between `parties` about `tid`, `guarantee_id`
/// or `order_digest`. A tid or a guarantee id names one deal; an order digest names a document,
/// which two buyers may both sign (or one buyer to two sellers), so its key holds the two
/// parties: one deal's claim must not stand for another's (s9c G1: sally's claim against one
/// buyer by order digest made her claim against the other buyer's guarantee a
/// `duplicate_claim`).
pub(crate) fn subject_key(
    tid: Option<&str>,
    guarantee_id: Option<&str>,
    order_digest: Option<&str>,
    parties: [&str; 2],
) -> String {
    match (tid, guarantee_id, order_digest) {
        (Some(t), _, _) => format!("t:{t}"),
        (_, Some(g), _) => format!("g:{g}"),
        (_, _, Some(d)) => {
            let [a, b] = parties;
            let (a, b) = if a <= b { (a, b) } else { (b, a) };
            format!("o:{d}:{a}:{b}")
        }
        _ => String::new(),
    }
}

/// The guarantees the record's ruling holds: its `hold_guarantee` actions that found the
/// guarantee outstanding (docs/formats.md "Signed ruling").
fn held_by(r: &ComplaintRecord) -> Vec<String> {
    let actions = r.ruling.as_ref().and_then(|e| e.payload.get("actions"));
    let Some(Value::Array(actions)) = actions else {
        return Vec::new();
    };
    actions
        .iter()
        .filter(|a| a["action"] == "hold_guarantee" && a["result"] == "held")
        .filter_map(|a| a["guarantee_id"].as_str().map(str::to_string))
        .collect()
}

/// The kind of the counter-claim a record's response carries, if any.
fn counter_kind(r: &ComplaintRecord) -> Option<ComplaintKind> {
    let c = r.response.as_ref()?.payload.get("counter_claim")?;
    serde_json::from_value(c.get("kind")?.clone()).ok()
}

impl ComplaintBook {
    /// Reads every stored complaint, checking each record and that no digest is filed twice.
    pub fn load(store: &Store) -> Result<ComplaintBook, NotaryError> {
        let mut book = ComplaintBook::default();
        for (key, raw) in store.scan_all(Cf::Complaints)? {
            let r: ComplaintRecord = serde_json::from_slice(&raw)
                .map_err(|e| NotaryError::Corrupt(format!("complaint record: {e}")))?;
            if key != r.complaint_id.as_bytes() {
                return Err(NotaryError::Corrupt(format!(
                    "complaint {} is stored under another key",
                    r.complaint_id
                )));
            }
            r.check().map_err(NotaryError::Corrupt)?;
            if book.by_digest.contains_key(&r.complaint_digest) {
                return Err(NotaryError::Corrupt(format!(
                    "complaint digest {} is filed twice",
                    r.complaint_digest
                )));
            }
            book.index(&r);
        }
        Ok(book)
    }

    /// The id of the complaint filed with this digest.
    pub fn id_for_digest(&self, digest: &str) -> Option<&str> {
        self.by_digest.get(digest).map(String::as_str)
    }

    /// The record staged for `id` in the batch being built, and its envelope still to sign
    /// (held unsigned in the record until then), if any.
    pub fn pending(&self, id: &str) -> Option<(&ComplaintRecord, Option<&Arc<Later>>)> {
        self.pending.get(id).map(|(r, later)| (r, later.as_ref()))
    }

    /// Keeps a new or changed record, staged: its line, its place among the open cases, and the
    /// record itself (with `later`, its envelope still to sign) until
    /// [`ComplaintBook::committed`]. Refuses (a bug) a record whose status and envelopes
    /// disagree, changing nothing.
    pub fn put(
        &mut self,
        record: ComplaintRecord,
        later: Option<Arc<Later>>,
    ) -> Result<(), NotaryError> {
        record.check().map_err(NotaryError::Bug)?;
        if let Some(old) = self.lines.get(&record.complaint_id) {
            self.open
                .remove(&(old.response_deadline, old.complaint_id.clone()));
        }
        self.index(&record);
        self.pending
            .insert(record.complaint_id.clone(), (record, later));
        Ok(())
    }

    /// The batch holding `id`'s record is durable: the store has it now.
    pub fn committed(&mut self, id: &str) {
        self.pending.remove(id);
    }

    /// The complaint in which `party` already claims `kind` about `subject` (a [`subject_key`]),
    /// as its claim or its counter-claim.
    pub fn claimed(&self, subject: &str, party: &str, kind: ComplaintKind) -> Option<&str> {
        let key = (subject.to_string(), party.to_string(), kind);
        self.claims.get(&key).map(String::as_str)
    }

    fn index(&mut self, r: &ComplaintRecord) {
        self.by_digest
            .insert(r.complaint_digest.clone(), r.complaint_id.clone());
        let subject = subject_key(
            r.tid.as_deref(),
            r.guarantee_id.as_deref(),
            r.order_digest.as_deref(),
            [&r.claimant, &r.respondent],
        );
        self.by_subject
            .entry(subject.clone())
            .or_default()
            .insert(r.complaint_id.clone());
        let claims = [
            Some((r.claimant.clone(), r.kind)),
            counter_kind(r).map(|k| (r.respondent.clone(), k)),
        ];
        for (party, kind) in claims.into_iter().flatten() {
            self.claims
                .entry((subject.clone(), party, kind))
                .or_insert_with(|| r.complaint_id.clone());
        }
        for gid in held_by(r) {
            self.held.insert(gid, r.complaint_id.clone());
        }
        if r.status == ComplaintStatus::Open {
            self.open
                .insert((r.response_deadline, r.complaint_id.clone()));
        }
        self.lines
            .insert(r.complaint_id.clone(), ComplaintLine::of(r));
    }

    /// A complaint about one of `subjects` ([`subject_key`]s) that no signed ruling decided yet
    /// and the protocol did not settle: one an arbitrator may still rule on.
    pub fn undecided_about(&self, subjects: &[String]) -> Option<&str> {
        subjects
            .iter()
            .filter_map(|s| self.by_subject.get(s))
            .flatten()
            .find(|id| {
                self.lines.get(*id).is_some_and(|l| {
                    l.status != ComplaintStatus::Settled && l.ruling != Some("ruled")
                })
            })
            .map(String::as_str)
    }

    /// Every complaint about one of `subjects` ([`subject_key`]s), by id.
    pub fn about(&self, subjects: &[String]) -> BTreeSet<String> {
        let cases = subjects.iter().filter_map(|s| self.by_subject.get(s));
        cases.flatten().cloned().collect()
    }

    /// The complaint whose signed ruling holds guarantee `guarantee_id` for its seller, if any.
    pub fn holding(&self, guarantee_id: &str) -> Option<&str> {
        self.held.get(guarantee_id).map(String::as_str)
    }

    /// Up to `limit` open complaints whose deadline passed before `now`, earliest first.
    pub fn due(&self, now: DateTime<Utc>, limit: usize) -> Vec<String> {
        self.open
            .iter()
            .take_while(|(deadline, _)| *deadline < now)
            .take(limit)
            .map(|(_, id)| id.clone())
            .collect()
    }

    /// The queue: open and answered complaints by deadline, earliest first, then the silent and
    /// settled ones, newest first; at most `limit`.
    pub fn queue(&self, limit: usize) -> Vec<ComplaintLine> {
        let waiting = |l: &ComplaintLine| {
            matches!(l.status, ComplaintStatus::Open | ComplaintStatus::Answered)
        };
        let mut lines: Vec<&ComplaintLine> = self.lines.values().collect();
        lines.sort_by(|a, b| {
            waiting(b).cmp(&waiting(a)).then_with(|| {
                if waiting(a) {
                    (a.response_deadline, &a.complaint_id)
                        .cmp(&(b.response_deadline, &b.complaint_id))
                } else {
                    (b.filed_at, &b.complaint_id).cmp(&(a.filed_at, &a.complaint_id))
                }
            })
        });
        lines.into_iter().take(limit).cloned().collect()
    }
}
