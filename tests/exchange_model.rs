//! Simulation test of the fair-exchange state machine (docs/design.md §6.4 and §10, invariant 3):
//! random interleavings of abort, resolve, repeated, faulty and late requests over several
//! exchanges, run against `model::exchange` and against a plain model written from the design
//! alone. After every step the lemmas of the formal models must hold:
//! - exclusivity: an exchange is never answered both as aborted and as resolved;
//! - finality and idempotence: after the first decision every answer is that decision, same bytes;
//! - timeliness: every request ends in a token or a refusal;
//! - item for receipt: the key is released exactly when a delivery affidavit is the answer.
//!
//! Non-vacuity: a fixed-seed run must reach every outcome and every refusal, and machines broken
//! on purpose (two books that do not share state; a book that forgets) must be rejected by the
//! lemma they break. A failing case prints its operations; proptest replays the seed.

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Duration, TimeZone, Utc};
use ed25519_dalek::SigningKey;
use notar::crypto::envelope::{signing_input, Envelope};
use notar::model::exchange::{
    signing_bytes, AbortFacts, AbortRequest, Context, ContractAcceptance, ContractOffer, Decision,
    EscrowFault, EscrowOpening, Evidence, ExchangePayload, ExchangeRefusal, Exchanges, ItemEscrow,
    Offer, Protocol, Receipt, ResolveFacts, Sha256Hex, SignatureCheck, Signed, Subject, Tid, Token,
    Verdict, WireTime,
};
use notar::model::registry::KeyStanding;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestError, TestRng, TestRunner};

const EXCHANGES: usize = 6;
const DEFAULT_DEADLINE_S: i64 = 600;
const ORIGINATOR: &str = "olga";
const RESPONDER: &str = "rita";

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 10, 12, 0, 0)
        .single()
        .expect("a valid date")
}

fn digest(tag: &str) -> Sha256Hex {
    Sha256Hex::of(tag.as_bytes())
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Escrow {
    Sound,
    DoesNotOpen,
    Mismatch,
}

/// One exchange of a run.
#[derive(Clone, Debug)]
struct Spec {
    item: bool,
    deadline_s: Option<i64>,
    escrow: Escrow,
}

/// What is wrong with a request, if anything. One fault per request, so the plain model needs no
/// check order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fault {
    None,
    WrongNotary,
    M1UnknownKey,
    M1Forged,
    M1Revoked,
    /// The abort, or m2 / the receipt, is signed by the other party.
    ByOtherParty,
    /// The abort names another exchange; the resolve carries the other protocol's evidence.
    Malformed,
    /// m2 or the receipt binds another exchange (resolve only).
    BadM2,
    /// The abort's signature does not verify; m2 or the receipt is signed by no known key.
    SecondBroken,
}

#[derive(Clone, Copy, Debug)]
enum Kind {
    Abort(Fault),
    Resolve(Fault, u8),
    /// The notary learns of the exchange without deciding (a complaint): fixes its deadline.
    Open,
}

#[derive(Clone, Debug)]
struct Op {
    wait_s: i64,
    x: usize,
    kind: Kind,
}

fn spec() -> impl Strategy<Value = Spec> {
    // Times move in steps of 50 s, so requests often land exactly on a deadline.
    let deadline = prop_oneof![1 => Just(None), 2 => (0i64..30).prop_map(|n| Some(n * 50))];
    let escrow = prop_oneof![
        3 => Just(Escrow::Sound),
        1 => Just(Escrow::DoesNotOpen),
        1 => Just(Escrow::Mismatch),
    ];
    (any::<bool>(), deadline, escrow).prop_map(|(item, deadline_s, escrow)| Spec {
        item,
        deadline_s,
        escrow,
    })
}

fn fault(resolve: bool) -> impl Strategy<Value = Fault> {
    let bad_m2 = if resolve { Fault::BadM2 } else { Fault::None };
    prop_oneof![
        16 => Just(Fault::None),
        1 => Just(Fault::WrongNotary),
        1 => Just(Fault::M1UnknownKey),
        1 => Just(Fault::M1Forged),
        1 => Just(Fault::M1Revoked),
        1 => Just(Fault::ByOtherParty),
        1 => Just(Fault::Malformed),
        1 => Just(bad_m2),
        1 => Just(Fault::SecondBroken),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    let wait = prop_oneof![3 => Just(0i64), 2 => (1i64..8).prop_map(|n| n * 50)];
    let kind = prop_oneof![
        4 => fault(false).prop_map(Kind::Abort),
        5 => (fault(true), 0u8..3).prop_map(|(f, nb)| Kind::Resolve(f, nb)),
        1 => Just(Kind::Open),
    ];
    (wait, 0..EXCHANGES, kind).prop_map(|(wait_s, x, kind)| Op { wait_s, x, kind })
}

fn runs() -> impl Strategy<Value = (Vec<Spec>, Vec<Op>)> {
    (
        proptest::collection::vec(spec(), EXCHANGES),
        proptest::collection::vec(op(), 1..60),
    )
}

/// The exchanges of a run, as signed objects.
struct World {
    specs: Vec<Spec>,
    notary: Sha256Hex,
    offers: Vec<Offer>,
    /// The same offers, naming another notary.
    foreign: Vec<Offer>,
}

impl World {
    fn new(specs: &[Spec]) -> World {
        let notary = digest("our notary");
        let offer = |x: usize, s: &Spec, notary: &Sha256Hex| {
            let subject = if s.item {
                Subject::Item {
                    ciphertext_digest: digest(&format!("ciphertext {x}")),
                    item_digest: digest(&format!("item {x}")),
                    amount: None,
                    order_digest: None,
                }
            } else {
                Subject::Contract {
                    contract_digest: digest(&format!("contract {x}")),
                }
            };
            let deadline = s.deadline_s.map(|d| t0() + Duration::seconds(d));
            Offer::new(ContractOffer {
                subject,
                originator: ORIGINATOR.into(),
                responder: RESPONDER.into(),
                notary_key_id: notary.clone(),
                na_digest: digest(&format!("na {x}")),
                deadline: deadline.and_then(WireTime::new),
            })
            .expect("a valid offer")
        };
        let other = digest("another notary");
        World {
            specs: specs.to_vec(),
            offers: specs
                .iter()
                .enumerate()
                .map(|(x, s)| offer(x, s, &notary))
                .collect(),
            foreign: specs
                .iter()
                .enumerate()
                .map(|(x, s)| offer(x, s, &other))
                .collect(),
            notary,
        }
    }

    fn opening(&self, x: usize) -> EscrowOpening {
        match self.specs[x].escrow {
            Escrow::Sound => EscrowOpening::Opened,
            Escrow::DoesNotOpen => EscrowOpening::Failed(EscrowFault::DoesNotOpen),
            Escrow::Mismatch => EscrowOpening::Failed(EscrowFault::BindingMismatch),
        }
    }

    fn other_tid(&self, x: usize) -> &Tid {
        self.offers[(x + 1) % EXCHANGES].tid()
    }
}

type Answer = Result<(Verdict, Vec<u8>), ExchangeRefusal>;

/// A notary's decision-keeping, as the test drives it.
trait Machine {
    fn abort(&mut self, f: &AbortFacts<'_>) -> Answer;
    fn resolve(&mut self, f: &ResolveFacts<'_>) -> Answer;
    fn open(&mut self, offer: &Offer, ctx: &Context<'_>);
}

/// The model's book, with the test standing in for the notary's signing.
#[derive(Default)]
struct Real {
    book: Exchanges,
    minted: u64,
}

impl Real {
    fn answer(&mut self, d: Result<Decision, ExchangeRefusal>) -> Answer {
        let decided = match d? {
            Decision::Stored(d) => d,
            Decision::New(p) => {
                self.minted += 1;
                let token = format!("{}:{}", self.minted, p.verdict().token_kind());
                self.book.record(p, Token::new(token.into_bytes()))
            }
        };
        Ok((decided.verdict(), decided.token().as_bytes().to_vec()))
    }
}

impl Machine for Real {
    fn abort(&mut self, f: &AbortFacts<'_>) -> Answer {
        let d = self.book.decide_abort(f);
        self.answer(d)
    }

    fn resolve(&mut self, f: &ResolveFacts<'_>) -> Answer {
        let d = self.book.decide_resolve(f);
        self.answer(d)
    }

    fn open(&mut self, offer: &Offer, ctx: &Context<'_>) {
        self.book.open(offer, ctx);
    }
}

/// Broken on purpose: aborts and resolves kept in two books that do not share state.
#[derive(Default)]
struct SplitBrain {
    aborts: Real,
    resolves: Real,
}

impl Machine for SplitBrain {
    fn abort(&mut self, f: &AbortFacts<'_>) -> Answer {
        self.aborts.abort(f)
    }

    fn resolve(&mut self, f: &ResolveFacts<'_>) -> Answer {
        self.resolves.resolve(f)
    }

    fn open(&mut self, offer: &Offer, ctx: &Context<'_>) {
        self.aborts.open(offer, ctx);
        self.resolves.open(offer, ctx);
    }
}

/// Broken on purpose: decides every request on a fresh book, forgetting earlier decisions.
#[derive(Default)]
struct Amnesiac {
    minted: u64,
}

impl Amnesiac {
    fn fresh(&mut self) -> Real {
        self.minted += 1;
        Real {
            book: Exchanges::new(),
            minted: self.minted * 1_000,
        }
    }
}

impl Machine for Amnesiac {
    fn abort(&mut self, f: &AbortFacts<'_>) -> Answer {
        self.fresh().abort(f)
    }

    fn resolve(&mut self, f: &ResolveFacts<'_>) -> Answer {
        self.fresh().resolve(f)
    }

    fn open(&mut self, _: &Offer, _: &Context<'_>) {}
}

fn good(party: &str) -> SignatureCheck {
    SignatureCheck::Valid {
        party_id: party.into(),
        standing: KeyStanding::Good,
    }
}

fn m1_signature(fault: Fault) -> SignatureCheck {
    match fault {
        Fault::M1UnknownKey => SignatureCheck::UnknownKey,
        Fault::M1Forged => SignatureCheck::BadSignature,
        Fault::M1Revoked => SignatureCheck::Valid {
            party_id: ORIGINATOR.into(),
            standing: KeyStanding::Revoked,
        },
        _ => good(ORIGINATOR),
    }
}

fn offer_for(w: &World, x: usize, fault: Fault) -> &Offer {
    if fault == Fault::WrongNotary {
        &w.foreign[x]
    } else {
        &w.offers[x]
    }
}

fn ask_abort(m: &mut dyn Machine, w: &World, x: usize, fault: Fault, ctx: Context<'_>) -> Answer {
    let offer = offer_for(w, x, fault);
    let tid = if fault == Fault::Malformed {
        w.other_tid(x)
    } else {
        offer.tid()
    };
    let req = AbortRequest { tid: tid.clone() };
    let signature = match fault {
        Fault::ByOtherParty => good(RESPONDER),
        Fault::SecondBroken => SignatureCheck::BadSignature,
        _ => good(ORIGINATOR),
    };
    m.abort(&AbortFacts {
        ctx,
        m1: Signed {
            payload: offer,
            signature: m1_signature(fault),
        },
        abort: Signed {
            payload: &req,
            signature,
        },
    })
}

fn ask_resolve(
    m: &mut dyn Machine,
    w: &World,
    x: usize,
    (fault, nb): (Fault, u8),
    ctx: Context<'_>,
) -> Answer {
    let offer = offer_for(w, x, fault);
    let m1 = Signed {
        payload: offer,
        signature: m1_signature(fault),
    };
    let second = match fault {
        Fault::ByOtherParty => good(ORIGINATOR),
        Fault::SecondBroken => SignatureCheck::UnknownKey,
        _ => good(RESPONDER),
    };
    let binds = if fault == Fault::BadM2 {
        w.other_tid(x)
    } else {
        offer.tid()
    };
    let as_item = (offer.protocol() == Protocol::Item) != (fault == Fault::Malformed);
    if !as_item {
        let m2 = ContractAcceptance {
            tid: binds.clone(),
            nb_digest: digest(&format!("nb {nb}")),
        };
        let m2 = Signed {
            payload: &m2,
            signature: second,
        };
        return m.resolve(&ResolveFacts {
            ctx,
            m1,
            evidence: Evidence::Contract { m2 },
        });
    }
    let ciphertext_digest = match offer.escrow_binding() {
        Some(b) => b.ciphertext_digest,
        None => digest("a ciphertext for a contract"),
    };
    let escrow_digest = digest(&format!("escrow {x}"));
    let escrow = ItemEscrow {
        tid: offer.tid().clone(),
        ciphertext_digest: ciphertext_digest.clone(),
        recipient: RESPONDER.into(),
        escrow_digest: escrow_digest.clone(),
    };
    let receipt = Receipt {
        tid: binds.clone(),
        ciphertext_digest,
        escrow_digest,
    };
    let evidence = Evidence::Item {
        item_escrow: Signed {
            payload: &escrow,
            signature: good(ORIGINATOR),
        },
        receipt: Signed {
            payload: &receipt,
            signature: second,
        },
        escrow_digest: &escrow.escrow_digest,
        opening: w.opening(x),
    };
    m.resolve(&ResolveFacts { ctx, m1, evidence })
}

/// What the plain model expects of a request.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Expect {
    Refused(&'static str),
    Stored(&'static str, Vec<u8>),
    New(&'static str),
}

/// docs/design.md §6.4 in a few lines: one fault, one code; the first decision is kept; a resolve
/// past the deadline (m1's, else the default from first sight) expires.
#[derive(Default)]
struct Plain {
    first_seen_s: HashMap<usize, i64>,
    decided: HashMap<usize, (&'static str, Vec<u8>)>,
}

impl Plain {
    fn refusal(kind: Kind) -> Option<&'static str> {
        let (fault, abort) = match kind {
            Kind::Abort(f) => (f, true),
            Kind::Resolve(f, _) => (f, false),
            Kind::Open => return None,
        };
        match fault {
            Fault::None => None,
            Fault::WrongNotary => Some("wrong_notary"),
            Fault::M1UnknownKey => Some("unknown_key"),
            Fault::M1Forged => Some("bad_signature"),
            Fault::M1Revoked => Some("key_revoked"),
            Fault::ByOtherParty if abort => Some("not_originator"),
            Fault::ByOtherParty => Some("bad_signature"),
            Fault::Malformed => Some("malformed_exchange"),
            Fault::BadM2 => Some("bad_m2"),
            Fault::SecondBroken if abort => Some("bad_signature"),
            Fault::SecondBroken => Some("unknown_key"),
        }
    }

    fn expect(&self, spec: &Spec, x: usize, kind: Kind, now_s: i64) -> Expect {
        if let Some(code) = Plain::refusal(kind) {
            return Expect::Refused(code);
        }
        if let Some((name, token)) = self.decided.get(&x) {
            return Expect::Stored(name, token.clone());
        }
        if let Kind::Abort(_) = kind {
            return Expect::New("aborted");
        }
        let seen = self.first_seen_s.get(&x).copied().unwrap_or(now_s);
        let deadline_s = spec.deadline_s.unwrap_or(seen + DEFAULT_DEADLINE_S);
        Expect::New(match (now_s > deadline_s, spec.item, spec.escrow) {
            (true, _, _) => "expired",
            (false, false, _) => "resolved",
            (false, true, Escrow::Sound) => "delivered",
            (false, true, _) => "escrow_failed",
        })
    }
}

/// Which checks a run makes: all of them for the real book; one at a time to show that each
/// rejects the machine that breaks it.
#[derive(Clone, Copy)]
struct Lemmas {
    exclusivity: bool,
    finality: bool,
    plain_model: bool,
}

const ALL_LEMMAS: Lemmas = Lemmas {
    exclusivity: true,
    finality: true,
    plain_model: true,
};

/// The lemmas on one answer for exchange `x`, given the first decision seen for it.
fn check_lemmas(
    lemmas: Lemmas,
    spec: &Spec,
    x: usize,
    first: Option<&(Verdict, Vec<u8>)>,
    answer: &Answer,
) -> Result<(), TestCaseError> {
    let Ok((verdict, token)) = answer else {
        return Ok(());
    };
    prop_assert!(
        !token.is_empty(),
        "timeliness: exchange {x} answered without a token"
    );
    prop_assert_eq!(
        verdict.releases_key(),
        verdict.token_kind() == "delivery_affidavit",
        "key released <=> delivery affidavit, exchange {}",
        x
    );
    if verdict.releases_key() {
        prop_assert!(
            spec.item && spec.escrow == Escrow::Sound,
            "a key released for {spec:?}"
        );
    }
    let Some((v0, token0)) = first else {
        return Ok(());
    };
    if lemmas.exclusivity {
        prop_assert_eq!(
            v0.is_abort(),
            verdict.is_abort(),
            "exclusivity broken: exchange {} was {} and then {}",
            x,
            v0.name(),
            verdict.name()
        );
    }
    if lemmas.finality {
        prop_assert!(
            (v0, token0) == (verdict, token),
            "the first decision is not final: exchange {x} was {} and then {}",
            v0.name(),
            verdict.name()
        );
    }
    Ok(())
}

/// The answer as the plain model spells it.
fn spelled(answer: &Answer, first: Option<&(Verdict, Vec<u8>)>) -> Expect {
    match (answer, first) {
        (Err(r), _) => Expect::Refused(r.code()),
        (Ok((v, token)), Some(_)) => Expect::Stored(v.name(), token.clone()),
        (Ok((v, _)), None) => Expect::New(v.name()),
    }
}

/// Runs one case; returns the outcomes and refusals it reached.
fn run_case(
    m: &mut dyn Machine,
    specs: &[Spec],
    ops: &[Op],
    lemmas: Lemmas,
) -> Result<BTreeSet<String>, TestCaseError> {
    let w = World::new(specs);
    let mut plain = Plain::default();
    let mut first: HashMap<usize, (Verdict, Vec<u8>)> = HashMap::new();
    let mut reached = BTreeSet::new();
    let mut now_s = 0i64;
    for op in ops {
        now_s += op.wait_s;
        let x = op.x;
        let ctx = Context {
            notary_key_id: w.notary.as_str(),
            now: t0() + Duration::seconds(now_s),
            default_deadline_s: DEFAULT_DEADLINE_S,
        };
        let expected = plain.expect(&w.specs[x], x, op.kind, now_s);
        let answer = match op.kind {
            Kind::Open => {
                m.open(&w.offers[x], &ctx);
                plain.first_seen_s.entry(x).or_insert(now_s);
                continue;
            }
            Kind::Abort(fault) => ask_abort(m, &w, x, fault, ctx),
            Kind::Resolve(fault, nb) => ask_resolve(m, &w, x, (fault, nb), ctx),
        };
        check_lemmas(lemmas, &w.specs[x], x, first.get(&x), &answer)?;
        let got = spelled(&answer, first.get(&x));
        if lemmas.plain_model {
            prop_assert_eq!(&got, &expected, "exchange {} at +{}s: {:?}", x, now_s, op);
        }
        reached.insert(match &got {
            Expect::Refused(code) => format!("refused {code}"),
            Expect::Stored(..) => "stored".into(),
            Expect::New(name) => (*name).into(),
        });
        if let (Ok(decided), Expect::New(name)) = (answer, got) {
            plain.decided.insert(x, (name, decided.1.clone()));
            first.insert(x, decided);
        }
    }
    Ok(reached)
}

/// Runs `cases` fixed-seed cases of `machine`; returns everything reached, or the failure.
fn simulate<M: Machine + Default>(cases: u32, lemmas: Lemmas) -> Result<BTreeSet<String>, String> {
    let config = Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner =
        TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha));
    let reached = RefCell::new(BTreeSet::new());
    let result = runner.run(&runs(), |(specs, ops)| {
        let got = run_case(&mut M::default(), &specs, &ops, lemmas)?;
        reached.borrow_mut().extend(got);
        Ok(())
    });
    match result {
        Ok(()) => Ok(reached.into_inner()),
        Err(TestError::Fail(reason, _)) => Err(reason.message().to_string()),
        Err(TestError::Abort(reason)) => Err(format!("aborted: {}", reason.message())),
    }
}

/// Cases of the property: `PROPTEST_CASES` when set (as proptest's default config reads it), else
/// 1,000 (what CI runs: the book is pure, a case costs well under a millisecond).
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(1_000)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    /// The book against the plain model, all lemmas, fresh seeds every run.
    #[test]
    fn the_book_keeps_the_lemmas((specs, ops) in runs()) {
        run_case(&mut Real::default(), &specs, &ops, ALL_LEMMAS)?;
    }
}

#[test]
fn every_outcome_and_every_refusal_is_reached() {
    let reached = simulate::<Real>(256, ALL_LEMMAS).expect("the book keeps the lemmas");
    let mut wanted: BTreeSet<String> = [
        "aborted",
        "expired",
        "resolved",
        "delivered",
        "escrow_failed",
        "stored",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    wanted.extend(
        ExchangeRefusal::ALL
            .iter()
            .map(|r| format!("refused {}", r.code())),
    );
    let missing: Vec<_> = wanted.difference(&reached).collect();
    assert!(missing.is_empty(), "never reached: {missing:?}");
}

#[test]
fn two_books_that_do_not_share_state_break_exclusivity_and_are_rejected() {
    let only = Lemmas {
        exclusivity: true,
        finality: false,
        plain_model: false,
    };
    let failure = simulate::<SplitBrain>(256, only).expect_err("the split brain is caught");
    assert!(failure.contains("exclusivity broken"), "{failure}");
}

#[test]
fn a_book_that_forgets_breaks_finality_and_is_rejected() {
    let only = Lemmas {
        exclusivity: false,
        finality: true,
        plain_model: false,
    };
    let failure = simulate::<Amnesiac>(256, only).expect_err("the amnesiac is caught");
    assert!(
        failure.contains("the first decision is not final"),
        "{failure}"
    );
}

#[test]
fn the_tid_is_the_hash_of_what_the_originator_signed() {
    let key = SigningKey::from_bytes(&[7; 32]);
    let w = World::new(&[Spec {
        item: true,
        deadline_s: Some(60),
        escrow: Escrow::Sound,
    }]);
    let offer = &w.offers[0];
    let payload = serde_json::to_value(offer.payload()).expect("json");
    let m1 = Envelope::sign(ContractOffer::KIND, payload, &key).expect("signed");
    m1.verify_by(&key.verifying_key()).expect("verifies");
    let signed = signing_input(&m1.kind, &m1.payload).expect("canonical");
    assert_eq!(Sha256Hex::of(&signed).as_str(), offer.tid().as_str());
    assert_eq!(Offer::from_payload(&m1.payload).as_ref(), Ok(offer));
    assert_eq!(
        signing_bytes(&m1.kind, offer.payload()).expect("canonical"),
        signed
    );
    let abort = AbortRequest {
        tid: offer.tid().clone(),
    };
    let value = serde_json::to_value(&abort).expect("json");
    assert_eq!(
        signing_bytes(AbortRequest::KIND, &abort).expect("canonical"),
        signing_input(AbortRequest::KIND, &value).expect("canonical")
    );
}
