//! The concurrent checker: a step's answers are right iff they are the model's answers for SOME
//! serial order of its requests in which every signed change (grant, refusal, closing,
//! revocation) comes in the order of its log index.

use super::client::Answer;
use super::model::{Call, Model};

/// Every order of `0..k` (k <= 4: at most 24).
fn permutations(items: &[usize]) -> Vec<Vec<usize>> {
    if items.len() <= 1 {
        return vec![items.to_vec()];
    }
    let mut out = Vec::new();
    for (i, &first) in items.iter().enumerate() {
        let mut rest = items.to_vec();
        rest.remove(i);
        for mut p in permutations(&rest) {
            p.insert(0, first);
            out.push(p);
        }
    }
    out
}

/// The model advanced along `order`, if it answers exactly `answers` that way, with new entries
/// in increasing log order.
fn along(model: &Model, calls: &[Call], answers: &[Answer], order: &[usize]) -> Option<Model> {
    let mut m = model.clone();
    let mut last_index = None;
    for &i in order {
        let (expect, fresh) = m.apply(&calls[i]);
        if expect != answers[i].outcome {
            return None;
        }
        if let (true, Some(at)) = (fresh, answers[i].log_index) {
            if last_index.is_some_and(|l| l >= at) {
                return None;
            }
            last_index = Some(at);
        }
    }
    Some(m)
}

/// Which requests of a step count: all of them, less the unacknowledged ones; after an injected
/// failure also less the conflicts (an error decided against the batch that then failed is not
/// an acknowledgement, and the model, which never saw that batch, cannot explain it).
pub fn counted(answers: &[Answer], failed: bool) -> Vec<usize> {
    (0..answers.len())
        .filter(|&i| {
            let o = &answers[i].outcome;
            let lost = failed && matches!(o, super::model::Outcome::Conflict(_));
            !(o.unacknowledged() || lost)
        })
        .collect()
}

/// The serial order (of `counted`) that explains the answers and the model after it, or why
/// none does.
pub fn explain(
    model: &Model,
    calls: &[Call],
    answers: &[Answer],
    counted: &[usize],
) -> Result<(Vec<usize>, Model), String> {
    for order in permutations(counted) {
        if let Some(m) = along(model, calls, answers, &order) {
            return Ok((order, m));
        }
    }
    let mut serial = model.clone();
    let expected: Vec<_> = counted.iter().map(|&i| serial.apply(&calls[i]).0).collect();
    Err(format!(
        "no serial order explains the answers: calls {calls:?}, answers {:?}, the model in \
         the order sent: {expected:?}",
        answers
            .iter()
            .map(|a| (&a.outcome, a.log_index))
            .collect::<Vec<_>>()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Outcome;

    fn answer(outcome: Outcome, log_index: u64) -> Answer {
        Answer {
            outcome,
            body: None,
            gid: None,
            log_index: Some(log_index),
        }
    }

    /// Two requests for the last headroom: one of them is granted, in either order; both
    /// granted is no serial order; a grant logged before the refusal it explains is refused.
    #[test]
    fn the_checker_accepts_some_order_and_rejects_the_impossible() {
        let g = |rid, doc| Call::Guarantee {
            rid,
            key: 0,
            amount: 50_000,
            doc,
        };
        let mut model = Model::default();
        model.apply(&g(9, 9));
        let calls = [g(1, 1), g(2, 2), g(3, 3)];
        let refused = || Outcome::Refused("total_cap_exceeded".into());
        let ok = [
            answer(refused(), 5),
            answer(refused(), 6),
            answer(Outcome::Granted, 4),
        ];
        let (order, m) = explain(&model, &calls, &ok, &[0, 1, 2]).expect("an order");
        assert_eq!(order[0], 2);
        assert_eq!(m.exposure(), 100_000);
        let both = [
            answer(Outcome::Granted, 4),
            answer(Outcome::Granted, 5),
            answer(refused(), 6),
        ];
        assert!(explain(&model, &calls, &both, &[0, 1, 2]).is_err());
        let misordered = [
            answer(refused(), 4),
            answer(refused(), 5),
            answer(Outcome::Granted, 6),
        ];
        assert!(explain(&model, &calls, &misordered, &[0, 1, 2]).is_err());
    }
}
