//! Guarantee certificates (DESIGN.md §6.3): decide a seller's request against the agreement and
//! the ledger, sign a `guarantee` or a `refusal`, and later settle or release it. The same
//! request id gets the same answer, byte for byte; exposure never exceeds the total cap.

use chrono::Duration;
use ed25519_dalek::VerifyingKey;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::agreements::unknown_agreement;
use super::command::{sign_entry, AfterCommit, Decision};
use super::state::{
    order_key, request_key, to_json, GuaranteeRecord, GuaranteeState, StoredAnswer,
};
use super::{Notary, NotaryError};
use crate::crypto::envelope::Envelope;
use crate::model::canonical::to_canonical_json;
use crate::model::entry::{EntryKind, LogEntry};
use crate::model::ledger::{decide, Refusal, RequestFacts, Reservation};
use crate::model::money::Money;
use crate::model::registry::KeyStanding;
use crate::model::time::rfc3339_ms;
use crate::store::Cf;

/// Longest request id, in bytes.
pub const REQUEST_ID_LEN_MAX: usize = 128;
/// Most guarantees the expiry sweep releases per round.
pub const EXPIRY_BATCH_MAX: usize = 256;

/// A seller's request for a guarantee, as it arrives (`POST /v1/guarantees`).
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GuaranteeRequest {
    /// Chosen by the seller; retries reuse it.
    pub request_id: String,
    /// The buyer's agreement.
    pub agreement_id: String,
    /// The seller asking (must be the caller).
    pub seller_id: String,
    /// Amount to guarantee.
    pub amount: Money,
    /// The buyer-signed `order` envelope.
    pub order: Envelope,
}

/// What a buyer signs: the seller, the amount and the digest of the order document.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct OrderPayload {
    /// The seller the order is placed with.
    pub seller_id: String,
    /// The amount the buyer agrees to pay.
    pub amount: Money,
    /// Lowercase hex SHA-256 of the order document.
    pub order_digest: String,
}

/// The answer to a guarantee request: status and exact body, stored for replays.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GuaranteeAnswer {
    /// 201 granted, 200 refused.
    pub status: u16,
    /// Canonical JSON body.
    pub body: String,
}

impl GuaranteeAnswer {
    /// True when a guarantee was granted.
    pub fn granted(&self) -> bool {
        self.status == 201
    }

    /// The refusal reason code, if refused.
    pub fn reason(&self) -> Option<String> {
        let v: serde_json::Value = serde_json::from_str(&self.body).ok()?;
        v.get("reason")?.as_str().map(str::to_string)
    }

    /// The signed object (guarantee or refusal).
    pub fn envelope(&self) -> Option<Envelope> {
        let v: serde_json::Value = serde_json::from_str(&self.body).ok()?;
        let e = v.get("guarantee").or_else(|| v.get("refusal"))?;
        serde_json::from_value(e.clone()).ok()
    }
}

/// Who asks to read or close a guarantee.
#[derive(Clone, Debug)]
pub enum Caller {
    /// A seller authenticated by API token: only its own guarantees.
    Seller(String),
    /// The notary itself or an arbitrator.
    Notary,
}

/// How a guarantee is closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Closing {
    /// Transaction completed.
    Settle,
    /// Transaction cancelled, aborted, ruled or expired.
    Release,
}

/// A guarantee and its state, as read back.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct GuaranteeView {
    /// Id.
    pub guarantee_id: String,
    /// `outstanding`, `settled`, `released`.
    pub state: GuaranteeState,
    /// The signed guarantee.
    pub guarantee: Envelope,
    /// The signed settlement or release.
    pub closing: Option<Envelope>,
}

/// Release reasons a caller may give (the notary alone uses `expired`).
pub const RELEASE_REASONS: [&str; 3] = ["cancelled", "aborted", "ruled"];

fn unknown_guarantee(id: &str) -> NotaryError {
    NotaryError::unknown("unknown_guarantee", "guarantee", id)
}

fn view(r: &GuaranteeRecord) -> GuaranteeView {
    GuaranteeView {
        guarantee_id: r.guarantee_id.clone(),
        state: r.state,
        guarantee: r.guarantee.clone(),
        closing: r.closing.clone(),
    }
}

fn check_request_id(id: &str) -> Result<(), NotaryError> {
    let ok = !id.is_empty()
        && id.len() <= REQUEST_ID_LEN_MAX
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(NotaryError::invalid(
            "bad_request_id",
            format!(
                "request_id must be 1 to {REQUEST_ID_LEN_MAX} characters of A-Z a-z 0-9 - _ . :"
            ),
        ))
    }
}

fn parse_order(order: &Envelope) -> Result<OrderPayload, NotaryError> {
    order
        .expect_kind("order")
        .map_err(|e| NotaryError::invalid("malformed_order", e.to_string()))?;
    let p: OrderPayload = serde_json::from_value(order.payload.clone())
        .map_err(|e| NotaryError::invalid("malformed_order", format!("order payload: {e}")))?;
    if p.order_digest.len() != 64
        || !p
            .order_digest
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return Err(NotaryError::invalid(
            "malformed_order",
            "order_digest must be 64 lowercase hex characters (SHA-256)",
        ));
    }
    if order.signatures.is_empty()
        || order.signatures.len() > crate::crypto::envelope::SIGNATURES_MAX
    {
        return Err(NotaryError::invalid(
            "malformed_order",
            "the order must carry 1 to 8 signatures",
        ));
    }
    Ok(p)
}

fn body_of(value: &serde_json::Value) -> Result<String, NotaryError> {
    let bytes = to_canonical_json(value).map_err(|e| NotaryError::Corrupt(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| NotaryError::Corrupt(e.to_string()))
}

impl Notary {
    /// Decides a guarantee request made by seller `caller`.
    pub async fn request_guarantee(
        &self,
        req: GuaranteeRequest,
        caller: &str,
    ) -> Result<GuaranteeAnswer, NotaryError> {
        if req.seller_id != caller {
            return Err(NotaryError::Forbidden(
                "seller_id is not the seller this API token belongs to".into(),
            ));
        }
        check_request_id(&req.request_id)?;
        let order = parse_order(&req.order)?;
        let request_digest = hex::encode(Sha256::digest(
            to_canonical_json(&req)
                .map_err(|e| NotaryError::invalid("bad_request", e.to_string()))?,
        ));
        // Signature checks need no ledger state: done here, off the sequencer thread.
        let signed_by = if order.seller_id == req.seller_id {
            self.verify_order_signature(&req.order)
        } else {
            None
        };
        let shared = self.shared.clone();
        self.command(move |ctx| {
            let mut st = shared.state.lock();
            let rkey = request_key(&req.seller_id, &req.request_id);
            let earlier = match st.pending.requests.get(&rkey) {
                Some(a) => Some((a.clone(), true)),
                None => shared
                    .store
                    .get(Cf::Requests, &rkey)?
                    .map(|raw| serde_json::from_slice::<StoredAnswer>(&raw))
                    .transpose()
                    .map_err(|e| NotaryError::Corrupt(e.to_string()))?
                    .map(|a| (a, false)),
            };
            if let Some((a, staged)) = earlier {
                if a.request_digest != request_digest {
                    return Err(NotaryError::Conflict {
                        code: "request_id_reused",
                        message: "this request_id was used for a different request".into(),
                    });
                }
                let value = GuaranteeAnswer {
                    status: a.status,
                    body: a.body,
                };
                // An answer still waiting for its batch must not leave before it is durable.
                return Ok(Decision::earlier(value, staged));
            }
            let ag = st
                .agreements
                .get(&req.agreement_id)
                .ok_or_else(|| unknown_agreement(&req.agreement_id))?
                .clone();
            let policy = st
                .policies
                .get(&ag.policy)
                .ok_or_else(|| NotaryError::Corrupt(format!("policy of agreement {}", ag.id)))?
                .clone();
            let okey = order_key(&ag.id, &order.order_digest);
            let duplicate = st.pending.orders.contains_key(&okey)
                || shared.store.get(Cf::Orders, &okey)?.is_some();
            let key_standing = signed_by
                .as_deref()
                .and_then(|k| st.keys.get(k))
                .map_or(KeyStanding::Good, |k| k.standing_at(ctx.now));
            let facts = RequestFacts {
                agreement: &ag,
                now: ctx.now,
                signed_by: signed_by.as_deref(),
                key_standing,
                amount: req.amount,
                order_amount: order.amount,
                exposure_minor: st.ledger.exposure(&ag.id),
                duplicate,
            };
            let decision = decide(&facts);
            let mut records = Vec::new();
            let (entry, status, body, gid) = match decision {
                Ok(()) => {
                    let gid = uuid::Uuid::now_v7().to_string();
                    let expires_at = ctx.now + Duration::seconds(policy.guarantee_validity_s);
                    let release_at = expires_at + Duration::seconds(policy.release_grace_s);
                    let payload = json!({
                        "guarantee_id": gid,
                        "request_id": req.request_id,
                        "agreement_id": ag.id,
                        "buyer": ag.buyer_id,
                        "seller_id": req.seller_id,
                        "amount": req.amount,
                        "order_digest": order.order_digest,
                        "key_id": signed_by,
                        "key_status": "not_revoked",
                        "issued_at": rfc3339_ms(ctx.now),
                        "expires_at": rfc3339_ms(expires_at),
                        "policy_id": policy.id,
                        "policy_version": policy.version,
                        "policy_digest": policy.digest,
                    });
                    let (env, entry) =
                        sign_entry(&shared.notary_key, ctx, EntryKind::Guarantee, payload, None)?;
                    st.ledger
                        .reserve(
                            &gid,
                            Reservation {
                                agreement_id: ag.id.clone(),
                                amount_minor: req.amount.minor,
                                release_at,
                            },
                        )
                        // `decide` granted it, so the ledger must accept it: anything else is a bug.
                        .map_err(|e| NotaryError::Corrupt(format!("ledger: {e}")))?;
                    let record = GuaranteeRecord {
                        guarantee_id: gid.clone(),
                        agreement_id: ag.id.clone(),
                        buyer_id: ag.buyer_id.clone(),
                        seller_id: req.seller_id.clone(),
                        request_id: req.request_id.clone(),
                        amount: req.amount,
                        order_digest: order.order_digest.clone(),
                        release_at,
                        state: GuaranteeState::Outstanding,
                        guarantee: env.clone(),
                        closing: None,
                    };
                    records.push((Cf::Guarantees, gid.as_bytes().to_vec(), to_json(&record)?));
                    records.push((Cf::Orders, okey.clone(), gid.as_bytes().to_vec()));
                    st.pending.orders.insert(okey.clone(), gid.clone());
                    st.pending.guarantees.insert(gid.clone(), record);
                    let body = body_of(&json!({"decision": "granted", "guarantee": env}))?;
                    (entry, 201u16, body, Some(gid))
                }
                Err(reason) => {
                    let payload = json!({
                        "refusal_id": uuid::Uuid::now_v7().to_string(),
                        "request_id": req.request_id,
                        "agreement_id": ag.id,
                        "seller_id": req.seller_id,
                        "amount": req.amount,
                        "order_digest": order.order_digest,
                        "reason": reason.code(),
                        "issued_at": rfc3339_ms(ctx.now),
                    });
                    let (env, entry) =
                        sign_entry(&shared.notary_key, ctx, EntryKind::Refusal, payload, None)?;
                    let body = body_of(
                        &json!({"decision": "refused", "reason": reason.code(), "refusal": env}),
                    )?;
                    (entry, 200u16, body, None)
                }
            };
            let answer = StoredAnswer {
                request_digest,
                status,
                body: body.clone(),
            };
            records.push((Cf::Requests, rkey.clone(), to_json(&answer)?));
            st.pending.requests.insert(rkey.clone(), answer);
            let cleanup = shared.clone();
            let after: AfterCommit = Box::new(move || {
                let mut st = cleanup.state.lock();
                st.pending.requests.remove(&rkey);
                st.pending.orders.remove(&okey);
                if let Some(g) = gid {
                    st.pending.guarantees.remove(&g);
                }
            });
            if let Ok(()) = decision {
                shared.guarantee_rate.record(1);
            }
            Ok(Decision::Write {
                entry: Some(entry),
                records,
                value: GuaranteeAnswer { status, body },
                after: Some(after),
            })
        })
        .await
    }

    /// The key id of the first signature on `order` that verifies with a registered key.
    fn verify_order_signature(&self, order: &Envelope) -> Option<String> {
        let candidates: Vec<(String, String)> = {
            let st = self.shared.state.lock();
            order
                .signer_key_ids()
                .filter_map(|kid| {
                    st.keys
                        .get(kid)
                        .map(|k| (k.key_id.clone(), k.public_key.clone()))
                })
                .collect()
        };
        candidates.into_iter().find_map(|(kid, pk_hex)| {
            let raw: [u8; 32] = hex::decode(pk_hex).ok()?.try_into().ok()?;
            let vk = VerifyingKey::from_bytes(&raw).ok()?;
            order.verify_by(&vk).ok().map(|_| kid)
        })
    }

    /// A guarantee, for its seller (or the notary).
    pub fn guarantee(&self, id: &str, caller: &Caller) -> Result<GuaranteeView, NotaryError> {
        let raw = self
            .shared
            .store
            .get(Cf::Guarantees, id.as_bytes())?
            .ok_or_else(|| unknown_guarantee(id))?;
        let r: GuaranteeRecord =
            serde_json::from_slice(&raw).map_err(|e| NotaryError::Corrupt(e.to_string()))?;
        if let Caller::Seller(s) = caller {
            if *s != r.seller_id {
                return Err(NotaryError::Forbidden(
                    "this guarantee was issued to another seller".into(),
                ));
            }
        }
        Ok(view(&r))
    }

    /// Settles or releases a guarantee. Closing it again the same way returns the same signed
    /// object; closing it the other way is a conflict.
    pub async fn close_guarantee(
        &self,
        id: &str,
        caller: Caller,
        how: Closing,
        reason: Option<String>,
        operator: Option<String>,
    ) -> Result<GuaranteeView, NotaryError> {
        let reason = match (how, reason) {
            (Closing::Settle, _) => None,
            (Closing::Release, None) => Some("cancelled".to_string()),
            (Closing::Release, Some(r)) => {
                let notary_only = r == "expired" && matches!(caller, Caller::Notary);
                if !RELEASE_REASONS.contains(&r.as_str()) && !notary_only {
                    return Err(NotaryError::invalid(
                        "bad_reason",
                        format!(
                            "release reason must be one of {}",
                            RELEASE_REASONS.join(", ")
                        ),
                    ));
                }
                Some(r)
            }
        };
        let id = id.to_string();
        let shared = self.shared.clone();
        self.command(move |ctx| {
            let mut st = shared.state.lock();
            let (record, staged) = match st.pending.guarantees.get(&id) {
                Some(r) => (r.clone(), true),
                None => {
                    let raw = shared
                        .store
                        .get(Cf::Guarantees, id.as_bytes())?
                        .ok_or_else(|| unknown_guarantee(&id))?;
                    let r: GuaranteeRecord = serde_json::from_slice(&raw)
                        .map_err(|e| NotaryError::Corrupt(e.to_string()))?;
                    (r, false)
                }
            };
            if let Caller::Seller(s) = &caller {
                if *s != record.seller_id {
                    return Err(NotaryError::Forbidden(
                        "this guarantee was issued to another seller".into(),
                    ));
                }
            }
            let target = match how {
                Closing::Settle => GuaranteeState::Settled,
                Closing::Release => GuaranteeState::Released,
            };
            if record.state != GuaranteeState::Outstanding {
                if record.state != target {
                    return Err(NotaryError::Conflict {
                        code: if record.state == GuaranteeState::Settled {
                            "already_settled"
                        } else {
                            "already_released"
                        },
                        message: format!("guarantee {id} is already {}", record.state.as_str()),
                    });
                }
                let value = view(&record);
                return Ok(Decision::earlier(value, staged));
            }
            if reason.as_deref() == Some("expired") && record.release_at > ctx.now {
                return Err(NotaryError::Conflict {
                    code: "not_due",
                    message: format!("guarantee {id} is not due for release"),
                });
            }
            let (kind, outcome) = match how {
                Closing::Settle => (EntryKind::Settlement, "settled"),
                Closing::Release => (EntryKind::Release, "released"),
            };
            let payload = json!({
                "guarantee_id": id,
                "agreement_id": record.agreement_id,
                "seller_id": record.seller_id,
                "amount": record.amount,
                "outcome": outcome,
                "reason": reason,
                "closed_at": rfc3339_ms(ctx.now),
            });
            let (env, entry): (Envelope, LogEntry) =
                sign_entry(&shared.notary_key, ctx, kind, payload, operator)?;
            if st.ledger.close(&id).is_none() {
                return Err(NotaryError::Corrupt(format!(
                    "guarantee {id} outstanding on disk but not in the ledger"
                )));
            }
            let mut record = record;
            record.state = target;
            record.closing = Some(env);
            let records = vec![(Cf::Guarantees, id.as_bytes().to_vec(), to_json(&record)?)];
            let value = view(&record);
            st.pending.guarantees.insert(id.clone(), record);
            let cleanup = shared.clone();
            let after: AfterCommit = Box::new(move || {
                cleanup.state.lock().pending.guarantees.remove(&id);
            });
            Ok(Decision::Write {
                entry: Some(entry),
                records,
                value,
                after: Some(after),
            })
        })
        .await
    }

    /// Releases (reason `expired`) every outstanding guarantee whose expiry plus the policy's grace
    /// has passed; returns how many it released.
    pub async fn release_expired(&self) -> Result<usize, NotaryError> {
        let shared = self.shared.clone();
        let due: Vec<String> = self
            .command(move |ctx| {
                Ok(Decision::Now(
                    shared.state.lock().ledger.due(ctx.now, EXPIRY_BATCH_MAX),
                ))
            })
            .await?;
        let mut released = 0;
        for gid in due {
            match self
                .close_guarantee(
                    &gid,
                    Caller::Notary,
                    Closing::Release,
                    Some("expired".into()),
                    None,
                )
                .await
            {
                Ok(_) => released += 1,
                Err(NotaryError::Conflict { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(released)
    }

    /// Answers whether the agreement could take on `amount` now, without reserving anything.
    /// Runs the same rules as a request, with an order assumed valid and signed by a key of the
    /// agreement in good standing.
    pub fn check(&self, agreement_id: &str, amount: Money) -> Result<Option<Refusal>, NotaryError> {
        let now = (self.shared.clock)();
        let st = self.shared.state.lock();
        let ag = st
            .agreements
            .get(agreement_id)
            .ok_or_else(|| unknown_agreement(agreement_id))?;
        let good_key = ag.keys.iter().find(|k| {
            st.keys
                .get(*k)
                .is_some_and(|r| r.standing_at(now) == KeyStanding::Good)
        });
        let facts = RequestFacts {
            agreement: ag,
            now,
            signed_by: Some(
                good_key.map_or(ag.keys.first().map_or("", String::as_str), String::as_str),
            ),
            key_standing: if good_key.is_some() {
                KeyStanding::Good
            } else {
                KeyStanding::Revoked
            },
            amount,
            order_amount: amount,
            exposure_minor: st.ledger.exposure(agreement_id),
            duplicate: false,
        };
        Ok(decide(&facts).err())
    }
}
