//! The admin operation on fair exchanges: the console's list of exchanges.

use super::ops::OpResult;
use super::proto::{ExchangeItem, ExchangeStatus, Reply};
use crate::model::time::rfc3339_ms;
use crate::notary::{ExchangeRecord, Notary};

/// Exchanges, undecided first (by deadline), then decided, newest first.
pub(super) fn exchanges(notary: &Notary, limit: u32) -> OpResult {
    let records = notary.exchanges(limit as usize)?;
    let items = records.iter().map(|r| item(notary, r)).collect();
    Ok(Reply::Exchanges { items })
}

fn item(notary: &Notary, r: &ExchangeRecord) -> ExchangeItem {
    let outcome = r.decision.as_ref().map(|d| d.verdict.outcome());
    ExchangeItem {
        tid: r.tid.clone(),
        protocol: r.protocol,
        originator: r.originator.clone(),
        originator_name: notary.party_name(&r.originator),
        responder: r.responder.clone(),
        responder_name: notary.party_name(&r.responder),
        status: match outcome {
            None => ExchangeStatus::Undecided,
            Some(o) if o.is_abort() => ExchangeStatus::Aborted,
            Some(_) => ExchangeStatus::Resolved,
        },
        outcome,
        deadline: rfc3339_ms(r.deadline),
        first_seen: rfc3339_ms(r.first_seen),
        decided_at: r.decision.as_ref().map(|d| rfc3339_ms(d.decided_at)),
        log_index: r.decision.as_ref().map(|d| d.log_index),
    }
}
