//! What a bundle shows of the respondent's answer to the claim's complaint: a verified
//! `complaint_response_receipt` (answered), a verified `complaint_silence` (the deadline passed
//! unanswered), or neither. Neither is a legitimate bundle (a case exported while open, or
//! settled by the protocol at filing), but also what a party gets by leaving the other side's
//! answer out: the rules cannot tell the two apart, so the replay says so instead of ruling
//! silently on a bundle that may lack the answer.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::format::{names_complaint, Bundle, Item};
use super::verify::ItemReport;

/// What the bundle shows of the respondent's answer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answered {
    /// A verified response receipt of the claim's complaint.
    Answered,
    /// A verified silence record of the claim's complaint.
    Silent,
    /// Neither: the case was open or settled when exported, or the answer was left out.
    #[default]
    NotShown,
}

/// The respondent's answer as the bundle shows it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswerFacts {
    /// What the verified notary items show.
    pub shown: Answered,
    /// The verified notary item that shows it (the smallest id when several do).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item: Option<String>,
    /// Response receipts and silence records of the claim's complaint that failed their checks
    /// (an edited receipt): they show nothing. Sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failed: Vec<String>,
}

impl AnswerFacts {
    /// A warning for people when the bundle does not show how the respondent answered, `None`
    /// when it does.
    pub fn warning(&self, complaint_id: &str) -> Option<String> {
        let failed = match self.failed.as_slice() {
            [] => String::new(),
            ids => format!(
                "; {} notary record(s) of the answer fail their checks: {}",
                ids.len(),
                ids.join(", ")
            ),
        };
        match self.shown {
            Answered::Answered | Answered::Silent if failed.is_empty() => None,
            Answered::Answered | Answered::Silent => Some(format!(
                "the answer to complaint {complaint_id} is shown by {}{failed}",
                self.item.as_deref().unwrap_or("")
            )),
            Answered::NotShown => Some(format!(
                "the bundle shows no answer to complaint {complaint_id} (no verified response receipt, no silence record): the case was open or settled at filing when it was exported, or the respondent's answer was left out of the bundle, which only the notary's records can tell{failed}"
            )),
        }
    }
}

/// The answer facts of `bundle`, whose items' checks are `reports` (in item order).
pub(super) fn answer_facts(bundle: &Bundle, reports: &[ItemReport]) -> AnswerFacts {
    let ours = |p: &Value| names_complaint(p, &bundle.claim.complaint_id);
    let mut facts = AnswerFacts::default();
    let mut shown: Vec<(Answered, &str)> = Vec::new();
    for (item, r) in bundle.items.iter().zip(reports) {
        let Item::NotaryEnvelope { envelope, .. } = item else {
            continue;
        };
        let what = match envelope.kind.as_str() {
            "complaint_response_receipt" => Answered::Answered,
            "complaint_silence" => Answered::Silent,
            _ => continue,
        };
        if !ours(&envelope.payload) {
            continue;
        }
        match r.ok {
            true => shown.push((what, r.id.as_str())),
            false => facts.failed.push(r.id.clone()),
        }
    }
    facts.failed.sort();
    facts.failed.dedup();
    // An answer outweighs a silence record (the notary records silence only for a case left
    // unanswered); among equals the smallest id, whatever the items' order.
    if let Some((what, id)) = shown.into_iter().min() {
        facts.shown = what;
        facts.item = Some(id.to_string());
    }
    facts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unshown_answer_and_failed_records_are_named_in_the_warning() {
        let none = AnswerFacts::default();
        let w = none.warning("c-1").expect("warning");
        assert!(w.contains("shows no answer to complaint c-1"), "{w}");
        let answered = AnswerFacts {
            shown: Answered::Answered,
            item: Some("ab".into()),
            failed: vec![],
        };
        assert_eq!(answered.warning("c-1"), None);
        let edited = AnswerFacts {
            failed: vec!["cd".into()],
            ..AnswerFacts::default()
        };
        let w = edited.warning("c-1").expect("warning");
        assert!(
            w.contains("1 notary record(s) of the answer fail their checks: cd"),
            "{w}"
        );
    }

    #[test]
    fn an_answer_outweighs_a_silence_record() {
        assert!(Answered::Answered < Answered::Silent);
        assert!(Answered::Silent < Answered::NotShown);
    }
}
