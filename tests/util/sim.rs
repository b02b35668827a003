//! What the simulation tests (tests/ledger_model.rs, tests/exchange_notary.rs) share: cheap
//! throwaway data dirs on tmpfs, one initialised template copied per case, and the case count.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use notar::notary::fixture::ClockedDataDir;

/// Cases per property when `PROPTEST_CASES` is not set: what CI runs.
pub const DEFAULT_CASES: u32 = 1_000;

/// The number of cases to run: `PROPTEST_CASES` when set (as proptest's own default config
/// reads it), else `default`.
pub fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

/// A temporary directory for a throwaway notary, on tmpfs (`/dev/shm`) when the machine has
/// one (a synced write there costs no disk flush), else in the system's temp dir.
pub fn scratch_dir() -> tempfile::TempDir {
    let shm = Path::new("/dev/shm");
    if shm.is_dir() {
        if let Ok(t) = tempfile::Builder::new()
            .prefix("notar-sim-")
            .tempdir_in(shm)
        {
            return t;
        }
    }
    tempfile::Builder::new()
        .prefix("notar-sim-")
        .tempdir()
        .expect("a temp dir")
}

/// A template data dir, made once per test (init and whatever setup every case shares) and
/// copied for every case; `S` is what the setup learnt (ids, keys). Removed when dropped.
pub struct Template<S> {
    data: PathBuf,
    /// What the setup made.
    pub setup: S,
    _place: tempfile::TempDir,
}

impl<S> Template<S> {
    /// Initialises a data dir on the clock `t0` and runs `make` on it (on `rt`); `make` must
    /// have closed every notary it opened (sequencer joined) when it returns.
    pub fn new<F>(rt: &tokio::runtime::Runtime, t0: DateTime<Utc>, make: F) -> Template<S>
    where
        F: AsyncFnOnce(&ClockedDataDir<PathBuf>) -> S,
    {
        let place = scratch_dir();
        let w = rt
            .block_on(ClockedDataDir::init(place.path().to_path_buf(), "sim", t0))
            .expect("init");
        let setup = rt.block_on(make(&w));
        Template {
            data: w.dir.root().to_path_buf(),
            setup,
            _place: place,
        }
    }

    /// A fresh copy for one case, its clock at `t0`.
    pub fn copy(&self, t0: DateTime<Utc>) -> ClockedDataDir<tempfile::TempDir> {
        ClockedDataDir::copy_of(&self.data, scratch_dir(), t0).expect("copy of the template")
    }
}

/// A proptest runner of `cases` cases whose random choices all come from `seed`, so a printed
/// seed replays the same cases (`NOTAR_SIM_SEED`); no failure files are written.
pub fn seeded_runner(cases: u32, seed: u64) -> proptest::test_runner::TestRunner {
    use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
    let config = Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    };
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &bytes))
}

/// Counts the cases of a long run and says every [`Progress::EVERY`] cases how far it got, so a
/// run cut short still records something.
pub struct Progress {
    name: &'static str,
    started: std::time::Instant,
    done: std::cell::Cell<u64>,
}

impl Progress {
    /// Cases between two progress lines.
    pub const EVERY: u64 = 5_000;

    /// A count from now, its lines starting with `name`.
    pub fn new(name: &'static str) -> Progress {
        Progress {
            name,
            started: std::time::Instant::now(),
            done: std::cell::Cell::new(0),
        }
    }

    /// One more case; prints `NAME: N cases in T` and `more()` when N is a multiple of
    /// [`Progress::EVERY`]. Returns N.
    pub fn tick(&self, more: impl FnOnce() -> String) -> u64 {
        let n = self.done.get() + 1;
        self.done.set(n);
        if n.is_multiple_of(Self::EVERY) {
            eprintln!("{}: {n} cases in {:?}{}", self.name, self.elapsed(), more());
        }
        n
    }

    /// Time since [`Progress::new`].
    pub fn elapsed(&self) -> std::time::Duration {
        self.started.elapsed()
    }
}
