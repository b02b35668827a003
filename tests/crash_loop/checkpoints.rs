//! Checkpoints for the crash loop: a watcher saves every distinct checkpoint the server publishes
//! while the load runs; after each restart `notar log verify` (the auditor's command, with the
//! notary's key from the data dir) must find the log an append-only extension of each of them.
//! Together with the sizes never going down, every checkpoint ever seen is a prefix of the next.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::util::ledger::http;
use crate::util::{notar, text, DataDir};

/// The checkpoints seen, as signed notes, in the order seen.
pub struct Watch {
    notes: Arc<Mutex<Vec<String>>>,
    verified: usize,
}

fn size_of(note: &str) -> u64 {
    note.lines()
        .nth(1)
        .and_then(|l| l.parse().ok())
        .unwrap_or_else(|| panic!("no size in checkpoint {note:?}"))
}

fn watch(url: String, stop: Arc<AtomicBool>, notes: Arc<Mutex<Vec<String>>>) {
    while !stop.load(Ordering::SeqCst) {
        let Some((status, body)) = http(&url, "GET", "/v1/log/checkpoint", None, b"") else {
            return;
        };
        assert_eq!(status, 200);
        let note = String::from_utf8(body).expect("checkpoint text");
        let mut n = notes.lock().expect("notes");
        if n.last() != Some(&note) {
            n.push(note);
        }
        drop(n);
        std::thread::sleep(Duration::from_millis(20));
    }
}

impl Watch {
    pub fn new() -> Watch {
        Watch {
            notes: Arc::default(),
            verified: 0,
        }
    }

    /// Starts the watcher against `url`.
    pub fn start(&self, url: &str, stop: &Arc<AtomicBool>) -> JoinHandle<()> {
        let (url, stop, notes) = (url.to_string(), stop.clone(), self.notes.clone());
        std::thread::spawn(move || watch(url, stop, notes))
    }

    /// After the restart: sizes never went down, and the restarted log extends every checkpoint
    /// seen since the last check (at most `most` of them through `notar log verify`, always
    /// the newest: a later one that checks covers the earlier ones of the same tree).
    pub fn check(&mut self, url: &str, data: &DataDir, most: usize) -> usize {
        let notes = self.notes.lock().expect("notes").clone();
        for pair in notes.windows(2) {
            assert!(
                size_of(&pair[0]) <= size_of(&pair[1]),
                "a checkpoint went back"
            );
        }
        let new = &notes[self.verified..];
        let step = new.len().div_ceil(most.max(1)).max(1);
        let picked: Vec<&String> = new.iter().rev().step_by(step).collect();
        for note in &picked {
            let file: PathBuf = data.work().join("checkpoint.txt");
            std::fs::write(&file, note).expect("write checkpoint");
            let o = notar(&[
                "log",
                "verify",
                "--server",
                url,
                "--checkpoint",
                file.to_str().expect("utf8"),
                "--data",
                data.arg(),
            ]);
            assert!(o.status.success(), "size {}: {}", size_of(note), text(&o));
        }
        self.verified = notes.len();
        picked.len()
    }
}
