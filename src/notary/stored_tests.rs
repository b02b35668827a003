//! Guarantee records, stored answers and order answers name the notary's envelopes by log index
//! (`by_index`); those written before 2026-12-01 hold the envelopes inline. Both read the same.
//! So do exchange records, whose tokens are named by index since 2026-12-02.

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

/// A decided exchange's record names its token by log index, keeps the released key and leaves
/// m1 to the token: a repeat gets the first answer byte for byte (key included), the view shows
/// the leaf's token, the list m1 as sent. A record as written before (m1, the token inline, the
/// whole answer) reads the same.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_exchange_record_names_its_token_by_index() {
    use crate::crypto::escrow::EscrowPublicKey;
    use crate::model::registry::Role;
    use crate::notary::fixture::exchange::{item_exchange, Signer};
    use crate::notary::KeyInput;
    use ed25519_dalek::SigningKey;
    use serde_json::{json, Value};

    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = super::datadir::DataDir::new(tmp.path().join("data"));
    super::Notary::init(&dir, "t").await.expect("init");
    let (n, t) = super::Notary::open(&dir).expect("open");
    let mut parties = Vec::new();
    for (name, role, seed) in [("sam", Role::Seller, 1u8), ("bea", Role::Buyer, 2)] {
        let k = SigningKey::from_bytes(&[seed; 32]);
        let raw = KeyInput::Raw(k.verifying_key().to_bytes());
        let (p, _) = n
            .register_party_with_key(name, role, Some(raw), None)
            .await
            .expect("party");
        parties.push((p.party.id, k));
    }
    let id = n.identity().clone();
    let escrow = EscrowPublicKey::from_base64(&id.escrow_public_key).expect("escrow key");
    let (s, b) = (Signer::of(&parties[0]), Signer::of(&parties[1]));
    let x = item_exchange(&s, &b, &id.key_id, &escrow, b"the item", [7; 32]).expect("exchange");
    let tid = x.offer.tid().as_str().to_string();
    let first = n
        .resolve_exchange(x.resolve.clone())
        .await
        .expect("resolve");
    let answer: Value = serde_json::from_str(&first.body).expect("json");
    assert!(answer["key"].is_string(), "a delivery releases the key");
    let index = answer["token"]["payload"]["log_index"]
        .as_u64()
        .expect("index");

    let raw = |n: &super::Notary| {
        let bytes = n.shared.store.get(Cf::Exchanges, tid.as_bytes());
        serde_json::from_slice::<Value>(&bytes.expect("get").expect("stored")).expect("json")
    };
    let record = raw(&n);
    let decision = &record["decision"];
    assert_eq!(decision["token"], json!({"at": index}), "{record}");
    assert_eq!(decision["key"], answer["key"]);
    assert!(decision.get("answer").is_none(), "{record}");
    let text = serde_json::to_string(&record).expect("json");
    let sig = answer["token"]["signatures"][0]["sig"]
        .as_str()
        .expect("sig");
    assert!(!text.contains(sig), "the token is not copied: {text}");
    // m1 is left to the token, which embeds it.
    assert!(record["m1"].is_null(), "{record}");
    assert!(text.len() < 800, "a few fields: {} bytes", text.len());
    let crate::model::exchange::ResolveBody::Item { m1: sent_m1, .. } = &x.resolve else {
        panic!("an item exchange")
    };

    let again = n.resolve_exchange(x.resolve.clone()).await.expect("repeat");
    assert_eq!(again.body, first.body, "the repeat gets the same bytes");
    let view = n.exchange(&tid).expect("view");
    assert_eq!(
        serde_json::to_value(view.token.expect("token")).expect("json"),
        answer["token"]
    );
    let listed = n.exchanges(10).expect("list");
    let token = &listed[0].decision.as_ref().expect("decided").token;
    assert_eq!(serde_json::to_value(token).expect("json"), answer["token"]);
    assert_eq!(&listed[0].m1, sent_m1, "m1 read back from the token");

    // As written before: m1, the token inline and the whole answer (its key only in it).
    let mut old = record.clone();
    old["m1"] = serde_json::to_value(sent_m1).expect("m1");
    old["decision"]["token"] = answer["token"].clone();
    old["decision"]["answer"] = json!(first.body);
    old["decision"]
        .as_object_mut()
        .expect("object")
        .remove("key");
    let store = &n.shared.store;
    let mut batch = Batch::new();
    let old_bytes = serde_json::to_vec(&old).expect("json");
    store.put(&mut batch, Cf::Exchanges, tid.as_bytes(), &old_bytes);
    store.write(batch).expect("write");
    let again = n.resolve_exchange(x.resolve.clone()).await.expect("repeat");
    assert_eq!(again.body, first.body, "an old record's answer, as stored");
    let view = n.exchange(&tid).expect("view");
    assert_eq!(
        serde_json::to_value(view.token.expect("token")).expect("json"),
        answer["token"]
    );
    assert_eq!(&n.exchanges(10).expect("list")[0].m1, sent_m1);
    drop(n);
    t.join();
    // And the book is rebuilt from either form at start.
    let (n, _t) = super::Notary::open(&dir).expect("reopen");
    let again = n.resolve_exchange(x.resolve).await.expect("repeat");
    assert_eq!(again.body, first.body);
}
