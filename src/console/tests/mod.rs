//! The console's tests that drive it as a whole: keys to actions to state, without a terminal or
//! a socket; the fixed fake data they (and the snapshot tests) use; and the check that its
//! files import each other without a cycle.

mod agreements;
pub mod fixtures;
mod flows;
mod imports;
