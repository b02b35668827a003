//! The admin operation `CaseExport`: a case's evidence bundle (`notar-bundle/1`), built by the
//! notary from its records and the parties' submissions.

use super::ops::OpResult;
use super::proto::Reply;
use crate::notary::{Notary, NotaryError};

/// The evidence bundle of complaint `complaint_id`: built now, or (`ruled`) the one its ruling
/// or proposal cites.
pub(super) async fn export(notary: &Notary, complaint_id: &str, ruled: bool) -> OpResult {
    let bundle = match ruled {
        false => notary.case_bundle(complaint_id).await?,
        true => {
            let bytes = notary.ruled_bundle(complaint_id)?;
            serde_json::from_slice(&bytes).map_err(|e| {
                NotaryError::Corrupt(format!("the kept bundle of case {complaint_id}: {e}"))
            })?
        }
    };
    Ok(Reply::CaseBundle {
        bundle: Box::new(bundle),
    })
}
