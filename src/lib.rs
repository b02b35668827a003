//! notar: the service and console of a trusted third party for electronic commerce, after SEMPER.
//!
//! Layers depend downward only: `model` (pure rules) <- `crypto`, `log`, `store` <- `notary`
//! (the one owner of state changes) <- `api`, `console`, `cli`. See `docs/architecture.md`.
#![forbid(unsafe_code)]

/// The allocator: mimalloc, for every binary that links notar (the service, its tests and
/// benchmarks). The replay and the sequencer allocate and free many small JSON values across
/// threads, where glibc's malloc measured a tenth to a quarter of the time. Not under the
/// fuzzer, whose sanitizer watches the system allocator.
#[cfg(not(any(fuzzing, feature = "alloc-count")))]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// With the `alloc-count` feature (for measuring only): the system allocator, counted, so that
/// `notar bench` can report allocations per request. Counts do not depend on the allocator.
#[cfg(all(not(fuzzing), feature = "alloc-count"))]
#[global_allocator]
static ALLOCATOR: &stats_alloc::StatsAlloc<std::alloc::System> = &stats_alloc::INSTRUMENTED_SYSTEM;

pub mod alloc_count;
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
