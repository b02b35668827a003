//! A guarantee with its envelopes as their canonical bytes, for closing: a settlement or
//! release reads the record and the certificate's log leaf, and writes the record and its
//! answer, without parsing the certificate into a JSON tree, copying that tree or serialising it
//! again (issue 12, "one serialisation per object"; about a third of a settlement's CPU before).

use super::stored::stored_signed;
use super::GuaranteeView;
use crate::crypto::envelope::Envelope;
use crate::model::canonical::write_str;
use crate::notary::by_index::{envelope_texts, Signed};
use crate::notary::state::{to_json, GuaranteeRecord, GuaranteeState};
use crate::notary::{NotaryError, Shared};

/// A guarantee record with its envelopes named as stored, and their canonical texts.
#[derive(Clone, Debug)]
pub(crate) struct TextRecord {
    /// The record, its envelopes by log index (inline only for an envelope without one).
    pub record: GuaranteeRecord<Signed>,
    /// The certificate's canonical JSON.
    pub guarantee: String,
    /// The closing's canonical JSON, once closed.
    pub closing: Option<String>,
}

impl TextRecord {
    /// `r` with its envelopes as texts (for records held in memory: pending in a batch).
    pub fn of(r: GuaranteeRecord) -> Result<TextRecord, NotaryError> {
        let guarantee = text_of(&r.guarantee)?;
        let closing = r.closing.as_ref().map(text_of).transpose()?;
        let g = owned(Signed::of(&r.guarantee));
        let c = r.closing.as_ref().map(|e| owned(Signed::of(e)));
        Ok(TextRecord {
            record: r.with_signed(g, c),
            guarantee,
            closing,
        })
    }

    /// The record as an answer.
    pub fn answer(&self) -> GuaranteeText {
        GuaranteeText {
            guarantee_id: self.record.guarantee_id.clone(),
            state: self.record.state,
            guarantee: self.guarantee.clone(),
            closing: self.closing.clone(),
        }
    }

    /// The bytes stored in CF guarantees: the record, its envelopes named by log index.
    pub fn stored_bytes(&self) -> Result<Vec<u8>, NotaryError> {
        to_json(&self.record)
    }

    /// The record with its envelopes parsed (for the rare reader that needs the structure).
    pub fn parsed(&self) -> Result<GuaranteeRecord, NotaryError> {
        let closing = self.closing.as_deref().map(parse).transpose()?;
        Ok(self
            .record
            .clone()
            .with_signed(parse(&self.guarantee)?, closing))
    }
}

/// The stored record of guarantee `id` with its envelopes' texts, if there is one.
pub(crate) fn read_text_record(
    shared: &Shared,
    id: &str,
) -> Result<Option<TextRecord>, NotaryError> {
    let Some(stored) = stored_signed(shared, id)? else {
        return Ok(None);
    };
    let at: Vec<u64> = [Some(&stored.guarantee), stored.closing.as_ref()]
        .into_iter()
        .flatten()
        .filter_map(|s| match s {
            Signed::At { at } => Some(*at),
            Signed::Inline(_) => None,
        })
        .collect();
    let mut texts = envelope_texts(&shared.store, &at)?.into_iter();
    let mut text = |s: &Signed| match s {
        Signed::At { .. } => texts
            .next()
            .ok_or_else(|| NotaryError::Bug("read_text_record".into())),
        Signed::Inline(env) => text_of(env),
    };
    let guarantee = text(&stored.guarantee)?;
    let closing = stored.closing.as_ref().map(&mut text).transpose()?;
    // Records written before 2026-12-01 hold their envelopes inline: named by index once
    // written again.
    let normal = |s: Signed| match s {
        Signed::Inline(env) => owned(Signed::of(&env)),
        at => at,
    };
    let closing_signed = stored.closing.clone().map(normal);
    let guarantee_signed = normal(stored.guarantee.clone());
    Ok(Some(TextRecord {
        record: stored.with_signed(guarantee_signed, closing_signed),
        guarantee,
        closing,
    }))
}

/// A guarantee and its state, its envelopes as their canonical JSON: what a settlement or release
/// answers. [`GuaranteeText::to_json`] is the answer served; [`GuaranteeText::view`] the
/// structure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GuaranteeText {
    /// Id.
    pub guarantee_id: String,
    /// `outstanding`, `settled`, `released`.
    pub state: GuaranteeState,
    /// The signed guarantee, canonical JSON.
    pub guarantee: String,
    /// The signed settlement or release, canonical JSON.
    pub closing: Option<String>,
}

impl GuaranteeText {
    /// The JSON of the [`GuaranteeView`] it stands for, members in sorted order as served: the
    /// bytes `serde_json` gives for the view made a sorted tree (tested), the envelopes written
    /// as they are.
    pub fn to_json(&self) -> Result<Vec<u8>, NotaryError> {
        let closing = self.closing.as_deref().unwrap_or("null");
        let mut out = Vec::with_capacity(self.guarantee.len() + closing.len() + 96);
        out.extend_from_slice(b"{\"closing\":");
        out.extend_from_slice(closing.as_bytes());
        out.extend_from_slice(b",\"guarantee\":");
        out.extend_from_slice(self.guarantee.as_bytes());
        out.extend_from_slice(b",\"guarantee_id\":");
        write_str(&mut out, &self.guarantee_id).map_err(|e| NotaryError::Bug(e.to_string()))?;
        out.extend_from_slice(b",\"state\":\"");
        out.extend_from_slice(self.state.as_str().as_bytes());
        out.extend_from_slice(b"\"}");
        Ok(out)
    }

    /// The view, its envelopes parsed.
    pub fn view(&self) -> Result<GuaranteeView, NotaryError> {
        Ok(GuaranteeView {
            guarantee_id: self.guarantee_id.clone(),
            state: self.state,
            guarantee: parse(&self.guarantee)?,
            closing: self.closing.as_deref().map(parse).transpose()?,
            held_by: None,
        })
    }
}

fn text_of(env: &Envelope) -> Result<String, NotaryError> {
    let bytes = env
        .to_bytes()
        .map_err(|e| NotaryError::Bug(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| NotaryError::Bug(e.to_string()))
}

fn parse(text: &str) -> Result<Envelope, NotaryError> {
    serde_json::from_str(text).map_err(|e| NotaryError::Corrupt(format!("envelope: {e}")))
}

fn owned(s: Signed<&Envelope>) -> Signed {
    match s {
        Signed::At { at } => Signed::At { at },
        Signed::Inline(env) => Signed::Inline(env.clone()),
    }
}
