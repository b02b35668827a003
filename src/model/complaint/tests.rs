use base64::Engine;
use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use proptest::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::*;
use crate::model::canonical::{signing_bytes, to_canonical_json};
use crate::model::error_code::ErrorCode;
use crate::model::exchange::{ContractOffer, Offer, Sha256Hex, Subject};

/// An envelope as the model sees one (crypto's type is not reachable from here).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Env {
    kind: String,
    payload: Value,
    signatures: Vec<Value>,
}

impl EvidenceEnvelope for Env {
    fn kind(&self) -> &str {
        &self.kind
    }
    fn payload(&self) -> &Value {
        &self.payload
    }
}

/// A change to a payload, for tables of cases.
type Change = Box<dyn Fn(&mut Value)>;

const CLAIMANT: &str = "01a21398-db51-72af-b108-bea45c67ddbb";
const RESPONDENT: &str = "01a21398-db5a-7593-a90f-edc13f54e61a";

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 10, 0, 0)
        .single()
        .expect("t0")
}

fn hex_of(tag: &str) -> String {
    Sha256Hex::of(tag.as_bytes()).as_str().to_string()
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn offer(originator: &str, responder: &str) -> Offer {
    Offer::new(ContractOffer {
        subject: Subject::Contract {
            contract_digest: Sha256Hex::of(b"contract"),
        },
        originator: originator.into(),
        responder: responder.into(),
        notary_key_id: Sha256Hex::of(b"notary"),
        na_digest: Sha256Hex::of(b"na"),
        deadline: None,
    })
    .expect("offer")
}

fn m1(o: &Offer) -> Value {
    json!({"type": "envelope", "envelope": {
        "kind": "exchange_offer",
        "payload": serde_json::to_value(o.payload()).expect("m1"),
        "signatures": [],
    }})
}

/// A complaint about the exchange of `offer(CLAIMANT, RESPONDENT)`, with one item of each type.
fn complaint() -> Value {
    let o = offer(CLAIMANT, RESPONDENT);
    json!({
        "kind": "non_delivery",
        "claimant": CLAIMANT,
        "respondent": RESPONDENT,
        "tid": o.tid().as_str(),
        "amount": {"minor": 12000, "currency": "EUR"},
        "statement": "Paid, nothing arrived.",
        "evidence": [
            m1(&o),
            {"type": "rfc3161_token", "token": b64(&[0x30, 0x03, 0x02, 0x01, 0x00])},
            {"type": "document", "sha256": hex_of("invoice"), "name": "invoice.pdf",
             "media_type": "application/pdf"},
            {"type": "document", "sha256": hex_of("note"), "name": "note.txt",
             "media_type": "text/plain", "content": b64(b"note")},
        ],
        "notary_key_id": hex_of("notary"),
        "created_at": "2026-03-01T09:59:00.000Z",
    })
}

fn parse(v: &Value) -> Result<Complaint<Env>, ComplaintError> {
    Complaint::parse("complaint", v)
}

fn code(v: &Value) -> ErrorCode {
    parse(v).expect_err("refused").code()
}

/// The code that refuses `complaint()` after `change`.
fn code_after(change: &Change) -> ErrorCode {
    let mut v = complaint();
    change(&mut v);
    code(&v)
}

#[test]
fn a_complaint_parses_with_its_digest_and_evidence_ids() {
    let v = complaint();
    let c = parse(&v).expect("valid");
    let o = offer(CLAIMANT, RESPONDENT);
    assert_eq!(c.subject(), &ComplaintSubject::Exchange(o.tid().clone()));
    let signed = signing_bytes("complaint", &v).expect("bytes");
    assert_eq!(c.digest(), &Sha256Hex::of(&signed));
    let env = to_canonical_json(&v["evidence"][0]["envelope"]).expect("env");
    assert_eq!(
        c.evidence_ids(),
        [
            Sha256Hex::of(&env),
            Sha256Hex::of(&[0x30, 0x03, 0x02, 0x01, 0x00]),
            Sha256Hex::of(b"invoice"),
            Sha256Hex::of(b"note"),
        ]
    );
    assert_eq!(c.payload().evidence[2].label(), "document");
    assert_eq!(c.payload().evidence[0].label(), "exchange_offer");
    assert_eq!(c.payload().evidence[1].label(), "rfc3161_token");
}

#[test]
fn a_complaint_about_a_guarantee_names_no_tid() {
    let mut v = complaint();
    let obj = v.as_object_mut().expect("object");
    obj.remove("tid");
    obj.insert(
        "guarantee_id".into(),
        json!("01a21398-db61-72b8-94e2-0458a67f6f1f"),
    );
    let c = parse(&v).expect("valid");
    assert_eq!(
        c.subject(),
        &ComplaintSubject::Guarantee("01a21398-db61-72b8-94e2-0458a67f6f1f".into())
    );
}

#[test]
fn a_complaint_about_an_order_names_its_digest_only() {
    let digest = "ece993e999d79e7f2345161a5a98ff209e1eea031bcfc566602a9546443aeee1";
    let mut v = complaint();
    let obj = v.as_object_mut().expect("object");
    obj.remove("tid");
    obj.insert("order_digest".into(), json!(digest));
    let c = parse(&v).expect("valid");
    let want = Sha256Hex::try_from(digest.to_string()).expect("hex");
    assert_eq!(c.subject(), &ComplaintSubject::Order(want));
    v["guarantee_id"] = json!("g-1");
    assert_eq!(code(&v), ErrorCode::MalformedComplaint, "two subjects");
    let mut upper = complaint();
    upper.as_object_mut().expect("object").remove("tid");
    upper["order_digest"] = json!(digest.to_uppercase());
    assert_eq!(code(&upper), ErrorCode::MalformedComplaint, "not a digest");
}

/// Complaints that break one rule of the format each, with what they break.
fn malformed_complaints() -> Vec<(&'static str, Change)> {
    vec![
        (
            "same party",
            Box::new(|v| v["respondent"] = json!(CLAIMANT)),
        ),
        (
            "both subjects",
            Box::new(|v| v["guarantee_id"] = json!("g-1")),
        ),
        (
            "no subject",
            Box::new(|v| {
                v.as_object_mut().map(|o| o.remove("tid"));
            }),
        ),
        ("a null tid", Box::new(|v| v["tid"] = Value::Null)),
        ("an unknown field", Box::new(|v| v["extra"] = json!(1))),
        ("an unknown kind", Box::new(|v| v["kind"] = json!("fraud"))),
        (
            "an empty statement",
            Box::new(|v| v["statement"] = json!("  ")),
        ),
        (
            "a long statement",
            Box::new(|v| v["statement"] = json!("x".repeat(STATEMENT_LEN_MAX + 1))),
        ),
        (
            "a statement clearing the screen",
            Box::new(|v| v["statement"] = json!("paid\u{1b}[2J")),
        ),
        (
            "a statement reordered by a bidi override",
            Box::new(|v| v["statement"] = json!("refund \u{202e}00.001")),
        ),
        (
            "a bad party id",
            Box::new(|v| v["claimant"] = json!("bob smith")),
        ),
        (
            "a time in another spelling",
            Box::new(|v| v["created_at"] = json!("2026-03-01T09:59:00Z")),
        ),
        (
            "an upper-case digest",
            Box::new(|v| v["notary_key_id"] = json!(hex_of("notary").to_uppercase())),
        ),
    ]
}

/// A statement may run over lines and hold tabs; the refusal of other control characters
/// names the character and where.
#[test]
fn a_statement_keeps_its_lines() {
    let mut v = complaint();
    v["statement"] = json!("Paid on 2 March.\n\tNothing arrived.");
    parse(&v).expect("lines and tabs are text");
    // The zero-width joiners spell Persian and Indic words and emoji (s14 F2).
    v["statement"] = json!(
        "\u{645}\u{6cc}\u{200c}\u{62e}\u{648}\u{627}\u{647}\u{645} \u{1f468}\u{200d}\u{1f469}"
    );
    parse(&v).expect("joiners are text");
    v["statement"] = json!("paid\u{7}");
    let e = parse(&v).expect_err("BEL");
    assert!(e.to_string().contains("U+0007 at byte 4"), "{e}");
}

#[test]
fn malformed_complaints_are_refused_with_their_code() {
    for (name, change) in malformed_complaints() {
        assert_eq!(code_after(&change), ErrorCode::MalformedComplaint, "{name}");
    }
    for minor in [0, -5] {
        let amount: Change = Box::new(move |v| v["amount"]["minor"] = json!(minor));
        assert_eq!(code_after(&amount), ErrorCode::BadAmount, "amount {minor}");
    }
    // A currency ISO 4217 does not list is an amount error, as on every route.
    for code in ["euro", "ZZZ", "XAU"] {
        let currency: Change = Box::new(move |v| v["amount"]["currency"] = json!(code));
        assert_eq!(
            code_after(&currency),
            ErrorCode::BadAmount,
            "currency {code}"
        );
    }
    // Signed under another kind.
    assert_eq!(
        Complaint::<Env>::parse("order", &complaint())
            .expect_err("kind")
            .code(),
        ErrorCode::MalformedComplaint
    );
}

#[test]
fn evidence_limits_have_their_own_codes() {
    let mut v = complaint();
    let item = json!({"type": "document", "sha256": hex_of("x"), "name": "x",
                      "media_type": "text/plain"});
    v["evidence"] = Value::Array(
        (0..=EVIDENCE_ITEMS_MAX)
            .map(|i| {
                let mut it = item.clone();
                it["sha256"] = json!(hex_of(&i.to_string()));
                it
            })
            .collect(),
    );
    assert_eq!(
        parse(&v).expect_err("too many"),
        ComplaintError::TooManyEvidenceItems {
            count: EVIDENCE_ITEMS_MAX + 1
        }
    );
    // Exactly the limit is fine.
    v["evidence"].as_array_mut().expect("list").pop();
    parse(&v).expect("16 items");

    let mut v = complaint();
    v["evidence"][2]["name"] = json!("n".repeat(EVIDENCE_ITEM_LEN_MAX));
    assert_eq!(code(&v), ErrorCode::EvidenceTooLarge);

    let mut v = complaint();
    let big = vec![7u8; DOCUMENT_CONTENT_LEN_MAX + 1];
    v["evidence"][3]["sha256"] = json!(Sha256Hex::of(&big).as_str());
    v["evidence"][3]["content"] = json!(b64(&big));
    assert!(matches!(
        parse(&v),
        Err(ComplaintError::EvidenceTooLarge { index: 3, .. })
    ));
}

#[test]
fn evidence_items_are_checked() {
    let cases: Vec<(&str, Change)> = vec![
        (
            "the same item twice",
            Box::new(|v| {
                let first = v["evidence"][2].clone();
                if let Some(a) = v["evidence"].as_array_mut() {
                    a.push(first);
                }
            }),
        ),
        (
            "content that is not the digest's",
            Box::new(|v| v["evidence"][3]["content"] = json!(b64(b"other"))),
        ),
        (
            "a token that is not base64",
            Box::new(|v| v["evidence"][1]["token"] = json!("%%%")),
        ),
        (
            "a token that is not DER",
            Box::new(|v| v["evidence"][1]["token"] = json!(b64(b"hello"))),
        ),
        (
            "a media type without subtype",
            Box::new(|v| v["evidence"][2]["media_type"] = json!("pdf")),
        ),
        (
            "a name with a control character",
            Box::new(|v| v["evidence"][2]["name"] = json!("a\u{1b}[31mb")),
        ),
        (
            "an unknown item type",
            Box::new(|v| v["evidence"][2]["type"] = json!("video")),
        ),
        (
            "m1 of another exchange",
            Box::new(|v| v["tid"] = json!(hex_of("other"))),
        ),
        (
            "m1 between other parties",
            Box::new(|v| v["evidence"][0] = m1(&offer(CLAIMANT, "someone-else"))),
        ),
        (
            "an m1 that is no offer",
            Box::new(|v| v["evidence"][0]["envelope"]["payload"] = json!({"tid": "x"})),
        ),
    ];
    for (name, change) in cases {
        assert_eq!(code_after(&change), ErrorCode::MalformedComplaint, "{name}");
    }
}

#[test]
fn m1_may_name_the_parties_either_way_round() {
    let o = offer(RESPONDENT, CLAIMANT);
    let mut v = complaint();
    v["tid"] = json!(o.tid().as_str());
    v["evidence"][0] = m1(&o);
    parse(&v).expect("the respondent originated the exchange");
}

fn response() -> Value {
    json!({
        "complaint_id": "01a21398-db70-7000-8000-000000000001",
        "complaint_digest": hex_of("complaint"),
        "respondent": RESPONDENT,
        "statement": "Delivered on 2 March; see the receipt.",
        "evidence": [{"type": "document", "sha256": hex_of("receipt"), "name": "receipt.pdf",
                      "media_type": "application/pdf"}],
        "counter_claim": {"kind": "non_payment", "amount": {"minor": 5000, "currency": "EUR"},
                          "statement": "The shipping was never paid."},
        "created_at": "2026-03-02T08:00:00.000Z",
    })
}

#[test]
fn a_response_parses_and_its_counter_claim_is_checked() {
    let v = response();
    let r = Response::<Env>::parse("complaint_response", &v).expect("valid");
    assert_eq!(
        r.digest(),
        &Sha256Hex::of(&signing_bytes("complaint_response", &v).expect("bytes"))
    );
    assert_eq!(r.evidence_ids(), [Sha256Hex::of(b"receipt")]);
    assert_eq!(
        r.payload().counter_claim.as_ref().map(|c| c.kind),
        Some(ComplaintKind::NonPayment)
    );
    let mut bad = response();
    bad["counter_claim"]["amount"]["minor"] = json!(0);
    assert_eq!(
        Response::<Env>::parse("complaint_response", &bad)
            .expect_err("amount")
            .code(),
        ErrorCode::BadAmount
    );
    let mut bad = response();
    bad["counter_claim"]["amount"]["currency"] = json!("ZZZ");
    assert_eq!(
        Response::<Env>::parse("complaint_response", &bad)
            .expect_err("currency")
            .code(),
        ErrorCode::BadAmount
    );
    let mut bad = response();
    bad["counter_claim"]["statement"] = json!("");
    assert_eq!(
        Response::<Env>::parse("complaint_response", &bad)
            .expect_err("statement")
            .code(),
        ErrorCode::MalformedComplaint
    );
    let mut none = response();
    none.as_object_mut().map(|o| o.remove("counter_claim"));
    Response::<Env>::parse("complaint_response", &none).expect("no counter-claim");
    assert!(Response::<Env>::parse("complaint", &v).is_err());
}

#[test]
fn the_read_request_signs_its_fields_canonically() {
    let r = ReadRequest {
        complaint_id: "c-1".into(),
        at: crate::model::exchange::WireTime::new(t0()).expect("ms"),
    };
    assert_eq!(
        r.signing_bytes().expect("bytes"),
        b"notar/v1/complaint_read\n{\"at\":\"2026-03-01T10:00:00.000Z\",\"complaint_id\":\"c-1\"}"
    );
    assert!(read_time_ok(t0(), t0() + TimeDelta::seconds(READ_SKEW_S)));
    assert!(read_time_ok(t0(), t0() - TimeDelta::seconds(READ_SKEW_S)));
    assert!(!read_time_ok(
        t0(),
        t0() + TimeDelta::seconds(READ_SKEW_S + 1)
    ));
    assert!(!read_time_ok(
        t0(),
        t0() - TimeDelta::seconds(READ_SKEW_S + 1)
    ));
}

#[test]
fn only_the_claimant_and_the_respondent_may_read() {
    assert_eq!(side_of("a", "b", "a"), Some(Side::Claimant));
    assert_eq!(side_of("a", "b", "b"), Some(Side::Respondent));
    assert_eq!(side_of("a", "b", "c"), None);
}

#[test]
fn the_deadline_is_the_policy_response_time_after_filing() {
    let text = include_str!("../../../policies/semper-consumer.toml");
    let p = crate::model::policy::parse_policy("semper-consumer.toml", text).expect("policy");
    assert_eq!(response_deadline(t0(), &p), t0() + TimeDelta::hours(72));
}

#[test]
fn the_status_machine_by_example() {
    use CaseEvent::*;
    use ComplaintStatus::*;
    let dl = t0();
    let just_after = dl + TimeDelta::milliseconds(1);
    assert_eq!(transition(Open, dl, dl, Response), Ok(Answered));
    assert_eq!(
        transition(Open, dl, just_after, Response),
        Err(TransitionError::TooLate)
    );
    assert_eq!(
        transition(Open, dl, dl, Silence),
        Err(TransitionError::NotDue)
    );
    assert_eq!(transition(Open, dl, just_after, Silence), Ok(Silent));
    assert_eq!(transition(Open, dl, just_after, Settlement), Ok(Settled));
    assert_eq!(
        transition(Answered, dl, dl, Response),
        Err(TransitionError::AlreadyAnswered)
    );
    assert_eq!(
        transition(Silent, dl, dl, Response).map_err(TransitionError::code),
        Err(ErrorCode::ResponseTooLate)
    );
    assert_eq!(
        transition(Settled, dl, dl, Response).map_err(TransitionError::code),
        Err(ErrorCode::ComplaintSettled)
    );
    assert!(overdue(Open, dl, just_after));
    assert!(!overdue(Open, dl, dl));
    assert!(!overdue(Silent, dl, just_after));
}

#[test]
fn history_lines() {
    let e = |what| HistoryEvent {
        at: crate::model::exchange::WireTime::new(t0()).expect("ms"),
        what,
        by: Some("alice".into()),
        log_index: None,
    };
    assert_eq!(e(HistoryWhat::Filed).line(), "filed");
    assert_eq!(
        e(HistoryWhat::Taken {
            previous: Some("bob".into())
        })
        .line(),
        "taken by alice (from bob)"
    );
    let note = e(HistoryWhat::Note {
        text: "call".into(),
    });
    assert_eq!(note.line(), "note: call");
    assert!(note.is_note());
    let stored = serde_json::to_value(&note).expect("json");
    assert_eq!(stored["what"], json!({"event": "note", "text": "call"}));
    assert_eq!(stored["at"], "2026-03-01T10:00:00.000Z");
}

fn event() -> impl Strategy<Value = CaseEvent> {
    prop_oneof![
        Just(CaseEvent::Response),
        Just(CaseEvent::Silence),
        Just(CaseEvent::Settlement),
    ]
}

proptest! {
    /// Random events at random times around the deadline, applied as the notary applies them
    /// (a refused event changes nothing): no transition out of a final state, silence only after
    /// the deadline, an answer only up to it, and at most one transition per case.
    #[test]
    fn the_status_machine_holds(events in proptest::collection::vec((event(), -5i64..5), 1..12)) {
        let deadline = t0();
        let mut status = ComplaintStatus::Open;
        let mut moves = 0;
        for (e, offset_ms) in events {
            let at = deadline + TimeDelta::milliseconds(offset_ms);
            match transition(status, deadline, at, e) {
                Ok(next) => {
                    prop_assert_eq!(status, ComplaintStatus::Open, "moved out of a final state");
                    prop_assert!(next.is_final());
                    match next {
                        ComplaintStatus::Silent => prop_assert!(at > deadline),
                        ComplaintStatus::Answered => prop_assert!(at <= deadline),
                        ComplaintStatus::Settled => prop_assert_eq!(e, CaseEvent::Settlement),
                        ComplaintStatus::Open => prop_assert!(false, "an event reopened a case"),
                    }
                    status = next;
                    moves += 1;
                }
                Err(err) => {
                    if status == ComplaintStatus::Open {
                        let expected = if e == CaseEvent::Response {
                            TransitionError::TooLate
                        } else {
                            TransitionError::NotDue
                        };
                        prop_assert_eq!(err, expected);
                    }
                }
            }
        }
        prop_assert!(moves <= 1);
    }
}
