//! The console's screens, one module each: its state, its transitions and its view.

pub mod agreements;
pub mod dashboard;
pub mod log;
pub mod timestamps;
