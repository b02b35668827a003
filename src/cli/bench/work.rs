//! The requests a run sends, made before the timed part on every core: signed guarantee
//! requests, RFC 3161 queries, contract-signing resolves (m1 and m2 signed by the two bench
//! parties), or all three in turn (`--kind mixed`).

use std::sync::{Arc, Mutex};

use anyhow::anyhow;

use super::{Kind, Setup, AMOUNT_MINOR};
use crate::crypto::envelope::Envelope;
use crate::crypto::tsa::{HashAlg, TimestampQuery};
use crate::model::exchange::{ResolveBody, Sha256Hex, Subject};
use crate::model::money::{Currency, Money};
use crate::notary::fixture::exchange::{acceptance, offer, Signer};
use crate::notary::fixture::request;
use crate::notary::{GuaranteeRequest, Notary};

/// A pre-made request, in the form the transport sends.
#[derive(Clone)]
pub(super) enum Prepared {
    /// `POST /v1/guarantees` body.
    GuaranteeHttp(Vec<u8>),
    /// A guarantee request for the notary in-process.
    Guarantee(Box<GuaranteeRequest>),
    /// A DER `TimeStampReq`, for either transport.
    Stamp(Vec<u8>),
    /// `POST /v1/exchanges/resolve` body.
    ResolveHttp(Vec<u8>),
    /// The id of a granted guarantee to settle, for either transport.
    Settle(String),
    /// A resolve for the notary in-process.
    Resolve(Box<ResolveBody<Envelope>>),
    /// `GET /healthz`: the no-op ceiling.
    Healthz,
}

/// Request `i` of a run of `kind` (mixed: guarantee, timestamp, exchange in turn).
fn prepare(setup: &Setup, kind: Kind, i: usize, http: bool) -> anyhow::Result<Prepared> {
    let kind = match kind {
        Kind::Mixed => [Kind::Guarantee, Kind::Timestamp, Kind::Exchange][i % 3],
        k => k,
    };
    match kind {
        Kind::Settle => Err(anyhow!("settlements are made from granted guarantees")),
        Kind::Timestamp => {
            let doc = format!("bench document {}{i}", setup.tag);
            let query = TimestampQuery::for_data(HashAlg::Sha256, doc.as_bytes(), true);
            Ok(Prepared::Stamp(query.to_der()?))
        }
        Kind::Exchange | Kind::Mixed => {
            let body = resolve(setup, i)?;
            Ok(if http {
                Prepared::ResolveHttp(serde_json::to_vec(&body)?)
            } else {
                Prepared::Resolve(Box::new(body))
            })
        }
        Kind::Guarantee => {
            let eur = Currency::parse("EUR").map_err(|e| anyhow!("{e}"))?;
            let amount = Money {
                minor: AMOUNT_MINOR,
                currency: eur,
            };
            let (ag, key) = &setup.agreements[i % setup.agreements.len()];
            let req = request(
                &format!("bench-{}{i}", setup.tag),
                ag,
                &setup.seller_id,
                key,
                amount,
                format!("bench order {i}").as_bytes(),
            );
            Ok(if http {
                Prepared::GuaranteeHttp(serde_json::to_vec(&req)?)
            } else {
                Prepared::Guarantee(Box::new(req))
            })
        }
    }
}

/// A contract-signing resolve of a new exchange `i`: m1 by the originator, m2 by the responder.
fn resolve(setup: &Setup, i: usize) -> anyhow::Result<ResolveBody<Envelope>> {
    let (o, r) = (Signer::of(&setup.exchange.0), Signer::of(&setup.exchange.1));
    let subject = Subject::Contract {
        contract_digest: Sha256Hex::of(format!("bench contract {}{i}", setup.tag).as_bytes()),
    };
    let na = format!("bench na {i}");
    let (m1, off) = offer(&o, r.id, &setup.notary_key_id, subject, na.as_bytes(), None)
        .ok_or_else(|| anyhow!("the bench offer does not form"))?;
    let m2 = acceptance(&r, &off, format!("bench nb {i}").as_bytes());
    Ok(ResolveBody::Contract { m1, m2 })
}

/// Requests `from..from + n` of `kind`, made on every core (settlements: their guarantees
/// requested of `notary` first, in-process).
pub(super) async fn presign(
    notary: &Notary,
    setup: &Arc<Setup>,
    kind: Kind,
    (from, n): (usize, usize),
    http: bool,
) -> anyhow::Result<Vec<Prepared>> {
    match kind {
        Kind::Settle => {
            let requests = made_on_every_core(setup, Kind::Guarantee, from, n, false).await?;
            granted(notary, &setup.seller_id, requests).await
        }
        _ => made_on_every_core(setup, kind, from, n, http).await,
    }
}

/// Guarantees granted to `seller` for `requests`, 256 in flight: a settle request for each.
async fn granted(
    notary: &Notary,
    seller: &str,
    requests: Vec<Prepared>,
) -> anyhow::Result<Vec<Prepared>> {
    let queue = Arc::new(Mutex::new(requests.into_iter()));
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..256 {
        let (queue, notary, seller) = (queue.clone(), notary.clone(), seller.to_string());
        workers.spawn(async move {
            let mut ids = Vec::new();
            loop {
                let next = queue.lock().unwrap_or_else(|e| e.into_inner()).next();
                let Some(Prepared::Guarantee(req)) = next else {
                    return Ok::<_, anyhow::Error>(ids);
                };
                let answer = notary.request_guarantee(*req, &seller).await?;
                let id = answer
                    .envelope()
                    .filter(|_| answer.granted())
                    .and_then(|g| g.payload["guarantee_id"].as_str().map(str::to_string))
                    .ok_or_else(|| anyhow!("a guarantee to settle was refused: {}", answer.body))?;
                ids.push(Prepared::Settle(id));
            }
        });
    }
    let mut all = Vec::new();
    while let Some(part) = workers.join_next().await {
        all.extend(part??);
    }
    Ok(all)
}

/// Requests `from..from + n` of `kind` (not settlements), made on every core.
async fn made_on_every_core(
    setup: &Arc<Setup>,
    kind: Kind,
    from: usize,
    n: usize,
    http: bool,
) -> anyhow::Result<Vec<Prepared>> {
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let setup = setup.clone();
    tokio::task::spawn_blocking(move || {
        let per = n.div_ceil(threads);
        std::thread::scope(|s| {
            let parts: Vec<_> = (0..threads)
                .map(|t| {
                    let setup = &setup;
                    s.spawn(move || {
                        let lo = from + t * per;
                        let hi = (lo + per).min(from + n);
                        (lo..hi)
                            .map(|i| prepare(setup, kind, i, http))
                            .collect::<anyhow::Result<Vec<_>>>()
                    })
                })
                .collect();
            let mut all = Vec::with_capacity(n);
            for p in parts {
                let part = p
                    .join()
                    .map_err(|_| anyhow!("a signing thread panicked"))??;
                all.extend(part);
            }
            Ok(all)
        })
    })
    .await?
}
