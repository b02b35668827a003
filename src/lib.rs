//! notar: the service and console of a trusted third party for electronic commerce, after SEMPER.
//!
//! Layers depend downward only: `model` (pure rules) <- `crypto`, `log`, `store` <- `notary`
//! (the one owner of state changes) <- `api`, `console`, `cli`. See `docs/architecture.md`.
#![forbid(unsafe_code)]

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
