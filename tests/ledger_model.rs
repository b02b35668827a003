//! Simulation test: random sequences of guarantee / settle / release / revoke / expire requests
//! against the real notary (RocksDB, sequencer, signatures) and against a plain in-memory model of
//! the ledger written from docs/design.md §6.3 alone. Every answer and the exposure after every step
//! must agree. A failing case prints its operations; proptest replays the seed.

use chrono::{Duration, TimeZone, Utc};
use ed25519_dalek::SigningKey;
use notar::model::error_code::ErrorCode;
use notar::model::registry::Role;
use notar::notary::fixture::{eur, request, ClockedDataDir};
use notar::notary::{
    Caller, Closing, KeyInput, NewAgreement, Notary, NotaryError, SequencerThread,
};
use proptest::prelude::*;
use std::collections::{HashMap, HashSet};

const TOTAL_CAP: i64 = 100_000;
const PER_TX_CAP: i64 = 50_000;
/// semper-consumer: guarantee_validity 30d + release_grace 7d.
const RELEASE_AFTER_DAYS: i64 = 37;
const AGREEMENT_DAYS: i64 = 365;

#[derive(Clone, Debug)]
enum Op {
    Guarantee {
        rid: u8,
        key: u8,
        amount: i64,
        doc: u8,
    },
    Settle(u8),
    Release(u8),
    Revoke(u8),
    Expire {
        days: i64,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let amount = prop_oneof![
        1 => Just(0i64),
        1 => Just(-500i64),
        2 => 50_001i64..60_000,
        8 => 1i64..50_001,
    ];
    prop_oneof![
        10 => (0u8..24, 0u8..2, amount, 0u8..16)
            .prop_map(|(rid, key, amount, doc)| Op::Guarantee { rid, key, amount, doc }),
        3 => (0u8..32).prop_map(Op::Settle),
        3 => (0u8..32).prop_map(Op::Release),
        1 => (0u8..2).prop_map(Op::Revoke),
        2 => (0i64..45).prop_map(|days| Op::Expire { days }),
    ]
}

/// What the model expects of a guarantee request.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Expect {
    Granted,
    Refused(&'static str),
    Conflict(&'static str),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum GState {
    Outstanding,
    Settled,
    Released,
}

#[derive(Default)]
struct Model {
    now_days: i64,
    revoked: HashSet<u8>,
    docs: HashSet<u8>,
    requests: HashMap<u8, (u8, i64, u8, Expect)>,
    /// Granted guarantees in grant order: (amount, release day, state).
    granted: Vec<(i64, i64, GState)>,
}

impl Model {
    fn exposure(&self) -> i64 {
        self.granted
            .iter()
            .filter(|g| g.2 == GState::Outstanding)
            .map(|g| g.0)
            .sum()
    }

    fn guarantee(&mut self, rid: u8, key: u8, amount: i64, doc: u8) -> Expect {
        if let Some((k, a, d, e)) = self.requests.get(&rid) {
            return if (*k, *a, *d) == (key, amount, doc) {
                e.clone()
            } else {
                Expect::Conflict("request_id_reused")
            };
        }
        let e = if self.now_days >= AGREEMENT_DAYS {
            Expect::Refused("agreement_inactive")
        } else if self.revoked.contains(&key) {
            Expect::Refused("key_revoked")
        } else if amount <= 0 {
            Expect::Refused("bad_amount")
        } else if amount > PER_TX_CAP {
            Expect::Refused("per_transaction_cap_exceeded")
        } else if self.exposure() + amount > TOTAL_CAP {
            Expect::Refused("total_cap_exceeded")
        } else if self.docs.contains(&doc) {
            Expect::Refused("duplicate_transaction")
        } else {
            Expect::Granted
        };
        if e == Expect::Granted {
            self.docs.insert(doc);
            self.granted.push((
                amount,
                self.now_days + RELEASE_AFTER_DAYS,
                GState::Outstanding,
            ));
        }
        self.requests.insert(rid, (key, amount, doc, e.clone()));
        e
    }

    /// Expected outcome of closing the n-th granted guarantee: Ok(new state) or a conflict code.
    fn close(&mut self, n: usize, how: Closing) -> Result<GState, &'static str> {
        let target = match how {
            Closing::Settle => GState::Settled,
            Closing::Release => GState::Released,
        };
        let g = &mut self.granted[n];
        match g.2 {
            GState::Outstanding => {
                g.2 = target;
                Ok(target)
            }
            s if s == target => Ok(target),
            GState::Settled => Err("already_settled"),
            GState::Released => Err("already_released"),
        }
    }

    fn expire(&mut self) -> usize {
        let mut n = 0;
        for g in &mut self.granted {
            if g.2 == GState::Outstanding && g.1 <= self.now_days {
                g.2 = GState::Released;
                n += 1;
            }
        }
        n
    }
}

/// The real notary with one buyer (two keys), one seller and their agreement, and what a run has
/// seen of it: the guarantee ids in grant order and each request's first answer.
struct Sim {
    w: ClockedDataDir<tempfile::TempDir>,
    n: Notary,
    seq: SequencerThread,
    keys: [SigningKey; 2],
    key_ids: Vec<String>,
    sid: String,
    agreement_id: String,
    gids: Vec<String>,
    first_bodies: HashMap<u8, String>,
}

impl Sim {
    async fn start() -> Sim {
        let t0 = Utc
            .with_ymd_and_hms(2026, 3, 1, 10, 0, 0)
            .single()
            .expect("t0");
        let tmp = tempfile::tempdir().expect("tempdir");
        let w = ClockedDataDir::init(tmp, "sim", t0).await.expect("init");
        let (n, seq) = w.open().expect("open");
        let keys = [
            SigningKey::from_bytes(&[1; 32]),
            SigningKey::from_bytes(&[2; 32]),
        ];
        let buyer = n
            .register_party("bob", Role::Buyer, None)
            .await
            .expect("buyer");
        let mut key_ids = Vec::new();
        for k in &keys {
            let r = n
                .add_key(
                    &buyer.party.id,
                    KeyInput::Raw(k.verifying_key().to_bytes()),
                    None,
                )
                .await
                .expect("key");
            key_ids.push(r.key_id);
        }
        let seller = n
            .register_party("sally", Role::Seller, None)
            .await
            .expect("seller");
        let ag = n
            .create_agreement(
                NewAgreement {
                    buyer_id: buyer.party.id.clone(),
                    policy_id: "semper-consumer".into(),
                    total_cap_minor: Some(TOTAL_CAP),
                    per_tx_cap_minor: Some(PER_TX_CAP),
                    ..Default::default()
                },
                None,
            )
            .await
            .expect("agreement");
        Sim {
            w,
            n,
            seq,
            keys,
            key_ids,
            sid: seller.party.id,
            agreement_id: ag.id,
            gids: Vec::new(),
            first_bodies: HashMap::new(),
        }
    }

    /// A guarantee request: the notary's answer must be the model's, and a replay the very same
    /// bytes as the first answer.
    async fn guarantee(
        &mut self,
        model: &mut Model,
        step: usize,
        op: &Op,
    ) -> Result<(), TestCaseError> {
        let Op::Guarantee {
            rid,
            key,
            amount,
            doc,
        } = *op
        else {
            unreachable!("only guarantee steps come here")
        };
        let expect = model.guarantee(rid, key, amount, doc);
        let req = request(
            &format!("r{rid}"),
            &self.agreement_id,
            &self.sid,
            &self.keys[key as usize],
            eur(amount),
            &[doc],
        );
        let got = self.n.request_guarantee(req, &self.sid).await;
        match (&expect, got) {
            (Expect::Conflict(code), Err(NotaryError::Conflict { code: c, .. })) => {
                prop_assert_eq!(*code, c.to_string(), "step {}", step);
            }
            (Expect::Granted, Ok(a)) => {
                prop_assert!(a.granted(), "step {}: expected grant, got {}", step, a.body);
                match self.first_bodies.get(&rid) {
                    Some(b) => prop_assert_eq!(b, &a.body, "step {}", step),
                    None => {
                        let env = a.envelope().expect("guarantee");
                        let gid = env.payload["guarantee_id"].as_str().expect("id");
                        self.gids.push(gid.to_string());
                        self.first_bodies.insert(rid, a.body.clone());
                    }
                }
            }
            (Expect::Refused(code), Ok(a)) => {
                let reason = a.reason();
                prop_assert_eq!(reason.as_deref(), Some(*code), "step {}: {}", step, a.body);
                let b = self
                    .first_bodies
                    .entry(rid)
                    .or_insert_with(|| a.body.clone());
                prop_assert_eq!(&*b, &a.body, "step {}", step);
            }
            (e, g) => {
                return Err(TestCaseError::fail(format!(
                    "step {step}: expected {e:?}, got {:?}",
                    g.map(|a| a.body)
                )))
            }
        }
        Ok(())
    }

    /// Settles or releases the `i`-th granted guarantee (modulo how many there are).
    async fn close(
        &mut self,
        model: &mut Model,
        step: usize,
        i: u8,
        how: Closing,
    ) -> Result<(), TestCaseError> {
        let idx = i as usize % self.gids.len();
        let expect = model.close(idx, how);
        let seller = Caller::Seller(self.sid.clone());
        let got = self
            .n
            .close_guarantee(&self.gids[idx], seller, how, None, None)
            .await;
        match (expect, got) {
            (Ok(s), Ok(v)) => prop_assert_eq!(
                format!("{s:?}").to_lowercase(),
                v.state.as_str(),
                "step {}",
                step
            ),
            (Err(code), Err(NotaryError::Conflict { code: c, .. })) => {
                prop_assert_eq!(code, c.to_string(), "step {}", step)
            }
            (e, g) => {
                return Err(TestCaseError::fail(format!(
                    "step {step}: expected {e:?}, got {:?}",
                    g.map(|v| v.state)
                )))
            }
        }
        Ok(())
    }

    /// Revokes key `k`; a second revocation is a conflict.
    async fn revoke(&mut self, model: &mut Model, step: usize, k: u8) -> Result<(), TestCaseError> {
        let already = !model.revoked.insert(k);
        let got = self
            .n
            .revoke_key(&self.key_ids[k as usize], "simulated loss", None)
            .await;
        if already {
            prop_assert!(
                matches!(
                    got,
                    Err(NotaryError::Conflict {
                        code: ErrorCode::AlreadyRevoked,
                        ..
                    })
                ),
                "step {}",
                step
            );
        } else {
            prop_assert!(got.is_ok(), "step {}: {:?}", step, got.err());
        }
        Ok(())
    }

    /// `days` pass; the sweep releases what the model says is due.
    async fn expire(
        &mut self,
        model: &mut Model,
        step: usize,
        days: i64,
    ) -> Result<(), TestCaseError> {
        model.now_days += days;
        self.w.advance(Duration::days(days));
        let expected = model.expire();
        let got = self.n.release_expired().await.expect("sweep");
        prop_assert_eq!(expected, got, "step {}", step);
        Ok(())
    }

    fn exposure(&self) -> i64 {
        self.n
            .agreements()
            .into_iter()
            .find(|v| v.agreement.id == self.agreement_id)
            .expect("agreement")
            .exposure
            .minor
    }
}

/// Plays `ops` on a fresh notary, then stops it: the sequencer thread is joined (so RocksDB is
/// closed) before the data dir is removed, whatever the outcome. A thread left running would
/// close the store while the test binary exits (RocksDB then aborts: "pthread lock: Invalid
/// argument").
async fn run(ops: Vec<Op>) -> Result<(), TestCaseError> {
    let mut sim = Sim::start().await;
    let outcome = play(&mut sim, ops).await;
    let Sim { w, n, seq, .. } = sim;
    drop(n);
    tokio::task::spawn_blocking(move || seq.join())
        .await
        .expect("the sequencer thread ends");
    drop(w);
    outcome
}

async fn play(sim: &mut Sim, ops: Vec<Op>) -> Result<(), TestCaseError> {
    let mut model = Model::default();
    for (step, o) in ops.iter().enumerate() {
        match *o {
            Op::Guarantee { .. } => sim.guarantee(&mut model, step, o).await?,
            // Nothing granted yet: nothing to close, and nothing to compare.
            Op::Settle(_) | Op::Release(_) if sim.gids.is_empty() => continue,
            Op::Settle(i) => sim.close(&mut model, step, i, Closing::Settle).await?,
            Op::Release(i) => sim.close(&mut model, step, i, Closing::Release).await?,
            Op::Revoke(k) => sim.revoke(&mut model, step, k).await?,
            Op::Expire { days } => sim.expire(&mut model, step, days).await?,
        }
        let exposure = sim.exposure();
        prop_assert_eq!(exposure, model.exposure(), "exposure after step {}", step);
        prop_assert!(exposure <= TOTAL_CAP);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]
    #[test]
    fn notary_ledger_matches_the_model(ops in proptest::collection::vec(op(), 1..48)) {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(run(ops))?;
    }
}
