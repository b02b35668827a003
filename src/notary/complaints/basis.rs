//! What a ruling rests on that can change between the replay an arbitrator signs and the
//! moment the sequencer records it: a guarantee the bundle shows outstanding gets settled or
//! released, an exchange it shows undecided gets decided, the respondent's answer or silence
//! arrives, a key of the parties is revoked. The replay runs off the sequencer (it is long), so
//! any of these can commit in between; a ruling signed then would decide on evidence the
//! notary's own records have overtaken (a buyer who paid through a settlement that landed
//! meanwhile got no refund, and could not complain again). [`Basis::changed`] compares, under
//! the state lock, the bundle's view with the notary's state; any difference refuses the
//! ruling (`409 ruling_changed`), and the arbitrator replays again.

use std::collections::BTreeSet;

use super::ComplaintRecord;
use crate::model::dispute::Content;
use crate::model::exchange::{ExchangeState, Sha256Hex, Tid};
use crate::notary::state::State;
use crate::replay::{Answered, Replay};

/// The bundle's view of what can still change.
#[derive(Clone, Debug, Default)]
pub(super) struct Basis {
    /// Guarantees the bundle shows outstanding (no settlement, release or ruling closing them).
    open: Vec<String>,
    /// Exchanges the bundle holds items of but no decision token.
    undecided: Vec<String>,
    /// The bundle shows the respondent's answer or silence.
    answered: bool,
    /// The parties whose keys the bundle's registry holds.
    parties: BTreeSet<String>,
    /// Their keys the bundle shows revoked.
    revoked: BTreeSet<String>,
}

impl Basis {
    /// What `r` (a replay of the notary's own bundle) shows.
    pub fn of(r: &Replay) -> Basis {
        let open = r
            .registry
            .guarantees
            .iter()
            .filter(|g| g.ended_at.is_none());
        let decided: BTreeSet<&str> = r
            .items
            .iter()
            .filter(|i| is_decision(&i.content))
            .filter_map(|i| i.content.tid())
            .collect();
        let tids = r.items.iter().filter_map(|i| i.content.tid());
        let mut undecided: Vec<String> = tids
            .filter(|t| !decided.contains(t))
            .map(str::to_string)
            .collect();
        undecided.sort();
        undecided.dedup();
        let keys = &r.registry.keys;
        let mut parties: BTreeSet<String> = keys.iter().map(|k| k.party_id.clone()).collect();
        parties.extend([r.claim.claimant.clone(), r.claim.respondent.clone()]);
        Basis {
            open: open.map(|g| g.id.clone()).collect(),
            undecided,
            answered: r.report.answer.shown != Answered::NotShown,
            parties,
            revoked: keys
                .iter()
                .filter(|k| k.revocation.is_some())
                .map(|k| k.key_id.clone())
                .collect(),
        }
    }

    /// Under the state lock, with the case's current `record`: what changed since the bundle
    /// was made, said for the arbitrator; `None` when nothing did.
    pub fn changed(&self, st: &State, record: &ComplaintRecord) -> Option<String> {
        if let Some(g) = self
            .open
            .iter()
            .find(|g| st.ledger.outstanding(g).is_none())
        {
            return Some(format!("guarantee {g} was settled or released"));
        }
        let decided = |t: &String| {
            let tid = Sha256Hex::try_from(t.clone()).ok().map(Tid::from);
            let state = tid.as_ref().and_then(|tid| st.exchanges.get(tid));
            matches!(state, Some(ExchangeState::Decided(_)))
        };
        if let Some(t) = self.undecided.iter().find(|t| decided(t)) {
            return Some(format!("exchange {t} was decided"));
        }
        let answered = record.response_receipt.is_some() || record.silence.is_some();
        if answered != self.answered {
            return Some("the respondent's answer or silence was recorded".into());
        }
        let revoked: BTreeSet<String> = st
            .keys
            .values()
            .filter(|k| self.parties.contains(&k.party_id) && k.revocation.is_some())
            .map(|k| k.key_id.clone())
            .collect();
        if revoked != self.revoked {
            return Some("a key of the parties was revoked".into());
        }
        None
    }
}

/// A notary token deciding an exchange.
fn is_decision(c: &Content) -> bool {
    matches!(
        c,
        Content::AbortToken { .. }
            | Content::ReplacementContract { .. }
            | Content::DeliveryAffidavit { .. }
            | Content::EscrowFailure { .. }
    )
}
