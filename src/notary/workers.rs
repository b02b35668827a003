//! [`Workers`]: the threads that run the signer pool's jobs. A queue under a mutex and threads
//! that sleep on a condition variable when it is empty: an idle thread costs nothing. (A rayon
//! pool did this job before; between batches its idle threads spun through `sched_yield` looking
//! for work, 2 calls per timestamp served over HTTP, and took the core from the HTTP workers and
//! the sequencer that had work: BENCHMARKS "Signer threads that sleep".)

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

/// A job for a worker thread.
type Job = Box<dyn FnOnce() + Send + 'static>;

/// The queue the threads take from.
#[derive(Default)]
struct Queue {
    state: Mutex<State>,
    ready: Condvar,
}

#[derive(Default)]
struct State {
    jobs: VecDeque<Job>,
    /// Threads waiting on `ready`.
    idle: usize,
    /// Set when the [`Workers`] is dropped: threads end once the queue is empty.
    closed: bool,
}

impl Queue {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A job runs outside the lock, so a panic never poisons it; recover anyway.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The next job, waiting for one; `None` when closed and empty.
    fn take(&self) -> Option<Job> {
        let mut s = self.lock();
        loop {
            if let Some(job) = s.jobs.pop_front() {
                return Some(job);
            }
            if s.closed {
                return None;
            }
            s.idle += 1;
            s = self.ready.wait(s).unwrap_or_else(|e| e.into_inner());
            s.idle -= 1;
        }
    }
}

/// A fixed set of named threads running jobs in the order they were given (each job on
/// whichever thread is free). Dropping it lets the threads finish the queued jobs and end.
pub(super) struct Workers {
    queue: Arc<Queue>,
}

impl Workers {
    /// Starts `threads` threads named `name(i)`. When one cannot be started, the ones already
    /// started end (the pool is dropped, which closes its queue).
    pub fn new(threads: usize, name: impl Fn(usize) -> String) -> std::io::Result<Workers> {
        let workers = Workers {
            queue: Arc::new(Queue::default()),
        };
        for i in 0..threads.max(1) {
            let q = workers.queue.clone();
            std::thread::Builder::new().name(name(i)).spawn(move || {
                while let Some(job) = q.take() {
                    // A job that panics must not take its thread with it (the pool's jobs
                    // catch their own panics; this is the backstop).
                    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                }
            })?;
        }
        Ok(workers)
    }

    /// Queues `job`; wakes a sleeping thread when there is one (a busy one takes the job when
    /// it is done).
    pub fn spawn(&self, job: impl FnOnce() + Send + 'static) {
        let mut s = self.queue.lock();
        s.jobs.push_back(Box::new(job));
        let wake = s.idle > 0;
        drop(s);
        if wake {
            self.queue.ready.notify_one();
        }
    }
}

impl Drop for Workers {
    fn drop(&mut self) {
        self.queue.lock().closed = true;
        self.queue.ready.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    #[test]
    fn every_job_runs_once_on_a_named_thread() {
        let w = Workers::new(2, |i| format!("t-{i}")).expect("threads");
        let (tx, rx) = mpsc::channel();
        for n in 0..1000u32 {
            let tx = tx.clone();
            w.spawn(move || {
                let name = std::thread::current().name().map(str::to_owned);
                tx.send((n, name)).expect("send");
            });
        }
        drop(tx);
        let mut got: Vec<(u32, Option<String>)> = rx.iter().take(1000).collect();
        got.sort();
        assert_eq!(got.len(), 1000);
        for (i, (n, name)) in got.iter().enumerate() {
            assert_eq!(*n, i as u32);
            assert!(
                name.as_deref().is_some_and(|s| s.starts_with("t-")),
                "{name:?}"
            );
        }
    }

    #[test]
    fn a_panicking_job_leaves_its_thread_working() {
        let w = Workers::new(1, |_| "one".into()).expect("thread");
        w.spawn(|| panic!("a job that fails"));
        let (tx, rx) = mpsc::channel();
        w.spawn(move || tx.send(7).expect("send"));
        assert_eq!(rx.recv_timeout(std::time::Duration::from_secs(10)), Ok(7));
    }

    #[test]
    fn queued_jobs_still_run_after_the_pool_is_dropped() {
        let (tx, rx) = mpsc::channel();
        {
            let w = Workers::new(1, |_| "one".into()).expect("thread");
            let (hold, held) = mpsc::channel::<()>();
            // The thread waits in the first job while the rest queue up behind it.
            w.spawn(move || {
                let _ = held.recv();
            });
            for n in 0..5 {
                let tx = tx.clone();
                w.spawn(move || tx.send(n).expect("send"));
            }
            drop(hold);
        }
        drop(tx);
        let got: Vec<i32> = rx.iter().collect();
        assert_eq!(got, vec![0, 1, 2, 3, 4]);
    }
}
