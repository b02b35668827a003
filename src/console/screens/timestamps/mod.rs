//! Screen 2: recent timestamps, search, stamping.

pub mod view;
