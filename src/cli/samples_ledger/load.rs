//! Plays a plan against a new notary through its API, round by round: parties, keys and
//! agreements; the first requests; revocations and agreement changes; settlements and releases;
//! the last requests. Within a round the requests go concurrently, `CHUNK` at a time, and each
//! outcome is checked against the plan.

use std::collections::BTreeMap;
use std::future::Future;
use std::path::Path;
use std::time::Instant;

use anyhow::{anyhow, Context};
use ed25519_dalek::SigningKey;

use super::plan::{plan, Ask, Forgery, Plan, PolicyCaps, Signer};
use super::spec::{BuyerSpec, SellerSpec, Spec};
use super::tokens::write_tokens;
use super::{buyer_key, stranger_key, TOKENS_FILE};
use crate::model::money::{Currency, Money};
use crate::model::registry::{AgreementStatus, Role};
use crate::notary::fixture::{request, signed_order};
use crate::notary::{
    Caller, Closing, GuaranteeAnswer, GuaranteeRequest, KeyInput, NewAgreement, Notary, NotaryError,
};

/// Requests in flight at once while loading: enough to fill the sequencer's batches.
const CHUNK: usize = 64;
/// Operator recorded for what the samples do as the notary's staff.
const OPERATOR: &str = "samples";

fn operator() -> Option<String> {
    Some(OPERATOR.to_string())
}

/// A sample seller, with its API token.
#[derive(Clone, Debug)]
pub struct SellerToken {
    /// Display name.
    pub name: String,
    /// Party id.
    pub id: String,
    /// API token.
    pub token: String,
}

/// What `load` did.
#[derive(Clone, Debug, Default)]
pub struct Loaded {
    /// Sellers and their tokens.
    pub sellers: Vec<SellerToken>,
    /// Buyers registered.
    pub buyers: usize,
    /// Guarantees granted.
    pub granted: usize,
    /// Refusals by reason code.
    pub refused: BTreeMap<String, usize>,
    /// Guarantees settled.
    pub settled: usize,
    /// Guarantees released.
    pub released: usize,
    /// Keys revoked.
    pub revoked_keys: usize,
    /// Outcomes that differ from the plan (empty when all went as planned).
    pub unexpected: Vec<String>,
}

/// Loads the shipped ledger data set into a new notary and writes the sellers' API tokens to
/// `DATA/samples-tokens.txt` (mode 0600). Progress goes to the log.
pub async fn load(notary: &Notary, data: &Path) -> anyhow::Result<Loaded> {
    let started = Instant::now();
    let spec = Spec::builtin()?;
    let plan = plan(&spec, &policy_caps(notary))?;
    let reg = register(notary, &spec).await?;
    let mut out = Loaded {
        buyers: reg.buyers.len(),
        sellers: reg.sellers.clone(),
        ..Default::default()
    };
    tracing::info!(
        sellers = out.sellers.len(),
        buyers = out.buyers,
        "samples: parties, keys and agreements registered"
    );

    let ids = send(notary, &reg, &plan.first, &mut out).await?;
    tracing::info!(
        requests = plan.first.len(),
        granted = out.granted,
        "samples: first round of guarantee requests done"
    );
    revoke_and_change(notary, &spec, &reg, &mut out).await?;
    close(notary, &reg, &plan, &ids, &mut out).await?;
    tracing::info!(
        settled = out.settled,
        released = out.released,
        "samples: guarantees settled and released"
    );
    send(notary, &reg, &plan.last, &mut out).await?;
    let url = notary
        .http_url()
        .unwrap_or(crate::cli::client::DEFAULT_SERVER);
    write_tokens(data, url, &out, &reg, &plan, &ids)?;

    for u in &out.unexpected {
        tracing::warn!("samples: {u}");
    }
    tracing::info!(
        granted = out.granted,
        refused = out.refused.values().sum::<usize>(),
        revoked_keys = out.revoked_keys,
        log_size = notary.log_size(),
        ms = started.elapsed().as_millis() as u64,
        "samples: ledger loaded; seller API tokens in {TOKENS_FILE}"
    );
    Ok(out)
}

/// The latest version of each policy whose currency the notary knows, by policy id.
fn policy_caps(notary: &Notary) -> BTreeMap<String, PolicyCaps> {
    let mut caps: BTreeMap<String, (u32, PolicyCaps)> = BTreeMap::new();
    for p in notary.policies() {
        let Ok(currency) = Currency::parse(&p.currency) else {
            continue;
        };
        let newer = caps.get(&p.id).is_none_or(|(v, _)| p.version > *v);
        if newer {
            let c = PolicyCaps {
                total_cap_minor: p.total_cap_minor,
                per_tx_cap_minor: p.per_tx_cap_minor,
                currency,
            };
            caps.insert(p.id.clone(), (p.version, c));
        }
    }
    caps.into_iter().map(|(id, (_, c))| (id, c)).collect()
}

/// Runs `f` over `items` as tokio tasks, `CHUNK` at a time; results in order.
async fn chunked<T, R, F, Fut>(items: Vec<T>, f: F) -> anyhow::Result<Vec<R>>
where
    T: Send + 'static,
    R: Send + 'static,
    F: Fn(T) -> Fut,
    Fut: Future<Output = R> + Send + 'static,
{
    let mut out = Vec::with_capacity(items.len());
    let mut it = items.into_iter().peekable();
    while it.peek().is_some() {
        let tasks: Vec<_> = it
            .by_ref()
            .take(CHUNK)
            .map(|t| tokio::spawn(f(t)))
            .collect();
        for t in tasks {
            out.push(t.await.context("sample loader task")?);
        }
    }
    Ok(out)
}

/// The parties as the notary registered them, in the file's order.
pub(super) struct Registered {
    pub(super) sellers: Vec<SellerToken>,
    pub(super) buyers: Vec<RegisteredBuyer>,
}

/// A buyer's agreement and keys.
pub(super) struct RegisteredBuyer {
    pub(super) agreement_id: String,
    key_ids: Vec<String>,
    keys: Vec<SigningKey>,
}

/// Registers the sellers one by one (their order fixes nothing but is kept), then each buyer
/// with its keys and agreement, concurrently.
async fn register(notary: &Notary, spec: &Spec) -> anyhow::Result<Registered> {
    let mut sellers = Vec::with_capacity(spec.sellers.len());
    for s in &spec.sellers {
        sellers.push(register_seller(notary, s).await?);
    }
    let n = notary.clone();
    let buyers = chunked(spec.buyers.clone(), move |b| register_buyer(n.clone(), b))
        .await?
        .into_iter()
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(Registered { sellers, buyers })
}

async fn register_seller(notary: &Notary, s: &SellerSpec) -> anyhow::Result<SellerToken> {
    let r = notary
        .register_party(&s.name, Role::Seller, operator())
        .await
        .with_context(|| format!("seller {}", s.name))?;
    Ok(SellerToken {
        name: s.name.clone(),
        id: r.party.id,
        token: r.api_token.unwrap_or_default(),
    })
}

async fn register_buyer(n: Notary, b: BuyerSpec) -> anyhow::Result<RegisteredBuyer> {
    let total = b.total_cap_minor()?;
    let per_tx = b.per_tx_cap_minor()?;
    let party = n
        .register_party(&b.name, Role::Buyer, operator())
        .await
        .with_context(|| format!("buyer {}", b.name))?
        .party;
    let mut keys = Vec::with_capacity(b.keys);
    let mut key_ids = Vec::with_capacity(b.keys);
    for k in 1..=b.keys {
        let key = buyer_key(&b.name, k);
        let rec = n
            .add_key(
                &party.id,
                KeyInput::Raw(key.verifying_key().to_bytes()),
                operator(),
            )
            .await
            .with_context(|| format!("key {k} of {}", b.name))?;
        key_ids.push(rec.key_id);
        keys.push(key);
    }
    let agreement = NewAgreement {
        buyer_id: party.id,
        policy_id: b.policy.clone(),
        total_cap_minor: total,
        per_tx_cap_minor: per_tx,
        valid_until: None,
        keys: Some(key_ids.clone()),
    };
    let ag = n
        .create_agreement(agreement, operator())
        .await
        .with_context(|| format!("agreement of {}", b.name))?;
    Ok(RegisteredBuyer {
        agreement_id: ag.id,
        key_ids,
        keys,
    })
}

/// The request for a planned ask, signed (or forged) as the plan says.
fn build_request(ask: &Ask, reg: &Registered) -> GuaranteeRequest {
    let seller_id = &reg.sellers[ask.seller].id;
    let buyer = &reg.buyers[ask.buyer];
    let key = match ask.signer {
        Signer::Key(k) => buyer.keys[k.min(buyer.keys.len() - 1)].clone(),
        Signer::Stranger(n) => stranger_key(n),
    };
    let doc = ask.document.as_bytes();
    let mut req = request(
        &ask.request_id,
        &buyer.agreement_id,
        seller_id,
        &key,
        ask.amount,
        doc,
    );
    match ask.forgery {
        Forgery::None => {}
        Forgery::OtherSeller(s) => {
            req.order = signed_order(&key, &reg.sellers[s].id, ask.amount, doc);
        }
        Forgery::AlteredFrom(signed) => {
            let signed = Money {
                minor: signed,
                ..ask.amount
            };
            let mut order = signed_order(&key, seller_id, signed, doc);
            if let Some(p) = order.payload.as_object_mut() {
                p.insert("amount".into(), serde_json::json!(ask.amount));
            }
            req.order = order;
        }
    }
    req
}

/// Sends the asks concurrently; checks each outcome against the plan. Returns the guarantee id
/// of each granted ask.
async fn send(
    notary: &Notary,
    reg: &Registered,
    asks: &[Ask],
    out: &mut Loaded,
) -> anyhow::Result<Vec<Option<String>>> {
    let items: Vec<(GuaranteeRequest, String)> = asks
        .iter()
        .map(|a| (build_request(a, reg), reg.sellers[a.seller].id.clone()))
        .collect();
    let n = notary.clone();
    let answers = chunked(items, move |(req, seller)| {
        let n = n.clone();
        async move { n.request_guarantee(req, &seller).await }
    })
    .await?;
    let mut ids = Vec::with_capacity(asks.len());
    for (ask, answer) in asks.iter().zip(answers) {
        let answer = answer.with_context(|| format!("sample request {}", ask.request_id))?;
        ids.push(record(out, ask, &answer));
    }
    Ok(ids)
}

/// Counts an answer, notes it when it is not the planned one, and returns the guarantee id if
/// it granted one.
fn record(out: &mut Loaded, ask: &Ask, answer: &GuaranteeAnswer) -> Option<String> {
    let got = answer.reason();
    match &got {
        None => out.granted += 1,
        Some(r) => *out.refused.entry(r.clone()).or_default() += 1,
    }
    let expected = ask.expect.map(|r| r.code().to_string());
    if got != expected {
        out.unexpected.push(format!(
            "{}: expected {}, got {}",
            ask.request_id,
            expected.as_deref().unwrap_or("granted"),
            got.as_deref().unwrap_or("granted")
        ));
    }
    answer
        .envelope()
        .filter(|_| answer.granted())
        .and_then(|e| e.payload.get("guarantee_id")?.as_str().map(str::to_string))
}

/// Between the rounds, as the notary's staff: revokes the keys and suspends or ends the
/// agreements the file names.
async fn revoke_and_change(
    notary: &Notary,
    spec: &Spec,
    reg: &Registered,
    out: &mut Loaded,
) -> anyhow::Result<()> {
    for (b, registered) in spec.buyers.iter().zip(&reg.buyers) {
        for r in &b.revoke {
            notary
                .revoke_key(&registered.key_ids[r.key - 1], &r.reason, operator())
                .await
                .with_context(|| format!("revoking key {} of {}", r.key, b.name))?;
            out.revoked_keys += 1;
        }
        if let Some(st) = &b.status {
            let to = AgreementStatus::parse(&st.to)
                .ok_or_else(|| anyhow!("buyer {}: status {}", b.name, st.to))?;
            notary
                .set_agreement_status(&registered.agreement_id, to, &st.reason, operator())
                .await
                .with_context(|| format!("agreement of {}", b.name))?;
        }
    }
    Ok(())
}

/// Settles and releases the planned guarantees, concurrently, as their sellers.
async fn close(
    notary: &Notary,
    reg: &Registered,
    plan: &Plan,
    ids: &[Option<String>],
    out: &mut Loaded,
) -> anyhow::Result<()> {
    let closings: Vec<(String, String, Closing, Option<String>)> = plan
        .closings
        .iter()
        .filter_map(|c| {
            let gid = ids.get(c.ask)?.clone()?;
            let seller = reg.sellers[plan.first[c.ask].seller].id.clone();
            Some((gid, seller, c.how, c.reason.clone()))
        })
        .collect();
    if closings.len() != plan.closings.len() {
        out.unexpected.push(format!(
            "{} of {} planned closings have no guarantee",
            plan.closings.len() - closings.len(),
            plan.closings.len()
        ));
    }
    let n = notary.clone();
    let closed = chunked(closings, move |(gid, seller, how, reason)| {
        let n = n.clone();
        async move {
            n.close_guarantee(&gid, Caller::Seller(seller), how, reason.as_deref(), None)
                .await
                .map(|_| how)
        }
    })
    .await?;
    for c in closed {
        match c.map_err(|e: NotaryError| anyhow!("closing a sample guarantee: {e}"))? {
            Closing::Settle => out.settled += 1,
            Closing::Release => out.released += 1,
        }
    }
    Ok(())
}
