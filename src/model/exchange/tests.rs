//! The notary state machine rows T1–T11 of the scenarios, as pure decisions, and the wire rules.

use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::*;
use crate::model::registry::KeyStanding;

const DEFAULT_DEADLINE_S: i64 = 48 * 3_600;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 10, 12, 0, 0)
        .single()
        .expect("a valid date")
}

fn digest(tag: &str) -> Sha256Hex {
    Sha256Hex::of(tag.as_bytes())
}

fn notary() -> Sha256Hex {
    digest("notary public key")
}

fn ctx(now: DateTime<Utc>, notary: &Sha256Hex) -> Context<'_> {
    Context {
        notary_key_id: notary.as_str(),
        now,
        default_deadline_s: DEFAULT_DEADLINE_S,
    }
}

fn good(party: &str) -> SignatureCheck {
    SignatureCheck::Valid {
        party_id: party.into(),
        standing: KeyStanding::Good,
    }
}

fn offer_payload(subject: Subject, deadline: Option<DateTime<Utc>>) -> ContractOffer {
    ContractOffer {
        subject,
        originator: "olga".into(),
        responder: "rita".into(),
        notary_key_id: notary(),
        na_digest: digest("na"),
        deadline: deadline.and_then(WireTime::new),
    }
}

fn contract(deadline: Option<DateTime<Utc>>) -> Offer {
    let subject = Subject::Contract {
        contract_digest: digest("contract"),
    };
    Offer::new(offer_payload(subject, deadline)).expect("a valid offer")
}

fn item() -> Offer {
    let subject = Subject::Item {
        ciphertext_digest: digest("ciphertext"),
        item_digest: digest("item"),
        amount: None,
        order_digest: None,
    };
    Offer::new(offer_payload(subject, None)).expect("a valid offer")
}

fn m2(offer: &Offer, nb: &str) -> ContractAcceptance {
    ContractAcceptance {
        tid: offer.tid().clone(),
        nb_digest: digest(nb),
    }
}

/// The sender's escrow statement and the recipient's receipt, both consistent with `offer`.
fn item_parts(offer: &Offer) -> (ItemEscrow, Receipt) {
    let b = offer.escrow_binding().expect("an item offer");
    let escrow = ItemEscrow {
        tid: b.tid.clone(),
        ciphertext_digest: b.ciphertext_digest.clone(),
        recipient: b.recipient,
        escrow_digest: digest("escrow"),
    };
    let receipt = Receipt {
        tid: b.tid,
        ciphertext_digest: b.ciphertext_digest,
        escrow_digest: digest("escrow"),
    };
    (escrow, receipt)
}

/// Signs (stands in for the notary) and records a new decision; answers a stored one.
fn settle(book: &mut Exchanges, d: Decision) -> Decided {
    match d {
        Decision::Stored(d) => d,
        Decision::New(p) => {
            let token = format!("{}#{}", p.verdict().token_kind(), book.len());
            book.record(p, Token::new(token.into_bytes()))
        }
    }
}

fn abort_facts<'a>(
    offer: &'a Offer,
    req: &'a AbortRequest,
    by: SignatureCheck,
    ctx: Context<'a>,
) -> AbortFacts<'a> {
    AbortFacts {
        ctx,
        m1: Signed {
            payload: offer,
            signature: good("olga"),
        },
        abort: Signed {
            payload: req,
            signature: by,
        },
    }
}

fn contract_facts<'a>(
    offer: &'a Offer,
    m2: &'a ContractAcceptance,
    ctx: Context<'a>,
) -> ResolveFacts<'a> {
    ResolveFacts {
        ctx,
        m1: Signed {
            payload: offer,
            signature: good("olga"),
        },
        evidence: Evidence::Contract {
            m2: Signed {
                payload: m2,
                signature: good("rita"),
            },
        },
    }
}

fn abort(
    book: &mut Exchanges,
    offer: &Offer,
    by: &str,
    now: DateTime<Utc>,
) -> Result<Decided, ExchangeRefusal> {
    let n = notary();
    let req = AbortRequest {
        tid: offer.tid().clone(),
    };
    let d = book.decide_abort(&abort_facts(offer, &req, good(by), ctx(now, &n)))?;
    Ok(settle(book, d))
}

fn resolve(
    book: &mut Exchanges,
    offer: &Offer,
    nb: &str,
    now: DateTime<Utc>,
) -> Result<Decided, ExchangeRefusal> {
    let n = notary();
    let m2 = m2(offer, nb);
    let d = book.decide_resolve(&contract_facts(offer, &m2, ctx(now, &n)))?;
    Ok(settle(book, d))
}

fn resolve_item(
    book: &mut Exchanges,
    offer: &Offer,
    opening: EscrowOpening,
) -> Result<Decided, ExchangeRefusal> {
    let n = notary();
    let (escrow, receipt) = item_parts(offer);
    let f = ResolveFacts {
        ctx: ctx(t0(), &n),
        m1: Signed {
            payload: offer,
            signature: good("olga"),
        },
        evidence: Evidence::Item {
            item_escrow: Signed {
                payload: &escrow,
                signature: good("olga"),
            },
            receipt: Signed {
                payload: &receipt,
                signature: good("rita"),
            },
            escrow_digest: &escrow.escrow_digest,
            opening,
        },
    };
    let d = book.decide_resolve(&f)?;
    Ok(settle(book, d))
}

#[test]
fn t1_abort_on_an_undecided_exchange_aborts_it() {
    let mut book = Exchanges::new();
    let offer = contract(None);
    let d = abort(&mut book, &offer, "olga", t0()).expect("aborted");
    assert_eq!(d.verdict(), Verdict::Aborted(AbortCause::Requested));
    assert_eq!(d.token().as_bytes(), b"exchange_abort_token#0");
    assert_eq!(book.get(offer.tid()), Some(&ExchangeState::Decided(d)));
}

#[test]
fn t2_resolve_on_an_undecided_exchange_gives_a_replacement_contract() {
    let mut book = Exchanges::new();
    let offer = contract(None);
    let d = resolve(&mut book, &offer, "nb", t0()).expect("resolved");
    assert_eq!(d.verdict(), Verdict::Resolved(Resolution::Replaced));
    assert_eq!(d.token().as_bytes(), b"replacement_contract#0");
    assert!(matches!(
        book.get(offer.tid()),
        Some(ExchangeState::Decided(_))
    ));
}

#[test]
fn t3_resolve_after_abort_gets_the_stored_abort_token() {
    let mut book = Exchanges::new();
    let offer = contract(None);
    let aborted = abort(&mut book, &offer, "olga", t0()).expect("aborted");
    let later = resolve(&mut book, &offer, "nb", t0() + Duration::seconds(5)).expect("answered");
    assert_eq!(later, aborted);
    assert_eq!(
        book.get(offer.tid()),
        Some(&ExchangeState::Decided(aborted))
    );
}

#[test]
fn t4_abort_after_resolve_gets_the_stored_replacement() {
    let mut book = Exchanges::new();
    let offer = contract(None);
    let resolved = resolve(&mut book, &offer, "nb", t0()).expect("resolved");
    assert_eq!(abort(&mut book, &offer, "olga", t0()), Ok(resolved));
}

#[test]
fn t5_the_first_m2_wins() {
    let mut book = Exchanges::new();
    let offer = contract(None);
    let first = resolve(&mut book, &offer, "nb", t0()).expect("resolved");
    let second = resolve(&mut book, &offer, "another nb", t0()).expect("answered");
    assert_eq!(second.token().as_bytes(), first.token().as_bytes());
}

#[test]
fn t6_the_same_abort_twice_gets_identical_bytes() {
    let mut book = Exchanges::new();
    let offer = contract(None);
    let first = abort(&mut book, &offer, "olga", t0()).expect("aborted");
    let second = abort(&mut book, &offer, "olga", t0()).expect("answered");
    assert_eq!(first.token().as_bytes(), second.token().as_bytes());
    assert_eq!(book.len(), 1);
}

#[test]
fn t7_an_abort_by_the_responder_is_refused_and_changes_nothing() {
    let mut book = Exchanges::new();
    let offer = contract(None);
    assert_eq!(
        abort(&mut book, &offer, "rita", t0()),
        Err(ExchangeRefusal::NotOriginator)
    );
    assert!(book.is_empty());
    let resolved = resolve(&mut book, &offer, "nb", t0()).expect("still undecided");
    assert_eq!(
        abort(&mut book, &offer, "rita", t0()),
        Err(ExchangeRefusal::NotOriginator)
    );
    assert_eq!(
        book.get(offer.tid()),
        Some(&ExchangeState::Decided(resolved))
    );
}

#[test]
fn t8_an_offer_naming_another_notary_is_refused() {
    let mut book = Exchanges::new();
    let mut p = contract(None).payload().clone();
    p.notary_key_id = digest("another notary");
    let offer = Offer::new(p).expect("a valid offer");
    assert_eq!(
        abort(&mut book, &offer, "olga", t0()),
        Err(ExchangeRefusal::WrongNotary)
    );
    assert_eq!(
        resolve(&mut book, &offer, "nb", t0()),
        Err(ExchangeRefusal::WrongNotary)
    );
    assert!(book.is_empty());
}

#[test]
fn t9_an_m2_that_does_not_bind_the_tid_is_refused() {
    let book = Exchanges::new();
    let n = notary();
    let offer = contract(None);
    let other = contract(Some(t0()));
    let stray = m2(&other, "nb");
    let f = contract_facts(&offer, &stray, ctx(t0(), &n));
    assert_eq!(book.decide_resolve(&f), Err(ExchangeRefusal::BadM2));
}

#[test]
fn t10_a_resolve_past_the_deadline_aborts_as_expired() {
    let deadline = t0() + Duration::hours(1);
    let mut book = Exchanges::new();
    let at_deadline = resolve(&mut book, &contract(Some(deadline)), "nb", deadline).expect("ok");
    assert_eq!(
        at_deadline.verdict(),
        Verdict::Resolved(Resolution::Replaced)
    );

    let offer = contract(Some(deadline - Duration::milliseconds(1)));
    let late = resolve(&mut book, &offer, "nb", deadline).expect("answered");
    assert_eq!(late.verdict(), Verdict::Aborted(AbortCause::Expired));
    assert_eq!(late.token().as_bytes(), b"exchange_abort_token#1");
    let again = resolve(&mut book, &offer, "nb", deadline).expect("answered");
    assert_eq!(again, late);
}

#[test]
fn without_a_deadline_in_m1_the_policy_default_counts_from_first_sight() {
    let n = notary();
    let offer = contract(None);
    let mut book = Exchanges::new();
    let first_seen = book.open(&offer, &ctx(t0(), &n)).clone();
    let ExchangeState::Undecided(u) = &first_seen else {
        panic!("a new exchange is undecided");
    };
    assert_eq!(u.deadline(), t0() + Duration::seconds(DEFAULT_DEADLINE_S));
    let later = t0() + Duration::hours(1);
    assert_eq!(book.open(&offer, &ctx(later, &n)), &first_seen);
    let late = u.deadline() + Duration::milliseconds(1);
    let d = resolve(&mut book, &offer, "nb", late).expect("answered");
    assert_eq!(d.verdict(), Verdict::Aborted(AbortCause::Expired));
}

#[test]
fn t11_an_escrow_that_does_not_decrypt_gives_an_escrow_failure_affidavit() {
    let mut book = Exchanges::new();
    let offer = item();
    let fault = EscrowFault::DoesNotOpen;
    let d = resolve_item(&mut book, &offer, EscrowOpening::Failed(fault)).expect("answered");
    assert_eq!(
        d.verdict(),
        Verdict::Resolved(Resolution::EscrowFailed(fault))
    );
    assert_eq!(d.token().as_bytes(), b"escrow_failure_affidavit#0");
    assert!(!d.verdict().releases_key());
    let again = resolve_item(&mut book, &offer, EscrowOpening::Opened).expect("answered");
    assert_eq!(
        again, d,
        "the first decision stands, whatever a later opening gives"
    );
}

#[test]
fn an_escrow_that_opens_delivers_the_key_with_an_affidavit() {
    let mut book = Exchanges::new();
    let offer = item();
    let d = resolve_item(&mut book, &offer, EscrowOpening::Opened).expect("delivered");
    assert_eq!(d.verdict(), Verdict::Resolved(Resolution::Delivered));
    assert!(d.verdict().releases_key());
    assert_eq!(d.token().as_bytes(), b"delivery_affidavit#0");
    assert_eq!(abort(&mut book, &offer, "olga", t0()), Ok(d));
}

#[test]
fn the_key_is_released_exactly_with_a_delivery_affidavit() {
    for v in Verdict::ALL {
        assert_eq!(
            v.releases_key(),
            v.token_kind() == "delivery_affidavit",
            "{v:?}"
        );
        assert_eq!(
            v.is_abort(),
            v.token_kind() == "exchange_abort_token",
            "{v:?}"
        );
    }
}

#[test]
fn signature_checks_name_what_failed() {
    let book = Exchanges::new();
    let n = notary();
    let offer = contract(None);
    let req = AbortRequest {
        tid: offer.tid().clone(),
    };
    let revoked = SignatureCheck::Valid {
        party_id: "olga".into(),
        standing: KeyStanding::Revoked,
    };
    let cases = [
        (SignatureCheck::UnknownKey, ExchangeRefusal::UnknownKey),
        (SignatureCheck::BadSignature, ExchangeRefusal::BadSignature),
        (revoked, ExchangeRefusal::KeyRevoked),
        (good("mallory"), ExchangeRefusal::NotOriginator),
    ];
    for (check, refusal) in cases {
        let f = abort_facts(&offer, &req, check.clone(), ctx(t0(), &n));
        assert_eq!(
            book.decide_abort(&f),
            Err(refusal),
            "abort signed {check:?}"
        );
        let mut f = abort_facts(&offer, &req, good("olga"), ctx(t0(), &n));
        f.m1.signature = check.clone();
        let m1_refusal = match refusal {
            ExchangeRefusal::NotOriginator => ExchangeRefusal::BadSignature,
            r => r,
        };
        assert_eq!(
            book.decide_abort(&f),
            Err(m1_refusal),
            "m1 signed {check:?}"
        );
    }
    let m2 = m2(&offer, "nb");
    let mut f = contract_facts(&offer, &m2, ctx(t0(), &n));
    f.evidence = Evidence::Contract {
        m2: Signed {
            payload: &m2,
            signature: good("olga"),
        },
    };
    assert_eq!(book.decide_resolve(&f), Err(ExchangeRefusal::BadSignature));
}

#[test]
fn parts_that_do_not_belong_together_are_malformed() {
    let book = Exchanges::new();
    let n = notary();
    let offer = contract(None);
    let other = AbortRequest {
        tid: item().tid().clone(),
    };
    let f = abort_facts(&offer, &other, good("rita"), ctx(t0(), &n));
    assert_eq!(
        book.decide_abort(&f),
        Err(ExchangeRefusal::MalformedExchange)
    );

    let item_offer = item();
    let m2 = m2(&item_offer, "nb");
    let f = contract_facts(&item_offer, &m2, ctx(t0(), &n));
    assert_eq!(
        book.decide_resolve(&f),
        Err(ExchangeRefusal::MalformedExchange)
    );
}

#[test]
fn an_item_resolve_checks_the_escrow_statement_and_the_receipt() {
    let book = Exchanges::new();
    let n = notary();
    let offer = item();
    let (escrow, receipt) = item_parts(&offer);
    let decide = |escrow: &ItemEscrow, receipt: &Receipt, presented: &Sha256Hex, by: &str| {
        let f = ResolveFacts {
            ctx: ctx(t0(), &n),
            m1: Signed {
                payload: &offer,
                signature: good("olga"),
            },
            evidence: Evidence::Item {
                item_escrow: Signed {
                    payload: escrow,
                    signature: good(by),
                },
                receipt: Signed {
                    payload: receipt,
                    signature: good("rita"),
                },
                escrow_digest: presented,
                opening: EscrowOpening::Opened,
            },
        };
        book.decide_resolve(&f)
            .map(|d| matches!(d, Decision::New(_)))
    };
    let presented = escrow.escrow_digest.clone();
    assert_eq!(decide(&escrow, &receipt, &presented, "olga"), Ok(true));
    let swapped = digest("another escrow");
    assert_eq!(
        decide(&escrow, &receipt, &swapped, "olga"),
        Err(ExchangeRefusal::MalformedExchange)
    );
    let mut elsewhere = escrow.clone();
    elsewhere.recipient = "mallory".into();
    assert_eq!(
        decide(&elsewhere, &receipt, &presented, "olga"),
        Err(ExchangeRefusal::MalformedExchange)
    );
    assert_eq!(
        decide(&escrow, &receipt, &presented, "rita"),
        Err(ExchangeRefusal::BadSignature)
    );
    let mut stray = receipt.clone();
    stray.escrow_digest = swapped;
    assert_eq!(
        decide(&escrow, &stray, &presented, "olga"),
        Err(ExchangeRefusal::BadM2)
    );
}

#[test]
#[should_panic(expected = "is aborted already; a second decision (resolved) was recorded")]
fn a_second_decision_on_one_exchange_is_caught_on_write() {
    let mut book = Exchanges::new();
    let n = notary();
    let offer = contract(None);
    let m2 = m2(&offer, "nb");
    // Two decisions made on the same undecided state, as a notary forgetting to record the
    // first before deciding the second would make.
    let Ok(Decision::New(resolved)) =
        book.decide_resolve(&contract_facts(&offer, &m2, ctx(t0(), &n)))
    else {
        panic!("undecided");
    };
    abort(&mut book, &offer, "olga", t0()).expect("aborted");
    book.record(resolved, Token::new(b"replacement".to_vec()));
}

#[test]
fn a_tid_stored_twice_is_caught_on_read() {
    let offer = contract(None);
    let mut book = Exchanges::new();
    let tid = offer.tid().clone();
    let undecided = ExchangeState::Undecided(Undecided::new(tid.clone(), t0()));
    book.restore(undecided).expect("first");
    let token = Token::new(b"t".to_vec());
    let verdict = Verdict::Aborted(AbortCause::Requested);
    assert_eq!(
        book.restore_decided(tid, verdict, token),
        Err(ExchangeBookError::Duplicate(offer.tid().as_str().into()))
    );
}

#[test]
fn refusals_serialise_as_their_codes() {
    for r in ExchangeRefusal::ALL {
        assert_eq!(serde_json::to_value(r).expect("json"), r.code());
        assert_eq!(ExchangeRefusal::from_code(r.code()), Some(r));
    }
    assert_eq!(
        ExchangeRefusal::from_code("bad_m2"),
        Some(ExchangeRefusal::BadM2)
    );
}

#[test]
fn the_tid_is_the_sha256_of_m1s_signing_bytes() {
    let offer = contract(Some(t0()));
    let p = offer.payload();
    let expected = format!(
        "notar/v1/exchange_offer\n{{\"contract_digest\":\"{}\",\"deadline\":\"2026-03-10T12:00:00.000Z\",\
         \"na_digest\":\"{}\",\"notary_key_id\":\"{}\",\"originator\":\"olga\",\"protocol\":\"contract\",\
         \"responder\":\"rita\"}}",
        digest("contract").as_str(),
        p.na_digest.as_str(),
        p.notary_key_id.as_str()
    );
    assert_eq!(
        signing_bytes(ContractOffer::KIND, p).expect("canonical"),
        expected.as_bytes()
    );
    assert_eq!(
        offer.tid().as_str(),
        hex::encode(Sha256::digest(expected.as_bytes()))
    );
}

#[test]
fn a_received_offer_parses_to_the_same_tid() {
    let offer = item();
    let value = serde_json::to_value(offer.payload()).expect("json");
    assert_eq!(value["protocol"], "item");
    assert_eq!(Offer::from_payload(&value), Ok(offer));
    // The tid of a received offer is taken from the received JSON; the same as from the offer.
    let late = t0() + Duration::milliseconds(1_250);
    for offer in [item(), contract(None), contract(Some(late))] {
        let value = serde_json::to_value(offer.payload()).expect("json");
        let received = Offer::received(offer.payload().clone(), &value).expect("received");
        assert_eq!(received.tid(), offer.tid());
        assert_eq!(received, offer);
    }
}

/// m1 with one field changed.
fn m1_with(field: &str, v: Value) -> Value {
    let mut m1 = serde_json::to_value(contract(None).payload()).expect("json");
    m1[field] = v;
    m1
}

#[test]
fn offers_not_in_their_canonical_shape_are_malformed() {
    let long = "x".repeat(PARTY_ID_LEN_MAX + 1);
    let bad = [
        m1_with("deadline", Value::Null),
        m1_with("deadline", json!("2026-03-10T12:00:00Z")),
        m1_with("deadline", json!("2026-03-10T13:00:00.000+01:00")),
        m1_with("na_digest", json!(digest("na").as_str().to_uppercase())),
        m1_with("na_digest", json!("abc")),
        m1_with("extra", json!(1)),
        m1_with("responder", json!("olga")),
        m1_with("responder", json!(long)),
        m1_with("responder", json!("rita smith")),
        m1_with("protocol", json!("item")),
        m1_with("protocol", json!("barter")),
    ];
    for m1 in bad {
        assert_eq!(
            Offer::from_payload(&m1),
            Err(ExchangeRefusal::MalformedExchange),
            "{m1}"
        );
    }
    let ok = m1_with("deadline", json!("2026-03-10T12:00:00.250Z"));
    let offer = Offer::from_payload(&ok).expect("canonical");
    assert_eq!(
        offer.payload().deadline.map(WireTime::at),
        Some(t0() + Duration::milliseconds(250))
    );
}

#[test]
fn the_small_payloads_parse_only_in_canonical_shape() {
    let offer = contract(None);
    let m2 = serde_json::to_value(m2(&offer, "nb")).expect("json");
    assert_eq!(
        ContractAcceptance::from_payload(&m2).map(|a| a.tid),
        Ok(offer.tid().clone())
    );
    let abort = json!({"tid": offer.tid().as_str(), "reason": "changed my mind"});
    assert_eq!(
        AbortRequest::from_payload(&abort),
        Err(ExchangeRefusal::MalformedExchange)
    );
    let (escrow, receipt) = item_parts(&item());
    let v = serde_json::to_value(&escrow).expect("json");
    assert_eq!(ItemEscrow::from_payload(&v), Ok(escrow));
    let v = serde_json::to_value(&receipt).expect("json");
    assert_eq!(Receipt::from_payload(&v), Ok(receipt));
    assert_eq!(
        Receipt::from_payload(&json!([])),
        Err(ExchangeRefusal::MalformedExchange)
    );
}

#[test]
fn the_escrow_binding_names_exchange_ciphertext_and_recipient() {
    let offer = item();
    let b = offer.escrow_binding().expect("item");
    let expected = format!(
        "notar/v1/exchange_escrow\n{{\"ciphertext_digest\":\"{}\",\"recipient\":\"rita\",\"tid\":\"{}\"}}",
        digest("ciphertext").as_str(),
        offer.tid().as_str()
    );
    assert_eq!(b.to_bytes().expect("canonical"), expected.as_bytes());
    assert_eq!(contract(None).escrow_binding(), None);
}

#[test]
fn request_bodies_name_their_protocol() {
    let body: ResolveBody<Value> = ResolveBody::Contract {
        m1: json!({"kind": "exchange_offer"}),
        m2: json!({"kind": "exchange_acceptance"}),
    };
    let v = serde_json::to_value(&body).expect("json");
    assert_eq!(v["protocol"], "contract");
    let back: ResolveBody<Value> = serde_json::from_value(v).expect("parse");
    assert_eq!(back, body);
    let item = json!({"protocol": "item", "m1": {}, "item_escrow": {}, "receipt": {}});
    assert!(
        serde_json::from_value::<ResolveBody<Value>>(item).is_err(),
        "the escrow is missing"
    );
}

#[test]
fn the_tid_of_the_example_in_docs_formats() {
    let m1 = json!({
        "contract_digest": "cc8321d6375c494d043fdd0260f21bc0ec51dacc9f6abb7f909cdcd3041b78bf",
        "deadline": "2026-03-12T12:00:00.000Z",
        "na_digest": "3d9fc4bde7ceef058d65b00186e79c1f14b42687b491644c303065135b644e18",
        "notary_key_id": "03521d340e5385a227f22c186778ee8574beeeead8e88c82b84c5530ff6c6232",
        "originator": "01a21398-db51-72af-b108-bea45c67ddbb",
        "protocol": "contract",
        "responder": "01a21398-db5a-7593-a90f-edc13f54e61a"
    });
    let offer = Offer::from_payload(&m1).expect("canonical");
    assert_eq!(
        offer.tid().as_str(),
        "f5f19584a638640659dffd7829862d14c575e8eb81edc1c6f4088728e0a3787b"
    );
}

#[test]
fn a_ruling_aborts_or_resolves_an_undecided_exchange_and_never_decides_twice() {
    let n = notary();
    let deadline = t0() + Duration::hours(1);
    let mut book = Exchanges::new();
    let offer = contract(Some(deadline));
    let c = ctx(t0(), &n);
    let d = book.decide_ruled(&offer, &c, Ruled::Abort);
    let aborted = settle(&mut book, d);
    assert_eq!(aborted.verdict(), Verdict::Aborted(AbortCause::Ruled));
    assert_eq!(aborted.verdict().outcome(), Outcome::Aborted);
    // Decided: a ruling's resolve gets the stored decision back, as any request does.
    let again = book.decide_ruled(&offer, &c, Ruled::Resolve);
    assert_eq!(again, Decision::Stored(aborted.clone()));
    assert_eq!(resolve(&mut book, &offer, "nb", t0()), Ok(aborted));

    let other = contract(Some(deadline - Duration::milliseconds(1)));
    let d = book.decide_ruled(&other, &c, Ruled::Resolve);
    let resolved = settle(&mut book, d);
    assert_eq!(resolved.verdict(), Verdict::Resolved(Resolution::Replaced));
    let late = contract(None);
    let past = ctx(t0() + Duration::hours(DEFAULT_DEADLINE_S / 3_600 + 1), &n);
    book.open(&late, &c);
    let d = book.decide_ruled(&late, &past, Ruled::Resolve);
    let expired = settle(&mut book, d);
    assert_eq!(expired.verdict(), Verdict::Aborted(AbortCause::Expired));
}

/// The list's order kept by the book: the undecided by deadline, then the latest decisions by
/// token (the notary's tokens sort in the order it decided), whatever order the book was
/// restored in; a decided exchange leaves the undecided; past RECENT_DECISIONS the oldest
/// decisions drop out of the list (not out of the book).
#[test]
fn the_list_holds_the_undecided_by_deadline_then_the_latest_decisions() {
    let tid = |n: u64| Tid::from(Sha256Hex::try_from(format!("{n:064x}")).expect("hex"));
    let token = |i: u64| Token::new(i.to_be_bytes().to_vec());
    let mut book = Exchanges::new();
    let n = RECENT_DECISIONS as u64 + 10;
    // As a store returns them, by tid: the lower the tid, the later its decision here.
    for k in 0..n {
        let aborted = Verdict::Aborted(AbortCause::Requested);
        book.restore_decided(tid(k), aborted, token(2 * (n - k)))
            .expect("restored");
    }
    let (late, soon) = (tid(n + 1), tid(n + 2));
    for (t, at) in [
        (&late, t0() + Duration::hours(2)),
        (&soon, t0() + Duration::hours(1)),
    ] {
        let undecided = ExchangeState::Undecided(Undecided::new(t.clone(), at));
        book.restore(undecided).expect("restored");
    }
    let first: Vec<&Tid> = book.listing(3).collect();
    assert_eq!(first, [&soon, &late, &tid(0)]);
    let pending = Pending {
        tid: soon.clone(),
        verdict: Verdict::Aborted(AbortCause::Requested),
    };
    book.record(pending, token(10 * n));
    let first: Vec<&Tid> = book.listing(3).collect();
    assert_eq!(
        first,
        [&late, &soon, &tid(0)],
        "decided: the latest decision"
    );
    let all: Vec<&Tid> = book.listing(usize::MAX).collect();
    assert_eq!(all.len(), 1 + RECENT_DECISIONS);
    assert_eq!(all.last(), Some(&&tid(RECENT_DECISIONS as u64 - 2)));
    assert_eq!(
        book.len() as u64,
        n + 2,
        "the book itself keeps every exchange"
    );
}

#[test]
fn a_wire_time_is_one_spelling_of_a_real_instant() {
    let parse = |s: &str| WireTime::try_from(s.to_string());
    assert!(parse("2026-12-02T10:00:59.999Z").is_ok());
    // A leap second at any minute, other offsets, other precisions: refused.
    for bad in [
        "2026-12-02T10:00:60.999Z",
        "2016-12-31T23:59:60.000Z",
        "2026-12-02T11:00:00.000+01:00",
        "2026-12-02T10:00:00Z",
        "2026-02-30T10:00:00.000Z",
    ] {
        assert!(parse(bad).is_err(), "{bad} was accepted");
    }
}
