//! Guarantee records, stored answers and order answers name the notary's envelopes by log index
//! (`by_index`); those written before 2026-12-01 hold the envelopes inline. Both read the same.

use super::evidence_tests::world;
use super::guarantees::{order_answer, read_record};
use super::state::{request_key, to_json, StoredAnswer};
use crate::store::{Batch, Cf};

/// Rewrites `key` in `cf` as `value`, as a notary before the change would have written it.
fn put(w: &super::evidence_tests::World, cf: Cf, key: &[u8], value: Vec<u8>) {
    let store = &w.n.shared.store;
    let mut batch = Batch::new();
    store.put(&mut batch, cf, key, &value);
    store.write(batch).expect("write");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_with_inline_envelopes_read_as_before() {
    let w = world().await;
    let d = &w.deal;
    let seller = &d.seller_id;
    let granted =
        w.n.request_guarantee(w.request("g1", 2_000, b"doc"), seller)
            .await;
    let granted = granted.expect("granted");
    let refused =
        w.n.request_guarantee(w.request("r1", 60_000, b"big"), seller)
            .await;
    let refused = refused.expect("refused");
    assert!(granted.granted() && !refused.granted(), "{refused:?}");

    let cert = granted.envelope().expect("certificate");
    let gid = cert.payload["guarantee_id"]
        .as_str()
        .expect("id")
        .to_string();
    let record = read_record(&w.n.shared, &gid)
        .expect("read")
        .expect("record");
    let digest = record.order_digest.clone();
    let answer = order_answer(&w.n.shared, &digest, seller, "g1").expect("read");
    let answer = answer.expect("order answer");
    assert_eq!(answer.answer, cert);

    // Each compact record is much smaller than the certificate it names.
    let raw = |cf: Cf, key: &[u8]| w.n.shared.store.get(cf, key).expect("get").expect("there");
    let cert_len = serde_json::to_vec(&cert).expect("json").len();
    let rkey = request_key(seller, "g1");
    assert!(raw(Cf::Requests, &rkey).len() < cert_len / 4);
    assert!(raw(Cf::Guarantees, gid.as_bytes()).len() < cert_len);

    // The same three records as a notary before 2026-12-01 wrote them: envelopes inline.
    put(
        &w,
        Cf::Guarantees,
        gid.as_bytes(),
        to_json(&record).expect("json"),
    );
    for (rid, a) in [("g1", &granted), ("r1", &refused)] {
        let key = request_key(seller, rid);
        let mut stored: StoredAnswer =
            serde_json::from_slice(&raw(Cf::Requests, &key)).expect("stored answer");
        (stored.body, stored.at, stored.reason) = (Some(a.body.clone()), None, None);
        put(&w, Cf::Requests, &key, to_json(&stored).expect("json"));
    }
    let akey = super::guarantees::answer_key(&digest, seller, "g1");
    let inline = serde_json::json!({"order": answer.order, "answer": cert});
    put(&w, Cf::Meta, &akey, to_json(&inline).expect("json"));
    assert!(raw(Cf::Requests, &rkey).len() > cert_len);

    // Read back the same, and a retry gets the same bytes as the first answer.
    let again = read_record(&w.n.shared, &gid)
        .expect("read")
        .expect("record");
    assert_eq!(to_json(&again).unwrap(), to_json(&record).unwrap());
    let answer_again = order_answer(&w.n.shared, &digest, seller, "g1").expect("read");
    assert_eq!(answer_again.expect("there").answer, cert);
    let retry =
        w.n.request_guarantee(w.request("g1", 2_000, b"doc"), seller)
            .await;
    assert_eq!(retry.expect("retry"), granted);
    let retry =
        w.n.request_guarantee(w.request("r1", 60_000, b"big"), seller)
            .await;
    assert_eq!(retry.expect("retry"), refused);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stored_answer_is_made_again_byte_for_byte() {
    let w = world().await;
    let seller = &w.deal.seller_id;
    for (rid, minor) in [("g", 2_000), ("r", 60_000)] {
        let first =
            w.n.request_guarantee(w.request(rid, minor, b"d"), seller)
                .await;
        let first = first.expect("first");
        let stored: StoredAnswer = serde_json::from_slice(
            &w.n.shared
                .store
                .get(Cf::Requests, &request_key(seller, rid))
                .expect("get")
                .expect("stored"),
        )
        .expect("json");
        assert!(stored.body.is_none() && stored.at.is_some(), "{stored:?}");
        let retry =
            w.n.request_guarantee(w.request(rid, minor, b"d"), seller)
                .await;
        assert_eq!(retry.expect("retry").body, first.body);
    }
}

/// The exchange list takes its order from the book in memory and reads only the records it
/// lists: a damaged record of an older exchange does not stop a shorter list (reading every
/// record, as the list did before, failed on it), and is reported when listed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_exchange_list_reads_only_the_records_it_lists() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = super::datadir::DataDir::new(tmp.path().join("data"));
    super::Notary::init(&dir, "t").await.expect("init");
    let (n, _t) = super::Notary::open(&dir).expect("open");
    crate::cli::samples_exchanges::load(&n)
        .await
        .expect("samples");
    let all = n.exchanges(100).expect("list");
    assert!(all.len() >= 3, "{} exchanges", all.len());
    let index = |r: &super::ExchangeRecord| r.decision.as_ref().expect("decided").log_index;
    assert!(
        all.windows(2).all(|p| index(&p[0]) > index(&p[1])),
        "the latest decision first"
    );
    let oldest = all.last().expect("oldest").tid.clone();
    let store = &n.shared.store;
    let mut batch = Batch::new();
    store.put(&mut batch, Cf::Exchanges, oldest.as_bytes(), b"not json");
    store.write(batch).expect("write");
    let newer = n
        .exchanges(all.len() - 1)
        .expect("the newer ones still list");
    let tids = |v: &[super::ExchangeRecord]| v.iter().map(|r| r.tid.clone()).collect::<Vec<_>>();
    assert_eq!(tids(&newer), tids(&all[..all.len() - 1]));
    assert!(matches!(
        n.exchanges(100),
        Err(super::NotaryError::Corrupt(_))
    ));
}
