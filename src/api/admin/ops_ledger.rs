//! Admin operations on parties, keys, agreements and the guarantee ledger.

use base64::Engine;
use chrono::{DateTime, Utc};

use super::ops::Operator;
use super::proto::{
    AgreementItem, FeedItem, GuaranteeItem, KeyItem, Op, PartyItem, PolicyItem, Reply,
};
use crate::model::registry::{AgreementStatus, KeyRecord, KeySource, Party, Role};
use crate::model::time::rfc3339_ms;
use crate::notary::{AgreementView, GuaranteeRecord, KeyInput, NewAgreement, Notary, NotaryError};

type OpResult = Result<Reply, (&'static str, String)>;

/// Most items a listing returns.
const LIST_MAX: usize = 500;

fn fail(e: NotaryError) -> (&'static str, String) {
    (e.code(), e.to_string())
}

fn bad(m: impl Into<String>) -> (&'static str, String) {
    ("bad_request", m.into())
}

fn party_item(p: &Party, keys: u32) -> PartyItem {
    PartyItem {
        id: p.id.clone(),
        name: p.name.clone(),
        role: p.role.as_str().into(),
        registered_at: rfc3339_ms(p.registered_at),
        keys,
    }
}

/// A key as listed, with its standing now.
pub fn key_item(k: &KeyRecord, now: DateTime<Utc>) -> KeyItem {
    let (source, subject) = match &k.source {
        KeySource::Raw => ("raw", None),
        KeySource::X509 { subject, .. } => ("x509", Some(subject.clone())),
    };
    KeyItem {
        key_id: k.key_id.clone(),
        party_id: k.party_id.clone(),
        source: source.into(),
        subject,
        status: k.status_name(now).into(),
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
        status: a.status.as_str().into(),
        valid_from: rfc3339_ms(a.valid_from),
        valid_until: rfc3339_ms(a.valid_until),
        keys: a.keys.clone(),
    }
}

fn guarantee_item(g: &GuaranteeRecord) -> GuaranteeItem {
    GuaranteeItem {
        guarantee_id: g.guarantee_id.clone(),
        agreement_id: g.agreement_id.clone(),
        seller_id: g.seller_id.clone(),
        amount_minor: g.amount.minor,
        currency: g.amount.currency.to_string(),
        state: g.state.as_str().into(),
        issued_at: g
            .guarantee
            .payload
            .get("issued_at")
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .into(),
        release_at: rfc3339_ms(g.release_at),
    }
}

fn b64(text: &str, what: &str) -> Result<Vec<u8>, (&'static str, String)> {
    base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .map_err(|e| bad(format!("{what} is not base64: {e}")))
}

/// A key from the wire: none, a raw hex key, or a base64 certificate (not both).
fn key_input(
    public_key_hex: Option<String>,
    certificate_b64: Option<String>,
) -> Result<Option<KeyInput>, (&'static str, String)> {
    match (public_key_hex, certificate_b64) {
        (None, None) => Ok(None),
        (Some(h), None) => hex::decode(h.trim())
            .ok()
            .and_then(|v| <[u8; 32]>::try_from(v).ok())
            .map(|r| Some(KeyInput::Raw(r)))
            .ok_or_else(|| ("bad_key", "public key must be 32 bytes of hex".into())),
        (None, Some(c)) => b64(&c, "certificate").map(|b| Some(KeyInput::Certificate(b))),
        (Some(_), Some(_)) => Err(bad("give exactly one of public_key_hex or certificate_b64")),
    }
}

/// Runs one ledger operation; `None` if `op` is not one of them.
pub async fn handle(notary: &Notary, operator: &Operator, op: Op) -> Option<OpResult> {
    let who = Some(operator.user.clone());
    let now = Utc::now();
    Some(match op {
        Op::PartyRegister {
            name,
            role,
            public_key_hex,
            certificate_b64,
        } => {
            let Some(role) = Role::parse(&role) else {
                return Some(Err(bad("role must be buyer or seller")));
            };
            let key = match key_input(public_key_hex, certificate_b64) {
                Ok(k) => k,
                Err(e) => return Some(Err(e)),
            };
            notary
                .register_party_with_key(&name, role, key, who)
                .await
                .map_err(fail)
                .map(|(r, key)| Reply::PartyRegistered {
                    party: party_item(&r.party, u32::from(key.is_some())),
                    key: key.map(|k| key_item(&k, Utc::now())),
                    api_token: r.api_token,
                })
        }
        Op::Parties { query } => {
            let q = query.to_lowercase();
            let items = notary
                .parties_with_key_counts()
                .into_iter()
                .filter(|(p, _)| {
                    q.is_empty() || p.name.to_lowercase().contains(&q) || p.id.contains(&q)
                })
                .take(LIST_MAX)
                .map(|(p, keys)| party_item(&p, keys))
                .collect();
            Ok(Reply::Parties { items })
        }
        Op::PartyShow { party_id } => {
            notary
                .party(&party_id)
                .map_err(fail)
                .map(|(p, keys)| Reply::Party {
                    party: party_item(&p, keys.len() as u32),
                    keys: keys.iter().map(|k| key_item(k, now)).collect(),
                })
        }
        Op::KeyAdd {
            party_id,
            public_key_hex,
            certificate_b64,
        } => {
            let input = match key_input(public_key_hex, certificate_b64) {
                Ok(Some(k)) => k,
                Ok(None) => {
                    return Some(Err(bad(
                        "give exactly one of public_key_hex or certificate_b64",
                    )))
                }
                Err(e) => return Some(Err(e)),
            };
            notary
                .add_key(&party_id, input, who)
                .await
                .map_err(fail)
                .map(|k| Reply::Key(key_item(&k, now)))
        }
        Op::KeyRevoke { key_id, reason } => notary
            .revoke_key(&key_id, &reason, who)
            .await
            .map_err(fail)
            .map(|k| Reply::Key(key_item(&k, Utc::now()))),
        Op::CrlImport { crl_b64 } => {
            let bytes = match b64(&crl_b64, "CRL") {
                Ok(b) => b,
                Err(e) => return Some(Err(e)),
            };
            notary
                .import_crl(bytes, who)
                .await
                .map_err(fail)
                .map(|c| Reply::CrlImported {
                    issuer: c.issuer,
                    entries: c.entries as u64,
                    revoked: c.revoked,
                    already_revoked: c.already_revoked as u64,
                    log_index: c.log_index,
                })
        }
        Op::AgreementCreate {
            buyer_id,
            policy_id,
            total_cap_minor,
            per_tx_cap_minor,
            valid_until,
            keys,
        } => {
            let valid_until = match valid_until.as_deref().map(DateTime::parse_from_rfc3339) {
                None => None,
                Some(Ok(t)) => Some(t.with_timezone(&Utc)),
                Some(Err(e)) => return Some(Err(bad(format!("valid_until is not RFC 3339: {e}")))),
            };
            let req = NewAgreement {
                buyer_id,
                policy_id,
                total_cap_minor,
                per_tx_cap_minor,
                valid_until,
                keys,
            };
            match notary.create_agreement(req, who).await {
                Ok(a) => notary
                    .agreement(&a.id, 0)
                    .map_err(fail)
                    .map(|(v, _)| Reply::Agreement(agreement_item(&v))),
                Err(e) => Err(fail(e)),
            }
        }
        Op::AgreementStatus {
            agreement_id,
            status,
            reason,
        } => {
            let Some(to) = AgreementStatus::parse(&status) else {
                return Some(Err(bad("status must be active, suspended or ended")));
            };
            match notary
                .set_agreement_status(&agreement_id, to, &reason, who)
                .await
            {
                Ok(a) => notary
                    .agreement(&a.id, 0)
                    .map_err(fail)
                    .map(|(v, _)| Reply::Agreement(agreement_item(&v))),
                Err(e) => Err(fail(e)),
            }
        }
        Op::Agreements { query } => {
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
            Ok(Reply::Agreements { items })
        }
        Op::AgreementShow {
            agreement_id,
            limit,
        } => notary
            .agreement(&agreement_id, (limit as usize).min(LIST_MAX))
            .map_err(fail)
            .map(|(v, gs)| {
                let keys = v
                    .agreement
                    .keys
                    .iter()
                    .filter_map(|k| notary.key(k))
                    .map(|k| key_item(&k, now))
                    .collect();
                Reply::AgreementDetail {
                    agreement: agreement_item(&v),
                    keys,
                    guarantees: gs.iter().map(guarantee_item).collect(),
                }
            }),
        Op::LedgerFeed { limit } => notary
            .ledger_feed((limit as usize).min(LIST_MAX))
            .map_err(fail)
            .map(|events| Reply::Feed {
                items: events
                    .into_iter()
                    .map(|e| {
                        let p = &e.payload;
                        let s = |k: &str| p.get(k).and_then(|v| v.as_str()).map(str::to_string);
                        let amount = p.get("amount");
                        FeedItem {
                            index: e.index,
                            kind: e.kind.as_str().into(),
                            logged_at: e.logged_at,
                            agreement_id: s("agreement_id").unwrap_or_default(),
                            seller_id: s("seller_id").unwrap_or_default(),
                            amount_minor: amount
                                .and_then(|a| a.get("minor"))
                                .and_then(|m| m.as_i64())
                                .unwrap_or(0),
                            currency: amount
                                .and_then(|a| a.get("currency"))
                                .and_then(|c| c.as_str())
                                .unwrap_or_default()
                                .into(),
                            reason: s("reason"),
                            guarantee_id: s("guarantee_id"),
                        }
                    })
                    .collect(),
            }),
        Op::Policies => Ok(Reply::Policies {
            items: notary
                .policies()
                .into_iter()
                .map(|p| PolicyItem {
                    id: p.id,
                    version: p.version,
                    title: p.title,
                    digest: p.digest,
                    currency: p.currency,
                    total_cap_minor: p.total_cap_minor,
                    per_tx_cap_minor: p.per_tx_cap_minor,
                    uncovered_rule: p.uncovered_rule.as_str().into(),
                })
                .collect(),
        }),
        _ => return None,
    })
}
