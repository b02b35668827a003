//! Fixed fake data for tests: deterministic times, hex and keys, so snapshots never change.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use ed25519_dalek::SigningKey;

use crate::api::admin::proto::{
    Activity, CheckpointItem, EntryItem, EntryKind, GuaranteeCounts, HashAlg, Hello, ProofItem,
    Reply, Response, Status, TimestampItem,
};
use crate::log::checkpoint::{try_sign_checkpoint, vkey, Checkpoint};
use crate::log::merkle::{prove_inclusion, tree_hash, MemoryHashStore};

use crate::console::app::App;
use crate::console::command::Command;
use crate::console::screens::log::verify::CheckpointKey;
use crate::console::theme::Theme;

/// Log origin and checkpoint key name of the fake notary.
pub const ORIGIN: &str = "notary.example/log";
/// Seed of the fake notary's checkpoint key.
pub const KEY_SEED: u8 = 7;

fn signing_key(seed: u8) -> SigningKey {
    SigningKey::from_bytes(&[seed; 32])
}

pub fn hello() -> Hello {
    Hello {
        operator: "alice".into(),
        arbitrator: "Alice Arbiter".into(),
        notary: "Example Notary".into(),
        key_id: "3f".repeat(32),
        checkpoint_vkey: vkey(ORIGIN, &signing_key(KEY_SEED).verifying_key()),
        tsa_subject: "CN=Example Notary TSA, O=Example Notary, C=DE".into(),
        timestamp_policy: "1.3.6.1.4.1.57264.2.1".into(),
        timestamp_accuracy_ms: 1000,
        http_url: Some("http://127.0.0.1:8080".into()),
    }
}

pub fn status() -> Status {
    Status {
        now: "2025-03-02T12:03:04.500Z".into(),
        started_at: "2025-03-01T10:00:00.000Z".into(),
        log_size: 1_234,
        checkpoint_size: 1_230,
        checkpoint_age_ms: 420,
        timestamps_per_s_milli: 12_345,
        timestamps_total: 4_567,
        guarantees: GuaranteeCounts {
            granted: 1_204,
            refused: 31,
            settled: 112,
            released: 9,
        },
        exchanges_decided: 17,
        activity: activity(),
        failed: false,
        failed_reason: None,
        role: None,
    }
}

/// Two minutes of made-up activity: a steady stream of stamps with a burst, guarantees in
/// waves, a few exchange decisions.
pub fn activity() -> Activity {
    let seconds = 0..crate::notary::HISTORY_SECS as u32;
    Activity {
        stamps: seconds
            .clone()
            .map(|s| 8 + s % 5 + if (90..100).contains(&s) { 30 } else { 0 })
            .collect(),
        guarantees: seconds.clone().map(|s| (s / 4) % 6).collect(),
        exchanges: seconds.map(|s| u32::from(s % 23 == 0)).collect(),
    }
}

/// Timestamp `serial`, with a fixed time and an imprint derived from the serial.
pub fn timestamp(serial: u64) -> TimestampItem {
    TimestampItem {
        serial,
        gen_time: format!(
            "2025-03-02T12:{:02}:{:02}.{:03}Z",
            serial / 60 % 60,
            serial % 60,
            serial % 1000
        ),
        hash_alg: HashAlg::Sha256,
        imprint: format!("{:016x}", serial.wrapping_mul(0x9e37_79b9_7f4a_7c15)).repeat(4),
        operator: serial.is_multiple_of(3).then(|| "alice".to_string()),
    }
}

/// `n` timestamps, newest (highest serial) first, ending at serial `top`.
pub fn timestamps(top: u64, n: u64) -> Vec<TimestampItem> {
    (top + 1 - n..=top).rev().map(timestamp).collect()
}

/// The leaf text of entry `index`.
pub fn raw_entry(index: u64) -> String {
    format!(
        r#"{{"index":{index},"kind":"timestamp","payload":{{"hash_alg":"sha256","imprint":"{}"}}}}"#,
        timestamp(index).imprint
    )
}

pub fn entry(index: u64) -> EntryItem {
    EntryItem {
        index,
        kind: Some(if index == 0 {
            EntryKind::NotaryIdentity
        } else {
            EntryKind::Timestamp
        }),
        logged_at: timestamp(index).gen_time,
        operator: index.is_multiple_of(3).then(|| "alice".to_string()),
        raw: raw_entry(index),
    }
}

/// A real log of `n` fixture entries with a checkpoint signed by the fixture key.
pub struct SignedLog {
    store: MemoryHashStore,
    pub note: String,
}

pub fn signed_log(n: u64) -> SignedLog {
    let mut store = MemoryHashStore::new();
    for i in 0..n {
        store.append(raw_entry(i).as_bytes()).expect("append");
    }
    let cp = Checkpoint {
        origin: ORIGIN.into(),
        size: n,
        root: tree_hash(n, &store).expect("root"),
    };
    let note = try_sign_checkpoint(&cp, ORIGIN, &signing_key(KEY_SEED)).expect("sign");
    SignedLog { store, note }
}

impl SignedLog {
    pub fn key(&self) -> CheckpointKey {
        self.key_with_seed(KEY_SEED)
    }

    pub fn key_with_seed(&self, seed: u8) -> CheckpointKey {
        Ok((ORIGIN.to_string(), signing_key(seed).verifying_key()))
    }

    pub fn raw(&self, index: u64) -> String {
        raw_entry(index)
    }

    pub fn proof(&self, index: u64) -> ProofItem {
        let hashes = prove_inclusion(index, self.store.size(), &self.store).expect("prove");
        ProofItem {
            index,
            raw: raw_entry(index),
            checkpoint: self.note.clone(),
            proof: hashes.iter().map(|h| BASE64.encode(h)).collect(),
        }
    }

    pub fn checkpoint_item(&self) -> CheckpointItem {
        CheckpointItem {
            size: self.store.size(),
            note: self.note.clone(),
        }
    }
}

/// A console connected to the fixture notary, with plain styles, at 80×24.
pub fn app() -> App {
    App::new(hello(), 2, Theme::plain())
}

/// The refusal with `code` of the request in `cmd` (which must be a `Send`).
pub fn refusal(cmd: &Command, code: crate::api::admin::proto::ErrorCode) -> Response {
    let Command::Send(req) = cmd else {
        panic!("not a request: {cmd:?}");
    };
    Response::Err {
        id: req.id,
        error: crate::api::admin::proto::ErrorBody {
            code,
            message: format!("refused: {code}"),
        },
    }
}

/// The answer `reply` to the request in `cmd` (which must be a `Send`).
pub fn answer(cmd: &Command, reply: Reply) -> Response {
    let Command::Send(req) = cmd else {
        panic!("not a request: {cmd:?}");
    };
    Response::Ok {
        id: req.id,
        result: reply,
    }
}

// ---- Parties, agreements, guarantees ----------------------------------------------------

use crate::api::admin::proto::{
    AgreementItem, AgreementStatus, FeedItem, GuaranteeItem, GuaranteeState, KeyItem,
    KeySourceKind, KeyStanding, PartyItem, PolicyItem, Role, UncoveredRule,
};

const PARTY_NAMES: [&str; 6] = [
    "Bob Buyer",
    "Sally Seller",
    "Carla Käuferin",
    "Books & Co",
    "東京 Trading",
    "Dan's Garage",
];

/// A UUIDv7-looking id with `tag` (to tell kinds apart) and `n` at the random end.
fn uuid(tag: u16, n: u64) -> String {
    format!("0195a3b2-{tag:04x}-7e8f-9a0b-{n:012x}")
}

/// Party `n`: even numbers are buyers, odd ones sellers.
pub fn party(n: u64) -> PartyItem {
    PartyItem {
        id: uuid(0x0a, n),
        name: PARTY_NAMES[(n % 6) as usize].into(),
        role: if n.is_multiple_of(2) {
            Role::Buyer
        } else {
            Role::Seller
        },
        registered_at: format!("2025-03-01T10:{:02}:00.000Z", n % 60),
        keys: (n % 3) as u32,
    }
}

/// Key `n` of `party_id`; revoked ones carry the notary's registration time and a reason.
pub fn key(n: u64, party_id: &str, revoked: bool) -> KeyItem {
    KeyItem {
        key_id: format!("{:016x}", n.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1).repeat(4),
        party_id: party_id.into(),
        source: KeySourceKind::Raw,
        subject: None,
        status: if revoked {
            KeyStanding::Revoked
        } else {
            KeyStanding::Good
        },
        revoked_at: revoked.then(|| "2025-03-02T09:15:00.000Z".to_string()),
        revocation_reason: revoked.then(|| "device stolen".to_string()),
        registered_at: "2025-03-01T10:05:00.000Z".into(),
    }
}

/// Agreement `n` of buyer `party(2n)`, with this exposure and total cap (EUR cents).
pub fn agreement(n: u64, exposure_minor: i64, total_cap_minor: i64) -> AgreementItem {
    let buyer = party(2 * n);
    AgreementItem {
        id: uuid(0x0b, n),
        buyer_id: buyer.id.clone(),
        buyer_name: buyer.name,
        policy_id: "semper-consumer".into(),
        policy_version: 1,
        policy_digest: format!("{:016x}", (n + 7).wrapping_mul(0x2545_f491_4f6c_dd1d)).repeat(4),
        currency: "EUR".into(),
        total_cap_minor,
        per_tx_cap_minor: total_cap_minor / 5,
        exposure_minor,
        outstanding: 0,
        status: AgreementStatus::Active,
        standing: "active".into(),
        valid_from: "2025-03-01T10:00:00.000Z".into(),
        valid_until: "2026-03-01T10:00:00.000Z".into(),
        keys: vec![
            key(1, &buyer.id, false).key_id,
            key(2, &buyer.id, true).key_id,
        ],
    }
}

/// Guarantee `n` under `agreement_id`, sold by `party(1)`.
pub fn guarantee(
    n: u64,
    agreement_id: &str,
    amount_minor: i64,
    state: GuaranteeState,
) -> GuaranteeItem {
    GuaranteeItem {
        guarantee_id: uuid(0x0c, n),
        agreement_id: agreement_id.into(),
        seller_id: party(1).id,
        amount_minor,
        currency: "EUR".into(),
        state,
        issued_at: format!("2025-03-02T11:{:02}:00.000Z", n % 60),
        release_at: format!("2025-03-09T11:{:02}:00.000Z", n % 60),
        held_by: None,
    }
}

/// The detail reply of `agreement(1, 75000, 100000)`: one good key, one revoked, guarantees.
pub fn agreement_detail() -> Reply {
    let mut a = agreement(1, 75_000, 100_000);
    a.outstanding = 3;
    let keys = vec![key(1, &a.buyer_id, false), key(2, &a.buyer_id, true)];
    // The oldest outstanding one a ruling holds for its seller.
    let mut held = guarantee(3, &a.id, 20_000, GuaranteeState::Outstanding);
    held.held_by = Some(uuid(0x0d, 1));
    let guarantees = vec![
        guarantee(5, &a.id, 30_000, GuaranteeState::Outstanding),
        guarantee(4, &a.id, 25_000, GuaranteeState::Outstanding),
        held,
        guarantee(2, &a.id, 12_000, GuaranteeState::Settled),
        guarantee(1, &a.id, 8_050, GuaranteeState::Released),
    ];
    Reply::AgreementDetail {
        agreement: a,
        keys,
        guarantees,
    }
}

/// A feed, newest first: 3 granted, 2 refused, 1 settled, 1 released.
pub fn feed() -> Vec<FeedItem> {
    let a = agreement(1, 75_000, 100_000).id;
    let item = |index: u64, kind: EntryKind, minor: i64, reason: Option<&str>| FeedItem {
        index,
        kind,
        logged_at: format!(
            "2025-03-02T12:{:02}:{:02}.{:03}Z",
            index / 60,
            index % 60,
            index
        ),
        agreement_id: a.clone(),
        seller_id: party(1).id,
        seller_name: party(1).name,
        amount_minor: minor,
        currency: "EUR".into(),
        reason: reason.map(|r| serde_json::from_value(r.into()).expect("a feed reason")),
        guarantee_id: (kind != EntryKind::Refusal).then(|| uuid(0x0c, index)),
    };
    use EntryKind::{Guarantee, Refusal, Release, Settlement};
    vec![
        item(57, Refusal, 40_000, Some("total_cap_exceeded")),
        item(56, Guarantee, 30_000, None),
        item(55, Refusal, 9_900, Some("key_revoked")),
        item(54, Guarantee, 25_000, None),
        item(53, Release, 8_050, Some("cancelled")),
        item(52, Settlement, 12_000, None),
        item(51, Guarantee, 20_000, None),
    ]
}

/// The two sample policies.
pub fn policies() -> Vec<PolicyItem> {
    vec![
        PolicyItem {
            id: "semper-consumer".into(),
            version: 1,
            title: "SEMPER consumer agreement".into(),
            digest: "d1".repeat(32),
            currency: "EUR".into(),
            total_cap_minor: 100_000,
            per_tx_cap_minor: 20_000,
            uncovered_rule: UncoveredRule::Strict,
        },
        PolicyItem {
            id: "semper-business".into(),
            version: 1,
            title: "SEMPER business agreement".into(),
            digest: "b2".repeat(32),
            currency: "EUR".into(),
            total_cap_minor: 5_000_000,
            per_tx_cap_minor: 1_000_000,
            uncovered_rule: UncoveredRule::Capped,
        },
    ]
}

// ---- Exchanges and complaints -------------------------------------------------------------

use crate::api::admin::proto::tests::cases;
use crate::api::admin::proto::{
    ComplaintDetail, ComplaintItem, ComplaintKind, ComplaintStatus, ExchangeItem, HistoryItem,
};

/// Every exchange state and outcome once (the protocol samples), with distinct tids, parties
/// and times.
pub fn exchanges() -> Vec<ExchangeItem> {
    let names = [
        ("Bob Meier", "Acme Hardware"),
        ("Carla Käuferin", "東京 Trading"),
    ];
    cases::exchanges()
        .into_iter()
        .enumerate()
        .map(|(i, mut e)| {
            let (o, r) = names[i % 2];
            e.tid = format!("{:02x}", 0x10 + i).repeat(32);
            e.originator = uuid(0x0a, 2 * i as u64);
            e.originator_name = o.into();
            e.responder = uuid(0x0a, 2 * i as u64 + 1);
            e.responder_name = if i == 5 { String::new() } else { r.into() };
            e.deadline = format!("2025-03-0{}T1{i}:30:00.000Z", 2 + i / 3);
            e.first_seen = format!("2025-03-01T0{i}:00:00.000Z");
            e.decided_at = e.decided_at.map(|_| format!("2025-03-01T0{i}:05:00.000Z"));
            e.log_index = e.log_index.map(|_| 100 + i as u64);
            e
        })
        .collect()
}

/// The complaint queue as the notary might send it (not in deadline order): every status,
/// an overdue one, a silent one, one taken with a counter-claim, every kind.
pub fn complaints() -> Vec<ComplaintItem> {
    let mut items: Vec<ComplaintItem> = ComplaintStatus::ALL
        .into_iter()
        .map(cases::complaint)
        .collect();
    let mut fresh = cases::complaint(ComplaintStatus::Open);
    fresh.overdue = false;
    fresh.kind = ComplaintKind::Other;
    items.push(fresh);
    let deadlines = ["09:00", "15:30", "08:00", "07:00", "18:45"];
    for (i, c) in items.iter_mut().enumerate() {
        c.complaint_id = uuid(0x0d, i as u64 + 1);
        c.response_deadline = format!("2025-03-02T{}:00.000Z", deadlines[i]);
        c.filed_at = format!("2025-02-2{i}T10:00:00.000Z");
    }
    items[2].respondent_name = "Nordwind Reisen".into();
    items
}

/// The case of the answered complaint in full: both sides' evidence, a counter-claim, a history.
pub fn case_detail() -> ComplaintDetail {
    let mut d = cases::detail();
    d.item = complaints()[1].clone();
    d.statement = "Paid 12.00 EUR on 2025-02-20 for a lamp that never arrived; the shop \
                   stopped answering after the payment."
        .into();
    d.evidence[1].summary = "RFC 3161 token over the order, 2025-02-20T10:00:00Z".into();
    d.history = vec![
        history("2025-02-21T10:00:00.000Z", "filed", "Bob", Some(501)),
        history("2025-02-23T09:12:00.000Z", "answered", "Shop", Some(517)),
        history("2025-02-24T08:00:00.000Z", "taken", "alice", None),
        history(
            "2025-02-24T08:05:00.000Z",
            "asked the shop for the tracking number",
            "alice",
            None,
        ),
    ];
    d
}

fn history(at: &str, what: &str, by: &str, log_index: Option<u64>) -> HistoryItem {
    HistoryItem {
        at: at.into(),
        what: what.into(),
        by: Some(by.into()),
        log_index,
    }
}

// ---- Driving the console ------------------------------------------------------------------

/// Presses `code` (no modifiers) as the terminal would deliver it; the commands it led to.
pub fn press(app: &mut App, code: crossterm::event::KeyCode) -> Vec<Command> {
    use crossterm::event::{KeyEvent, KeyModifiers};
    let key = KeyEvent::new(code, KeyModifiers::NONE);
    match crate::console::keymap::action_for_key(app, key) {
        Some(action) => crate::console::update::update(app, action),
        None => Vec::new(),
    }
}

/// Types `text` into the open prompt, one key a character.
pub fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        press(app, crossterm::event::KeyCode::Char(c));
    }
}

/// The operations `cmds` send, in order.
pub fn sent_ops(cmds: &[Command]) -> Vec<&crate::api::admin::proto::Op> {
    cmds.iter()
        .filter_map(|c| match c {
            Command::Send(req) => Some(&req.op),
            _ => None,
        })
        .collect()
}

/// The command among `cmds` that sends an op matching `f`.
pub fn sending(cmds: &[Command], f: impl Fn(&crate::api::admin::proto::Op) -> bool) -> &Command {
    cmds.iter()
        .find(|c| matches!(c, Command::Send(req) if f(&req.op)))
        .unwrap_or_else(|| panic!("no such request in {cmds:?}"))
}
