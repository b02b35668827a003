//! Faults a test can inject into the real binary, to check the fail-stop paths end to end
//! (tests/failstop.rs drives `notar serve` and `notar init` with them).
//!
//! They are read from the environment only in builds with `debug_assertions` (the test and dev
//! profiles, which `cargo test` builds the binary with). A release build compiles every hook
//! here to nothing, so no environment, however set, can make a production notary panic or fail
//! on purpose. The variables are named `NOTAR_TEST_*` so nobody sets them by accident.

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
