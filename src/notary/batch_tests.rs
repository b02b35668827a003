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
    // A job that holds the sequencer until told: everything sent meanwhile queues up to form
    // the next batch together.
    let (go, wait) = std::sync::mpsc::channel::<()>();
    let blocker: super::sequencer::Job = Box::new(move |_| {
        let _ = wait.recv_timeout(Duration::from_secs(20));
        None
    });
    w.n.submit(blocker).expect("blocker queued");
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
