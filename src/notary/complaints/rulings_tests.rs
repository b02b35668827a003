//! A ruling that needs two arbitrators, in-process (the admin socket maps one Unix user per
//! connection, and a test cannot be two users): alice proposes, alice cannot confirm, bob
//! confirms; the ruling names both, and its release runs only then. A release asked for in the
//! confirmation's batch answers with the ruling as the guarantee's closing.

use ed25519_dalek::SigningKey;
use serde_json::json;

use super::*;
use crate::model::complaint::ComplaintStatus;
use crate::notary::batch_tests::hold;
use crate::notary::fixture::{eur, make_deal, request, ClockedDataDir, Deal};
use crate::notary::guarantees::{stored_guarantee, Caller, Closing};
use crate::notary::{KeyInput, Reader};

fn who(name: &str) -> Arbitrator {
    Arbitrator {
        name: name.to_uppercase(),
        user: name.to_string(),
    }
}

fn code<T: std::fmt::Debug>(r: Result<T, NotaryError>) -> ErrorCode {
    r.expect_err("refused").code()
}

/// The exposure of agreement `id`, minor units.
fn exposure(n: &Notary, id: &str) -> i64 {
    n.agreement(id, 0).expect("agreement").0.exposure.minor
}

/// A notary with policy `dual` (semper-consumer, two arbitrators above 100.00 EUR), a 120.00
/// EUR guarantee under it, and sally's non-payment complaint about it, answered by bob.
struct DualCase {
    n: Notary,
    t: crate::notary::SequencerThread,
    w: ClockedDataDir<tempfile::TempDir>,
    id: String,
    gid: String,
    agreement: String,
}

async fn dual_case() -> DualCase {
    dual_case_claiming(12_000).await
}

/// [`dual_case`] with sally claiming `minor`.
async fn dual_case_claiming(minor: i64) -> DualCase {
    let t0 = "2026-03-01T10:00:00Z".parse().expect("t0");
    let w = ClockedDataDir::init(tempfile::tempdir().expect("tmp"), "t", t0)
        .await
        .expect("init");
    let dual = include_str!("../../../policies/semper-consumer.toml")
        .replace("id = \"semper-consumer\"", "id = \"dual\"")
        + "second_arbitrator_above = 10000\n";
    std::fs::write(w.dir.root().join("policies/dual.toml"), dual).expect("policy");
    let (n, t) = w.open().expect("open");
    let deal = make_deal(
        &n,
        "bob",
        SigningKey::from_bytes(&[7; 32]),
        "sally",
        "dual",
        None,
    )
    .await
    .expect("deal");
    let (id, gid) = sallys_claim(&n, &deal, minor).await;
    assert_eq!(
        code(n.sign_ruling(&id, who("alice")).await),
        ErrorCode::ResponsePending,
        "the respondent may still answer"
    );
    bob_answers(&n, &deal, &id).await;
    let agreement = deal.agreement_id;
    DualCase {
        n,
        t,
        w,
        id,
        gid,
        agreement,
    }
}

/// A 120.00 EUR guarantee for bob's order, and sally's non-payment complaint about it for
/// `minor` (sally gets a key to sign with); (complaint id, guarantee id).
async fn sallys_claim(n: &Notary, deal: &Deal, minor: i64) -> (String, String) {
    let req = request(
        "r-1",
        &deal.agreement_id,
        &deal.seller_id,
        &deal.buyer_key,
        eur(12_000),
        b"chairs",
    );
    let order = req.order.clone();
    let g = n
        .request_guarantee(req, &deal.seller_id)
        .await
        .expect("guarantee");
    let g = g.envelope().expect("env");
    let gid = g.payload["guarantee_id"].as_str().expect("id").to_string();
    let seller_key = SigningKey::from_bytes(&[8; 32]);
    let raw = KeyInput::Raw(seller_key.verifying_key().to_bytes());
    n.add_key(&deal.seller_id, raw, None)
        .await
        .expect("seller key");
    let claim = json!({
        "kind": "non_payment",
        "claimant": deal.seller_id,
        "respondent": deal.buyer_id,
        "guarantee_id": gid,
        "amount": eur(minor),
        "statement": "bob never paid for the chairs.",
        "evidence": [{"type": "envelope", "envelope": order},
                     {"type": "envelope", "envelope": g}],
        "notary_key_id": n.identity().key_id,
        "created_at": "2026-03-01T09:00:00.000Z",
    });
    let env = Envelope::sign("complaint", claim, &seller_key).expect("sign");
    let filed = n.file_complaint(env).await.expect("filed");
    (filed.complaint_id, gid)
}

/// bob answers complaint `id` in time.
async fn bob_answers(n: &Notary, deal: &Deal, id: &str) {
    let case = n.complaint(id, &Reader::Arbitrator).expect("case");
    let answer = json!({
        "complaint_id": id,
        "complaint_digest": case.receipt.payload["complaint_digest"],
        "respondent": deal.buyer_id,
        "statement": "Not delivered yet.",
        "evidence": [],
        "created_at": "2026-03-01T09:30:00.000Z",
    });
    let answer = Envelope::sign("complaint_response", answer, &deal.buyer_key).expect("sign");
    n.respond_to_complaint(id, answer).await.expect("answered");
}

#[tokio::test]
async fn a_second_different_arbitrator_confirms_and_only_then_the_ruling_takes_effect() {
    let DualCase {
        n,
        t,
        w,
        id,
        gid,
        agreement,
    } = dual_case().await;
    assert_eq!(exposure(&n, &agreement), 12_000);
    let size = n.shared.published.log_size();
    let proposal = alice_proposes(&n, &id, &gid, &agreement).await;
    the_proposer_cannot_confirm(&n, &id, size).await;
    let ruled = n.confirm_ruling(&id, who("bob")).await.expect("confirmed");
    let RulingOutcome::Ruled { ruling } = ruled else {
        panic!("not ruled: {ruled:?}");
    };
    the_ruling_takes_effect(&n, (&id, &gid), &ruling, &proposal, size);
    it_is_final(&n, &id, &agreement).await;
    // After a restart: the same ruling, the same freed exposure.
    drop(n);
    t.join();
    let (n, _t) = w.open().expect("reopen");
    assert_eq!(exposure(&n, &agreement), 0);
    let case = n.complaint(&id, &Reader::Arbitrator).expect("case");
    assert_eq!(case.ruling.as_ref(), Some(&ruling));
    assert_eq!(
        code(n.sign_ruling(&id, who("cy")).await),
        ErrorCode::AlreadyRuled
    );
}

/// alice's ruling is only a proposal above the policy's amount: nothing signed, nothing released.
async fn alice_proposes(n: &Notary, id: &str, gid: &str, agreement: &str) -> RulingProposal {
    let size = n.shared.published.log_size();
    let proposed = n.sign_ruling(id, who("alice")).await.expect("proposed");
    let RulingOutcome::Proposed { proposal } = proposed else {
        panic!("not a proposal: {proposed:?}");
    };
    assert_eq!(proposal.arbitrator, "ALICE");
    assert_eq!(
        n.shared.published.log_size(),
        size,
        "a proposal signs nothing"
    );
    let g = stored_guarantee(&n.shared, gid).expect("g");
    assert_eq!(g.state, GuaranteeState::Outstanding);
    assert_eq!(exposure(n, agreement), 12_000, "nothing took effect");
    proposal
}

/// Another ruling waits for the confirmation; alice (by user or by name) cannot confirm.
async fn the_proposer_cannot_confirm(n: &Notary, id: &str, size: u64) {
    assert_eq!(
        code(n.sign_ruling(id, who("bob")).await),
        ErrorCode::AwaitingConfirmation
    );
    assert_eq!(
        code(n.confirm_ruling(id, who("alice")).await),
        ErrorCode::SameArbitrator
    );
    let renamed = Arbitrator {
        name: "Al".into(),
        user: "alice".into(),
    };
    assert_eq!(
        code(n.confirm_ruling(id, renamed).await),
        ErrorCode::SameArbitrator
    );
    assert_eq!(n.shared.published.log_size(), size);
}

/// bob's confirmation signs the proposed ruling, names both, and releases the guarantee with it.
fn the_ruling_takes_effect(
    n: &Notary,
    (id, gid): (&str, &str),
    ruling: &Envelope,
    proposal: &RulingProposal,
    size: u64,
) {
    let p = &ruling.payload;
    assert_eq!(p["arbitrator"], json!({"name": "ALICE", "user": "alice"}));
    assert_eq!(p["confirmed_by"], json!({"name": "BOB", "user": "bob"}));
    assert_eq!(p["bundle_digest"], proposal.bundle_digest.as_str());
    assert_eq!(
        p["ruling"],
        serde_json::from_str::<Value>(&proposal.ruling).expect("json")
    );
    assert_eq!(p["actions"][0]["result"], "released", "{p}");
    assert_eq!(p["log_index"], size);
    let g = stored_guarantee(&n.shared, gid).expect("g");
    assert_eq!(g.state, GuaranteeState::Released);
    assert_eq!(
        g.closing.as_ref(),
        Some(ruling),
        "the ruling is the closing"
    );
    let case = n.complaint(id, &Reader::Arbitrator).expect("case");
    assert_eq!(case.ruling.as_ref(), Some(ruling));
    assert!(case.proposal.is_none());
    assert_eq!(case.status, ComplaintStatus::Answered);
    let events: Vec<_> = case
        .history
        .iter()
        .map(|h| (&h.what, h.by.as_deref(), h.log_index))
        .collect();
    let confirmed = HistoryWhat::Ruled {
        confirmed_by: Some("BOB".into()),
    };
    assert_eq!(
        events[events.len() - 2..],
        [
            (&HistoryWhat::RulingProposed, Some("ALICE"), None),
            (&confirmed, Some("ALICE"), Some(size))
        ],
        "the history names who decided (alice) and who confirmed (bob)"
    );
    assert_eq!(
        case.history.last().expect("ruled").line(),
        "ruled by ALICE, confirmed by BOB"
    );
}

/// A second arbitrator reviews the proposal (`case_review` answers it, not a fresh replay) and
/// confirms only the decision reviewed; a proposal can be withdrawn (by its proposer or
/// rejected by another, with a reason), after which the case is ruled afresh.
#[tokio::test]
async fn a_proposal_is_reviewed_confirmed_only_as_reviewed_or_withdrawn() {
    let DualCase {
        n,
        t: _t,
        w: _w,
        id,
        gid,
        agreement,
    } = dual_case().await;
    let size = n.shared.published.log_size();
    let proposal = alice_proposes(&n, &id, &gid, &agreement).await;
    let (reviewed, digest, by) = n.case_review(&id).await.expect("review");
    assert_eq!(by.as_deref(), Some("ALICE"));
    assert_eq!(digest, proposal.bundle_digest);
    let proposed: Ruling = serde_json::from_str(&proposal.ruling).expect("ruling");
    assert_eq!(reviewed, proposed, "the proposal, timeline and all");
    let other = "ab".repeat(32);
    assert_eq!(
        code(
            n.confirm_ruling_reviewed(&id, who("bob"), Some(&other))
                .await
        ),
        ErrorCode::RulingChanged
    );
    assert_eq!(n.shared.published.log_size(), size, "nothing signed");
    // Withdrawing needs a reason; cy rejects it, and no proposal is left to confirm.
    for bad in ["  ", "see \u{202e}txt.exe", "\u{1b}[2J"] {
        assert_eq!(
            code(n.withdraw_proposal(&id, who("cy"), bad).await),
            ErrorCode::BadReason,
            "{bad:?}"
        );
    }
    let view = n
        .withdraw_proposal(&id, who("cy"), "the refund is wrong")
        .await
        .expect("withdrawn");
    assert!(view.proposal.is_none());
    let last = view.history.last().expect("event");
    assert_eq!(last.by.as_deref(), Some("CY"));
    assert_eq!(
        last.line(),
        "proposed ruling withdrawn by CY: the refund is wrong"
    );
    assert_eq!(
        code(n.confirm_ruling(&id, who("bob")).await),
        ErrorCode::NoProposal
    );
    assert_eq!(
        code(n.withdraw_proposal(&id, who("cy"), "again").await),
        ErrorCode::NoProposal
    );
    let (fresh, _, by) = n.case_review(&id).await.expect("review");
    assert_eq!(by, None, "a fresh replay once withdrawn");
    assert_eq!(fresh.decision_digest(), proposed.decision_digest());
    assert_eq!(exposure(&n, &agreement), 12_000, "nothing took effect");
    // bob proposes it afresh; alice, reviewing it, confirms exactly it.
    let again = n.sign_ruling(&id, who("bob")).await.expect("proposed");
    assert!(matches!(again, RulingOutcome::Proposed { .. }), "{again:?}");
    let digest = proposed.decision_digest();
    let ruled = n
        .confirm_ruling_reviewed(&id, who("alice"), Some(&digest))
        .await
        .expect("confirmed");
    assert!(matches!(ruled, RulingOutcome::Ruled { .. }), "{ruled:?}");
    assert_eq!(exposure(&n, &agreement), 0, "released");
    assert_eq!(
        code(n.withdraw_proposal(&id, who("cy"), "too late").await),
        ErrorCode::AlreadyRuled
    );
}

/// Nobody rules again; the release freed the exposure.
async fn it_is_final(n: &Notary, id: &str, agreement: &str) {
    assert_eq!(
        code(n.confirm_ruling(id, who("cy")).await),
        ErrorCode::AlreadyRuled
    );
    assert_eq!(
        code(n.sign_ruling(id, who("cy")).await),
        ErrorCode::AlreadyRuled
    );
    assert_eq!(exposure(n, agreement), 0, "the release freed the exposure");
}

/// The ruling releases the guarantee in memory at once and is signed on the worker pool; a
/// release staged after it in the same batch reads the guarantee released by it, signs nothing
/// of its own and answers with the ruling as the closing (signed once, through the cell the case
/// and the guarantee share). The exposure is freed once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_release_in_the_rulings_batch_answers_with_the_ruling() {
    let DualCase {
        n,
        t: _t,
        w: _w,
        id,
        gid,
        agreement,
    } = dual_case().await;
    alice_proposes(&n, &id, &gid, &agreement).await;
    let size = n.shared.published.log_size();
    let go = hold(&n);
    super::ruled_tests::queued(&n, 0).await;
    let ruled = {
        let (n, id) = (n.clone(), id.clone());
        tokio::spawn(async move { n.confirm_ruling(&id, who("bob")).await })
    };
    super::ruled_tests::queued(&n, 1).await;
    let released = {
        let (n, gid) = (n.clone(), gid.clone());
        tokio::spawn(async move {
            n.close_guarantee(&gid, Caller::Notary, Closing::Release, None, None)
                .await
        })
    };
    super::ruled_tests::queued(&n, 2).await;
    go.send(()).expect("the sequencer waits");
    let RulingOutcome::Ruled { ruling } = ruled.await.expect("join").expect("confirmed") else {
        panic!("not ruled");
    };
    let released = released.await.expect("join").expect("released");
    let text = String::from_utf8(ruling.to_bytes().expect("bytes")).expect("utf-8");
    assert_eq!(released.state, GuaranteeState::Released);
    assert_eq!(released.closing.as_deref(), Some(text.as_str()));
    assert_eq!(
        n.shared.published.log_size(),
        size + 1,
        "one leaf: the ruling"
    );
    assert_eq!(exposure(&n, &agreement), 0);
    let g = stored_guarantee(&n.shared, &gid).expect("g");
    assert_eq!(
        g.closing.as_ref(),
        Some(&ruling),
        "the ruling is the closing"
    );
    let case = n.complaint(&id, &Reader::Arbitrator).expect("case");
    assert_eq!(case.ruling.as_ref(), Some(&ruling));
}

/// A claim of 1.00 whose ruling releases the 120.00 guarantee moves 120.00: above the policy's
/// 100.00 it is only proposed. Judged on the claim alone, one arbitrator released it (and the
/// claimant chooses the claim's amount).
#[tokio::test]
async fn what_the_ruling_releases_counts_towards_the_second_arbitrator() {
    let c = dual_case_claiming(100).await;
    let proposed = c.n.sign_ruling(&c.id, who("alice")).await.expect("ruled");
    assert!(
        matches!(proposed, RulingOutcome::Proposed { .. }),
        "{proposed:?}"
    );
    assert_eq!(exposure(&c.n, &c.agreement), 12_000, "nothing released yet");
}

/// The evidence changes between the proposal and its confirmation (the seller settles the
/// guarantee: paid after all): the notary's replay no longer gives the proposal, and the
/// confirmation signs nothing (`ruling_changed`), as a single arbitrator's `--expect-ruling`
/// would not. It signed the stale ruling ("nothing shows a payment", its release
/// `already_settled`).
#[tokio::test]
async fn a_proposal_the_evidence_has_overtaken_is_not_confirmed() {
    let DualCase {
        n,
        t: _t,
        w: _w,
        id,
        gid,
        agreement,
    } = dual_case().await;
    let proposal = alice_proposes(&n, &id, &gid, &agreement).await;
    n.close_guarantee(&gid, Caller::Notary, Closing::Settle, None, None)
        .await
        .expect("settled");
    let size = n.shared.published.log_size();
    let proposed: Ruling = serde_json::from_str(&proposal.ruling).expect("ruling");
    let refused = n
        .confirm_ruling_reviewed(&id, who("bob"), Some(&proposed.decision_digest()))
        .await
        .expect_err("stale");
    assert_eq!(refused.code(), ErrorCode::RulingChanged, "{refused}");
    assert!(refused.to_string().contains("withdraw"), "{refused}");
    // It says what moved (s10 N5): the payment question, and the release no longer made.
    let said = refused.to_string();
    for what in ["Q6: ", "no longer: release guarantee"] {
        assert!(said.contains(what), "{what}: {said}");
    }
    // Not the new decision digest: pasted back unread, it would sign a ruling nobody read (s11 M4).
    let (now, _) = n.case_replay(&id).await.expect("replay");
    assert_ne!(now.decision_digest(), proposed.decision_digest());
    assert!(!said.contains(&now.decision_digest()), "{said}");
    assert_eq!(n.shared.published.log_size(), size, "nothing signed");
    // Withdrawn and ruled again, the ruling is the one the evidence now gives.
    n.withdraw_proposal(&id, who("bob"), "the buyer has paid")
        .await
        .expect("withdrawn");
    let (fresh, _, _) = n.case_review(&id).await.expect("replay");
    assert_ne!(fresh.decision_digest(), proposed.decision_digest());
}
