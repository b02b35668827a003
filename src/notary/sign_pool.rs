//! The worker pool that runs a batch's deferred work (DESIGN §2: the sequencer only orders).
//! Each command's work starts as soon as the command is staged, so the pool signs while the
//! sequencer decides the rest of the batch; the batch is written once all of it is done.

use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Condvar, Mutex};

use super::sequencer::{panic_text, Deferred, Records, Staged, StagedEntry};
use super::workers::Workers;
use super::NotaryError;

/// One thread per core, `notar-signer-N`.
pub(super) struct SignPool(Arc<Workers>);

impl SignPool {
    /// Starts the threads.
    pub fn new() -> Result<Self, NotaryError> {
        let threads = std::thread::available_parallelism().map_or(2, usize::from);
        Workers::new(threads, |i| format!("notar-signer-{i}"))
            .map(|w| SignPool(Arc::new(w)))
            .map_err(|e| NotaryError::Bug(format!("signer threads: {e}")))
    }

    /// Runs `f` on a signer thread; [`Later::wait`] gives what it returned.
    pub fn later<T: Send + 'static>(&self, f: impl FnOnce() -> T + Send + 'static) -> Later<T> {
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        self.0.spawn(move || {
            // The receiver may have gone (its batch failed): nothing to tell then.
            let _ = tx.send(std::panic::catch_unwind(AssertUnwindSafe(f)));
        });
        Later(rx)
    }

    /// A batch's deferred work, to start command by command.
    pub fn dispatch(&self) -> Dispatch {
        Dispatch {
            pool: self.0.clone(),
            held: None,
            sent: 0,
            made: Arc::new(Results::default()),
        }
    }
}

/// Where a batch's started work puts what it made. The sequencer is woken once, by the work
/// that completes the batch, not once per command: a wake-up per timestamp cost the sequencer
/// a quarter of its CPU (BENCHMARKS "One wake-up per batch").
#[derive(Default)]
struct Results {
    /// What was made so far, and how many the batch waits for (`None` until it waits).
    done: Mutex<(Vec<Made>, Option<usize>)>,
    all: Condvar,
}

/// What one command's deferred work made: the index of the command in its batch, and its entry
/// and records.
type Made = (usize, Result<(StagedEntry, Records), NotaryError>);

impl Results {
    /// Puts one work's result; wakes the sequencer if it waits and this was the last.
    fn put(&self, made: Made) {
        let mut done = self.done.lock().unwrap_or_else(|e| e.into_inner());
        done.0.push(made);
        if done.1 == Some(done.0.len()) {
            self.all.notify_one();
        }
    }

    /// Waits until `sent` results are in, and takes them.
    fn wait(&self, sent: usize) -> Vec<Made> {
        let mut done = self.done.lock().unwrap_or_else(|e| e.into_inner());
        done.1 = Some(sent);
        while done.0.len() < sent {
            done = self.all.wait(done).unwrap_or_else(|e| e.into_inner());
        }
        std::mem::take(&mut done.0)
    }
}

/// A started work's one result to put. Dropped without being kept (its closure dropped unrun),
/// it puts a failure: the batch fails and the notary stops, rather than the sequencer waiting
/// for ever.
struct Promise {
    made: Option<Arc<Results>>,
    i: usize,
}

impl Promise {
    fn keep(mut self, result: Result<(StagedEntry, Records), NotaryError>) {
        if let Some(made) = self.made.take() {
            made.put((self.i, result));
        }
    }
}

impl Drop for Promise {
    fn drop(&mut self) {
        if let Some(made) = self.made.take() {
            let lost = NotaryError::Bug("a signer thread ended without its work".into());
            made.put((self.i, Err(lost)));
        }
    }
}

/// One job started by [`SignPool::later`].
pub(super) struct Later<T>(std::sync::mpsc::Receiver<std::thread::Result<T>>);

impl<T> Later<T> {
    /// Waits for the job; its panic, or its loss (the pool ending without running it), is an
    /// error of the batch.
    pub fn wait(self) -> Result<T, NotaryError> {
        match self.0.recv() {
            Ok(Ok(made)) => Ok(made),
            Ok(Err(panic)) => Err(NotaryError::Bug(format!(
                "work on a signer thread panicked: {}",
                panic_text(panic.as_ref())
            ))),
            Err(_) => Err(NotaryError::Bug(
                "a signer thread ended without its work".into(),
            )),
        }
    }
}

/// One batch's deferred work under way.
pub(super) struct Dispatch {
    pool: Arc<Workers>,
    /// The batch's first work, held back: if it stays alone it runs on the sequencer at the end,
    /// as a hop to another thread would only add latency to a lone request.
    held: Option<(usize, Deferred)>,
    sent: usize,
    made: Arc<Results>,
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
        let promise = Promise {
            made: Some(self.made.clone()),
            i,
        };
        // `run` catches a panic of the work, and a promise dropped unkept puts an error: every
        // started work puts exactly one result, so the wait always ends.
        self.pool.spawn(move || promise.keep(run(work)));
        self.sent += 1;
    }

    /// Waits for every work started and puts what each made in its command's place. Any
    /// failure fails the batch (and stops the notary: memory already changed).
    pub fn finish(self, staged: &mut [Staged]) -> Result<(), NotaryError> {
        let Dispatch {
            held, sent, made, ..
        } = self;
        let lone = held.map(|(i, work)| (i, run(work)));
        for (i, result) in lone.into_iter().chain(made.wait(sent)) {
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
    fn results_made_before_and_after_the_wait_are_all_placed() {
        // Some works end before the sequencer waits, others long after: the wake-up comes from
        // whichever completes the batch, never lost and never early.
        for round in 0..20u64 {
            let works = (0..8u64).map(|i| {
                let slow = (i + round) % 3 == 0;
                let mut w = work(100 + i, 1, false);
                let run = w.run;
                w.run = Box::new(move || {
                    if slow {
                        std::thread::sleep(std::time::Duration::from_millis(3));
                    }
                    run()
                });
                w
            });
            let (staged, r) = batch(works.collect());
            r.expect("batch");
            let indexes: Vec<u64> = staged
                .iter()
                .map(|s| s.entry.as_ref().expect("placed").index)
                .collect();
            assert_eq!(indexes, (100..108).collect::<Vec<_>>());
        }
    }

    #[test]
    fn later_gives_what_the_job_made_or_its_panic_as_an_error() {
        let pool = SignPool::new().expect("pool");
        let on = pool.later(|| std::thread::current().name().map(str::to_owned));
        let name = on.wait().expect("made").expect("named thread");
        assert!(name.starts_with("notar-signer-"), "{name}");
        let failed = pool
            .later(|| -> u8 { panic!("checkpoint key gone") })
            .wait();
        match failed {
            Err(e) => assert!(e.to_string().contains("checkpoint key gone"), "{e}"),
            Ok(_) => panic!("a panic must be an error"),
        }
    }

    #[test]
    fn a_work_dropped_unrun_fails_the_batch_instead_of_hanging_it() {
        let made = Arc::new(Results::default());
        let kept = Promise {
            made: Some(made.clone()),
            i: 0,
        };
        let dropped = Promise {
            made: Some(made.clone()),
            i: 1,
        };
        let w = work(5, 1, false);
        kept.keep(run(w));
        drop(dropped);
        let mut results = made.wait(2);
        results.sort_by_key(|r| r.0);
        assert!(results[0].1.is_ok());
        match &results[1].1 {
            Err(e) => assert!(e.to_string().contains("without its work"), "{e}"),
            Ok(_) => panic!("lost work must be a failure"),
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
