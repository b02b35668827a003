//! The admin operation `CaseReplay`: the notary builds a case's evidence bundle and replays it
//! (or, when the case has a pending proposal, answers that), so an arbitrator can review the
//! ruling before signing or confirming it. Nothing is signed or changed.

use super::ops::OpResult;
use super::proto::Reply;
use crate::notary::Notary;

/// What to review of complaint `complaint_id`: its pending proposal and who proposed it, else
/// the ruling a fresh replay of its bundle gives; with the digest of the bundle either rests on
/// and the amount of each guarantee its actions release or hold.
pub(super) async fn replay(notary: &Notary, complaint_id: &str) -> OpResult {
    let (ruling, bundle_digest, proposed_by) = notary.case_review(complaint_id).await?;
    Ok(Reply::CaseReplay {
        guarantees: notary.ruling_guarantee_amounts(&ruling),
        ruling: Box::new(ruling),
        bundle_digest,
        proposed_by,
    })
}
