//! What a replay decides: the item timeline, the findings in order, the allocation and the
//! actions, with the rules version and the policy applied. Its canonical JSON is its byte form.

use serde::{Deserialize, Serialize};

use super::types::Claim;
use crate::model::canonical::to_canonical_json;
use crate::model::exchange::WireTime;
use crate::model::money::Money;
use crate::model::policy::PolicyRef;

/// The edition of the rules in this module; a ruling names the edition that made it.
pub const RULES_VERSION: &str = "notar-rules/1";

/// Which step or question a finding answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Question {
    /// The policy applied is the one the agreement recorded.
    P,
    /// Admissibility of one item (only the items that fail or incriminate the notary).
    A0,
    /// A valid order.
    Q1,
    /// The key's status when the order was signed.
    Q2,
    /// Guarantee coverage.
    Q3,
    /// Caps and headroom at the order's time.
    Q4,
    /// Delivery.
    Q5,
    /// Payment.
    Q6,
    /// Contract status.
    Q7,
    /// The dispute window.
    Q8,
}

/// One answer, with the rule that gave it and the items it rests on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Finding {
    /// The question.
    pub question: Question,
    /// The answer in words.
    pub answer: String,
    /// Stable rule id, e.g. `Q2.after_revocation` (docs/design.md §6.5).
    pub rule_id: String,
    /// Ids of the items it rests on, sorted.
    pub evidence_ids: Vec<String>,
}

/// One end of an item's time bounds, and what proves it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bound {
    /// The instant.
    pub at: WireTime,
    /// The rule: `T.notary_time`, `T.timestamp`, `T.embedded_by`, `T.freshness`.
    pub rule_id: String,
    /// The item that proves it (the item itself for `T.notary_time`).
    pub by: String,
}

/// One item on the case's timeline: what it is, whether it is admitted, when it was signed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemRecord {
    /// The item id.
    pub id: String,
    /// What it is (`order`, `guarantee`, ...).
    pub what: String,
    /// Whether the rules may rest on it.
    pub admissible: bool,
    /// The admissibility rule that decided (`A0.admitted`, `A0.bad_signature`, ...).
    pub rule_id: String,
    /// Signed no earlier than this, if something proves it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub earliest: Option<Bound>,
    /// Signed no later than this, if something proves it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest: Option<Bound>,
}

/// Who bears the claimed amount, in minor units of the claim's currency.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Allocation {
    /// The buyer owes the seller this.
    pub buyer_pays: Money,
    /// The notary owes this (its guarantee or its fault).
    pub notary_pays: Money,
    /// The seller's loss that nobody owes.
    pub seller_bears: Money,
    /// Owed back to the buyer.
    pub refund_to_buyer: Money,
}

/// Something the ruling makes the notary do.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum Action {
    /// Release the guarantee: its exposure is freed.
    ReleaseGuarantee {
        /// The guarantee id.
        guarantee_id: String,
    },
    /// Keep the guarantee outstanding until its seller settles or releases it: the buyer is ruled
    /// to pay under it, and until he has paid its amount stays within his liability (released by
    /// the expiry scan, its headroom could go to another guarantee while the debt stands).
    HoldGuarantee {
        /// The guarantee id.
        guarantee_id: String,
    },
    /// Resolve the undecided exchange (a replacement contract).
    ResolveExchange {
        /// The tid.
        tid: String,
    },
    /// Abort the undecided exchange.
    AbortExchange {
        /// The tid.
        tid: String,
    },
    /// Record a notary fault shown by this item.
    FlagNotaryFault {
        /// The item id.
        item: String,
    },
}

/// The reasoned decision on a claim.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ruling {
    /// [`RULES_VERSION`] of the rules applied.
    pub rules_version: String,
    /// The policy applied (id, version, digest).
    pub policy: PolicyRef,
    /// The agreement id.
    pub agreement: String,
    /// The claim decided.
    pub claim: Claim,
    /// Every distinct item, by time then id.
    pub items: Vec<ItemRecord>,
    /// The findings in order: P, A0 (by item id), Q1 … Q8.
    pub findings: Vec<Finding>,
    /// Who pays what.
    pub allocation: Allocation,
    /// What the notary must do, sorted.
    pub actions: Vec<Action>,
    /// The respondent's counter-claim, decided in the same ruling on the same evidence: its own
    /// claim (the parties swapped), findings, allocation and actions. Absent when there is none,
    /// so a ruling without one has the bytes it always had.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counter_claim: Option<Box<Ruling>>,
}

impl Ruling {
    /// The actions of the claim, then those of the counter-claim not already among them: what
    /// signing the ruling runs, each once.
    pub fn all_actions(&self) -> Vec<&Action> {
        let mut out: Vec<&Action> = self.actions.iter().collect();
        for a in self.counter_claim.iter().flat_map(|c| &c.actions) {
            if !out.contains(&a) {
                out.push(a);
            }
        }
        out
    }

    /// The ruling's bytes: canonical JSON (RFC 8785), the same on every machine.
    pub fn to_canonical_json(&self) -> Vec<u8> {
        to_canonical_json(self)
            .expect("a ruling holds only strings, integers, booleans, arrays and shallow objects")
    }

    /// Hex SHA-256 of the decision: the ruling's canonical JSON without its timeline (`items`,
    /// here and in the counter-claim's part). What an arbitrator reviewed and names when asking
    /// for it to be signed: the timeline lists every item of the bundle, which grows with the
    /// parties' unrelated records while the arbitrator reads (a new guarantee of the same
    /// buyer); whatever a finding rests on is in the findings, so a change that matters
    /// changes this digest.
    pub fn decision_digest(&self) -> String {
        use sha2::{Digest, Sha256};
        fn strip(r: &mut Ruling) {
            r.items.clear();
            if let Some(c) = r.counter_claim.as_deref_mut() {
                strip(c);
            }
        }
        let mut decision = self.clone();
        strip(&mut decision);
        hex::encode(Sha256::digest(decision.to_canonical_json()))
    }
}
