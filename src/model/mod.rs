//! Pure rules and types: no I/O, no clock, no randomness. Everything that decides lives here.

pub mod canonical;
pub mod complaint;
pub mod dispute;
pub mod entry;
pub mod error_code;
pub mod exchange;
pub mod ledger;
pub mod money;
pub mod policy;
pub mod registry;
pub mod text;
pub mod time;
pub mod unique_keys;
