//! The admin operation `CaseReplay`: the notary builds a case's evidence bundle and replays it,
//! so an arbitrator can review the ruling before signing it. Nothing is signed or changed.

use super::ops::OpResult;
use super::proto::Reply;
use crate::notary::Notary;

/// The ruling a replay of complaint `complaint_id`'s bundle gives, and that bundle's digest.
pub(super) async fn replay(notary: &Notary, complaint_id: &str) -> OpResult {
    let (ruling, bundle_digest) = notary.case_replay(complaint_id).await?;
    Ok(Reply::CaseReplay {
        ruling: Box::new(ruling),
        bundle_digest,
    })
}
