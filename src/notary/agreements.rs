//! Agreements: create one for a buyer under a policy, suspend, resume, end it. Each change is
//! signed and logged; the agreement records the policy's id, version and digest.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use serde_json::json;

use super::command::{Decision, ToSign};
use super::guarantees::read_many;
use super::sequencer::StageCtx;
use super::state::{to_json, GuaranteeRecord, GuaranteeState, State};
use super::{Notary, NotaryError, Shared};
use crate::model::entry::EntryKind;
use crate::model::error_code::ErrorCode;
use crate::model::money::Money;
use crate::model::registry::{
    check_caps, check_reason, Agreement, AgreementStatus, KeyStanding, Role,
    AGREEMENT_VALIDITY_DAYS_DEFAULT,
};
use crate::model::time::rfc3339_ms;
use crate::store::Cf;

/// Most keys one agreement lists.
pub const AGREEMENT_KEYS_MAX: usize = 32;

/// What an arbitrator asks for when creating an agreement; `None` takes the policy's default.
#[derive(Clone, Debug, Default)]
pub struct NewAgreement {
    /// The buyer.
    pub buyer_id: String,
    /// Policy id (its latest version is used).
    pub policy_id: String,
    /// Overall cap, minor units.
    pub total_cap_minor: Option<i64>,
    /// Per-transaction cap, minor units.
    pub per_tx_cap_minor: Option<i64>,
    /// End of validity.
    pub valid_until: Option<DateTime<Utc>>,
    /// Keys of the buyer; default: all its keys in good standing.
    pub keys: Option<Vec<String>>,
}

/// An agreement with its current exposure, for listings.
#[derive(Clone, Debug, Serialize)]
pub struct AgreementView {
    /// The agreement.
    pub agreement: Agreement,
    /// The buyer's display name.
    pub buyer_name: String,
    /// Outstanding liability now.
    pub exposure: Money,
    /// Number of outstanding guarantees.
    pub outstanding: usize,
    /// [`Agreement::standing_at`] the notary's time of the listing.
    pub standing: &'static str,
}

pub(crate) fn unknown_agreement(id: &str) -> NotaryError {
    NotaryError::unknown(ErrorCode::UnknownAgreement, "agreement", id)
}

fn agreement_payload(a: &Agreement, change: &str, reason: Option<&str>) -> serde_json::Value {
    json!({
        "change": change,
        "reason": reason,
        "agreement_id": a.id,
        "buyer_id": a.buyer_id,
        "policy": a.policy,
        "currency": a.currency,
        "total_cap": Money { minor: a.total_cap_minor, currency: a.currency },
        "per_tx_cap": Money { minor: a.per_tx_cap_minor, currency: a.currency },
        "valid_from": rfc3339_ms(a.valid_from),
        "valid_until": rfc3339_ms(a.valid_until),
        "keys": a.keys,
        "status": a.status.as_str(),
        "created_at": rfc3339_ms(a.created_at),
    })
}

/// The buyer an agreement is made for: a registered party in the buyer role.
fn check_buyer(st: &State, buyer_id: &str) -> Result<(), NotaryError> {
    let buyer = st
        .parties
        .get(buyer_id)
        .ok_or_else(|| NotaryError::unknown(ErrorCode::UnknownParty, "party", buyer_id))?;
    if buyer.role != Role::Buyer {
        return Err(NotaryError::invalid(
            ErrorCode::NotABuyer,
            format!("{} is a seller, not a buyer", buyer.name),
        ));
    }
    Ok(())
}

/// The keys an agreement lists, sorted and without repeats: those asked for, each a key of the
/// buyer in good standing now, or by default all such keys; 1 to [`AGREEMENT_KEYS_MAX`].
fn agreement_keys(
    st: &State,
    req: &NewAgreement,
    now: DateTime<Utc>,
) -> Result<Vec<String>, NotaryError> {
    let good = |kid: &str| {
        st.keys
            .get(kid)
            .is_some_and(|k| k.party_id == req.buyer_id && k.standing_at(now) == KeyStanding::Good)
    };
    let mut keys = match &req.keys {
        Some(list) => {
            if let Some(bad) = list.iter().find(|k| !good(k)) {
                return Err(NotaryError::invalid(
                    ErrorCode::BadKey,
                    format!("key {bad} is not a registered key of this buyer in good standing"),
                ));
            }
            list.clone()
        }
        None => st
            .keys
            .values()
            .filter(|k| good(&k.key_id))
            .map(|k| k.key_id.clone())
            .collect(),
    };
    keys.sort();
    keys.dedup();
    if keys.is_empty() {
        return Err(NotaryError::invalid(
            ErrorCode::NoKeys,
            "the buyer has no key in good standing; register one first",
        ));
    }
    if keys.len() > AGREEMENT_KEYS_MAX {
        return Err(NotaryError::invalid(
            ErrorCode::BadKey,
            format!("at most {AGREEMENT_KEYS_MAX} keys"),
        ));
    }
    Ok(keys)
}

/// Signs (on the worker pool) an agreement change (`change`: the agreement as changed, what changed, the reason) and
/// records the agreement: the one write path of creation and status changes.
fn write_agreement(
    shared: &Shared,
    st: &mut State,
    ctx: &StageCtx,
    change: (Agreement, &str, Option<&str>),
    operator: Option<String>,
) -> Result<Decision<Agreement>, NotaryError> {
    let (a, what, reason) = change;
    let payload = agreement_payload(&a, what, reason);
    let entry = ToSign::new(ctx, EntryKind::Agreement, payload, operator);
    let records = vec![(Cf::Agreements, a.id.as_bytes().to_vec(), to_json(&a)?)];
    st.agreements.insert(a.id.clone(), a.clone());
    Ok(Decision::sign_later(&shared.notary_key, entry, records, a))
}

impl Notary {
    /// Creates an agreement.
    pub async fn create_agreement(
        &self,
        req: NewAgreement,
        operator: Option<String>,
    ) -> Result<Agreement, NotaryError> {
        let shared = self.shared.clone();
        self.command(move |ctx| {
            let mut st = shared.state.lock();
            check_buyer(&st, &req.buyer_id)?;
            let policy = st.policies.latest(&req.policy_id).ok_or_else(|| {
                NotaryError::unknown(ErrorCode::UnknownPolicy, "policy", &req.policy_id)
            })?;
            let total = req.total_cap_minor.unwrap_or(policy.total_cap_minor);
            // The policy's per-transaction cap, when none is given, is lowered to a total cap
            // given below it (s9 F6: `--total-cap 150.00` alone was refused as "per-transaction
            // cap larger than the total cap", a cap the user never typed).
            let per_tx = match (req.per_tx_cap_minor, req.total_cap_minor) {
                (Some(p), _) => p,
                (None, Some(t)) => policy.per_tx_cap_minor.min(t),
                (None, None) => policy.per_tx_cap_minor,
            };
            check_caps(total, per_tx).map_err(|m| NotaryError::invalid(ErrorCode::BadAmount, m))?;
            let valid_until = req
                .valid_until
                .unwrap_or(ctx.now + Duration::days(AGREEMENT_VALIDITY_DAYS_DEFAULT));
            if valid_until <= ctx.now {
                return Err(NotaryError::invalid(
                    ErrorCode::BadValidity,
                    "valid_until is not in the future",
                ));
            }
            let keys = agreement_keys(&st, &req, ctx.now)?;
            // Policy files are validated when loaded: a bad currency here is a bug.
            let currency = crate::model::money::Currency::parse(&policy.currency)
                .map_err(|e| NotaryError::Bug(format!("policy currency: {e}")))?;
            let a = Agreement {
                id: uuid::Uuid::now_v7().to_string(),
                buyer_id: req.buyer_id.clone(),
                policy: policy.reference(),
                currency,
                total_cap_minor: total,
                per_tx_cap_minor: per_tx,
                valid_from: ctx.now,
                valid_until,
                keys,
                status: AgreementStatus::Active,
                created_at: ctx.now,
                log_index: ctx.index,
            };
            let (id, cap) = (a.id.clone(), a.total_cap_minor);
            let decision = write_agreement(&shared, &mut st, ctx, (a, "created", None), operator)?;
            st.ledger.open_account(&id, cap);
            Ok(decision)
        })
        .await
    }

    /// Suspends, resumes or ends an agreement. Outstanding guarantees stay outstanding.
    pub async fn set_agreement_status(
        &self,
        agreement_id: &str,
        to: AgreementStatus,
        reason: &str,
        operator: Option<String>,
    ) -> Result<Agreement, NotaryError> {
        let reason =
            check_reason(reason).map_err(|m| NotaryError::invalid(ErrorCode::BadReason, m))?;
        let id = agreement_id.to_string();
        let shared = self.shared.clone();
        self.command(move |ctx| {
            let mut st = shared.state.lock();
            let a = st
                .agreements
                .get(&id)
                .ok_or_else(|| unknown_agreement(&id))?;
            if !a.status.may_become(to) {
                return Err(NotaryError::Conflict {
                    code: ErrorCode::BadTransition,
                    message: format!(
                        "agreement is {}; it cannot become {}",
                        a.status.as_str(),
                        to.as_str()
                    ),
                });
            }
            let mut a = a.clone();
            a.status = to;
            a.log_index = ctx.index;
            let change = (a, "status", Some(reason.as_str()));
            write_agreement(&shared, &mut st, ctx, change, operator)
        })
        .await
    }

    /// The currency of an agreement.
    pub fn agreement_currency(
        &self,
        id: &str,
    ) -> Result<crate::model::money::Currency, NotaryError> {
        let st = self.shared.state.lock();
        st.agreements
            .get(id)
            .map(|a| a.currency)
            .ok_or_else(|| unknown_agreement(id))
    }

    /// Every agreement with its exposure, newest first.
    pub fn agreements(&self) -> Vec<AgreementView> {
        let now = (self.shared.clock)();
        let st = self.shared.state.lock();
        let mut v: Vec<AgreementView> = st
            .agreements
            .values()
            .map(|a| AgreementView {
                buyer_name: st
                    .parties
                    .get(&a.buyer_id)
                    .map(|p| p.name.clone())
                    .unwrap_or_default(),
                exposure: Money {
                    minor: st.ledger.exposure(&a.id),
                    currency: a.currency,
                },
                outstanding: 0,
                standing: a.standing_at(now),
                agreement: a.clone(),
            })
            .collect();
        drop(st);
        v.sort_by_key(|v| std::cmp::Reverse(v.agreement.created_at));
        v
    }

    /// One agreement with its exposure and its guarantees (newest first, at most `limit`).
    pub fn agreement(
        &self,
        id: &str,
        limit: usize,
    ) -> Result<(AgreementView, Vec<GuaranteeRecord>), NotaryError> {
        let view = self
            .agreements()
            .into_iter()
            .find(|v| v.agreement.id == id)
            .ok_or_else(|| unknown_agreement(id))?;
        let gids = guarantee_ids(&self.shared.store, id)?;
        let mut gs = read_many(&self.shared, &gids)?;
        gs.sort_by(|a, b| b.guarantee_id.cmp(&a.guarantee_id));
        let outstanding = gs
            .iter()
            .filter(|g| g.state == GuaranteeState::Outstanding)
            .count();
        gs.truncate(limit);
        Ok((
            AgreementView {
                outstanding,
                ..view
            },
            gs,
        ))
    }
}

/// The ids (as stored keys) of every guarantee issued under agreement `id`: each guarantee has
/// one order record keyed by its agreement, and that is the index.
pub(super) fn guarantee_ids(
    store: &crate::store::Store,
    id: &str,
) -> Result<Vec<Vec<u8>>, NotaryError> {
    let mut prefix = id.as_bytes().to_vec();
    prefix.push(0);
    Ok(store
        .with_prefix(Cf::Orders, &prefix, usize::MAX)?
        .into_iter()
        .map(|(_, gid)| gid)
        .collect())
}
