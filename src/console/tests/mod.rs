//! The console's tests that drive it as a whole: keys to actions to state, without a terminal or
//! a socket, and the fixed fake data they (and the snapshot tests) use.

mod agreements;
pub mod fixtures;
mod flows;
