//! Settling and releasing with the envelopes as texts (`guarantees::text`): the answer is the
//! JSON a reader of the guarantee gets, the stored record names both envelopes by log index, a
//! repeat in the same batch gets the same bytes, and a record written before 2026-12-01
//! (envelopes inline) closes the same way.

use std::time::Duration;

use super::batch_tests::hold;
use super::evidence_tests::{world, World};
use super::guarantees::read_record;
use super::state::to_json;
use super::{Caller, Closing, GuaranteeText, NotaryError};
use crate::store::{Batch, Cf};

/// A granted guarantee's id.
async fn granted(w: &World, rid: &str) -> String {
    let a =
        w.n.request_guarantee(w.request(rid, 2_000, rid.as_bytes()), &w.deal.seller_id)
            .await
            .expect("answered");
    assert!(a.granted(), "{a:?}");
    let cert = a.envelope().expect("certificate");
    cert.payload["guarantee_id"]
        .as_str()
        .expect("id")
        .to_string()
}

async fn close(w: &World, gid: &str, how: Closing) -> Result<GuaranteeText, NotaryError> {
    let seller = Caller::Seller(w.deal.seller_id.clone());
    w.n.close_guarantee(gid, seller, how, None, None).await
}

/// The JSON `GET /v1/guarantees/{id}` serves for `gid` (a sorted tree of the parsed view).
fn read_json(w: &World, gid: &str) -> Vec<u8> {
    let view = w.n.guarantee(gid, &Caller::Notary).expect("view");
    let tree = serde_json::to_value(&view).expect("tree");
    serde_json::to_vec(&tree).expect("bytes")
}

/// The stored record of `gid` as JSON.
fn stored(w: &World, gid: &str) -> serde_json::Value {
    let raw = w.n.shared.store.get(Cf::Guarantees, gid.as_bytes());
    serde_json::from_slice(&raw.expect("get").expect("stored")).expect("json")
}

/// What a closed record must hold: both envelopes named by their log index, and the answer
/// equal, byte for byte, to what a reader of the guarantee gets.
fn check_closed(w: &World, gid: &str, t: &GuaranteeText, state: &str) {
    assert_eq!(t.to_json().expect("json"), read_json(w, gid), "{t:?}");
    let view = t.view().expect("view");
    assert_eq!(view.state.as_str(), state);
    let closing = view.closing.as_ref().expect("closing");
    assert_eq!(closing.payload["guarantee_id"], gid);
    let record = stored(w, gid);
    assert_eq!(record["state"], state);
    let at = |env: &crate::crypto::envelope::Envelope| serde_json::json!({"at": env.payload["log_index"]});
    assert_eq!(record["closing"], at(closing));
    assert_eq!(record["guarantee"], at(&view.guarantee));
    let read = read_record(&w.n.shared, gid).expect("read").expect("there");
    assert_eq!(read.closing.as_ref(), Some(closing));
    assert_eq!(read.guarantee, view.guarantee);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closing_answers_what_a_reader_of_the_guarantee_gets() {
    let w = world().await;
    let (g1, g2) = (granted(&w, "a").await, granted(&w, "b").await);
    let settled = close(&w, &g1, Closing::Settle).await.expect("settled");
    check_closed(&w, &g1, &settled, "settled");
    let released = close(&w, &g2, Closing::Release).await.expect("released");
    check_closed(&w, &g2, &released, "released");
    // Again the same way: the same bytes; the other way: a conflict.
    assert_eq!(
        close(&w, &g1, Closing::Settle).await.expect("again"),
        settled
    );
    assert_eq!(
        close(&w, &g2, Closing::Release).await.expect("again"),
        released
    );
    let conflict = close(&w, &g1, Closing::Release).await;
    assert!(
        matches!(conflict, Err(NotaryError::Conflict { .. })),
        "{conflict:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repeat_in_the_same_batch_gets_the_closing_signed_for_the_first() {
    let w = world().await;
    let gid = granted(&w, "a").await;
    let size0 = w.n.log_size();
    let go = hold(&w.n);
    let ask = |how: Closing| {
        let (n, gid) = (w.n.clone(), gid.clone());
        let seller = Caller::Seller(w.deal.seller_id.clone());
        tokio::spawn(async move { n.close_guarantee(&gid, seller, how, None, None).await })
    };
    let first = ask(Closing::Settle);
    tokio::time::sleep(Duration::from_millis(50)).await;
    let repeat = ask(Closing::Settle);
    let other = ask(Closing::Release);
    tokio::time::sleep(Duration::from_millis(100)).await;
    go.send(()).expect("sequencer waits");
    let first = first.await.expect("join").expect("settled");
    assert_eq!(repeat.await.expect("join").expect("repeat"), first);
    let other = other.await.expect("join");
    assert!(
        matches!(other, Err(NotaryError::Conflict { .. })),
        "{other:?}"
    );
    // One settlement signed, in one leaf.
    assert_eq!(w.n.log_size(), size0 + 1);
    check_closed(&w, &gid, &first, "settled");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_record_with_inline_envelopes_closes_as_a_new_one() {
    let w = world().await;
    let gid = granted(&w, "a").await;
    // The record as a notary before 2026-12-01 wrote it: the certificate inline.
    let record = read_record(&w.n.shared, &gid)
        .expect("read")
        .expect("there");
    let mut batch = Batch::new();
    let inline = to_json(&record).expect("json");
    w.n.shared
        .store
        .put(&mut batch, Cf::Guarantees, gid.as_bytes(), &inline);
    w.n.shared.store.write(batch).expect("write");
    assert!(stored(&w, &gid)["guarantee"]["payload"].is_object());

    let settled = close(&w, &gid, Closing::Settle).await.expect("settled");
    check_closed(&w, &gid, &settled, "settled");
    assert_eq!(settled.view().expect("view").guarantee, record.guarantee);
}
