//! Fair-exchange sample data for `notar up`: two parties with keys and one exchange of each
//! outcome (a contract aborted, one resolved, one expired; an item delivered, one whose escrow
//! fails), played against the new notary through its API as the parties would, then the sample
//! complaints (`samples_complaints`), so the console's "Exchanges & complaints" screen has
//! something to show.

use anyhow::{anyhow, Context};
use ed25519_dalek::SigningKey;
use sha2::{Digest, Sha256};

use crate::crypto::escrow::EscrowPublicKey;
use crate::model::complaint::ComplaintStatus;
use crate::model::exchange::{AbortBody, ResolveBody, Sha256Hex, Subject, WireTime};
use crate::model::registry::Role;
use crate::notary::fixture::exchange::{abort_request, acceptance, item_exchange, offer, Signer};
use crate::notary::{KeyInput, Notary};

/// A sample party's key: SHA-256("notar-sample-exchange-" + name) as the secret.
fn key(name: &str) -> SigningKey {
    SigningKey::from_bytes(&Sha256::digest(format!("notar-sample-exchange-{name}")).into())
}

/// Deterministic nonces and item keys, so a sample run is reproducible but for the times.
pub(super) fn secret(tag: &str) -> [u8; 32] {
    Sha256::digest(format!("notar-sample-exchange-secret-{tag}")).into()
}

async fn party(notary: &Notary, name: &str, role: Role) -> anyhow::Result<(String, SigningKey)> {
    let k = key(name);
    let raw = KeyInput::Raw(k.verifying_key().to_bytes());
    let (p, _) = notary
        .register_party_with_key(name, role, Some(raw), Some("samples".into()))
        .await
        .with_context(|| format!("registering {name}"))?;
    Ok((p.party.id, k))
}

/// What was played: the tids, by outcome name, and the complaints filed about them.
pub struct ExchangesLoaded {
    /// (outcome, tid), in the order played.
    pub decided: Vec<(&'static str, String)>,
    /// The sample complaints.
    pub complaints: Vec<(ComplaintStatus, String)>,
}

impl ExchangesLoaded {
    /// The tid of the sample exchange that ended in `outcome`.
    pub fn tid(&self, outcome: &str) -> anyhow::Result<String> {
        self.decided
            .iter()
            .find(|(o, _)| *o == outcome)
            .map(|(_, tid)| tid.clone())
            .ok_or_else(|| anyhow!("no sample exchange ended {outcome}"))
    }
}

/// Plays the sample exchanges. Each answer's outcome is checked against the one planned.
pub async fn load(notary: &Notary) -> anyhow::Result<ExchangesLoaded> {
    let seller = party(notary, "Nordlicht Verlag", Role::Seller).await?;
    let buyer = party(notary, "Cara Mendes", Role::Buyer).await?;
    let (s, b) = (Signer::of(&seller), Signer::of(&buyer));
    let id = notary.identity().clone();
    let escrow = EscrowPublicKey::from_base64(&id.escrow_public_key)?;
    let plays = plays(&b, &s, &id.key_id, &escrow)?;
    let mut decided = Vec::new();
    for (want, play) in plays {
        let answer = match play {
            Play::Abort(body) => notary.abort_exchange(body).await,
            Play::Resolve(body) => notary.resolve_exchange(body).await,
        }
        .map_err(|e| anyhow!("sample exchange ({want}): {e}"))?;
        let v: serde_json::Value = serde_json::from_str(&answer.body)?;
        if v["outcome"] != want {
            return Err(anyhow!(
                "sample exchange: planned {want}, got {}",
                v["outcome"]
            ));
        }
        let tid = v["tid"].as_str().unwrap_or_default().to_string();
        decided.push((want, tid));
    }
    let mut loaded = ExchangesLoaded {
        decided,
        complaints: Vec::new(),
    };
    loaded.complaints = super::samples_complaints::load(notary, &loaded, &b, &s)
        .await?
        .filed;
    Ok(loaded)
}

enum Play {
    Abort(AbortBody<crate::crypto::envelope::Envelope>),
    Resolve(ResolveBody<crate::crypto::envelope::Envelope>),
}

/// The five sample exchanges with the outcome each must get.
fn plays(
    b: &Signer<'_>,
    s: &Signer<'_>,
    notary_key_id: &str,
    escrow: &EscrowPublicKey,
) -> anyhow::Result<Vec<(&'static str, Play)>> {
    let contract = |tag: &str, deadline: Option<WireTime>| {
        let subject = Subject::Contract {
            contract_digest: Sha256Hex::of(format!("sample contract {tag}").as_bytes()),
        };
        offer(b, s.id, notary_key_id, subject, &secret(tag), deadline)
            .ok_or_else(|| anyhow!("sample m1 {tag}"))
    };
    let (m1, o) = contract("aborted", None)?;
    let aborted = Play::Abort(AbortBody {
        abort: abort_request(b, &o),
        m1,
    });
    let (m1, o) = contract("resolved", None)?;
    let resolved = Play::Resolve(ResolveBody::Contract {
        m2: acceptance(s, &o, &secret("resolved-nb")),
        m1,
    });
    let past =
        WireTime::try_from("2026-01-15T12:00:00.000Z".to_string()).map_err(|e| anyhow!(e))?;
    let (m1, o) = contract("expired", Some(past))?;
    let expired = Play::Resolve(ResolveBody::Contract {
        m2: acceptance(s, &o, &secret("expired-nb")),
        m1,
    });
    let item = |tag: &str, to: &EscrowPublicKey| {
        let doc = format!("sample delivery {tag}: the edition's print files");
        item_exchange(s, b, notary_key_id, to, doc.as_bytes(), secret(tag))
            .map(|x| Play::Resolve(x.resolve))
            .ok_or_else(|| anyhow!("sample item {tag}"))
    };
    // An escrow sealed to a key that is not the notary's: it cannot open.
    let stray = EscrowPublicKey::from_bytes(secret("stray"));
    Ok(vec![
        ("aborted", aborted),
        ("resolved", resolved),
        ("expired", expired),
        ("delivered", item("delivered", escrow)?),
        ("escrow_failed", item("escrow-failed", &stray)?),
    ])
}
