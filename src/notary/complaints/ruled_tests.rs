//! A ruling's exchange actions, in-process on a clock: a contract exchange left undecided, a
//! `contract_validity` complaint about it, a ruling that resolves (m2 in the evidence) or aborts
//! (none) it in its own batch; then the exchange answers every abort, resolve and read with the
//! ruling's token, also after a restart. And a ruling whose exchange was decided between its
//! replay and its signing records the action as `not_run`. The ruling and its token are signed
//! on the worker pool, and a request on the exchange in the ruling's batch waits for the token.

use ed25519_dalek::SigningKey;
use serde_json::{json, Value};

use super::*;
use crate::crypto::envelope::signed_on;
use crate::model::exchange::{AbortBody, Offer, ResolveBody, Subject};
use crate::model::registry::Role;
use crate::notary::batch_tests::hold;
use crate::notary::fixture::exchange::{abort_request, acceptance, offer, Signer};
use crate::notary::fixture::{eur, ClockedDataDir};
use crate::notary::{KeyInput, Reader};

type World = ClockedDataDir<tempfile::TempDir>;

async fn world(second_above: Option<i64>) -> World {
    let t0 = "2026-03-01T10:00:00Z".parse().expect("t0");
    let w = World::init(tempfile::tempdir().expect("tmp"), "t", t0)
        .await
        .expect("init");
    if let Some(above) = second_above {
        let file = w.dir.root().join("policies/semper-consumer.toml");
        let text = std::fs::read_to_string(&file).expect("policy");
        let text = text.replacen("version = 1", "version = 2", 1)
            + &format!("second_arbitrator_above = {above}\n");
        std::fs::write(file, text).expect("policy");
    }
    w
}

async fn party(n: &Notary, name: &str, seed: u8) -> (String, SigningKey) {
    let key = SigningKey::from_bytes(&[seed; 32]);
    let p = n
        .register_party(name, Role::Buyer, None)
        .await
        .expect("party");
    let raw = KeyInput::Raw(key.verifying_key().to_bytes());
    n.add_key(&p.party.id, raw, None).await.expect("key");
    (p.party.id, key)
}

/// ann offers bob a contract (m1); bob's m2; ann's abort request.
struct Deal {
    ann: (String, SigningKey),
    bob: (String, SigningKey),
    m1: Envelope,
    offer: Offer,
    m2: Envelope,
    abort: Envelope,
}

async fn deal(n: &Notary) -> Deal {
    let ann = party(n, "ann", 1).await;
    let bob = party(n, "bob", 2).await;
    let o = Signer {
        id: &ann.0,
        key: &ann.1,
    };
    let subject = Subject::Contract {
        contract_digest: crate::model::exchange::Sha256Hex::of(b"lease"),
    };
    let (m1, offer) = offer(&o, &bob.0, &n.identity().key_id, subject, b"na", None).expect("offer");
    let r = Signer {
        id: &bob.0,
        key: &bob.1,
    };
    let m2 = acceptance(&r, &offer, b"nb");
    let abort = abort_request(&o, &offer);
    Deal {
        ann,
        bob,
        m1,
        offer,
        m2,
        abort,
    }
}

/// ann's contract_validity complaint (m1 only: nothing the protocol can settle), answered by
/// bob with `evidence`; the complaint id.
async fn case(n: &Notary, d: &Deal, evidence: Vec<Value>) -> String {
    let claim = json!({
        "kind": "contract_validity",
        "claimant": d.ann.0,
        "respondent": d.bob.0,
        "tid": d.offer.tid().as_str(),
        "amount": eur(5_000),
        "statement": "Did bob sign the lease?",
        "evidence": [{"type": "envelope", "envelope": d.m1}],
        "notary_key_id": n.identity().key_id,
        "created_at": "2026-03-01T09:00:00.000Z",
    });
    let env = Envelope::sign("complaint", claim, &d.ann.1).expect("sign");
    let filed = n.file_complaint(env).await.expect("filed");
    assert_eq!(filed.status, ComplaintStatus::Open, "{}", filed.body);
    let id = filed.complaint_id;
    let case = n.complaint(&id, &Reader::Arbitrator).expect("case");
    let answer = json!({
        "complaint_id": id,
        "complaint_digest": case.receipt.payload["complaint_digest"],
        "respondent": d.bob.0,
        "statement": "I did.",
        "evidence": evidence,
        "created_at": "2026-03-01T09:30:00.000Z",
    });
    let answer = Envelope::sign("complaint_response", answer, &d.bob.1).expect("sign");
    n.respond_to_complaint(&id, answer).await.expect("answered");
    id
}

fn alice() -> Arbitrator {
    Arbitrator {
        name: "ALICE".into(),
        user: "alice".into(),
    }
}

fn ruled(outcome: RulingOutcome) -> Envelope {
    match outcome {
        RulingOutcome::Ruled { ruling } => ruling,
        RulingOutcome::Proposed { .. } => panic!("proposed, not ruled"),
    }
}

/// Every way of asking the exchange now answers `body`.
async fn answers_with(n: &Notary, d: &Deal, body: &str) {
    let abort = AbortBody {
        m1: d.m1.clone(),
        abort: d.abort.clone(),
    };
    let resolve = ResolveBody::Contract {
        m1: d.m1.clone(),
        m2: d.m2.clone(),
    };
    assert_eq!(n.abort_exchange(abort).await.expect("abort").body, body);
    assert_eq!(
        n.resolve_exchange(resolve).await.expect("resolve").body,
        body
    );
}

#[tokio::test]
async fn a_ruling_resolves_an_undecided_exchange_in_its_own_batch() {
    let w = world(None).await;
    let (n, t) = w.open().expect("open");
    let d = deal(&n).await;
    let tid = d.offer.tid().as_str().to_string();
    let id = case(&n, &d, vec![json!({"type": "envelope", "envelope": d.m2})]).await;
    assert!(
        n.exchange(&tid).is_err(),
        "the notary never saw the exchange"
    );
    let ruling = ruled(n.sign_ruling(&id, alice()).await.expect("ruled"));
    let at = ruling.payload["log_index"].as_u64().expect("index");
    let actions = ruling.payload["actions"].as_array().expect("actions");
    assert_eq!(
        actions,
        &vec![
            json!({"action": "resolve_exchange", "tid": tid, "result": "done",
            "outcome": "resolved", "log_index": at + 1})
        ]
    );
    let view = n.exchange(&tid).expect("decided");
    assert_eq!(view.status, "resolved");
    let token = view.token.expect("token");
    assert_eq!(token.kind, "replacement_contract");
    assert_eq!(token.payload["log_index"], json!(at + 1));
    assert_eq!(
        token.payload["m2"],
        serde_json::to_value(&d.m2).expect("m2")
    );
    assert_eq!(
        token.payload["ruling"],
        json!({"complaint_id": id, "log_index": at})
    );
    let logged: Value = serde_json::from_slice(&n.entry(at + 1).expect("entry")).expect("json");
    assert_eq!(logged["body"], serde_json::to_value(&token).expect("token"));
    let body = json!({"tid": tid, "status": "resolved", "outcome": "resolved", "token": token});
    let body = String::from_utf8(crate::model::canonical::to_canonical_json(&body).expect("jcs"))
        .expect("utf-8");
    answers_with(&n, &d, &body).await;
    drop(n);
    t.join();
    let (n, _t) = w.open().expect("reopen");
    answers_with(&n, &d, &body).await;
    assert_eq!(n.exchange(&tid).expect("view").status, "resolved");
}

#[tokio::test]
async fn a_ruling_aborts_an_exchange_nobody_accepted() {
    let w = world(None).await;
    let (n, _t) = w.open().expect("open");
    let d = deal(&n).await;
    let tid = d.offer.tid().as_str().to_string();
    let id = case(&n, &d, vec![]).await;
    let ruling = ruled(n.sign_ruling(&id, alice()).await.expect("ruled"));
    let at = ruling.payload["log_index"].as_u64().expect("index");
    assert_eq!(
        ruling.payload["actions"],
        json!([{"action": "abort_exchange", "tid": tid, "result": "done",
            "outcome": "aborted", "log_index": at + 1}])
    );
    let token = n.exchange(&tid).expect("view").token.expect("token");
    assert_eq!(token.kind, "exchange_abort_token");
    assert_eq!(token.payload["cause"], "ruled");
    assert_eq!(token.payload["ruling"]["log_index"], json!(at));
    let body = json!({"tid": tid, "status": "aborted", "outcome": "aborted", "token": token});
    let body = String::from_utf8(crate::model::canonical::to_canonical_json(&body).expect("jcs"))
        .expect("utf-8");
    answers_with(&n, &d, &body).await;
}

/// Proposed (replayed) while undecided; ann aborts by the protocol: the proposal (resolve the
/// exchange) is no longer what the evidence gives, so its confirmation signs nothing
/// (`ruling_changed`; it signed it, its action `not_run`); withdrawn and ruled afresh, the
/// ruling does not decide the exchange again.
#[tokio::test]
async fn an_exchange_decided_after_the_replay_is_not_decided_again() {
    let w = world(Some(1_000)).await;
    let (n, _t) = w.open().expect("open");
    let d = deal(&n).await;
    let tid = d.offer.tid().as_str().to_string();
    let id = case(&n, &d, vec![json!({"type": "envelope", "envelope": d.m2})]).await;
    let proposed = n.sign_ruling(&id, alice()).await.expect("proposed");
    assert!(matches!(proposed, RulingOutcome::Proposed { .. }));
    let abort = AbortBody {
        m1: d.m1.clone(),
        abort: d.abort.clone(),
    };
    let aborted = n.abort_exchange(abort).await.expect("aborted").body;
    let bob = || Arbitrator {
        name: "BOB".into(),
        user: "bob".into(),
    };
    let size = n.shared.published.log_size();
    let stale = n.confirm_ruling(&id, bob()).await.expect_err("stale");
    assert_eq!(stale.code(), ErrorCode::RulingChanged, "{stale}");
    assert_eq!(n.shared.published.log_size(), size, "nothing signed");
    n.withdraw_proposal(&id, bob(), "ann aborted it meanwhile")
        .await
        .expect("withdrawn");
    let again = n.sign_ruling(&id, alice()).await.expect("ruled afresh");
    let ruling = match again {
        RulingOutcome::Ruled { ruling } => ruling,
        RulingOutcome::Proposed { .. } => {
            ruled(n.confirm_ruling(&id, bob()).await.expect("confirmed"))
        }
    };
    let decided = ruling.payload["actions"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|a| a["tid"] == json!(tid) && a["result"] == "done");
    assert!(!decided, "{}", ruling.payload["actions"]);
    answers_with(&n, &d, &aborted).await;
}

/// An arbitrator reviews the ruling (resolve the exchange), ann aborts it meanwhile: signing
/// what was reviewed is refused (`ruling_changed`, nothing logged) since a fresh replay gives
/// another ruling; the ruling reviewed afresh is signed. Without the check the notary signed
/// the fresh ruling in the arbitrator's name, one they never saw.
#[tokio::test]
async fn a_ruling_the_evidence_changed_under_is_not_signed_as_reviewed() {
    let w = world(None).await;
    let (n, _t) = w.open().expect("open");
    let d = deal(&n).await;
    let id = case(&n, &d, vec![json!({"type": "envelope", "envelope": d.m2})]).await;
    let (reviewed, _) = n.case_replay(&id).await.expect("replay");
    let digest = reviewed.decision_digest();
    let abort = AbortBody {
        m1: d.m1.clone(),
        abort: d.abort.clone(),
    };
    n.abort_exchange(abort).await.expect("aborted");
    let size = n.log_size();
    let refused = n
        .sign_ruling_reviewed(&id, alice(), Some(&digest))
        .await
        .expect_err("changed");
    assert_eq!(refused.code(), ErrorCode::RulingChanged, "{refused}");
    assert_eq!(n.log_size(), size, "nothing signed");
    let (now, _) = n.case_replay(&id).await.expect("replay");
    assert_ne!(now, reviewed);
    let fresh = now.decision_digest();
    let ruling = ruled(
        n.sign_ruling_reviewed(&id, alice(), Some(&fresh))
            .await
            .expect("ruled"),
    );
    assert_eq!(
        ruling.payload["ruling"],
        serde_json::from_slice::<Value>(&now.to_canonical_json()).expect("json")
    );
}

/// Waits until `k` commands wait in `n`'s sequencer queue (a command held there cannot be
/// overtaken by one sent after it).
pub(super) async fn queued(n: &Notary, k: usize) {
    for _ in 0..4_000 {
        if n.tx.max_capacity() - n.tx.capacity() == k {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    panic!("{k} commands never queued");
}

/// DESIGN §2 (the sequencer only orders): the ruling and its exchange's token are signed on the
/// worker pool (in a batch of more than one command). An abort request staged after the ruling in the same batch finds the exchange
/// decided, waits for the token and answers with the ruling's resolve.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ruling_and_its_token_are_signed_on_the_worker_pool() {
    let w = world(None).await;
    let (n, _t) = w.open().expect("open");
    let d = deal(&n).await;
    let tid = d.offer.tid().as_str().to_string();
    let id = case(&n, &d, vec![json!({"type": "envelope", "envelope": d.m2})]).await;
    let go = hold(&n);
    queued(&n, 0).await;
    // A lone command's deferred work runs on the sequencer (a hop would only add latency): the
    // batch starts with another one.
    let other = {
        let n = n.clone();
        tokio::spawn(async move { n.register_party("zed", Role::Buyer, None).await })
    };
    queued(&n, 1).await;
    let ruling = {
        let (n, id) = (n.clone(), id.clone());
        tokio::spawn(async move { n.sign_ruling(&id, alice()).await })
    };
    queued(&n, 2).await;
    let abort = AbortBody {
        m1: d.m1.clone(),
        abort: d.abort.clone(),
    };
    let aborted = {
        let n = n.clone();
        tokio::spawn(async move { n.abort_exchange(abort).await })
    };
    queued(&n, 3).await;
    go.send(()).expect("the sequencer waits");
    other.await.expect("join").expect("registered");
    let ruling = ruled(ruling.await.expect("join").expect("ruled"));
    let answer = aborted.await.expect("join").expect("answered").body;
    let token = n.exchange(&tid).expect("view").token.expect("token");
    assert_eq!(token.kind, "replacement_contract");
    assert_eq!(
        token.payload["ruling"],
        json!({"complaint_id": id, "log_index": ruling.payload["log_index"]})
    );
    let body = json!({"tid": tid, "status": "resolved", "outcome": "resolved", "token": token});
    let body = String::from_utf8(crate::model::canonical::to_canonical_json(&body).expect("jcs"))
        .expect("utf-8");
    assert_eq!(
        answer, body,
        "the abort in the ruling's batch gets its resolve"
    );
    for env in [&ruling, &token] {
        let on = signed_on::thread_of(&env.signatures[0].sig).expect("signed here");
        assert!(
            on.starts_with("notar-signer-"),
            "{} signed on {on}",
            env.kind
        );
    }
    let case = n.complaint(&id, &Reader::Arbitrator).expect("case");
    assert_eq!(case.ruling.as_ref(), Some(&ruling));
}

/// sally settles the guarantee (bob paid) after the arbitrator's replay, before the sequencer
/// records the ruling: the ruling, made on a bundle showing nothing paid, is not signed
/// (`ruling_changed`); replayed afresh it sees the settlement. Before, the stale ruling was
/// signed and final: no refund of what bob paid, and no complaint left to file.
#[tokio::test]
async fn a_settlement_landing_while_a_ruling_is_signed_stops_it() {
    use crate::notary::guarantees::{Caller, Closing};
    let w = crate::notary::evidence_tests::world().await;
    let n = w.n.clone();
    let (_, g) = w.order("r-1", 20_000, b"goods").await;
    let gid = g.payload["guarantee_id"].as_str().expect("id").to_string();
    let id = w.complain(("guarantee_id", &gid), 20_000, &[]).await;
    w.answer(&id).await;
    let go = hold(&n);
    queued(&n, 0).await;
    let settled = {
        let (n, gid, seller) = (n.clone(), gid.clone(), w.deal.seller_id.clone());
        tokio::spawn(async move {
            n.close_guarantee(&gid, Caller::Seller(seller), Closing::Settle, None, None)
                .await
        })
    };
    queued(&n, 1).await;
    let ruling = {
        let (n, id) = (n.clone(), id.clone());
        tokio::spawn(async move { n.sign_ruling(&id, alice()).await })
    };
    queued(&n, 2).await;
    go.send(()).expect("the sequencer waits");
    settled.await.expect("join").expect("settled");
    let refused = ruling.await.expect("join").expect_err("stale");
    assert_eq!(refused.code(), ErrorCode::RulingChanged, "{refused}");
    assert!(
        refused.to_string().contains("settled or released"),
        "{refused}"
    );
    let ruling = ruled(n.sign_ruling(&id, alice()).await.expect("ruled afresh"));
    let q6 = ruling.payload["ruling"]["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|f| f["question"] == "Q6")
        .cloned();
    assert_eq!(
        q6.as_ref().map(|f| f["rule_id"].clone()),
        Some(json!("Q6.paid_by_guarantee")),
        "{q6:?}"
    );
}
