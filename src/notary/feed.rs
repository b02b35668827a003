//! Reads for the console's live view of the ledger: recent guarantee events taken from the log
//! itself (so the feed shows exactly what was signed), the names of the parties it mentions, and
//! the known policy versions.

use std::collections::HashMap;

use serde_json::Value;

use super::{Notary, NotaryError};
use crate::model::entry::{EntryKind, LogEntry};
use crate::model::policy::Policy;
use crate::store::Cf;

/// Most log entries looked at to fill one feed.
const FEED_SCAN_MAX: usize = 4096;

/// One guarantee event as signed.
#[derive(Clone, Debug)]
pub struct FeedEvent {
    /// Log index.
    pub index: u64,
    /// Guarantee, refusal, settlement or release.
    pub kind: EntryKind,
    /// When logged.
    pub logged_at: String,
    /// The signed payload.
    pub payload: Value,
}

impl Notary {
    /// The most recent guarantee events, newest first.
    pub fn ledger_feed(&self, limit: usize) -> Result<Vec<FeedEvent>, NotaryError> {
        let mut out = Vec::new();
        for (key, raw) in self.shared.store.last(Cf::LogLeaves, FEED_SCAN_MAX)? {
            if out.len() >= limit {
                break;
            }
            let Ok(entry) = serde_json::from_slice::<LogEntry>(&raw) else {
                continue;
            };
            if !matches!(
                entry.kind,
                EntryKind::Guarantee
                    | EntryKind::Refusal
                    | EntryKind::Settlement
                    | EntryKind::Release
            ) {
                continue;
            }
            let index = <[u8; 8]>::try_from(key.as_slice())
                .map(u64::from_be_bytes)
                .unwrap_or(0);
            out.push(FeedEvent {
                index,
                kind: entry.kind,
                logged_at: entry.logged_at,
                payload: entry.body.get("payload").cloned().unwrap_or(Value::Null),
            });
        }
        Ok(out)
    }

    /// Every known policy version, by id and version.
    pub fn policies(&self) -> Vec<Policy> {
        self.shared.state.lock().policies.all().cloned().collect()
    }

    /// The display names of the parties among `ids` that are registered, by id (one look at
    /// the registry for a whole listing).
    pub fn party_names<'a>(
        &self,
        ids: impl IntoIterator<Item = &'a str>,
    ) -> HashMap<String, String> {
        let st = self.shared.state.lock();
        ids.into_iter()
            .filter_map(|id| st.parties.get(id).map(|p| (id.to_string(), p.name.clone())))
            .collect()
    }

    /// Number of guarantees granted per second over the last seconds (x1000), and since start.
    pub fn guarantee_rate(&self) -> (u64, u64) {
        (
            self.shared.guarantee_rate.per_s_milli(),
            self.shared.guarantee_rate.total(),
        )
    }
}
