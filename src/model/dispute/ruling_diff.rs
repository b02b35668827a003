//! What differs between two rulings of one case ([`changes`]): told to the second arbitrator
//! whose confirmation the notary refuses because the evidence moved under the proposal, so they
//! know what to look at before the case is ruled again.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use super::ruling::{Action, Allocation, Finding, Question, Ruling};
use crate::model::money::Money;

/// Most differences [`changes`] lists; the rest are counted.
const CHANGES_MAX: usize = 8;

impl fmt::Display for Action {
    /// The action in words: `release guarantee g1`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::ReleaseGuarantee { guarantee_id } => {
                write!(f, "release guarantee {guarantee_id}")
            }
            Action::HoldGuarantee { guarantee_id } => {
                write!(
                    f,
                    "hold guarantee {guarantee_id} until the seller settles it"
                )
            }
            Action::ResolveExchange { tid } => write!(f, "resolve exchange {tid}"),
            Action::AbortExchange { tid } => write!(f, "abort exchange {tid}"),
            Action::FlagNotaryFault { item } => {
                write!(f, "flag a notary fault shown by item {item}")
            }
        }
    }
}

impl Action {
    /// The guarantee this action releases or holds, if it is about one.
    pub fn guarantee_id(&self) -> Option<&str> {
        match self {
            Action::ReleaseGuarantee { guarantee_id } | Action::HoldGuarantee { guarantee_id } => {
                Some(guarantee_id)
            }
            _ => None,
        }
    }

    /// The action in words with the amount of the guarantee it releases or holds when
    /// `amounts` (by guarantee id) knows it: `release guarantee g1 (450.00 EUR)`. The claim may
    /// be far smaller than what such an action moves (s12 M1).
    pub fn with_amount(&self, amounts: &BTreeMap<String, Money>) -> String {
        match self.guarantee_id().and_then(|g| amounts.get(g)) {
            Some(m) => format!("{self} ({m})"),
            None => self.to_string(),
        }
    }
}

/// How `now` decides otherwise than `earlier`, in words, one difference each: the policy, each
/// question whose rule ids changed (or whose answer or evidence did under the same rule), each
/// share of the allocation, the actions added and dropped, then the counter-claim's the same
/// way. The item timeline is left out: it grows with unrelated records and decides nothing.
/// At most [`CHANGES_MAX`] lines, the last saying how many more there are; never none (for
/// rulings whose decision digests differ only in the actions' order, one line says so).
pub fn changes(earlier: &Ruling, now: &Ruling) -> Vec<String> {
    let mut out = Vec::new();
    changes_into(earlier, now, "", &mut out);
    if out.is_empty() {
        // Only the actions' order, say: never an empty list to show for a refusal.
        out.push("the same findings, allocation and actions, in another form".into());
    }
    if out.len() > CHANGES_MAX {
        let more = out.len() - (CHANGES_MAX - 1);
        out.truncate(CHANGES_MAX - 1);
        out.push(format!("{more} more"));
    }
    out
}

fn changes_into(earlier: &Ruling, now: &Ruling, part: &str, out: &mut Vec<String>) {
    if earlier.rules_version != now.rules_version {
        out.push(format!(
            "{part}rules {} → {}",
            earlier.rules_version, now.rules_version
        ));
    }
    if earlier.agreement != now.agreement {
        out.push(format!(
            "{part}agreement {} → {}",
            earlier.agreement, now.agreement
        ));
    }
    if earlier.claim != now.claim {
        out.push(format!("{part}the claim decided"));
    }
    if earlier.policy != now.policy {
        out.push(format!(
            "{part}policy {} v{} → {} v{}",
            earlier.policy.id, earlier.policy.version, now.policy.id, now.policy.version
        ));
    }
    let questions: BTreeSet<Question> = earlier
        .findings
        .iter()
        .chain(&now.findings)
        .map(|f| f.question)
        .collect();
    for q in questions {
        let (was, is) = (rules(earlier, q), rules(now, q));
        if was != is {
            out.push(format!("{part}{q:?}: {} → {}", listed(&was), listed(&is)));
        } else {
            if of(earlier, q).ne(of(now, q)) {
                out.push(format!(
                    "{part}{q:?}: {} gives another answer or rests on other items",
                    listed(&is)
                ));
            }
        }
    }
    allocation(&earlier.allocation, &now.allocation, part, out);
    for a in now.actions.iter().filter(|a| !earlier.actions.contains(a)) {
        out.push(format!("{part}now also: {a}"));
    }
    for a in earlier.actions.iter().filter(|a| !now.actions.contains(a)) {
        out.push(format!("{part}no longer: {a}"));
    }
    match (&earlier.counter_claim, &now.counter_claim) {
        (Some(e), Some(n)) => changes_into(e, n, "counter-claim ", out),
        (None, Some(_)) => out.push("a counter-claim is now decided too".into()),
        (Some(_), None) => out.push("no counter-claim is decided now".into()),
        (None, None) => {}
    }
}

fn allocation(earlier: &Allocation, now: &Allocation, part: &str, out: &mut Vec<String>) {
    for (share, was, is) in [
        ("buyer_pays", &earlier.buyer_pays, &now.buyer_pays),
        ("notary_pays", &earlier.notary_pays, &now.notary_pays),
        ("seller_bears", &earlier.seller_bears, &now.seller_bears),
        (
            "refund_to_buyer",
            &earlier.refund_to_buyer,
            &now.refund_to_buyer,
        ),
    ] {
        if was != is {
            out.push(format!("{part}{share} {was} → {is}"));
        }
    }
}

/// `r`'s findings of question `q`.
fn of(r: &Ruling, q: Question) -> impl Iterator<Item = &Finding> {
    r.findings.iter().filter(move |f| f.question == q)
}

/// The rule ids of `r`'s findings of question `q`, sorted.
fn rules(r: &Ruling, q: Question) -> Vec<&str> {
    let mut ids: Vec<&str> = of(r, q).map(|f| f.rule_id.as_str()).collect();
    ids.sort_unstable();
    ids
}

fn listed(rules: &[&str]) -> String {
    if rules.is_empty() {
        "no finding".into()
    } else {
        rules.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::complaint::ComplaintKind;
    use crate::model::dispute::fixture::{claim, eur};
    use crate::model::dispute::{ClaimSubject, ItemRecord, RULES_VERSION};
    use crate::model::policy::PolicyRef;

    fn finding(question: Question, rule_id: &str, ids: &[&str]) -> Finding {
        Finding {
            question,
            answer: format!("answer of {rule_id}"),
            rule_id: rule_id.into(),
            evidence_ids: ids.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn ruling() -> Ruling {
        Ruling {
            rules_version: RULES_VERSION.into(),
            policy: PolicyRef {
                id: "p".into(),
                version: 1,
                digest: "d".into(),
            },
            agreement: "a".into(),
            claim: claim(
                ComplaintKind::NonDelivery,
                ("b", "s"),
                ClaimSubject::Guarantee("g1".into()),
                1234,
            ),
            items: vec![],
            findings: vec![
                finding(Question::Q1, "Q1.valid_order", &["o"]),
                finding(Question::Q6, "Q6.not_shown", &[]),
            ],
            allocation: Allocation {
                buyer_pays: eur(0),
                notary_pays: eur(1234),
                seller_bears: eur(0),
                refund_to_buyer: eur(0),
            },
            actions: vec![],
            counter_claim: None,
        }
    }

    #[test]
    fn an_order_or_the_timeline_alone_is_named_as_such() {
        let r = ruling();
        let mut reordered = r.clone();
        reordered.actions = vec![
            Action::AbortExchange { tid: "t1".into() },
            Action::AbortExchange { tid: "t2".into() },
        ];
        let mut other_order = reordered.clone();
        other_order.actions.reverse();
        assert_eq!(
            changes(&reordered, &other_order),
            ["the same findings, allocation and actions, in another form"]
        );
        let mut other_agreement = r.clone();
        other_agreement.agreement = "b".into();
        assert_eq!(changes(&r, &other_agreement), ["agreement a → b"]);
        let mut more_items = r.clone();
        more_items.items.push(ItemRecord {
            id: "x".into(),
            what: "order".into(),
            admissible: true,
            rule_id: "A0.admitted".into(),
            earliest: None,
            latest: None,
        });
        // The timeline is not compared: it grows with unrelated records.
        assert_eq!(
            changes(&r, &more_items),
            ["the same findings, allocation and actions, in another form"]
        );
    }

    /// A settlement after the proposal: Q6 now paid, the notary no longer pays, the guarantee
    /// is no longer released; each named.
    #[test]
    fn each_difference_is_named() {
        let was = ruling();
        let mut now = was.clone();
        now.findings[1] = finding(Question::Q6, "Q6.paid", &["s"]);
        now.findings[0].evidence_ids = vec!["o2".into()];
        now.allocation.notary_pays = eur(0);
        now.allocation.buyer_pays = eur(1234);
        let mut was = was;
        was.actions = vec![Action::ReleaseGuarantee {
            guarantee_id: "g1".into(),
        }];
        now.actions = vec![Action::HoldGuarantee {
            guarantee_id: "g1".into(),
        }];
        assert_eq!(
            changes(&was, &now),
            [
                "Q1: Q1.valid_order gives another answer or rests on other items",
                "Q6: Q6.not_shown → Q6.paid",
                "buyer_pays 0.00 EUR → 12.34 EUR",
                "notary_pays 12.34 EUR → 0.00 EUR",
                "now also: hold guarantee g1 until the seller settles it",
                "no longer: release guarantee g1",
            ]
        );
    }

    #[test]
    fn a_counter_claims_changes_are_marked_and_the_list_is_capped() {
        let was = ruling();
        let mut now = was.clone();
        let mut counter = was.clone();
        counter.findings.clear();
        now.counter_claim = Some(Box::new(counter.clone()));
        assert_eq!(changes(&was, &now), ["a counter-claim is now decided too"]);
        let mut was = now.clone();
        was.counter_claim = Some(Box::new(ruling()));
        let c = changes(&was, &now);
        assert_eq!(
            c,
            [
                "counter-claim Q1: Q1.valid_order → no finding",
                "counter-claim Q6: Q6.not_shown → no finding"
            ]
        );
        let mut many = ruling();
        many.findings = (0..20)
            .map(|i| finding(Question::A0, &format!("A0.r{i:02}"), &[]))
            .collect();
        let mut other = many.clone();
        for f in &mut other.findings {
            f.evidence_ids = vec!["x".into()];
        }
        other.allocation.seller_bears = eur(1);
        for i in 0..10 {
            other.actions.push(Action::AbortExchange {
                tid: format!("t{i}"),
            });
        }
        let c = changes(&many, &other);
        assert_eq!(c.len(), CHANGES_MAX);
        assert_eq!(c.last().map(String::as_str), Some("5 more"));
    }
}
