//! The admin operations `RulingSign`, `RulingConfirm` and `ProposalWithdraw`: the calling
//! arbitrator (from the socket's peer credentials and notar.toml `[arbitrators]`) signs a case's
//! ruling, proposes it, confirms another arbitrator's proposal, or withdraws a proposal.

use super::ops::{OpResult, Operator};
use super::proto::{Reply, RulingItem};
use crate::notary::{Arbitrator, Notary, RulingOutcome};

/// The calling arbitrator, as a ruling names them.
fn arbitrator(operator: &Operator) -> Arbitrator {
    Arbitrator {
        name: operator.arbitrator.clone(),
        user: operator.user.clone(),
    }
}

/// Replays and signs (or proposes) case `complaint_id`'s ruling, when given only if it is the
/// ruling `expect` (hex SHA-256 of its canonical JSON) names.
pub(super) async fn sign(
    notary: &Notary,
    operator: &Operator,
    complaint_id: &str,
    expect: Option<&str>,
) -> OpResult {
    let outcome = notary
        .sign_ruling_reviewed(complaint_id, arbitrator(operator), expect)
        .await?;
    Ok(reply(complaint_id, outcome))
}

/// Confirms case `complaint_id`'s proposed ruling as a second arbitrator, when given only if
/// it is the ruling `expect` (its decision digest) names.
pub(super) async fn confirm(
    notary: &Notary,
    operator: &Operator,
    complaint_id: &str,
    expect: Option<&str>,
) -> OpResult {
    let outcome = notary
        .confirm_ruling_reviewed(complaint_id, arbitrator(operator), expect)
        .await?;
    Ok(reply(complaint_id, outcome))
}

/// Withdraws case `complaint_id`'s proposed ruling, for `reason`; answers the case.
pub(super) async fn withdraw(
    notary: &Notary,
    operator: &Operator,
    complaint_id: &str,
    reason: &str,
) -> OpResult {
    let view = notary
        .withdraw_proposal(complaint_id, arbitrator(operator), reason)
        .await?;
    Ok(Reply::Complaint(super::ops_cases::detail(notary, view)))
}

fn reply(complaint_id: &str, outcome: RulingOutcome) -> Reply {
    let item = match outcome {
        RulingOutcome::Ruled { ruling } => {
            let text = |k: &str| ruling.payload[k].as_str().unwrap_or_default().to_string();
            RulingItem {
                complaint_id: complaint_id.to_string(),
                status: "ruled".into(),
                bundle_digest: text("bundle_digest"),
                arbitrator: ruling.payload["arbitrator"]["name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                ruling: Some(ruling),
            }
        }
        RulingOutcome::Proposed { proposal } => RulingItem {
            complaint_id: complaint_id.to_string(),
            status: "proposed".into(),
            bundle_digest: proposal.bundle_digest,
            arbitrator: proposal.arbitrator,
            ruling: None,
        },
    };
    Reply::Ruling(item)
}
