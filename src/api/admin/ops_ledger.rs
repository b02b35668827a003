//! Admin operations on parties, keys, agreements and the guarantee ledger: one handler per
//! operation, called from the dispatch in `ops`.

use std::collections::HashMap;

use base64::Engine;
use chrono::{DateTime, Utc};

use super::ops::{OpResult, Operator};
use super::proto::{
    AgreementItem, AgreementStatus, ErrorBody, ErrorCode, FeedItem, GuaranteeItem, KeyItem,
    PartyItem, PolicyItem, Reply, Role,
};
use crate::model::policy::Policy;
use crate::model::registry::{KeyRecord, KeySource, Party};
use crate::model::time::rfc3339_ms;
use crate::notary::{AgreementView, FeedEvent, GuaranteeRecord, KeyInput, NewAgreement, Notary};

/// Most items a listing returns.
const LIST_MAX: usize = 500;

fn party_item(p: &Party, keys: u32) -> PartyItem {
    PartyItem {
        id: p.id.clone(),
        name: p.name.clone(),
        role: p.role,
        registered_at: rfc3339_ms(p.registered_at),
        keys,
    }
}

/// A key as listed, with its standing now.
pub fn key_item(k: &KeyRecord, now: DateTime<Utc>) -> KeyItem {
    let subject = match &k.source {
        KeySource::Raw => None,
        KeySource::X509 { subject, .. } => Some(subject.clone()),
    };
    KeyItem {
        key_id: k.key_id.clone(),
        party_id: k.party_id.clone(),
        source: k.source.kind(),
        subject,
        status: k.standing_at(now),
        revoked_at: k.revocation.as_ref().map(|r| rfc3339_ms(r.registered_at)),
        revocation_reason: k.revocation.as_ref().map(|r| r.reason.clone()),
        registered_at: rfc3339_ms(k.registered_at),
    }
}

fn agreement_item(v: &AgreementView) -> AgreementItem {
    let a = &v.agreement;
    AgreementItem {
        id: a.id.clone(),
        buyer_id: a.buyer_id.clone(),
        buyer_name: v.buyer_name.clone(),
        policy_id: a.policy.id.clone(),
        policy_version: a.policy.version,
        policy_digest: a.policy.digest.clone(),
        currency: a.currency.to_string(),
        total_cap_minor: a.total_cap_minor,
        per_tx_cap_minor: a.per_tx_cap_minor,
        exposure_minor: v.exposure.minor,
        outstanding: v.outstanding as u64,
        status: a.status,
        standing: v.standing.to_string(),
        valid_from: rfc3339_ms(a.valid_from),
        valid_until: rfc3339_ms(a.valid_until),
        keys: a.keys.clone(),
    }
}

fn guarantee_item(g: &GuaranteeRecord, held_by: Option<String>) -> GuaranteeItem {
    GuaranteeItem {
        guarantee_id: g.guarantee_id.clone(),
        agreement_id: g.agreement_id.clone(),
        seller_id: g.seller_id.clone(),
        amount_minor: g.amount.minor,
        currency: g.amount.currency.to_string(),
        state: g.state,
        issued_at: g
            .guarantee
            .payload
            .get("issued_at")
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .into(),
        release_at: rfc3339_ms(g.release_at),
        held_by,
    }
}

/// A feed event, its fields read from the signed payload.
fn feed_item(e: FeedEvent, names: &HashMap<String, String>) -> FeedItem {
    let p = &e.payload;
    let text = |k: &str| p.get(k).and_then(|v| v.as_str()).map(str::to_string);
    let amount = p.get("amount");
    let seller_id = text("seller_id").unwrap_or_default();
    FeedItem {
        index: e.index,
        kind: e.kind,
        logged_at: e.logged_at,
        agreement_id: text("agreement_id").unwrap_or_default(),
        seller_name: names.get(&seller_id).cloned().unwrap_or_default(),
        seller_id,
        amount_minor: amount
            .and_then(|a| a.get("minor"))
            .and_then(|m| m.as_i64())
            .unwrap_or(0),
        currency: amount
            .and_then(|a| a.get("currency"))
            .and_then(|c| c.as_str())
            .unwrap_or_default()
            .into(),
        reason: p
            .get("reason")
            .and_then(|r| serde_json::from_value(r.clone()).ok()),
        guarantee_id: text("guarantee_id"),
    }
}

fn policy_item(p: Policy) -> PolicyItem {
    PolicyItem {
        id: p.id,
        version: p.version,
        title: p.title,
        digest: p.digest,
        currency: p.currency,
        total_cap_minor: p.total_cap_minor,
        per_tx_cap_minor: p.per_tx_cap_minor,
        uncovered_rule: p.uncovered_rule,
    }
}

fn b64(text: &str, what: &str) -> Result<Vec<u8>, ErrorBody> {
    base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .map_err(|e| ErrorBody::bad_request(format!("{what} is not base64: {e}")))
}

/// A key from the wire: none, a raw hex key, or a base64 certificate (not both).
pub(super) fn key_input(
    public_key_hex: Option<String>,
    certificate_b64: Option<String>,
) -> Result<Option<KeyInput>, ErrorBody> {
    match (public_key_hex, certificate_b64) {
        (None, None) => Ok(None),
        (Some(h), None) => hex::decode(h.trim())
            .ok()
            .and_then(|v| <[u8; 32]>::try_from(v).ok())
            .map(|r| Some(KeyInput::Raw(r)))
            .ok_or_else(|| ErrorBody::new(ErrorCode::BadKey, "public key must be 32 bytes of hex")),
        (None, Some(c)) => b64(&c, "certificate").map(|b| Some(KeyInput::Certificate(b))),
        (Some(_), Some(_)) => Err(exactly_one_key()),
    }
}

fn exactly_one_key() -> ErrorBody {
    ErrorBody::bad_request("give exactly one of public_key_hex or certificate_b64")
}

pub(super) async fn register_party(
    notary: &Notary,
    operator: &Operator,
    name: &str,
    role: Role,
    key: Option<KeyInput>,
) -> OpResult {
    let (r, key) = notary
        .register_party_with_key(name, role, key, operator.logged())
        .await?;
    Ok(Reply::PartyRegistered {
        party: party_item(&r.party, u32::from(key.is_some())),
        key: key.map(|k| key_item(&k, Utc::now())),
        api_token: r.api_token,
    })
}

/// Parties whose name (any case) or id contains `query`.
pub(super) fn parties(notary: &Notary, query: &str) -> Reply {
    let q = query.to_lowercase();
    let items = notary
        .parties_with_key_counts()
        .into_iter()
        .filter(|(p, _)| q.is_empty() || p.name.to_lowercase().contains(&q) || p.id.contains(&q))
        .take(LIST_MAX)
        .map(|(p, keys)| party_item(&p, keys))
        .collect();
    Reply::Parties { items }
}

pub(super) fn party(notary: &Notary, party_id: &str) -> OpResult {
    let (p, keys) = notary.party(party_id)?;
    let now = Utc::now();
    Ok(Reply::Party {
        party: party_item(&p, keys.len() as u32),
        keys: keys.iter().map(|k| key_item(k, now)).collect(),
    })
}

/// Registers the key given on the wire as (public_key_hex, certificate_b64): exactly one.
pub(super) async fn add_key(
    notary: &Notary,
    operator: &Operator,
    party_id: &str,
    (public_key_hex, certificate_b64): (Option<String>, Option<String>),
) -> OpResult {
    let key = key_input(public_key_hex, certificate_b64)?.ok_or_else(exactly_one_key)?;
    let k = notary.add_key(party_id, key, operator.logged()).await?;
    Ok(Reply::Key(key_item(&k, Utc::now())))
}

pub(super) async fn revoke_key(
    notary: &Notary,
    operator: &Operator,
    key_id: &str,
    reason: &str,
) -> OpResult {
    let k = notary.revoke_key(key_id, reason, operator.logged()).await?;
    Ok(Reply::Key(key_item(&k, Utc::now())))
}

pub(super) async fn import_crl(notary: &Notary, operator: &Operator, crl_b64: &str) -> OpResult {
    let c = notary
        .import_crl(b64(crl_b64, "CRL")?, operator.logged())
        .await?;
    Ok(Reply::CrlImported {
        issuer: c.issuer,
        entries: c.entries as u64,
        revoked: c.revoked,
        already_revoked: c.already_revoked as u64,
        log_index: c.log_index,
    })
}

/// An agreement request from the wire; `caps` are the total and per-transaction caps.
pub(super) fn new_agreement(
    buyer_id: String,
    policy_id: String,
    caps: (Option<i64>, Option<i64>),
    valid_until: Option<String>,
    keys: Option<Vec<String>>,
) -> Result<NewAgreement, ErrorBody> {
    let valid_until = match valid_until.as_deref().map(DateTime::parse_from_rfc3339) {
        None => None,
        Some(Ok(t)) => Some(t.with_timezone(&Utc)),
        Some(Err(e)) => {
            let message = format!("valid_until is not RFC 3339: {e}");
            return Err(ErrorBody::bad_request(message));
        }
    };
    Ok(NewAgreement {
        buyer_id,
        policy_id,
        total_cap_minor: caps.0,
        per_tx_cap_minor: caps.1,
        valid_until,
        keys,
    })
}

/// The agreement `id` as it stands now, with its exposure.
fn agreement_reply(notary: &Notary, id: &str) -> OpResult {
    let (v, _) = notary.agreement(id, 0)?;
    Ok(Reply::Agreement(agreement_item(&v)))
}

pub(super) async fn create_agreement(
    notary: &Notary,
    operator: &Operator,
    req: NewAgreement,
) -> OpResult {
    let a = notary.create_agreement(req, operator.logged()).await?;
    agreement_reply(notary, &a.id)
}

pub(super) async fn set_agreement_status(
    notary: &Notary,
    operator: &Operator,
    agreement_id: &str,
    to: AgreementStatus,
    reason: &str,
) -> OpResult {
    let a = notary
        .set_agreement_status(agreement_id, to, reason, operator.logged())
        .await?;
    agreement_reply(notary, &a.id)
}

/// Agreements whose id or buyer id contains `query`, or whose buyer's name does (any case).
pub(super) fn agreements(notary: &Notary, query: &str) -> Reply {
    let q = query.to_lowercase();
    let items = notary
        .agreements()
        .iter()
        .filter(|v| {
            q.is_empty()
                || v.agreement.id.contains(&q)
                || v.agreement.buyer_id.contains(&q)
                || v.buyer_name.to_lowercase().contains(&q)
        })
        .take(LIST_MAX)
        .map(agreement_item)
        .collect();
    Reply::Agreements { items }
}

pub(super) fn agreement(notary: &Notary, agreement_id: &str, limit: u32) -> OpResult {
    let (v, gs) = notary.agreement(agreement_id, (limit as usize).min(LIST_MAX))?;
    let now = Utc::now();
    let keys = v
        .agreement
        .keys
        .iter()
        .filter_map(|k| notary.key(k))
        .map(|k| key_item(&k, now))
        .collect();
    Ok(Reply::AgreementDetail {
        agreement: agreement_item(&v),
        keys,
        guarantees: gs
            .iter()
            .map(|g| guarantee_item(g, notary.guarantee_holder(&g.guarantee_id)))
            .collect(),
    })
}

pub(super) fn feed(notary: &Notary, limit: u32) -> OpResult {
    let events = notary.ledger_feed((limit as usize).min(LIST_MAX))?;
    let sellers = events
        .iter()
        .filter_map(|e| e.payload.get("seller_id").and_then(|v| v.as_str()));
    let names = notary.party_names(sellers);
    Ok(Reply::Feed {
        items: events.into_iter().map(|e| feed_item(e, &names)).collect(),
    })
}

pub(super) fn policies(notary: &Notary) -> Reply {
    Reply::Policies {
        items: notary.policies().into_iter().map(policy_item).collect(),
    }
}
