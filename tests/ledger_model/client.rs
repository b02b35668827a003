//! A caller of the notary: sends one resolved request and spells the answer as the model does,
//! with what the checker needs beside it (the body, the guarantee id, the log index).

use std::sync::Arc;

use ed25519_dalek::SigningKey;
use notar::notary::fixture::{eur, request};
use notar::notary::{Caller, Notary, NotaryError};
use serde_json::Value;

use super::model::{Call, GState, Outcome};

/// What every caller needs: the notary and the parties of the template.
#[derive(Clone)]
pub struct Client {
    pub n: Notary,
    pub parties: Arc<Parties>,
    /// The guarantees granted before this step, in grant order.
    pub gids: Arc<Vec<String>>,
}

/// The template's buyer keys, seller and agreement.
pub struct Parties {
    pub keys: [SigningKey; 2],
    pub key_ids: Vec<String>,
    pub sid: String,
    pub agreement_id: String,
}

/// One answer.
#[derive(Clone, Debug)]
pub struct Answer {
    pub outcome: Outcome,
    /// A guarantee request's answer body (granted or refused), byte for byte.
    pub body: Option<String>,
    /// A granted guarantee's id.
    pub gid: Option<String>,
    /// The log index the signed answer carries.
    pub log_index: Option<u64>,
}

impl Answer {
    fn of(outcome: Outcome) -> Answer {
        Answer {
            outcome,
            body: None,
            gid: None,
            log_index: None,
        }
    }
}

fn error(e: NotaryError) -> Outcome {
    match e {
        NotaryError::Conflict { code, .. } => Outcome::Conflict(code.to_string()),
        e => Outcome::Error(e.code().to_string()),
    }
}

fn state(s: &str) -> GState {
    match s {
        "outstanding" => GState::Outstanding,
        "settled" => GState::Settled,
        _ => GState::Released,
    }
}

/// The first `log_index` anywhere in a signed answer.
fn log_index(v: &Value) -> Option<u64> {
    match v {
        Value::Object(m) => m
            .get("log_index")
            .and_then(Value::as_u64)
            .or_else(|| m.values().find_map(log_index)),
        Value::Array(a) => a.iter().find_map(log_index),
        _ => None,
    }
}

impl Client {
    pub async fn send(&self, call: Call) -> Answer {
        match call {
            Call::Guarantee {
                rid,
                key,
                amount,
                doc,
            } => self.guarantee(rid, key, amount, doc).await,
            Call::Close { idx, how } => {
                let seller = Caller::Seller(self.parties.sid.clone());
                let got = self
                    .n
                    .close_guarantee(&self.gids[idx], seller, how, None, None)
                    .await
                    .and_then(|t| t.view());
                match got {
                    Ok(v) => Answer {
                        log_index: v.closing.as_ref().and_then(|c| log_index(&c.payload)),
                        ..Answer::of(Outcome::Closed(state(v.state.as_str())))
                    },
                    Err(e) => Answer::of(error(e)),
                }
            }
            Call::Revoke(k) => {
                let kid = &self.parties.key_ids[k as usize];
                match self.n.revoke_key(kid, "simulated loss", None).await {
                    Ok(r) => Answer {
                        log_index: r.revocation.map(|r| r.log_index),
                        ..Answer::of(Outcome::Revoked)
                    },
                    Err(e) => Answer::of(error(e)),
                }
            }
        }
    }

    async fn guarantee(&self, rid: u8, key: u8, amount: i64, doc: u8) -> Answer {
        let p = &self.parties;
        let req = request(
            &format!("r{rid}"),
            &p.agreement_id,
            &p.sid,
            &p.keys[key as usize],
            eur(amount),
            &[doc],
        );
        let a = match self.n.request_guarantee(req, &p.sid).await {
            Ok(a) => a,
            Err(e) => return Answer::of(error(e)),
        };
        let v: Value = serde_json::from_str(&a.body).unwrap_or(Value::Null);
        let outcome = match (a.granted(), a.reason()) {
            (true, _) => Outcome::Granted,
            (false, Some(code)) => Outcome::Refused(code),
            (false, None) => Outcome::Error(format!("neither granted nor refused: {}", a.body)),
        };
        let gid = a
            .envelope()
            .filter(|_| a.granted())
            .and_then(|e| e.payload["guarantee_id"].as_str().map(String::from));
        Answer {
            outcome,
            log_index: log_index(&v),
            gid,
            body: Some(a.body),
        }
    }

    /// Sends every call at once, each from its own task; the answers in the order of `calls`.
    pub async fn send_all(&self, calls: &[Call]) -> Vec<Answer> {
        let tasks: Vec<_> = calls
            .iter()
            .map(|&c| {
                let me = self.clone();
                tokio::spawn(async move { me.send(c).await })
            })
            .collect();
        let mut out = Vec::with_capacity(tasks.len());
        for t in tasks {
            out.push(t.await.expect("a caller task"));
        }
        out
    }
}
