//! Guarantee certificates (docs/design.md §6.3): decide a seller's request against the agreement and
//! the ledger, sign a `guarantee` or a `refusal`, and later settle or release it. The same
//! request id gets the same answer, byte for byte; exposure never exceeds the total cap.
//!
//! This file holds the types and the checks done on the caller's task; what runs on the
//! sequencer is in `request` (decide, sign, reserve) and `close` (settle, release).

mod answers;
mod close;
mod payload;
mod request;
mod stored;
mod text;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

#[cfg(test)]
pub(crate) use self::answers::answer_key;
pub(crate) use self::answers::{order_answer, order_answers, OrderAnswer};
pub(crate) use self::close::{close_with, stored_text_record};
use self::close::{closing_reason, stage_close, CloseRequest};
use self::payload::canonical_request;
use self::request::{stage_request, CheckedRequest};
pub(crate) use self::stored::{read_many, read_record};
pub use self::text::GuaranteeText;
pub(crate) use self::text::TextRecord;
use super::agreements::unknown_agreement;
use super::command::Decision;
use super::state::{order_key, request_key, GuaranteeRecord, GuaranteeState};
use super::{order_sigs, Notary, NotaryError, Shared};
use crate::crypto::envelope::Envelope;
use crate::model::canonical::signing_bytes_of;
use crate::model::error_code::ErrorCode;
use crate::model::ledger::{decide, Refusal, ReleaseReason, RequestFacts};
use crate::model::money::Money;
use crate::model::registry::KeyStanding;
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
    /// Outstanding and held by the signed ruling of this complaint: the buyer was ruled to pay
    /// under it, so the notary does not release it on expiry; its seller settles it once paid.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub held_by: Option<String>,
}

fn unknown_guarantee(id: &str) -> NotaryError {
    NotaryError::unknown(ErrorCode::UnknownGuarantee, "guarantee", id)
}

fn view(r: &GuaranteeRecord) -> GuaranteeView {
    GuaranteeView {
        guarantee_id: r.guarantee_id.clone(),
        state: r.state,
        guarantee: r.guarantee.clone(),
        closing: r.closing.clone(),
        held_by: None,
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
            ErrorCode::BadRequestId,
            format!(
                "request_id must be 1 to {REQUEST_ID_LEN_MAX} characters of A-Z a-z 0-9 - _ . :"
            ),
        ))
    }
}

fn parse_order(order: &Envelope) -> Result<OrderPayload, NotaryError> {
    order
        .expect_kind("order")
        .map_err(|e| NotaryError::invalid(ErrorCode::MalformedOrder, e.to_string()))?;
    let p: OrderPayload = serde_json::from_value(order.payload.clone()).map_err(|e| {
        NotaryError::invalid(ErrorCode::MalformedOrder, format!("order payload: {e}"))
    })?;
    let hex64 = |s: &str| crate::model::exchange::Sha256Hex::try_from(s.to_string()).is_ok();
    if !hex64(&p.order_digest) {
        return Err(NotaryError::invalid(
            ErrorCode::MalformedOrder,
            "order_digest must be 64 lowercase hex characters (SHA-256)",
        ));
    }
    // The optional fields with a meaning for disputes: an exchange's tid, a nonce's item id.
    for field in ["tid", "fresh"] {
        let value = order.payload.get(field);
        if value.is_some_and(|v| !v.as_str().is_some_and(hex64)) {
            return Err(NotaryError::invalid(
                ErrorCode::MalformedOrder,
                format!("{field}, when given, must be 64 lowercase hex characters (SHA-256)"),
            ));
        }
    }
    if order.signatures.is_empty()
        || order.signatures.len() > crate::crypto::envelope::SIGNATURES_MAX
    {
        return Err(NotaryError::invalid(
            ErrorCode::MalformedOrder,
            "the order must carry 1 to 8 signatures",
        ));
    }
    Ok(p)
}

/// Only the seller a guarantee was issued to may read or close it (the notary may too).
fn check_owner<E>(caller: &Caller, record: &GuaranteeRecord<E>) -> Result<(), NotaryError> {
    match caller {
        Caller::Seller(s) if *s != record.seller_id => Err(NotaryError::Forbidden(
            "this guarantee was issued to another seller".into(),
        )),
        _ => Ok(()),
    }
}

/// A guarantee as stored on disk.
pub(crate) fn stored_guarantee(shared: &Shared, id: &str) -> Result<GuaranteeRecord, NotaryError> {
    read_record(shared, id)?.ok_or_else(|| unknown_guarantee(id))
}

impl Notary {
    /// Decides a guarantee request made by seller `caller`.
    pub async fn request_guarantee(
        &self,
        req: GuaranteeRequest,
        caller: &str,
    ) -> Result<GuaranteeAnswer, NotaryError> {
        let (mut checked, order_msg) = self.check_request(req, caller)?;
        if checked.order.seller_id == checked.req.seller_id {
            checked.signed_by = self
                .verify_order_signature(&checked.req.order, order_msg)
                .await;
        }
        // What staging will read: on PostgreSQL, read with the batch's others in one round trip.
        let (r, store) = (&checked.req, &self.shared.store);
        if store.remote() {
            store.want(Cf::Requests, &request_key(&r.seller_id, &r.request_id));
            let order = order_key(&r.agreement_id, &checked.order.order_digest);
            store.want(Cf::Orders, &order);
        }
        let shared = self.shared.clone();
        self.command(move |ctx| stage_request(&shared, ctx, checked))
            .await
    }

    /// The checks of a request that need no ledger state (who asks, the request id, the order's
    /// form), done on the caller's task, off the sequencer thread; and the bytes the order's
    /// signature covers, checked after them ([`Notary::verify_order_signature`]). The order is
    /// serialised once for both the request's digest and its signature.
    fn check_request(
        &self,
        req: GuaranteeRequest,
        caller: &str,
    ) -> Result<(CheckedRequest, Vec<u8>), NotaryError> {
        if req.seller_id != caller {
            return Err(NotaryError::Forbidden(
                "seller_id is not the seller this API token belongs to".into(),
            ));
        }
        check_request_id(&req.request_id)?;
        let order = parse_order(&req.order)?;
        let bad = |e: String| NotaryError::invalid(ErrorCode::BadRequest, e);
        let (order_bytes, payload) = req
            .order
            .to_bytes_and_payload()
            .map_err(|e| bad(e.to_string()))?;
        let canonical = canonical_request(&req, &order_bytes).map_err(|e| bad(e.to_string()))?;
        let request_digest = hex::encode(Sha256::digest(canonical));
        let order_msg = signing_bytes_of(&req.order.kind, &order_bytes[payload]);
        let checked = CheckedRequest {
            req,
            order,
            request_digest,
            signed_by: None,
        };
        Ok((checked, order_msg))
    }

    /// The key id of the first signature on `order` (over `msg`, its signing input) that is
    /// admissible under the batchable rule ([`order_sigs`]) with a registered key, verified
    /// with the orders of the requests that arrive meanwhile.
    async fn verify_order_signature(&self, order: &Envelope, msg: Vec<u8>) -> Option<String> {
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
        if candidates.is_empty() {
            return None;
        }
        for (kid, pk_hex) in candidates {
            let Some(key) = hex::decode(pk_hex).ok().and_then(|k| k.try_into().ok()) else {
                continue;
            };
            let Ok(sig) = order.signature_by(&kid) else {
                continue;
            };
            let check = order_sigs::SigCheck {
                key,
                sig,
                msg: msg.clone(),
            };
            if self.shared.order_sigs.verify(check).await {
                return Some(kid);
            }
        }
        None
    }

    /// A guarantee, for its seller (or the notary).
    pub fn guarantee(&self, id: &str, caller: &Caller) -> Result<GuaranteeView, NotaryError> {
        let r = stored_guarantee(&self.shared, id)?;
        check_owner(caller, &r)?;
        let mut v = view(&r);
        if r.state == GuaranteeState::Outstanding {
            let st = self.shared.state.lock();
            v.held_by = st.complaints.holding(id).map(str::to_string);
        }
        Ok(v)
    }

    /// Settles or releases a guarantee. A release's `reason` is one of
    /// [`ReleaseReason::CHOSEN`] by its wire name (default `cancelled`; `ruled` not for a seller);
    /// a settlement has none.
    /// Closing it again the same way returns the same signed object; closing it the other way is
    /// a conflict. The answer holds the envelopes as their canonical JSON
    /// ([`GuaranteeText::view`] parses them).
    pub async fn close_guarantee(
        &self,
        id: &str,
        caller: Caller,
        how: Closing,
        reason: Option<&str>,
        operator: Option<String>,
    ) -> Result<GuaranteeText, NotaryError> {
        let read = text::read_text_record(&self.shared, id);
        // Whose guarantee it is before what the request says: another seller's or an unknown
        // id is a 403 or 404 whatever the reason given (s10 S10-5: a bad reason was a 400 first).
        // Staging checks the owner again on the record it closes.
        if let (Caller::Seller(_), Ok(found)) = (&caller, &read) {
            let found = found.as_ref().ok_or_else(|| unknown_guarantee(id))?;
            check_owner(&caller, &found.record)?;
        }
        let close = CloseRequest {
            id: id.to_string(),
            reason: closing_reason(how, reason, &caller)?,
            caller,
            how,
            operator,
        };
        self.close(close, read.ok().flatten()).await
    }

    /// Stages a closing on the sequencer, with the stored record read first (off the
    /// sequencer): staging uses it if it is still current.
    async fn close(
        &self,
        close: CloseRequest,
        read: Option<text::TextRecord>,
    ) -> Result<GuaranteeText, NotaryError> {
        let shared = self.shared.clone();
        self.command(move |ctx| stage_close(&shared, ctx, close, read))
            .await
    }

    /// Releases (reason `expired`) every outstanding guarantee whose expiry plus the policy's grace
    /// has passed; returns how many it released.
    pub async fn release_expired(&self) -> Result<usize, NotaryError> {
        self.release_expired_by(EXPIRY_BATCH_MAX).await
    }

    /// [`Notary::release_expired`] in rounds of at most `batch` closings. Guarantees that may not
    /// expire yet (held by a ruling, claimed in an undecided case) are passed by: each round
    /// goes on after the last one the previous round looked at, so however many are kept, the
    /// ones behind them are released in the same pass (before, the 256 most overdue were
    /// looked at again on every pass, and 256 claimed ones stopped every release behind them).
    pub(crate) async fn release_expired_by(&self, batch: usize) -> Result<usize, NotaryError> {
        let mut after: Option<(DateTime<Utc>, String)> = None;
        let mut released = 0;
        loop {
            let shared = self.shared.clone();
            let from = after.take();
            let (due, last) = self
                .command(move |ctx| {
                    let st = shared.state.lock();
                    Ok(Decision::Now(close::due_round(&st, ctx.now, from, batch)))
                })
                .await?;
            let full = due.len() == batch;
            for gid in due {
                let close = CloseRequest {
                    id: gid,
                    caller: Caller::Notary,
                    how: Closing::Release,
                    reason: Some(ReleaseReason::Expired),
                    operator: None,
                };
                let read = text::read_text_record(&self.shared, &close.id)
                    .ok()
                    .flatten();
                match self.close(close, read).await {
                    Ok(_) => released += 1,
                    Err(NotaryError::Conflict { .. }) => {}
                    Err(e) => return Err(e),
                }
            }
            if !full {
                return Ok(released);
            }
            after = last;
        }
    }

    /// Answers whether the agreement could take on `amount` now, without reserving anything.
    /// Runs the same rules as a request, with an order assumed valid and signed by a key of the
    /// agreement in good standing.
    ///
    /// A stopped notary (fail-stop) answers `Unavailable`: its ledger memory may hold the changes
    /// of the batch that failed, which are not durable, and a seller must not rely on them.
    pub fn check(&self, agreement_id: &str, amount: Money) -> Result<Option<Refusal>, NotaryError> {
        self.check_writer()?;
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
