//! The real notary of one case (a copy of the template data dir, on tmpfs, on a clock the case
//! moves) and the steps played on it: request groups, expiry, injected write failures with a
//! restart after each.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::Duration;
use notar::notary::fixture::ClockedDataDir;
use notar::notary::{Caller, Closing, SequencerThread};

use super::check::{counted, explain};
use super::client::{Client, Parties};
use super::model::{Call, Model, Outcome, Req, TOTAL_CAP};

/// What a run found worth counting (non-vacuity).
#[derive(Default, Debug)]
pub struct Seen {
    /// Steps with several callers whose answers needed another order than the one sent in.
    pub reordered: u64,
    /// Steps with several callers where at least two were granted.
    pub concurrent_grants: u64,
    /// Injected write failures that fired, each followed by a restart.
    pub failures: u64,
    /// Failures after which the stopped notary's reads (exposure, from memory) showed what the
    /// failed batch had staged: not acknowledged, not durable, gone after the restart.
    pub stale_reads: u64,
}

pub struct Sim {
    w: ClockedDataDir<tempfile::TempDir>,
    /// The callers' handle and the sequencer thread (None only while restarting).
    running: Option<(Client, SequencerThread)>,
    /// Each request id's first answer body.
    first_bodies: HashMap<u8, String>,
    /// An injected failure is armed and has not fired yet.
    armed: bool,
}

impl Sim {
    pub fn new(w: ClockedDataDir<tempfile::TempDir>, parties: Arc<Parties>) -> Sim {
        let (n, seq) = w.open().expect("open the copy");
        let c = Client {
            n,
            parties,
            gids: Arc::new(Vec::new()),
        };
        Sim {
            w,
            running: Some((c, seq)),
            first_bodies: HashMap::new(),
            armed: false,
        }
    }

    fn c(&self) -> &Client {
        &self.running.as_ref().expect("a running notary").0
    }

    /// Drops the notary and waits for its sequencer (so RocksDB is closed), as at a shutdown;
    /// the client it had, without its notary handle.
    async fn shut_down(&mut self) -> (Arc<super::client::Parties>, Arc<Vec<String>>) {
        let (c, seq) = self.running.take().expect("a running notary");
        let Client { n, parties, gids } = c;
        drop(n);
        tokio::task::spawn_blocking(move || seq.join())
            .await
            .expect("the sequencer thread ends");
        (parties, gids)
    }

    /// A restart: a new notary over the same data dir.
    async fn restart(&mut self) {
        let (parties, gids) = self.shut_down().await;
        let (n, seq) = self.w.open().expect("reopen the data dir");
        self.running = Some((Client { n, parties, gids }, seq));
        self.armed = false;
    }

    /// Stops the notary for good, before the data dir goes, whatever the outcome: a sequencer
    /// left running would close the store while the test binary exits (RocksDB then aborts).
    pub async fn stop(mut self) {
        if self.running.is_some() {
            self.shut_down().await;
        }
    }

    fn resolve(&self, reqs: &[Req]) -> Vec<Call> {
        let granted = self.c().gids.len();
        reqs.iter()
            .filter_map(|r| {
                Some(match *r {
                    Req::Guarantee {
                        rid,
                        key,
                        amount,
                        doc,
                    } => Call::Guarantee {
                        rid,
                        key,
                        amount,
                        doc,
                    },
                    // Nothing granted yet: nothing to close.
                    Req::Settle(_) | Req::Release(_) if granted == 0 => return None,
                    Req::Settle(i) => Call::Close {
                        idx: i as usize % granted,
                        how: Closing::Settle,
                    },
                    Req::Release(i) => Call::Close {
                        idx: i as usize % granted,
                        how: Closing::Release,
                    },
                    Req::Revoke(k) => Call::Revoke(k),
                })
            })
            .collect()
    }

    /// Sends a group of requests at once and checks the answers against some serial order.
    pub async fn group(
        &mut self,
        model: &mut Model,
        reqs: &[Req],
        seen: &mut Seen,
    ) -> Result<(), String> {
        let calls = self.resolve(reqs);
        if calls.is_empty() {
            return Ok(());
        }
        let answers = self.c().send_all(&calls).await;
        let failed = answers.iter().any(|a| a.outcome.unacknowledged());
        let counted = counted(&answers, failed);
        let (order, next) = explain(model, &calls, &answers, &counted)?;
        if order.windows(2).any(|w| w[0] > w[1]) {
            seen.reordered += 1;
        }
        if calls.len() > 1
            && answers
                .iter()
                .filter(|a| a.outcome == Outcome::Granted)
                .count()
                > 1
        {
            seen.concurrent_grants += 1;
        }
        self.record(&next, &calls, &answers, &order)?;
        *model = next;
        if failed {
            seen.failures += 1;
            if exposure(self.c()) != model.exposure() {
                seen.stale_reads += 1;
            }
            self.after_failure(model).await?;
        }
        Ok(())
    }

    /// Along `order`: new grants join the list of guarantees; every guarantee answer is the
    /// first answer to its request id, byte for byte.
    fn record(
        &mut self,
        model: &Model,
        calls: &[Call],
        answers: &[crate::client::Answer],
        order: &[usize],
    ) -> Result<(), String> {
        let mut gids = (*self.c().gids).clone();
        for &i in order {
            let Call::Guarantee { rid, .. } = calls[i] else {
                continue;
            };
            let Some(body) = &answers[i].body else {
                continue;
            };
            match self.first_bodies.get(&rid) {
                Some(first) if first != body => {
                    return Err(format!("request r{rid} answered anew: {first} then {body}"))
                }
                Some(_) => {}
                None => {
                    self.first_bodies.insert(rid, body.clone());
                    if let Some(gid) = &answers[i].gid {
                        gids.push(gid.clone());
                    }
                }
            }
        }
        if gids.len() != model.granted.len() {
            let (got, want) = (gids.len(), model.granted.len());
            return Err(format!("{got} guarantees granted, the model {want}"));
        }
        if let Some((c, _)) = self.running.as_mut() {
            c.gids = Arc::new(gids);
        }
        Ok(())
    }

    /// `days` pass; the sweep releases what the model says is due (after an injected failure
    /// in the sweep: a restart, and the sweep again releases what is still due).
    pub async fn expire(
        &mut self,
        model: &mut Model,
        days: i64,
        seen: &mut Seen,
    ) -> Result<(), String> {
        model.now_days += days;
        self.w.advance(Duration::days(days));
        let expected = model.expire();
        match self.c().n.release_expired().await {
            Ok(got) if got == expected => Ok(()),
            Ok(got) => Err(format!("the sweep released {got}, the model {expected}")),
            Err(e) if self.armed => {
                let code = e.code().to_string();
                if code != "unavailable" && code != "storage_failure" {
                    return Err(format!("the sweep failed with {code}"));
                }
                seen.failures += 1;
                // Some of the due guarantees may have been released before the failure: the
                // sweep again releases the rest, then the store must be the model's.
                self.stopped_then_restart().await?;
                let got = self
                    .c()
                    .n
                    .release_expired()
                    .await
                    .map_err(|e| e.to_string())?;
                if got > expected {
                    return Err(format!(
                        "after a restart the sweep released {got} > {expected}"
                    ));
                }
                self.check_durable(model).await
            }
            Err(e) => Err(format!("the sweep failed: {e}")),
        }
    }

    /// After an injected write failure: the notary has stopped (refuses writes as
    /// `unavailable`, signs nothing); a new notary over the same data dir has exactly what was
    /// acknowledged: the log as committed, every guarantee in the model's state, every answered
    /// request's answer byte for byte; the case goes on with it.
    async fn after_failure(&mut self, model: &Model) -> Result<(), String> {
        self.stopped_then_restart().await?;
        self.check_durable(model).await
    }

    /// The notary stopped at the failure; restarts it.
    async fn stopped_then_restart(&mut self) -> Result<(), String> {
        let n = &self.c().n;
        if !n.is_failed() {
            return Err("a write failed and the notary did not stop".into());
        }
        let size = n.log_size();
        let probe = Call::Guarantee {
            rid: 200,
            key: 0,
            amount: 1,
            doc: 200,
        };
        let got = self.c().send(probe).await.outcome;
        if got != Outcome::Error("unavailable".into()) || self.c().n.log_size() != size {
            return Err(format!("a stopped notary answered {got:?}"));
        }
        // Its memory may hold the failed batch's changes: a liability check must not answer
        // from it (stale_reads counts how often it differs from what is durable).
        let c = self.c();
        match c
            .n
            .check(&c.parties.agreement_id, notar::notary::fixture::eur(1))
        {
            Err(notar::notary::NotaryError::Unavailable) => {}
            other => return Err(format!("a stopped notary answered a check: {other:?}")),
        }
        self.restart().await;
        if self.c().n.log_size() != size {
            let now = self.c().n.log_size();
            return Err(format!("log size {size} before the restart, {now} after"));
        }
        Ok(())
    }

    /// The guarantees the store holds are the model's, in its states, and every request the
    /// model has an answer for gets that answer again, byte for byte.
    async fn check_durable(&self, model: &Model) -> Result<(), String> {
        let c = self.c();
        let (_, records) =
            c.n.agreement(&c.parties.agreement_id, usize::MAX)
                .map_err(|e| e.to_string())?;
        if records.len() != model.granted.len() {
            let (got, want) = (records.len(), model.granted.len());
            return Err(format!("{got} guarantees stored, {want} acknowledged"));
        }
        for (gid, g) in c.gids.iter().zip(&model.granted) {
            let r =
                c.n.guarantee(gid, &Caller::Notary)
                    .map_err(|e| e.to_string())?;
            if r.state.as_str() != format!("{:?}", g.2).to_lowercase() {
                return Err(format!(
                    "guarantee {gid} is {}, the model {:?}",
                    r.state.as_str(),
                    g.2
                ));
            }
        }
        for (&rid, (key, amount, doc, outcome)) in &model.requests {
            let call = Call::Guarantee {
                rid,
                key: *key,
                amount: *amount,
                doc: *doc,
            };
            let a = c.send(call).await;
            if &a.outcome != outcome || a.body.as_ref() != self.first_bodies.get(&rid) {
                return Err(format!(
                    "r{rid} after the restart: {:?}, was {outcome:?}",
                    a.outcome
                ));
            }
        }
        Ok(())
    }

    pub fn arm(&mut self, nth: u64) {
        self.c().n.fail_store_write_in(nth);
        self.armed = true;
    }

    /// The exposure the notary reports equals the model's and is within the cap.
    pub fn check_exposure(&self, model: &Model) -> Result<(), String> {
        let got = exposure(self.c());
        if got != model.exposure() || got > TOTAL_CAP {
            return Err(format!("exposure {got}, the model {}", model.exposure()));
        }
        Ok(())
    }
}

fn exposure(c: &Client) -> i64 {
    c.n.agreements()
        .into_iter()
        .find(|v| v.agreement.id == c.parties.agreement_id)
        .expect("the agreement")
        .exposure
        .minor
}
