//! Questions about the order: Q1 a valid order, Q2 the key's status when it was signed, Q3 the
//! guarantee that covers it, Q4 the caps and headroom at its time.

use chrono::{DateTime, Utc};

use super::case::{finding, Case};
use super::ruling::{Finding, Question};
use super::types::{ClaimSubject, Content, GuaranteeRecord, Item};
use crate::model::policy::UncoveredRule;
use crate::model::time::rfc3339_ms;

/// The key's status when the order was signed (Q2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum KeyAt {
    /// The key was never revoked.
    NotRevoked,
    /// Signed before the revocation was registered.
    Before,
    /// Signed at or after it.
    After,
    /// The bounds straddle the revocation (or are missing).
    Undetermined,
}

/// The guarantee over the order (Q3).
#[derive(Clone, Copy, Debug)]
pub(super) struct Cover<'a> {
    pub item: &'a Item,
    /// Issued while the key stood revoked: the notary's error.
    pub after_revocation: bool,
}

/// The order the claim is about, by its subject.
fn subject_order<'a>(case: &Case<'a>) -> Option<&'a Item> {
    let is_order = |i: &Item| matches!(i.content, Content::Order { .. });
    match &case.claim.subject {
        ClaimSubject::Order(id) => case.find(|i| i.id == *id && is_order(i)),
        ClaimSubject::Tid(tid) => case.find(|i| is_order(i) && i.content.tid() == Some(tid)),
        ClaimSubject::Guarantee(gid) => {
            let g = case.find(|i| {
                matches!(&i.content, Content::Guarantee { guarantee_id, .. } if guarantee_id == gid)
            })?;
            case.find(|i| is_order(i) && Case::embeds(g, &i.id))
        }
    }
}

/// Q1: an admitted order, signed by the agreement's buyer with one of its keys, in the claim's
/// currency. Returns the valid order, and the order of the transaction: the valid one, or the
/// subject order between the claim's parties, on their sides, that fails only as an order
/// under the agreement (another agreement or key, another currency). It binds nothing, but it
/// is still the deal whose goods Q5 and whose time Q8 are about: a receipt of its goods shows
/// them delivered.
pub(super) fn q1<'a>(case: &Case<'a>) -> (Finding, Option<&'a Item>, Option<&'a Item>) {
    let Some(o) = subject_order(case) else {
        return (no_order(case), None, None);
    };
    let Content::Order {
        buyer,
        seller,
        amount,
        agreement,
        ..
    } = &o.content
    else {
        return (no_order(case), None, None);
    };
    let key = o.facts.signer.clone().unwrap_or_default();
    let ag = case.agreement;
    let c = case.claim;
    let parties = [c.claimant.as_str(), c.respondent.as_str()];
    let (rule, answer) =
        if !parties.contains(&buyer.as_str()) || !parties.contains(&seller.as_str()) {
            (
                "Q1.other_parties",
                format!("the order is between {buyer} and {seller}, not the parties to the claim"),
            )
        } else if let Some(answer) = c.kind.wrong_side(&c.claimant, buyer, seller) {
            ("Q1.wrong_side", answer)
        } else if *agreement != ag.id || *buyer != ag.buyer_id {
            (
                "Q1.not_under_agreement",
                format!("the order is not under agreement {}", ag.id),
            )
        } else if !ag.keys.contains(&key) {
            (
                "Q1.key_not_in_agreement",
                format!("key {key} may not sign orders under the agreement"),
            )
        } else if amount.currency != ag.currency {
            (
                "Q1.currency_mismatch",
                format!(
                    "the order is in {}, the agreement's caps in {}",
                    amount.currency, ag.currency
                ),
            )
        } else if amount.currency != case.claim.amount.currency {
            (
                "Q1.currency_mismatch",
                format!("the order is in {}", amount.currency),
            )
        } else {
            (
                "Q1.valid",
                format!("order of {amount} signed by {buyer} with key {key}"),
            )
        };
    let valid = rule == "Q1.valid";
    let of_parties = !matches!(rule, "Q1.other_parties" | "Q1.wrong_side");
    (
        finding(Question::Q1, rule, answer, &[&o.id]),
        valid.then_some(o),
        of_parties.then_some(o),
    )
}

/// Q1 without an admissible subject order; a claim about a guarantee says that none of it
/// was admissible to name one.
fn no_order(case: &Case) -> Finding {
    let answer = match &case.claim.subject {
        ClaimSubject::Guarantee(gid)
            if case
                .find(|i| matches!(&i.content, Content::Guarantee { guarantee_id, .. } if guarantee_id == gid))
                .is_none() =>
        {
            format!("no admissible order: no admissible guarantee {gid} names one")
        }
        _ => "no admissible order".to_string(),
    };
    finding(Question::Q1, "Q1.no_order", answer, &[])
}

/// Q2: the key's status at signing, from the order's bounds against the revocation's
/// registration time.
pub(super) fn q2(case: &Case, order: Option<&Item>) -> (Finding, KeyAt) {
    let Some(o) = order else {
        return (
            finding(Question::Q2, "Q2.not_applicable", "no valid order", &[]),
            KeyAt::Undetermined,
        );
    };
    let key = o.facts.signer.as_deref().and_then(|k| case.registry.key(k));
    let Some(r) = key.and_then(|k| k.revocation.as_ref()) else {
        return (
            finding(
                Question::Q2,
                "Q2.not_revoked",
                "the key was never revoked",
                &[&o.id],
            ),
            KeyAt::NotRevoked,
        );
    };
    let revoked = rfc3339_ms(r.registered_at);
    if let Some(l) = case.latest(&o.id).filter(|l| l.at.at() < r.registered_at) {
        let answer = format!(
            "signed by {} at the latest, before the revocation registered at {revoked}",
            rfc3339_ms(l.at.at())
        );
        return (
            finding(
                Question::Q2,
                "Q2.before_revocation",
                answer,
                &[&o.id, &l.by],
            ),
            KeyAt::Before,
        );
    }
    if let Some(e) = case
        .earliest(&o.id)
        .filter(|e| e.at.at() >= r.registered_at)
    {
        let answer = format!(
            "signed at {} at the earliest, after the revocation registered at {revoked}",
            rfc3339_ms(e.at.at())
        );
        return (
            finding(Question::Q2, "Q2.after_revocation", answer, &[&o.id, &e.by]),
            KeyAt::After,
        );
    }
    (undetermined(case, o, &revoked), KeyAt::Undetermined)
}

/// Q2 when the bounds do not decide: the bounds there are straddle the revocation registered at
/// `revoked`; they are cited, they are why.
fn undetermined(case: &Case, o: &Item, revoked: &str) -> Finding {
    let (e, l) = (case.earliest(&o.id), case.latest(&o.id));
    let time = |b: Option<&super::ruling::Bound>| b.map(|b| rfc3339_ms(b.at.at()));
    let answer = match (time(e), time(l)) {
        (Some(e), Some(l)) => format!(
            "signed between {e} and {l}, a span that holds the revocation registered at {revoked}: \
             nothing shows whether it was signed before it"
        ),
        (Some(e), None) => format!(
            "signed at {e} at the earliest, and nothing bounds it later: nothing shows whether \
             it was signed before the revocation registered at {revoked}"
        ),
        (None, Some(l)) => format!(
            "signed by {l} at the latest, and nothing bounds it earlier: nothing shows whether \
             it was signed before the revocation registered at {revoked}"
        ),
        (None, None) => format!(
            "nothing shows whether it was signed before the revocation registered at {revoked}"
        ),
    };
    let mut ids = vec![o.id.as_str()];
    ids.extend(e.iter().chain(l.iter()).map(|b| b.by.as_str()));
    finding(Question::Q2, "Q2.undetermined", answer, &ids)
}

/// Q3, said when it applies: the covering guarantee is held for its seller by an earlier
/// case's ruling among the items, which is why this ruling neither releases nor holds it (s9
/// F3: the replay dropped the release without a word).
pub(super) fn q3_held(case: &Case, cover: Option<&Cover>) -> Option<Finding> {
    let Content::Guarantee { guarantee_id, .. } = &cover?.item.content else {
        return None;
    };
    if case
        .find(|i| i.content.closing_of(guarantee_id).is_some())
        .is_some()
    {
        // Settled or released since: the hold is over (s9b N6: it said "stays outstanding").
        return None;
    }
    let ruling = case.find(|i| i.content.holds(guarantee_id))?;
    let answer = format!(
        "guarantee {guarantee_id} is held for its seller by an earlier case's ruling: it stays \
         outstanding until the seller settles or releases it, and this ruling neither releases \
         nor holds it again"
    );
    Some(finding(
        Question::Q3,
        "Q3.held_by_ruling",
        answer,
        &[&ruling.id],
    ))
}

/// Q3: a guarantee the notary issued over the order, or its refusal.
pub(super) fn q3<'a>(case: &Case<'a>, order: Option<&Item>) -> (Finding, Option<Cover<'a>>) {
    let Some(o) = order else {
        return (
            finding(Question::Q3, "Q3.not_applicable", "no valid order", &[]),
            None,
        );
    };
    let g = case.find(|i| matches!(i.content, Content::Guarantee { .. }) && Case::embeds(i, &o.id));
    if let Some(
        g @ Item {
            content:
                Content::Guarantee {
                    guarantee_id,
                    issued_at,
                    ..
                },
            ..
        },
    ) = g
    {
        let key = o.facts.signer.as_deref().and_then(|k| case.registry.key(k));
        let revoked_at = key
            .and_then(|k| k.revocation.as_ref())
            .map(|r| r.registered_at);
        let after = revoked_at.is_some_and(|r| r <= issued_at.at());
        let (rule, answer) = if after {
            ("Q3.issued_after_revocation", format!("guarantee {guarantee_id} was issued after the key's revocation: the notary's error"))
        } else {
            (
                "Q3.valid",
                format!("guarantee {guarantee_id} covers the order"),
            )
        };
        if let Some(r) = released_before_filing(case, guarantee_id) {
            let answer = format!(
                "guarantee {guarantee_id} was released before the claim was filed: it no longer covers the order"
            );
            return (
                finding(Question::Q3, "Q3.released", answer, &[&g.id, &r.id]),
                None,
            );
        }
        let cover = Cover {
            item: g,
            after_revocation: after,
        };
        // A release after the filing (by the seller, at expiry, an earlier ruling) is cited: it
        // leaves the claim as it was filed, but a reader should see it was not overlooked.
        if let Some(r) = released_after_filing(case, guarantee_id) {
            let answer = format!(
                "{answer}; its release after the claim was filed leaves the claim as it was filed"
            );
            return (
                finding(Question::Q3, rule, answer, &[&g.id, &r.id]),
                Some(cover),
            );
        }
        return (finding(Question::Q3, rule, answer, &[&g.id]), Some(cover));
    }
    (unguaranteed(case, o), None)
}

/// Q3 without an admitted guarantee of order `o`: the notary's refusal, an inadmissible answer,
/// or no request at all.
fn unguaranteed(case: &Case, o: &Item) -> Finding {
    let refusal =
        case.find(|i| matches!(i.content, Content::Refusal { .. }) && Case::embeds(i, &o.id));
    if let Some(
        r @ Item {
            content: Content::Refusal { reason, .. },
            ..
        },
    ) = refusal
    {
        let answer = format!("the notary refused a guarantee: {reason}");
        return finding(Question::Q3, "Q3.refused", answer, &[&r.id]);
    }
    // A guarantee or refusal that is there but inadmissible is named: "none was requested"
    // would be false.
    let answered = |i: &&&Item| {
        matches!(
            i.content,
            Content::Guarantee { .. } | Content::Refusal { .. }
        ) && Case::embeds(i, &o.id)
    };
    if let Some(r) = case.refused.iter().find(answered) {
        let answer = format!(
            "no admissible guarantee or refusal answers the order: this {} is inadmissible",
            r.content.what()
        );
        return finding(Question::Q3, "Q3.none", answer, &[&o.id, &r.id]);
    }
    finding(
        Question::Q3,
        "Q3.none",
        "no guarantee was requested",
        &[&o.id],
    )
}

/// The release of guarantee `gid` (by the seller, the notary at expiry, or an earlier ruling)
/// made at or before the claim was filed: the seller gave the guarantee up before claiming. A
/// release after the filing (this case's own ruling, say) leaves the question as it was asked.
fn released_before_filing<'a>(case: &Case<'a>, gid: &str) -> Option<&'a Item> {
    let filed = case.claim.filed_at.at();
    case.find(|i| {
        i.content
            .closing_of(gid)
            .is_some_and(|(at, settled)| !settled && at.at() <= filed)
    })
}

/// The release of guarantee `gid` made after the claim was filed, if the case holds one.
fn released_after_filing<'a>(case: &Case<'a>, gid: &str) -> Option<&'a Item> {
    let filed = case.claim.filed_at.at();
    case.find(|i| {
        i.content
            .closing_of(gid)
            .is_some_and(|(at, settled)| !settled && at.at() > filed)
    })
}

/// Q4: what an unguaranteed order binds under the policy: under `capped` up to the
/// per-transaction cap and the headroom left at the order's latest signing time, under
/// `strict` nothing. Returns the amount it binds (minor units).
pub(super) fn q4(
    case: &Case,
    order: Option<&Item>,
    cover: Option<&Cover>,
    key_at: KeyAt,
) -> (Finding, i64) {
    let (Some(o), None) = (order, cover) else {
        let rule = if cover.is_some() {
            "Q4.covered"
        } else {
            "Q4.not_applicable"
        };
        let answer = if cover.is_some() {
            "the guarantee covers the order"
        } else {
            "no valid order"
        };
        return (finding(Question::Q4, rule, answer, &[]), 0);
    };
    if case.policy.uncovered_rule == UncoveredRule::Strict {
        let answer = "uncovered_rule strict: an order without a guarantee does not bind";
        return (finding(Question::Q4, "Q4.strict", answer, &[&o.id]), 0);
    }
    let Some(l) = case.latest(&o.id) else {
        let answer = "nothing bounds when the order was signed: the headroom cannot be known";
        return (
            finding(Question::Q4, "Q4.undetermined", answer, &[&o.id]),
            0,
        );
    };
    let at = l.at.at();
    let ag = case.agreement;
    let filed = case.claim.filed_at.at();
    let (least_at, counted) = least_headroom(case, o, at, (filed > at).then_some(filed));
    let outstanding = sum_of(&counted);
    let headroom = ag.total_cap_minor.saturating_sub(outstanding).max(0);
    let limit = ag.per_tx_cap_minor.min(headroom).max(0);
    let amount = order_amount(case, o);
    let rule = if amount <= limit {
        "Q4.within_caps"
    } else if ag.per_tx_cap_minor < amount && ag.per_tx_cap_minor <= headroom {
        "Q4.over_per_tx_cap"
    } else {
        "Q4.over_headroom"
    };
    let binds = amount.min(limit);
    let text = format!(
        "uncovered_rule capped: {} and the per-transaction cap {}; {}",
        headroom_text(case, (at, filed, least_at), headroom),
        case.money(ag.per_tx_cap_minor),
        binds_text(case, binds, key_at)
    );
    // The headroom rests on the guarantees that stood against it: cited when they decided.
    let mut evidence = vec![o.id.as_str(), l.by.as_str()];
    if rule == "Q4.over_headroom" {
        evidence.extend(counted.iter().filter_map(|g| guarantee_item(case, &g.id)));
    }
    (finding(Question::Q4, rule, text, &evidence), binds)
}

/// The headroom in words: at the order's latest signing time `at`, or, when it was least later
/// (at `least_at`, before the claim's filing `filed`), over that span.
fn headroom_text(
    case: &Case,
    (at, filed, least_at): (DateTime<Utc>, DateTime<Utc>, DateTime<Utc>),
    headroom: i64,
) -> String {
    if least_at > at {
        format!(
            "the least headroom from the order's latest signing time {} to the claim's filing at {} was {} (at {}: guarantees issued meanwhile stood against it)",
            rfc3339_ms(at),
            rfc3339_ms(filed),
            case.money(headroom),
            rfc3339_ms(least_at)
        )
    } else {
        format!(
            "at {} the headroom was {}",
            rfc3339_ms(at),
            case.money(headroom)
        )
    }
}

/// The sum of `gs`' amounts (minor units, negative ones as 0).
fn sum_of(gs: &[&GuaranteeRecord]) -> i64 {
    gs.iter()
        .fold(0i64, |sum, g| sum.saturating_add(g.amount.minor.max(0)))
}

/// The instant of least headroom for order `o` from `from` (its latest signing time) to `until`
/// (the claim's filing, when later), and the guarantees outstanding then. An order without a
/// guarantee binds only what fitted beside the buyer's guarantees the whole time it stood
/// unguaranteed until claimed: otherwise guarantees issued after it was signed (the notary
/// could not know of it) and the order together would make the buyer owe more than the total
/// cap. Whatever the seller asked meanwhile (a refusal for another reason, a guarantee since
/// released) does not shorten the span. The
/// outstanding sum only rises when a guarantee is issued, so the instants to try are `from` and
/// each issuance up to `until`; the earliest of equal ones is taken.
fn least_headroom<'a>(
    case: &Case<'a>,
    o: &Item,
    from: DateTime<Utc>,
    until: Option<DateTime<Utc>>,
) -> (DateTime<Utc>, Vec<&'a GuaranteeRecord>) {
    let mut best = (from, standing_against(case, o, from));
    let Some(until) = until else {
        return best;
    };
    let mut instants: Vec<DateTime<Utc>> = case
        .registry
        .guarantees
        .iter()
        .map(|g| g.issued_at)
        .filter(|t| *t > from && *t <= until)
        .collect();
    instants.sort();
    instants.dedup();
    for t in instants {
        let counted = standing_against(case, o, t);
        if sum_of(&counted) > sum_of(&best.1) {
            best = (t, counted);
        }
    }
    best
}

/// The agreement's guarantees outstanding at `at` that stand against order `o`'s headroom. Its
/// own guarantee (released before the claim, so not its cover) was issued for this very order:
/// it does not stand against the order's own headroom.
fn standing_against<'a>(case: &Case<'a>, o: &Item, at: DateTime<Utc>) -> Vec<&'a GuaranteeRecord> {
    let ag = case.agreement;
    let own =
        case.find(|i| matches!(i.content, Content::Guarantee { .. }) && Case::embeds(i, &o.id));
    let own_id = own.and_then(|g| match &g.content {
        Content::Guarantee { guarantee_id, .. } => Some(guarantee_id.as_str()),
        _ => None,
    });
    case.registry
        .guarantees
        .iter()
        .filter(|g| {
            g.agreement == ag.id
                && g.amount.currency == ag.currency
                && g.outstanding_at(at)
                && Some(g.id.as_str()) != own_id
        })
        .collect()
}

/// What the order binds, in words. Q2 may already have excluded the buyer: then say so, so the
/// figure is not read as owed.
fn binds_text(case: &Case, binds: i64, key_at: KeyAt) -> String {
    match key_at {
        KeyAt::After | KeyAt::Undetermined => format!(
            "the order would bind {}, but the buyer is not bound by an order Q2 does not show signed before the key's revocation",
            case.money(binds)
        ),
        KeyAt::NotRevoked | KeyAt::Before => format!("the order binds {}", case.money(binds)),
    }
}

/// The id of the admitted guarantee item of guarantee `gid`.
fn guarantee_item<'a>(case: &Case<'a>, gid: &str) -> Option<&'a str> {
    case.find(
        |i| matches!(&i.content, Content::Guarantee { guarantee_id, .. } if guarantee_id == gid),
    )
    .map(|i| i.id.as_str())
}

/// The amount at stake: the order's amount, at most the amount claimed.
pub(super) fn order_amount(case: &Case, order: &Item) -> i64 {
    match &order.content {
        Content::Order { amount, .. } => amount.minor.min(case.claim.amount.minor).max(0),
        _ => 0,
    }
}
