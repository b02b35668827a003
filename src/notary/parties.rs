//! Commands on parties and keys: register a party (a seller gets its API token here), register a
//! key (raw Ed25519 or an X.509 certificate from a configured CA), revoke a key by hand, import a
//! CRL. Each is signed and logged.

use base64::Engine;
use ed25519_dalek::VerifyingKey;
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::command::{Decision, ToSign};
use super::sequencer::{Records, StageCtx};
use super::state::{to_json, State};
use super::{Notary, NotaryError, Shared};
use crate::crypto::keys::key_id;
use crate::crypto::x509::{parse_buyer_certificate, parse_crl, Crl, RevokedSerial};
use crate::model::entry::EntryKind;
use crate::model::error_code::ErrorCode;
use crate::model::registry::{
    check_name, check_reason, KeyRecord, KeySource, Party, Revocation, Role,
};
use crate::model::time::rfc3339_ms;
use crate::store::Cf;

/// A newly registered party; `api_token` is shown once (sellers only) and stored only hashed.
#[derive(Clone, Debug, Serialize)]
pub struct PartyReceipt {
    /// The party.
    pub party: Party,
    /// `Authorization: Bearer` token for the seller API.
    pub api_token: Option<String>,
}

/// A public key handed to the notary.
pub enum KeyInput {
    /// A raw 32-byte Ed25519 public key.
    Raw([u8; 32]),
    /// An X.509 certificate, PEM or DER.
    Certificate(Vec<u8>),
}

/// What a CRL import did.
#[derive(Clone, Debug, Serialize)]
pub struct CrlImport {
    /// Issuer of the CRL.
    pub issuer: String,
    /// Entries in the CRL.
    pub entries: usize,
    /// Registered keys newly revoked by it.
    pub revoked: Vec<String>,
    /// Registered keys it lists that were already revoked.
    pub already_revoked: usize,
    /// Log index of the signed revocation (None if nothing changed).
    pub log_index: Option<u64>,
}

fn unknown_party(id: &str) -> NotaryError {
    NotaryError::unknown(ErrorCode::UnknownParty, "party", id)
}

/// A key input checked and decoded: what a registration records.
struct ResolvedKey {
    raw: [u8; 32],
    kid: String,
    source: KeySource,
    cert_der: Option<Vec<u8>>,
}

/// Checks a key input against the CA roots and the registered keys at `now`. The one place the
/// rules for a new key live: used to register it and to check it before registering its owner.
fn resolve_key(
    st: &State,
    input: &KeyInput,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<ResolvedKey, NotaryError> {
    let (raw, source, cert_der) = match input {
        KeyInput::Raw(raw) => (*raw, KeySource::Raw, None),
        KeyInput::Certificate(bytes) => {
            let c = parse_buyer_certificate(bytes, &st.ca_roots, now)
                .map_err(|e| NotaryError::invalid(e.code(), e.to_string()))?;
            let source = KeySource::X509 {
                serial_hex: c.serial_hex.clone(),
                subject: c.subject.clone(),
                issuer: c.issuer.clone(),
                ca_key_id: c.ca_key_id.clone(),
                not_before: c.not_before,
                not_after: c.not_after,
            };
            (c.public_key, source, Some(c.der))
        }
    };
    let vk = VerifyingKey::from_bytes(&raw)
        .map_err(|_| NotaryError::invalid(ErrorCode::BadKey, "not a valid Ed25519 public key"))?;
    if vk.is_weak() {
        // Signatures that verify under a small-order key can be made without any secret: such a
        // key would let its holder disown every order "signed" with it.
        return Err(NotaryError::invalid(
            ErrorCode::BadKey,
            "a small-order Ed25519 public key: anyone can make signatures that verify under it",
        ));
    }
    let kid = key_id(&vk);
    if let Some(existing) = st.keys.get(&kid) {
        return Err(NotaryError::Conflict {
            code: ErrorCode::KeyExists,
            message: format!(
                "key {kid} is already registered to party {}",
                existing.party_id
            ),
        });
    }
    Ok(ResolvedKey {
        raw,
        kid,
        source,
        cert_der,
    })
}

/// Signs (on the worker pool) a key change (`signed`: kind, payload, operator) and records the key as changed: the
/// write path of revocations.
fn write_key(
    shared: &Shared,
    st: &mut State,
    ctx: &StageCtx,
    signed: (EntryKind, serde_json::Value, Option<String>),
    key: KeyRecord,
) -> Result<Decision<KeyRecord>, NotaryError> {
    let (kind, payload, operator) = signed;
    let entry = ToSign::new(ctx, kind, payload, operator);
    let records = vec![(Cf::Keys, key.key_id.as_bytes().to_vec(), to_json(&key)?)];
    st.keys.insert(key.key_id.clone(), key.clone());
    Ok(Decision::sign_later(
        &shared.notary_key,
        entry,
        records,
        key,
    ))
}

/// The registered certificate keys of the CRL's CA that it lists and that are not revoked yet,
/// by key id, with their CRL entry; and how many it lists that were revoked already.
fn listed_keys(st: &State, crl: &Crl) -> (Vec<(String, RevokedSerial)>, usize) {
    let mut listed = Vec::new();
    let mut already = 0;
    for k in st.keys.values() {
        let KeySource::X509 {
            serial_hex,
            ca_key_id,
            ..
        } = &k.source
        else {
            continue;
        };
        if *ca_key_id != crl.ca_key_id {
            continue;
        }
        if let Some(e) = crl.revoked.iter().find(|e| e.serial_hex == *serial_hex) {
            if k.revocation.is_some() {
                already += 1;
            } else {
                listed.push((k.key_id.clone(), e.clone()));
            }
        }
    }
    listed.sort_by(|a, b| a.0.cmp(&b.0));
    (listed, already)
}

/// The listed keys with their revocation recorded (now, with the CRL's date as the claimed time),
/// and the items of the signed revocation; memory is not changed yet.
fn crl_revocations(
    st: &State,
    ctx: &StageCtx,
    listed: &[(String, RevokedSerial)],
) -> (Vec<KeyRecord>, Vec<serde_json::Value>) {
    let mut keys = Vec::with_capacity(listed.len());
    let mut items = Vec::with_capacity(listed.len());
    for (kid, e) in listed {
        let Some(key) = st.keys.get(kid) else {
            continue;
        };
        let mut key = key.clone();
        key.revocation = Some(Revocation {
            registered_at: ctx.now,
            reason: e.reason.clone().unwrap_or_else(|| "listed in CRL".into()),
            source: "crl".into(),
            claimed_at: Some(e.revocation_date),
            log_index: ctx.index,
        });
        items.push(json!({
            "key_id": kid,
            "party_id": key.party_id,
            "serial": e.serial_hex,
            "claimed_at": rfc3339_ms(e.revocation_date),
        }));
        keys.push(key);
    }
    (keys, items)
}

/// SHA-256 of a seller API token, as stored.
pub(crate) fn token_hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// A party registration staged at `ctx`: the party, its entry to sign and its record. Memory is
/// not changed yet; a name already registered with the same role is refused.
fn stage_party(
    st: &State,
    ctx: &StageCtx,
    (name, role): (&str, Role),
    operator: Option<String>,
) -> Result<(Party, ToSign, Records), NotaryError> {
    if st
        .parties
        .values()
        .any(|p| p.name == name && p.role == role)
    {
        return Err(NotaryError::Conflict {
            code: ErrorCode::PartyExists,
            message: format!("a {} named {name:?} is already registered", role.as_str()),
        });
    }
    let id = uuid::Uuid::now_v7().to_string();
    let party = Party {
        id: id.clone(),
        name: name.to_string(),
        role,
        registered_at: ctx.now,
        log_index: ctx.index,
    };
    let payload = json!({
        "party_id": id,
        "name": name,
        "role": role.as_str(),
        "registered_at": rfc3339_ms(ctx.now),
    });
    let entry = ToSign::new(ctx, EntryKind::Party, payload, operator);
    let records = vec![(Cf::Parties, id.as_bytes().to_vec(), to_json(&party)?)];
    Ok((party, entry, records))
}

/// A key registration for `party_id` staged at `ctx`: the key checked (see [`resolve_key`]), its
/// entry to sign and its record. Memory is not changed yet.
fn stage_key(
    st: &State,
    ctx: &StageCtx,
    party_id: &str,
    input: &KeyInput,
    operator: Option<String>,
) -> Result<(KeyRecord, ToSign, Records), NotaryError> {
    let ResolvedKey {
        raw,
        kid,
        source,
        cert_der,
    } = resolve_key(st, input, ctx.now)?;
    let record = KeyRecord {
        key_id: kid.clone(),
        party_id: party_id.to_string(),
        public_key: hex::encode(raw),
        source: source.clone(),
        registered_at: ctx.now,
        log_index: ctx.index,
        revocation: None,
    };
    let mut payload = json!({
        "key_id": kid,
        "party_id": party_id,
        "public_key": hex::encode(raw),
        "alg": "ed25519",
        "source": source,
        "registered_at": rfc3339_ms(ctx.now),
    });
    if let (Some(der), Some(obj)) = (&cert_der, payload.as_object_mut()) {
        obj.insert(
            "certificate".into(),
            base64::engine::general_purpose::STANDARD.encode(der).into(),
        );
    }
    let kind = EntryKind::KeyRegistration;
    let entry = ToSign::new(ctx, kind, payload, operator);
    let records = vec![(Cf::Keys, kid.as_bytes().to_vec(), to_json(&record)?)];
    Ok((record, entry, records))
}

/// A fresh seller API token: `nts_` and 32 random bytes in hex.
pub(crate) fn new_token() -> String {
    let bytes: [u8; 32] = rand::random();
    format!("nts_{}", hex::encode(bytes))
}

impl Notary {
    /// Registers a buyer or seller. Sellers get an API token.
    pub async fn register_party(
        &self,
        name: &str,
        role: Role,
        operator: Option<String>,
    ) -> Result<PartyReceipt, NotaryError> {
        let (receipt, _) = self
            .register_party_with_key(name, role, None, operator)
            .await?;
        Ok(receipt)
    }

    /// Registers a party and, if given, its first key, as one change: the party's entry and the
    /// key's right after it, written in one batch. A key the notary refuses (bad certificate,
    /// already registered) registers nothing.
    pub async fn register_party_with_key(
        &self,
        name: &str,
        role: Role,
        key: Option<KeyInput>,
        operator: Option<String>,
    ) -> Result<(PartyReceipt, Option<KeyRecord>), NotaryError> {
        check_name(name).map_err(|m| NotaryError::invalid(ErrorCode::BadName, m))?;
        let name = name.to_string();
        let token = (role == Role::Seller).then(new_token);
        let shared = self.shared.clone();
        self.command(move |ctx| {
            let mut st = shared.state.lock();
            let (party, mut entry, mut records) =
                stage_party(&st, ctx, (&name, role), operator.clone())?;
            let key = match &key {
                None => None,
                Some(k) => {
                    let (record, e, r) = stage_key(&st, &ctx.after(1), &party.id, k, operator)?;
                    entry.then(e);
                    records.extend(r);
                    Some(record)
                }
            };
            if let Some(t) = &token {
                let h = token_hash(t);
                records.push((Cf::SellerTokens, h.to_vec(), party.id.as_bytes().to_vec()));
                st.tokens.insert(h, party.id.clone());
            }
            if let Some(k) = &key {
                st.keys.insert(k.key_id.clone(), k.clone());
            }
            st.parties.insert(party.id.clone(), party.clone());
            let receipt = PartyReceipt {
                party,
                api_token: token,
            };
            let key_of = &shared.notary_key;
            Ok(Decision::sign_later(key_of, entry, records, (receipt, key)))
        })
        .await
    }

    /// Registers a public key for a party.
    pub async fn add_key(
        &self,
        party_id: &str,
        input: KeyInput,
        operator: Option<String>,
    ) -> Result<KeyRecord, NotaryError> {
        let party_id = party_id.to_string();
        let shared = self.shared.clone();
        self.command(move |ctx| {
            let mut st = shared.state.lock();
            if !st.parties.contains_key(&party_id) {
                return Err(unknown_party(&party_id));
            }
            let (record, entry, records) = stage_key(&st, ctx, &party_id, &input, operator)?;
            st.keys.insert(record.key_id.clone(), record.clone());
            Ok(Decision::sign_later(
                &shared.notary_key,
                entry,
                records,
                record,
            ))
        })
        .await
    }

    /// Revokes a key by hand. The notary's registration time is the authoritative revocation time.
    pub async fn revoke_key(
        &self,
        key_id: &str,
        reason: &str,
        operator: Option<String>,
    ) -> Result<KeyRecord, NotaryError> {
        let reason =
            check_reason(reason).map_err(|m| NotaryError::invalid(ErrorCode::BadReason, m))?;
        let kid = key_id.trim().to_ascii_lowercase();
        let shared = self.shared.clone();
        self.command(move |ctx| {
            let mut st = shared.state.lock();
            let Some(key) = st.keys.get(&kid) else {
                return Err(NotaryError::unknown(
                    ErrorCode::UnknownKey,
                    "registered key",
                    &kid,
                ));
            };
            if let Some(r) = &key.revocation {
                return Err(NotaryError::Conflict {
                    code: ErrorCode::AlreadyRevoked,
                    message: format!("key {kid} was revoked at {}", rfc3339_ms(r.registered_at)),
                });
            }
            let mut key = key.clone();
            key.revocation = Some(Revocation {
                registered_at: ctx.now,
                reason: reason.clone(),
                source: "manual".into(),
                claimed_at: None,
                log_index: ctx.index,
            });
            let payload = json!({
                "source": "manual",
                "reason": reason,
                "revoked": [{"key_id": kid, "party_id": key.party_id}],
                "registered_at": rfc3339_ms(ctx.now),
            });
            write_key(
                &shared,
                &mut st,
                ctx,
                (EntryKind::Revocation, payload, operator),
                key,
            )
        })
        .await
    }

    /// Imports a CRL from a configured CA: every registered certificate key it lists is revoked,
    /// with the CRL's revocation date kept as the claimed time.
    pub async fn import_crl(
        &self,
        crl_bytes: Vec<u8>,
        operator: Option<String>,
    ) -> Result<CrlImport, NotaryError> {
        // Parsed and its signature checked against the CA roots here, before the job is queued:
        // the sequencer (and the state lock) is not held up by untrusted input. The roots never
        // change after start; they are copied out under a short lock.
        let roots = self.shared.state.lock().ca_roots.clone();
        let crl = parse_crl(&crl_bytes, &roots)
            .map_err(|e| NotaryError::invalid(e.code(), e.to_string()))?;
        let shared = self.shared.clone();
        self.command(move |ctx| {
            let mut st = shared.state.lock();
            let (listed, already_revoked) = listed_keys(&st, &crl);
            let summary = |revoked: Vec<String>, log_index| CrlImport {
                issuer: crl.issuer.clone(),
                entries: crl.revoked.len(),
                revoked,
                already_revoked,
                log_index,
            };
            if listed.is_empty() {
                return Ok(Decision::Now(summary(Vec::new(), None)));
            }
            let (keys, items) = crl_revocations(&st, ctx, &listed);
            let payload = json!({
                "source": "crl",
                "reason": "CRL import",
                "crl_issuer": crl.issuer,
                "crl_this_update": rfc3339_ms(crl.this_update),
                "revoked": items,
                "registered_at": rfc3339_ms(ctx.now),
            });
            let entry = ToSign::new(ctx, EntryKind::Revocation, payload, operator);
            let records = keys
                .iter()
                .map(|k| Ok((Cf::Keys, k.key_id.as_bytes().to_vec(), to_json(k)?)))
                .collect::<Result<Records, NotaryError>>()?;
            let revoked = keys.iter().map(|k| k.key_id.clone()).collect();
            st.keys
                .extend(keys.into_iter().map(|k| (k.key_id.clone(), k)));
            let summary = summary(revoked, Some(ctx.index));
            Ok(Decision::sign_later(
                &shared.notary_key,
                entry,
                records,
                summary,
            ))
        })
        .await
    }

    /// The display name of party `id` ("" if no such party is registered).
    pub fn party_name(&self, id: &str) -> String {
        let st = self.shared.state.lock();
        st.parties
            .get(id)
            .map(|p| p.name.clone())
            .unwrap_or_default()
    }

    /// Every party, by name.
    pub fn parties(&self) -> Vec<Party> {
        self.parties_with_key_counts()
            .into_iter()
            .map(|(p, _)| p)
            .collect()
    }

    /// Every party with the number of its keys, by name (one pass over the registry).
    pub fn parties_with_key_counts(&self) -> Vec<(Party, u32)> {
        let st = self.shared.state.lock();
        let mut counts: std::collections::HashMap<&str, u32> = std::collections::HashMap::new();
        for k in st.keys.values() {
            *counts.entry(k.party_id.as_str()).or_default() += 1;
        }
        let mut v: Vec<(Party, u32)> = st
            .parties
            .values()
            .map(|p| (p.clone(), counts.get(p.id.as_str()).copied().unwrap_or(0)))
            .collect();
        v.sort_by(|a, b| a.0.name.cmp(&b.0.name).then(a.0.id.cmp(&b.0.id)));
        v
    }

    /// One party and its keys.
    pub fn party(&self, id: &str) -> Result<(Party, Vec<KeyRecord>), NotaryError> {
        let st = self.shared.state.lock();
        let p = st
            .parties
            .get(id)
            .cloned()
            .ok_or_else(|| unknown_party(id))?;
        let mut keys: Vec<KeyRecord> = st
            .keys
            .values()
            .filter(|k| k.party_id == id)
            .cloned()
            .collect();
        keys.sort_by_key(|k| k.registered_at);
        Ok((p, keys))
    }

    /// A registered key.
    pub fn key(&self, key_id: &str) -> Option<KeyRecord> {
        self.shared.state.lock().keys.get(key_id).cloned()
    }

    /// The seller an API token belongs to.
    pub fn seller_for_token(&self, token: &str) -> Option<String> {
        self.shared
            .state
            .lock()
            .tokens
            .get(&token_hash(token))
            .cloned()
    }
}
