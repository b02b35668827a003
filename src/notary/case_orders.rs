//! What a guarantee or order case's bundle needs beyond the certificate (docs/design.md
//! "Disputes", the case export): the order itself and the notary's answer to it, the exchange
//! the order names by `tid` (m1 and the notary's decision), and, for the headroom rule (Q4), the
//! agreement's guarantees that may have been outstanding when the order was signed, with their
//! closings.
//!
//! The headroom set is bounded: the guarantees of the order's agreement issued at or before the
//! claim's filing (the end of the span Q4 takes the least headroom over) and not closed before
//! the order's earliest possible signing time (the `issued_at` of a notary nonce the order
//! embeds, see `fresh`; without one every closed guarantee counts), the newest
//! [`HEADROOM_GUARANTEES_MAX`] of them. Past the bound the oldest are left out: a replay then
//! sees less exposure than there was, so the headroom it computes can only be too large.

use chrono::{DateTime, Utc};

use super::case_export::{Draft, Gathered};
use super::complaints::ComplaintRecord;
use super::guarantees::{order_answer, order_answers, read_many, stored_guarantee, OrderAnswer};
use super::state::GuaranteeRecord;
use super::{Notary, NotaryError};
use crate::crypto::envelope::Envelope;
use crate::model::exchange::WireTime;

/// Most guarantees of the agreement a bundle carries for the headroom rule.
pub const HEADROOM_GUARANTEES_MAX: usize = 64;

fn text<'a>(env: &'a Envelope, field: &str) -> Option<&'a str> {
    env.payload.get(field).and_then(|v| v.as_str())
}

fn time(env: &Envelope, field: &str) -> Option<DateTime<Utc>> {
    let t = text(env, field)?.to_string();
    WireTime::try_from(t).ok().map(WireTime::at)
}

impl Notary {
    /// The order records of a guarantee or order case: each order with the notary's answer, its
    /// exchange, and the agreement's guarantees for the headroom rule.
    pub(super) fn gather_orders(
        &self,
        r: &ComplaintRecord,
        g: &mut Gathered,
    ) -> Result<(), NotaryError> {
        for a in self.case_orders(r)? {
            g.items.push(Draft::Party(a.order.clone()));
            self.push_signed(&a.answer, g);
            if let Some(gid) =
                text(&a.answer, "guarantee_id").filter(|_| a.answer.kind == "guarantee")
            {
                if let Some(c) = stored_guarantee(&self.shared, gid)?.closing {
                    self.push_signed(&c, g);
                }
            }
            if let Some(agreement) = text(&a.answer, "agreement_id") {
                if let Some(ag) = self.shared.state.lock().agreements.get(agreement) {
                    g.registry.insert(ag.log_index);
                }
                // Every guarantee that stood beside the unguaranteed order until the claim: the
                // headroom rule takes the least headroom over that span (docs/design.md, Q4).
                let latest = time(&a.answer, "issued_at").map(|t| t.max(r.filed_at));
                let nonce = self.fresh_nonce(&a.order)?;
                let earliest = nonce.as_ref().and_then(|(n, _)| time(n, "issued_at"));
                if let Some((env, index)) = nonce {
                    g.items.push(Draft::Logged(env, index));
                }
                for h in self.headroom_guarantees(agreement, latest, earliest)? {
                    self.push_signed(&h.guarantee, g);
                    if let Some(c) = &h.closing {
                        self.push_signed(c, g);
                    }
                }
            }
            if let Some(tid) = text(&a.order, "tid") {
                self.gather_exchange(tid, g)?;
            }
        }
        Ok(())
    }

    /// The orders a case is about, each with the notary's answer: the guarantee's order, or
    /// every answered order with the complaint's `order_digest` between its two parties.
    fn case_orders(&self, r: &ComplaintRecord) -> Result<Vec<OrderAnswer>, NotaryError> {
        if let Some(gid) = &r.guarantee_id {
            let gr = stored_guarantee(&self.shared, gid)?;
            let found = order_answer(
                &self.shared,
                &gr.order_digest,
                &gr.seller_id,
                &gr.request_id,
            )?;
            return Ok(found.into_iter().collect());
        }
        let Some(digest) = &r.order_digest else {
            return Ok(Vec::new());
        };
        let parties = [r.claimant.as_str(), r.respondent.as_str()];
        let st = self.shared.state.lock();
        let ours = |a: &OrderAnswer| {
            let seller = text(&a.answer, "seller_id").unwrap_or_default();
            let buyer = text(&a.answer, "agreement_id")
                .and_then(|id| st.agreements.get(id))
                .map_or("", |ag| ag.buyer_id.as_str());
            seller != buyer && parties.contains(&seller) && parties.contains(&buyer)
        };
        Ok(order_answers(&self.shared, digest)?
            .into_iter()
            .filter(ours)
            .collect())
    }

    /// m1 of exchange `tid` and the notary's decision on it, when the notary knows it.
    pub(super) fn gather_exchange(&self, tid: &str, g: &mut Gathered) -> Result<(), NotaryError> {
        if let Some(x) = super::exchanges::stored_exchange(&self.shared.store, tid)? {
            g.items.push(Draft::Party(x.m1.clone()));
            if let Some(d) = &x.decision {
                self.push_signed(&d.token, g);
            }
        }
        Ok(())
    }

    /// The notary nonce `order` embeds (`fresh`: its item id) and its log index, when this
    /// notary issued it: its `issued_at` is the order's earliest possible signing time.
    fn fresh_nonce(&self, order: &Envelope) -> Result<Option<(Envelope, u64)>, NotaryError> {
        let Some(id) = text(order, "fresh") else {
            return Ok(None);
        };
        let Some(index) = self.nonce_log_index(id)? else {
            return Ok(None);
        };
        Ok(Some((self.logged_envelope(index)?, index)))
    }

    /// The guarantees of `agreement` issued at or before `latest` and not closed before
    /// `earliest`, newest first, at most [`HEADROOM_GUARANTEES_MAX`].
    fn headroom_guarantees(
        &self,
        agreement: &str,
        latest: Option<DateTime<Utc>>,
        earliest: Option<DateTime<Utc>>,
    ) -> Result<Vec<GuaranteeRecord>, NotaryError> {
        let Some(latest) = latest else {
            return Ok(Vec::new());
        };
        let gids = super::agreements::guarantee_ids(&self.shared.store, agreement)?;
        let mut found: Vec<(DateTime<Utc>, GuaranteeRecord)> = Vec::new();
        for g in read_many(&self.shared, &gids)? {
            let Some(issued) = time(&g.guarantee, "issued_at") else {
                continue;
            };
            let closed = g.closing.as_ref().and_then(|c| time(c, "closed_at"));
            let ended_before = matches!((closed, earliest), (Some(c), Some(e)) if c < e);
            if issued <= latest && !ended_before {
                found.push((issued, g));
            }
        }
        found.sort_by(|a, b| (b.0, &b.1.guarantee_id).cmp(&(a.0, &a.1.guarantee_id)));
        found.truncate(HEADROOM_GUARANTEES_MAX);
        Ok(found.into_iter().map(|(_, g)| g).collect())
    }
}
