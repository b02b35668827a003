//! What an arbitrator does with a case, as the trusted confirmation dialog shows it and as the
//! request sends it: take the case (the notary records the operator as working it) or add a
//! note to its history. The answer, the case as it now is, is checked against what was
//! confirmed.

use crate::api::admin::proto::{ComplaintDetail, ComplaintItem, Hello, Op};
use crate::console::components::confirm::{Field, Signable};
use crate::console::sanitize::sanitize;

/// `Bob (p1)`, or the id alone when the name is unknown; raw text, sanitised by the caller.
fn named(name: &str, id: &str) -> String {
    if name.is_empty() {
        id.to_string()
    } else {
        format!("{name} ({id})")
    }
}

/// An action on one case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CasePlan {
    /// Take the case.
    Take {
        /// The case as listed when it was confirmed.
        case: ComplaintItem,
    },
    /// Add a note to the case's history.
    Note {
        /// The case as listed when it was confirmed.
        case: ComplaintItem,
        /// The note, as typed.
        text: String,
    },
}

impl CasePlan {
    /// The case acted on.
    pub fn case(&self) -> &ComplaintItem {
        match self {
            CasePlan::Take { case } | CasePlan::Note { case, .. } => case,
        }
    }

    /// What went wrong, if the notary's answer is not the case as confirmed and changed.
    pub fn mismatch(&self, answer: &ComplaintDetail) -> Option<&'static str> {
        if answer.item.complaint_id != self.case().complaint_id {
            return Some("the notary answered about another case");
        }
        match self {
            CasePlan::Take { .. } if answer.item.taken_by.is_none() => {
                Some("the notary did not record an arbitrator for the case")
            }
            CasePlan::Note { text, .. }
                if !answer.history.iter().any(|h| h.what.contains(text)) =>
            {
                Some("the note is not in the case's history")
            }
            _ => None,
        }
    }

    /// The status line once the notary confirmed it.
    pub fn done_text(&self) -> String {
        let id = sanitize(&self.case().complaint_id);
        match self {
            CasePlan::Take { .. } => format!("Case {id} taken: the notary records you on it"),
            CasePlan::Note { .. } => format!("Note added to case {id}"),
        }
    }
}

impl Signable for CasePlan {
    /// Taking a case and a note are recorded in its history; the notary signs nothing for them.
    fn signs(&self) -> bool {
        false
    }

    fn headline(&self) -> &'static str {
        match self {
            CasePlan::Take { .. } => "The notary will record you as working this case",
            CasePlan::Note { .. } => "The notary will add your note to this case's history",
        }
    }

    fn fields(&self, hello: &Hello) -> Vec<Field> {
        let f = |label, value: &str| Field {
            label,
            value: sanitize(value),
        };
        let c = self.case();
        let mut fields = vec![
            f("Case", &c.complaint_id),
            f("Kind", c.kind.as_str()),
            f("Claimant", &named(&c.claimant_name, &c.claimant)),
            f("Respondent", &named(&c.respondent_name, &c.respondent)),
            f("Amount", &c.amount.to_string()),
            f("Deadline", &c.response_deadline),
            f("Status", c.status.as_str()),
        ];
        match self {
            CasePlan::Take { case } => {
                let now = case.taken_by.as_deref().unwrap_or("nobody yet");
                fields.push(f("Taken by", now));
            }
            CasePlan::Note { text, .. } => fields.push(f("Note", text)),
        }
        fields.push(f(
            "Operator",
            &format!("{} (arbitrator {})", hello.operator, hello.arbitrator),
        ));
        fields
    }

    fn op(&self) -> Op {
        let complaint_id = self.case().complaint_id.clone();
        match self {
            CasePlan::Take { .. } => Op::ComplaintTake { complaint_id },
            CasePlan::Note { text, .. } => Op::ComplaintNote {
                complaint_id,
                text: text.clone(),
            },
        }
    }
}
