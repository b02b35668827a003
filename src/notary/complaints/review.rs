//! What an arbitrator sees beside a ruling before signing or confirming it, besides the ruling
//! itself: the amount of each guarantee its actions release or hold (s12 M1: the dialog showed
//! a 1.00 claim and "release guarantee 01a2…", not the 450.00 that release frees).

use std::collections::BTreeMap;

use crate::model::dispute::{Action, Ruling};
use crate::model::money::Money;
use crate::notary::state::State;
use crate::notary::{Notary, Shared};

/// The amount of each guarantee `ruling`'s actions release or hold, by id, under the state
/// lock `st`: what they move (the second-arbitrator rule) and what the arbitrator sees.
pub(super) fn guarantee_amounts(
    shared: &Shared,
    st: &State,
    ruling: &Ruling,
) -> BTreeMap<String, Money> {
    ruling
        .all_actions()
        .into_iter()
        .filter_map(Action::guarantee_id)
        .filter_map(|gid| {
            let g = super::file::guarantee(shared, st, gid).ok()?;
            Some((gid.to_string(), g.amount))
        })
        .collect()
}

impl Notary {
    /// The amount of each guarantee that `ruling`'s actions (the counter-claim's too) release
    /// or hold, by guarantee id, as this notary holds it; one it cannot find is left out (its
    /// action finds nothing either). Reads only.
    pub fn ruling_guarantee_amounts(&self, ruling: &Ruling) -> BTreeMap<String, Money> {
        let st = self.shared.state.lock();
        guarantee_amounts(&self.shared, &st, ruling)
    }

    /// The case whose signed ruling holds guarantee `gid` for its seller (the buyer ruled to
    /// pay under it), if any: an outstanding guarantee the expiry scan passes by.
    pub fn guarantee_holder(&self, gid: &str) -> Option<String> {
        let st = self.shared.state.lock();
        st.complaints.holding(gid).map(str::to_string)
    }
}
