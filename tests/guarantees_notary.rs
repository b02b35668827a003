//! The guarantee scenarios C1–C7 of SCENARIOS.md against the notary library (no HTTP), with a
//! controlled clock; plus expiry, settle/release rules and restart. The HTTP side is in
//! tests/guarantees_http.rs.

use std::sync::Arc;

use base64::Engine as _;
use chrono::Duration;
use ed25519_dalek::SigningKey;
use notar::model::error_code::ErrorCode;
use notar::notary::fixture::{eur, make_deal, request, ClockedDataDir, Deal};
use notar::notary::{Caller, Closing, GuaranteeState, Notary, NotaryError};

/// A notary's data dir in a temp dir, its clock at 2026-03-01T10:00:00Z.
type World = ClockedDataDir<tempfile::TempDir>;

async fn world() -> World {
    let t0 = "2026-03-01T10:00:00Z".parse().expect("t0");
    let tmp = tempfile::tempdir().expect("tempdir");
    World::init(tmp, "t", t0).await.expect("init")
}

async fn deal(n: &Notary) -> Deal {
    // semper-consumer: 1000.00 total, 500.00 per transaction.
    make_deal(
        n,
        "bob",
        SigningKey::from_bytes(&[7; 32]),
        "sally",
        "semper-consumer",
        None,
    )
    .await
    .expect("deal")
}

async fn ask(
    n: &Notary,
    d: &Deal,
    rid: &str,
    minor: i64,
    doc: &str,
) -> notar::notary::GuaranteeAnswer {
    n.request_guarantee(
        request(
            rid,
            &d.agreement_id,
            &d.seller_id,
            &d.buyer_key,
            eur(minor),
            doc.as_bytes(),
        ),
        &d.seller_id,
    )
    .await
    .expect("answer")
}

/// The agreement `id` as the notary lists it.
fn agreement(n: &Notary, id: &str) -> notar::notary::AgreementView {
    n.agreements()
        .into_iter()
        .find(|v| v.agreement.id == id)
        .expect("agreement")
}

fn exposure(n: &Notary, d: &Deal) -> i64 {
    agreement(n, &d.agreement_id).exposure.minor
}

/// `seller_id` settles or releases the guarantee `gid`, no reason, no operator.
async fn close(
    n: &Notary,
    gid: &str,
    seller_id: &str,
    how: Closing,
) -> Result<notar::notary::GuaranteeView, NotaryError> {
    n.close_guarantee(gid, Caller::Seller(seller_id.into()), how, None, None)
        .await?
        .view()
}

#[tokio::test]
async fn c1_to_c6() {
    let w = world().await;
    let (n, _t) = w.open().expect("open");
    let d = deal(&n).await;

    // C1: within both caps.
    let a = ask(&n, &d, "r1", 30_000, "order 1").await;
    assert!(a.granted(), "{}", a.body);
    assert_eq!(exposure(&n, &d), 30_000);
    let g = a.envelope().expect("guarantee");
    c1_the_guarantee_carries_every_field(&n, &g);

    // C2: above per_tx_cap.
    let a = ask(&n, &d, "r2", 50_001, "order 2").await;
    assert_eq!(a.reason().as_deref(), Some("per_transaction_cap_exceeded"));
    assert!(!a.body.contains("headroom"));

    // C3: above the remaining headroom (700.00 left; ask 500.00 twice).
    assert!(ask(&n, &d, "r3", 50_000, "order 3").await.granted());
    let a = ask(&n, &d, "r4", 30_000, "order 4").await;
    assert_eq!(a.reason().as_deref(), Some("total_cap_exceeded"));
    assert_eq!(exposure(&n, &d), 80_000);

    c5_a_repeated_request_is_answered_the_same(&n, &d, &g).await;
    let gid = g.payload["guarantee_id"].as_str().expect("id");
    c6_release_restores_headroom_once(&n, &d, gid).await;
}

fn c1_the_guarantee_carries_every_field(n: &Notary, g: &notar::crypto::envelope::Envelope) {
    assert_eq!(g.kind, "guarantee");
    let vk = n.identity().public_key.clone();
    assert!(!vk.is_empty());
    for field in [
        "guarantee_id",
        "agreement_id",
        "buyer",
        "seller_id",
        "amount",
        "order_digest",
        "key_id",
        "key_status",
        "issued_at",
        "expires_at",
        "policy_id",
        "policy_digest",
        "log_index",
    ] {
        assert!(
            g.payload.get(field).is_some(),
            "guarantee lacks {field}: {}",
            g.payload
        );
    }
    assert_eq!(g.payload["key_status"], "not_revoked");
}

/// C5: the same request id again (r1, which got `g`): byte for byte, exposure unchanged.
async fn c5_a_repeated_request_is_answered_the_same(
    n: &Notary,
    d: &Deal,
    g: &notar::crypto::envelope::Envelope,
) {
    let again = ask(n, d, "r1", 30_000, "order 1").await;
    let first_bytes = ask(n, d, "r1", 30_000, "order 1").await;
    assert_eq!(again, first_bytes);
    let g1 = again.envelope().expect("g");
    assert_eq!(&g1, g);
    assert_eq!(exposure(n, d), 80_000);
    // The same id with other content is refused, not answered.
    let other = request(
        "r1",
        &d.agreement_id,
        &d.seller_id,
        &d.buyer_key,
        eur(100),
        b"other",
    );
    let reuse = n.request_guarantee(other, &d.seller_id).await;
    assert!(matches!(
        reuse,
        Err(NotaryError::Conflict {
            code: ErrorCode::RequestIdReused,
            ..
        })
    ));
    // The same order under a new request id: duplicate_transaction (after the cap checks).
    let dup = ask(n, d, "r1-bis", 10_000, "order 3").await;
    assert!(!dup.granted());
}

/// C6: release restores headroom; a guarantee for that amount now succeeds.
async fn c6_release_restores_headroom_once(n: &Notary, d: &Deal, gid: &str) {
    let v = close(n, gid, &d.seller_id, Closing::Release)
        .await
        .expect("release");
    assert_eq!(v.state, GuaranteeState::Released);
    assert_eq!(exposure(n, d), 50_000);
    assert!(ask(n, d, "r5", 30_000, "order 5").await.granted());
    // Releasing again returns the same signed release; settling it is a conflict.
    let v2 = close(n, gid, &d.seller_id, Closing::Release)
        .await
        .expect("again");
    assert_eq!(v2.closing, v.closing);
    let s = close(n, gid, &d.seller_id, Closing::Settle).await;
    assert!(matches!(
        s,
        Err(NotaryError::Conflict {
            code: ErrorCode::AlreadyReleased,
            ..
        })
    ));
    // Another seller may not touch it.
    let other = close(n, gid, "someone", Closing::Settle).await;
    assert!(matches!(other, Err(NotaryError::Forbidden(_))));
}

#[tokio::test]
async fn c4_revoked_key_is_refused_from_its_registration_time_on() {
    let w = world().await;
    let (n, _t) = w.open().expect("open");
    let d = deal(&n).await;
    assert!(ask(&n, &d, "before", 10_000, "a").await.granted());
    let kid = notar::crypto::keys::key_id(&d.buyer_key.verifying_key());
    n.revoke_key(&kid, "lost laptop", None)
        .await
        .expect("revoke");
    let a = ask(&n, &d, "after", 10_000, "b").await;
    assert_eq!(a.reason().as_deref(), Some("key_revoked"));
    assert_eq!(exposure(&n, &d), 10_000);
}

#[tokio::test]
async fn c7_64_concurrent_requests_grant_exactly_ten() {
    let w = world().await;
    let (n, _t) = w.open().expect("open");
    // total_cap 1000.00, per_tx_cap 500.00; 64 x 100.00.
    let d = Arc::new(deal(&n).await);
    let mut tasks = Vec::new();
    for i in 0..64 {
        let (n, d) = (n.clone(), d.clone());
        tasks.push(tokio::spawn(async move {
            ask(&n, &d, &format!("c7-{i}"), 10_000, &format!("doc {i}")).await
        }));
    }
    let mut granted = 0;
    let mut refused = 0;
    for t in tasks {
        let a = t.await.expect("task");
        if a.granted() {
            granted += 1;
        } else {
            assert_eq!(a.reason().as_deref(), Some("total_cap_exceeded"));
            refused += 1;
        }
    }
    assert_eq!((granted, refused), (10, 54));
    assert_eq!(exposure(&n, &d), 100_000);
}

#[tokio::test]
async fn expired_guarantees_are_released_and_logged_and_state_survives_restart() {
    let w = world().await;
    let (n, t) = w.open().expect("open");
    let d = deal(&n).await;
    let a = ask(&n, &d, "x1", 20_000, "x1").await;
    let gid = a.envelope().expect("g").payload["guarantee_id"]
        .as_str()
        .expect("id")
        .to_string();
    assert!(ask(&n, &d, "x2", 10_000, "x2").await.granted());
    assert_eq!(n.release_expired().await.expect("sweep"), 0);
    // Past validity + grace of semper-consumer.
    w.advance(Duration::days(400));
    assert_eq!(n.release_expired().await.expect("sweep"), 2);
    assert_eq!(exposure(&n, &d), 0);
    let v = n.guarantee(&gid, &Caller::Notary).expect("view");
    assert_eq!(v.state, GuaranteeState::Released);
    assert_eq!(v.closing.expect("release").payload["reason"], "expired");
    // The agreement itself has ended its validity too.
    assert_eq!(
        ask(&n, &d, "x3", 100, "x3").await.reason().as_deref(),
        Some("agreement_inactive")
    );
    drop(n);
    t.join();
    let (n, _t) = w.open().expect("open");
    assert_eq!(exposure(&n, &d), 0);
    assert_eq!(
        n.guarantee(&gid, &Caller::Notary).expect("view").state,
        GuaranteeState::Released
    );
}

#[tokio::test]
async fn outstanding_exposure_is_rebuilt_after_restart() {
    let w = world().await;
    let (n, t) = w.open().expect("open");
    let d = deal(&n).await;
    for i in 0..5 {
        assert!(ask(&n, &d, &format!("k{i}"), 15_000, &format!("k{i}"))
            .await
            .granted());
    }
    drop(n);
    t.join();
    let (n, _t) = w.open().expect("open");
    assert_eq!(exposure(&n, &d), 75_000);
    let a = ask(&n, &d, "k9", 30_000, "k9").await;
    assert_eq!(a.reason().as_deref(), Some("total_cap_exceeded"));
    // A retry of an answered request after the restart: the same bytes.
    let again = ask(&n, &d, "k0", 15_000, "k0").await;
    assert!(again.granted());
    assert_eq!(exposure(&n, &d), 75_000);
}

/// Prints one object of each kind, for docs/formats.md (`cargo test --test guarantees_notary
/// print_examples -- --ignored --nocapture`).
#[tokio::test]
#[ignore = "documentation helper"]
async fn print_examples() {
    let w = world().await;
    let (n, _t) = w.open().expect("open");
    let d = deal(&n).await;
    let order = notar::notary::fixture::signed_order(
        &d.buyer_key,
        &d.seller_id,
        eur(12_000),
        b"order 1042",
    );
    println!(
        "ORDER {}",
        serde_json::to_string_pretty(&order).expect("json")
    );
    let a = ask(&n, &d, "po-1042", 12_000, "order 1042").await;
    println!("GRANTED {}", a.body);
    let r = ask(&n, &d, "po-1043", 80_000, "order 1043").await;
    println!("REFUSED {}", r.body);
    let gid = a.envelope().expect("g").payload["guarantee_id"]
        .as_str()
        .expect("id")
        .to_string();
    let v = close(&n, &gid, &d.seller_id, Closing::Settle)
        .await
        .expect("settle");
    println!(
        "SETTLED {}",
        serde_json::to_string(&v.closing).expect("json")
    );
    for i in 0..n.log_size() {
        println!(
            "ENTRY {i} {}",
            String::from_utf8_lossy(&n.entry(i).expect("entry"))
        );
    }
}

#[tokio::test]
async fn old_policy_versions_stay_known_and_a_bad_policy_file_stops_the_start() {
    let w = world().await;
    let (n, t) = w.open().expect("open");
    let d = deal(&n).await;
    let v1 = n.agreements()[0].agreement.policy.clone();
    assert_eq!(v1.version, 1);
    drop(n);
    t.join();

    // A new edition of the consumer policy: version 2, other caps.
    let path = w.dir.root().join("policies/semper-consumer.toml");
    let text = std::fs::read_to_string(&path).expect("read policy");
    let v2_text = text
        .replace("version = 1", "version = 2")
        .replace("total_cap = 100000", "total_cap = 200000");
    assert_ne!(v2_text, text, "the shipped file has the expected lines");
    std::fs::write(&path, &v2_text).expect("write v2");
    let (n, t) = w.open().expect("open");
    // The old agreement still applies version 1 (kept in the store, not in the directory).
    let old = agreement(&n, &d.agreement_id);
    assert_eq!(old.agreement.policy, v1);
    let a = ask(&n, &d, "p1", 100, "p1").await;
    let g = a.envelope().expect("guarantee");
    assert_eq!(g.payload["policy_version"], 1);
    assert_eq!(g.payload["policy_digest"], v1.digest.as_str());
    // A new agreement takes version 2 with its caps.
    let d2 = make_deal(
        &n,
        "carol",
        SigningKey::from_bytes(&[9; 32]),
        "sam",
        "semper-consumer",
        None,
    )
    .await
    .expect("deal 2");
    let new = agreement(&n, &d2.agreement_id);
    assert_eq!(new.agreement.policy.version, 2);
    assert_eq!(new.agreement.total_cap_minor, 200_000);
    assert_eq!(n.policies().len(), 3, "business v1, consumer v1 and v2");
    drop(n);
    t.join();

    // Changing a known version without raising it: refused, naming the policy.
    std::fs::write(
        &path,
        v2_text.replace("total_cap = 200000", "total_cap = 300000"),
    )
    .expect("write");
    let err = w.open().err().expect("must refuse");
    assert_eq!(err.code().to_string(), "setup", "{err}");
    assert!(err.to_string().contains("changed"), "{err}");
    // At the file and the line of its version, to raise (it said `semper-consumer:0:`).
    let version_at = v2_text
        .lines()
        .position(|l| l.starts_with("version ="))
        .expect("version line")
        + 1;
    let at = format!("semper-consumer.toml:{version_at}: ");
    assert!(err.to_string().contains(&at), "{err}");

    // A malformed file: refused with file, line and reason.
    std::fs::write(&path, "id = \"semper-consumer\"\nversion = \"two\"\n").expect("write");
    let err = w.open().err().expect("must refuse");
    let msg = err.to_string();
    assert!(msg.contains("semper-consumer.toml:2:"), "{msg}");
}

#[tokio::test]
async fn a_party_with_a_key_the_notary_refuses_is_not_registered() {
    let w = world().await;
    let (n, _t) = w.open().expect("open");
    let d = deal(&n).await;
    let before = n.parties().len();
    let log_before = n.log_size();
    let taken = notar::notary::KeyInput::Raw(d.buyer_key.verifying_key().to_bytes());
    let r = n
        .register_party_with_key(
            "mallory",
            notar::model::registry::Role::Buyer,
            Some(taken),
            None,
        )
        .await;
    assert!(
        matches!(
            r,
            Err(NotaryError::Conflict {
                code: ErrorCode::KeyExists,
                ..
            })
        ),
        "{:?}",
        r.err()
    );
    let bad_cert = notar::notary::KeyInput::Certificate(b"not a certificate".to_vec());
    let r = n
        .register_party_with_key(
            "mallory",
            notar::model::registry::Role::Buyer,
            Some(bad_cert),
            None,
        )
        .await;
    assert_eq!(
        r.err().map(|e| e.code().to_string()).as_deref(),
        Some("certificate_unparsable")
    );
    assert_eq!(n.parties().len(), before);
    assert_eq!(n.log_size(), log_before);
    // With a good key: party and key, two signed entries.
    let fresh =
        notar::notary::KeyInput::Raw(SigningKey::from_bytes(&[42; 32]).verifying_key().to_bytes());
    let (p, k) = n
        .register_party_with_key(
            "mallory",
            notar::model::registry::Role::Buyer,
            Some(fresh),
            None,
        )
        .await
        .expect("registered");
    assert_eq!(k.expect("key").party_id, p.party.id);
    assert_eq!(n.log_size(), log_before + 2);
}

/// `d`'s request `rid` for `minor`, its order's signature replaced by `sig(signing input)`.
fn request_signed_by(
    d: &Deal,
    rid: &str,
    minor: i64,
    sig: impl Fn(&[u8]) -> ed25519_dalek::Signature,
) -> notar::notary::GuaranteeRequest {
    use base64::Engine;
    let mut r = request(
        rid,
        &d.agreement_id,
        &d.seller_id,
        &d.buyer_key,
        eur(minor),
        rid.as_bytes(),
    );
    let msg = notar::crypto::envelope::signing_input(&r.order.kind, &r.order.payload)
        .expect("signing input");
    r.order.signatures[0].sig =
        base64::engine::general_purpose::STANDARD.encode(sig(&msg).to_bytes());
    r
}

#[tokio::test]
async fn order_signatures_at_intake_follow_replays_rule() {
    use curve25519_dalek::constants::EIGHT_TORSION;
    use curve25519_dalek::EdwardsPoint;
    use notar::notary::fixture::signatures::{crafted, s_plus_l};
    let w = world().await;
    let (n, _t) = w.open().expect("open");
    let n = &n;
    let d = deal(n).await;
    let key = d.buyer_key.clone();
    // R with an order-2 component: cofactorless verification refuses it; under ZIP-215, replay's
    // rule, it is admissible (only the key's holder can make it).
    let torsion = request_signed_by(&d, "r-torsion", 100, |m| {
        crafted(&key, m, 5, EIGHT_TORSION[4], None)
    });
    let a = n
        .request_guarantee(torsion, &d.seller_id)
        .await
        .expect("answer");
    assert!(a.granted() && a.reason().is_none(), "{}", a.body);
    // A non-canonical s: refused, as replay refuses it.
    let s_plus_l = request_signed_by(&d, "r-s-plus-l", 100, |m| {
        s_plus_l(crafted(&key, m, 5, EdwardsPoint::default(), None))
    });
    let a = n
        .request_guarantee(s_plus_l, &d.seller_id)
        .await
        .expect("answer");
    assert!(!a.granted(), "{}", a.body);
    assert_eq!(a.reason().as_deref(), Some("bad_order_signature"));
    // The plain signature the crafting makes verifies (the refusal above is the scalar's).
    let plain = request_signed_by(&d, "r-plain", 100, |m| {
        crafted(&key, m, 5, EdwardsPoint::default(), None)
    });
    let a = n
        .request_guarantee(plain, &d.seller_id)
        .await
        .expect("answer");
    assert!(a.granted() && a.reason().is_none(), "{}", a.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_requests_verified_together_each_get_their_own_verdict() {
    let w = world().await;
    let (n, _t) = w.open().expect("open");
    let d = Arc::new(deal(&n).await);
    let mut tasks = Vec::new();
    for i in 0..96 {
        let (n, d) = (n.clone(), d.clone());
        tasks.push(tokio::spawn(async move {
            let rid = format!("r-{i}");
            let bad = i % 9 == 4;
            let key = d.buyer_key.clone();
            let r = request_signed_by(&d, &rid, 100, move |m| {
                use ed25519_dalek::Signer as _;
                let mut sig = key.sign(m).to_bytes();
                if bad {
                    sig[50] ^= 4;
                }
                ed25519_dalek::Signature::from_bytes(&sig)
            });
            let a = n.request_guarantee(r, &d.seller_id).await.expect("answer");
            (bad, a.granted(), a.reason())
        }));
    }
    for t in tasks {
        let (bad, granted, reason) = t.await.expect("task");
        let want = bad.then(|| "bad_order_signature".to_string());
        assert_eq!((granted, reason), (!bad, want));
    }
    // 85 granted at 1.00 EUR each.
    assert_eq!(exposure(&n, &d), 8_500);
}

#[tokio::test]
async fn concurrent_closes_of_a_guarantee_close_it_once_with_one_signed_closing() {
    let w = world().await;
    let (n, _t) = w.open().expect("open");
    let d = Arc::new(deal(&n).await);
    let mut gids: Vec<Arc<str>> = Vec::new();
    for i in 0..6 {
        let a = ask(&n, &d, &format!("cc-{i}"), 10_000, &format!("order cc {i}")).await;
        let g = a.envelope().expect("guarantee");
        gids.push(g.payload["guarantee_id"].as_str().expect("id").into());
    }
    let before = n.log_size();
    // Settles and releases of six guarantees at once: they land in a few batches, most
    // closings signed by the worker pool, those read again by a later command of the same
    // batch signed by the sequencer through the same cell.
    let mut tasks = Vec::new();
    for i in 0..96 {
        let (n, d, gid) = (n.clone(), d.clone(), gids[i % 6].clone());
        let how = [Closing::Release, Closing::Settle][(i / 6) % 2];
        tasks.push(tokio::spawn(async move {
            (gid.clone(), how, close(&n, &gid, &d.seller_id, how).await)
        }));
    }
    let mut closed: std::collections::HashMap<Arc<str>, Vec<_>> = Default::default();
    let mut conflicts = 0;
    for t in tasks {
        match t.await.expect("task") {
            (gid, how, Ok(v)) => closed.entry(gid).or_default().push((how, v)),
            (_, _, Err(NotaryError::Conflict { code, .. })) => {
                assert!(matches!(
                    code,
                    ErrorCode::AlreadyReleased | ErrorCode::AlreadySettled
                ));
                conflicts += 1;
            }
            (_, _, Err(e)) => panic!("unexpected: {e}"),
        }
    }
    // For each guarantee one way wins: its eight requests get the one closing, the other eight
    // a conflict.
    assert_eq!(conflicts, 48);
    let pk = base64::engine::general_purpose::STANDARD
        .decode(&n.identity().public_key)
        .expect("base64");
    let pk: [u8; 32] = pk.try_into().expect("32 bytes");
    let vk = ed25519_dalek::VerifyingKey::from_bytes(&pk).expect("key");
    let mut indexes = Vec::new();
    for gid in &gids {
        let answers = &closed[gid];
        assert_eq!(answers.len(), 8, "{gid}");
        let (how, first) = &answers[0];
        assert!(answers
            .iter()
            .all(|(h, v)| h == how && v.closing == first.closing));
        let closing = first.closing.as_ref().expect("closing");
        closing.verify_by(&vk).expect("signed by the notary");
        assert_eq!(closing.payload["guarantee_id"].as_str(), Some(&**gid));
        indexes.push(closing.payload["log_index"].as_u64().expect("index"));
        let stored = n
            .guarantee(gid, &Caller::Seller(d.seller_id.clone()))
            .expect("stored");
        assert_eq!(stored.closing, first.closing);
    }
    // Each logged once, at the index it names; the headroom returned once each.
    indexes.sort_unstable();
    assert_eq!(indexes, (before..before + 6).collect::<Vec<_>>());
    assert_eq!(n.log_size(), before + 6);
    assert_eq!(exposure(&n, &d), 0);
}
