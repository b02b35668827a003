use serde_json::json;

use super::*;
use crate::api::admin::proto::RulingItem;

/// Also the console's sample exchanges and complaints.
#[path = "proto_cases_samples.rs"]
pub(crate) mod cases;

/// The position of `op`'s variant: a new variant does not compile until it is listed here,
/// and then the round trip fails until a sample of it is added.
fn op_index(op: &Op) -> usize {
    match op {
        Op::Hello => 0,
        Op::Status => 1,
        Op::TimestampsRecent { .. } => 2,
        Op::TimestampsSearch { .. } => 3,
        Op::Stamp { .. } => 4,
        Op::Checkpoints { .. } => 5,
        Op::Entries { .. } => 6,
        Op::Prove { .. } => 7,
        Op::PartyRegister { .. } => 8,
        Op::Parties { .. } => 9,
        Op::PartyShow { .. } => 10,
        Op::KeyAdd { .. } => 11,
        Op::KeyRevoke { .. } => 12,
        Op::CrlImport { .. } => 13,
        Op::AgreementCreate { .. } => 14,
        Op::AgreementStatus { .. } => 15,
        Op::Agreements { .. } => 16,
        Op::AgreementShow { .. } => 17,
        Op::LedgerFeed { .. } => 18,
        Op::Policies => 19,
        Op::Exchanges { .. } => 20,
        Op::Complaints { .. } => 21,
        Op::ComplaintShow { .. } => 22,
        Op::ComplaintTake { .. } => 23,
        Op::ComplaintNote { .. } => 24,
        Op::CaseExport { .. } => 25,
        Op::RulingSign { .. } => 26,
        Op::RulingConfirm { .. } => 27,
        Op::CaseReplay { .. } => 28,
        Op::SellerToken { .. } => 29,
        Op::ProposalWithdraw { .. } => 30,
    }
}
const OPS: usize = 31;

fn ops() -> Vec<Op> {
    let s = |t: &str| t.to_string();
    vec![
        Op::Hello,
        Op::Status,
        Op::TimestampsRecent { limit: 5 },
        Op::TimestampsSearch { imprint: s("ab") },
        Op::Stamp {
            hash_alg: HashAlg::Sha384,
            imprint: s("cd"),
        },
        Op::Checkpoints { limit: 2 },
        Op::Entries { start: 3, limit: 4 },
        Op::Prove { index: 9 },
        Op::PartyRegister {
            name: s("Bob"),
            role: Role::Seller,
            public_key_hex: Some(s("00")),
            certificate_b64: None,
        },
        Op::Parties { query: s("bo") },
        Op::PartyShow { party_id: s("p1") },
        Op::KeyAdd {
            party_id: s("p1"),
            public_key_hex: None,
            certificate_b64: Some(s("Y2VydA==")),
        },
        Op::KeyRevoke {
            key_id: s("k1"),
            reason: s("lost"),
        },
        Op::CrlImport { crl_b64: s("Y3Js") },
        Op::SellerToken {
            party_id: s("p2"),
            change: TokenChange::Revoked,
        },
        Op::AgreementCreate {
            buyer_id: s("p1"),
            policy_id: s("semper-consumer"),
            total_cap_minor: Some(100),
            per_tx_cap_minor: None,
            valid_until: Some(s("2030-01-01T00:00:00.000Z")),
            keys: Some(vec![s("k1")]),
        },
        Op::AgreementStatus {
            agreement_id: s("a1"),
            status: AgreementStatus::Suspended,
            reason: s("audit"),
        },
        Op::Agreements { query: s("") },
        Op::AgreementShow {
            agreement_id: s("a1"),
            limit: 7,
        },
        Op::LedgerFeed { limit: 8 },
        Op::Policies,
    ]
    .into_iter()
    .chain(case_ops())
    .collect()
}

/// Samples of the operations on exchanges, complaints and rulings.
fn case_ops() -> Vec<Op> {
    let s = |t: &str| t.to_string();
    vec![
        Op::Exchanges { limit: 9 },
        Op::Complaints { limit: 10 },
        Op::ComplaintShow {
            complaint_id: s("c1"),
        },
        Op::ComplaintTake {
            complaint_id: s("c1"),
        },
        Op::ComplaintNote {
            complaint_id: s("c1"),
            text: s("called the seller"),
        },
        Op::CaseExport {
            complaint_id: s("c1"),
            ruled: true,
        },
        Op::RulingSign {
            complaint_id: s("c1"),
            expect_ruling: Some("ab".repeat(32)),
        },
        Op::RulingConfirm {
            complaint_id: s("c1"),
            expect_ruling: Some("cd".repeat(32)),
        },
        Op::CaseReplay {
            complaint_id: s("c1"),
        },
        Op::ProposalWithdraw {
            complaint_id: s("c1"),
            reason: s("the refund is wrong"),
        },
    ]
}

fn reply_index(r: &Reply) -> usize {
    match r {
        Reply::Hello(_) => 0,
        Reply::Status(_) => 1,
        Reply::Timestamps { .. } => 2,
        Reply::Stamped(_) => 3,
        Reply::Checkpoints { .. } => 4,
        Reply::Entries { .. } => 5,
        Reply::Proof(_) => 6,
        Reply::PartyRegistered { .. } => 7,
        Reply::Parties { .. } => 8,
        Reply::Party { .. } => 9,
        Reply::Key(_) => 10,
        Reply::CrlImported { .. } => 11,
        Reply::Agreement(_) => 12,
        Reply::Agreements { .. } => 13,
        Reply::AgreementDetail { .. } => 14,
        Reply::Feed { .. } => 15,
        Reply::Policies { .. } => 16,
        Reply::Exchanges { .. } => 17,
        Reply::Complaints { .. } => 18,
        Reply::Complaint(_) => 19,
        Reply::CaseBundle { .. } => 20,
        Reply::Ruling(_) => 21,
        Reply::CaseReplay { .. } => 22,
        Reply::SellerToken(_) => 23,
    }
}
const REPLIES: usize = 24;

fn hello() -> Hello {
    Hello {
        operator: "alice".into(),
        arbitrator: "Alice".into(),
        notary: "N".into(),
        key_id: "3f".into(),
        checkpoint_vkey: "v".into(),
        tsa_subject: "CN=T".into(),
        timestamp_policy: "1.2.3".into(),
        timestamp_accuracy_ms: 1000,
        http_url: Some("http://127.0.0.1:8080".into()),
    }
}

fn timestamp() -> TimestampItem {
    TimestampItem {
        serial: 3,
        gen_time: "2025-03-02T12:00:00.000Z".into(),
        hash_alg: HashAlg::Sha512,
        imprint: "ab".into(),
        operator: Some("alice".into()),
    }
}

fn party(role: Role) -> PartyItem {
    PartyItem {
        id: "p1".into(),
        name: "Bob".into(),
        role,
        registered_at: "2025-03-02T12:00:00.000Z".into(),
        keys: 1,
    }
}

fn key(source: KeySourceKind, status: KeyStanding) -> KeyItem {
    KeyItem {
        key_id: "k1".into(),
        party_id: "p1".into(),
        source,
        subject: (source == KeySourceKind::X509).then(|| "CN=Bob".into()),
        status,
        revoked_at: (status == KeyStanding::Revoked).then(|| "2025-03-03T00:00:00.000Z".into()),
        revocation_reason: (status == KeyStanding::Revoked).then(|| "lost".into()),
        registered_at: "2025-03-02T12:00:00.000Z".into(),
    }
}

fn agreement(status: AgreementStatus) -> AgreementItem {
    AgreementItem {
        id: "a1".into(),
        buyer_id: "p1".into(),
        buyer_name: "Bob".into(),
        policy_id: "semper-consumer".into(),
        policy_version: 1,
        policy_digest: "d".into(),
        currency: "EUR".into(),
        total_cap_minor: 100_000,
        per_tx_cap_minor: 10_000,
        exposure_minor: 1_200,
        outstanding: 1,
        status,
        standing: status.as_str().into(),
        valid_from: "2025-01-01T00:00:00.000Z".into(),
        valid_until: "2026-01-01T00:00:00.000Z".into(),
        keys: vec!["k1".into()],
    }
}

fn guarantee(state: GuaranteeState) -> GuaranteeItem {
    GuaranteeItem {
        guarantee_id: "g1".into(),
        agreement_id: "a1".into(),
        seller_id: "p2".into(),
        amount_minor: 1_200,
        currency: "EUR".into(),
        state,
        issued_at: "2025-03-02T12:00:00.000Z".into(),
        release_at: "2025-04-02T12:00:00.000Z".into(),
        held_by: (state == GuaranteeState::Outstanding).then(|| "c1".into()),
    }
}

fn feed_item(kind: EntryKind) -> FeedItem {
    FeedItem {
        index: 12,
        kind,
        logged_at: "2025-03-02T12:00:00.000Z".into(),
        agreement_id: "a1".into(),
        seller_id: "p2".into(),
        seller_name: "Shop".into(),
        amount_minor: 1_200,
        currency: "EUR".into(),
        reason: (kind == EntryKind::Refusal)
            .then_some(FeedReason::Refused(Refusal::TotalCapExceeded)),
        guarantee_id: (kind != EntryKind::Refusal).then(|| "g1".into()),
    }
}

fn policy(uncovered_rule: UncoveredRule) -> PolicyItem {
    PolicyItem {
        id: "semper-consumer".into(),
        version: 1,
        title: "SEMPER consumer".into(),
        digest: "d".into(),
        currency: "EUR".into(),
        total_cap_minor: 100_000,
        per_tx_cap_minor: 10_000,
        uncovered_rule,
    }
}

fn entry(kind: Option<EntryKind>) -> EntryItem {
    EntryItem {
        index: 1,
        kind,
        logged_at: "2025-03-02T12:00:00.000Z".into(),
        operator: None,
        raw: "{}".into(),
    }
}

fn status() -> Status {
    Status {
        now: "2025-03-02T12:00:00.000Z".into(),
        started_at: "2025-03-01T12:00:00.000Z".into(),
        log_size: 10,
        checkpoint_size: 9,
        checkpoint_age_ms: 300,
        timestamps_per_s_milli: 1_500,
        timestamps_total: 4,
        guarantees: GuaranteeCounts {
            granted: 5,
            refused: 2,
            settled: 1,
            released: 1,
        },
        exchanges_decided: 3,
        activity: Activity {
            stamps: vec![0, 2, 1],
            guarantees: vec![1, 0, 0],
            exchanges: vec![0, 0, 3],
        },
        failed: false,
        failed_reason: None,
        role: Some("standby".into()),
    }
}

fn crl_imported() -> Reply {
    Reply::CrlImported {
        issuer: "CN=CA".into(),
        entries: 3,
        revoked: vec!["k1".into()],
        already_revoked: 1,
        log_index: Some(5),
    }
}

/// An agreement with its key and one guarantee in each state.
fn agreement_detail() -> Reply {
    Reply::AgreementDetail {
        agreement: agreement(AgreementStatus::Active),
        keys: vec![key(KeySourceKind::Raw, KeyStanding::Good)],
        guarantees: [
            GuaranteeState::Outstanding,
            GuaranteeState::Settled,
            GuaranteeState::Released,
        ]
        .map(guarantee)
        .to_vec(),
    }
}

/// One feed item of each ledger kind.
fn feed_items() -> Vec<FeedItem> {
    [
        EntryKind::Guarantee,
        EntryKind::Refusal,
        EntryKind::Settlement,
        EntryKind::Release,
    ]
    .map(feed_item)
    .to_vec()
}

fn replies() -> Vec<Reply> {
    vec![
        Reply::Hello(hello()),
        Reply::Status(status()),
        Reply::Timestamps {
            items: vec![timestamp()],
        },
        Reply::Stamped(timestamp()),
        Reply::Checkpoints {
            items: vec![CheckpointItem {
                size: 9,
                note: "origin\n9\nroot\n".into(),
            }],
        },
        Reply::Entries {
            items: vec![entry(Some(EntryKind::Timestamp)), entry(None)],
        },
        Reply::Proof(ProofItem {
            index: 1,
            raw: "{}".into(),
            checkpoint: "note".into(),
            proof: vec!["aGFzaA==".into()],
        }),
        Reply::PartyRegistered {
            party: party(Role::Seller),
            key: Some(key(KeySourceKind::Raw, KeyStanding::Good)),
            api_token: Some("nts_x".into()),
        },
        Reply::Parties {
            items: vec![party(Role::Buyer), party(Role::Seller)],
        },
        Reply::Party {
            party: party(Role::Buyer),
            keys: vec![
                key(KeySourceKind::X509, KeyStanding::CertificateOutOfValidity),
                key(KeySourceKind::Raw, KeyStanding::Revoked),
            ],
        },
        Reply::Key(key(KeySourceKind::X509, KeyStanding::Good)),
        crl_imported(),
        Reply::SellerToken(SellerTokenItem {
            party_id: "p2".into(),
            change: TokenChange::Rotated,
            api_token: Some("nts_y".into()),
            log_index: 12,
            changed_at: "2026-03-10T12:00:00.000Z".into(),
        }),
        Reply::Agreement(agreement(AgreementStatus::Active)),
        Reply::Agreements {
            items: vec![
                agreement(AgreementStatus::Suspended),
                agreement(AgreementStatus::Ended),
            ],
        },
        agreement_detail(),
        Reply::Feed {
            items: feed_items(),
        },
        Reply::Policies {
            items: vec![policy(UncoveredRule::Strict), policy(UncoveredRule::Capped)],
        },
    ]
    .into_iter()
    .chain(case_replies())
    .collect()
}

/// Samples of the replies about exchanges, complaints and rulings.
fn case_replies() -> Vec<Reply> {
    vec![
        Reply::Exchanges {
            items: cases::exchanges(),
        },
        Reply::Complaints {
            items: ComplaintStatus::ALL.map(cases::complaint).to_vec(),
        },
        Reply::Complaint(cases::detail()),
        Reply::CaseBundle {
            bundle: Box::new(cases::bundle()),
        },
        Reply::Ruling(RulingItem {
            complaint_id: "c1".into(),
            status: "proposed".into(),
            bundle_digest: "ab".repeat(32),
            arbitrator: "Alice".into(),
            ruling: None,
        }),
        Reply::CaseReplay {
            ruling: Box::new(cases::ruling()),
            bundle_digest: "cd".repeat(32),
            proposed_by: Some("Alice".into()),
            guarantees: [("g1".to_string(), cases::ruling().claim.amount)].into(),
        },
    ]
}

/// `value` as one JSON line, and back.
fn round_trip<T: Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug>(value: &T) {
    let line = serde_json::to_string(value).expect("json");
    assert!(!line.contains('\n'), "{line}");
    let back: T = serde_json::from_str(&line).expect(&line);
    assert_eq!(&back, value, "{line}");
}

#[test]
fn every_request_round_trips() {
    let ops = ops();
    let mut seen: Vec<usize> = ops.iter().map(op_index).collect();
    seen.sort_unstable();
    assert_eq!(seen, (0..OPS).collect::<Vec<_>>(), "one sample per Op");
    for (id, op) in ops.into_iter().enumerate() {
        round_trip(&Request { id: id as u64, op });
    }
}

#[test]
fn every_response_round_trips() {
    let replies = replies();
    let mut seen: Vec<usize> = replies.iter().map(reply_index).collect();
    seen.sort_unstable();
    assert_eq!(
        seen,
        (0..REPLIES).collect::<Vec<_>>(),
        "one sample per Reply"
    );
    for (id, result) in replies.into_iter().enumerate() {
        round_trip(&Response::Ok {
            id: id as u64,
            result,
        });
    }
    round_trip(&Response::Err {
        id: 4,
        error: ErrorBody::new(ErrorCode::AlreadyRevoked, "key k1 was revoked"),
    });
}

#[test]
fn a_response_is_an_answer_or_an_error_never_both_nor_neither() {
    let ok = serde_json::to_value(Response::Ok {
        id: 1,
        result: Reply::Hello(hello()),
    })
    .expect("json");
    assert_eq!(ok["id"], 1);
    assert_eq!(ok["ok"]["kind"], "hello");
    let err = serde_json::to_value(Response::Err {
        id: 2,
        error: ErrorBody::bad_request("no"),
    })
    .expect("json");
    assert_eq!(
        err,
        json!({"id": 2, "error": {"code": "bad_request", "message": "no"}})
    );
    let both = json!({"id": 3, "ok": ok["ok"], "error": err["error"]});
    assert!(serde_json::from_value::<Response>(both).is_err());
    assert!(serde_json::from_value::<Response>(json!({"id": 3})).is_err());
}

/// The strings users read (CLI tables and `--json`, console text) are the ones the protocol
/// carried as text before it carried enums.
#[test]
fn enums_keep_the_strings_users_see() {
    fn wire<T: Serialize>(v: T) -> String {
        serde_json::to_value(v)
            .expect("json")
            .as_str()
            .expect("a string")
            .to_string()
    }
    for r in [Role::Buyer, Role::Seller] {
        assert_eq!(wire(r), r.as_str());
    }
    assert_eq!(wire(Role::Buyer), "buyer");
    for s in [
        AgreementStatus::Active,
        AgreementStatus::Suspended,
        AgreementStatus::Ended,
    ] {
        assert_eq!(wire(s), s.as_str());
        assert_eq!(AgreementStatus::parse(&wire(s)), Some(s));
    }
    let states = [
        (GuaranteeState::Outstanding, "outstanding"),
        (GuaranteeState::Settled, "settled"),
        (GuaranteeState::Released, "released"),
    ];
    for (s, text) in states {
        assert_eq!((wire(s), s.as_str()), (text.to_string(), text));
    }
    let standings = [
        (KeyStanding::Good, "not_revoked"),
        (KeyStanding::Revoked, "revoked"),
        (
            KeyStanding::CertificateOutOfValidity,
            "certificate_out_of_validity",
        ),
    ];
    for (s, text) in standings {
        assert_eq!((wire(s), s.as_str()), (text.to_string(), text));
    }
    for (k, text) in [(KeySourceKind::Raw, "raw"), (KeySourceKind::X509, "x509")] {
        assert_eq!((wire(k), k.as_str()), (text.to_string(), text));
    }
    let kinds = [
        (EntryKind::Guarantee, "guarantee"),
        (EntryKind::Refusal, "refusal"),
        (EntryKind::Settlement, "settlement"),
        (EntryKind::Release, "release"),
        (EntryKind::NotaryIdentity, "notary_identity"),
    ];
    for (k, text) in kinds {
        assert_eq!((wire(k), k.as_str()), (text.to_string(), text));
    }
    assert_eq!(entry(None).kind_name(), "unreadable");
    for r in [UncoveredRule::Strict, UncoveredRule::Capped] {
        assert_eq!(wire(r), r.as_str());
    }
    for a in HashAlg::ALL {
        assert_eq!(wire(a), a.name());
    }
    assert_eq!(wire(ErrorCode::NotAnArbitrator), "not_an_arbitrator");
    assert_eq!(ErrorCode::NotACa.to_string(), "not_a_ca");
}

/// The `--json` output of the CLI prints a reply as it is: an agreement detail keeps the shape
/// and the words it had when these fields were strings.
#[test]
fn a_reply_keeps_its_json() {
    let detail = Reply::AgreementDetail {
        agreement: agreement(AgreementStatus::Suspended),
        keys: vec![key(KeySourceKind::Raw, KeyStanding::Good)],
        guarantees: vec![guarantee(GuaranteeState::Outstanding)],
    };
    let v = serde_json::to_value(&detail).expect("json");
    assert_eq!(v["kind"], "agreement_detail");
    assert_eq!(v["agreement"]["status"], "suspended");
    assert_eq!(v["keys"][0]["source"], "raw");
    assert_eq!(v["keys"][0]["status"], "not_revoked");
    assert_eq!(v["guarantees"][0]["state"], "outstanding");
    let party = serde_json::to_value(Reply::Party {
        party: party(Role::Buyer),
        keys: vec![],
    })
    .expect("json");
    assert_eq!(party["party"]["role"], "buyer");
}

/// Feed reasons keep the codes the signed records hold: every refusal code and every release
/// reason reads back as itself, and nothing else reads as a reason.
#[test]
fn feed_reasons_are_the_signed_codes() {
    for r in Refusal::ALL {
        let text = serde_json::to_value(FeedReason::Refused(r)).expect("json");
        assert_eq!(text, r.code());
        let back: FeedReason = serde_json::from_value(text).expect("reads back");
        assert_eq!(back, FeedReason::Refused(r));
        assert_eq!(back.as_str(), r.code());
    }
    let releases = [
        (ReleaseReason::Cancelled, "cancelled"),
        (ReleaseReason::Aborted, "aborted"),
        (ReleaseReason::Ruled, "ruled"),
        (ReleaseReason::Expired, "expired"),
    ];
    for (r, text) in releases {
        assert_eq!(
            serde_json::to_value(FeedReason::Released(r)).expect("json"),
            text
        );
        let back: FeedReason = serde_json::from_value(text.into()).expect("reads back");
        assert_eq!((back, back.as_str()), (FeedReason::Released(r), text));
    }
    assert!(serde_json::from_value::<FeedReason>("laptop lost".into()).is_err());
}
