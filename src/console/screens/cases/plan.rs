//! Signing a case's ruling, as the trusted confirmation dialog shows it and as the request
//! sends it: exactly the replayed ruling's allocation and actions, and the digest of the bundle
//! it rests on. The notary replays the same bundle when it signs; the answer is checked against
//! the case and the digest confirmed.

use std::collections::BTreeMap;

use crate::api::admin::proto::{ComplaintDetail, ComplaintItem, Hello, Op, RulingItem};
use crate::console::components::confirm::{Field, Signable};
use crate::console::sanitize::sanitize;
use crate::model::dispute::{Action, Ruling};
use crate::model::money::Money;

/// Signing one case's replayed ruling.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RulingPlan {
    /// The case as listed when it was confirmed.
    pub case: ComplaintItem,
    /// The ruling replayed, as shown.
    pub ruling: Box<Ruling>,
    /// Hex SHA-256 of the bundle it was replayed from.
    pub bundle_digest: String,
    /// The arbitrator who proposed this ruling, when it is the case's pending proposal:
    /// confirming it as a second arbitrator (`RulingConfirm`) instead of signing afresh.
    pub proposed_by: Option<String>,
    /// The amount of each guarantee the ruling releases or holds, as the notary gave it.
    pub guarantees: BTreeMap<String, Money>,
}

/// An action in words, with the amount of the guarantee it releases or holds when the notary
/// gave it (`amounts`, by guarantee id): `release guarantee g1 (450.00 EUR)`. The claim may be
/// far smaller than what the action moves.
pub fn action_text(a: &Action, amounts: &BTreeMap<String, Money>) -> String {
    a.with_amount(amounts)
}

impl RulingPlan {
    /// What went wrong, if the notary's answer is not about this case and this ruling. The
    /// bundle may differ (the notary builds it afresh when it signs, with a newer checkpoint and
    /// the parties' later records in the timeline); the decision may not (the request names
    /// its digest, and the notary refuses another).
    pub fn mismatch(&self, answer: &RulingItem) -> Option<&'static str> {
        if answer.complaint_id != self.case.complaint_id {
            return Some("the notary answered about another case");
        }
        let signed = answer.ruling.as_ref()?;
        let signed = serde_json::from_value::<Ruling>(signed.payload["ruling"].clone());
        match signed {
            Ok(r) if r.decision_digest() == self.ruling.decision_digest() => None,
            _ => Some("the notary signed another ruling than the one shown here"),
        }
    }

    /// The status line once the notary answered.
    pub fn done_text(&self, answer: &RulingItem) -> String {
        // The case's short id: the whole line fits the status row at 80 columns (s12 L4: with
        // the full id it spilled over the pane's border and key hints).
        let id = crate::console::screens::agreements::short_id(&self.case.complaint_id);
        match answer.status.as_str() {
            "ruled" if self.proposed_by.is_some() => {
                format!("Case {id} ruled: proposal confirmed, signed and logged")
            }
            "ruled" => format!("Case {id} ruled: the notary signed and logged the ruling"),
            "proposed" => format!("Case {id}: ruling proposed, awaiting a second arbitrator"),
            other => format!("Case {id}: the notary answered {}", sanitize(other)),
        }
    }
}

impl RulingPlan {
    /// Every action signing runs, the claim's then the counter-claim's not among them, each
    /// with what it moves.
    fn action_fields(&self) -> Vec<Field> {
        let actions = self.ruling.all_actions();
        if actions.is_empty() {
            return vec![Field {
                label: "Actions",
                value: "none".into(),
            }];
        }
        actions
            .iter()
            .map(|x| Field {
                label: "Action",
                value: sanitize(&action_text(x, &self.guarantees)),
            })
            .collect()
    }
}

impl Signable for RulingPlan {
    fn signs(&self) -> bool {
        true
    }

    fn headline(&self) -> &'static str {
        match self.proposed_by {
            // Fixed text is not wrapped: it fits the dialog at 80 columns.
            Some(_) => "Confirm the proposal: the notary signs it as proposed, naming you both",
            None => "Signed in your name if its replay agrees; over the policy's limit, proposed",
        }
    }

    /// Labels fit the dialog's label column (11 characters), so no value is pushed out of it.
    fn fields(&self, hello: &Hello) -> Vec<Field> {
        let f = |label, value: &str| Field {
            label,
            value: sanitize(value),
        };
        let (c, r) = (&self.case, &self.ruling);
        let a = &r.allocation;
        // A party by name and id, as the take dialog shows it: an id alone is easy to misread.
        let named = |id: &str| {
            let name = match id {
                _ if id == c.claimant => Some(&c.claimant_name),
                _ if id == c.respondent => Some(&c.respondent_name),
                _ => None,
            };
            match name.filter(|n| !n.is_empty()) {
                Some(n) => format!("{n} ({id})"),
                None => id.to_string(),
            }
        };
        let mut fields = vec![
            f("Case", &c.complaint_id),
            f(
                "Claim",
                &format!("{} of {}", c.kind.as_str(), r.claim.amount),
            ),
            f("Claimant", &named(&r.claim.claimant)),
            f("Respondent", &named(&r.claim.respondent)),
            f("Buyer pays", &a.buyer_pays.to_string()),
            f("Notary pays", &a.notary_pays.to_string()),
            f("Seller loss", &a.seller_bears.to_string()),
            f("Refund", &a.refund_to_buyer.to_string()),
        ];
        if let Some(cc) = &r.counter_claim {
            let (k, ca) = (&cc.claim, &cc.allocation);
            let what = format!(
                "{} of {} by {}",
                k.kind.as_str(),
                k.amount,
                named(&k.claimant)
            );
            fields.push(f("Counter", &what));
            let alloc = format!(
                "buyer pays {}, notary pays {}, seller loss {}, refund {}",
                ca.buyer_pays, ca.notary_pays, ca.seller_bears, ca.refund_to_buyer
            );
            fields.push(f("Counter to", &alloc));
        }
        fields.extend(self.action_fields());
        let policy = format!(
            "{} v{} ({})",
            r.policy.id, r.policy.version, r.rules_version
        );
        fields.push(f("Policy", &policy));
        fields.push(f("Bundle", &self.bundle_digest));
        let you = format!("{} (user {})", hello.arbitrator, hello.operator);
        match &self.proposed_by {
            Some(by) => {
                fields.push(f("Proposed by", by));
                fields.push(f("Confirmer", &you));
            }
            None => fields.push(f("Arbitrator", &you)),
        }
        fields
    }

    /// Names the ruling shown: the notary signs it only if its own replay (or the case's
    /// proposal, when confirming one) gives the same.
    fn op(&self) -> Op {
        let complaint_id = self.case.complaint_id.clone();
        let expect_ruling = Some(self.ruling.decision_digest());
        match self.proposed_by {
            Some(_) => Op::RulingConfirm {
                complaint_id,
                expect_ruling,
            },
            None => Op::RulingSign {
                complaint_id,
                expect_ruling,
            },
        }
    }
}

/// Withdrawing a case's pending proposal (either arbitrator may): nothing is signed; the
/// notary records the reason in the case's history and the case can be ruled afresh.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WithdrawPlan {
    /// The case as listed when it was confirmed.
    pub case: ComplaintItem,
    /// The arbitrator who proposed the ruling withdrawn.
    pub proposed_by: String,
    /// Why, as typed.
    pub reason: String,
}

impl WithdrawPlan {
    /// What went wrong, if the notary's answer is not this case without its proposal.
    pub fn mismatch(&self, answer: &ComplaintDetail) -> Option<&'static str> {
        if answer.item.complaint_id != self.case.complaint_id {
            return Some("the notary answered about another case");
        }
        match answer.item.ruling.as_deref() {
            Some("proposed") => Some("the case still shows a pending proposal"),
            Some("ruled") => Some("the case is ruled"),
            _ => None,
        }
    }

    /// The status line once the notary confirmed it.
    pub fn done_text(&self) -> String {
        format!(
            "Proposal on case {} withdrawn: replayed afresh, it can be ruled again",
            sanitize(&self.case.complaint_id)
        )
    }
}

impl Signable for WithdrawPlan {
    /// A withdrawal is recorded in the case's history; the notary signs nothing for it.
    fn signs(&self) -> bool {
        false
    }

    fn headline(&self) -> &'static str {
        "The notary will withdraw the proposal and record your reason in the case"
    }

    fn fields(&self, hello: &Hello) -> Vec<Field> {
        let f = |label, value: &str| Field {
            label,
            value: sanitize(value),
        };
        let c = &self.case;
        vec![
            f("Case", &c.complaint_id),
            f("Claim", &format!("{} of {}", c.kind.as_str(), c.amount)),
            f("Proposed by", &self.proposed_by),
            f("Reason", &self.reason),
            f(
                "Operator",
                &format!("{} (arbitrator {})", hello.operator, hello.arbitrator),
            ),
        ]
    }

    fn op(&self) -> Op {
        Op::ProposalWithdraw {
            complaint_id: self.case.complaint_id.clone(),
            reason: self.reason.clone(),
        }
    }
}
