//! notar: the service and console of a trusted third party for electronic commerce, after SEMPER.
//!
//! Layers depend downward only: `model` (pure rules) <- `crypto`, `log`, `store` <- `notary`
//! (the one owner of state changes) <- `api`, `console`, `cli`. See `docs/architecture.md`.
#![forbid(unsafe_code)]

/// The allocator: mimalloc, for every binary that links notar (the service, its tests and
/// benchmarks). The replay and the sequencer allocate and free many small JSON values across
/// threads, where glibc's malloc measured a tenth to a quarter of the time. Not under the
/// fuzzer, whose sanitizer watches the system allocator.
#[cfg(not(fuzzing))]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

pub mod api;
pub mod cli;
pub mod console;
pub mod crypto;
pub mod log;
pub mod model;
pub mod notary;
pub mod replay;
pub mod store;

#[cfg(test)]
mod fuzz_seeds_tests;
