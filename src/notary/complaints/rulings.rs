//! Rulings (docs/design.md §6.5): an arbitrator replays a case's evidence bundle and the notary
//! signs the model's ruling as a `ruling` envelope (docs/formats.md "Ruling") that names the
//! arbitrator and cites the bundle's digest. One sequencer command decides it and runs its
//! actions in the same batch, the worker pool signing the ruling and its exchange tokens: a
//! released guarantee returns its amount to headroom in the same durable write (the guarantee's
//! `closing` is the ruling itself). A case is ruled once.
//!
//! When the policy sets `second_arbitrator_above` and the claim is above it, the first
//! arbitrator's act only records a proposal (unsigned, unlogged: nothing has taken effect); the
//! ruling is signed, exactly as proposed, when a second, different arbitrator confirms it.

use std::collections::BTreeSet;
use std::sync::Arc;

use ed25519_dalek::SigningKey;
use serde::Serialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::basis::Basis;
use super::later::{Later, Slot};
use super::{committed, current, keep, stored, written, ComplaintRecord, RulingProposal};
use crate::crypto::envelope::Envelope;
use crate::model::canonical::check_canonical;
use crate::model::complaint::{ComplaintStatus, HistoryWhat};
use crate::model::dispute::{changes, Action, Ruling};
use crate::model::entry::EntryKind;
use crate::model::error_code::ErrorCode;
use crate::model::exchange::{Offer, Ruled};
use crate::model::time::rfc3339_ms;
use crate::notary::command::{AfterCommit, Decision};
use crate::notary::exchanges::{
    plan_ruled, record_ruled, RuledDecision, RuledExchange, RuledToken,
};
use crate::notary::guarantees::{close_with, stored_text_record, TextRecord};
use crate::notary::sequencer::{Records, StageCtx, StagedEntry};
use crate::notary::state::{GuaranteeState, State};
use crate::notary::{Notary, NotaryError, Shared};
use crate::replay::{replay, Bundle, Item as BundleItem};
use crate::store::Cf;

/// An arbitrator acting on the admin socket.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Arbitrator {
    /// The arbitrator's name (notar.toml `[arbitrators]`).
    pub name: String,
    /// The Unix user behind the admin connection.
    pub user: String,
}

/// What a ruling act did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RulingOutcome {
    /// Signed and logged; its actions ran.
    Ruled {
        /// The `ruling` envelope.
        ruling: Envelope,
    },
    /// Recorded as a proposal: a second arbitrator must confirm it.
    Proposed {
        /// The proposal.
        proposal: RulingProposal,
    },
}

/// What the sequencer signs: the replayed ruling, the bundle it came from, who decided.
struct Signing {
    complaint_id: String,
    bundle_digest: String,
    ruling: Ruling,
    /// `ruling` as the JSON the signed payload holds (made before the sequencer).
    ruling_json: Value,
    arbitrator: Arbitrator,
    confirmed_by: Option<Arbitrator>,
    /// The proposal this confirms (it must still be the case's).
    confirms: Option<RulingProposal>,
    /// The exchanges its actions decide, with the case's envelopes they rest on.
    exchanges: Vec<RuledExchange>,
    /// The bundle's file bytes, kept under its digest with the ruling or the proposal (none
    /// when confirming: the proposal kept them).
    bundle_bytes: Option<Vec<u8>>,
    /// What the replay rested on that may change before the sequencer records the ruling.
    basis: Basis,
}

/// A case replayed for a ruling: the ruling, the bundle's digest, the bundle, its file bytes
/// and what it rests on that may still change.
type Replayed = (Ruling, String, Bundle, Vec<u8>, Basis);

/// Where the bytes of a bundle a ruling or a proposal rests on are kept (CF meta, by digest).
fn bundle_key(digest: &str) -> Vec<u8> {
    format!("ruled-bundle/{digest}").into_bytes()
}

fn already_ruled(id: &str) -> NotaryError {
    NotaryError::Conflict {
        code: ErrorCode::AlreadyRuled,
        message: format!("case {id} is ruled already: a case is ruled once"),
    }
}

/// The stored case `id`, if it is ready for a ruling: not ruled yet, and answered or silent (an
/// open case still waits for its respondent; a settled one was decided by the protocol).
fn unruled(shared: &Shared, id: &str) -> Result<ComplaintRecord, NotaryError> {
    let record = stored(shared, id)?;
    if record.ruling.is_some() {
        return Err(already_ruled(id));
    }
    let refused = |code, why: &str| NotaryError::Conflict {
        code,
        message: format!("case {id} {why}"),
    };
    match record.status {
        ComplaintStatus::Answered | ComplaintStatus::Silent => Ok(record),
        ComplaintStatus::Open => Err(refused(
            ErrorCode::ResponsePending,
            "is open: the respondent may answer until its deadline",
        )),
        ComplaintStatus::Settled => Err(refused(
            ErrorCode::ComplaintSettled,
            "was settled by the exchange protocol",
        )),
    }
}

fn bug(e: impl std::fmt::Display) -> NotaryError {
    NotaryError::Bug(e.to_string())
}

/// The most money a ruling moves, minor units: the amounts claimed (claim and counter-claim),
/// every amount either part allocates, and the amount of every guarantee it releases or holds.
/// The claim alone understated it: a 1.00 claim whose ruling released a 500.00 guarantee needed
/// no second arbitrator, and the buyer, who chooses the claim's amount, could pick that. A hold
/// keeps the whole guarantee for its seller past its expiry, who may then settle all of it
/// (s12 M2).
fn moved(shared: &Shared, st: &State, record: &ComplaintRecord, ruling: &Ruling) -> i64 {
    let parts = std::iter::once(ruling).chain(ruling.counter_claim.as_deref());
    let mut most = record.amount.minor;
    for part in parts {
        let a = &part.allocation;
        let amounts = [
            part.claim.amount,
            a.buyer_pays,
            a.notary_pays,
            a.seller_bears,
            a.refund_to_buyer,
        ];
        most = amounts.iter().map(|m| m.minor).fold(most, i64::max);
    }
    // One the notary cannot find moves nothing: its action will find nothing either.
    super::review::guarantee_amounts(shared, st, ruling)
        .values()
        .map(|m| m.minor)
        .fold(most, i64::max)
}

/// The model's ruling as the JSON its signed payload holds.
fn ruling_json(ruling: &Ruling) -> Result<Value, NotaryError> {
    serde_json::from_slice(&ruling.to_canonical_json()).map_err(bug)
}

impl Notary {
    /// Builds case `complaint_id`'s evidence bundle and replays it: the model's ruling and the
    /// bundle's digest (hex SHA-256 of its file bytes), exactly what signing it would sign.
    /// Nothing changes; a ruled case replays too.
    pub async fn case_replay(&self, complaint_id: &str) -> Result<(Ruling, String), NotaryError> {
        let (ruling, digest, ..) = self.replay_case(complaint_id).await?;
        Ok((ruling, digest))
    }

    /// What an arbitrator reviews before acting on case `complaint_id`: its pending proposal
    /// (the ruling exactly as it would be confirmed, the bundle digest it cites, and who
    /// proposed it), else [`Notary::case_replay`]'s fresh replay (no proposer).
    pub async fn case_review(
        &self,
        complaint_id: &str,
    ) -> Result<(Ruling, String, Option<String>), NotaryError> {
        let record = stored(&self.shared, complaint_id)?;
        if let (None, Some(p)) = (&record.ruling, &record.proposal) {
            let ruling = proposed_ruling(complaint_id, p)?;
            return Ok((ruling, p.bundle_digest.clone(), Some(p.arbitrator.clone())));
        }
        let (ruling, digest) = self.case_replay(complaint_id).await?;
        Ok((ruling, digest, None))
    }

    /// Withdraws case `complaint_id`'s proposed ruling: its proposer takes it back, or another
    /// arbitrator rejects it, saying why. Nothing had been signed; the case may be ruled afresh
    /// (`notar case rule`), by either. `409 no_proposal` when there is none.
    pub async fn withdraw_proposal(
        &self,
        complaint_id: &str,
        arbitrator: Arbitrator,
        reason: &str,
    ) -> Result<super::CaseView, NotaryError> {
        // The parties read it in the case's history: printable text only, as a revocation's.
        let reason = crate::model::registry::check_reason(reason)
            .map_err(|m| NotaryError::invalid(ErrorCode::BadReason, m))?;
        let id = complaint_id.to_string();
        self.desk(complaint_id, move |record, ctx| {
            if record.ruling.is_some() {
                return Err(already_ruled(&id));
            }
            if record.proposal.take().is_none() {
                return Err(no_proposal(&id));
            }
            let what = HistoryWhat::ProposalWithdrawn { reason };
            record.push(ctx.now, what, Some(arbitrator.name), None);
            Ok(true)
        })
        .await
    }

    /// The file bytes of the bundle case `complaint_id`'s signed ruling (else its proposal)
    /// cites by `bundle_digest`, exactly as the notary replayed them: anyone given them can
    /// check the ruling offline. A later export differs (a newer checkpoint, the ruling itself
    /// among the items). `not_found` for a case with neither, or ruled before they were kept.
    pub fn ruled_bundle(&self, complaint_id: &str) -> Result<Vec<u8>, NotaryError> {
        let record = stored(&self.shared, complaint_id)?;
        let from_ruling = record.ruling.as_ref().and_then(|r| {
            r.payload
                .get("bundle_digest")
                .and_then(Value::as_str)
                .map(str::to_string)
        });
        let from_proposal = record.proposal.as_ref().map(|p| p.bundle_digest.clone());
        let not_found = |what: String| NotaryError::invalid(ErrorCode::NotFound, what);
        // A known case not yet ruled is a refusal (exit 1), not an unknown id (s11 L7).
        let digest = from_ruling
            .or(from_proposal)
            .ok_or_else(|| NotaryError::Conflict {
                code: ErrorCode::NoProposal,
                message: format!("case {complaint_id} has no ruling or proposal yet"),
            })?;
        self.shared
            .store
            .get(Cf::Meta, &bundle_key(&digest))?
            .ok_or_else(|| {
                not_found(format!(
                    "the bundle {digest} case {complaint_id}'s ruling cites was not kept (ruled before notar kept them)"
                ))
            })
    }

    /// [`Notary::case_replay`], with the bundle replayed and its file bytes.
    async fn replay_case(&self, complaint_id: &str) -> Result<Replayed, NotaryError> {
        let bundle = self.case_bundle(complaint_id).await?;
        let bytes = bundle.to_file_bytes().map_err(bug)?;
        let bundle_digest = hex::encode(Sha256::digest(&bytes));
        let replayed = replay(&bytes).map_err(|e| {
            NotaryError::invalid(
                ErrorCode::BadRequest,
                format!("case {complaint_id} cannot be replayed: {e}"),
            )
        })?;
        // The notary's own records always name the terms and state the counter-claim: a
        // bundle of them that needs a stand-in is not ruled on.
        if let Some(a) = replayed.assumed.first() {
            return Err(NotaryError::invalid(
                ErrorCode::BadRequest,
                format!("case {complaint_id} is not replayed from the notary's records alone: {a}"),
            ));
        }
        let basis = Basis::of(&replayed);
        Ok((replayed.ruling, bundle_digest, bundle, bytes, basis))
    }

    /// Replays case `complaint_id`'s bundle and signs the ruling for `arbitrator` (or records it
    /// as a proposal when the policy wants a second arbitrator for the claim's amount).
    pub async fn sign_ruling(
        &self,
        complaint_id: &str,
        arbitrator: Arbitrator,
    ) -> Result<RulingOutcome, NotaryError> {
        self.sign_ruling_reviewed(complaint_id, arbitrator, None)
            .await
    }

    /// [`Notary::sign_ruling`], but only when the fresh replay gives the ruling the arbitrator
    /// reviewed: `expect` is its [`Ruling::decision_digest`]. The
    /// evidence may change between review and signing (a settlement, an answer, an exchange
    /// decided): then nothing is signed, `409 ruling_changed`, and the arbitrator reviews again.
    pub async fn sign_ruling_reviewed(
        &self,
        complaint_id: &str,
        arbitrator: Arbitrator,
        expect: Option<&str>,
    ) -> Result<RulingOutcome, NotaryError> {
        let record = unruled(&self.shared, complaint_id)?;
        if record.proposal.is_some() {
            return Err(awaiting(complaint_id));
        }
        let (ruling, bundle_digest, bundle, bytes, basis) = self.replay_case(complaint_id).await?;
        let now = ruling.decision_digest();
        if let Some(reviewed) = expect.filter(|e| *e != now) {
            return Err(changed(complaint_id, reviewed));
        }
        let signing = Signing {
            complaint_id: complaint_id.to_string(),
            bundle_digest,
            exchanges: ruled_exchanges(&ruling, &bundle),
            ruling_json: ruling_json(&ruling)?,
            ruling,
            arbitrator,
            confirmed_by: None,
            confirms: None,
            bundle_bytes: Some(bytes),
            basis,
        };
        if self.needs_second(&record, &signing.ruling) {
            return self.propose(signing).await;
        }
        self.sign(signing).await
    }

    /// Confirms case `complaint_id`'s proposed ruling as a second arbitrator: the ruling is
    /// signed exactly as proposed and its actions run. The proposer cannot confirm.
    pub async fn confirm_ruling(
        &self,
        complaint_id: &str,
        arbitrator: Arbitrator,
    ) -> Result<RulingOutcome, NotaryError> {
        self.confirm_ruling_reviewed(complaint_id, arbitrator, None)
            .await
    }

    /// [`Notary::confirm_ruling`], but only when the proposal is the ruling the second
    /// arbitrator reviewed: `expect` is its [`Ruling::decision_digest`] (a `CaseReplay` of the
    /// proposed case, or `notar replay` of `notar case export --ruled`). A proposal withdrawn
    /// and proposed again in between decides otherwise: `409 ruling_changed`, nothing signed.
    /// So does a proposal the evidence has overtaken ([`Notary::still_proposed`]).
    pub async fn confirm_ruling_reviewed(
        &self,
        complaint_id: &str,
        arbitrator: Arbitrator,
        expect: Option<&str>,
    ) -> Result<RulingOutcome, NotaryError> {
        let record = unruled(&self.shared, complaint_id)?;
        let Some(p) = record.proposal else {
            return Err(no_proposal(complaint_id));
        };
        if p.user == arbitrator.user || p.arbitrator == arbitrator.name {
            return Err(NotaryError::Conflict {
                code: ErrorCode::SameArbitrator,
                message: format!(
                    "{} proposed this ruling: a second, different arbitrator must confirm it",
                    p.arbitrator
                ),
            });
        }
        let ruling = proposed_ruling(complaint_id, &p)?;
        let proposed = ruling.decision_digest();
        if let Some(reviewed) = expect.filter(|e| *e != proposed) {
            return Err(NotaryError::Conflict {
                code: ErrorCode::RulingChanged,
                message: format!(
                    "the proposal of case {complaint_id} is not the ruling you reviewed ({}): nothing was signed; review the proposal itself (notar case export --ruled, notar replay) and confirm with its decision digest",
                    clean_digest(reviewed)
                ),
            });
        }
        let (bundle, basis) = self.still_proposed(complaint_id, &ruling).await?;
        // The envelopes an exchange action rests on are the case's; its evidence only grows.
        let exchanges = ruled_exchanges(&ruling, &bundle);
        let signing = Signing {
            exchanges,
            complaint_id: complaint_id.to_string(),
            bundle_digest: p.bundle_digest.clone(),
            ruling_json: ruling_json(&ruling)?,
            ruling,
            arbitrator: Arbitrator {
                name: p.arbitrator.clone(),
                user: p.user.clone(),
            },
            confirmed_by: Some(arbitrator),
            confirms: Some(p),
            bundle_bytes: None,
            basis,
        };
        self.sign(signing).await
    }

    /// Case `complaint_id`'s bundle now, if its replay still gives the proposed decision
    /// `proposed`. The evidence may have changed since the proposal (a settlement, an answer, a
    /// decided exchange): a ruling the notary's own replay no longer gives is not signed,
    /// confirmed or not (as `case rule --expect-ruling` refuses it), `409 ruling_changed`.
    async fn still_proposed(
        &self,
        complaint_id: &str,
        proposed: &Ruling,
    ) -> Result<(Bundle, Basis), NotaryError> {
        let (now, _, bundle, _, basis) = self.replay_case(complaint_id).await?;
        let digest = proposed.decision_digest();
        if now.decision_digest() == digest {
            return Ok((bundle, basis));
        }
        // What moved, so the arbitrators know what to look at before ruling again (s10 N5);
        // not the new ruling's digest, which pasted back unread would defeat the review (as in
        // [`changed`], s11 M4).
        let what = changes(proposed, &now).join("; ");
        Err(NotaryError::Conflict {
            code: ErrorCode::RulingChanged,
            message: format!(
                "the evidence of case {complaint_id} changed since the ruling was proposed ({digest}): a replay now decides otherwise ({what}); nothing was signed: withdraw the proposal (notar case withdraw), replay the case afresh and rule again"
            ),
        })
    }

    /// Whether the policy the ruling applied wants a second arbitrator for this ruling: when
    /// the most it moves is above `second_arbitrator_above`.
    fn needs_second(&self, record: &ComplaintRecord, ruling: &Ruling) -> bool {
        let st = self.shared.state.lock();
        let policy = st
            .policies
            .get(&ruling.policy)
            .or_else(|| st.policies.get(&record.policy));
        policy
            .and_then(|p| p.second_arbitrator_above)
            .is_some_and(|above| moved(&self.shared, &st, record, ruling) > above)
    }

    async fn propose(&self, s: Signing) -> Result<RulingOutcome, NotaryError> {
        let shared = self.shared.clone();
        self.command(move |ctx| {
            let mut st = shared.state.lock();
            let (mut record, _) = current(&shared, &st, &s.complaint_id)?;
            check_unruled(&record, None)?;
            let ruling = String::from_utf8(s.ruling.to_canonical_json()).map_err(bug)?;
            let proposal = RulingProposal {
                arbitrator: s.arbitrator.name.clone(),
                user: s.arbitrator.user.clone(),
                bundle_digest: s.bundle_digest,
                ruling,
                proposed_at: super::wire_time(ctx.now),
            };
            record.proposal = Some(proposal.clone());
            let by = Some(s.arbitrator.name);
            record.push(ctx.now, HistoryWhat::RulingProposed, by, None);
            let mut kept = keep(
                &shared,
                &mut st,
                record,
                None,
                RulingOutcome::Proposed {
                    proposal: proposal.clone(),
                },
            )?;
            if let (Decision::Write { records, .. }, Some(b)) = (&mut kept, s.bundle_bytes) {
                records.push((Cf::Meta, bundle_key(&proposal.bundle_digest), b));
            }
            Ok(kept)
        })
        .await
    }

    async fn sign(&self, s: Signing) -> Result<RulingOutcome, NotaryError> {
        let shared = self.shared.clone();
        self.command(move |ctx| stage_ruling(&shared, ctx, s)).await
    }
}

/// A digest a caller sent, safe to repeat in a message.
fn clean_digest(d: &str) -> String {
    d.chars()
        .take(64)
        .filter(char::is_ascii_alphanumeric)
        .collect()
}

/// `409 ruling_changed`: the ruling that would be signed is not the one reviewed. Either the
/// evidence changed since, or the digest given is not the reviewed ruling's: which, the notary
/// cannot tell, and it does not print the digest it would sign (pasted back unread, it would
/// defeat the check).
fn changed(id: &str, reviewed: &str) -> NotaryError {
    let reviewed = clean_digest(reviewed);
    NotaryError::Conflict {
        code: ErrorCode::RulingChanged,
        message: format!(
            "a replay of case {id} now decides otherwise than ruling {reviewed}: the evidence changed since it was reviewed, or that is not the decision digest of the replay reviewed (notar case export, then notar replay); nothing was signed, review it again"
        ),
    }
}

fn no_proposal(id: &str) -> NotaryError {
    NotaryError::Conflict {
        code: ErrorCode::NoProposal,
        message: format!("case {id} has no proposed ruling"),
    }
}

/// The ruling proposal `p` of case `id` holds.
fn proposed_ruling(id: &str, p: &RulingProposal) -> Result<Ruling, NotaryError> {
    serde_json::from_str(&p.ruling)
        .map_err(|e| NotaryError::Corrupt(format!("proposal of {id}: {e}")))
}

fn awaiting(id: &str) -> NotaryError {
    NotaryError::Conflict {
        code: ErrorCode::AwaitingConfirmation,
        message: format!("case {id} has a proposed ruling: a second arbitrator confirms it"),
    }
}

/// Under the state lock: the case is not ruled, and its proposal is the one `confirms` names
/// (none when signing directly).
fn check_unruled(
    record: &ComplaintRecord,
    confirms: Option<&RulingProposal>,
) -> Result<(), NotaryError> {
    let id = &record.complaint_id;
    if record.ruling.is_some() {
        return Err(already_ruled(id));
    }
    match (record.proposal.as_ref(), confirms) {
        (None, None) => Ok(()),
        (Some(a), Some(b)) if a == b => Ok(()),
        (Some(_), None) => Err(awaiting(id)),
        _ => Err(NotaryError::Conflict {
            code: ErrorCode::NoProposal,
            message: format!("case {id}'s proposal changed; read the case again"),
        }),
    }
}

/// On the sequencer: decides the ruling's actions and records the ruling on the case, all in
/// one batch; the ruling and the exchange tokens it makes are signed by the batch's deferred work
/// on the worker pool (DESIGN §2: the sequencer only orders). Until then the case's staged record
/// holds the ruling unsigned and each guarantee it releases names it by index; a later command
/// of the batch that reads either signs the ruling through the same cell.
fn stage_ruling(
    shared: &Arc<Shared>,
    ctx: &StageCtx,
    s: Signing,
) -> Result<Decision<RulingOutcome>, NotaryError> {
    let mut st = shared.state.lock();
    let (mut record, _) = current(shared, &st, &s.complaint_id)?;
    check_unruled(&record, s.confirms.as_ref())?;
    if let Some(why) = s.basis.changed(&st, &record) {
        return Err(NotaryError::Conflict {
            code: ErrorCode::RulingChanged,
            message: format!(
                "the evidence of case {} changed while the ruling was being signed ({why}): nothing was signed; replay the case again and rule on what it shows now",
                s.complaint_id
            ),
        });
    }
    let (results, releases, decided) = plan_actions(shared, &st, ctx, &s)?;
    let payload = ruling_payload(&s, results, ctx)?;
    // The log entry names the operator who acted (the confirmer, when there is one); the
    // history names the arbitrator who decided, and who confirmed it.
    let operator = Some(
        s.confirmed_by
            .as_ref()
            .unwrap_or(&s.arbitrator)
            .user
            .clone(),
    );
    let later = Arc::new(Later::new(Slot::Ruling, EntryKind::Ruling, payload));
    record.ruling = Some(later.unsigned());
    record.proposal = None;
    let confirmed_by = s.confirmed_by.as_ref().map(|c| c.name.clone());
    record.push(
        ctx.now,
        HistoryWhat::Ruled { confirmed_by },
        Some(s.arbitrator.name.clone()),
        Some(ctx.index),
    );
    let id = record.complaint_id.clone();
    st.complaints.put(record.clone(), Some(later.clone()))?;
    let mut effects = Effects {
        closed: Vec::new(),
        tokens: Vec::new(),
        afters: vec![committed(shared, id)],
        bundle: s
            .bundle_bytes
            .map(|b| (Cf::Meta, bundle_key(&s.bundle_digest), b)),
    };
    release(shared, &mut st, releases, (ctx.index, &later), &mut effects)?;
    for d in decided {
        let (token, after) = record_ruled(shared, &mut st, d);
        effects.tokens.push(token);
        effects.afters.push(after);
    }
    let count = 1 + effects.tokens.len() as u64;
    let afters = std::mem::take(&mut effects.afters);
    let after: AfterCommit = Box::new(move || afters.into_iter().for_each(|f| f()));
    let (key, ctx) = (shared.notary_key.clone(), *ctx);
    let run = Box::new(move || sign_ruling_batch(&key, (ctx, operator), (&later, record), effects));
    Ok(Decision::Deferred {
        count,
        run,
        after: Some(after),
    })
}

/// The `ruling` envelope's payload (docs/formats.md "Signed ruling"), `log_index` included.
/// Everything in it is the notary's own (the model's ruling, the action results), but it is
/// signed on the worker pool, where a failure would stop the notary: checked here.
fn ruling_payload(s: &Signing, results: Vec<Value>, ctx: &StageCtx) -> Result<Value, NotaryError> {
    let mut payload = json!({
        "complaint_id": s.complaint_id,
        "bundle_digest": s.bundle_digest,
        "rules_version": s.ruling.rules_version,
        "policy": s.ruling.policy,
        "arbitrator": s.arbitrator,
        "ruling": s.ruling_json,
        "actions": results,
        "decided_at": rfc3339_ms(ctx.now),
        "log_index": ctx.index,
    });
    if let Some(c) = &s.confirmed_by {
        payload["confirmed_by"] = json!(c);
    }
    check_canonical(&payload).map_err(bug)?;
    Ok(payload)
}

/// What a ruling's actions changed in memory, to write once it is signed: the guarantees it
/// released (each naming the ruling as its closing), the exchange tokens to sign, and the
/// cleanups once durable.
/// Closes the guarantees `releases` as released by the ruling at `index` (its signature in
/// `later`), counted on the dashboard once durable: a release in the ruling's entry, not one of
/// its own (s12 L6: "0 released" after a ruling freed a guarantee).
fn release(
    shared: &Arc<Shared>,
    st: &mut State,
    releases: Vec<TextRecord>,
    (index, later): (u64, &Arc<Later>),
    effects: &mut Effects,
) -> Result<(), NotaryError> {
    for g in releases {
        let target = GuaranteeState::Released;
        let (c, after) = close_with(shared, st, g, target, (index, later.cell()))?;
        effects.closed.push(c);
        effects.afters.push(after);
        let counts = shared.published.clone();
        effects
            .afters
            .push(Box::new(move || counts.count_signed(EntryKind::Release)));
    }
    Ok(())
}

struct Effects {
    closed: Vec<Arc<TextRecord>>,
    tokens: Vec<RuledToken>,
    afters: Vec<AfterCommit>,
    /// The bundle's bytes by digest, so that the bundle the ruling cites can be had later.
    bundle: Option<(Cf, Vec<u8>, Vec<u8>)>,
}

/// The ruling's deferred work: signs the ruling (unless a later command of its batch did) and
/// its exchange tokens, and makes the batch's entries (the ruling at its index, the tokens after
/// it) and records (the case, the released guarantees, the exchanges).
fn sign_ruling_batch(
    key: &SigningKey,
    (ctx, operator): (StageCtx, Option<String>),
    (later, mut record): (&Later, ComplaintRecord),
    effects: Effects,
) -> Result<(StagedEntry, Records, RulingOutcome), NotaryError> {
    later.fill(&mut record, key)?;
    let signed = later.signed(key)?;
    let mut entry = ctx.entry_of_bytes(EntryKind::Ruling, operator.as_deref(), &signed.bytes)?;
    let mut records = written(&record)?;
    records.extend(effects.bundle);
    for g in effects.closed {
        let id = g.record.guarantee_id.as_bytes().to_vec();
        records.push((Cf::Guarantees, id, g.stored_bytes()?));
    }
    for t in effects.tokens {
        let (e, r) = t.sign(key)?;
        entry.then.push(e);
        records.extend(r);
    }
    let value = RulingOutcome::Ruled {
        ruling: signed.envelope()?,
    };
    Ok((entry, records, value))
}

/// What running a ruling's actions will do: the results it records, the guarantees it
/// releases, the exchange decisions it makes.
type Planned = (Vec<Value>, Vec<TextRecord>, Vec<RuledDecision>);

/// What each of the ruling's actions does (the claim's, then the counter-claim's not already
/// among them), as recorded in the ruling; the outstanding guarantees it releases; the exchange
/// decisions it makes, their tokens at the indexes after the ruling's.
fn plan_actions(
    shared: &Shared,
    st: &State,
    ctx: &StageCtx,
    s: &Signing,
) -> Result<Planned, NotaryError> {
    let mut results = Vec::new();
    let mut releases = Vec::new();
    let mut decided: Vec<RuledDecision> = Vec::new();
    let mut seen = BTreeSet::new();
    let mut tids = BTreeSet::new();
    for a in s.ruling.all_actions() {
        match a {
            Action::ReleaseGuarantee { guarantee_id } => {
                let g = guarantee_now(shared, st, guarantee_id)?;
                let Some(result) = plan_release(st, &g, &s.complaint_id, &mut seen) else {
                    continue;
                };
                let released = result["result"] == "released";
                results.push(result);
                if released {
                    releases.push(g);
                }
            }
            Action::HoldGuarantee { guarantee_id } => {
                results.push(plan_hold(&guarantee_now(shared, st, guarantee_id)?));
            }
            Action::ResolveExchange { tid } | Action::AbortExchange { tid } => {
                let first = tids.insert(tid.clone());
                let at = ctx.after(1 + decided.len() as u64);
                let (result, decision) = plan_exchange(shared, st, (ctx.index, &at), s, a, first)?;
                results.push(result);
                decided.extend(decision);
            }
            Action::FlagNotaryFault { item } => {
                results.push(json!({"action": "flag_notary_fault", "item": item,
                    "result": "recorded"}));
            }
        }
    }
    Ok((results, releases, decided))
}

/// The result of releasing guarantee `g` by the ruling of case `case`: `released` when
/// outstanding (the first time: `seen` holds the ones this ruling releases; a repeat gives
/// nothing), what closed it before, or `held` when another case's signed ruling holds it: that
/// case's evidence may be missing from this one (a buyer's own claim the seller left unanswered),
/// and released now it would free what the buyer was ruled to owe (s8 F1).
fn plan_release(
    st: &State,
    g: &TextRecord,
    case: &str,
    seen: &mut BTreeSet<String>,
) -> Option<Value> {
    let r = &g.record;
    let mut result = json!({"action": "release_guarantee", "guarantee_id": r.guarantee_id,
        "amount": r.amount, "reason": "ruled"});
    let holder = st.complaints.holding(&r.guarantee_id);
    result["result"] = if r.state != GuaranteeState::Outstanding {
        json!(format!("already_{}", r.state.as_str()))
    } else if let Some(holder) = holder.filter(|h| *h != case) {
        result["held_by"] = json!(holder);
        json!("held")
    } else if seen.insert(r.guarantee_id.clone()) {
        json!("released")
    } else {
        return None;
    };
    Some(result)
}

/// Guarantee `id` as the batch being built has it (staged, else stored).
fn guarantee_now(shared: &Shared, st: &State, id: &str) -> Result<TextRecord, NotaryError> {
    match st.pending.guarantees.get(id) {
        Some(g) => g.text_record(&shared.notary_key),
        None => stored_text_record(shared, id),
    }
}

/// The result of holding guarantee `g` for its seller: `held` when outstanding (the complaint
/// book then keeps the expiry scan off it), else what closed it before.
fn plan_hold(g: &TextRecord) -> Value {
    let state = g.record.state;
    let result = if state == GuaranteeState::Outstanding {
        "held".to_string()
    } else {
        format!("already_{}", state.as_str())
    };
    json!({"action": "hold_guarantee", "guarantee_id": g.record.guarantee_id,
        "amount": g.record.amount, "result": result})
}

/// Plans one exchange action of the ruling logged at `ruling_index` (its token at `at`);
/// `first`: no earlier action of this ruling is about the same exchange (abort or resolve,
/// never both: only the first one runs).
fn plan_exchange(
    shared: &Shared,
    st: &State,
    (ruling_index, at): (u64, &StageCtx),
    s: &Signing,
    a: &Action,
    first: bool,
) -> Result<(Value, Option<RuledDecision>), NotaryError> {
    let (Some(ruled), Action::ResolveExchange { tid } | Action::AbortExchange { tid }) =
        (exchange_action(a), a)
    else {
        return Err(bug("not an exchange action"));
    };
    let x = s
        .exchanges
        .iter()
        .find(|x| &x.tid == tid && x.ruled == ruled);
    let name = if ruled == Ruled::Resolve {
        "resolve_exchange"
    } else {
        "abort_exchange"
    };
    let reason = match x {
        _ if !first => "decided_by_this_ruling",
        None => "no_offer",
        Some(x) => {
            let ruling = json!({"complaint_id": s.complaint_id, "log_index": ruling_index});
            return plan_ruled(shared, st, at, x, &ruling);
        }
    };
    let result = json!({"action": name, "tid": tid, "result": "not_run", "reason": reason});
    Ok((result, None))
}

/// What an exchange action asks.
fn exchange_action(a: &Action) -> Option<Ruled> {
    match a {
        Action::ResolveExchange { .. } => Some(Ruled::Resolve),
        Action::AbortExchange { .. } => Some(Ruled::Abort),
        _ => None,
    }
}

/// The exchanges the ruling's actions decide, each with m1 from the bundle (by tid) and, for a
/// resolve, an m2 of that tid that the ruling's findings cite.
fn ruled_exchanges(ruling: &Ruling, bundle: &Bundle) -> Vec<RuledExchange> {
    let parts = std::iter::once(ruling).chain(ruling.counter_claim.as_deref());
    let cited: BTreeSet<&str> = parts
        .flat_map(|r| &r.findings)
        .flat_map(|f| &f.evidence_ids)
        .map(String::as_str)
        .collect();
    let envelopes = || {
        bundle.items.iter().filter_map(|i| match i {
            BundleItem::PartyEnvelope { id, envelope } => Some((id.as_str(), envelope)),
            _ => None,
        })
    };
    let mut out = Vec::new();
    for a in ruling.all_actions() {
        let (Some(ruled), Action::ResolveExchange { tid } | Action::AbortExchange { tid }) =
            (exchange_action(a), a)
        else {
            continue;
        };
        let of_tid = |e: &Envelope| e.payload.get("tid").and_then(Value::as_str) == Some(tid);
        let m1 = envelopes()
            .find(|(_, e)| {
                e.kind == "exchange_offer"
                    && Offer::from_payload(&e.payload).is_ok_and(|o| o.tid().as_str() == tid)
            })
            .map(|(_, e)| e.clone());
        let m2 = envelopes()
            .find(|(id, e)| e.kind == "exchange_acceptance" && of_tid(e) && cited.contains(id))
            .map(|(_, e)| e.clone());
        out.push(RuledExchange {
            tid: tid.clone(),
            ruled,
            m1,
            m2,
        });
    }
    out
}

#[cfg(test)]
#[path = "rulings_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "ruled_tests.rs"]
mod ruled_tests;
