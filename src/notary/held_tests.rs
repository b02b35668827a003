//! A guarantee the buyer is ruled to pay under (N2): the ruling holds it for its seller, the
//! expiry scan passes it by (across a restart too), and the seller's settle closes it. And the
//! expiry scan goes on past the guarantees it must keep, however many there are.

use chrono::Duration;
use ed25519_dalek::SigningKey;
use serde_json::Value;

use super::evidence_tests::{claim_by, world, world_under, World};
use super::guarantees::{Caller, Closing};
use super::{Arbitrator, Notary, RulingOutcome};
use crate::crypto::envelope::Envelope;
use crate::notary::fixture::eur;
use crate::replay::Item;

fn gid(g: &Envelope) -> String {
    g.payload["guarantee_id"].as_str().expect("id").to_string()
}

fn exposure(n: &Notary, w: &World) -> i64 {
    n.agreement(&w.deal.agreement_id, 0)
        .expect("agreement")
        .0
        .exposure
        .minor
}

/// The arbitrator of these cases.
fn alice() -> Arbitrator {
    Arbitrator {
        name: "Alice".into(),
        user: "alice".into(),
    }
}

/// sally's 300.00 claim on bob's guaranteed, delivered order, answered and ruled: bob pays.
async fn ruled_buyer_pays(w: &World) -> (String, Envelope) {
    let (order, g) = w.order("r-held", 30_000, b"chairs").await;
    let receipt = w.receipt(&order);
    let id = w
        .complain(
            ("guarantee_id", &gid(&g)),
            30_000,
            &[order, g.clone(), receipt],
        )
        .await;
    w.answer(&id).await;
    let alice = alice();
    let RulingOutcome::Ruled { ruling } = w.n.sign_ruling(&id, alice).await.expect("ruled") else {
        panic!("one arbitrator suffices for 300.00");
    };
    let allocation = &ruling.payload["ruling"]["allocation"];
    assert_eq!(allocation["buyer_pays"]["minor"], 30_000, "{allocation}");
    (gid(&g), ruling)
}

/// A 1.00 claim whose ruling holds a 300.00 guarantee for its seller (who may then settle all
/// of it) moves 300.00: above the policy's 100.00 it is only proposed (s12 M2: one arbitrator
/// signed it, the hold not counted).
#[tokio::test]
async fn what_the_ruling_holds_counts_towards_the_second_arbitrator() {
    let w = world_under(Some(10_000)).await;
    let (order, g) = w.order("r-small", 30_000, b"chairs").await;
    let receipt = w.receipt(&order);
    let id = w
        .complain(
            ("guarantee_id", &gid(&g)),
            100,
            &[order, g.clone(), receipt],
        )
        .await;
    w.answer(&id).await;
    let (ruling, _) = w.n.case_replay(&id).await.expect("replay");
    assert!(
        ruling
            .actions
            .iter()
            .any(|a| matches!(a, crate::model::dispute::Action::HoldGuarantee { .. })),
        "{:?}",
        ruling.actions
    );
    let alice = alice();
    let outcome = w.n.sign_ruling(&id, alice).await.expect("outcome");
    assert!(
        matches!(outcome, RulingOutcome::Proposed { .. }),
        "{outcome:?}"
    );
}

#[tokio::test]
async fn a_guarantee_the_buyer_is_ruled_to_pay_under_waits_for_its_seller() {
    let w = world().await;
    let (gid, ruling) = ruled_buyer_pays(&w).await;
    let actions = ruling.payload["actions"].as_array().expect("actions");
    let hold: Vec<&Value> = actions
        .iter()
        .filter(|a| a["action"] == "hold_guarantee")
        .collect();
    assert_eq!(hold.len(), 1, "{actions:?}");
    assert_eq!(hold[0]["guarantee_id"], gid.as_str());
    assert_eq!(hold[0]["result"], "held");
    assert_eq!(
        hold[0]["amount"],
        serde_json::to_value(eur(30_000)).expect("json")
    );
    w.advance(Duration::days(400));
    assert_eq!(w.n.release_expired().await.expect("scan"), 0);
    assert_eq!(exposure(&w.n, &w), 30_000, "held: within bob's liability");
    let seller = Caller::Seller(w.deal.seller_id.clone());
    let view = w.n.guarantee(&gid, &seller).expect("sally reads it");
    let case = ruling.payload["complaint_id"]
        .as_str()
        .expect("complaint id");
    assert_eq!(view.held_by.as_deref(), Some(case), "she sees why it stays");
    // The arbitrators' console shows it held too (s12 L6: only "outstanding").
    assert_eq!(w.n.guarantee_holder(&gid).as_deref(), Some(case));
    // After a restart the hold is still known (rebuilt from the signed ruling).
    let World {
        n,
        _t: t,
        w: dir,
        deal,
        ..
    } = w;
    drop(n);
    t.join();
    let (n, _t) = dir.open().expect("reopen");
    assert_eq!(n.release_expired().await.expect("scan"), 0);
    let seller = Caller::Seller(deal.seller_id.clone());
    let settled = n
        .close_guarantee(&gid, seller, Closing::Settle, None, None)
        .await
        .expect("sally settles once paid");
    assert!(settled.closing.is_some());
    let exposure = n
        .agreement(&deal.agreement_id, 0)
        .expect("agreement")
        .0
        .exposure;
    assert_eq!(exposure, eur(0));
}

/// Two guarantees due, the first (most overdue) claimed in an open case: a scan in rounds of
/// one still releases the second (before: every round looked at the claimed one again, and with
/// 256 of them nothing behind them was ever released).
#[tokio::test]
async fn the_expiry_scan_goes_on_past_the_guarantees_it_keeps() {
    let w = world().await;
    let (_, claimed) = w.order("r-claimed", 10_000, b"claimed").await;
    w.advance(Duration::hours(1));
    let (_, free) = w.order("r-free", 20_000, b"free").await;
    w.complain(("guarantee_id", &gid(&claimed)), 10_000, &[])
        .await;
    w.advance(Duration::days(400));
    assert_eq!(w.n.release_expired_by(1).await.expect("scan"), 1);
    assert_eq!(exposure(&w.n, &w), 10_000, "the claimed one stays");
    let view = w.n.guarantee(&gid(&free), &Caller::Notary).expect("view");
    assert_eq!(view.state, crate::notary::state::GuaranteeState::Released);
}

/// bob's own non_delivery claim about guarantee `gid`, with no evidence (the order is the
/// notary's record).
async fn bob_claims_nothing_came(w: &World, gid: &str) -> String {
    let subject = ("guarantee_id", gid);
    let claim = claim_by(w, "non_delivery", subject, 30_000, "Nothing came.");
    w.n.file_complaint(claim).await.expect("filed").complaint_id
}

/// Case `id` ruled after its respondent's deadline passed in silence.
async fn rule_silent(w: &World, id: &str) -> Envelope {
    w.advance(Duration::days(60));
    w.n.mark_silent_complaints().await.expect("sweep");
    let bea = Arbitrator {
        name: "Bea".into(),
        user: "bea".into(),
    };
    let RulingOutcome::Ruled { ruling } = w.n.sign_ruling(id, bea).await.expect("ruled") else {
        panic!("one arbitrator suffices");
    };
    ruling
}

fn minor(ruling: &Envelope, who: &str) -> i64 {
    let a = &ruling.payload["ruling"]["allocation"];
    a[who]["minor"].as_i64().expect("an amount")
}

/// s9 F1: sally's case (bob's receipt of the goods, answered) and bob's own non_delivery claim
/// about the same guarantee (sally silent) are both open, and bob's is ruled first: it weighs
/// the receipt sally gave in her case, so it releases nothing; hers then holds the guarantee
/// (before: bob's ruling found no delivery and released it, and hers had nothing to settle).
#[tokio::test]
async fn a_buyers_claim_ruled_first_weighs_the_evidence_of_the_sellers_case() {
    let w = world().await;
    let (order, g) = w.order("r-first", 30_000, b"chairs").await;
    let receipt = w.receipt(&order);
    let gid = gid(&g);
    let hers = w
        .complain(("guarantee_id", &gid), 30_000, &[order, g, receipt])
        .await;
    w.answer(&hers).await;
    let his = bob_claims_nothing_came(&w, &gid).await;
    // s9b N1: bob's key revoked ("stolen") before his case is ruled. Sally's complaint receipt,
    // carried with her evidence, shows his receipt signed before: it still shows delivery.
    w.advance(Duration::days(1));
    let kb1 = crate::crypto::keys::key_id(&w.deal.buyer_key.verifying_key());
    w.n.revoke_key(&kb1, "stolen", None).await.expect("revoked");
    let ruling = rule_silent(&w, &his).await;
    let actions = ruling.payload["actions"].as_array().expect("actions");
    assert!(
        !actions.iter().any(|a| a["result"] == "released"),
        "{actions:?}"
    );
    assert_eq!(minor(&ruling, "refund_to_buyer"), 0);
    assert_eq!(exposure(&w.n, &w), 30_000, "still outstanding");
    let alice = alice();
    let RulingOutcome::Ruled { ruling } = w.n.sign_ruling(&hers, alice).await.expect("ruled")
    else {
        panic!("one arbitrator suffices");
    };
    assert_eq!(minor(&ruling, "buyer_pays"), 30_000);
    let actions = ruling.payload["actions"].as_array().expect("actions");
    assert!(
        actions
            .iter()
            .any(|a| a["action"] == "hold_guarantee" && a["result"] == "held"),
        "{actions:?}"
    );
    let seller = Caller::Seller(w.deal.seller_id.clone());
    let settled =
        w.n.close_guarantee(&gid, seller, Closing::Settle, None, None);
    assert!(settled.await.is_ok(), "sally is paid under it");
}

/// s9b N2, N3: tom signed the same document as an order to sam; sam's case about that order
/// (the same order digest) and its evidence (tom's receipt) stay out of sally's case against
/// bob: another deal's parties, whatever the digest (before: carried, and counted as bob's
/// delivery when the order envelope was the same).
#[tokio::test]
async fn another_deals_case_about_the_same_order_digest_stays_out() {
    use super::fixture::{goods_receipt, make_deal, request};
    let w = world().await;
    let tom_key = SigningKey::from_bytes(&[11; 32]);
    let caps = Some((100_000, 50_000));
    let other = make_deal(&w.n, "tom", tom_key.clone(), "sam", "semper-consumer", caps);
    let other = other.await.expect("deal");
    let sam_key = SigningKey::from_bytes(&[12; 32]);
    let raw = super::KeyInput::Raw(sam_key.verifying_key().to_bytes());
    w.n.add_key(&other.seller_id, raw, None).await.expect("key");
    let doc = b"the same chairs";
    let (order, g) = w.order("r-bob", 30_000, doc).await;
    let req = request(
        "r-tom",
        &other.agreement_id,
        &other.seller_id,
        &tom_key,
        eur(30_000),
        doc,
    );
    let toms = req.order.clone();
    let answer = w.n.request_guarantee(req, &other.seller_id).await;
    let tg = answer.expect("answered").envelope().expect("signed");
    let digest = tg.payload["order_digest"]
        .as_str()
        .expect("digest")
        .to_string();
    assert_eq!(g.payload["order_digest"], digest.as_str(), "one document");
    let toms_receipt = goods_receipt(&tom_key, &other.buyer_id, &toms, w.w.now()).expect("r");
    let claim = serde_json::json!({
        "kind": "non_payment", "claimant": other.seller_id, "respondent": other.buyer_id,
        "amount": eur(30_000), "statement": "tom never paid.", "order_digest": digest,
        "evidence": [{"type": "envelope", "envelope": toms_receipt}],
        "notary_key_id": w.n.identity().key_id, "created_at": "2026-03-01T09:00:00.000Z",
    });
    let claim = Envelope::sign("complaint", claim, &sam_key).expect("sign");
    w.n.file_complaint(claim).await.expect("sam's case");
    let hers = w
        .complain(("guarantee_id", &gid(&g)), 30_000, &[order])
        .await;
    let bundle = w.n.case_bundle(&hers).await.expect("bundle");
    let leaked = bundle.items.iter().any(|i| match i {
        Item::PartyEnvelope { envelope, .. } => envelope == &toms_receipt,
        _ => false,
    });
    assert!(!leaked, "tom's receipt is sam's case's, not sally's");
}

/// s9c G1: bob and tom both signed the same order document to sally, and each got a
/// guarantee. Her claim against tom by the order's digest does not make her claim against bob's
/// guarantee a duplicate (before: `duplicate_claim`, the digest keyed the claim alone); a second
/// claim against tom through his guarantee still is one.
#[tokio::test]
async fn one_document_two_buyers_two_claims() {
    use super::fixture::{buyer_with_agreement, request};
    use crate::model::error_code::ErrorCode;
    let w = world().await;
    let tom_key = SigningKey::from_bytes(&[13; 32]);
    let caps = Some((100_000, 50_000));
    let tom = buyer_with_agreement(&w.n, "tom", &tom_key, "semper-consumer", caps);
    let (tom_id, tom_agreement) = tom.await.expect("tom");
    let doc = b"one catalogue page";
    let (_, g) = w.order("r-bob", 30_000, doc).await;
    let seller = &w.deal.seller_id;
    let req = request("r-tom", &tom_agreement, seller, &tom_key, eur(30_000), doc);
    let (_, tg) = w.ask(req).await;
    let digest = tg.payload["order_digest"].as_str().expect("digest");
    assert_eq!(g.payload["order_digest"], digest, "one document");
    let sallys = |subject: (&str, &str), respondent: &str| {
        let mut claim = serde_json::json!({
            "kind": "non_payment", "claimant": seller, "respondent": respondent,
            "amount": eur(30_000), "statement": "not paid", "evidence": [],
            "notary_key_id": w.n.identity().key_id, "created_at": "2026-03-01T09:00:00.000Z",
        });
        claim[subject.0] = subject.1.into();
        Envelope::sign("complaint", claim, &w.sally_key).expect("sign")
    };
    let against_tom = sallys(("order_digest", digest), &tom_id);
    w.n.file_complaint(against_tom).await.expect("against tom");
    let against_bob = sallys(("guarantee_id", &gid(&g)), &w.deal.buyer_id);
    w.n.file_complaint(against_bob)
        .await
        .expect("against bob: another deal");
    let tom_again = sallys(("guarantee_id", &gid(&tg)), &tom_id);
    let refused =
        w.n.file_complaint(tom_again)
            .await
            .expect_err("tom's twice");
    assert_eq!(refused.code(), ErrorCode::DuplicateClaim, "{refused}");
}

/// s9 F2: after the ruling that has bob pay and sally's settlement under the guarantee, bob's
/// own non_delivery claim (sally silent) weighs his receipt from her case: no refund (before:
/// "nothing shows a delivery", the guarantee paid, so 300.00 back to bob).
#[tokio::test]
async fn a_later_claim_does_not_refund_what_an_earlier_case_found_delivered() {
    let w = world().await;
    let (gid, _) = ruled_buyer_pays(&w).await;
    let seller = Caller::Seller(w.deal.seller_id.clone());
    let settled =
        w.n.close_guarantee(&gid, seller, Closing::Settle, None, None);
    assert!(settled.await.is_ok());
    let id = bob_claims_nothing_came(&w, &gid).await;
    let ruling = rule_silent(&w, &id).await;
    assert_eq!(minor(&ruling, "refund_to_buyer"), 0, "{}", ruling.payload);
    let findings = ruling.payload["ruling"]["findings"].to_string();
    assert!(!findings.contains("Q5.not_shown"), "{findings}");
}

/// s8 F1: after the ruling that holds bob's guarantee, bob files his own non-delivery claim
/// about it with the order alone and sally stays silent. That case's bundle carries the holding
/// ruling, so its replay asks neither to release the guarantee nor to hold it again, and bob's
/// exposure stays (first: released, and sally's settle refused; then: the replay asked for a
/// release, which signing refused as `held`).
#[tokio::test]
async fn a_later_case_cannot_release_a_guarantee_a_ruling_holds() {
    let w = world().await;
    let (gid, first) = ruled_buyer_pays(&w).await;
    let id = bob_claims_nothing_came(&w, &gid).await;
    let ruling = rule_silent(&w, &id).await;
    let actions = ruling.payload["actions"].as_array().expect("actions");
    assert!(
        !actions.iter().any(|a| a["guarantee_id"] == gid.as_str()),
        "the earlier hold stands: {actions:?}"
    );
    let findings = ruling.payload["ruling"]["findings"].to_string();
    assert!(
        findings.contains("Q3.held_by_ruling"),
        "says why: {findings}"
    );
    let bundle = w.n.case_bundle(&id).await.expect("bundle");
    let carried = bundle.items.iter().any(|i| match i {
        Item::NotaryEnvelope { envelope, .. } => envelope == &first,
        _ => false,
    });
    assert!(carried, "the holding ruling is evidence of the later case");
    assert_eq!(exposure(&w.n, &w), 30_000, "still bob's to pay");
    let seller = Caller::Seller(w.deal.seller_id.clone());
    let settled =
        w.n.close_guarantee(&gid, seller, Closing::Settle, None, None)
            .await;
    assert!(settled.is_ok(), "{settled:?}");
}
