//! The admin operation `CaseExport`: a case's evidence bundle (`notar-bundle/1`), built by the
//! notary from its records and the parties' submissions.

use super::ops::OpResult;
use super::proto::Reply;
use crate::notary::Notary;

/// The evidence bundle of complaint `complaint_id`.
pub(super) async fn export(notary: &Notary, complaint_id: &str) -> OpResult {
    let bundle = notary.case_bundle(complaint_id).await?;
    Ok(Reply::CaseBundle {
        bundle: Box::new(bundle),
    })
}
