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
