//! Simulation test: random sequences of guarantee / settle / release / revoke / expire requests
//! against the real notary (RocksDB, sequencer, signatures) and against a plain in-memory model of
//! the ledger written from docs/design.md §6.3 alone. Every answer and the exposure after every step
//! must agree. A failing case prints its operations; proptest replays the seed.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, TimeZone, Utc};
use ed25519_dalek::SigningKey;
use notar::model::error_code::ErrorCode;
use notar::model::money::{Currency, Money};
use notar::model::registry::Role;
use notar::notary::datadir::DataDir;
use notar::notary::fixture::request;
use notar::notary::{Caller, Closing, KeyInput, NewAgreement, Notary, NotaryError};
use proptest::prelude::*;

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

fn eur(minor: i64) -> Money {
    Money {
        minor,
        currency: Currency::parse("EUR").expect("EUR"),
    }
}

async fn run(ops: Vec<Op>) -> Result<(), TestCaseError> {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = DataDir::new(tmp.path().join("data"));
    Notary::init(&dir, "sim").await.expect("init");
    let t0: DateTime<Utc> = Utc
        .with_ymd_and_hms(2026, 3, 1, 10, 0, 0)
        .single()
        .expect("t0");
    let clock = Arc::new(Mutex::new(t0));
    let c = clock.clone();
    let (n, _seq) =
        Notary::open_with_clock(&dir, Arc::new(move || *c.lock().expect("clock"))).expect("open");
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
    let sid = seller.party.id.clone();
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
    let mut model = Model::default();
    let mut gids: Vec<String> = Vec::new();
    let mut first_bodies: HashMap<u8, String> = HashMap::new();
    for (step, o) in ops.iter().enumerate() {
        match *o {
            Op::Guarantee {
                rid,
                key,
                amount,
                doc,
            } => {
                let expect = model.guarantee(rid, key, amount, doc);
                let req = request(
                    &format!("r{rid}"),
                    &ag.id,
                    &sid,
                    &keys[key as usize],
                    eur(amount),
                    &[doc],
                );
                let got = n.request_guarantee(req, &sid).await;
                match (&expect, got) {
                    (Expect::Conflict(code), Err(NotaryError::Conflict { code: c, .. })) => {
                        prop_assert_eq!(*code, c.to_string(), "step {}", step);
                    }
                    (Expect::Granted, Ok(a)) => {
                        prop_assert!(a.granted(), "step {}: expected grant, got {}", step, a.body);
                        // A replay must be the very same bytes as the first answer.
                        match first_bodies.get(&rid) {
                            Some(b) => prop_assert_eq!(b, &a.body, "step {}", step),
                            None => {
                                let env = a.envelope().expect("guarantee");
                                gids.push(
                                    env.payload["guarantee_id"]
                                        .as_str()
                                        .expect("id")
                                        .to_string(),
                                );
                                first_bodies.insert(rid, a.body.clone());
                            }
                        }
                    }
                    (Expect::Refused(code), Ok(a)) => {
                        let reason = a.reason();
                        prop_assert_eq!(
                            reason.as_deref(),
                            Some(*code),
                            "step {}: {}",
                            step,
                            a.body
                        );
                        let b = first_bodies.entry(rid).or_insert_with(|| a.body.clone());
                        prop_assert_eq!(&*b, &a.body, "step {}", step);
                    }
                    (e, g) => {
                        return Err(TestCaseError::fail(format!(
                            "step {step}: expected {e:?}, got {:?}",
                            g.map(|a| a.body)
                        )))
                    }
                }
            }
            Op::Settle(i) | Op::Release(i) => {
                if gids.is_empty() {
                    continue;
                }
                let idx = i as usize % gids.len();
                let how = if matches!(o, Op::Settle(_)) {
                    Closing::Settle
                } else {
                    Closing::Release
                };
                let expect = model.close(idx, how);
                let got = n
                    .close_guarantee(&gids[idx], Caller::Seller(sid.clone()), how, None, None)
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
            }
            Op::Revoke(k) => {
                let already = !model.revoked.insert(k);
                let got = n
                    .revoke_key(&key_ids[k as usize], "simulated loss", None)
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
            }
            Op::Expire { days } => {
                model.now_days += days;
                *clock.lock().expect("clock") += Duration::days(days);
                let expected = model.expire();
                let got = n.release_expired().await.expect("sweep");
                prop_assert_eq!(expected, got, "step {}", step);
            }
        }
        let exposure = n
            .agreements()
            .into_iter()
            .find(|v| v.agreement.id == ag.id)
            .expect("agreement")
            .exposure
            .minor;
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
