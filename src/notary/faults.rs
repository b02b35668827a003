//! Faults a test can inject into the real binary, to check the fail-stop paths end to end
//! (tests/failstop.rs drives `notar serve` and `notar init` with them).
//!
//! They are read from the environment only in builds with `debug_assertions` (the test and dev
//! profiles, which `cargo test` builds the binary with). A release build compiles every hook
//! here to nothing, so no environment, however set, can make a production notary panic or fail
//! on purpose. The variables are named `NOTAR_TEST_*` so nobody sets them by accident.
//!
//! In-process tests can also make a synced store write fail (`Notary::fail_store_write_in`):
//! armed by a call, never by the environment, and compiled only with `debug_assertions` or the
//! `sim-faults` feature (for long simulation runs in release; never build a service with it).

/// Panics while staging the log entry at this index (after its job changed memory, before the
/// batch is durable).
#[cfg_attr(not(debug_assertions), allow(dead_code))]
pub const PANIC_AT_LOG_INDEX: &str = "NOTAR_TEST_PANIC_AT_LOG_INDEX";
/// Makes `notar init` fail after it wrote everything (keys, config, policies, database).
#[cfg_attr(not(debug_assertions), allow(dead_code))]
pub const FAIL_INIT: &str = "NOTAR_TEST_FAIL_INIT";

/// The injected panic, when the entry about to be staged is at `index`.
#[cfg(debug_assertions)]
pub(crate) fn panic_if_staging_at(index: u64) {
    static AT: std::sync::OnceLock<Option<u64>> = std::sync::OnceLock::new();
    let at = AT.get_or_init(|| std::env::var(PANIC_AT_LOG_INDEX).ok()?.parse().ok());
    if *at == Some(index) {
        panic!("injected by {PANIC_AT_LOG_INDEX}={index} (a test)");
    }
}

/// Release builds: nothing.
#[cfg(not(debug_assertions))]
#[inline(always)]
pub(crate) fn panic_if_staging_at(_index: u64) {}

/// The injected failure at the end of `notar init`.
#[cfg(debug_assertions)]
pub(crate) fn init_fails() -> bool {
    std::env::var_os(FAIL_INIT).is_some()
}

/// Release builds: never.
#[cfg(not(debug_assertions))]
#[inline(always)]
pub(crate) fn init_fails() -> bool {
    false
}

/// Injected store failures, for the simulation tests (tests/ledger_model.rs,
/// tests/exchange_notary.rs): compiled only with `debug_assertions` or the `sim-faults` feature,
/// armed only by code in the same process; a release service has no way to reach them.
#[cfg(any(debug_assertions, feature = "sim-faults"))]
impl super::Notary {
    /// Makes the `nth` synced batch write from now (1 = the next) fail as a disk error would,
    /// writing nothing: the notary must then fail-stop and answer none of that batch's commands.
    /// A notary opened anew on the same data dir starts disarmed. 0 disarms.
    pub fn fail_store_write_in(&self, nth: u64) {
        self.shared.store.fail_write_in(nth);
    }
}
