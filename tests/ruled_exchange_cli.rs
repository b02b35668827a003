//! A ruling's exchange action against the real binary: ann offers bob a contract (m1) and files
//! `contract_validity` with m1 only (nothing the protocol can settle); bob answers with his m2 →
//! `notar case rule` signs the ruling and, in the same batch, the notary's replacement contract
//! at the next log index → `POST /v1/exchanges/abort` by ann, a resolve by bob and
//! `GET /v1/exchanges/{tid}` all answer with that decision, byte for byte.

mod util;

use serde_json::json;
use util::cases::post_signed;
use util::exchange::{
    abort_body, abort_request, contract_m1, decided, exchange_post, m2, resolve_body,
};
use util::ledger::*;
use util::*;

#[test]
fn a_ruling_resolves_an_undecided_exchange_and_the_exchange_answers_with_its_token() {
    let data = DataDir::init();
    let srv = Server::start(&data);
    let mut admin = Admin::connect(&data);
    let (ann, bob) = (admin.party("ann", "buyer"), admin.party("bob", "seller"));
    let notary = notary_key(&srv.url);
    let kid = notar::crypto::keys::key_id(&notary);
    let m1 = contract_m1(&ann, &bob, &kid, None);
    let acceptance = m2(&bob, &m1.tid);
    let claim = json!({
        "kind": "contract_validity",
        "claimant": ann.id,
        "respondent": bob.id,
        "tid": m1.tid,
        "amount": eur(5_000),
        "statement": "Did bob accept?",
        "evidence": [{"type": "envelope", "envelope": m1.env}],
        "notary_key_id": kid,
        "created_at": "2026-03-01T09:00:00.000Z",
    });
    let filed = post_signed(&srv.url, "/v1/complaints", "complaint", claim, &ann.key);
    let id = filed["complaint_id"].as_str().expect("id").to_string();
    let answer = json!({
        "complaint_id": id,
        "complaint_digest": filed["receipt"]["payload"]["complaint_digest"],
        "respondent": bob.id,
        "statement": "I accepted: here is my m2.",
        "evidence": [{"type": "envelope", "envelope": acceptance}],
        "created_at": "2026-03-01T09:30:00.000Z",
    });
    let path = format!("/v1/complaints/{id}/response");
    post_signed(&srv.url, &path, "complaint_response", answer, &bob.key);

    let o = notar(&["--data", data.arg(), "case", "rule", &id, "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let ruling = verified(&json(&o.stdout)["ruling"], &notary);
    let at = ruling.payload["log_index"].as_u64().expect("index");
    assert_eq!(
        ruling.payload["actions"],
        json!([{"action": "resolve_exchange", "tid": m1.tid, "result": "done",
            "outcome": "resolved", "log_index": at + 1}])
    );
    assert_eq!(
        ruling.payload["ruling"]["actions"],
        json!([{"action": "resolve_exchange", "tid": m1.tid}])
    );
    let o = notar(&["--data", data.arg(), "case", "rule", &id]);
    assert!(text(&o).contains("already_ruled"), "{}", text(&o));

    let by_ann = exchange_post(
        &srv.url,
        "abort",
        &abort_body(&m1.env, &abort_request(&ann, &m1.tid)),
    );
    let a = decided(
        &srv.url,
        &notary,
        &by_ann,
        &m1.tid,
        &m1.env,
        ("resolved", "resolved", "replacement_contract"),
    );
    assert_eq!(a["token"]["payload"]["log_index"], json!(at + 1));
    assert_eq!(a["token"]["payload"]["m2"], json!(acceptance));
    assert_eq!(
        a["token"]["payload"]["ruling"],
        json!({"complaint_id": id, "log_index": at})
    );
    let by_bob = exchange_post(&srv.url, "resolve", &resolve_body(&m1.env, &acceptance));
    assert_eq!(by_bob, by_ann, "every request gets the same bytes");
}
