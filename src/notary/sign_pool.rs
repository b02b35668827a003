//! The worker pool that runs a batch's deferred work (DESIGN §2: the sequencer only orders).
//! Each command's work starts as soon as the command is staged, so the pool signs while the
//! sequencer decides the rest of the batch; the batch is written once all of it is done.

use std::panic::AssertUnwindSafe;
use std::sync::{mpsc, Arc};

use super::sequencer::{panic_text, Deferred, Records, Staged, StagedEntry};
use super::NotaryError;

/// One thread per core, `notar-signer-N`.
pub(super) struct SignPool(Arc<rayon::ThreadPool>);

/// What one command's deferred work made: the index of the command in its batch, and its entry
/// and records.
type Made = (usize, Result<(StagedEntry, Records), NotaryError>);

impl SignPool {
    /// Starts the threads.
    pub fn new() -> Result<Self, NotaryError> {
        let threads = std::thread::available_parallelism().map_or(2, usize::from);
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|i| format!("notar-signer-{i}"))
            .build()
            .map(|p| SignPool(Arc::new(p)))
            .map_err(|e| NotaryError::Bug(format!("signer threads: {e}")))
    }

    /// A batch's deferred work, to start command by command.
    pub fn dispatch(&self) -> Dispatch {
        let (tx, rx) = mpsc::channel();
        Dispatch {
            pool: self.0.clone(),
            held: None,
            sent: 0,
            tx,
            rx,
        }
    }
}

/// One batch's deferred work under way.
pub(super) struct Dispatch {
    pool: Arc<rayon::ThreadPool>,
    /// The batch's first work, held back: if it stays alone it runs on the sequencer at the end,
    /// as a hop to another thread would only add latency to a lone request.
    held: Option<(usize, Deferred)>,
    sent: usize,
    tx: mpsc::Sender<Made>,
    rx: mpsc::Receiver<Made>,
}

impl Dispatch {
    /// Starts `work`, the deferred work of the batch's staged command number `i`.
    pub fn start(&mut self, i: usize, work: Deferred) {
        if self.sent == 0 && self.held.is_none() {
            self.held = Some((i, work));
            return;
        }
        if let Some(first) = self.held.take() {
            self.spawn(first);
        }
        self.spawn((i, work));
    }

    fn spawn(&mut self, (i, work): (usize, Deferred)) {
        let tx = self.tx.clone();
        self.pool.spawn(move || {
            // Nobody may be listening any more (the batch failed): nothing to do then.
            let _ = tx.send((i, run(work)));
        });
        self.sent += 1;
    }

    /// Waits for every work started and puts what each made in its command's place. Any
    /// failure fails the batch (and stops the notary: memory already changed).
    pub fn finish(self, staged: &mut [Staged]) -> Result<(), NotaryError> {
        let Dispatch {
            held, sent, tx, rx, ..
        } = self;
        drop(tx);
        let mut made: Vec<Made> = Vec::with_capacity(sent + 1);
        if let Some((i, work)) = held {
            made.push((i, run(work)));
        }
        for _ in 0..sent {
            // Every started work sends once, panic or not.
            let m = rx
                .recv()
                .map_err(|_| NotaryError::Bug("a signer thread ended without its work".into()))?;
            made.push(m);
        }
        for (i, result) in made {
            let (entry, records) = result?;
            let s = staged.get_mut(i).ok_or_else(|| {
                NotaryError::Bug(format!("deferred work of a command {i} not in the batch"))
            })?;
            if s.entry.is_some() {
                return Err(NotaryError::Bug(
                    "a command staged an entry and deferred another".into(),
                ));
            }
            s.entry = Some(entry);
            s.records.extend(records);
        }
        Ok(())
    }
}

/// Runs one command's deferred work; a panic in it is an error of the batch.
fn run(work: Deferred) -> Result<(StagedEntry, Records), NotaryError> {
    let promised = work.count;
    let made = std::panic::catch_unwind(AssertUnwindSafe(work.run)).map_err(|p| {
        NotaryError::Bug(format!(
            "deferred work panicked: {}",
            panic_text(p.as_ref())
        ))
    })??;
    let count = made.0.count();
    if count != promised {
        return Err(NotaryError::Bug(format!(
            "deferred work promised {promised} log entries and made {count}"
        )));
    }
    Ok(made)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::entry::EntryKind;
    use crate::notary::sequencer::StageCtx;
    use crate::store::Cf;
    use serde_json::json;

    fn staged() -> Staged {
        Staged {
            entry: None,
            records: Vec::new(),
            deferred: None,
            finish: Box::new(|_| {}),
        }
    }

    fn work(index: u64, count: u64, fail: bool) -> Deferred {
        let ctx = StageCtx {
            index,
            now: chrono::Utc::now(),
        };
        Deferred {
            count,
            run: Box::new(move || {
                assert!(!fail, "signing {index} failed");
                let entry = ctx.entry(EntryKind::Policy, None, json!({"n": index}))?;
                Ok((entry, vec![(Cf::Meta, vec![index as u8], Vec::new())]))
            }),
        }
    }

    fn batch(works: Vec<Deferred>) -> (Vec<Staged>, Result<(), NotaryError>) {
        let pool = SignPool::new().expect("pool");
        let mut d = pool.dispatch();
        let mut staged: Vec<Staged> = Vec::new();
        for w in works {
            d.start(staged.len(), w);
            staged.push(self::staged());
        }
        let r = d.finish(&mut staged);
        (staged, r)
    }

    #[test]
    fn each_command_gets_what_its_work_made() {
        for n in [1, 2, 9] {
            let (staged, r) = batch((0..n).map(|i| work(10 + i, 1, false)).collect());
            r.expect("batch");
            for (i, s) in staged.iter().enumerate() {
                let e = s.entry.as_ref().expect("entry placed");
                assert_eq!(e.index, 10 + i as u64);
                assert_eq!(s.records[0].1, vec![10 + i as u8]);
            }
        }
    }

    #[test]
    fn a_panic_or_a_wrong_count_fails_the_batch() {
        for n in [1, 3] {
            let mut works: Vec<_> = (0..n).map(|i| work(i, 1, false)).collect();
            works.push(work(n, 1, true));
            let (_, r) = batch(works);
            let e = r.expect_err("a panic fails the batch").to_string();
            assert!(e.contains("panicked") && e.contains("failed"), "{e}");
        }
        let (_, r) = batch(vec![work(0, 1, false), work(1, 2, false)]);
        let e = r.expect_err("a count mismatch fails the batch").to_string();
        assert!(e.contains("promised 2"), "{e}");
    }
}
