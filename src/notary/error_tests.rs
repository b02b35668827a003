use std::path::PathBuf;

use super::*;

/// Every variant's wire code is the text the HTTP API and the admin protocol have always sent.
#[test]
fn each_variant_keeps_its_wire_code() {
    let text = || "x".to_string();
    let cases = [
        (
            NotaryError::Store(StoreError::Missing(PathBuf::new())),
            "storage_failure",
        ),
        (NotaryError::CommitFailed(text()), "storage_failure"),
        (
            NotaryError::DataDir(DataDirError::NotEmpty(PathBuf::new())),
            "data_dir",
        ),
        (
            NotaryError::Log(LogError::IndexOutOfRange { index: 1, size: 0 }),
            "internal",
        ),
        (NotaryError::Canonical(CanonicalError::Float), "internal"),
        (NotaryError::Tsa(text()), "internal"),
        (NotaryError::Bug(text()), "internal"),
        (NotaryError::Signing(text()), "internal"),
        (NotaryError::Corrupt(text()), "corrupt"),
        (NotaryError::Overloaded, "overloaded"),
        (NotaryError::Unavailable, "unavailable"),
        (NotaryError::NotFound(text()), "not_found"),
        (NotaryError::BadRequest(text()), "bad_request"),
        (NotaryError::invalid(ErrorCode::BadKey, "no"), "bad_key"),
        (
            NotaryError::unknown(ErrorCode::UnknownParty, "party", "p1"),
            "unknown_party",
        ),
        (
            NotaryError::Conflict {
                code: ErrorCode::AlreadyRevoked,
                message: text(),
            },
            "already_revoked",
        ),
        (NotaryError::Setup(text()), "setup"),
        (NotaryError::Unauthorized(text()), "unauthorized"),
        (NotaryError::Forbidden(text()), "forbidden"),
    ];
    for (e, wire) in cases {
        assert_eq!(e.code().to_string(), wire, "{e:?}");
    }
}

/// An unknown thing's id is echoed, shortened to 64 characters.
#[test]
fn unknown_echoes_a_short_id() {
    let e = NotaryError::unknown(ErrorCode::UnknownGuarantee, "guarantee", &"g".repeat(100));
    assert_eq!(e.to_string(), format!("no guarantee {:?}", "g".repeat(64)));
}

/// A CRL is parsed and its signature checked before its job is queued (never under the state
/// lock on the sequencer): a stopped notary still says what is wrong with a bad CRL, and a
/// well-formed command gets `unavailable` at once.
#[tokio::test]
async fn a_crl_is_checked_before_it_reaches_the_sequencer() {
    let t0 = chrono::DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
        .expect("time")
        .with_timezone(&Utc);
    let w = fixture::ClockedDataDir::init(tempfile::tempdir().expect("tmp"), "t", t0)
        .await
        .expect("init");
    let (notary, thread) = w.open().expect("open");
    notary.shared.published.stop("stopped by the test");
    let bad = notary.import_crl(b"not a CRL".to_vec(), None).await;
    assert!(
        matches!(&bad, Err(NotaryError::Invalid { code, .. }) if *code == ErrorCode::CrlUnparsable),
        "{bad:?}"
    );
    let late = notary
        .register_party("Late", crate::model::registry::Role::Buyer, None)
        .await
        .map(|_| ());
    assert!(matches!(late, Err(NotaryError::Unavailable)), "{late:?}");
    drop(notary);
    tokio::task::spawn_blocking(move || thread.join())
        .await
        .expect("join");
}
