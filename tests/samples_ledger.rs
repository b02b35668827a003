//! The ledger sample data of `notar up` (samples/ledger.toml), loaded in-process into a temp data
//! dir: what the notary holds afterwards must be what the file says, counted from the notary's
//! own records (parties, agreements, keys, guarantees, and the refusals in the log).

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::time::Instant;

use notar::cli::samples_ledger::{self, Spec};
use notar::model::complaint::ComplaintStatus;
use notar::model::entry::{EntryKind, LogEntry};
use notar::model::registry::{AgreementStatus, Role};
use notar::notary::datadir::DataDir;
use notar::notary::{AgreementView, GuaranteeState, Notary};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn samples_load_the_ledger_the_file_describes() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = DataDir::new(tmp.path().join("data"));
    Notary::init(&dir, "t").await.expect("init");
    let (notary, thread) = Notary::open(&dir).expect("open");
    let spec = Spec::builtin().expect("spec");

    let started = Instant::now();
    let loaded = samples_ledger::load(&notary, dir.root())
        .await
        .expect("load samples");
    let took = started.elapsed();
    eprintln!("samples loaded in {took:?}, log size {}", notary.log_size());
    everything_the_file_describes_was_loaded(&loaded, &spec);

    // Parties.
    let parties = notary.parties();
    let sellers = parties.iter().filter(|p| p.role == Role::Seller).count();
    let buyers = parties.iter().filter(|p| p.role == Role::Buyer).count();
    assert_eq!(sellers, spec.sellers.len());
    assert_eq!(buyers, spec.buyers.len());

    let views = notary.agreements();
    agreements_have_the_statuses_and_caps_of_the_file(&views, &spec);
    keys_are_derived_from_the_names_and_revoked_as_told(&notary, &spec);
    guarantees_are_in_their_states_within_the_caps(&notary, &spec, &views);
    refusals_and_releases_are_signed_in_the_log(&notary, &spec);
    assert_eq!(loaded.refused, spec.guarantees.refused);
    the_tokens_file_holds_a_working_token_per_seller(&notary, &dir, &spec);

    drop(notary);
    tokio::task::spawn_blocking(move || thread.join())
        .await
        .expect("join");
}

/// The counts the loader reports are the file's, and the data set is the size the task asks for.
fn everything_the_file_describes_was_loaded(loaded: &samples_ledger::Loaded, spec: &Spec) {
    assert!(
        loaded.unexpected.is_empty(),
        "outcomes off plan: {:?}",
        loaded.unexpected
    );
    // Everything the file describes was loaded (how long it took is a figure, printed above;
    // speed is measured by the benchmarks, not asserted here).
    assert_eq!(
        loaded.granted + loaded.refused.values().sum::<usize>(),
        spec.guarantees.requests,
        "every planned request was answered"
    );
    assert_eq!(
        (loaded.sellers.len(), loaded.buyers),
        (spec.sellers.len(), spec.buyers.len())
    );
    assert_eq!(
        (loaded.settled, loaded.released, loaded.revoked_keys),
        (spec.settled(), spec.released(), spec.revoked_keys())
    );

    // The data set is the size the task asks for.
    assert!((3..=4).contains(&spec.sellers.len()));
    assert!((30..=40).contains(&spec.buyers.len()));
    assert!((300..=500).contains(&spec.guarantees.requests));
}

/// Agreements by status: one per buyer, the changes the file lists; custom caps as given.
fn agreements_have_the_statuses_and_caps_of_the_file(views: &[AgreementView], spec: &Spec) {
    assert_eq!(views.len(), spec.buyers.len());
    let mut by_status: BTreeMap<&str, usize> = BTreeMap::new();
    for v in views {
        *by_status.entry(v.agreement.status.as_str()).or_default() += 1;
    }
    let changed = |to: &str| {
        spec.buyers
            .iter()
            .filter(|b| b.status.as_ref().is_some_and(|s| s.to == to))
            .count()
    };
    assert_eq!(
        by_status.get("suspended").copied().unwrap_or(0),
        changed("suspended")
    );
    assert_eq!(
        by_status.get("ended").copied().unwrap_or(0),
        changed("ended")
    );
    assert!(changed("suspended") >= 1 && changed("ended") >= 1);
    assert_eq!(
        by_status.get("active").copied().unwrap_or(0),
        spec.buyers.len() - changed("suspended") - changed("ended")
    );
    // Custom caps are the ones the file gives.
    let jan = views
        .iter()
        .find(|v| v.buyer_name == "Jan de Vries")
        .expect("Jan de Vries");
    assert_eq!(
        (
            jan.agreement.total_cap_minor,
            jan.agreement.per_tx_cap_minor
        ),
        (250_000, 80_000)
    );
}

/// Keys: derived from the names, the revoked ones revoked with their reason.
fn keys_are_derived_from_the_names_and_revoked_as_told(notary: &Notary, spec: &Spec) {
    let mut revoked = Vec::new();
    let mut keys = 0;
    for p in notary.parties().iter().filter(|p| p.role == Role::Buyer) {
        let (_, ks) = notary.party(&p.id).expect("party");
        let b = spec
            .buyers
            .iter()
            .find(|b| b.name == p.name)
            .expect("buyer in spec");
        assert_eq!(ks.len(), b.keys, "{}", p.name);
        for (i, k) in ks.iter().enumerate() {
            let pk = hex::encode(
                samples_ledger::buyer_key(&p.name, i + 1)
                    .verifying_key()
                    .as_bytes(),
            );
            assert!(
                ks.iter().any(|k| k.public_key == pk),
                "{} key {}",
                p.name,
                i + 1
            );
            keys += 1;
            if let Some(r) = &k.revocation {
                revoked.push((p.name.clone(), r.reason.clone()));
            }
        }
    }
    assert!(keys > spec.buyers.len(), "some buyers have two keys");
    assert_eq!(revoked.len(), spec.revoked_keys());
    assert!(revoked.len() >= 3);
    assert!(revoked
        .iter()
        .any(|(n, r)| n == "Bob Meier" && r == "laptop stolen"));
}

/// Guarantees by state, and exposure <= total_cap (= the sum of what is outstanding); the
/// suspended agreement keeps guarantees granted before it was suspended.
fn guarantees_are_in_their_states_within_the_caps(
    notary: &Notary,
    spec: &Spec,
    views: &[AgreementView],
) {
    let mut states: BTreeMap<&str, usize> = BTreeMap::new();
    let mut sellers_used = std::collections::BTreeSet::new();
    for v in views {
        let (view, gs) = notary
            .agreement(&v.agreement.id, usize::MAX)
            .expect("agreement");
        let outstanding: i64 = gs
            .iter()
            .filter(|g| g.state == GuaranteeState::Outstanding)
            .map(|g| g.amount.minor)
            .sum();
        assert_eq!(view.exposure.minor, outstanding, "{}", v.buyer_name);
        assert!(
            view.exposure.minor <= view.agreement.total_cap_minor,
            "{}: exposure {} over cap {}",
            v.buyer_name,
            view.exposure.minor,
            view.agreement.total_cap_minor
        );
        for g in &gs {
            *states.entry(g.state.as_str()).or_default() += 1;
            sellers_used.insert(g.seller_id.clone());
        }
    }
    let granted = spec.granted();
    assert_eq!(states.values().sum::<usize>(), granted);
    assert_eq!(states.get("settled").copied().unwrap_or(0), spec.settled());
    assert_eq!(
        states.get("released").copied().unwrap_or(0),
        spec.released()
    );
    let outstanding = granted - spec.settled() - spec.released();
    assert_eq!(states.get("outstanding").copied().unwrap_or(0), outstanding);
    assert!(spec.settled() >= 100 && spec.released() >= 10 && outstanding >= 100);
    assert_eq!(
        sellers_used.len(),
        spec.sellers.len(),
        "every seller has guarantees"
    );
    let suspended = views
        .iter()
        .find(|v| v.agreement.status == AgreementStatus::Suspended)
        .expect("a suspended agreement");
    let (_, gs) = notary
        .agreement(&suspended.agreement.id, usize::MAX)
        .expect("agreement");
    assert!(!gs.is_empty(), "the suspended agreement has guarantees");
}

/// Refusals by reason, as signed in the log: the file's, each kind at least once; releases by
/// the sellers' reasons.
fn refusals_and_releases_are_signed_in_the_log(notary: &Notary, spec: &Spec) {
    let mut refusals: BTreeMap<String, usize> = BTreeMap::new();
    let mut releases: BTreeMap<String, usize> = BTreeMap::new();
    for i in 0..notary.log_size() {
        let e: LogEntry = serde_json::from_slice(&notary.entry(i).expect("entry")).expect("json");
        let field = |f: &str| e.body["payload"][f].as_str().unwrap_or("").to_string();
        match e.kind {
            EntryKind::Refusal => *refusals.entry(field("reason")).or_default() += 1,
            EntryKind::Release => *releases.entry(field("reason")).or_default() += 1,
            _ => {}
        }
    }
    assert_eq!(refusals, spec.guarantees.refused);
    for code in [
        "per_transaction_cap_exceeded",
        "total_cap_exceeded",
        "key_revoked",
        "currency_mismatch",
        "bad_order_signature",
        "duplicate_transaction",
        "agreement_inactive",
    ] {
        assert!(refusals.get(code).copied().unwrap_or(0) >= 1, "no {code}");
    }
    assert_eq!(releases.values().sum::<usize>(), spec.released());
    assert!(releases.keys().all(|r| r == "cancelled" || r == "aborted"));
}

/// The tokens file: 0600, one working token per seller.
fn the_tokens_file_holds_a_working_token_per_seller(notary: &Notary, dir: &DataDir, spec: &Spec) {
    let path = dir.root().join(samples_ledger::TOKENS_FILE);
    let mode = std::fs::metadata(&path)
        .expect("tokens file")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    let text = std::fs::read_to_string(&path).expect("read tokens");
    let rows: Vec<Vec<&str>> = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| l.split('\t').collect())
        .collect();
    assert_eq!(rows.len(), spec.sellers.len());
    for r in rows {
        assert_eq!(r.len(), 3, "{r:?}");
        assert_eq!(
            notary.seller_for_token(r[2]).as_deref(),
            Some(r[1]),
            "{}",
            r[0]
        );
    }
}

/// The sample fair exchanges of `notar up`: one of each outcome, stored and listed with their
/// parties and tokens in the log; and the sample complaints: open, two answered (both replay),
/// settled at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn samples_play_one_exchange_of_each_outcome() {
    use notar::cli::samples_exchanges;
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = DataDir::new(tmp.path().join("data"));
    Notary::init(&dir, "t").await.expect("init");
    let (notary, thread) = Notary::open(&dir).expect("open");
    let loaded = samples_exchanges::load(&notary).await.expect("load");
    let outcomes: Vec<&str> = loaded.decided.iter().map(|(o, _)| *o).collect();
    assert_eq!(
        outcomes,
        [
            "aborted",
            "resolved",
            "expired",
            "delivered",
            "escrow_failed"
        ]
    );
    // The five above, and the stuck contract a sample complaint had the notary resolve.
    let listed = notary.exchanges(100).expect("list");
    assert_eq!(listed.len(), 6);
    let statuses: Vec<ComplaintStatus> = loaded.complaints.iter().map(|(s, _)| *s).collect();
    assert_eq!(
        statuses,
        [
            ComplaintStatus::Open,
            ComplaintStatus::Answered,
            ComplaintStatus::Answered,
            ComplaintStatus::Settled
        ]
    );
    let (queue, _) = notary.complaints(100);
    assert_eq!(queue.len(), 4);
    // The two answered cases replay (the console's Cases screen): the second finds the print
    // files delivered by the notary's affidavit, so the buyer's non-delivery claim gets nothing.
    let (_, answered) = &loaded.complaints[1];
    notary.case_replay(answered).await.expect("replays");
    let (_, delivered) = &loaded.complaints[2];
    let (ruling, _) = notary.case_replay(delivered).await.expect("replays");
    let rules: Vec<&str> = ruling.findings.iter().map(|f| f.rule_id.as_str()).collect();
    assert!(rules.contains(&"Q5.delivery_affidavit"), "{rules:?}");
    assert_eq!(ruling.allocation.refund_to_buyer.minor, 0, "{rules:?}");
    assert_eq!(ruling.allocation.notary_pays.minor, 0, "{rules:?}");
    for (outcome, tid) in &loaded.decided {
        let view = notary.exchange(tid).expect("stored");
        assert_eq!(view.outcome.map(|o| o.name()), Some(*outcome));
        let token = view.token.expect("token");
        let index = token.payload["log_index"].as_u64().expect("log_index");
        let raw = notary.entry(index).expect("entry");
        let entry: LogEntry = serde_json::from_slice(&raw).expect("entry json");
        assert_eq!(entry.body, serde_json::to_value(&token).expect("json"));
    }
    drop(notary);
    thread.join();
}
