//! `notar verify FILE.json`: checks a notary-signed object offline against the notary's Ed25519
//! public key. The file may hold one envelope (a guarantee, refusal, settlement, release, an
//! exchange token, a complaint receipt, ...), the body of a `POST /v1/guarantees` answer
//! (`{"decision": .., "guarantee"|"refusal": ..}`), of `GET /v1/guarantees/{id}`
//! (`{"guarantee": .., "closing": ..}`), of an exchange answer (`{"tid", .., "token": ..}`) or
//! of a complaint or response answer (`{"complaint_id", "receipt": ..}`), or a log entry
//! (`GET /v1/log/entries/{index}`: `{"kind", "logged_at", "body": ENVELOPE}`);
//! every envelope in it must carry a valid signature by that key. Party-signed exchange objects
//! are named, with what checks them.

use std::path::Path;

use anyhow::{anyhow, Context};
use base64::Engine;
use ed25519_dalek::VerifyingKey;
use serde_json::Value;

use super::out::print_fields;
use super::{Classify, Failure};
use crate::crypto::envelope::{Envelope, EnvelopeError};
use crate::crypto::keys::{ed25519_from_pem, key_id};
use crate::model::money::Money;
use crate::notary::datadir::DataDir;

/// Kinds of objects the notary signs (docs/design.md §4, the log's entry kinds that are envelopes).
const NOTARY_KINDS: [&str; 10] = [
    "guarantee",
    "refusal",
    "settlement",
    "release",
    "agreement",
    "revocation",
    "key_registration",
    "party",
    "policy",
    "seller_token",
];

/// Kinds the notary signs for fair exchange, complaints, rulings and freshness (`nonce`): every
/// payload field is shown, and the party-signed objects they embed are summarised.
const STATEMENT_KINDS: [&str; 9] = [
    "exchange_abort_token",
    "replacement_contract",
    "delivery_affidavit",
    "escrow_failure_affidavit",
    "complaint_receipt",
    "complaint_response_receipt",
    "complaint_silence",
    "ruling",
    "nonce",
];

/// Kinds a party of a fair exchange signs, and what checks them instead of this command.
const PARTY_KINDS: [(&str, &str); 6] = [
    (
        "exchange_offer",
        "m1 is signed by the originator: check it with the originator's public key \
         (`notar exchange accept --originator-key PUB`, `notar exchange check-contract`, \
         `notar exchange receipt --sender-key PUB`)",
    ),
    (
        "exchange_acceptance",
        "m2 is signed by the responder: check it with `notar exchange check-contract \
         --responder-key PUB` (with m1, na and nb)",
    ),
    (
        "exchange_abort",
        "an abort request is signed by the originator; the notary's answer, an \
         exchange_abort_token, is what this command checks",
    ),
    (
        "exchange_item_escrow",
        "the escrow statement is signed by the sender: `notar exchange receipt --sender-key \
         PUB` checks it against m1, the ciphertext and the escrow",
    ),
    (
        "exchange_receipt",
        "a receipt is signed by the recipient: check it with the recipient's public key; the \
         notary's delivery_affidavit, which this command checks, embeds it",
    ),
    (
        "goods_receipt",
        "a receipt of the goods is signed by the buyer (`notar order receipt`): check it with \
         the buyer's public key, or in a case bundle with `notar bundle verify`",
    ),
];

/// Payload fields shown, in this order, when present.
const SHOWN_FIELDS: [&str; 14] = [
    "guarantee_id",
    "refusal_id",
    "agreement_id",
    "amount",
    "seller_id",
    "buyer",
    "reason",
    "outcome",
    "key_id",
    "key_status",
    "issued_at",
    "expires_at",
    "closed_at",
    "log_index",
];

/// True if `bytes` look like JSON text rather than DER (first non-blank byte is `{`).
pub fn is_json(bytes: &[u8]) -> bool {
    bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
}

/// The notary key: `--notary-key` (base64 of the raw 32 bytes), else the public half of the
/// data dir's `keys/notary.ed25519.pem`.
fn notary_key(data: &Path, key_b64: Option<&str>) -> Result<VerifyingKey, Failure> {
    if let Some(text) = key_b64 {
        let raw = base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .ok()
            .and_then(|v| <[u8; 32]>::try_from(v).ok())
            .ok_or_else(|| {
                Failure::Usage(anyhow!(
                    "--notary-key must be base64 of a raw 32-byte Ed25519 public key \
                     (`public_key` of GET /v1/notary)"
                ))
            })?;
        return VerifyingKey::from_bytes(&raw)
            .map_err(|_| Failure::Usage(anyhow!("--notary-key is not a valid Ed25519 key")));
    }
    let path = DataDir::new(data).notary_key_path();
    let pem = std::fs::read_to_string(&path)
        .with_context(|| {
            format!(
                "reading the notary key {} (give --data DIR, or --notary-key BASE64 from GET \
                 /v1/notary)",
                path.display()
            )
        })
        .usage()?;
    let key = ed25519_from_pem(&pem)
        .with_context(|| path.display().to_string())
        .usage()?;
    Ok(key.verifying_key())
}

/// The envelopes in a parsed file, each with where it was found: the file itself, a log
/// entry's body, or the envelopes an answer holds (`guarantee`, `token`, ...).
pub(super) fn find_envelopes(v: &Value) -> Result<Vec<(&'static str, &Value)>, String> {
    let Some(obj) = v.as_object() else {
        return Err("not an envelope: the JSON is not an object".into());
    };
    // A log entry (`GET /v1/log/entries/{index}`): `{"kind", "logged_at", "operator"?, "body"}`,
    // the envelope as its body; the kinds that are not envelopes say what checks them.
    if let (Some(body), true) = (obj.get("body"), obj.contains_key("logged_at")) {
        return match obj.get("kind").and_then(Value::as_str) {
            Some("timestamp") => Err("a log entry of kind timestamp holds an RFC 3161 token \
                (base64 DER), not an envelope: check the token with `notar verify FILE.tsr`"
                .into()),
            Some("notary_identity") => Err("a log entry of kind notary_identity holds the \
                notary's keys and certificates, not an envelope: compare them with GET /v1/notary"
                .into()),
            _ => Ok(vec![("body", body)]),
        };
    }
    // An envelope has a payload and signatures; a case view has a `kind` too (the claim's).
    if ["payload", "signatures"]
        .iter()
        .any(|k| obj.contains_key(*k))
    {
        return Ok(vec![("", v)]);
    }
    if let Some(decision) = obj.get("decision") {
        let field = match decision.as_str() {
            Some("granted") => "guarantee",
            Some("refused") => "refusal",
            _ => return Err(format!("not an envelope: unknown decision {decision}")),
        };
        return obj
            .get(field)
            .map(|e| vec![(field, e)])
            .ok_or_else(|| format!("not an envelope: a {decision} answer without `{field}`"));
    }
    let found: Vec<(&'static str, &Value)> = [
        "guarantee",
        "refusal",
        "closing",
        "token",
        "receipt",
        "response_receipt",
        "silence",
        "ruling",
    ]
    .into_iter()
    .filter_map(|f| obj.get(f).filter(|e| !e.is_null()).map(|e| (f, e)))
    .collect();
    if found.is_empty() {
        return Err(
            "not an envelope: expected {kind, payload, signatures}, or an answer holding \
             `guarantee`, `refusal`, `closing`, `token`, `receipt`, `response_receipt`, \
             `silence` or `ruling`"
                .into(),
        );
    }
    Ok(found)
}

/// Checks one envelope; `Err` says precisely why it fails.
fn check(v: &Value, key: &VerifyingKey) -> Result<Envelope, String> {
    let env: Envelope =
        serde_json::from_value(v.clone()).map_err(|e| format!("not an envelope: {e}"))?;
    if let Some((kind, how)) = PARTY_KINDS.iter().find(|(k, _)| *k == env.kind) {
        return Err(format!(
            "{kind} is signed by a party, not by the notary, so the notary key cannot check \
             it: {how}"
        ));
    }
    let kind = env.kind.as_str();
    if !NOTARY_KINDS.contains(&kind) && !STATEMENT_KINDS.contains(&kind) {
        return Err(format!(
            "unknown kind {:?}: the notary signs {}, {}",
            env.kind.chars().take(64).collect::<String>(),
            NOTARY_KINDS.join(", "),
            STATEMENT_KINDS.join(", ")
        ));
    }
    env.verify_by(key).map_err(|e| match e {
        EnvelopeError::NotSignedBy(kid) => {
            let signers: Vec<&str> = env.signer_key_ids().collect();
            format!(
                "no signature by this notary key {kid} (signed by: {})",
                if signers.is_empty() {
                    "nobody".into()
                } else {
                    signers.join(", ")
                }
            )
        }
        EnvelopeError::BadSignature(kid) => format!(
            "the signature by notary key {kid} does not verify: the payload or the kind was \
             altered"
        ),
        EnvelopeError::Canonical(e) => {
            format!("the payload has no canonical form ({e}): it was altered")
        }
        other => other.to_string(),
    })?;
    Ok(env)
}

fn field_text(name: &str, v: &Value) -> String {
    if name == "amount" {
        if let Ok(m) = serde_json::from_value::<Money>(v.clone()) {
            return m.to_string();
        }
    }
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Every field of an exchange or complaint statement; an embedded envelope (m1, m2, a receipt,
/// evidence) as its kind and signers, which the notary checked before it signed.
fn stated_fields(payload: &Value) -> Vec<(&str, String)> {
    let Some(obj) = payload.as_object() else {
        return Vec::new();
    };
    obj.iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(name, v)| {
            let text = match serde_json::from_value::<Envelope>(v.clone()) {
                Ok(env) => format!(
                    "{} signed by {}",
                    env.kind,
                    env.signer_key_ids().collect::<Vec<_>>().join(", ")
                ),
                Err(_) => field_text(name, v),
            };
            (name.as_str(), text)
        })
        .collect()
}

/// Why `file` fails, said (as JSON too with `json`). A signed object that fails its check is
/// exit 1; a file that is no signed object at all (`input`: not JSON, no envelope in it) is the
/// wrong input, exit 2, as a text file or a damaged .tsr is.
fn failed(file: &Path, json: bool, reason: String, input: bool) -> Failure {
    if json {
        outln!("{}", serde_json::json!({"ok": false, "reason": reason}));
    }
    let e = anyhow!("{}: {reason}", file.display());
    match input {
        true => Failure::Usage(e),
        false => Failure::Refused(e),
    }
}

/// Runs `notar verify FILE` on a JSON file `bytes` read from `file`.
pub fn verify(
    data: &Path,
    file: &Path,
    bytes: &[u8],
    key_b64: Option<&str>,
    json: bool,
) -> Result<(), Failure> {
    let key = notary_key(data, key_b64)?;
    let fail_as = |reason: String, input: bool| Err(failed(file, json, reason, input));
    let fail = |reason: String| fail_as(reason, false);
    let value: Value = match serde_json::from_slice(bytes) {
        Ok(v) => v,
        Err(e) => return fail_as(format!("not JSON: {e}"), true),
    };
    let found = match find_envelopes(&value) {
        Ok(f) => f,
        Err(reason) => return fail_as(reason, true),
    };
    let mut checked = Vec::new();
    for (place, v) in found {
        match check(v, &key) {
            Ok(env) => checked.push((place, env)),
            Err(reason) if place.is_empty() => return fail(reason),
            Err(reason) => return fail(format!("`{place}`: {reason}")),
        }
    }
    let kid = key_id(&key);
    if json {
        let objects: Vec<Value> = checked
            .iter()
            .map(|(_, env)| serde_json::json!({"kind": env.kind, "payload": env.payload}))
            .collect();
        outln!(
            "{}",
            serde_json::json!({"ok": true, "notary_key_id": kid, "objects": objects})
        );
        return Ok(());
    }
    for (i, (_, env)) in checked.iter().enumerate() {
        if i > 0 {
            outln!();
        }
        let mut fields = vec![("kind", env.kind.clone())];
        if STATEMENT_KINDS.contains(&env.kind.as_str()) {
            fields.extend(stated_fields(&env.payload));
        } else {
            for name in SHOWN_FIELDS {
                if let Some(v) = env.payload.get(name) {
                    fields.push((name, field_text(name, v)));
                }
            }
        }
        fields.push(("signed by", format!("{kid} (notary)")));
        print_fields(&fields);
        outln!("signature OK");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::SigningKey;
    use serde_json::json;

    fn key() -> SigningKey {
        SigningKey::from_bytes(&[7; 32])
    }

    fn guarantee() -> Value {
        let env = Envelope::sign(
            "guarantee",
            json!({"guarantee_id": "g", "amount": {"minor": 12000, "currency": "EUR"}}),
            &key(),
        )
        .expect("sign");
        serde_json::to_value(env).expect("value")
    }

    #[test]
    fn finds_envelopes_in_answers() {
        let g = guarantee();
        assert_eq!(find_envelopes(&g).expect("bare").len(), 1);
        let body = json!({"decision": "granted", "guarantee": g});
        assert_eq!(find_envelopes(&body).expect("answer")[0].0, "guarantee");
        let view = json!({"guarantee_id": "g", "guarantee": g, "closing": null});
        assert_eq!(find_envelopes(&view).expect("view").len(), 1);
        let filed = json!({"complaint_id": "c", "receipt": g});
        assert_eq!(find_envelopes(&filed).expect("receipt")[0].0, "receipt");
        // A case as GET /v1/complaints/{id} gives it: the notary's envelopes in it, not the
        // parties' (`complaint`, `response`); its `kind` is the claim's.
        let case = json!({"kind": "non_delivery", "amount": {"minor": 1, "currency": "EUR"},
            "complaint": g, "receipt": g, "response": g, "response_receipt": g,
            "ruling": g, "silence": null});
        let places: Vec<&str> = find_envelopes(&case)
            .expect("case")
            .iter()
            .map(|f| f.0)
            .collect();
        assert_eq!(places, ["receipt", "response_receipt", "ruling"]);
        let entry =
            json!({"kind": "guarantee", "logged_at": "2026-03-01T10:00:00.000Z", "body": g});
        assert_eq!(find_envelopes(&entry).expect("log entry")[0], ("body", &g));
        let token =
            json!({"kind": "timestamp", "logged_at": "2026-03-01T10:00:00.000Z", "body": "MII="});
        let why = find_envelopes(&token).expect_err("a token is no envelope");
        assert!(why.contains("notar verify FILE.tsr"), "{why}");
        assert!(find_envelopes(&json!({"hello": 1})).is_err());
        assert!(find_envelopes(&json!([1])).is_err());
    }

    #[test]
    fn exchange_tokens_are_checked_and_stated_and_party_objects_named() {
        let vk = key().verifying_key();
        let m1 = Envelope::sign("exchange_offer", json!({"originator": "o"}), &key()).expect("m1");
        let token = Envelope::sign(
            "exchange_abort_token",
            json!({"tid": "t", "cause": "requested", "m1": m1, "abort": null, "log_index": 7}),
            &key(),
        )
        .expect("token");
        let token = serde_json::to_value(&token).expect("value");
        let answer = json!({"tid": "t", "status": "aborted", "token": token});
        let found = find_envelopes(&answer).expect("answer");
        assert_eq!(found[0].0, "token");
        let env = check(found[0].1, &vk).expect("verifies");
        let fields = stated_fields(&env.payload);
        let shown = |name: &str| {
            fields
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.clone())
        };
        assert_eq!(shown("cause").as_deref(), Some("requested"));
        assert_eq!(shown("log_index").as_deref(), Some("7"));
        let kid = key_id(&vk);
        assert_eq!(shown("m1"), Some(format!("exchange_offer signed by {kid}")));
        assert_eq!(shown("abort"), None);
        let e = check(&serde_json::to_value(&m1).expect("m1"), &vk).expect_err("party kind");
        assert!(
            e.contains("signed by a party") && e.contains("--originator-key"),
            "{e}"
        );
        for kind in STATEMENT_KINDS {
            let env = Envelope::sign(kind, json!({"log_index": 1}), &key()).expect("sign");
            assert!(
                check(&serde_json::to_value(env).expect("v"), &vk).is_ok(),
                "{kind}"
            );
        }
    }

    #[test]
    fn reasons_are_precise() {
        let vk = key().verifying_key();
        let g = guarantee();
        assert!(check(&g, &vk).is_ok());
        let mut altered = g.clone();
        altered["payload"]["amount"]["minor"] = json!(12001);
        let e = check(&altered, &vk).expect_err("altered amount");
        assert!(e.contains("does not verify"), "{e}");
        let mut kind = g.clone();
        kind["kind"] = json!("gift");
        assert!(check(&kind, &vk)
            .expect_err("kind")
            .contains("unknown kind"));
        let other = SigningKey::from_bytes(&[8; 32]).verifying_key();
        let e = check(&g, &other).expect_err("other key");
        assert!(e.contains("no signature by this notary key"), "{e}");
        let mut extra = g;
        extra["note"] = json!("x");
        assert!(check(&extra, &vk)
            .expect_err("extra")
            .contains("not an envelope"));
    }
}
