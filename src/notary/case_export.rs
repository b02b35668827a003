//! A case's evidence bundle (`notar-bundle/1`, see `replay`): the complaint and the response with
//! their evidence, the notary's own records about the exchange or guarantee, the receipts, the
//! registry entries of both parties (party, keys, revocations, agreements), the current
//! checkpoint and an inclusion proof for every notary-signed item. Read-only.

use std::collections::BTreeSet;
use std::time::Duration;

use base64::Engine;

use super::complaints::{stored, ComplaintRecord};
use super::{Notary, NotaryError};
use crate::crypto::envelope::Envelope;
use crate::crypto::pki::cert_der_from_pem;
use crate::crypto::tsa::token_imprint;
use crate::model::complaint::Evidence;
use crate::model::time::rfc3339_ms;
use crate::replay::{Bundle, Claim, CounterClaim, Item, NotaryKeys, TlogProof, FORMAT};

/// The log index of the notary's identity entry: the first (`notar init` logs it).
const IDENTITY_INDEX: u64 = 0;

/// How long an export waits for a checkpoint that covers the case's newest entry.
const CHECKPOINT_WAIT: Duration = Duration::from_secs(5);

/// An item before its proof is made.
pub(super) enum Draft {
    Ready(Item),
    Party(Envelope),
    Logged(Envelope, u64),
}

/// The notary's exchange tokens, which carry the parties' envelopes they decided on.
const EXCHANGE_TOKENS: [&str; 4] = [
    "delivery_affidavit",
    "exchange_abort_token",
    "replacement_contract",
    "escrow_failure_affidavit",
];

/// The parties' envelopes an exchange token may carry.
const CARRIED: &[&str] = &["m1", "m2", "abort", "item_escrow", "receipt"];

/// What an export gathers: items in order (first of each id kept), registry log indexes.
#[derive(Default)]
pub(super) struct Gathered {
    pub items: Vec<Draft>,
    pub registry: BTreeSet<u64>,
}

impl Notary {
    /// The evidence bundle of complaint `complaint_id`, for arbitrators. Waits (a few seconds at
    /// most) for a checkpoint covering the case's newest log entry.
    pub async fn case_bundle(&self, complaint_id: &str) -> Result<Bundle, NotaryError> {
        let r = stored(&self.shared, complaint_id)?;
        let mut g = Gathered::default();
        self.gather_case(&r, &mut g);
        self.gather_related(&r, &mut g)?;
        self.gather_subject(&r, &mut g)?;
        self.gather_orders(&r, &mut g)?;
        let mut parties = vec![r.claimant.clone(), r.respondent.clone()];
        if let Some(gid) = &r.guarantee_id {
            let gr = super::guarantees::stored_guarantee(&self.shared, gid)?;
            parties.extend([gr.buyer_id.clone(), gr.seller_id.clone()]);
        }
        self.gather_registry(&parties, &mut g);
        self.gather_policies(&r, &mut g)?;
        self.gather_closings(&r, &mut g)?;
        let newest = g.items.iter().filter_map(|d| match d {
            Draft::Logged(_, i) => Some(*i),
            _ => None,
        });
        let newest = newest.chain(g.registry.iter().copied()).max();
        let (size, note) = self.checkpoint_covering(newest).await?;
        let prove = |env: Envelope, index: u64| -> Result<Item, NotaryError> {
            let proof = TlogProof {
                extra: Some(self.entry(index)?),
                index,
                hashes: self.inclusion_proof(index, size)?,
                checkpoint: note.clone(),
            };
            Item::notary(env, proof.to_text()).map_err(|e| NotaryError::Bug(e.to_string()))
        };
        let mut items = Vec::new();
        for d in g.items {
            let item = match d {
                Draft::Ready(item) => item,
                Draft::Party(env) => {
                    Item::party(env).map_err(|e| NotaryError::Bug(e.to_string()))?
                }
                Draft::Logged(env, index) => prove(env, index)?,
            };
            if !items.iter().any(|i: &Item| i.id() == item.id()) {
                items.push(item);
            }
        }
        let mut registry = Vec::new();
        for index in g.registry {
            registry.push(prove(self.logged_envelope(index)?, index)?);
        }
        Ok(Bundle {
            format: FORMAT.into(),
            claim: claim(&r),
            items,
            registry,
            notary: self.bundle_keys(size, &note)?,
            checkpoint: note,
        })
    }

    /// The complaint, the response, their evidence and the notary's receipts.
    fn gather_case(&self, r: &ComplaintRecord, g: &mut Gathered) {
        g.items.push(Draft::Party(r.complaint.clone()));
        self.gather_evidence(&r.complaint, g);
        self.push_signed(&r.receipt, g);
        if let Some(resp) = &r.response {
            g.items.push(Draft::Party(resp.clone()));
            self.gather_evidence(resp, g);
        }
        for env in r.response_receipt.iter().chain(&r.silence) {
            self.push_signed(env, g);
        }
    }

    /// The evidence the same two parties gave in the notary's other cases about the same
    /// exchange, guarantee or order: a fact proven in one case about their deal is proven in
    /// all. Without it a buyer's own claim, answered by the seller's silence, found "nothing
    /// shows a delivery" while the seller's case held his signed receipt of the goods: ruled
    /// first it released the guarantee the seller's case had him pay under, ruled after a
    /// settlement it refunded him (s9 F1, F2). Carried: the envelopes among that evidence
    /// signed by one of the two parties or by the notary, whose signatures verify (another
    /// party's case, or junk filed to spoil this case's bundle, stays out: s9b N2–N4), and
    /// the notary's receipts of those cases, which bound when that evidence was signed at the
    /// latest (without them a receipt later "signed with a revoked key" counted for nothing:
    /// s9b N1). Not the other cases' claims and answers themselves.
    fn gather_related(&self, r: &ComplaintRecord, g: &mut Gathered) -> Result<(), NotaryError> {
        let others = {
            let st = self.shared.state.lock();
            let about = (
                r.tid.as_deref(),
                r.guarantee_id.as_deref(),
                r.order_digest.as_deref(),
            );
            let parties = [r.claimant.as_str(), r.respondent.as_str()];
            let subjects = super::complaints::claim_subjects(&self.shared, &st, about, parties)?;
            let mut others = st.complaints.about(&subjects);
            others.remove(&r.complaint_id);
            others
        };
        let parties = [r.claimant.as_str(), r.respondent.as_str()];
        let notary = self.shared.notary_key.verifying_key();
        for id in others {
            let other = stored(&self.shared, &id)?;
            let theirs = [other.claimant.as_str(), other.respondent.as_str()];
            if !(parties.contains(&theirs[0]) && parties.contains(&theirs[1])) {
                continue;
            }
            let given = evidence_of(&other.complaint)
                .into_iter()
                .chain(other.response.iter().flat_map(evidence_of));
            for e in given {
                let Evidence::Envelope { envelope } = e else {
                    continue;
                };
                let sound = envelope.verify_by(&notary).is_ok()
                    || super::complaints::signed_by_one_of(&self.shared, &envelope, &parties);
                if sound {
                    self.push_signed(&envelope, g);
                }
            }
            for receipt in std::iter::once(&other.receipt).chain(&other.response_receipt) {
                self.push_signed(receipt, g);
            }
        }
        Ok(())
    }

    /// The notary's records about the exchange (m1, the decision) or the guarantee (the
    /// certificate and its closing).
    fn gather_subject(&self, r: &ComplaintRecord, g: &mut Gathered) -> Result<(), NotaryError> {
        if let Some(tid) = &r.tid {
            if let Some(x) = super::exchanges::stored_exchange(&self.shared.store, tid)? {
                g.items.push(Draft::Party(x.m1.clone()));
                if let Some(d) = &x.decision {
                    self.push_signed(&d.token, g);
                }
            }
        }
        if let Some(gid) = &r.guarantee_id {
            let gr = super::guarantees::stored_guarantee(&self.shared, gid)?;
            self.push_signed(&gr.guarantee, g);
            if let Some(c) = &gr.closing {
                self.push_signed(c, g);
            }
            let st = self.shared.state.lock();
            if let Some(a) = st.agreements.get(&gr.agreement_id) {
                g.registry.insert(a.log_index);
            }
        }
        Ok(())
    }

    /// The closing (settlement or release) of every guarantee of this notary the bundle holds,
    /// from its records: a guarantee a party attached as evidence (an old, settled one, say)
    /// would otherwise count as outstanding for the headroom rule. And the signed ruling of
    /// another case that holds one of them for its seller: without it this case's replay would
    /// ask to release what the buyer was ruled to pay under (F1).
    fn gather_closings(&self, r: &ComplaintRecord, g: &mut Gathered) -> Result<(), NotaryError> {
        let gids: Vec<String> = g
            .items
            .iter()
            .filter_map(|d| match d {
                Draft::Logged(env, _) if env.kind == "guarantee" => env
                    .payload
                    .get("guarantee_id")
                    .and_then(|v| v.as_str())
                    .map(str::to_string),
                _ => None,
            })
            .collect();
        for gid in gids {
            let record = super::guarantees::read_record(&self.shared, &gid)?;
            if let Some(c) = record.and_then(|r| r.closing) {
                self.push_signed(&c, g);
            }
            let holder = self
                .shared
                .state
                .lock()
                .complaints
                .holding(&gid)
                .map(str::to_string);
            if let Some(holder) = holder.filter(|h| *h != r.complaint_id) {
                if let Some(ruling) = stored(&self.shared, &holder)?.ruling {
                    self.push_signed(&ruling, g);
                }
            }
        }
        Ok(())
    }

    /// The registry entries of `parties`: registration, keys, revocations, agreements.
    fn gather_registry(&self, parties: &[String], g: &mut Gathered) {
        let st = self.shared.state.lock();
        for p in parties {
            if let Some(party) = st.parties.get(p) {
                g.registry.insert(party.log_index);
            }
            for k in st.keys.values().filter(|k| &k.party_id == p) {
                g.registry.insert(k.log_index);
                if let Some(rev) = &k.revocation {
                    g.registry.insert(rev.log_index);
                }
            }
            for a in st.agreements.values().filter(|a| &a.buyer_id == p) {
                g.registry.insert(a.log_index);
            }
        }
    }

    /// The logged policy versions the case touches: the complaint's, the exchange's, and those
    /// of the agreements already gathered.
    fn gather_policies(&self, r: &ComplaintRecord, g: &mut Gathered) -> Result<(), NotaryError> {
        let mut digests = vec![r.policy.digest.clone()];
        if let Some(tid) = &r.tid {
            if let Some(x) = super::exchanges::stored_exchange(&self.shared.store, tid)? {
                digests.push(x.policy.digest);
            }
        }
        {
            let st = self.shared.state.lock();
            let agreements = st.agreements.values();
            let ours = agreements.filter(|a| g.registry.contains(&a.log_index));
            digests.extend(ours.map(|a| a.policy.digest.clone()));
        }
        for d in digests {
            let key = super::policies::policy_log_key(&d);
            if let Some(raw) = self.shared.store.get(crate::store::Cf::Meta, &key)? {
                let index = <[u8; 8]>::try_from(raw.as_slice())
                    .map(u64::from_be_bytes)
                    .map_err(|_| NotaryError::Corrupt(format!("log index of policy {d}")))?;
                g.registry.insert(index);
            }
        }
        Ok(())
    }

    /// The evidence items a complaint or a response carries.
    fn gather_evidence(&self, env: &Envelope, g: &mut Gathered) {
        let b64 = &base64::engine::general_purpose::STANDARD;
        for e in evidence_of(env) {
            match e {
                Evidence::Envelope { envelope } => self.push_signed(&envelope, g),
                Evidence::Rfc3161Token { token } => {
                    let Ok(der) = b64.decode(&token) else {
                        continue;
                    };
                    let imprint = token_imprint(&der).unwrap_or_default();
                    g.items.push(Draft::Ready(Item::token(&der, &imprint)));
                }
                Evidence::Document {
                    sha256,
                    name,
                    media_type,
                    content,
                } => g.items.push(Draft::Ready(Item::Document {
                    id: sha256.as_str().to_string(),
                    sha256: sha256.as_str().to_string(),
                    name,
                    media_type,
                    content,
                })),
            }
        }
    }

    /// An envelope: logged when the notary signed it and its payload names a log index, else a
    /// party's (the verifier finds which).
    pub(super) fn push_signed(&self, env: &Envelope, g: &mut Gathered) {
        let by_notary = env
            .signer_key_ids()
            .any(|k| k == self.shared.identity.key_id);
        let index = env.payload.get("log_index").and_then(|i| i.as_u64());
        match index {
            Some(i) if by_notary && i < self.log_size() => {
                g.items.push(Draft::Logged(env.clone(), i))
            }
            _ => g.items.push(Draft::Party(env.clone())),
        }
        if by_notary && EXCHANGE_TOKENS.contains(&env.kind.as_str()) {
            // The parties' envelopes the token carries (m1 above all: what a payment states and
            // which order it pays) are evidence of their own: a party who attached only the
            // token must not lose them.
            for field in CARRIED {
                if let Some(carried) = env
                    .payload
                    .get(*field)
                    .and_then(|v| serde_json::from_value::<Envelope>(v.clone()).ok())
                {
                    g.items.push(Draft::Party(carried));
                }
            }
        }
    }

    /// The envelope a log entry holds.
    pub(super) fn logged_envelope(&self, index: u64) -> Result<Envelope, NotaryError> {
        let raw = self.entry(index)?;
        let entry: crate::model::entry::LogEntry = serde_json::from_slice(&raw)
            .map_err(|e| NotaryError::Corrupt(format!("log entry {index}: {e}")))?;
        serde_json::from_value(entry.body)
            .map_err(|e| NotaryError::Corrupt(format!("log entry {index} is not an envelope: {e}")))
    }

    /// The latest checkpoint once it covers `newest`, waiting for it a few seconds at most.
    async fn checkpoint_covering(&self, newest: Option<u64>) -> Result<(u64, String), NotaryError> {
        let need = newest.map_or(1, |i| i + 1);
        let deadline = tokio::time::Instant::now() + CHECKPOINT_WAIT;
        loop {
            if let Some(cp) = self.checkpoint().filter(|c| c.size >= need) {
                return Ok((cp.size, cp.note.clone()));
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(NotaryError::Overloaded);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The notary's public keys, as a bundle states them, with its identity entry (log entry 0)
    /// proven against the checkpoint `note` of a tree of `size`: that entry ties the TSA chain
    /// to the notary's key.
    fn bundle_keys(&self, size: u64, note: &str) -> Result<NotaryKeys, NotaryError> {
        let identity = TlogProof {
            extra: Some(self.entry(IDENTITY_INDEX)?),
            index: IDENTITY_INDEX,
            hashes: self.inclusion_proof(IDENTITY_INDEX, size)?,
            checkpoint: note.to_string(),
        };
        let id = &self.shared.identity;
        let b64 = &base64::engine::general_purpose::STANDARD;
        let der = |pem: &str| {
            cert_der_from_pem(pem)
                .map(|d| b64.encode(d))
                .map_err(|e| NotaryError::Corrupt(format!("TSA certificate: {e}")))
        };
        Ok(NotaryKeys {
            name: id.name.clone(),
            key_id: id.key_id.clone(),
            public_key: id.public_key.clone(),
            checkpoint_vkey: id.checkpoint_vkey.clone(),
            log_origin: id.log_origin.clone(),
            tsa_chain: vec![der(&id.tsa_certificate)?, der(&id.root_certificate)?],
            identity: Some(identity.to_text()),
        })
    }
}

/// The claim, as the complaint record (and its receipt) state it.
fn claim(r: &ComplaintRecord) -> Claim {
    Claim {
        complaint_id: r.complaint_id.clone(),
        kind: r.kind.as_str().into(),
        claimant: r.claimant.clone(),
        respondent: r.respondent.clone(),
        tid: r.tid.clone(),
        guarantee_id: r.guarantee_id.clone(),
        order_digest: r.order_digest.clone(),
        amount: r.amount,
        filed_at: rfc3339_ms(r.filed_at),
        counter_claim: counter_claim(r),
    }
}

/// The counter-claim, as the notary's response receipt states it (kind, amount, received_at).
fn counter_claim(r: &ComplaintRecord) -> Option<CounterClaim> {
    let p = &r.response_receipt.as_ref()?.payload;
    let c = p.get("counter_claim")?;
    Some(CounterClaim {
        kind: c.get("kind")?.as_str()?.to_string(),
        amount: serde_json::from_value(c.get("amount")?.clone()).ok()?,
        filed_at: p.get("received_at")?.as_str()?.to_string(),
    })
}

/// The evidence list a complaint or an answer carries (none when it has none or it is not one).
fn evidence_of(env: &Envelope) -> Vec<Evidence<Envelope>> {
    let list = env.payload.get("evidence").cloned();
    list.and_then(|l| serde_json::from_value(l).ok())
        .unwrap_or_default()
}
