//! Step 1, time bounds: when could each admitted item have been signed?
//!
//! The latest possible signing time is the earliest of: the notary's own time on an item it
//! signed, an RFC 3161 timestamp over the item's digest (plus its accuracy), and the latest
//! signing time of any later item that embeds the item's digest (the notary's ingest of an order
//! is such an item: the guarantee or refusal embeds it). The earliest possible signing time is
//! the latest of the earliest times of the items it embeds: embedding a notary-logged nonce or
//! checkpoint root proves "signed after". A party's own claimed time proves nothing.

use std::collections::{BTreeMap, HashMap};

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

/// A bound at `at` by `rule_id`, proven by the item `by`, not yet made: [`improve`] makes it
/// only when it wins (a pass of [`relax`] mostly finds nothing better).
#[derive(Clone, Copy)]
struct Cand<'a> {
    at: WireTime,
    rule_id: &'a str,
    by: &'a str,
}

fn bound<'a>(at: WireTime, rule_id: &'static str, by: &'a str) -> Cand<'a> {
    Cand { at, rule_id, by }
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
fn improve(slot: &mut Option<Bound>, cand: Cand<'_>, later: bool) -> bool {
    let better = match slot {
        None => true,
        Some(cur) => {
            if cand.at == cur.at {
                (rank(cand.rule_id), cand.by) < (rank(&cur.rule_id), cur.by.as_str())
            } else {
                (cand.at > cur.at) == later
            }
        }
    };
    if better {
        *slot = Some(Bound {
            at: cand.at,
            rule_id: cand.rule_id.to_string(),
            by: cand.by.to_string(),
        });
    }
    better
}

/// The bounds of every admitted item (`admitted` distinct by id), keyed by the items' own ids
/// (borrowed: a large case's ids are not copied). Items are addressed by their position and
/// each embedding resolved once, so the passes of [`relax`] look nothing up by id.
pub(super) fn bounds<'a>(admitted: &[&'a Item]) -> BTreeMap<&'a str, Bounds> {
    let at: HashMap<&str, usize> = admitted
        .iter()
        .enumerate()
        .map(|(n, i)| (i.id.as_str(), n))
        .collect();
    let mut out = vec![Bounds::default(); admitted.len()];
    for (n, item) in admitted.iter().enumerate() {
        seed(n, item, &at, &mut out);
    }
    // (embedder, embedded), in the order of the items and of their embeddings.
    let edges: Vec<(usize, usize)> = admitted
        .iter()
        .enumerate()
        .flat_map(|(w, item)| {
            let at = &at;
            item.embeds
                .iter()
                .filter(move |x| **x != item.id)
                .filter_map(move |x| at.get(x.as_str()).map(|&x| (w, x)))
        })
        .collect();
    // Each pass carries bounds one embedding further; a chain is at most as long as the items.
    for _ in 0..=admitted.len() {
        if !relax(admitted, &edges, &mut out) {
            break;
        }
    }
    admitted
        .iter()
        .zip(out)
        .map(|(i, b)| (i.id.as_str(), b))
        .collect()
}

/// The bounds item `n` proves by itself: the notary's time, a timestamp's window.
fn seed(n: usize, item: &Item, at: &HashMap<&str, usize>, out: &mut [Bounds]) {
    let id = item.id.as_str();
    if let Some(t) = item.content.notary_time() {
        let b = &mut out[n];
        improve(&mut b.earliest, bound(t, "T.notary_time", id), true);
        improve(&mut b.latest, bound(t, "T.notary_time", id), false);
    }
    if let Content::Timestamp {
        digest,
        gen_time,
        accuracy_ms,
    } = &item.content
    {
        let acc = (*accuracy_ms).max(0);
        let b = &mut out[n];
        if let Some(e) = shift(*gen_time, -acc) {
            improve(&mut b.earliest, bound(e, "T.notary_time", id), true);
        }
        if let Some(l) = shift(*gen_time, acc) {
            improve(&mut b.latest, bound(l, "T.notary_time", id), false);
        }
        if let (Some(&covered), Some(l)) = (at.get(digest.as_str()), shift(*gen_time, acc)) {
            if digest != id {
                improve(&mut out[covered].latest, bound(l, "T.timestamp", id), false);
            }
        }
    }
}

/// One pass over the embeddings `(w, x)`: an embedder's latest bounds what it embeds; an
/// embedded item's earliest bounds its embedder. Returns whether anything changed.
fn relax(admitted: &[&Item], edges: &[(usize, usize)], out: &mut [Bounds]) -> bool {
    let mut changed = false;
    for &(w, x) in edges {
        if let Some(at) = out[w].latest.as_ref().map(|l| l.at) {
            let by = &admitted[w].id;
            changed |= improve(&mut out[x].latest, bound(at, "T.embedded_by", by), false);
        }
        if let Some(at) = out[x].earliest.as_ref().map(|e| e.at) {
            let by = &admitted[x].id;
            changed |= improve(&mut out[w].earliest, bound(at, "T.freshness", by), true);
        }
    }
    changed
}
