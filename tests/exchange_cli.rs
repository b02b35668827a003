//! Fair exchange as the parties meet it on the command line: `notar exchange offer | accept |
//! check-contract | send-item | receipt | open` offline, with keys made by openssl, and checks
//! that a forged nonce or a tampered ciphertext is caught.

mod util;

use std::path::{Path, PathBuf};
use std::process::Output;

use base64::Engine;
use notar::crypto::escrow::EscrowSecretKey;
use notar::model::exchange::{EscrowBinding, Offer, Sha256Hex, Tid};
use serde_json::Value;
use util::*;

/// A notary key id for offline tests (any 64 hex digits).
const NOTARY_KEY_ID: &str = "03521d340e5385a227f22c186778ee8574beeeead8e88c82b84c5530ff6c6232";

/// `notar exchange ARGS`, the arguments written as one line (no argument holds a space: the temp
/// paths do not).
fn x(line: &str) -> Output {
    let mut all = vec!["exchange"];
    all.extend(line.split_whitespace());
    notar(&all)
}

fn ok(o: &Output) -> String {
    assert!(o.status.success(), "expected success: {}", text(o));
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

fn exit(o: &Output, code: i32, says: &str) {
    assert_eq!(
        o.status.code(),
        Some(code),
        "expected exit {code}: {}",
        text(o)
    );
    assert!(text(o).contains(says), "expected {says:?} in: {}", text(o));
}

fn read_json(path: &Path) -> Value {
    json(&std::fs::read(path).expect("read json"))
}

/// The tid of the m1 in `path`, computed by the library from the payload.
fn tid_of(path: &Path) -> Tid {
    let m1 = read_json(path);
    Offer::from_payload(&m1["payload"])
        .expect("a well-formed m1")
        .tid()
        .clone()
}

/// Files of one contract exchange in a temp dir.
struct Contract {
    tmp: tempfile::TempDir,
    o: KeyFiles,
    r: KeyFiles,
    contract: PathBuf,
}

impl Contract {
    fn new() -> Contract {
        let tmp = tempfile::tempdir().expect("tmp");
        let (o, r) = (
            ed25519_key(tmp.path(), "olga"),
            ed25519_key(tmp.path(), "rick"),
        );
        let contract = tmp.path().join("deal.txt");
        std::fs::write(&contract, b"Olga sells Rick 12 crates at 10.00 EUR.\n").expect("write");
        Contract {
            tmp,
            o,
            r,
            contract,
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.tmp.path().join(name)
    }

    fn f(&self, name: &str) -> String {
        p(&self.path(name)).to_string()
    }

    /// `offer` writing m1.json and na.hex.
    fn offer(&self) -> Output {
        x(&format!(
            "offer --key {} --originator olga-1 --responder rick-2 --contract {} \
             --notary-key-id {NOTARY_KEY_ID} --deadline 2030-01-02T03:04:05Z \
             --out {} --nonce-out {}",
            p(&self.o.key),
            p(&self.contract),
            self.f("m1.json"),
            self.f("na.hex")
        ))
    }

    fn accept(&self, contract: &str, me: &str, okey: &str, out: &str, nonce: &str) -> Output {
        x(&format!(
            "accept --key {} --m1 {} --contract {} --originator-key {okey} --responder {me} \
             --out {} --nonce-out {}",
            p(&self.r.key),
            self.f("m1.json"),
            self.f(contract),
            self.f(out),
            self.f(nonce)
        ))
    }

    fn check(&self, na: &str, nb: &str, okey: &str, rkey: &str, more: &str) -> Output {
        x(&format!(
            "check-contract --m1 {} --m2 {} --na {} --nb {} --originator-key {okey} \
             --responder-key {rkey} {more}",
            self.f("m1.json"),
            self.f("m2.json"),
            self.f(na),
            self.f(nb)
        ))
    }
}

#[test]
fn contract_offer_accept_and_standard_contract_check() {
    let c = Contract::new();
    let tid = the_offer_writes_m1_and_a_nonce_once(&c);
    the_responder_accepts_only_what_m1_offers(&c, &tid);
    the_standard_contract_holds_and_forgeries_fail(&c, &tid);
    abort_and_resolve_print_their_bodies(&c, &tid);
    let (oh, rh) = (c.o.hex.as_str(), c.r.hex.as_str());
    let j = c.check("na.hex", "forged.hex", oh, rh, "--json");
    assert_eq!(j.status.code(), Some(1));
    assert_eq!(json(&j.stdout)["ok"], false);
    // Party-signed objects are not the notary's: `notar verify` says what checks them.
    let v = notar(&[
        "verify",
        &c.f("m2.json"),
        "--notary-key",
        &b64(&hex::decode(oh).expect("hex")),
    ]);
    exit(&v, 1, "check-contract");
}

/// The offer: m1 for the contract's digest and a fresh nonce, whose file is never written over.
fn the_offer_writes_m1_and_a_nonce_once(c: &Contract) -> String {
    let tid = ok(&c.offer());
    assert_eq!(tid, tid_of(&c.path("m1.json")).as_str());
    assert_eq!(mode(&c.path("na.hex")), 0o600);
    let payload = &read_json(&c.path("m1.json"))["payload"];
    assert_eq!(payload["protocol"], "contract");
    assert_eq!(payload["deadline"], "2030-01-02T03:04:05.000Z");
    let deal = std::fs::read(&c.contract).expect("read");
    assert_eq!(payload["contract_digest"], Sha256Hex::of(&deal).as_str());
    // The nonce file: 64 hex digits; m1 carries the SHA-256 of the 32 bytes.
    let na_text = std::fs::read_to_string(c.path("na.hex")).expect("na");
    let na_raw = hex::decode(na_text.trim()).expect("hex");
    assert_eq!(payload["na_digest"], Sha256Hex::of(&na_raw).as_str());
    // A secret is never written over: a second offer to the same nonce file is refused.
    exit(&c.offer(), 2, "never written over an existing file");
    assert_eq!(
        std::fs::read_to_string(c.path("na.hex")).expect("na"),
        na_text
    );
    tid
}

/// The responder checks the contract, the originator's signature and its own id.
fn the_responder_accepts_only_what_m1_offers(c: &Contract, tid: &str) {
    std::fs::write(c.path("other.txt"), b"Olga sells Rick 1 crate.\n").expect("write");
    let (oh, rh) = (c.o.hex.as_str(), c.r.hex.as_str());
    let refused = [
        (
            c.accept("other.txt", "rick-2", oh, "x", "y"),
            "is not the contract m1 offers",
        ),
        (c.accept("deal.txt", "rick-9", oh, "x", "y"), "not you"),
        (
            c.accept("deal.txt", "rick-2", rh, "x", "y"),
            "m1 is not signed by key",
        ),
    ];
    for (o, says) in &refused {
        exit(o, 1, says);
    }
    assert!(
        !c.path("x").exists() && !c.path("y").exists(),
        "nothing written"
    );
    assert_eq!(
        ok(&c.accept("deal.txt", "rick-2", oh, "m2.json", "nb.hex")),
        tid
    );
    assert_eq!(read_json(&c.path("m2.json"))["payload"]["tid"], tid);
    assert_eq!(mode(&c.path("nb.hex")), 0o600);
}

/// The standard contract (m1, m2, na, nb) holds; keys as PEM files or raw hex. A forged nb, na
/// in nb's place, a forged na (left as forged.hex), swapped keys: exit 1, the check named.
fn the_standard_contract_holds_and_forgeries_fail(c: &Contract, tid: &str) {
    let (oh, rh) = (c.o.hex.as_str(), c.r.hex.as_str());
    let deal_arg = format!("--contract {}", p(&c.contract));
    let good = ok(&c.check("na.hex", "nb.hex", p(&c.o.pubkey), rh, &deal_arg));
    assert!(
        good.contains("standard contract OK") && good.contains(tid),
        "{good}"
    );
    std::fs::write(
        c.path("forged.hex"),
        format!("{}\n", hex::encode([7u8; 32])),
    )
    .expect("w");
    let failing = [
        (
            c.check("na.hex", "forged.hex", oh, rh, ""),
            "not the responder's nonce",
        ),
        (
            c.check("na.hex", "na.hex", oh, rh, ""),
            "not the responder's nonce",
        ),
        (
            c.check("forged.hex", "nb.hex", oh, rh, ""),
            "not the originator's nonce",
        ),
        (
            c.check("na.hex", "nb.hex", rh, oh, ""),
            "m1 is not signed by key",
        ),
    ];
    for (o, says) in &failing {
        exit(o, 1, says);
    }
}

/// The requests abort and resolve would send, printed instead (for curl, or to keep).
fn abort_and_resolve_print_their_bodies(c: &Contract, tid: &str) {
    let abort = json(
        ok(&x(&format!(
            "abort --key {} --m1 {} --print-body",
            p(&c.o.key),
            c.f("m1.json")
        )))
        .as_bytes(),
    );
    assert_eq!(abort["m1"], read_json(&c.path("m1.json")));
    assert_eq!(abort["abort"]["kind"], "exchange_abort");
    assert_eq!(abort["abort"]["payload"], serde_json::json!({"tid": tid}));
    let resolve = json(
        ok(&x(&format!(
            "resolve --m1 {} --m2 {} --print-body",
            c.f("m1.json"),
            c.f("m2.json")
        )))
        .as_bytes(),
    );
    assert_eq!(resolve["protocol"], "contract");
    assert_eq!(resolve["m2"], read_json(&c.path("m2.json")));
}

fn b64(b: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(b)
}

/// An X25519 escrow key made by openssl, and its public key as base64.
fn escrow_key(dir: &Path) -> (EscrowSecretKey, String) {
    let path = dir.join("escrow.x25519.pem");
    openssl(dir, &["genpkey", "-algorithm", "X25519", "-out", p(&path)]);
    let sk = EscrowSecretKey::from_pem(&std::fs::read_to_string(&path).expect("read"))
        .expect("openssl's key");
    let b64 = sk.public_key().to_base64();
    (sk, b64)
}

/// `send-item` from sally to bob of `item` into DIR/out; the tid.
fn send_item(dir: &Path, sally: &KeyFiles, item: &Path, escrow_b64: &str) -> String {
    ok(&x(&format!(
        "send-item --key {} --sender sally --recipient bob --item {} \
         --notary-key-id {NOTARY_KEY_ID} --escrow-key {escrow_b64} --out-dir {}",
        p(&sally.key),
        p(item),
        p(&dir.join("out"))
    )))
}

#[test]
fn send_item_writes_a_ciphertext_and_an_escrow_bound_to_the_exchange() {
    let tmp = tempfile::tempdir().expect("tmp");
    let d = tmp.path();
    let sally = ed25519_key(d, "sally");
    let (notary_escrow, escrow_b64) = escrow_key(d);
    let item = d.join("token.bin");
    let bytes: Vec<u8> = (0..=255u8).cycle().take(5000).collect();
    std::fs::write(&item, &bytes).expect("write");
    let tid = send_item(d, &sally, &item, &escrow_b64);
    let out = d.join("out");
    let m1 = out.join("m1.json");
    assert_eq!(tid, tid_of(&m1).as_str());
    assert_eq!(mode(&out.join("item.key")), 0o600);
    let ciphertext = std::fs::read(out.join("item.enc")).expect("ct");
    let escrow = std::fs::read(out.join("escrow.bin")).expect("escrow");
    assert_eq!(ciphertext.len(), 12 + bytes.len() + 16);
    assert_eq!(escrow.len(), 80);
    let payload = &read_json(&m1)["payload"];
    assert_eq!(payload["protocol"], "item");
    assert_eq!(
        payload["ciphertext_digest"],
        Sha256Hex::of(&ciphertext).as_str()
    );
    assert_eq!(payload["item_digest"], Sha256Hex::of(&bytes).as_str());
    let statement = read_json(&out.join("item_escrow.json"));
    assert_eq!(statement["kind"], "exchange_item_escrow");
    assert_eq!(statement["payload"]["recipient"], "bob");
    assert_eq!(
        statement["payload"]["escrow_digest"],
        Sha256Hex::of(&escrow).as_str()
    );
    // The notary's key opens the escrow with the binding (tid, ciphertext digest, recipient),
    // and what it holds is the key in item.key; another binding does not open it.
    let binding = |recipient: &str| {
        EscrowBinding {
            tid: tid_of(&m1),
            ciphertext_digest: Sha256Hex::of(&ciphertext),
            recipient: recipient.into(),
        }
        .to_bytes()
        .expect("binding")
    };
    let k = notary_escrow.open(&binding("bob"), &escrow).expect("opens");
    let k_file = std::fs::read_to_string(out.join("item.key")).expect("k");
    assert_eq!(b64(&k), k_file.trim());
    assert!(notary_escrow.open(&binding("mallory"), &escrow).is_err());
    assert!(payload.get("amount").is_none(), "no amount unless stated");
}

/// A payment token's m1 states what it pays (`--amount --currency`), which a dispute reads as
/// the payment; a bad amount is refused before anything is written.
#[test]
fn send_item_of_a_payment_token_states_its_amount_in_m1() {
    let tmp = tempfile::tempdir().expect("tmp");
    let d = tmp.path();
    let sally = ed25519_key(d, "sally");
    let (_, escrow_b64) = escrow_key(d);
    let item = d.join("token.bin");
    std::fs::write(&item, b"payment token: 120.00 EUR").expect("write");
    let line = |dir: &str, extra: &str| {
        format!(
            "send-item --key {} --sender sally --recipient bob --item {} \
             --notary-key-id {NOTARY_KEY_ID} --escrow-key {escrow_b64} --out-dir {} {extra}",
            p(&sally.key),
            p(&item),
            p(&d.join(dir))
        )
    };
    let tid = ok(&x(&line("paid", "--amount 120.00 --currency EUR")));
    let m1 = d.join("paid").join("m1.json");
    assert_eq!(tid, tid_of(&m1).as_str());
    assert_eq!(
        read_json(&m1)["payload"]["amount"],
        serde_json::json!({"minor": 12_000, "currency": "EUR"})
    );
    // The order it pays, named by its order_digest.
    let digest = "ab".repeat(32);
    let named = format!("--amount 120.00 --currency EUR --order-digest {digest}");
    let tid = ok(&x(&line("for-order", &named)));
    let m1 = d.join("for-order").join("m1.json");
    assert_eq!(tid, tid_of(&m1).as_str());
    assert_eq!(read_json(&m1)["payload"]["order_digest"], digest.as_str());
    for (dir, extra, says) in [
        ("f", "--order-digest ABC", "--amount"),
        (
            "g",
            "--amount 5 --currency EUR --order-digest ABC",
            "64 lowercase hex",
        ),
        ("a", "--amount 12.345 --currency EUR", "not an amount"),
        ("b", "--amount 0 --currency EUR", "between 1 and"),
        ("c", "--amount 5 --currency ZZZ", "ISO 4217"),
        ("e", "--amount 5", "--currency"),
    ] {
        let o = x(&line(dir, extra));
        assert!(!o.status.success(), "{extra}: {}", text(&o));
        assert!(text(&o).contains(says), "{extra}: {}", text(&o));
        assert!(!d.join(dir).exists(), "{extra}: nothing written");
    }
}

/// An item sally sent bob (send-item done, into DIR/out), and bob's commands on it.
struct SentItem {
    tmp: tempfile::TempDir,
    sally: KeyFiles,
    bob: KeyFiles,
    tid: String,
    bytes: Vec<u8>,
}

impl SentItem {
    fn new() -> SentItem {
        let tmp = tempfile::tempdir().expect("tmp");
        let d = tmp.path();
        let (sally, bob) = (ed25519_key(d, "sally"), ed25519_key(d, "bob"));
        let (_, escrow_b64) = escrow_key(d);
        let item = d.join("token.bin");
        let bytes: Vec<u8> = (0..=255u8).rev().cycle().take(3000).collect();
        std::fs::write(&item, &bytes).expect("write");
        let tid = send_item(d, &sally, &item, &escrow_b64);
        SentItem {
            tmp,
            sally,
            bob,
            tid,
            bytes,
        }
    }

    /// DIR/name.
    fn f(&self, name: &str) -> String {
        p(&self.tmp.path().join(name)).to_string()
    }

    /// DIR/out/name, what send-item wrote.
    fn out(&self, name: &str) -> String {
        p(&self.tmp.path().join("out").join(name)).to_string()
    }

    /// `receipt` by bob's key as `who` for the ciphertext `ct`, written to `to`.
    fn receipt(&self, who: &str, ct: &str, to: &str) -> Output {
        x(&format!(
            "receipt --key {} --recipient {who} --m1 {} --ciphertext {ct} --escrow {} \
             --item-escrow {} --sender-key {} --notary-key-id {NOTARY_KEY_ID} --out {to}",
            p(&self.bob.key),
            self.out("m1.json"),
            self.out("escrow.bin"),
            self.out("item_escrow.json"),
            p(&self.sally.pubkey)
        ))
    }

    /// `open` of the ciphertext `ct` with `key` (`--key-file F` or `--key-b64 K`) into `to`.
    fn open(&self, ct: &str, key: &str, to: &str) -> Output {
        x(&format!(
            "open --ciphertext {ct} {key} --m1 {} --out {to}",
            self.out("m1.json")
        ))
    }
}

#[test]
fn receipt_then_open_give_the_item_back_and_tampering_is_refused() {
    let s = SentItem::new();
    let mut bad = std::fs::read(s.out("item.enc")).expect("ct");
    bad[20] ^= 1;
    let tampered = s.f("tampered.enc");
    std::fs::write(&tampered, &bad).expect("write");
    exit(
        &s.receipt("bob", &tampered, &s.f("none")),
        1,
        "is not the one m1 names",
    );
    exit(
        &s.receipt("mallory", &s.out("item.enc"), &s.f("none")),
        1,
        "not you",
    );
    assert!(!Path::new(&s.f("none")).exists(), "no receipt on a refusal");
    assert_eq!(
        ok(&s.receipt("bob", &s.out("item.enc"), &s.f("receipt.json"))),
        s.tid
    );
    let receipt = read_json(Path::new(&s.f("receipt.json")));
    let escrow = std::fs::read(s.out("escrow.bin")).expect("escrow");
    assert_eq!(receipt["payload"]["tid"], s.tid.as_str());
    assert_eq!(
        receipt["payload"]["escrow_digest"],
        Sha256Hex::of(&escrow).as_str()
    );
    resolve_prints_the_item_body(&s, &receipt, &escrow);
    open_gives_the_item_back_only_with_k(&s, &tampered);
}

fn resolve_prints_the_item_body(s: &SentItem, receipt: &Value, escrow: &[u8]) {
    let resolve = json(
        ok(&x(&format!(
            "resolve --m1 {} --item-escrow {} --receipt {} --escrow {} --print-body",
            s.out("m1.json"),
            s.out("item_escrow.json"),
            s.f("receipt.json"),
            s.out("escrow.bin")
        )))
        .as_bytes(),
    );
    assert_eq!(resolve["protocol"], "item");
    assert_eq!(resolve["escrow"], b64(escrow));
    assert_eq!(&resolve["receipt"], receipt);
    let wrong = x(&format!(
        "resolve --m1 {} --m2 {} --print-body",
        s.out("m1.json"),
        s.f("receipt.json")
    ));
    exit(&wrong, 2, "not --m2");
}

/// With k the recipient gets the item back, byte for byte, checked against m1. Another key does
/// not decrypt; a tampered ciphertext is not m1's; nothing is written.
fn open_gives_the_item_back_only_with_k(s: &SentItem, tampered: &str) {
    let key_file = format!("--key-file {}", s.out("item.key"));
    ok(&s.open(&s.out("item.enc"), &key_file, &s.f("got.bin")));
    assert_eq!(std::fs::read(s.f("got.bin")).expect("item"), s.bytes);
    let other = format!("--key-b64 {}", b64(&[9u8; 32]));
    exit(
        &s.open(&s.out("item.enc"), &other, &s.f("none")),
        1,
        "does not decrypt",
    );
    exit(
        &s.open(tampered, &key_file, &s.f("none")),
        1,
        "not the one m1 names",
    );
    assert!(!Path::new(&s.f("none")).exists());
}

/// The examples in docs/formats.md were made by these commands: their tids, digests and
/// bindings must still be what the code computes.
#[test]
fn the_documented_examples_hold() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/formats.md"))
        .expect("docs/formats.md");
    let section = doc
        .split("## Fair exchange: the parties' files")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("the section");
    let blocks: Vec<Value> = section
        .split("```json\n")
        .skip(1)
        .map(|b| serde_json::from_str(b.split("```").next().expect("block")).expect("JSON"))
        .collect();
    let [m1, m2, abort, item_m1, statement, receipt] = &blocks[..] else {
        panic!("six examples, found {}", blocks.len());
    };
    let tid = |m1: &Value| {
        Offer::from_payload(&m1["payload"])
            .expect("m1")
            .tid()
            .clone()
    };
    let (t1, t2) = (tid(m1), tid(item_m1));
    assert!(section.contains(&format!("`tid = {}`", t1.as_str())));
    assert!(section.contains(&format!("tid\n`{}`", t2.as_str())));
    assert_eq!(m2["payload"]["tid"], t1.as_str());
    assert_eq!(abort["payload"]["tid"], t1.as_str());
    for v in [statement, receipt] {
        assert_eq!(v["payload"]["tid"], t2.as_str());
    }
    let hex_after = |label: &str| {
        let rest = section.split(label).nth(1).expect(label);
        hex::decode(rest.split('`').nth(1).expect("hex")).expect("hex")
    };
    let escrow = hex_after("`escrow.bin` (hex; enc is its first 32 bytes): ");
    let ciphertext = hex_after("`item.enc` (hex; a 60-byte item):");
    assert_eq!(
        statement["payload"]["escrow_digest"],
        Sha256Hex::of(&escrow).as_str()
    );
    assert_eq!(
        item_m1["payload"]["ciphertext_digest"],
        Sha256Hex::of(&ciphertext).as_str()
    );
    let binding = EscrowBinding {
        tid: t2,
        ciphertext_digest: Sha256Hex::of(&ciphertext),
        recipient: item_m1["payload"]["responder"].as_str().expect("id").into(),
    };
    let aad = String::from_utf8(binding.to_bytes().expect("binding")).expect("utf8");
    assert!(section.contains(&format!("```\n{aad}\n```")), "{aad}");
}

/// A notary serving on a temp data dir, with olga and rick registered by `notar party add`.
struct Online {
    data: DataDir,
    srv: Server,
    olga: (KeyFiles, String),
    rick: (KeyFiles, String),
    notary_b64: String,
}

impl Online {
    fn start() -> Online {
        let data = DataDir::init();
        let srv = Server::start(&data);
        let add = |name: &str, role: &str| {
            let key = ed25519_key(data.work(), name);
            let o = notar(&[
                "party",
                "add",
                "--name",
                name,
                "--role",
                role,
                "--pubkey",
                p(&key.pubkey),
                "--json",
                "--data",
                data.arg(),
            ]);
            let id = json(ok(&o).as_bytes())["party"]["id"]
                .as_str()
                .expect("party id")
                .to_string();
            (key, id)
        };
        let (olga, rick) = (add("olga", "seller"), add("rick", "buyer"));
        let (_, id) = curl(&[&format!("{}/v1/notary", srv.url)]);
        let notary_b64 = json(&id)["public_key"].as_str().expect("key").to_string();
        Online {
            data,
            srv,
            olga,
            rick,
            notary_b64,
        }
    }

    fn f(&self, name: &str) -> String {
        p(&self.data.work().join(name)).to_string()
    }

    /// `notar exchange LINE --notary URL`.
    fn x(&self, line: &str) -> Output {
        x(&format!("{line} --notary {}", self.srv.url))
    }

    /// `notar verify FILE` against the key of GET /v1/notary: its stdout.
    fn verify(&self, file: &str) -> String {
        ok(&notar(&["verify", file, "--notary-key", &self.notary_b64]))
    }

    /// `send-item` from olga to rick of DIR/item.bin into DIR/`dir`, online; the tid.
    fn send_item(&self, dir: &str, extra: &str) -> String {
        ok(&self.x(&format!(
            "send-item --key {} --sender {} --recipient {} --item {} --out-dir {} {extra}",
            p(&self.olga.0.key),
            self.olga.1,
            self.rick.1,
            self.f("item.bin"),
            self.f(dir)
        )))
    }

    /// Rick's receipt for the item in DIR/`dir`, then his resolve (keeping the key in k.b64):
    /// the resolve's output, and its command line without `--key-out`.
    fn receipt_and_resolve(&self, dir: &str) -> (Output, String) {
        let d = |name: &str| self.f(&format!("{dir}/{name}"));
        ok(&x(&format!(
            "receipt --key {} --recipient {} --m1 {} --ciphertext {} --escrow {} \
             --item-escrow {} --out {}",
            p(&self.rick.0.key),
            self.rick.1,
            d("m1.json"),
            d("item.enc"),
            d("escrow.bin"),
            d("item_escrow.json"),
            d("receipt.json")
        )));
        let line = format!(
            "resolve --m1 {} --item-escrow {} --receipt {} --escrow {} --out {}",
            d("m1.json"),
            d("item_escrow.json"),
            d("receipt.json"),
            d("escrow.bin"),
            d("token.json")
        );
        (self.x(&format!("{line} --key-out {}", d("k.b64"))), line)
    }
}

#[test]
fn online_abort_resolve_and_show_through_the_cli() {
    let n = Online::start();
    let (o, r) = (&n.olga, &n.rick);
    std::fs::write(
        n.f("deal.txt"),
        b"Olga sells Rick a bicycle for 300.00 EUR.\n",
    )
    .expect("w");
    let tid = ok(&n.x(&format!(
        "offer --key {} --originator {} --responder {} --contract {} --out {} --nonce-out {}",
        p(&o.0.key),
        o.1,
        r.1,
        n.f("deal.txt"),
        n.f("m1.json"),
        n.f("na.hex")
    )));
    ok(&x(&format!(
        "accept --key {} --m1 {} --out {} --nonce-out {}",
        p(&r.0.key),
        n.f("m1.json"),
        n.f("m2.json"),
        n.f("nb.hex")
    )));
    // The responder may not abort (T7): exit 1, the notary's code printed.
    let abort = |key: &Path, out: &str| {
        n.x(&format!(
            "abort --key {} --m1 {} --out {out}",
            p(key),
            n.f("m1.json")
        ))
    };
    exit(&abort(&r.0.key, &n.f("none.json")), 1, "not_originator");
    // The originator aborts: the answer on stdout, the token in --out, checked by notar verify.
    let answer = json(ok(&abort(&o.0.key, &n.f("abort-token.json"))).as_bytes());
    assert_eq!(
        (answer["status"].as_str(), answer["outcome"].as_str()),
        (Some("aborted"), Some("aborted"))
    );
    assert_eq!(answer["tid"], tid.as_str());
    assert_eq!(
        answer["token"],
        read_json(Path::new(&n.f("abort-token.json")))
    );
    let stated = n.verify(&n.f("abort-token.json"));
    for says in ["exchange_abort_token", "requested", &tid, "signature OK"] {
        assert!(stated.contains(says), "{says} in {stated}");
    }
    // A later resolve gets the same decision; show tells the same.
    let resolved = n.x(&format!(
        "resolve --m1 {} --m2 {}",
        n.f("m1.json"),
        n.f("m2.json")
    ));
    assert_eq!(json(ok(&resolved).as_bytes()), answer);
    let shown = json(ok(&n.x(&format!("show {tid} --out {}", n.f("shown.json")))).as_bytes());
    assert_eq!(shown["status"], "aborted");
    assert_eq!(read_json(Path::new(&n.f("shown.json"))), answer["token"]);
    // An unknown tid is the caller's input error (as on the admin socket): exit 2.
    exit(
        &n.x(&format!("show {}", "ab".repeat(32))),
        2,
        "unknown_exchange",
    );
}

#[test]
fn online_item_delivered_by_the_notary_and_an_escrow_that_fails() {
    let n = Online::start();
    let bytes: Vec<u8> = (0..=255u8).cycle().take(2000).collect();
    std::fs::write(n.f("item.bin"), &bytes).expect("write");
    the_key_never_comes_and_the_notary_delivers_it(&n, &bytes);

    // An escrow sealed to another key does not open: escrow failure, the sender's fault.
    let (_, other_b64) = escrow_key(n.data.work());
    n.send_item("b", &format!("--escrow-key {other_b64}"));
    let (failed, _) = n.receipt_and_resolve("b");
    std::fs::write(n.f("b/answer.json"), &failed.stdout).expect("write");
    assert_eq!(json(ok(&failed).as_bytes())["outcome"], "escrow_failed");
    assert!(!Path::new(&n.f("b/k.b64")).exists(), "no key released");
    assert!(n
        .verify(&n.f("b/token.json"))
        .contains("escrow_failure_affidavit"));
    let o = x(&format!(
        "open --ciphertext {} --answer {} --out {}",
        n.f("b/item.enc"),
        n.f("b/answer.json"),
        n.f("b/got.bin")
    ));
    exit(&o, 1, "releases no key");
}

/// The key never comes: the recipient resolves and gets it from the notary; the item opens with
/// the key file or the answer. The sender, resolving with the same files, gets the same answer.
fn the_key_never_comes_and_the_notary_delivers_it(n: &Online, bytes: &[u8]) {
    let tid = n.send_item("a", "");
    let (first, line) = n.receipt_and_resolve("a");
    std::fs::write(n.f("a/answer.json"), &first.stdout).expect("write");
    let answer = json(ok(&first).as_bytes());
    assert_eq!(
        (answer["outcome"].as_str(), answer["tid"].as_str()),
        (Some("delivered"), Some(tid.as_str()))
    );
    for key in ["--key-file a/k.b64", "--answer a/answer.json"] {
        let (flag, file) = key.split_once(' ').expect("flag");
        ok(&x(&format!(
            "open --ciphertext {} {flag} {} --m1 {} --out {}",
            n.f("a/item.enc"),
            n.f(file),
            n.f("a/m1.json"),
            n.f("a/got.bin")
        )));
        assert_eq!(std::fs::read(n.f("a/got.bin")).expect("item"), bytes);
        std::fs::remove_file(n.f("a/got.bin")).expect("rm");
    }
    // The sender's answer is its delivery affidavit.
    assert_eq!(json(ok(&n.x(&line)).as_bytes()), answer);
    let stated = n.verify(&n.f("a/token.json"));
    assert!(
        stated.contains("delivery_affidavit") && stated.contains("key_digest"),
        "{stated}"
    );
}
