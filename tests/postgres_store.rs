//! The PostgreSQL store's contract against real PostgreSQL (scripts/pg-cluster.sh): the same
//! reads and atomic batches as RocksDB, the schema check, and the single writer: a standby and a
//! replica refuse writes, a writer whose lease another process took over writes nothing more
//! (the fence), and a second leaf at an index cannot commit (the primary key).

mod util;

use std::time::Duration;

use notar::store::{
    exposure_check, u64_key, Batch, Cf, Location, Role, Store, StoreError, SCHEMA_VERSION,
};
use util::pg::Cluster;

fn at(url: &str, replica: bool) -> Location {
    Location::Postgres {
        url: url.to_string(),
        lease: Duration::from_millis(60_000),
        replica,
    }
}

fn put(
    store: &Store,
    puts: &[(Cf, &[u8], &[u8])],
    log_size: Option<u64>,
) -> Result<(), StoreError> {
    let mut b = Batch::new();
    for (cf, k, v) in puts {
        store.put(&mut b, *cf, k, v);
    }
    if let Some(size) = log_size {
        b.set_log_size(size);
    }
    store.write(b)
}

/// Makes the writer's lease lapse now, as if its holder had been paused past it.
fn lapse(cluster: &Cluster) {
    cluster.psql(
        &cluster.url,
        "UPDATE notar_log_state SET lease_until = now() - interval '1 second'",
    );
}

#[test]
fn reads_and_batches_behave_as_on_rocksdb() {
    let cluster = Cluster::up();
    let store = Store::create_at(&at(&cluster.url, false)).expect("create");
    assert_eq!(store.role(), Role::Active);
    let (l0, l1, l2) = (u64_key(0), u64_key(1), u64_key(2));
    put(
        &store,
        &[
            (Cf::LogLeaves, &l1, b"one"),
            (Cf::LogLeaves, &l0, b"zero"),
            (Cf::Guarantees, b"g2", b"old"),
            (Cf::Guarantees, b"g1", b"v1"),
            (Cf::Guarantees, b"g2", b"v2"),
            (Cf::TimestampsByDigest, b"aa1", b""),
            (Cf::TimestampsByDigest, b"aa2", b""),
            (Cf::TimestampsByDigest, b"ab1", b""),
        ],
        Some(2),
    )
    .expect("write");
    put(&store, &[(Cf::LogLeaves, &l2, b"two")], Some(3)).expect("write");
    assert_eq!(
        store.get(Cf::Guarantees, b"g2").expect("get"),
        Some(b"v2".to_vec()),
        "last put wins"
    );
    assert_eq!(store.get(Cf::Guarantees, b"nope").expect("get"), None);
    let got = store
        .multi_get(
            Cf::LogLeaves,
            &[l2.to_vec(), u64_key(9).to_vec(), l0.to_vec()],
        )
        .expect("multi_get");
    assert_eq!(
        got,
        vec![Some(b"two".to_vec()), None, Some(b"zero".to_vec())]
    );
    let last = store.last(Cf::LogLeaves, 2).expect("last");
    assert_eq!(
        last,
        vec![
            (l2.to_vec(), b"two".to_vec()),
            (l1.to_vec(), b"one".to_vec())
        ]
    );
    let mut seen = Vec::new();
    store
        .for_each(Cf::Guarantees, |k, v| {
            seen.push((k.to_vec(), v.to_vec()));
            Ok::<(), StoreError>(())
        })
        .expect("for_each");
    assert_eq!(
        seen,
        vec![
            (b"g1".to_vec(), b"v1".to_vec()),
            (b"g2".to_vec(), b"v2".to_vec())
        ]
    );
    let prefixed = store
        .with_prefix(Cf::TimestampsByDigest, b"aa", 10)
        .expect("prefix");
    assert_eq!(
        prefixed.len(),
        2,
        "the prefix scan stops at the prefix's end"
    );
    assert_eq!(store.scan_all(Cf::LogLeaves).expect("scan").len(), 3);

    // A scan longer than one round trip (the store fetches 512 records at a time).
    let keys: Vec<[u8; 8]> = (0..1300u64).map(u64_key).collect();
    let puts: Vec<(Cf, &[u8], &[u8])> = keys
        .iter()
        .map(|k| (Cf::Timestamps, &k[..], &k[..]))
        .collect();
    put(&store, &puts, None).expect("write");
    let mut n = 0u64;
    store
        .for_each(Cf::Timestamps, |k, _| {
            assert_eq!(k, u64_key(n), "in key order");
            n += 1;
            Ok::<(), StoreError>(())
        })
        .expect("for_each");
    assert_eq!(n, 1300);

    // A second leaf at an index cannot commit, and nothing of its batch lands.
    let again = put(
        &store,
        &[
            (Cf::LogLeaves, &l1, b"forged"),
            (Cf::Guarantees, b"g3", b"x"),
        ],
        None,
    );
    assert!(
        matches!(again, Err(StoreError::Postgres { .. })),
        "{again:?}"
    );
    assert_eq!(
        store.get(Cf::LogLeaves, &l1).expect("get"),
        Some(b"one".to_vec())
    );
    assert_eq!(store.get(Cf::Guarantees, b"g3").expect("get"), None);

    // The second guard: an exposure past the total cap cannot commit, nor anything with it.
    let within = exposure_check(900, 1000);
    put(&store, &[(Cf::ExposureCheck, b"ag1", &within)], None).expect("within the cap");
    let over = exposure_check(1001, 1000);
    let past = put(
        &store,
        &[
            (Cf::ExposureCheck, b"ag1", &over),
            (Cf::Guarantees, b"g4", b"x"),
        ],
        None,
    );
    match &past {
        Err(StoreError::Postgres { message, .. }) => {
            assert!(message.contains("check constraint"), "{message}")
        }
        other => panic!("an exposure past the cap committed: {other:?}"),
    }
    assert_eq!(store.get(Cf::Guarantees, b"g4").expect("get"), None);
    let row = cluster.psql(
        &cluster.url,
        "SELECT exposure || '/' || total_cap FROM notar_exposure_checks",
    );
    assert_eq!(row, "900/1000");

    // Prefetched reads (the sequencer's batch reads in one round trip) are exact until the next
    // write, which forgets them: no read after a commit is answered from before it.
    store.want(Cf::Requests, b"req1");
    store.want(Cf::Requests, b"req2");
    store.want(Cf::Requests, b"req2"); // wanted twice: a retried request
    store.want(Cf::Orders, b"req2"); // the same key under another kind is another record
    put(&store, &[(Cf::Requests, b"req2", b"old")], None).expect("write");
    store.prefetch().expect("prefetch");
    assert_eq!(store.get(Cf::Requests, b"req1").expect("get"), None);
    assert_eq!(
        store.get(Cf::Requests, b"req2").expect("get"),
        Some(b"old".to_vec())
    );
    put(&store, &[(Cf::Requests, b"req1", b"new")], None).expect("write");
    assert_eq!(
        store.get(Cf::Requests, b"req1").expect("get"),
        Some(b"new".to_vec())
    );

    // A database that holds a notary is not made again.
    drop(store);
    assert!(matches!(
        Store::create_at(&at(&cluster.url, false)),
        Err(StoreError::AlreadyExists(_))
    ));
}

#[test]
fn one_writer_standby_and_replica_refuse_and_a_deposed_writer_is_fenced() {
    let cluster = Cluster::up();
    let first = Store::create_at(&at(&cluster.url, false)).expect("create");
    put(&first, &[(Cf::LogLeaves, &u64_key(0), b"zero")], Some(1)).expect("write");

    let standby = Store::open_at(&at(&cluster.url, false)).expect("open");
    assert_eq!(standby.role(), Role::Standby, "the lease is held");
    assert!(!standby.lease_lapsed().expect("lapsed"));
    let refused = put(&standby, &[(Cf::Guarantees, b"s", b"x")], None);
    assert!(
        matches!(refused, Err(StoreError::NotWriter(_))),
        "{refused:?}"
    );
    assert_eq!(
        standby.get(Cf::LogLeaves, &u64_key(0)).expect("read"),
        Some(b"zero".to_vec())
    );

    cluster.wait_replayed();
    let replica = Store::open_at(&at(&cluster.replica_url, true)).expect("open replica");
    assert_eq!(replica.role(), Role::Replica);
    // The replica replays the commit a moment after the primary acknowledged it (synchronous
    // commit waits for its disk, not its replay).
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while replica
        .get(Cf::LogLeaves, &u64_key(0))
        .expect("read")
        .is_none()
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the replica never replayed leaf 0"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(
        replica.get(Cf::LogLeaves, &u64_key(0)).expect("read"),
        Some(b"zero".to_vec())
    );
    assert!(matches!(
        put(&replica, &[(Cf::Guarantees, b"r", b"x")], None),
        Err(StoreError::NotWriter(_))
    ));

    // The first writer is "paused" past its lease; a new process takes over (epoch 2).
    lapse(&cluster);
    assert!(standby.lease_lapsed().expect("lapsed"));
    let second = Store::open_at(&at(&cluster.url, false)).expect("open");
    assert_eq!(second.role(), Role::Active);
    put(&second, &[(Cf::LogLeaves, &u64_key(1), b"one")], Some(2)).expect("the new writer writes");

    // The deposed writer's next batch touches no state row: nothing of it lands.
    let fenced = put(
        &first,
        &[
            (Cf::LogLeaves, &u64_key(1), b"fork"),
            (Cf::Guarantees, b"f", b"x"),
        ],
        Some(2),
    );
    assert!(
        matches!(fenced, Err(StoreError::NotWriter(_))),
        "{fenced:?}"
    );
    assert_eq!(first.role(), Role::Fenced);
    assert_eq!(
        second.get(Cf::LogLeaves, &u64_key(1)).expect("get"),
        Some(b"one".to_vec())
    );
    assert_eq!(second.get(Cf::Guarantees, b"f").expect("get"), None);
    let state = cluster.psql(
        &cluster.url,
        "SELECT epoch || ' ' || tree_size FROM notar_log_state",
    );
    assert_eq!(state, "2 2");

    // A newer schema is refused with a clear message.
    put(
        &second,
        &[(
            Cf::Meta,
            b"schema_version",
            &(SCHEMA_VERSION + 1).to_be_bytes(),
        )],
        None,
    )
    .expect("write");
    drop(second);
    let err = Store::open_at(&at(&cluster.url, false))
        .err()
        .expect("refused");
    assert!(matches!(err, StoreError::SchemaTooNew { .. }), "{err}");
    assert!(err.to_string().contains("newer"));
}

#[test]
fn a_database_that_is_not_there_or_not_reachable_is_a_clear_error() {
    let cluster = Cluster::up();
    let missing = Store::open_at(&at(&cluster.url, false))
        .err()
        .expect("no notary there");
    assert!(matches!(missing, StoreError::Missing(_)), "{missing}");
    assert!(missing.to_string().contains("notar init"), "{missing}");
    let url = "postgres://notar:secret@127.0.0.1:1/notar";
    let err = Store::open_at(&at(url, false)).err().expect("unreachable");
    let text = err.to_string();
    assert!(text.contains("127.0.0.1:1"), "{text}");
    assert!(
        !text.contains("secret"),
        "the password is never shown: {text}"
    );
}

/// `notar init --store`: a URL with a password keeps notar.toml private; a database that holds a
/// notary is refused (nothing made); a URL that is not PostgreSQL's is a usage error.
#[test]
fn init_on_postgres_from_the_command_line() {
    let cluster = Cluster::up();
    let url = cluster.url.replace("notar@", "notar:pw@");
    let tmp = tempfile::tempdir().expect("tempdir");
    let first = tmp.path().join("first");
    let out = util::notar(&["init", "--data", util::p(&first), "--store", &url]);
    assert!(out.status.success(), "{}", util::text(&out));
    assert_eq!(util::mode(&first.join("notar.toml")), 0o600);
    assert!(!first.join("db").exists(), "no RocksDB beside PostgreSQL");

    let second = tmp.path().join("second");
    let out = util::notar(&["init", "--data", util::p(&second), "--store", &url]);
    assert_eq!(out.status.code(), Some(1), "{}", util::text(&out));
    assert!(
        util::text(&out).contains("already exists"),
        "{}",
        util::text(&out)
    );
    assert!(
        !util::text(&out).contains(":pw@"),
        "the password is never shown"
    );
    assert!(!second.exists(), "a refused init leaves nothing");

    let out = util::notar(&["init", "--data", util::p(&second), "--store", "mysql://x"]);
    assert_eq!(out.status.code(), Some(2), "{}", util::text(&out));
    assert!(
        util::text(&out).contains("store.url"),
        "{}",
        util::text(&out)
    );
}
