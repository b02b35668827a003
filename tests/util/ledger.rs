//! The guarantee ledger as a user meets it: parties, keys and agreements set up through the admin
//! socket (as the arbitrator who ran `notar init`), guarantee requests over HTTP — `curl` for one
//! call at a time, a raw HTTP/1.1 client for many at once or across a `kill -9`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::os::unix::net::UnixStream;
use std::time::Duration;

use base64::Engine;
use ed25519_dalek::{SigningKey, VerifyingKey};
use notar::crypto::envelope::Envelope;
use notar::model::money::Money;
pub use notar::notary::fixture::eur;
use notar::notary::fixture::signed_order;
use serde_json::{json, Value};

use super::{curl, json, DataDir};

/// One connection to `DATA/admin.sock`: one JSON line per request, one per reply.
pub struct Admin {
    writer: UnixStream,
    reader: BufReader<UnixStream>,
    next_id: u64,
}

impl Admin {
    /// Connects to the admin socket of the server running on `data`.
    pub fn connect(data: &DataDir) -> Admin {
        let stream = UnixStream::connect(data.path.join("admin.sock")).expect("connect admin.sock");
        stream
            .set_read_timeout(Some(Duration::from_secs(60)))
            .expect("timeout");
        let writer = stream.try_clone().expect("clone admin stream");
        Admin {
            writer,
            reader: BufReader::new(stream),
            next_id: 1,
        }
    }

    /// Sends `{"id", "op", ...args}`; the `ok` object, or the `error` (code, message).
    pub fn call(&mut self, op: &str, args: Value) -> Result<Value, (String, String)> {
        let id = self.next_id;
        self.next_id += 1;
        let mut req = args;
        req["id"] = json!(id);
        req["op"] = json!(op);
        let mut line = serde_json::to_vec(&req).expect("request JSON");
        line.push(b'\n');
        self.writer.write_all(&line).expect("write admin request");
        let mut reply = String::new();
        self.reader.read_line(&mut reply).expect("read admin reply");
        let v: Value = serde_json::from_str(&reply)
            .unwrap_or_else(|e| panic!("admin reply is not JSON ({e}): {reply:?}"));
        assert_eq!(v["id"], id, "reply to another request: {v}");
        match (v.get("ok"), v.get("error")) {
            (Some(ok), None) => Ok(ok.clone()),
            (None, Some(e)) => Err((
                e["code"].as_str().unwrap_or_default().to_string(),
                e["message"].as_str().unwrap_or_default().to_string(),
            )),
            _ => panic!("admin reply has neither ok nor error: {v}"),
        }
    }

    /// Like `call`, and the operation must succeed.
    pub fn ok(&mut self, op: &str, args: Value) -> Value {
        self.call(op, args)
            .unwrap_or_else(|e| panic!("admin {op} failed: {e:?}"))
    }

    /// The `agreement` object of `agreement_show` (exposure_minor, outstanding, status, ...).
    pub fn agreement(&mut self, agreement_id: &str) -> Value {
        let r = self.ok(
            "agreement_show",
            json!({"agreement_id": agreement_id, "limit": 0}),
        );
        assert_eq!(r["kind"], "agreement_detail", "{r}");
        r["agreement"].clone()
    }

    /// Outstanding exposure of an agreement, minor units.
    pub fn exposure(&mut self, agreement_id: &str) -> i64 {
        let a = self.agreement(agreement_id);
        a["exposure_minor"].as_i64().expect("exposure_minor")
    }

    /// Registers a seller; (party id, API token).
    pub fn seller(&mut self, name: &str) -> (String, String) {
        let r = self.ok("party_register", json!({"name": name, "role": "seller"}));
        assert_eq!(r["kind"], "party_registered", "{r}");
        assert_eq!(r["party"]["role"], "seller", "{r}");
        let token = r["api_token"].as_str().expect("seller api_token");
        (
            r["party"]["id"].as_str().expect("party id").to_string(),
            token.to_string(),
        )
    }

    /// Registers a buyer with `key` as its one raw key; (party id, key id).
    pub fn buyer(&mut self, name: &str, key: &SigningKey) -> (String, String) {
        let r = self.ok("party_register", json!({"name": name, "role": "buyer"}));
        let buyer_id = r["party"]["id"].as_str().expect("party id").to_string();
        assert!(r.get("api_token").is_none(), "a buyer got a token: {r}");
        let k = self.ok(
            "key_add",
            json!({
                "party_id": buyer_id,
                "public_key_hex": hex::encode(key.verifying_key().to_bytes()),
            }),
        );
        assert_eq!(k["kind"], "key", "{k}");
        assert_eq!(k["status"], "not_revoked", "{k}");
        let key_id = k["key_id"].as_str().expect("key_id").to_string();
        assert_eq!(key_id, notar::crypto::keys::key_id(&key.verifying_key()));
        (buyer_id, key_id)
    }
}

/// A buyer with one raw key, a seller with its token, and an agreement between them.
pub struct Deal {
    /// Buyer party id.
    pub buyer_id: String,
    /// The buyer's signing key (generated by the test).
    pub buyer_key: SigningKey,
    /// Its key id.
    pub key_id: String,
    /// Seller party id.
    pub seller_id: String,
    /// Seller API token.
    pub token: String,
    /// Agreement id.
    pub agreement_id: String,
    /// The agreement as `agreement_create` returned it.
    pub agreement: Value,
}

/// Registers a buyer (fresh random key) and a seller and makes a `semper-consumer` agreement
/// with the given caps (minor units of EUR).
pub fn make_deal(admin: &mut Admin, total_cap_minor: i64, per_tx_cap_minor: i64) -> Deal {
    make_deal_under(admin, "semper-consumer", total_cap_minor, per_tx_cap_minor)
}

/// Like `make_deal`, under the EUR policy `policy_id`.
pub fn make_deal_under(
    admin: &mut Admin,
    policy_id: &str,
    total_cap_minor: i64,
    per_tx_cap_minor: i64,
) -> Deal {
    let buyer_key = SigningKey::generate(&mut rand::rngs::OsRng);
    let (buyer_id, key_id) = admin.buyer("bob", &buyer_key);
    let (seller_id, token) = admin.seller("sally");
    let agreement = admin.ok(
        "agreement_create",
        json!({
            "buyer_id": buyer_id,
            "policy_id": policy_id,
            "total_cap_minor": total_cap_minor,
            "per_tx_cap_minor": per_tx_cap_minor,
        }),
    );
    assert_eq!(agreement["kind"], "agreement", "{agreement}");
    assert_eq!(agreement["status"], "active", "{agreement}");
    assert_eq!(agreement["currency"], "EUR", "{agreement}");
    assert_eq!(agreement["total_cap_minor"], total_cap_minor, "{agreement}");
    assert_eq!(
        agreement["per_tx_cap_minor"], per_tx_cap_minor,
        "{agreement}"
    );
    assert_eq!(agreement["exposure_minor"], 0, "{agreement}");
    assert_eq!(agreement["keys"], json!([key_id]), "{agreement}");
    Deal {
        buyer_id,
        buyer_key,
        key_id,
        seller_id,
        token,
        agreement_id: agreement["id"].as_str().expect("agreement id").to_string(),
        agreement,
    }
}

/// Lowercase hex SHA-256 of an order document.
pub fn digest(document: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(document.as_bytes()))
}

/// The body of `POST /v1/guarantees` for an order of `minor` cents signed by the deal's buyer.
pub fn request(deal: &Deal, request_id: &str, minor: i64, document: &str) -> Value {
    let order = signed_order(
        &deal.buyer_key,
        &deal.seller_id,
        eur(minor),
        document.as_bytes(),
    );
    request_with(deal, request_id, eur(minor), &order)
}

/// The body of `POST /v1/guarantees` with an explicit amount and order.
pub fn request_with(deal: &Deal, request_id: &str, amount: Money, order: &Envelope) -> Value {
    json!({
        "request_id": request_id,
        "agreement_id": deal.agreement_id,
        "seller_id": deal.seller_id,
        "amount": amount,
        "order": order,
    })
}

/// `curl -X POST URL+path` with an optional bearer token and a body (sent from a file, so any
/// size works); (status, body).
pub fn post(url: &str, path: &str, token: Option<&str>, body: &[u8]) -> (u16, Vec<u8>) {
    let file = tempfile::NamedTempFile::new().expect("tmp");
    std::fs::write(file.path(), body).expect("write body");
    let data = format!("@{}", file.path().to_str().expect("utf8"));
    let target = format!("{url}{path}");
    let auth = token.map(|t| format!("Authorization: Bearer {t}"));
    let mut args = vec![
        "--max-time",
        "60",
        "-X",
        "POST",
        "-H",
        "Content-Type: application/json",
        "--data-binary",
        &data,
    ];
    if let Some(a) = &auth {
        args.extend(["-H", a]);
    }
    args.push(&target);
    curl(&args)
}

/// `curl URL+path` with an optional bearer token; (status, body).
pub fn get(url: &str, path: &str, token: Option<&str>) -> (u16, Vec<u8>) {
    let target = format!("{url}{path}");
    let auth = token.map(|t| format!("Authorization: Bearer {t}"));
    let mut args = vec!["--max-time", "60"];
    if let Some(a) = &auth {
        args.extend(["-H", a]);
    }
    args.push(&target);
    curl(&args)
}

/// Committed log size, from `/healthz`.
pub fn log_size(url: &str) -> u64 {
    let (status, body) = get(url, "/healthz", None);
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    json(&body)["log_size"].as_u64().expect("log_size")
}

/// The notary's Ed25519 public key from `GET /v1/notary` (base64 of the raw key).
pub fn notary_key(url: &str) -> VerifyingKey {
    let (status, body) = get(url, "/v1/notary", None);
    assert_eq!(status, 200);
    let v = json(&body);
    let raw = base64::engine::general_purpose::STANDARD
        .decode(v["public_key"].as_str().expect("public_key"))
        .expect("public_key is base64");
    let raw: [u8; 32] = raw.try_into().expect("32-byte key");
    let vk = VerifyingKey::from_bytes(&raw).expect("Ed25519 key");
    assert_eq!(v["key_id"], notar::crypto::keys::key_id(&vk));
    vk
}

/// The log entry at `index` (`GET /v1/log/entries/{index}`), parsed.
pub fn log_entry(url: &str, index: u64) -> Value {
    let (status, body) = get(url, &format!("/v1/log/entries/{index}"), None);
    assert_eq!(
        status,
        200,
        "entry {index}: {}",
        String::from_utf8_lossy(&body)
    );
    json(&body)
}

/// A notary-signed envelope out of a JSON value; panics unless its signature verifies.
pub fn verified(v: &Value, notary: &VerifyingKey) -> Envelope {
    let env: Envelope =
        serde_json::from_value(v.clone()).unwrap_or_else(|e| panic!("not an envelope ({e}): {v}"));
    env.verify_by(notary)
        .unwrap_or_else(|e| panic!("notary signature does not verify ({e}): {v}"));
    env
}

/// One HTTP/1.1 exchange on a fresh connection (`Connection: close`). `None` when no complete
/// answer arrived (refused, reset, cut short): what a client sees of a server killed mid-request.
pub fn http(
    url: &str,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: &[u8],
) -> Option<(u16, Vec<u8>)> {
    http_typed(url, method, path, token, "application/json", body)
}

/// [`http`] with another media type for the body (an RFC 3161 query, say).
pub fn http_typed(
    url: &str,
    method: &str,
    path: &str,
    token: Option<&str>,
    content_type: &str,
    body: &[u8],
) -> Option<(u16, Vec<u8>)> {
    let addr = url.strip_prefix("http://")?;
    let mut s = TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(60))).ok()?;
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    if let Some(t) = token {
        head.push_str(&format!("Authorization: Bearer {t}\r\n"));
    }
    head.push_str(&format!(
        "Content-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    ));
    s.write_all(head.as_bytes()).ok()?;
    s.write_all(body).ok()?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).ok()?;
    parse_response(&raw)
}

/// Status and body of a complete HTTP/1.1 response; `None` if it is incomplete.
fn parse_response(raw: &[u8]) -> Option<(u16, Vec<u8>)> {
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&raw[..end]).ok()?;
    let rest = &raw[end + 4..];
    let mut lines = head.split("\r\n");
    let status: u16 = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let mut length = None;
    let mut chunked = false;
    for l in lines {
        let (name, value) = l.split_once(':')?;
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            length = Some(value.parse::<usize>().ok()?);
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            chunked = value.eq_ignore_ascii_case("chunked");
        }
    }
    if chunked {
        return dechunk(rest).map(|b| (status, b));
    }
    match length {
        Some(n) if rest.len() >= n => Some((status, rest[..n].to_vec())),
        Some(_) => None,
        None => Some((status, rest.to_vec())),
    }
}

fn dechunk(mut rest: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let eol = rest.windows(2).position(|w| w == b"\r\n")?;
        let size_text = std::str::from_utf8(&rest[..eol]).ok()?;
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        rest = &rest[eol + 2..];
        if size == 0 {
            return Some(out);
        }
        if rest.len() < size + 2 {
            return None;
        }
        out.extend_from_slice(&rest[..size]);
        rest = &rest[size + 2..];
    }
}

/// Sorted keys of a JSON object.
pub fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {v}"))
        .keys()
        .cloned()
        .collect();
    k.sort();
    k
}

/// `{"error":{"code","message"}}` with this status and code, and a message.
pub fn assert_error(got: &(u16, Vec<u8>), status: u16, code: &str) {
    let text = String::from_utf8_lossy(&got.1).to_string();
    assert_eq!(got.0, status, "want {status} {code}: {text}");
    let v = json(&got.1);
    assert_eq!(keys(&v), ["error"], "{text}");
    assert_eq!(keys(&v["error"]), ["code", "message"], "{text}");
    assert_eq!(v["error"]["code"], code, "{text}");
    assert!(
        !v["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .is_empty(),
        "{text}"
    );
}
