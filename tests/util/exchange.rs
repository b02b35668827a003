//! Fair exchange as the parties play it, for tests: parties with keys registered through the
//! admin socket, m1/m2/abort/escrow/receipt built and signed with the library (what `notar
//! exchange` does for a person), and the notary's answers checked whole.

use base64::Engine;
use ed25519_dalek::{SigningKey, VerifyingKey};
use notar::crypto::envelope::Envelope;
use notar::crypto::escrow::{seal, EscrowPublicKey};
use notar::crypto::item::{encrypt_item, new_item_key};
use notar::model::exchange::{EscrowBinding, Offer, Sha256Hex};
use serde_json::{json, Value};

use super::json;
use super::ledger::{get, log_entry, post, verified, Admin};

/// A registered party and its one key.
pub struct Party {
    pub id: String,
    pub key: SigningKey,
}

impl Admin {
    /// Registers a party (`buyer` or `seller`) with a fresh raw key.
    pub fn party(&mut self, name: &str, role: &str) -> Party {
        let r = self.ok("party_register", json!({"name": name, "role": role}));
        let id = r["party"]["id"].as_str().expect("party id").to_string();
        let key = SigningKey::generate(&mut rand::rngs::OsRng);
        let k = self.ok(
            "key_add",
            json!({"party_id": id, "public_key_hex": hex::encode(key.verifying_key().to_bytes())}),
        );
        assert_eq!(k["status"], "not_revoked", "{k}");
        Party { id, key }
    }
}

/// Hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256Hex::of(bytes).as_str().to_string()
}

fn random32() -> [u8; 32] {
    SigningKey::generate(&mut rand::rngs::OsRng).to_bytes()
}

/// m1 and its tid, with the secret nonce.
pub struct M1 {
    pub env: Envelope,
    pub tid: String,
    pub offer: Offer,
}

/// Signs an m1 payload as the originator; the tid as the model computes it.
pub fn sign_m1(originator: &Party, payload: Value) -> M1 {
    let offer = Offer::from_payload(&payload).expect("a canonical m1 payload");
    let env = Envelope::sign("exchange_offer", payload, &originator.key).expect("sign m1");
    M1 {
        tid: offer.tid().as_str().to_string(),
        env,
        offer,
    }
}

/// m1 for a contract between `o` and `r` before the notary `notary_key_id`.
pub fn contract_m1(o: &Party, r: &Party, notary_key_id: &str, deadline: Option<&str>) -> M1 {
    let mut p = json!({
        "protocol": "contract",
        "contract_digest": sha256_hex(b"the contract text"),
        "originator": o.id,
        "responder": r.id,
        "notary_key_id": notary_key_id,
        "na_digest": sha256_hex(&random32()),
    });
    if let Some(d) = deadline {
        p["deadline"] = json!(d);
    }
    sign_m1(o, p)
}

/// m2: `r` accepts `tid` (a fresh nb each call).
pub fn m2(r: &Party, tid: &str) -> Envelope {
    let p = json!({"tid": tid, "nb_digest": sha256_hex(&random32())});
    Envelope::sign("exchange_acceptance", p, &r.key).expect("sign m2")
}

/// `Sig_signer("abort", tid)`.
pub fn abort_request(signer: &Party, tid: &str) -> Envelope {
    Envelope::sign("exchange_abort", json!({"tid": tid}), &signer.key).expect("sign abort")
}

/// The body of `POST /v1/exchanges/abort`.
pub fn abort_body(m1: &Envelope, abort: &Envelope) -> Vec<u8> {
    serde_json::to_vec(&json!({"m1": m1, "abort": abort})).expect("json")
}

/// The body of a contract `POST /v1/exchanges/resolve`.
pub fn resolve_body(m1: &Envelope, m2: &Envelope) -> Vec<u8> {
    serde_json::to_vec(&json!({"protocol": "contract", "m1": m1, "m2": m2})).expect("json")
}

/// An item for receipt, as far as the recipient's receipt.
pub struct ItemExchange {
    pub m1: M1,
    pub item: Vec<u8>,
    pub ciphertext: Vec<u8>,
    pub key: Vec<u8>,
    pub escrow: Vec<u8>,
    pub item_escrow: Envelope,
    pub receipt: Envelope,
}

impl ItemExchange {
    /// The body of an item `POST /v1/exchanges/resolve`.
    pub fn resolve_body(&self) -> Vec<u8> {
        serde_json::to_vec(&json!({
            "protocol": "item",
            "m1": self.m1.env,
            "item_escrow": self.item_escrow,
            "receipt": self.receipt,
            "escrow": base64::engine::general_purpose::STANDARD.encode(&self.escrow),
        }))
        .expect("json")
    }
}

/// `sender` sends `item` to `recipient`: encrypted under a fresh k, k sealed to the notary's
/// escrow key. With `bind_elsewhere` the escrow is bound to another tid (it will not open).
pub fn item_exchange(
    sender: &Party,
    recipient: &Party,
    notary_key_id: &str,
    escrow_key: &EscrowPublicKey,
    item: &[u8],
    bind_elsewhere: bool,
) -> ItemExchange {
    paying_exchange(
        sender,
        recipient,
        (notary_key_id, escrow_key),
        item,
        bind_elsewhere,
        None,
    )
}

/// [`item_exchange`] whose m1 states `amount` (`{"minor", "currency"}`): a payment token.
pub fn paying_exchange(
    sender: &Party,
    recipient: &Party,
    (notary_key_id, escrow_key): (&str, &EscrowPublicKey),
    item: &[u8],
    bind_elsewhere: bool,
    amount: Option<Value>,
) -> ItemExchange {
    let k = new_item_key();
    let ciphertext = encrypt_item(&k, item);
    let mut payload = json!({
        "protocol": "item",
        "ciphertext_digest": sha256_hex(&ciphertext),
        "item_digest": sha256_hex(item),
        "originator": sender.id,
        "responder": recipient.id,
        "notary_key_id": notary_key_id,
        "na_digest": sha256_hex(&random32()),
    });
    if let Some(a) = amount {
        payload["amount"] = a;
    }
    let m1 = sign_m1(sender, payload);
    let mut binding: EscrowBinding = m1.offer.escrow_binding().expect("item m1");
    if bind_elsewhere {
        binding.recipient = sender.id.clone();
    }
    let aad = binding.to_bytes().expect("binding bytes");
    let escrow = seal(escrow_key, &aad, k.as_slice()).expect("seal");
    let statement = json!({
        "tid": m1.tid,
        "ciphertext_digest": sha256_hex(&ciphertext),
        "recipient": recipient.id,
        "escrow_digest": sha256_hex(&escrow),
    });
    let item_escrow = Envelope::sign("exchange_item_escrow", statement, &sender.key).expect("sign");
    let receipt = Envelope::sign(
        "exchange_receipt",
        json!({
            "tid": m1.tid,
            "ciphertext_digest": sha256_hex(&ciphertext),
            "escrow_digest": sha256_hex(&escrow),
        }),
        &recipient.key,
    )
    .expect("sign receipt");
    ItemExchange {
        m1,
        item: item.to_vec(),
        ciphertext,
        key: k.to_vec(),
        escrow,
        item_escrow,
        receipt,
    }
}

/// The notary's escrow public key from `GET /v1/notary`.
pub fn escrow_key(url: &str) -> EscrowPublicKey {
    let (status, body) = get(url, "/v1/notary", None);
    assert_eq!(status, 200);
    let v = json(&body);
    EscrowPublicKey::from_base64(v["escrow_public_key"].as_str().expect("escrow_public_key"))
        .expect("escrow key")
}

/// POSTs to an exchange route; (status, body).
pub fn exchange_post(url: &str, route: &str, body: &[u8]) -> (u16, Vec<u8>) {
    post(url, &format!("/v1/exchanges/{route}"), None, body)
}

/// A decision answer checked whole: status 200, the tid, status and outcome, a token of `kind`
/// signed by the notary whose payload names the tid and embeds m1, and the same envelope in the
/// log at its `log_index`. Returns the parsed answer.
pub fn decided(
    url: &str,
    notary: &VerifyingKey,
    answer: &(u16, Vec<u8>),
    tid: &str,
    m1: &Envelope,
    (status, outcome, kind): (&str, &str, &str),
) -> Value {
    let (code, body) = answer;
    assert_eq!(*code, 200, "{}", String::from_utf8_lossy(body));
    let a = json(body);
    assert_eq!(a["tid"], tid, "{a}");
    assert_eq!(a["status"], status, "{a}");
    assert_eq!(a["outcome"], outcome, "{a}");
    let token = verified(&a["token"], notary);
    assert_eq!(token.kind, kind, "{a}");
    assert_eq!(token.payload["tid"], tid, "{a}");
    assert_eq!(token.payload["m1"], json!(m1), "{a}");
    let index = token.payload["log_index"].as_u64().expect("log_index");
    let entry = log_entry(url, index);
    assert_eq!(entry["kind"], kind, "{entry}");
    assert_eq!(
        entry["body"], a["token"],
        "the log holds the token returned"
    );
    let (s, view) = get(url, &format!("/v1/exchanges/{tid}"), None);
    assert_eq!(s, 200);
    let view = json(&view);
    assert_eq!(view["status"], status, "{view}");
    assert_eq!(view["outcome"], outcome, "{view}");
    assert_eq!(view["token"], a["token"], "{view}");
    assert!(view.get("key").is_none(), "GET never shows the key: {view}");
    a
}
