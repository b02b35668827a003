//! `notar complaint file|respond|show`: a party signs with its own key and talks to the notary
//! over HTTP. What the party signs is checked here first with the notary's own rules
//! (`model::complaint`), so a mistake is refused before anything is sent; the notary's receipt is
//! checked against the key `GET /v1/notary` publishes.

use std::path::Path;

use anyhow::{anyhow, Context};
use base64::Engine;
use chrono::Utc;
use ed25519_dalek::{Signer, SigningKey, VerifyingKey};
use serde_json::{json, Value};

use super::{evidence, FileArgs, RespondArgs, ShowArgs, StatementArgs};
use crate::api::admin::proto::ErrorCode;
use crate::cli::admin_client::Refusal;
use crate::cli::client::Client;
use crate::cli::out::{print_fields, print_json};
use crate::cli::{Classify, Failure};
use crate::console::sanitize::sanitize;
use crate::crypto::envelope::Envelope;
use crate::crypto::keys::{ed25519_from_pem, key_id};
use crate::model::complaint::{
    Complaint, ComplaintKind, HistoryEvent, HistoryWhat, ReadRequest, Response,
};
use crate::model::exchange::WireTime;
use crate::model::money::{Currency, Money};
use crate::model::time::{rfc3339_ms, truncate_ms};

fn signing_key(path: &Path) -> Result<SigningKey, Failure> {
    let pem = std::fs::read_to_string(path)
        .with_context(|| format!("reading {}", path.display()))
        .usage()?;
    ed25519_from_pem(&pem)
        .with_context(|| path.display().to_string())
        .usage()
}

/// The statement to sign; a file's Windows line ends become plain ones and its byte order mark
/// goes (a carriage return and U+FEFF are refused in a statement: the first can overwrite a
/// line on a terminal, the second is invisible).
fn statement(s: &StatementArgs) -> Result<String, Failure> {
    match (&s.statement, &s.statement_file) {
        (Some(text), _) => Ok(text.clone()),
        (None, Some(path)) => std::fs::read_to_string(path)
            .map(|t| {
                t.strip_prefix('\u{feff}')
                    .unwrap_or(&t)
                    .replace("\r\n", "\n")
            })
            .with_context(|| format!("reading {}", path.display()))
            .usage(),
        (None, None) => Err(Failure::Usage(anyhow!(
            "give --statement or --statement-file"
        ))),
    }
}

fn money(amount: &str, currency: &str) -> Result<Money, Failure> {
    let bad = |e: String| Refusal::input(ErrorCode::BadAmount, e);
    let c = Currency::parse(currency.trim()).map_err(|e| bad(e.to_string()))?;
    Money::parse_decimal(amount.trim(), c).map_err(|e| bad(e.to_string()))
}

/// `--evidence`, then `--evidence-content`, then `--nonce` files, as evidence items.
fn evidence_items(
    paths: &[std::path::PathBuf],
    with_content: &[std::path::PathBuf],
    nonces: &[std::path::PathBuf],
) -> Result<Vec<Value>, Failure> {
    let mut items = Vec::new();
    for p in paths {
        items.extend(evidence::items(p)?);
    }
    for p in with_content {
        items.push(evidence::with_content(p)?);
    }
    for p in nonces {
        items.push(evidence::nonce(p)?);
    }
    Ok(items)
}

fn now_text() -> String {
    rfc3339_ms(truncate_ms(Utc::now()))
}

/// The notary's key id and public key, from `GET /v1/notary`.
async fn notary_key(client: &Client) -> Result<(String, VerifyingKey), Failure> {
    let id: Value = client.get_json("/v1/notary").await.refused()?;
    let kid = id["key_id"].as_str().unwrap_or_default().to_string();
    let vk = id["public_key"]
        .as_str()
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        .and_then(|raw| <[u8; 32]>::try_from(raw).ok())
        .and_then(|raw| VerifyingKey::from_bytes(&raw).ok())
        .filter(|vk| key_id(vk) == kid)
        .ok_or_else(|| Failure::Refused(anyhow!("GET /v1/notary gave no usable public key")))?;
    Ok((kid, vk))
}

/// A non-2xx answer as a refusal with the notary's code (exit 2 for the caller's input).
fn refusal(status: u16, body: &[u8]) -> Failure {
    let v: Option<Value> = serde_json::from_slice(body).ok();
    let error = v.as_ref().and_then(|v| v.get("error"));
    let message = error
        .and_then(|e| e.get("message"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    let code = error
        .and_then(|e| e.get("code"))
        .and_then(|c| serde_json::from_value::<ErrorCode>(c.clone()).ok());
    match code {
        Some(code) => Refusal {
            code,
            message: message.to_string(),
        }
        .into_failure(),
        None => Failure::Refused(anyhow!(
            "the notary answered {status}: {}",
            String::from_utf8_lossy(body)
        )),
    }
}

/// Sends `method path` and returns the body of a 2xx answer.
async fn send(
    client: &Client,
    method: reqwest::Method,
    path: &str,
    body: Option<Vec<u8>>,
) -> Result<Vec<u8>, Failure> {
    let (status, bytes) = client.call(method, path, body).await.refused()?;
    if (200..300).contains(&status) {
        Ok(bytes)
    } else {
        Err(refusal(status, &bytes))
    }
}

/// `/v1/complaints/{id}` with a read signed by `key` now.
fn read_path(id: &str, key: &SigningKey) -> Result<String, Failure> {
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return Err(Refusal::input(
            ErrorCode::BadRequest,
            "a complaint id is letters, digits and -",
        ));
    }
    let at = WireTime::new(truncate_ms(Utc::now()))
        .ok_or_else(|| Failure::Refused(anyhow!("the clock gave no millisecond time")))?;
    let msg = ReadRequest {
        complaint_id: id.to_string(),
        at,
    }
    .signing_bytes()
    .refused()?;
    let sig = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(key.sign(&msg).to_bytes());
    let kid = key_id(&key.verifying_key());
    Ok(format!(
        "/v1/complaints/{id}?key_id={kid}&at={}&sig={sig}",
        String::from(at)
    ))
}

/// Posts a signed envelope, checks the receipt in the answer, prints it.
async fn post_signed(
    client: &Client,
    notary: &VerifyingKey,
    path: &str,
    env: &Envelope,
    json: bool,
) -> Result<(), Failure> {
    let body = env.to_bytes().refused()?;
    let answer = send(client, reqwest::Method::POST, path, Some(body)).await?;
    let v: Value = serde_json::from_slice(&answer)
        .map_err(|e| Failure::Refused(anyhow!("the notary's answer is not JSON: {e}")))?;
    let receipt: Envelope = serde_json::from_value(v["receipt"].clone())
        .map_err(|e| Failure::Refused(anyhow!("the answer holds no receipt: {e}")))?;
    receipt
        .verify_by(notary)
        .map_err(|e| Failure::Refused(anyhow!("the receipt's signature: {e}")))?;
    if json {
        crate::cli::out::print_json_text(&String::from_utf8_lossy(&answer));
        return Ok(());
    }
    let p = &receipt.payload;
    let text = |k: &str| p.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let mut fields = vec![
        ("complaint", text("complaint_id")),
        ("received", text("received_at")),
        ("deadline", text("response_deadline")),
    ];
    fields.push((
        "receipt",
        format!(
            "{} at log index {}, signed by the notary (verified)",
            receipt.kind, p["log_index"]
        ),
    ));
    print_fields(&fields);
    Ok(())
}

fn sign(kind: &str, payload: Value, key: &SigningKey) -> Result<Envelope, Failure> {
    Envelope::sign(kind, payload, key).refused()
}

/// `notar complaint file`.
pub(super) async fn file(a: FileArgs, json: bool) -> Result<(), Failure> {
    let key = signing_key(&a.conn.key)?;
    let amount = money(&a.amount, &a.currency)?;
    let statement = statement(&a.statement)?;
    let evidence = evidence_items(&a.evidence, &a.evidence_content, &a.nonce)?;
    let client = Client::new(&a.conn.notary).usage()?;
    let (notary_kid, notary) = notary_key(&client).await?;
    let kind = ComplaintKind::parse(&a.kind)
        .ok_or_else(|| Refusal::input(ErrorCode::MalformedComplaint, "unknown kind"))?;
    let mut payload = json!({
        "kind": kind,
        "claimant": a.claimant,
        "respondent": a.respondent,
        "amount": amount,
        "statement": statement,
        "evidence": evidence,
        "notary_key_id": notary_kid,
        "created_at": now_text(),
    });
    match (&a.tid, &a.guarantee, &a.order_digest) {
        (Some(tid), _, _) => payload["tid"] = json!(tid),
        (None, Some(g), _) => payload["guarantee_id"] = json!(g),
        (None, None, Some(d)) => payload["order_digest"] = json!(d),
        (None, None, None) => {
            return Err(Failure::Usage(anyhow!(
                "give --tid, --guarantee or --order-digest"
            )))
        }
    }
    Complaint::<Envelope>::parse("complaint", &payload)
        .map_err(|e| Refusal::input(e.code(), e.to_string()))?;
    let env = sign("complaint", payload, &key)?;
    if a.sign_only {
        return print_json(&env);
    }
    post_signed(&client, &notary, "/v1/complaints", &env, json).await
}

/// `notar complaint respond`.
pub(super) async fn respond(a: RespondArgs, json: bool) -> Result<(), Failure> {
    let key = signing_key(&a.conn.key)?;
    let statement = statement(&a.statement)?;
    let evidence = evidence_items(&a.evidence, &a.evidence_content, &a.nonce)?;
    let client = Client::new(&a.conn.notary).usage()?;
    let (_, notary) = notary_key(&client).await?;
    let case = read_case(&client, &a.complaint_id, &key)
        .await
        .map_err(|f| not_answering(f, &a.complaint_id))?;
    let mut payload = json!({
        "complaint_id": a.complaint_id,
        "complaint_digest": case["receipt"]["payload"]["complaint_digest"],
        "respondent": case["respondent"],
        "statement": statement,
        "evidence": evidence,
        "created_at": now_text(),
    });
    if let (Some(kind), Some(amount), Some(text)) =
        (&a.counter_kind, &a.counter_amount, &a.counter_statement)
    {
        let currency = a
            .counter_currency
            .clone()
            .or_else(|| case["amount"]["currency"].as_str().map(str::to_string))
            .unwrap_or_default();
        payload["counter_claim"] = json!({
            "kind": kind,
            "amount": money(amount, &currency)?,
            "statement": text,
        });
    }
    Response::<Envelope>::parse("complaint_response", &payload)
        .map_err(|e| Refusal::input(e.code(), e.to_string()))?;
    let env = sign("complaint_response", payload, &key)?;
    if a.sign_only {
        return print_json(&env);
    }
    let path = format!("/v1/complaints/{}/response", a.complaint_id);
    post_signed(&client, &notary, &path, &env, json).await
}

/// `respond` reads the case first: a key of neither party is told it may not answer (the
/// read's refusal spoke of reading, s10 S10-8). Other failures as they are.
fn not_answering(f: Failure, id: &str) -> Failure {
    let (Failure::Refused(e) | Failure::Usage(e)) = &f;
    match e.downcast_ref::<Refusal>() {
        Some(r) if r.code == ErrorCode::NotAParty => Refusal {
            code: r.code,
            message: format!(
                "only complaint {id}'s respondent may answer it, and this key is not one of its \
                 parties'"
            ),
        }
        .into_failure(),
        _ => f,
    }
}

async fn read_case(client: &Client, id: &str, key: &SigningKey) -> Result<Value, Failure> {
    let body = send(client, reqwest::Method::GET, &read_path(id, key)?, None).await?;
    serde_json::from_slice(&body)
        .map_err(|e| Failure::Refused(anyhow!("the notary's answer is not JSON: {e}")))
}

/// `notar complaint show`.
pub(super) async fn show(a: ShowArgs, json: bool) -> Result<(), Failure> {
    let key = signing_key(&a.conn.key)?;
    let client = Client::new(&a.conn.notary).usage()?;
    let case = read_case(&client, &a.complaint_id, &key).await?;
    if json {
        return print_json(&case);
    }
    print_case(&case);
    Ok(())
}

/// A case for people; every string from the notary sanitised once: the fields by
/// `print_fields`, the history lines here.
fn print_case(c: &Value) {
    let text = |v: &Value| v.as_str().unwrap_or("").to_string();
    let shown = |v: &Value| sanitize(v.as_str().unwrap_or(""));
    let status = match (c["overdue"].as_bool(), c.get("ruling")) {
        (_, Some(_)) => format!("{} and ruled (below)", text(&c["status"])),
        (Some(true), None) => {
            format!("{} (overdue: the deadline has passed)", text(&c["status"]))
        }
        _ => text(&c["status"]),
    };
    let amount = serde_json::from_value::<Money>(c["amount"].clone())
        .map(|m| m.to_string())
        .unwrap_or_default();
    let about = match (c.get("tid"), c.get("order_digest")) {
        (Some(t), _) => format!("exchange {}", text(t)),
        (None, Some(d)) => format!("order {}", text(d)),
        (None, None) => format!("guarantee {}", text(&c["guarantee_id"])),
    };
    let claim = &c["complaint"]["payload"];
    let mut fields = vec![
        ("complaint", text(&c["complaint_id"])),
        ("status", status),
        ("kind", text(&c["kind"])),
        ("amount", amount),
        ("about", about),
        ("claimant", text(&c["claimant"])),
        ("respondent", text(&c["respondent"])),
        ("filed", text(&c["filed_at"])),
        ("deadline", text(&c["response_deadline"])),
        ("statement", text(&claim["statement"])),
        ("evidence", count(&claim["evidence"])),
    ];
    if let Some(by) = c.get("taken_by") {
        fields.push(("taken by", text(by)));
    }
    if let Some(r) = c.get("response") {
        response_fields(&r["payload"], &mut fields);
    }
    if let Some(s) = c.get("silence") {
        let line = format!("recorded at log index {}", s["payload"]["log_index"]);
        fields.push(("silence", line));
    }
    if let Some(r) = c.get("ruling") {
        ruling_fields(&r["payload"], &mut fields);
    }
    print_fields(&fields);
    outln!("history");
    for h in c["history"].as_array().into_iter().flatten() {
        let log = h.get("log_index").map(|i| format!(" (log index {i})"));
        // A ruling and a withdrawn proposal in the notary's own words ("ruled by A, confirmed
        // by B", the withdrawal's reason); other events by name and who did them.
        let what = match serde_json::from_value::<HistoryEvent>(h.clone()) {
            Ok(e)
                if matches!(
                    e.what,
                    HistoryWhat::Ruled { .. } | HistoryWhat::ProposalWithdrawn { .. }
                ) =>
            {
                sanitize(&e.line())
            }
            _ => {
                let by = h.get("by").map(|b| format!(" by {}", shown(b)));
                format!("{}{}", shown(&h["what"]["event"]), by.unwrap_or_default())
            }
        };
        outln!("  {}  {what}{}", shown(&h["at"]), log.unwrap_or_default());
    }
}

/// The respondent's answer, for people: its statement, evidence and counter-claim (raw:
/// `print_fields` sanitises).
fn response_fields(p: &Value, fields: &mut Vec<(&'static str, String)>) {
    let text = |v: &Value| v.as_str().unwrap_or("").to_string();
    fields.push(("response", text(&p["statement"])));
    fields.push(("its evidence", count(&p["evidence"])));
    if let Some(cc) = p.get("counter_claim") {
        let amount = serde_json::from_value::<Money>(cc["amount"].clone())
            .map(|m| m.to_string())
            .unwrap_or_default();
        let line = format!("{} {amount}: {}", text(&cc["kind"]), text(&cc["statement"]));
        fields.push(("counter-claim", line));
    }
}

/// What a signed ruling decided, for people: who signed it, the allocation (and the
/// counter-claim's), what its actions did (raw: `print_fields` sanitises).
fn ruling_fields(p: &Value, fields: &mut Vec<(&'static str, String)>) {
    let text = |v: &Value| v.as_str().unwrap_or("").to_string();
    let money = |v: &Value| {
        serde_json::from_value::<Money>(v.clone())
            .map(|m| m.to_string())
            .unwrap_or_default()
    };
    let allocation = |a: &Value| {
        format!(
            "buyer pays {}, notary pays {}, seller bears {}, refund to buyer {}",
            money(&a["buyer_pays"]),
            money(&a["notary_pays"]),
            money(&a["seller_bears"]),
            money(&a["refund_to_buyer"])
        )
    };
    let by = match p.get("confirmed_by") {
        Some(c) => format!(
            "{}, confirmed by {}",
            text(&p["arbitrator"]["name"]),
            text(&c["name"])
        ),
        None => text(&p["arbitrator"]["name"]),
    };
    let line = format!(
        "signed by {by} at {} (log index {})",
        text(&p["decided_at"]),
        p["log_index"]
    );
    fields.push(("ruling", line));
    fields.push(("allocation", allocation(&p["ruling"]["allocation"])));
    if let Some(cc) = p["ruling"].get("counter_claim") {
        fields.push(("counter-claim", allocation(&cc["allocation"])));
    }
    for a in p["actions"].as_array().into_iter().flatten() {
        let what = a
            .get("guarantee_id")
            .or_else(|| a.get("tid"))
            .or_else(|| a.get("item"));
        let line = format!(
            "{} {}: {}",
            text(&a["action"]),
            what.map(text).unwrap_or_default(),
            text(&a["result"])
        );
        fields.push(("action", line));
    }
}

fn count(items: &Value) -> String {
    let n = items.as_array().map_or(0, Vec::len);
    format!("{n} item{}", if n == 1 { "" } else { "s" })
}
