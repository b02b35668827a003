//! Step 1, time bounds: when could each admitted item have been signed?
//!
//! The latest possible signing time is the earliest of: the notary's own time on an item it
//! signed, an RFC 3161 timestamp over the item's digest (plus its accuracy), and the latest
//! signing time of any later item that embeds the item's digest (the notary's ingest of an order
//! is such an item: the guarantee or refusal embeds it). The earliest possible signing time is
//! the latest of the earliest times of the items it embeds: embedding a notary-logged nonce or
//! checkpoint root proves "signed after". A party's own claimed time proves nothing.

use std::collections::BTreeMap;

use chrono::TimeDelta;

use super::ruling::Bound;
use super::types::{Content, Item};
use crate::model::exchange::WireTime;

/// Both ends for one item.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct Bounds {
    /// Signed no earlier than this.
    pub earliest: Option<Bound>,
    /// Signed no later than this.
    pub latest: Option<Bound>,
}

/// How strongly a rule proves a bound, to break ties between equal instants.
fn rank(rule_id: &str) -> u8 {
    match rule_id {
        "T.notary_time" => 0,
        "T.timestamp" => 1,
        _ => 2,
    }
}

fn bound(at: WireTime, rule_id: &str, by: &str) -> Bound {
    Bound {
        at,
        rule_id: rule_id.to_string(),
        by: by.to_string(),
    }
}

/// `t` moved by `ms` milliseconds, if it stays in range.
fn shift(t: WireTime, ms: i64) -> Option<WireTime> {
    let moved = t
        .at()
        .checked_add_signed(TimeDelta::try_milliseconds(ms)?)?;
    WireTime::new(moved)
}

/// Replaces `slot` by `cand` if `cand` is earlier (`later` false) or later (`later` true); ties
/// go to the stronger rule, then the smaller item id. Returns whether it changed.
fn improve(slot: &mut Option<Bound>, cand: Bound, later: bool) -> bool {
    let better = match slot {
        None => true,
        Some(cur) => {
            let key = |b: &Bound| (rank(&b.rule_id), b.by.clone());
            if cand.at == cur.at {
                key(&cand) < key(cur)
            } else {
                (cand.at > cur.at) == later
            }
        }
    };
    if better {
        *slot = Some(cand);
    }
    better
}

/// The bounds of every admitted item (`admitted` sorted by id, distinct).
pub(super) fn bounds(admitted: &[&Item]) -> BTreeMap<String, Bounds> {
    let mut out: BTreeMap<String, Bounds> = admitted
        .iter()
        .map(|i| (i.id.clone(), Bounds::default()))
        .collect();
    for item in admitted {
        seed(item, &mut out);
    }
    // Each pass carries bounds one embedding further; a chain is at most as long as the items.
    for _ in 0..=admitted.len() {
        if !relax(admitted, &mut out) {
            break;
        }
    }
    out
}

/// The bounds an item proves by itself: the notary's time, a timestamp's window.
fn seed(item: &Item, out: &mut BTreeMap<String, Bounds>) {
    let id = item.id.as_str();
    if let Some(t) = item.content.notary_time() {
        if let Some(b) = out.get_mut(id) {
            improve(&mut b.earliest, bound(t, "T.notary_time", id), true);
            improve(&mut b.latest, bound(t, "T.notary_time", id), false);
        }
    }
    if let Content::Timestamp {
        digest,
        gen_time,
        accuracy_ms,
    } = &item.content
    {
        let acc = (*accuracy_ms).max(0);
        if let Some(b) = out.get_mut(id) {
            if let Some(e) = shift(*gen_time, -acc) {
                improve(&mut b.earliest, bound(e, "T.notary_time", id), true);
            }
            if let Some(l) = shift(*gen_time, acc) {
                improve(&mut b.latest, bound(l, "T.notary_time", id), false);
            }
        }
        if let (Some(covered), Some(l)) = (out.get_mut(digest.as_str()), shift(*gen_time, acc)) {
            if digest != id {
                improve(&mut covered.latest, bound(l, "T.timestamp", id), false);
            }
        }
    }
}

/// One pass: an embedder's latest bounds what it embeds; an embedded item's earliest bounds its
/// embedder. Returns whether anything changed.
fn relax(admitted: &[&Item], out: &mut BTreeMap<String, Bounds>) -> bool {
    let mut changed = false;
    for w in admitted {
        for x in &w.embeds {
            if *x == w.id || !out.contains_key(x.as_str()) {
                continue;
            }
            let w_latest = out.get(&w.id).and_then(|b| b.latest.clone());
            if let (Some(l), Some(bx)) = (w_latest, out.get_mut(x.as_str())) {
                changed |= improve(&mut bx.latest, bound(l.at, "T.embedded_by", &w.id), false);
            }
            let x_earliest = out.get(x.as_str()).and_then(|b| b.earliest.clone());
            if let (Some(e), Some(bw)) = (x_earliest, out.get_mut(&w.id)) {
                changed |= improve(&mut bw.earliest, bound(e.at, "T.freshness", x), true);
            }
        }
    }
    changed
}
