//! Commands that meet in one batch while their signatures are deferred to the worker pool
//! (DESIGN §2): a retry answered from the pending answer, the stored records made from the
//! envelope's bytes, and the leaves in index order.

use std::time::Duration;

use super::evidence_tests::{world, World};
use super::fixture::eur;
use super::state::GuaranteeRecord;
use super::GuaranteeAnswer;
use super::NotaryError;
use crate::store::Cf;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retry_in_the_same_batch_gets_the_same_signed_answer() {
    let w = world().await;
    let d = &w.deal;
    let req = |rid: &str, minor: i64, doc: &[u8]| w.request(rid, minor, doc);
    let size0 = w.n.log_size();
    let ask = |r: super::GuaranteeRequest| {
        let (n, seller) = (w.n.clone(), d.seller_id.clone());
        tokio::spawn(async move { n.request_guarantee(r, &seller).await })
    };
    let go = hold(&w.n);
    let first = ask(req("r1", 2_000, b"doc"));
    tokio::time::sleep(Duration::from_millis(50)).await;
    let retry = ask(req("r1", 2_000, b"doc"));
    let reused = ask(req("r1", 3_000, b"another doc"));
    tokio::time::sleep(Duration::from_millis(100)).await;
    go.send(()).expect("sequencer waits");
    let first = first.await.expect("join").expect("first");
    let retry = retry.await.expect("join").expect("retry");
    assert!(first.granted());
    assert_eq!(first, retry, "a retry gets the first answer byte for byte");
    assert!(matches!(
        reused.await.expect("join"),
        Err(NotaryError::Conflict { .. })
    ));
    // One guarantee signed, in one leaf, beside the batch's checkpoint.
    assert_eq!(w.n.log_size(), size0 + 1);

    check_stored(&w, &first);
    // A retry after the batch is durable reads the stored answer: the same bytes again.
    let later =
        w.n.request_guarantee(req("r1", 2_000, b"doc"), &d.seller_id)
            .await
            .expect("later retry");
    assert_eq!(later, first);
}

/// The record of a granted `answer`, written from the certificate's bytes, reads back as the
/// certificate, and the log leaf at its `log_index` holds it.
fn check_stored(w: &World, answer: &GuaranteeAnswer) {
    // The record, written from the certificate's bytes, reads back as the certificate.
    let env = answer.envelope().expect("certificate");
    let gid = env.payload["guarantee_id"]
        .as_str()
        .expect("id")
        .to_string();
    let raw =
        w.n.shared
            .store
            .get(Cf::Guarantees, gid.as_bytes())
            .expect("read");
    // The record names the certificate by its log index instead of holding a copy.
    let stored: serde_json::Value = serde_json::from_slice(&raw.expect("stored")).expect("json");
    let at = serde_json::json!({"at": env.payload["log_index"]});
    assert_eq!(stored["guarantee"], at);
    let record: GuaranteeRecord = crate::notary::guarantees::read_record(&w.n.shared, &gid)
        .expect("read")
        .expect("stored");
    assert_eq!(record.guarantee, env);
    assert_eq!(record.amount, eur(2_000));
    assert!(record.closing.is_none());
    // The log leaf holds the same certificate, at the index it promises.
    let index = env.payload["log_index"].as_u64().expect("log_index");
    let leaf =
        w.n.shared
            .store
            .get(Cf::LogLeaves, &crate::store::u64_key(index));
    let leaf: serde_json::Value =
        serde_json::from_slice(&leaf.expect("read").expect("leaf")).expect("leaf json");
    assert_eq!(leaf["body"], serde_json::to_value(&env).expect("env"));
}

/// Registry commands (a party with its key, a key, a revocation, a token rotation, a nonce, an
/// agreement change) sent while the sequencer is held meet in one batch; each is signed on the
/// worker pool, and the leaves land at the indexes their signed payloads name, each verifying
/// under the notary's key, with the records pointing at them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registry_commands_of_one_batch_are_signed_at_the_indexes_they_name() {
    use crate::crypto::keys::key_id;
    use crate::model::registry::{AgreementStatus, Role};
    use crate::notary::KeyInput;
    use ed25519_dalek::SigningKey;

    let w = world().await;
    let d = &w.deal;
    let size0 = w.n.log_size();
    let go = hold(&w.n);
    let carol = SigningKey::from_bytes(&[9; 32]).verifying_key();
    let extra = SigningKey::from_bytes(&[10; 32]).verifying_key();
    let sally = key_id(&w.sally_key.verifying_key());
    let n = w.n.clone();
    let (buyer, seller) = (d.buyer_id.clone(), d.seller_id.clone());
    let (agreement, sally2) = (d.agreement_id.clone(), sally.clone());
    let all = tokio::spawn(async move {
        let raw = |k: ed25519_dalek::VerifyingKey| KeyInput::Raw(k.to_bytes());
        let carol = n.register_party_with_key("carol", Role::Buyer, Some(raw(carol)), None);
        let key = n.add_key(&buyer, raw(extra), None);
        let revoked = n.revoke_key(&sally2, "lost", None);
        let token = n.rotate_token(&seller, None);
        let nonce = n.issue_nonce();
        let paused = n.set_agreement_status(&agreement, AgreementStatus::Suspended, "audit", None);
        tokio::join!(carol, key, revoked, token, nonce, paused)
    });
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert_eq!(w.n.log_size(), size0, "held: nothing logged yet");
    go.send(()).expect("sequencer waits");
    let (carol, key, revoked, token, nonce, paused) = all.await.expect("join");
    let (party, carol_key) = carol.expect("carol");
    let carol_key = carol_key.expect("carol's key");
    let key = key.expect("key");
    let revoked = revoked.expect("revoked");
    let token = token.expect("token");
    let nonce = nonce.expect("nonce");
    let paused = paused.expect("paused");

    // Seven leaves: the party's key right after the party.
    assert_eq!(w.n.log_size(), size0 + 7);
    assert_eq!(carol_key.log_index, party.party.log_index + 1);
    let kinds = notary_leaves(&w, size0..size0 + 7);
    let want = "agreement key_registration key_registration nonce party revocation seller_token";
    assert_eq!(kinds.join(" "), want);
    // Each answer names the leaf that holds it.
    let at = |i: u64| payload_at(&w, i);
    assert_eq!(at(party.party.log_index)["name"], "carol");
    assert_eq!(at(carol_key.log_index)["key_id"], carol_key.key_id.as_str());
    assert_eq!(at(key.log_index)["key_id"], key.key_id.as_str());
    let revocation = revoked.revocation.expect("revocation");
    assert_eq!(
        at(revocation.log_index)["revoked"][0]["key_id"],
        sally.as_str()
    );
    assert_eq!(at(token.log_index)["party_id"], d.seller_id.as_str());
    assert_eq!(
        at(nonce.payload["log_index"].as_u64().expect("index")),
        nonce.payload
    );
    assert_eq!(
        at(paused.log_index)["agreement_id"],
        d.agreement_id.as_str()
    );
    // The registry holds the key as answered.
    assert_eq!(w.n.key(&carol_key.key_id), Some(carol_key));
}

/// Holds the sequencer until the returned sender is used (or 20 s pass): everything sent
/// meanwhile queues up to form the next batch together.
pub(super) fn hold(n: &super::Notary) -> std::sync::mpsc::Sender<()> {
    let (go, wait) = std::sync::mpsc::channel::<()>();
    let blocker: super::sequencer::Job = Box::new(move |_| {
        let _ = wait.recv_timeout(Duration::from_secs(20));
        None
    });
    n.submit(blocker).expect("blocker queued");
    go
}

/// The payload of the notary envelope in leaf `i`.
fn payload_at(w: &World, i: u64) -> serde_json::Value {
    let leaf: crate::model::entry::LogEntry =
        serde_json::from_slice(&w.n.entry(i).expect("leaf")).expect("json");
    leaf.body["payload"].clone()
}

/// The kinds of the leaves at `range`, sorted, each checked to be a notary envelope naming its
/// own log index.
fn notary_leaves(w: &World, range: std::ops::Range<u64>) -> Vec<String> {
    let vk = w.n.shared.notary_key.verifying_key();
    let mut kinds = Vec::new();
    for i in range {
        let leaf: crate::model::entry::LogEntry =
            serde_json::from_slice(&w.n.entry(i).expect("leaf")).expect("json");
        let env: crate::crypto::envelope::Envelope =
            serde_json::from_value(leaf.body).expect("an envelope");
        env.verify_by(&vk).expect("signed by the notary");
        assert_eq!(env.payload["log_index"], i, "leaf {i} names its index");
        kinds.push(env.kind.clone());
    }
    kinds.sort();
    kinds
}
