//! Screen 1: who the notary is and how it is doing. It keeps no state of its own: it shows the
//! handshake and the polled status (figures, counts since the notary started, activity).

mod activity;
pub mod update;
pub mod view;
