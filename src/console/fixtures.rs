//! Fixed fake data for tests: deterministic times, hex and keys, so snapshots never change.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use ed25519_dalek::SigningKey;

use crate::api::admin::proto::{
    CheckpointItem, EntryItem, Hello, ProofItem, Reply, Response, Status, TimestampItem,
};
use crate::log::checkpoint::{try_sign_checkpoint, vkey, Checkpoint};
use crate::log::merkle::{prove_inclusion, tree_hash, MemoryHashStore};

use super::action::Command;
use super::app::App;
use super::theme::Theme;
use super::verify::CheckpointKey;

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
        failed: false,
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
        hash_alg: "sha256".into(),
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
        kind: if index == 0 {
            "notary_identity"
        } else {
            "timestamp"
        }
        .into(),
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

/// The answer `reply` to the request in `cmd` (which must be a `Send`).
pub fn answer(cmd: &Command, reply: Reply) -> Response {
    let Command::Send(req) = cmd else {
        panic!("not a request: {cmd:?}");
    };
    Response {
        id: req.id,
        ok: Some(reply),
        error: None,
    }
}
