//! Complaints against the notary library with a controlled clock: filing, refiling, answering,
//! silence, settlement by the protocol, the arbitrators' acts, reading, refusals that change
//! nothing, and a restart.

use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use ed25519_dalek::{Signer as _, SigningKey};
use serde_json::{json, Value};

use super::*;
use crate::model::complaint::ReadRequest;
use crate::model::registry::Role;
use crate::notary::batch_tests::hold;
use crate::notary::fixture::{eur, make_deal, request, ClockedDataDir};
use crate::notary::{KeyInput, Notary, SequencerThread};

struct Party {
    id: String,
    key: SigningKey,
}

/// A notary's data dir in a temp dir, its clock at 2026-03-01T10:00:00Z.
type World = ClockedDataDir<tempfile::TempDir>;

async fn world() -> World {
    let t0 = "2026-03-01T10:00:00Z".parse().expect("t0");
    let tmp = tempfile::tempdir().expect("tempdir");
    World::init(tmp, "t", t0).await.expect("init")
}

/// A notary on a fresh data dir with three parties: ann (a), bob (b) and cy (c).
struct Setup {
    w: World,
    n: Notary,
    t: SequencerThread,
    a: Party,
    b: Party,
    c: Party,
}

async fn setup() -> Setup {
    let w = world().await;
    let (n, t) = w.open().expect("open");
    let (a, b, c) = (
        party(&n, "ann", 1).await,
        party(&n, "bob", 2).await,
        party(&n, "cy", 3).await,
    );
    Setup { w, n, t, a, b, c }
}

async fn party(n: &Notary, name: &str, seed: u8) -> Party {
    let key = SigningKey::from_bytes(&[seed; 32]);
    let p = n
        .register_party(name, Role::Buyer, None)
        .await
        .expect("party");
    n.add_key(
        &p.party.id,
        KeyInput::Raw(key.verifying_key().to_bytes()),
        None,
    )
    .await
    .expect("key");
    Party {
        id: p.party.id,
        key,
    }
}

fn tid() -> String {
    "ab".repeat(32)
}

fn payload(n: &Notary, claimant: &Party, respondent: &str, subject: (&str, String)) -> Value {
    let mut p = json!({
        "kind": "non_delivery",
        "claimant": claimant.id,
        "respondent": respondent,
        "amount": eur(12_000),
        "statement": "Paid on 1 March, nothing arrived.",
        "evidence": [{"type": "document", "sha256": "cd".repeat(32), "name": "invoice.pdf",
                      "media_type": "application/pdf"}],
        "notary_key_id": n.identity().key_id,
        "created_at": "2026-03-01T09:00:00.000Z",
    });
    p[subject.0] = json!(subject.1);
    p
}

fn sign(kind: &str, payload: Value, key: &SigningKey) -> Envelope {
    Envelope::sign(kind, payload, key).expect("sign")
}

fn response(record: &CaseView, by: &Party, statement: &str) -> Envelope {
    let p = json!({
        "complaint_id": record.complaint_id,
        "complaint_digest": record.receipt.payload["complaint_digest"],
        "respondent": by.id,
        "statement": statement,
        "evidence": [],
        "created_at": "2026-03-02T09:00:00.000Z",
    });
    sign("complaint_response", p, &by.key)
}

fn read(id: &str, by: &Party, at: DateTime<Utc>) -> Reader {
    let at = crate::model::exchange::WireTime::new(at).expect("ms");
    let msg = ReadRequest {
        complaint_id: id.into(),
        at,
    }
    .signing_bytes()
    .expect("bytes");
    Reader::Party(SignedRead {
        key_id: crate::crypto::keys::key_id(&by.key.verifying_key()),
        at: String::from(at),
        sig: base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(by.key.sign(&msg).to_bytes()),
    })
}

fn code(r: Result<impl std::fmt::Debug, NotaryError>) -> ErrorCode {
    r.expect_err("refused").code()
}

/// Files a complaint by `a` against `b` about the exchange `tid()`; returns the case.
async fn filed(n: &Notary, a: &Party, b: &Party) -> CaseView {
    let env = sign("complaint", payload(n, a, &b.id, ("tid", tid())), &a.key);
    let answer = n.file_complaint(env).await.expect("filed");
    n.complaint(&answer.complaint_id, &Reader::Arbitrator)
        .expect("read")
}

#[tokio::test]
async fn a_complaint_gets_a_logged_receipt_and_refiling_gets_the_same_bytes() {
    let Setup {
        w, n, t: _t, a, b, ..
    } = setup().await;
    let env = sign("complaint", payload(&n, &a, &b.id, ("tid", tid())), &a.key);
    let first = n.file_complaint(env.clone()).await.expect("filed");
    assert_eq!(first.status, ComplaintStatus::Open);
    let receipt = first.receipt().expect("receipt");
    assert_eq!(receipt.kind, "complaint_receipt");
    let p = &receipt.payload;
    assert_eq!(p["complaint_id"], first.complaint_id.as_str());
    assert_eq!(p["claimant"], a.id.as_str());
    assert_eq!(p["respondent"], b.id.as_str());
    assert_eq!(p["tid"], tid());
    assert!(p.get("guarantee_id").is_none());
    assert_eq!(p["received_at"], "2026-03-01T10:00:00.000Z");
    // semper-consumer: complaint_response_time 72h.
    assert_eq!(p["response_deadline"], "2026-03-04T10:00:00.000Z");
    assert_eq!(p["policy_id"], "semper-consumer");
    assert_eq!(p["evidence_ids"], json!(["cd".repeat(32)]));
    let index = p["log_index"].as_u64().expect("log_index");
    let entry: Value = serde_json::from_slice(&n.entry(index).expect("entry")).expect("json");
    assert_eq!(entry["body"], serde_json::to_value(&receipt).expect("env"));
    let size = n.log_size();
    w.advance(Duration::hours(1));
    let again = n.file_complaint(env.clone()).await.expect("refiled");
    assert_eq!(again.body, first.body);
    // Someone else's signature on the same complaint gets no receipt.
    let resigned = sign("complaint", env.payload.clone(), &b.key);
    assert_eq!(
        code(n.file_complaint(resigned).await),
        ErrorCode::BadSignature
    );
    assert_eq!(n.log_size(), size, "a refiling signs nothing");
}

#[tokio::test]
async fn the_respondent_answers_once_in_time_and_nobody_else_can() {
    let Setup {
        w,
        n,
        t: _t,
        a,
        b,
        c,
    } = setup().await;
    let case = filed(&n, &a, &b).await;
    let id = case.complaint_id.clone();
    let size = n.log_size();
    // A stranger, naming itself or the respondent.
    assert_eq!(
        code(n.respond_to_complaint(&id, response(&case, &c, "me")).await),
        ErrorCode::NotRespondent
    );
    let mut forged = response(&case, &b, "as bob");
    forged = sign("complaint_response", forged.payload, &c.key);
    assert_eq!(
        code(n.respond_to_complaint(&id, forged).await),
        ErrorCode::NotRespondent
    );
    // The claimant cannot answer its own complaint either.
    assert_eq!(
        code(n.respond_to_complaint(&id, response(&case, &a, "me")).await),
        ErrorCode::NotRespondent
    );
    assert_eq!(n.log_size(), size);
    w.advance(Duration::hours(72)); // the deadline itself is still in time
    let answer = response(&case, &b, "Shipped on 2 March.");
    let first = n
        .respond_to_complaint(&id, answer.clone())
        .await
        .expect("answered");
    assert_eq!(first.status, ComplaintStatus::Answered);
    let r = first.receipt().expect("receipt");
    assert_eq!(r.kind, "complaint_response_receipt");
    assert_eq!(
        r.payload["complaint_digest"],
        case.receipt.payload["complaint_digest"]
    );
    assert_eq!(r.payload["received_at"], "2026-03-04T10:00:00.000Z");
    let again = n.respond_to_complaint(&id, answer).await.expect("repeat");
    assert_eq!(again.body, first.body);
    assert_eq!(
        code(
            n.respond_to_complaint(&id, response(&case, &b, "Second thoughts."))
                .await
        ),
        ErrorCode::AlreadyAnswered
    );
    let view = n.complaint(&id, &Reader::Arbitrator).expect("read");
    assert_eq!(view.status, ComplaintStatus::Answered);
    assert!(view.response.is_some());
    // An answered case is never marked silent.
    w.advance(Duration::days(30));
    assert_eq!(n.mark_silent_complaints().await.expect("sweep"), 0);
}

#[tokio::test]
async fn silence_is_signed_and_logged_once_the_deadline_passes() {
    let Setup {
        w, n, t: _t, a, b, ..
    } = setup().await;
    let case = filed(&n, &a, &b).await;
    w.advance(Duration::hours(72));
    assert_eq!(n.mark_silent_complaints().await.expect("sweep"), 0);
    w.advance(Duration::milliseconds(1));
    assert_eq!(n.mark_silent_complaints().await.expect("sweep"), 1);
    assert_eq!(n.mark_silent_complaints().await.expect("sweep"), 0);
    let view = n
        .complaint(&case.complaint_id, &Reader::Arbitrator)
        .expect("read");
    assert_eq!(view.status, ComplaintStatus::Silent);
    let s = view.silence.clone().expect("silence");
    assert_eq!(s.kind, "complaint_silence");
    s.verify_by(&n.shared.notary_key.verifying_key())
        .expect("signed");
    assert_eq!(
        s.payload["receipt_log_index"],
        case.receipt.payload["log_index"]
    );
    assert_eq!(s.payload["recorded_at"], "2026-03-04T10:00:00.001Z");
    let entry: Value = serde_json::from_slice(
        &n.entry(s.payload["log_index"].as_u64().expect("index"))
            .expect("entry"),
    )
    .expect("json");
    assert_eq!(entry["kind"], "complaint_silence");
    assert_eq!(
        code(
            n.respond_to_complaint(&case.complaint_id, response(&case, &b, "late"))
                .await
        ),
        ErrorCode::ResponseTooLate
    );
    let last = view.history.last().expect("history");
    assert_eq!(last.what, HistoryWhat::Silent);
}

#[tokio::test]
async fn a_late_response_is_refused_even_before_the_sweep() {
    let Setup {
        w, n, t: _t, a, b, ..
    } = setup().await;
    let case = filed(&n, &a, &b).await;
    w.advance(Duration::hours(73));
    let (lines, now) = n.complaints(10);
    assert!(crate::model::complaint::overdue(
        lines[0].status,
        lines[0].response_deadline,
        now
    ));
    assert_eq!(
        code(
            n.respond_to_complaint(&case.complaint_id, response(&case, &b, "late"))
                .await
        ),
        ErrorCode::ResponseTooLate
    );
}

#[tokio::test]
async fn settled_by_the_protocol_the_case_takes_no_answer_and_no_silence() {
    let Setup {
        w, n, t: _t, a, b, ..
    } = setup().await;
    let case = filed(&n, &a, &b).await;
    let size = n.log_size();
    let view = n
        .settle_by_protocol(&case.complaint_id, 5)
        .await
        .expect("settled");
    assert_eq!(view.status, ComplaintStatus::Settled);
    let last = view.history.last().expect("event");
    assert_eq!(
        (&last.what, last.log_index),
        (&HistoryWhat::Settled, Some(5))
    );
    assert_eq!(
        n.log_size(),
        size,
        "the exchange token is the signed statement"
    );
    assert_eq!(
        code(n.settle_by_protocol(&case.complaint_id, 6).await),
        ErrorCode::ComplaintSettled
    );
    assert_eq!(
        code(
            n.respond_to_complaint(&case.complaint_id, response(&case, &b, "x"))
                .await
        ),
        ErrorCode::ComplaintSettled
    );
    w.advance(Duration::days(4));
    assert_eq!(n.mark_silent_complaints().await.expect("sweep"), 0);
}

/// Complaints by `a` against `b` that the notary refuses, one per reason, with the code each
/// draws.
fn refused_complaints(n: &Notary, a: &Party, b: &Party) -> Vec<(Envelope, ErrorCode)> {
    let good = payload(n, a, &b.id, ("tid", tid()));
    let mut unsigned = sign("complaint", good.clone(), &a.key);
    unsigned.signatures.clear();
    let mut other_notary = good.clone();
    other_notary["notary_key_id"] = json!("00".repeat(32));
    let stranger = SigningKey::from_bytes(&[9; 32]);
    let nobody = payload(n, a, "nobody", ("tid", tid()));
    let against_oneself = payload(n, a, &a.id, ("tid", tid()));
    let unknown_guarantee = (
        "guarantee_id",
        "01900000-0000-7000-8000-000000000000".into(),
    );
    let about_unknown_guarantee = payload(n, a, &b.id, unknown_guarantee);
    // The exchange policy is in EUR: a claim about an exchange in USD could only be ruled empty.
    let mut in_usd = good.clone();
    in_usd["amount"]["currency"] = json!("USD");
    vec![
        (sign("complaint", in_usd, &a.key), ErrorCode::BadAmount),
        (unsigned, ErrorCode::BadSignature),
        (
            sign("complaint", good.clone(), &b.key),
            ErrorCode::BadSignature,
        ),
        (
            sign("complaint", good.clone(), &stranger),
            ErrorCode::UnknownKey,
        ),
        (
            sign("complaint", other_notary, &a.key),
            ErrorCode::WrongNotary,
        ),
        (sign("complaint", nobody, &a.key), ErrorCode::UnknownParty),
        (
            sign("complaint", against_oneself, &a.key),
            ErrorCode::MalformedComplaint,
        ),
        (
            sign("complaint", about_unknown_guarantee, &a.key),
            ErrorCode::UnknownGuarantee,
        ),
        (sign("order", good, &a.key), ErrorCode::MalformedComplaint),
    ]
}

#[tokio::test]
async fn refusals_change_nothing() {
    let Setup {
        w: _w,
        n,
        t: _t,
        a,
        b,
        ..
    } = setup().await;
    let size = n.log_size();
    for (env, want) in refused_complaints(&n, &a, &b) {
        assert_eq!(code(n.file_complaint(env).await), want);
    }
    let good = payload(&n, &a, &b.id, ("tid", tid()));
    let kid = crate::crypto::keys::key_id(&a.key.verifying_key());
    n.revoke_key(&kid, "lost", None).await.expect("revoked");
    let size_revoked = n.log_size();
    assert_eq!(size_revoked, size + 1);
    assert_eq!(
        code(n.file_complaint(sign("complaint", good, &a.key)).await),
        ErrorCode::KeyRevoked
    );
    assert_eq!(n.log_size(), size_revoked);
    assert!(n.complaints(10).0.is_empty());
}

/// Non-delivery is the buyer's claim: the seller filing it would make a ruling read the order
/// the other way round. The guarantee is in EUR: a claim in USD could only be ruled empty.
/// Both refused, nothing logged. `by_seller(kind, currency)`: the seller's signed complaint.
async fn refuses_the_wrong_side_and_currency(
    n: &Notary,
    by_seller: &dyn Fn(&str, &str) -> Envelope,
) {
    let size = n.log_size();
    assert_eq!(
        code(n.file_complaint(by_seller("non_delivery", "EUR")).await),
        ErrorCode::WrongSide
    );
    assert_eq!(
        code(n.file_complaint(by_seller("non_payment", "USD")).await),
        ErrorCode::BadAmount
    );
    assert_eq!(n.log_size(), size, "a refused filing logs nothing");
}

#[tokio::test]
async fn a_complaint_about_a_guarantee_is_between_its_buyer_and_seller() {
    let w = world().await;
    let (n, _t) = w.open().expect("open");
    let deal = make_deal(
        &n,
        "bob",
        SigningKey::from_bytes(&[7; 32]),
        "sally",
        "semper-business",
        None,
    )
    .await
    .expect("deal");
    let g = n
        .request_guarantee(
            request(
                "r-1",
                &deal.agreement_id,
                &deal.seller_id,
                &deal.buyer_key,
                eur(12_000),
                b"chairs",
            ),
            &deal.seller_id,
        )
        .await
        .expect("guarantee");
    let gid = g.envelope().expect("env").payload["guarantee_id"]
        .as_str()
        .expect("id")
        .to_string();
    let seller_key = SigningKey::from_bytes(&[8; 32]);
    n.add_key(
        &deal.seller_id,
        KeyInput::Raw(seller_key.verifying_key().to_bytes()),
        None,
    )
    .await
    .expect("seller key");
    let seller = Party {
        id: deal.seller_id.clone(),
        key: seller_key,
    };
    let by_seller = |kind: &str, currency: &str| {
        let mut p = payload(&n, &seller, &deal.buyer_id, ("guarantee_id", gid.clone()));
        p["kind"] = json!(kind);
        p["amount"]["currency"] = json!(currency);
        sign("complaint", p, &seller.key)
    };
    refuses_the_wrong_side_and_currency(&n, &by_seller).await;
    let answer = n
        .file_complaint(by_seller("non_payment", "EUR"))
        .await
        .expect("filed");
    let p = answer.receipt().expect("receipt").payload;
    assert_eq!(p["guarantee_id"], gid.as_str());
    assert_eq!(p["policy_id"], "semper-business");
    let c = party(&n, "cy", 3).await;
    let env = sign(
        "complaint",
        payload(&n, &c, &deal.buyer_id, ("guarantee_id", gid)),
        &c.key,
    );
    assert_eq!(code(n.file_complaint(env).await), ErrorCode::NotAParty);
}

#[tokio::test]
async fn parties_read_their_own_cases_by_a_fresh_signed_read() {
    let Setup {
        w,
        n,
        t: _t,
        a,
        b,
        c,
    } = setup().await;
    let case = filed(&n, &a, &b).await;
    let id = &case.complaint_id;
    n.note_complaint(id, "alice", "called bob")
        .await
        .expect("note");
    for p in [&a, &b] {
        let v = n.complaint(id, &read(id, p, w.now())).expect("read");
        assert_eq!(v.status, ComplaintStatus::Open);
        assert!(
            v.history.iter().all(|h| !h.is_note()),
            "parties see no notes"
        );
    }
    assert_eq!(
        code(n.complaint(id, &read(id, &c, w.now()))),
        ErrorCode::NotAParty
    );
    let stale = w.now() - Duration::seconds(301);
    assert_eq!(
        code(n.complaint(id, &read(id, &a, stale))),
        ErrorCode::BadRequest
    );
    let Reader::Party(mut other) = read("another-id", &a, w.now()) else {
        unreachable!()
    };
    other.key_id = crate::crypto::keys::key_id(&a.key.verifying_key());
    assert_eq!(
        code(n.complaint(id, &Reader::Party(other))),
        ErrorCode::BadSignature,
        "a read signed for another case"
    );
    assert_eq!(
        code(n.complaint("no-such-case", &read("no-such-case", &a, w.now()))),
        ErrorCode::UnknownComplaint
    );
    let full = n.complaint(id, &Reader::Arbitrator).expect("arbitrator");
    assert!(full.history.iter().any(HistoryEvent::is_note));
}

#[tokio::test]
async fn arbitrators_take_cases_and_add_notes() {
    let Setup {
        w: _w,
        n,
        t: _t,
        a,
        b,
        ..
    } = setup().await;
    let case = filed(&n, &a, &b).await;
    let id = &case.complaint_id;
    let size = n.log_size();
    let v = n.take_complaint(id, "alice").await.expect("take");
    assert_eq!(v.taken_by.as_deref(), Some("alice"));
    let again = n.take_complaint(id, "alice").await.expect("again");
    assert_eq!(
        again.history.len(),
        v.history.len(),
        "taking twice changes nothing"
    );
    let v = n.take_complaint(id, "bert").await.expect("take over");
    assert_eq!(
        v.history.last().map(HistoryEvent::line).as_deref(),
        Some("taken by bert (from alice)")
    );
    assert_eq!(
        code(n.note_complaint(id, "bert", "  ").await),
        ErrorCode::BadRequest
    );
    let v = n
        .note_complaint(id, "bert", "asked for the invoice")
        .await
        .expect("note");
    assert_eq!(
        v.history.last().map(|h| (h.line(), h.by.clone())),
        Some(("note: asked for the invoice".into(), Some("bert".into())))
    );
    assert_eq!(n.log_size(), size, "desk acts sign nothing");
    assert_eq!(
        code(n.take_complaint("nope", "bert").await),
        ErrorCode::UnknownComplaint
    );
    let (lines, _) = n.complaints(10);
    assert_eq!(lines[0].taken_by.as_deref(), Some("bert"));
}

#[tokio::test]
async fn after_a_restart_cases_refilings_and_the_sweep_carry_on() {
    let Setup { w, n, t, a, b, .. } = setup().await;
    let env = sign("complaint", payload(&n, &a, &b.id, ("tid", tid())), &a.key);
    let first = n.file_complaint(env.clone()).await.expect("filed");
    // The same claim about the same exchange again, in other words: one case rules on it.
    let mut again = payload(&n, &a, &b.id, ("tid", tid()));
    again["statement"] = json!("Still nothing.");
    let again = sign("complaint", again, &a.key);
    assert_eq!(
        code(n.file_complaint(again.clone()).await),
        ErrorCode::DuplicateClaim
    );
    let mut second = payload(&n, &a, &b.id, ("tid", "cd".repeat(32)));
    second["created_at"] = json!("2026-03-01T09:30:00.000Z");
    let other = n
        .file_complaint(sign("complaint", second, &a.key))
        .await
        .expect("second complaint");
    let other_view = n
        .complaint(&other.complaint_id, &Reader::Arbitrator)
        .expect("read");
    n.respond_to_complaint(&other.complaint_id, response(&other_view, &b, "no"))
        .await
        .expect("answered");
    drop(n);
    t.join();
    let (n, _t) = w.open().expect("open");
    assert_eq!(
        n.file_complaint(env).await.expect("refiled").body,
        first.body
    );
    assert_eq!(
        code(n.file_complaint(again).await),
        ErrorCode::DuplicateClaim,
        "the claims are known after a restart"
    );
    let (lines, _) = n.complaints(10);
    let statuses: Vec<_> = lines
        .iter()
        .map(|l| (l.complaint_id.clone(), l.status))
        .collect();
    assert_eq!(
        statuses,
        [
            (first.complaint_id.clone(), ComplaintStatus::Open),
            (other.complaint_id.clone(), ComplaintStatus::Answered),
        ],
        "both wait, by deadline"
    );
    assert!(!lines[1].counter_claim);
    w.advance(Duration::days(4));
    assert_eq!(n.mark_silent_complaints().await.expect("sweep"), 1);
}

/// A case's receipts are signed by the batch's deferred work; commands of the same batch that
/// read the case see it signed: a refiling gets the same bytes, and an arbitrator who takes the
/// case just answered writes it with the response receipt signed. Every receipt is logged at the
/// index it names and verifies under the notary's key, in the answers and in the stored record.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commands_of_one_batch_see_a_case_signed_by_the_deferred_work() {
    let Setup { n, t: _t, a, b, .. } = setup().await;
    let vk = n.shared.notary_key.verifying_key();
    let env = sign("complaint", payload(&n, &a, &b.id, ("tid", tid())), &a.key);
    let go = hold(&n);
    let (first, again) = {
        let (n1, n2, e1, e2) = (n.clone(), n.clone(), env.clone(), env.clone());
        let first = tokio::spawn(async move { n1.file_complaint(e1).await });
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        let again = tokio::spawn(async move { n2.file_complaint(e2).await });
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        go.send(()).expect("held");
        (first.await.expect("join"), again.await.expect("join"))
    };
    let (first, again) = (first.expect("filed"), again.expect("refiled"));
    assert_eq!(first.body, again.body, "the same receipt, byte for byte");
    let receipt = first.receipt().expect("receipt");
    receipt.verify_by(&vk).expect("signed");
    let at = receipt.payload["log_index"].as_u64().expect("index");
    let leaf: Value = serde_json::from_slice(&n.entry(at).expect("leaf")).expect("json");
    assert_eq!(leaf["body"], serde_json::to_value(&receipt).expect("env"));

    let case = n
        .complaint(&first.complaint_id, &Reader::Arbitrator)
        .expect("read");
    let go = hold(&n);
    let (n1, n2, answer) = (n.clone(), n.clone(), response(&case, &b, "delivered"));
    let id = first.complaint_id.clone();
    let to = id.clone();
    let answered = tokio::spawn(async move { n1.respond_to_complaint(&to, answer).await });
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let taken = tokio::spawn(async move { n2.take_complaint(&id, "alice").await });
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    go.send(()).expect("held");
    let answered = answered.await.expect("join").expect("answered");
    taken.await.expect("join").expect("taken");
    let stored = stored(&n.shared, &first.complaint_id).expect("stored");
    assert_eq!(stored.taken_by.as_deref(), Some("alice"));
    let response_receipt = stored.response_receipt.expect("response receipt");
    response_receipt.verify_by(&vk).expect("stored signed");
    assert_eq!(Some(response_receipt), answered.receipt());
    stored
        .receipt
        .verify_by(&vk)
        .expect("stored receipt signed");
}

/// An exchange the notary decided names its parties: a complaint about it by or against anyone
/// else is refused (`not_a_party`), as for a guarantee; its own parties may file.
#[tokio::test]
async fn a_complaint_about_a_known_exchange_is_between_its_parties() {
    use crate::crypto::escrow::EscrowPublicKey;
    use crate::notary::fixture::exchange::{item_exchange, Signer};
    let Setup {
        w: _w,
        n,
        t: _t,
        a,
        b,
        c,
    } = setup().await;
    let escrow = EscrowPublicKey::from_base64(&n.identity().escrow_public_key).expect("escrow");
    let (sa, sb) = (
        Signer {
            id: &a.id,
            key: &a.key,
        },
        Signer {
            id: &b.id,
            key: &b.key,
        },
    );
    let kid = n.identity().key_id.clone();
    let x = item_exchange(&sa, &sb, &kid, &escrow, b"goods", [7; 32]).expect("exchange");
    let crate::model::exchange::ResolveBody::Item { m1, .. } = &x.resolve else {
        panic!("an item exchange");
    };
    let tid = crate::model::exchange::Offer::from_payload(&m1.payload)
        .expect("m1")
        .tid()
        .as_str()
        .to_string();
    n.resolve_exchange(x.resolve.clone())
        .await
        .expect("resolved");
    let size = n.log_size();
    for (by, against) in [(&c, &b), (&b, &c), (&c, &a)] {
        let env = sign(
            "complaint",
            payload(&n, by, &against.id, ("tid", tid.clone())),
            &by.key,
        );
        assert_eq!(code(n.file_complaint(env).await), ErrorCode::NotAParty);
    }
    assert_eq!(n.log_size(), size, "a refused filing logs nothing");
    let mut theirs = payload(&n, &b, &a.id, ("tid", tid));
    theirs["kind"] = json!("non_delivery");
    n.file_complaint(sign("complaint", theirs, &b.key))
        .await
        .expect("its recipient may complain");
}
