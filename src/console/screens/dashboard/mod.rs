//! Screen 1: who the notary is and how it is doing.

pub mod view;
