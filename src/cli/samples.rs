//! Loads `samples/` into a new data dir for `notar up`. The files are compiled in, so `notar up`
//! works from any directory.

use std::path::Path;

use anyhow::anyhow;

use super::Failure;
use crate::crypto::tsa::{HashAlg, TimestampQuery};
use crate::notary::Notary;

/// The sample documents that get timestamped.
const DOCUMENTS: [(&str, &[u8]); 4] = [
    (
        "purchase-order-1042.txt",
        include_bytes!("../../samples/documents/purchase-order-1042.txt"),
    ),
    (
        "contract-bob-sally.txt",
        include_bytes!("../../samples/documents/contract-bob-sally.txt"),
    ),
    (
        "delivery-note-77.txt",
        include_bytes!("../../samples/documents/delivery-note-77.txt"),
    ),
    (
        "complaint-draft.txt",
        include_bytes!("../../samples/documents/complaint-draft.txt"),
    ),
];

/// Timestamps every sample document, as operator `samples`, then loads the ledger data set
/// (`samples/ledger.toml`, see `samples_ledger`) and writes the sample sellers' API tokens to
/// `DATA/samples-tokens.txt`, then plays the sample fair exchanges (`samples_exchanges`).
pub async fn load(notary: &Notary, data: &Path) -> Result<(), Failure> {
    for (name, bytes) in DOCUMENTS {
        let query = TimestampQuery::for_data(HashAlg::Sha256, bytes, true);
        notary
            .stamp_query(query, Some("samples".into()))
            .await
            .map_err(|e| Failure::Refused(anyhow!("sample {name}: {e}")))?;
    }
    super::samples_ledger::load(notary, data)
        .await
        .map_err(|e| Failure::Refused(e.context("loading samples/ledger.toml")))?;
    super::samples_exchanges::load(notary)
        .await
        .map_err(|e| Failure::Refused(e.context("loading the sample exchanges")))?;
    Ok(())
}
