//! Guarantee records in CF guarantees: written with their envelopes (the certificate, the
//! closing) named by log index, read back with the envelopes from the log leaves
//! (`notary::by_index`). Records written before 2026-12-01 hold the envelopes inline.

use crate::crypto::envelope::Envelope;
use crate::notary::by_index::{resolve, Signed};
use crate::notary::state::{to_json, GuaranteeRecord};
use crate::notary::{NotaryError, Shared};
use crate::store::Cf;

/// The bytes to store for a granted `record` whose certificate is the body of log leaf `at`
/// (signed in the same batch; the record's own `guarantee` is a placeholder).
pub(super) fn granted_bytes(record: &GuaranteeRecord, at: u64) -> Result<Vec<u8>, NotaryError> {
    // A placeholder and no closing: the clone copies little.
    to_json(
        &record
            .clone()
            .with_signed(Signed::<&Envelope>::At { at }, None),
    )
}

/// A record as stored: its envelopes named by log index (or inline, if written before).
fn parse_stored(raw: &[u8]) -> Result<GuaranteeRecord<Signed>, NotaryError> {
    serde_json::from_slice(raw).map_err(|e| NotaryError::Corrupt(format!("guarantee record: {e}")))
}

/// The record of guarantee `id` as stored, if there is one, its envelopes not read.
pub(super) fn stored_signed(
    shared: &Shared,
    id: &str,
) -> Result<Option<GuaranteeRecord<Signed>>, NotaryError> {
    let raw = shared.store.get(Cf::Guarantees, id.as_bytes())?;
    raw.map(|v| parse_stored(&v)).transpose()
}

/// Stored records as read (`raw`, in order), their envelopes read from the log.
pub(crate) fn read_records(
    shared: &Shared,
    raw: impl IntoIterator<Item = Vec<u8>>,
) -> Result<Vec<GuaranteeRecord>, NotaryError> {
    let stored: Vec<GuaranteeRecord<Signed>> = raw
        .into_iter()
        .map(|v| parse_stored(&v))
        .collect::<Result<_, _>>()?;
    let mut signed = Vec::with_capacity(stored.len() * 2);
    for r in &stored {
        signed.push(r.guarantee.clone());
        signed.extend(r.closing.clone());
    }
    let mut envelopes = resolve(&shared.store, signed)?.into_iter();
    let mut next = || {
        envelopes
            .next()
            .ok_or_else(|| NotaryError::Bug("read_records".into()))
    };
    stored
        .into_iter()
        .map(|r| {
            let guarantee = next()?;
            let closing = r.closing.as_ref().map(|_| next()).transpose()?;
            Ok(r.with_signed(guarantee, closing))
        })
        .collect()
}

/// The stored record of guarantee `id`, if there is one.
pub(crate) fn read_record(
    shared: &Shared,
    id: &str,
) -> Result<Option<GuaranteeRecord>, NotaryError> {
    let Some(raw) = shared.store.get(Cf::Guarantees, id.as_bytes())? else {
        return Ok(None);
    };
    Ok(read_records(shared, [raw])?.pop())
}

/// The stored records of the guarantees `ids` (those found, in order).
pub(crate) fn read_many(
    shared: &Shared,
    ids: &[Vec<u8>],
) -> Result<Vec<GuaranteeRecord>, NotaryError> {
    let raw = shared.store.multi_get(Cf::Guarantees, ids)?;
    read_records(shared, raw.into_iter().flatten())
}
