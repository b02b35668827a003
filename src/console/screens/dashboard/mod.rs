//! Screen 1: who the notary is and how it is doing. It keeps no state of its own: it shows the
//! handshake, the polled status, and the counts of the agreements screen's guarantee feed.

pub mod update;
pub mod view;
