//! Screen 3: checkpoints, entries, inclusion proofs.

pub mod verify;
pub mod view;
