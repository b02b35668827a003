//! Offline verification of a bundle: [`verify`] checks the checkpoint with the bundle's notary
//! key, every notary-signed envelope (signature, and its tlog-proof against that checkpoint: the
//! proof's leaf is the log entry whose body is the envelope), every party-signed envelope (by a
//! key the bundle's registry registers), every RFC 3161 token (signature, chain to the bundle's
//! TSA root, imprint) and every document (content against digest). It never panics; what it
//! finds is a [`Report`], item by item.

use std::collections::HashMap;

use base64::Engine;
use ed25519_dalek::VerifyingKey;
use serde::{Deserialize, Serialize};

use super::format::{
    hex_sha256, names_complaint, Bundle, Item, NotaryKeys, BUNDLE_LEN_MAX, FORMAT,
};
use super::par::{on_pool, par_chunks, par_chunks_by};
use super::proof::TlogProof;
use crate::crypto::envelope::Envelope;
use crate::crypto::keys::key_id;
use crate::crypto::tsa::{verify_stamped, Stamped};
use crate::crypto::zip215::Key;
use crate::log::{
    leaf_hash, open_checkpoint, parse_vkey, verify_inclusion, Checkpoint, Inclusions,
};
use crate::model::entry::LogEntry;
use crate::model::time::rfc3339_ms;
use prep::Prepared;

/// Why a file is not a bundle at all (as opposed to a bundle with failing items).
#[derive(Debug, thiserror::Error)]
pub enum Unreadable {
    /// Larger than [`BUNDLE_LEN_MAX`].
    #[error("{0} bytes, more than the limit of {BUNDLE_LEN_MAX}")]
    TooLarge(usize),
    /// Not JSON of the bundle's shape.
    #[error("not a notar-bundle/1 file: {0}")]
    Shape(String),
    /// Another `format`.
    #[error("format {0:?} is not notar-bundle/1")]
    Format(String),
    /// The notary's key cannot be used.
    #[error("the bundle's notary key: {0}")]
    NotaryKey(String),
}

/// Which list of the bundle an item is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Section {
    /// `items`.
    Items,
    /// `registry`.
    Registry,
}

/// Who signed an envelope: a key, and the party the registry registers it for (none for the
/// notary's own key).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signer {
    /// Hex SHA-256 of the public key.
    pub key_id: String,
    /// The party the key is registered for; `None` for the notary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub party_id: Option<String>,
}

/// Where a notary-signed item is in the log, proven against the checkpoint.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogFacts {
    /// Leaf index.
    pub index: u64,
    /// The entry's `logged_at`: the notary's ingest time.
    pub logged_at: String,
}

/// What was established about one item: the facts the rule engine consumes. A field is `None`
/// when it does not apply to the item's type or could not be established.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemFacts {
    /// `Some(false)` when the item's id is not the SHA-256 of its bytes (nothing else about it
    /// was checked).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_ok: Option<bool>,
    /// The signature (envelope, token) verifies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature_ok: Option<bool>,
    /// Who signed, when a signature verified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signer: Option<Signer>,
    /// The proven log position of a notary-signed item (`None`: not shown to be in the log).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_log: Option<LogFacts>,
    /// A token's genTime (RFC 3339 ms).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gen_time: Option<String>,
    /// A token's imprint hash algorithm.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hash_alg: Option<String>,
    /// A token's imprint, hex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub imprint: Option<String>,
    /// A token's stated accuracy of genTime, in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accuracy_ms: Option<u64>,
    /// A notary envelope the log contradicts: its proof verifies against the checkpoint, but
    /// for another entry at the very index the envelope's `log_index` names (the notary signed
    /// it and did not log it there: its fault). The index and that entry's `logged_at`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_contradicts: Option<LogFacts>,
    /// A document's content is present and hashes to its digest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_ok: Option<bool>,
}

/// The result for one item.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemReport {
    /// The item's declared id.
    pub id: String,
    /// Where it is in the bundle.
    pub section: Section,
    /// The envelope kind, `rfc3161_token` or `document`.
    pub kind: String,
    /// Every check passed.
    pub ok: bool,
    /// The first check that failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// What was established.
    pub facts: ItemFacts,
}

/// The checkpoint, as checked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckpointFacts {
    /// The signed note verifies with the bundle's checkpoint key and names its origin.
    pub ok: bool,
    /// Why not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Origin line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
    /// Tree size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// Root hash, hex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root: Option<String>,
}

/// The claim, as checked against the notary's complaint receipt in the bundle.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimFacts {
    /// A verified `complaint_receipt` item for the claim's complaint states exactly the claim.
    pub ok: bool,
    /// Why not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The id of the receipt item the claim was checked against.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt: Option<String>,
    /// It fails for a record the bundle does not show verified (left out, or failing its own
    /// checks), not for one that contradicts it: a counter-claim so is left undecided.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unshown: bool,
}

/// What [`verify`] found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// Always `notar-bundle/1`.
    pub format: String,
    /// The complaint the bundle is about.
    pub complaint_id: String,
    /// The notary key everything was checked against (compare it with the one you trust).
    pub notary_key_id: String,
    /// The checkpoint.
    pub checkpoint: CheckpointFacts,
    /// The claim.
    pub claim: ClaimFacts,
    /// The counter-claim, checked against the response receipt and the response, when the
    /// bundle states one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counter_claim: Option<ClaimFacts>,
    /// What the bundle shows of the respondent's answer (not a check: an open case shows none).
    #[serde(default)]
    pub answer: super::answer::AnswerFacts,
    /// Every item: `items` in order, then `registry` in order.
    pub items: Vec<ItemReport>,
}

impl Report {
    /// The checkpoint, the claim and every item passed.
    pub fn ok(&self) -> bool {
        self.checkpoint.ok
            && self.claim.ok
            && self.counter_claim.as_ref().is_none_or(|c| c.ok)
            && self.items.iter().all(|i| i.ok)
    }

    /// The items that failed.
    pub fn failures(&self) -> impl Iterator<Item = &ItemReport> {
        self.items.iter().filter(|i| !i.ok)
    }
}

/// Checks a bundle offline. `Err` only when the bytes are not a bundle; every failing check of
/// an item is in the [`Report`].
pub fn verify(bytes: &[u8]) -> Result<Report, Unreadable> {
    on_pool(bytes.len(), || check(bytes).map(|(_, report)| report))
}

/// [`verify`], also giving the bundle it parsed, so that replay reads the file once. The
/// notary's keys, the checkpoint and the registry are checked as soon as the outer object is
/// read, while the items are still being read on another thread.
pub(super) fn check(bytes: &[u8]) -> Result<(Bundle, Report), Unreadable> {
    let (bundle, head) = super::parse::parse(bytes, check_head)?;
    let report = verify_bundle(&bundle, head?);
    Ok((bundle, report))
}

/// What is checked before the items: the notary's keys and the checkpoint, and the registry
/// (its key registrations say which party keys count).
struct Head {
    ctx: Ctx,
    checkpoint: CheckpointFacts,
    registry: Vec<ItemReport>,
}

/// The [`Head`] of a bundle with these `notary` keys, `checkpoint` and `registry` entries; `Err`
/// when the notary's key is unusable.
fn check_head(
    notary: &NotaryKeys,
    checkpoint: &str,
    registry_items: &[Item],
) -> Result<Head, Unreadable> {
    let mut ctx = Ctx::new(notary, checkpoint)?;
    let checkpoint = ctx.checkpoint_facts();
    let registry: Vec<ItemReport> = par_chunks(registry_items, |part| {
        let prepared = ctx.prepare(part);
        let mut proofs = Inclusions::default();
        part.iter()
            .zip(&prepared)
            .map(|(i, p)| ctx.registry_item(i, p, &mut proofs))
            .collect()
    });
    ctx.learn_keys(registry_items, &registry);
    Ok(Head {
        ctx,
        checkpoint,
        registry,
    })
}

/// The checks of [`verify`] on a parsed bundle, after its [`Head`]: each item's id, signing
/// input and JSON made once ([`Prepared`]); the items checked on every core ([`par_chunks_by`]),
/// each core's signatures in one batch ([`Ctx::signatures`]), the results in bundle order.
fn verify_bundle(bundle: &Bundle, head: Head) -> Report {
    let Head {
        ctx,
        checkpoint,
        registry,
    } = head;
    let mut items: Vec<ItemReport> = par_chunks_by(&bundle.items, check_weight, |part| {
        let prepared = ctx.prepare(part);
        let mut proofs = Inclusions::default();
        part.iter()
            .zip(&prepared)
            .map(|(i, p)| ctx.item(i, p, &mut proofs))
            .collect()
    });
    let claim = check_claim(bundle, &items);
    let counter_claim = super::counter::check_counter_claim(bundle, &items);
    let answer = super::answer::answer_facts(bundle, &items);
    items.extend(registry);
    Report {
        format: FORMAT.into(),
        complaint_id: bundle.claim.complaint_id.clone(),
        notary_key_id: ctx.notary_kid.clone(),
        checkpoint,
        claim,
        counter_claim,
        answer,
        items,
    }
}

/// About the work of checking `item`, for cutting the items into parts of equal work: a notary
/// envelope, with its inclusion proof and log entry, takes about half as long again to check as
/// an item without (measured on a large bundle, BENCHMARKS.md "Replay on a pool of threads").
fn check_weight(item: &Item) -> usize {
    match item {
        Item::NotaryEnvelope { .. } => 3,
        _ => 2,
    }
}

/// What the checks share: the notary's keys, the opened checkpoint, the registered keys.
struct Ctx {
    notary_key: Key,
    notary_kid: String,
    checkpoint_text: String,
    checkpoint: Result<Checkpoint, String>,
    tsa: Result<(Vec<u8>, Vec<u8>), String>,
    /// Whether `notary.identity` shows `tsa` to be the notary's TSA.
    tsa_identity: Result<(), String>,
    keys: HashMap<String, (String, Key)>,
}

impl Ctx {
    fn new(n: &NotaryKeys, checkpoint_text: &str) -> Result<Ctx, Unreadable> {
        let raw = base64::engine::general_purpose::STANDARD
            .decode(&n.public_key)
            .map_err(|_| Unreadable::NotaryKey("public_key is not base64".into()))?;
        let raw: [u8; 32] = raw
            .try_into()
            .map_err(|_| Unreadable::NotaryKey("public_key is not 32 bytes".into()))?;
        let notary_key = VerifyingKey::from_bytes(&raw)
            .map_err(|_| Unreadable::NotaryKey("public_key is not an Ed25519 key".into()))?;
        let notary_kid = key_id(&notary_key);
        if notary_kid != n.key_id {
            return Err(Unreadable::NotaryKey(
                "key_id is not the public key's".into(),
            ));
        }
        let checkpoint = open_bundle_checkpoint(n, &raw, checkpoint_text);
        let tsa = tsa_chain(&n.tsa_chain);
        let tsa_identity = tsa
            .as_ref()
            .map_err(String::clone)
            .and_then(|chain| identity_holds(n, (checkpoint_text, &checkpoint), chain));
        Ok(Ctx {
            notary_key: Key::new(raw),
            notary_kid,
            checkpoint_text: checkpoint_text.to_string(),
            checkpoint,
            tsa,
            tsa_identity,
            keys: HashMap::new(),
        })
    }

    fn checkpoint_facts(&self) -> CheckpointFacts {
        match &self.checkpoint {
            Ok(cp) => CheckpointFacts {
                ok: true,
                reason: None,
                origin: Some(cp.origin.clone()),
                size: Some(cp.size),
                root: Some(hex::encode(cp.root)),
            },
            Err(e) => CheckpointFacts {
                ok: false,
                reason: Some(e.clone()),
                origin: None,
                size: None,
                root: None,
            },
        }
    }

    /// The keys registered by the registry's verified `key_registration` envelopes.
    fn learn_keys(&mut self, registry: &[Item], reports: &[ItemReport]) {
        for (item, report) in registry.iter().zip(reports) {
            let Item::NotaryEnvelope { envelope, .. } = item else {
                continue;
            };
            if !report.ok || envelope.kind != "key_registration" {
                continue;
            }
            if let Some((kid, party, key)) = registered_key(envelope) {
                self.keys.insert(kid, (party, Key::new(key.to_bytes())));
            }
        }
    }

    fn registry_item(&self, item: &Item, p: &Prepared, proofs: &mut Inclusions) -> ItemReport {
        let mut r = self.item(item, p, proofs);
        r.section = Section::Registry;
        if r.ok && !matches!(item, Item::NotaryEnvelope { .. }) {
            r.ok = false;
            r.reason =
                Some("the registry holds only envelopes the notary signed and logged".into());
        }
        r
    }

    /// The checks of `item`; `proofs` holds what the inclusion proofs of the items checked
    /// before it on this thread computed.
    fn item(&self, item: &Item, p: &Prepared, proofs: &mut Inclusions) -> ItemReport {
        let mut facts = ItemFacts::default();
        let checks = match item {
            Item::PartyEnvelope { envelope, .. } => self.party_envelope(envelope, p, &mut facts),
            Item::NotaryEnvelope {
                envelope, proof, ..
            } => self.notary_envelope(envelope, p, proof, proofs, &mut facts),
            Item::Rfc3161Token { token, imprint, .. } => self.token(token, imprint, &mut facts),
            Item::Document {
                sha256, content, ..
            } => document(sha256, content.as_deref(), &mut facts),
        };
        // Altered bytes fail their own checks (a signature) and the id; intact bytes under
        // another id fail only the id: the item is misnamed, which `id_ok` tells apart.
        let result = checks.and_then(|()| {
            p.id().inspect_err(|_| {
                facts.id_ok = Some(false);
            })
        });
        ItemReport {
            id: item.id().to_string(),
            section: Section::Items,
            kind: item.label().chars().take(64).collect(),
            ok: result.is_ok(),
            reason: result.err(),
            facts,
        }
    }

    fn party_envelope(
        &self,
        env: &Envelope,
        p: &Prepared,
        facts: &mut ItemFacts,
    ) -> Result<(), String> {
        let mut first_err = None;
        for kid in env.signer_key_ids() {
            let Some((party, _)) = self.keys.get(kid) else {
                continue;
            };
            match p.signed(kid) {
                Ok(()) => {
                    facts.signature_ok = Some(true);
                    facts.signer = Some(Signer {
                        key_id: kid.to_string(),
                        party_id: Some(party.clone()),
                    });
                    return Ok(());
                }
                Err(e) => first_err = first_err.or(Some(e)),
            }
        }
        if env.signer_key_ids().any(|k| k == self.notary_kid) && p.signed(&self.notary_kid).is_ok()
        {
            facts.signature_ok = Some(true);
            facts.signer = Some(Signer {
                key_id: self.notary_kid.clone(),
                party_id: None,
            });
            return Err("signed by the notary, but not shown to be in its log (no proof)".into());
        }
        facts.signature_ok = Some(false);
        Err(first_err.unwrap_or_else(|| {
            let kids: Vec<String> = env.signer_key_ids().take(3).map(short).collect();
            format!(
                "signed by key(s) [{}], none registered in the bundle's registry",
                kids.join(", ")
            )
        }))
    }

    fn notary_envelope(
        &self,
        env: &Envelope,
        p: &Prepared,
        proof: &str,
        proofs: &mut Inclusions,
        facts: &mut ItemFacts,
    ) -> Result<(), String> {
        let signed = p.signed(&self.notary_kid);
        facts.signature_ok = Some(signed.is_ok());
        if signed.is_ok() {
            facts.signer = Some(Signer {
                key_id: self.notary_kid.clone(),
                party_id: None,
            });
        }
        let in_log = self.included(env, p, proof, proofs);
        match &in_log {
            Ok(l) => facts.in_log = Some(l.clone()),
            // Only what the notary is shown to have signed can be a notary fault (s13 F6: a
            // report read by a program said so of a forged envelope too).
            Err(_) if signed.is_ok() => facts.log_contradicts = self.contradicted(env, proof),
            Err(_) => {}
        }
        signed.map_err(|e| format!("notary signature: {e}"))?;
        in_log.map(|_| ())
    }

    /// The entry `proof` proves at the index `env`'s `log_index` names, when that entry is
    /// another than `env`: the log contradicts the envelope.
    fn contradicted(&self, env: &Envelope, proof: &str) -> Option<LogFacts> {
        let p = TlogProof::parse(proof).ok()?;
        let cp = self.checkpoint.as_ref().ok()?;
        let leaf = p.extra.as_deref()?;
        let named = env.payload.get("log_index").and_then(|i| i.as_u64());
        if p.checkpoint != self.checkpoint_text || named != Some(p.index) {
            return None;
        }
        let entry: LogEntry = serde_json::from_slice(leaf).ok()?;
        let body = serde_json::to_value(env).ok()?;
        if entry.kind.as_str() == env.kind && entry.body == body {
            return None;
        }
        verify_inclusion(&leaf_hash(leaf), p.index, cp.size, &p.hashes, &cp.root).ok()?;
        Some(LogFacts {
            index: p.index,
            logged_at: entry.logged_at,
        })
    }

    /// Checks `proof` proves the log entry holding `env` against the bundle's checkpoint.
    fn included(
        &self,
        env: &Envelope,
        prep: &Prepared,
        proof: &str,
        proofs: &mut Inclusions,
    ) -> Result<LogFacts, String> {
        let (p, cp, leaf) = against_checkpoint(proof, (&self.checkpoint_text, &self.checkpoint))?;
        let leaf = &leaf[..];
        let logged_at = prep.leaf_holds(leaf, env)?;
        if let Some(i) = env.payload.get("log_index") {
            if i.as_u64() != Some(p.index) {
                return Err(format!(
                    "the payload's log_index is {i}, the proof's index {}",
                    p.index
                ));
            }
        }
        proofs
            .verify((cp.size, &cp.root), (&leaf_hash(leaf), p.index), &p.hashes)
            .map_err(|e| format!("inclusion proof of entry {}: {e}", p.index))?;
        Ok(LogFacts {
            index: p.index,
            logged_at,
        })
    }

    fn token(&self, token: &str, imprint: &str, facts: &mut ItemFacts) -> Result<(), String> {
        let der = base64::engine::general_purpose::STANDARD
            .decode(token)
            .map_err(|_| "token is not base64")?;
        let digest = hex::decode(imprint).map_err(|_| "imprint is not hex")?;
        let (cert, root) = self.tsa.as_ref().map_err(|e| e.clone())?;
        match verify_stamped(&der, Stamped::Imprint(&digest), root, Some(cert)) {
            Ok(t) => {
                facts.signature_ok = Some(true);
                facts.gen_time = Some(rfc3339_ms(t.gen_time));
                facts.hash_alg = Some(t.hash_alg.name().to_string());
                facts.imprint = Some(hex::encode(&t.imprint));
                facts.accuracy_ms = t.accuracy_ms;
                // Signed under the bundle's chain, which is not shown to be the notary's: the
                // token fails for that, not as forged (s14 F4).
                self.tsa_identity.clone()
            }
            Err(e) => {
                facts.signature_ok = Some(false);
                Err(format!("RFC 3161 token: {e}"))
            }
        }
    }
}

/// The claim against the first verified `complaint_receipt` for its complaint.
fn check_claim(bundle: &Bundle, reports: &[ItemReport]) -> ClaimFacts {
    let c = &bundle.claim;
    let receipt = bundle
        .items
        .iter()
        .zip(reports)
        .find_map(|(item, r)| match item {
            Item::NotaryEnvelope { envelope, .. }
                if r.ok
                    && envelope.kind == "complaint_receipt"
                    && names_complaint(&envelope.payload, &c.complaint_id) =>
            {
                Some((r.id.clone(), &envelope.payload))
            }
            _ => None,
        });
    let Some((id, p)) = receipt else {
        return ClaimFacts {
            ok: false,
            reason: Some("no verified complaint_receipt for the claim's complaint".into()),
            receipt: None,
            unshown: true,
        };
    };
    let s = |k: &str| p.get(k).and_then(|v| v.as_str()).map(str::to_string);
    let amount = p
        .get("amount")
        .and_then(|a| serde_json::from_value(a.clone()).ok());
    let differs = [
        ("kind", s("kind") != Some(c.kind.clone())),
        ("claimant", s("claimant") != Some(c.claimant.clone())),
        ("respondent", s("respondent") != Some(c.respondent.clone())),
        ("tid", s("tid") != c.tid),
        ("guarantee_id", s("guarantee_id") != c.guarantee_id),
        ("order_digest", s("order_digest") != c.order_digest),
        ("amount", amount != Some(c.amount)),
        ("filed_at", s("received_at") != Some(c.filed_at.clone())),
    ];
    let wrong: Vec<&str> = differs.iter().filter(|d| d.1).map(|d| d.0).collect();
    let mut reasons = Vec::new();
    if !wrong.is_empty() {
        reasons.push(format!(
            "the claim's {} {} from the notary's receipt",
            wrong.join(", "),
            if wrong.len() == 1 {
                "differs"
            } else {
                "differ"
            }
        ));
    }
    let missing = missing_evidence(bundle, reports, &c.complaint_id);
    if !missing.is_empty() {
        reasons.push(missing_reason(&missing, reports));
    }
    ClaimFacts {
        ok: reasons.is_empty(),
        reason: (!reasons.is_empty()).then(|| reasons.join("; ")),
        receipt: Some(id),
        unshown: false,
    }
}

/// Why a bundle lacking the evidence ids `missing` cannot be replayed: the first few, and the
/// items whose id is not the SHA-256 of their bytes (an item renamed, intact under another id,
/// is missing under its own).
fn missing_reason(missing: &[String], reports: &[ItemReport]) -> String {
    let shown: Vec<&str> = missing.iter().take(3).map(String::as_str).collect();
    let more = missing.len().saturating_sub(shown.len());
    let misnamed: Vec<&str> = reports
        .iter()
        .filter(|r| r.facts.id_ok == Some(false))
        .map(|r| r.id.as_str())
        .take(3)
        .collect();
    format!(
        "the bundle lacks evidence the notary's receipts name: {}{}{}",
        shown.join(", "),
        if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        },
        if misnamed.is_empty() {
            String::new()
        } else {
            format!(
                " (the bundle holds items under an id that is not the SHA-256 of their bytes: {}; renamed, one may be it)",
                misnamed.join(", ")
            )
        }
    )
}

/// The evidence ids the notary's verified receipts of `complaint_id` (the complaint's and the
/// response's) name that no item of the bundle has: evidence left out of the bundle would
/// change the ruling unseen. Sorted, without repeats.
fn missing_evidence(bundle: &Bundle, reports: &[ItemReport], complaint_id: &str) -> Vec<String> {
    // Present under its id, whatever its checks found: an edited copy in its place is that item
    // with a flipped bit, which the rules make inadmissible and name (an A0 finding).
    let present: std::collections::HashSet<&str> = reports.iter().map(|r| r.id.as_str()).collect();
    let mut missing: Vec<String> = bundle
        .items
        .iter()
        .zip(reports)
        .filter_map(|(item, r)| match item {
            Item::NotaryEnvelope { envelope, .. }
                if r.ok
                    && matches!(
                        envelope.kind.as_str(),
                        "complaint_receipt" | "complaint_response_receipt"
                    )
                    && names_complaint(&envelope.payload, complaint_id) =>
            {
                envelope
                    .payload
                    .get("evidence_ids")
                    .and_then(|v| v.as_array())
            }
            _ => None,
        })
        .flatten()
        .filter_map(|v| v.as_str())
        .filter(|id| !present.contains(id))
        .map(str::to_string)
        .collect();
    missing.sort();
    missing.dedup();
    missing
}

/// The bundle's checkpoint, opened with `checkpoint_vkey`, whose key must be the notary's own
/// (`notary_key`): the notary signs its checkpoints with the key it signs everything with. Any
/// other key would let whoever builds a bundle sign a log of their own making, under which every
/// notary item seems logged and a notary fault disappears (s13 F1).
fn open_bundle_checkpoint(
    n: &NotaryKeys,
    notary_key: &[u8; 32],
    note: &str,
) -> Result<Checkpoint, String> {
    let (name, key) = parse_vkey(&n.checkpoint_vkey).map_err(|e| e.to_string())?;
    if key.as_bytes() != notary_key {
        return Err(
            "checkpoint_vkey is not the notary's key (notary.public_key): the checkpoint proves \
             nothing about this notary's log"
                .into(),
        );
    }
    let cp = open_checkpoint(note, &name, &key).map_err(|e| e.to_string())?;
    if cp.origin != n.log_origin {
        return Err(format!(
            "the checkpoint's origin {:?} is not the notary's {:?}",
            cp.origin.chars().take(64).collect::<String>(),
            n.log_origin.chars().take(64).collect::<String>()
        ));
    }
    Ok(cp)
}

/// A C2SP tlog-proof `proof` read against the bundle's checkpoint (its text and what opening
/// it gave): it must name that very checkpoint, which must have opened, and carry its log
/// entry. The proof, the checkpoint and the entry's bytes; the caller checks the entry, then
/// the inclusion path.
fn against_checkpoint<'c>(
    proof: &str,
    (text, checkpoint): (&str, &'c Result<Checkpoint, String>),
) -> Result<(TlogProof, &'c Checkpoint, Vec<u8>), String> {
    let mut p = TlogProof::parse(proof).map_err(|e| e.to_string())?;
    if p.checkpoint != text {
        return Err("the proof is against another checkpoint than the bundle's".into());
    }
    let cp = checkpoint
        .as_ref()
        .map_err(|e| format!("checkpoint: {e}"))?;
    let leaf = p
        .extra
        .take()
        .ok_or("the proof has no extra line with the log entry")?;
    Ok((p, cp, leaf))
}

/// How a token's failure begins when the bundle does not show its TSA to be the notary's.
pub const TSA_UNPROVEN: &str = "the TSA chain is not shown to be the notary's";

/// Ok when the bundle's `identity` proves, against its checkpoint, the notary's identity entry
/// holding `public_key` and the TSA certificate and root of `chain` (DER): the TSA is the
/// notary's. A bundle could otherwise bring a TSA of its own making and bound any item's time.
fn identity_holds(
    n: &NotaryKeys,
    (checkpoint_text, checkpoint): (&str, &Result<Checkpoint, String>),
    (cert, root): &(Vec<u8>, Vec<u8>),
) -> Result<(), String> {
    let unproven = |why: &str| format!("{TSA_UNPROVEN}: {why}");
    let text = n
        .identity
        .as_deref()
        .ok_or_else(|| unproven("the bundle has no identity entry"))?;
    let (p, cp, leaf) =
        against_checkpoint(text, (checkpoint_text, checkpoint)).map_err(|e| unproven(&e))?;
    let leaf = &leaf[..];
    verify_inclusion(&leaf_hash(leaf), p.index, cp.size, &p.hashes, &cp.root)
        .map_err(|e| unproven(&format!("inclusion proof of entry {}: {e}", p.index)))?;
    let entry: serde_json::Value =
        serde_json::from_slice(leaf).map_err(|_| unproven("the entry is not JSON"))?;
    if entry["kind"] != "notary_identity" {
        return Err(unproven("the entry is not a notary_identity"));
    }
    let body = &entry["body"];
    let der = |field: &str| {
        body[field]
            .as_str()
            .and_then(|pem| crate::crypto::pki::cert_der_from_pem(pem).ok())
    };
    if body["public_key"].as_str() != Some(n.public_key.as_str()) {
        return Err(unproven("the entry holds another public key"));
    }
    if der("tsa_certificate").as_ref() != Some(cert)
        || der("root_certificate").as_ref() != Some(root)
    {
        return Err(unproven("the entry holds other TSA certificates"));
    }
    Ok(())
}

/// The TSA certificate (first) and root (last) of the chain, as DER.
fn tsa_chain(chain: &[String]) -> Result<(Vec<u8>, Vec<u8>), String> {
    let b64 = &base64::engine::general_purpose::STANDARD;
    let (Some(first), Some(last)) = (chain.first(), chain.last()) else {
        return Err("the bundle has no TSA certificate chain".into());
    };
    let cert = b64
        .decode(first)
        .map_err(|_| "TSA certificate is not base64")?;
    let root = b64.decode(last).map_err(|_| "TSA root is not base64")?;
    Ok((cert, root))
}

/// `(key_id, party_id, key)` of a key registration whose payload is consistent.
fn registered_key(env: &Envelope) -> Option<(String, String, VerifyingKey)> {
    let p = &env.payload;
    let kid = p.get("key_id")?.as_str()?;
    let party = p.get("party_id")?.as_str()?;
    let raw: [u8; 32] = hex::decode(p.get("public_key")?.as_str()?)
        .ok()?
        .try_into()
        .ok()?;
    let key = VerifyingKey::from_bytes(&raw).ok()?;
    (key_id(&key) == kid).then(|| (kid.to_string(), party.to_string(), key))
}

fn document(sha256: &str, content: Option<&str>, facts: &mut ItemFacts) -> Result<(), String> {
    let well_formed = sha256.len() == 64
        && sha256
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    if !well_formed {
        return Err("sha256 is not lowercase hex of 32 bytes".into());
    }
    let Some(content) = content else {
        return Ok(());
    };
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(content)
        .map_err(|_| "content is not base64")?;
    let ok = hex_sha256(&bytes) == sha256;
    facts.content_ok = Some(ok);
    if ok {
        Ok(())
    } else {
        Err("the content does not hash to sha256".into())
    }
}

/// The first 16 characters of an id, for messages.
pub(super) fn short(id: &str) -> String {
    id.chars().take(16).collect()
}

#[path = "verify_prep.rs"]
mod prep;

#[cfg(test)]
#[path = "verify_tests.rs"]
mod tests;
