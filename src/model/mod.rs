//! Pure rules and types: no I/O, no clock, no randomness. Everything that decides lives here.

pub mod canonical;
pub mod entry;
pub mod time;
