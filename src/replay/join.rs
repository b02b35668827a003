//! The join, item by item: a bundle item and what [`super::verify`] found about it become the
//! rule engine's [`Item`] (docs/formats.md "From a bundle to the rules").
//!
//! **Content** comes from the envelope's kind and payload (an RFC 3161 token is a
//! `Timestamp` over its imprint, a document a `Document`, or a `NonceReveal` when its verified
//! content is the pre-image of an m1's `na_digest` or an m2's `nb_digest`). Kinds the rules have no content for
//! (the complaint and the response) are left out of the engine's items.
//!
//! **Facts**: `signature_valid` is true only when every check of the item passed (so a flipped
//! bit anywhere in an item makes it inadmissible); `signer` is the verified key id, else the
//! first key id the envelope names; `in_log` is `Some(true)` for a notary envelope whose
//! inclusion proof verified and for a token that verified to the bundle's TSA root (the notary's
//! own TSA: it stands for the log), `Some(false)` for a validly signed notary envelope the log
//! contradicts (`ItemFacts::log_contradicts`: its valid signature stands, a notary fault,
//! `A0.not_in_log`), `None` otherwise (inadmissible, `A0.no_inclusion_proof`; `unproven` marks
//! a notary envelope whose signature verified but whose proof did not, so that it is refused for
//! the proof and not as forged).
//!
//! **Embeds** (the digests an item's signed bytes contain, each mapped to the id of the bundle
//! item it names, and only when that item is in the bundle):
//! - a `tid` (SHA-256 of m1's canonical payload) in m2, an abort request, an item escrow, a
//!   receipt or a notary exchange token → the m1 item with that tid;
//! - the envelopes a notary exchange token carries (`m1`, `m2`, `abort`, `item_escrow`,
//!   `receipt`) → their ids;
//! - an `order_digest` in a guarantee, refusal or goods receipt → the order item with that
//!   `order_digest`;
//! - an order's `fresh` (the item id of a notary `nonce`) → that nonce;
//! - a complaint receipt's `complaint_digest` and `evidence_ids` → those items; a response
//!   receipt's `evidence_ids` → those items (the answer's evidence, signed by its receipt);
//! - an RFC 3161 token's imprint → the item with that id.

use std::collections::BTreeMap;

use chrono::DateTime;
use serde::Deserialize;
use serde_json::Value;

use super::format::{envelope_id, Item as BundleItem};
use super::verify::ItemReport;
use crate::crypto::envelope::Envelope;
use crate::model::dispute::{Content, Facts, Item, Role};
use crate::model::exchange::{Offer, Protocol, Subject, WireTime};
use crate::model::money::{Currency, Money};

/// What the join knows about the whole bundle while it maps one item.
pub(super) struct Index<'a> {
    /// The tid of every m1 in the bundle → its item id.
    pub m1_by_tid: BTreeMap<String, String>,
    /// The orders, by `order_digest`, with what verification found about each.
    pub orders: Orders,
    /// The nonce digests of every m1 (`na_digest`) and m2 (`nb_digest`) → the exchange's tid
    /// and whose nonce it is: a document whose verified content hashes to one opens that nonce.
    pub nonce_digests: BTreeMap<String, (String, Role)>,
    /// Every item id in the bundle.
    pub ids: std::collections::HashSet<&'a str>,
    /// The claim, to decide whether an item-for-receipt m1 moved a payment.
    pub payment: Option<PaymentClaim>,
    /// The key id standing for the notary's TSA.
    pub tsa_key_id: String,
}

/// A `non_payment` claim about an exchange: its m1 moved the payment token when the claimant
/// is its responder (the payee) and the respondent its originator (the payer).
pub(super) struct PaymentClaim {
    pub tid: String,
    pub payee: String,
    pub payer: String,
    /// The claim's currency: a payment m1 that states no amount shows zero in it.
    pub currency: Currency,
}

impl<'a> Index<'a> {
    /// Indexes the items (not the registry) of a bundle.
    pub fn new(
        items: &'a [BundleItem],
        reports: &[ItemReport],
        payment: Option<PaymentClaim>,
        tsa_key_id: String,
    ) -> Index<'a> {
        let mut index = Index {
            m1_by_tid: BTreeMap::new(),
            orders: Orders::new(items, reports),
            nonce_digests: BTreeMap::new(),
            ids: items.iter().map(|i| i.id()).collect(),
            payment,
            tsa_key_id,
        };
        // m1 by tid: a verified copy before one that fails (an edited copy beside the original
        // must not stand for it), then the smallest id.
        let mut m1s: BTreeMap<String, (bool, String)> = BTreeMap::new();
        for (item, report) in items.iter().zip(reports) {
            let Some(env) = envelope(item) else { continue };
            match env.kind.as_str() {
                "exchange_offer" => {
                    if let Ok(offer) = Offer::from_payload(&env.payload) {
                        let tid = offer.tid().as_str().to_string();
                        let na = offer.payload().na_digest.as_str().to_string();
                        index
                            .nonce_digests
                            .insert(na, (tid.clone(), Role::Originator));
                        let candidate = (!report.ok, item.id().to_string());
                        let slot = m1s.entry(tid).or_insert_with(|| candidate.clone());
                        if candidate < *slot {
                            *slot = candidate;
                        }
                    }
                }
                "exchange_acceptance" => {
                    if let (Some(tid), Some(nb)) =
                        (text(&env.payload, "tid"), text(&env.payload, "nb_digest"))
                    {
                        index
                            .nonce_digests
                            .entry(nb)
                            .or_insert((tid, Role::Responder));
                    }
                }
                _ => {}
            }
        }
        index.m1_by_tid = m1s.into_iter().map(|(tid, (_, id))| (tid, id)).collect();
        index
    }
}

/// An order envelope of the bundle, as the join matches it to what names its document.
struct OrderRef {
    id: String,
    /// The key whose signature verified.
    key: Option<String>,
    seller: Option<String>,
    amount: Option<Money>,
}

/// The bundle's orders by `order_digest`. A guarantee, a refusal or a goods receipt names an
/// order only by the digest of its document, and several order envelopes can carry one digest
/// (another order the buyer signed over the same document, an edited copy): each is matched to
/// the order it can be about, never to whichever id sorts first. Only orders that pass every
/// check (their id, a signature by a registered key) are indexed: nothing is matched to another,
/// and a bundle of many edited copies does not make each match read them all.
pub(super) struct Orders(BTreeMap<String, Vec<OrderRef>>);

impl Orders {
    /// Indexes the order envelopes of `items` (`reports` in the same order).
    pub fn new(items: &[BundleItem], reports: &[ItemReport]) -> Orders {
        let mut by_digest: BTreeMap<String, Vec<OrderRef>> = BTreeMap::new();
        for (item, report) in items.iter().zip(reports) {
            let Some(env) = envelope(item).filter(|e| e.kind == "order" && report.ok) else {
                continue;
            };
            let Some(digest) = text(&env.payload, "order_digest") else {
                continue;
            };
            by_digest.entry(digest).or_default().push(OrderRef {
                id: item.id().to_string(),
                key: report.facts.signer.as_ref().map(|s| s.key_id.clone()),
                seller: text(&env.payload, "seller_id"),
                amount: money(&env.payload, "amount"),
            });
        }
        Orders(by_digest)
    }

    /// The order the notary's guarantee or refusal with payload `p` answered: a verified order
    /// over its `order_digest`, placed with its `seller_id`, signed with its `key_id` when it
    /// names one, for its `amount` (a guarantee: only that amount; a refusal, which may be for
    /// the amount: that one first); the smallest id among equals.
    pub fn answered(&self, p: &Value, guarantee: bool) -> Option<String> {
        let candidates = self.0.get(&text(p, "order_digest")?)?;
        let (seller, key, amount) = (text(p, "seller_id"), text(p, "key_id"), money(p, "amount"));
        candidates
            .iter()
            .filter(|o| o.seller == seller)
            .filter(|o| key.is_none() || o.key == key)
            .filter(|o| !guarantee || o.amount == amount)
            .min_by(|a, b| (a.amount != amount, &a.id).cmp(&(b.amount != amount, &b.id)))
            .map(|o| o.id.clone())
    }

    /// Every verified order over `digest`: a goods receipt acknowledges the goods of the
    /// document, whichever order names it.
    pub fn verified(&self, digest: &str) -> Vec<String> {
        let all = self.0.get(digest).map(Vec::as_slice).unwrap_or_default();
        all.iter().map(|o| o.id.clone()).collect()
    }
}

fn envelope(item: &BundleItem) -> Option<&Envelope> {
    match item {
        BundleItem::PartyEnvelope { envelope, .. }
        | BundleItem::NotaryEnvelope { envelope, .. } => Some(envelope),
        _ => None,
    }
}

pub(super) fn text(v: &Value, field: &str) -> Option<String> {
    v.get(field).and_then(Value::as_str).map(str::to_string)
}

pub(super) fn time(v: &Value, field: &str) -> Option<WireTime> {
    text(v, field).and_then(|s| WireTime::try_from(s).ok())
}

pub(super) fn money(v: &Value, field: &str) -> Option<Money> {
    Money::deserialize(v.get(field)?).ok()
}

/// The engine's item for one bundle item, `None` for kinds the rules have no content for.
pub(super) fn join(item: &BundleItem, report: &ItemReport, index: &Index<'_>) -> Option<Item> {
    let (content, embeds) = match item {
        BundleItem::PartyEnvelope { envelope, .. }
        | BundleItem::NotaryEnvelope { envelope, .. } => envelope_content(envelope, report, index)?,
        BundleItem::Rfc3161Token { imprint, .. } => {
            (timestamp(imprint, report), vec![imprint.clone()])
        }
        BundleItem::Document { name, .. } => document(item.id(), name, report, index),
    };
    let mut embeds: Vec<String> = embeds
        .into_iter()
        .filter(|e| e != item.id() && index.ids.contains(e.as_str()))
        .collect();
    embeds.sort();
    embeds.dedup();
    Some(Item {
        id: item.id().to_string(),
        content,
        embeds,
        facts: facts(item, report, index),
    })
}

/// A document; one whose content is there, hashes to its id and is the pre-image of an
/// exchange's nonce digest opens that nonce (it embeds the exchange's m1).
fn document(
    id: &str,
    name: &str,
    report: &ItemReport,
    index: &Index<'_>,
) -> (Content, Vec<String>) {
    match index.nonce_digests.get(id) {
        Some((tid, role)) if report.facts.content_ok == Some(true) => {
            let content = Content::NonceReveal {
                tid: tid.clone(),
                role: *role,
                matches: true,
            };
            (
                content,
                index.m1_by_tid.get(tid).cloned().into_iter().collect(),
            )
        }
        _ => (
            Content::Document {
                name: name.to_string(),
            },
            vec![],
        ),
    }
}

fn facts(item: &BundleItem, report: &ItemReport, index: &Index<'_>) -> Facts {
    let verified = report.facts.signer.as_ref().map(|s| s.key_id.clone());
    let signer = match item {
        BundleItem::Rfc3161Token { .. } => Some(index.tsa_key_id.clone()),
        BundleItem::Document { .. } => None,
        _ => verified
            .or_else(|| envelope(item).and_then(|e| e.signer_key_ids().next().map(str::to_string))),
    };
    let f = &report.facts;
    let contradicted = f.signature_ok == Some(true) && f.log_contradicts.is_some();
    let in_log = match item {
        BundleItem::NotaryEnvelope { .. } if contradicted => Some(false),
        BundleItem::NotaryEnvelope { .. } => f.in_log.as_ref().map(|_| true),
        BundleItem::Rfc3161Token { .. } => report.ok.then_some(true),
        _ => None,
    };
    // A notary envelope's checks are its signature, then its proof: a verified signature and
    // no verified (nor contradicting) proof means the proof failed (s11 M1). A token's are its
    // signature, then its TSA's tie to the notary's log (`notary.identity`): a verified
    // signature and a failing token means that tie is not shown (s14 F4).
    let unproven = match item {
        BundleItem::NotaryEnvelope { .. } => {
            f.signature_ok == Some(true) && f.in_log.is_none() && !contradicted
        }
        BundleItem::Rfc3161Token { .. } => f.signature_ok == Some(true) && !report.ok,
        _ => false,
    };
    Facts {
        signature_valid: (report.ok || contradicted) && f.signature_ok != Some(false),
        misnamed: f.id_ok == Some(false),
        unproven,
        signer,
        in_log,
    }
}

/// A token's content; a token that did not verify has no genTime and gets the epoch (it is
/// inadmissible, so the time is never used).
fn timestamp(imprint: &str, report: &ItemReport) -> Content {
    let gen_time = report
        .facts
        .gen_time
        .clone()
        .and_then(|s| WireTime::try_from(s).ok())
        .unwrap_or_else(epoch);
    let accuracy = report.facts.accuracy_ms.unwrap_or(0);
    Content::Timestamp {
        digest: imprint.to_string(),
        gen_time,
        accuracy_ms: i64::try_from(accuracy).unwrap_or(i64::MAX),
    }
}

pub(super) fn epoch() -> WireTime {
    WireTime::new(DateTime::UNIX_EPOCH).expect("the epoch has no sub-millisecond part")
}

/// Content and embedded digests of an envelope; `None` for kinds without content.
fn envelope_content(
    env: &Envelope,
    report: &ItemReport,
    index: &Index<'_>,
) -> Option<(Content, Vec<String>)> {
    let p = &env.payload;
    let tid_m1 = || {
        text(p, "tid")
            .and_then(|t| index.m1_by_tid.get(&t).cloned())
            .into_iter()
            .collect::<Vec<_>>()
    };
    let tid = || text(p, "tid").unwrap_or_default();
    let at = |f: &str| time(p, f).unwrap_or_else(epoch);
    let c = match env.kind.as_str() {
        "order" | "guarantee" | "refusal" | "release" | "settlement" => {
            return ledger_content(env, report, index)
        }
        "exchange_offer" => return offer(p, index),
        "exchange_acceptance" => Content::Acceptance { tid: tid() },
        "exchange_abort" => Content::AbortRequest { tid: tid() },
        "exchange_item_escrow" => Content::ItemEscrow { tid: tid() },
        "exchange_receipt" => Content::ExchangeReceipt { tid: tid() },
        "exchange_abort_token" => Content::AbortToken {
            tid: tid(),
            cause: text(p, "cause").unwrap_or_default(),
            decided_at: at("decided_at"),
        },
        "replacement_contract" => Content::ReplacementContract {
            tid: tid(),
            decided_at: at("decided_at"),
        },
        "delivery_affidavit" => Content::DeliveryAffidavit {
            tid: tid(),
            decided_at: at("decided_at"),
        },
        "escrow_failure_affidavit" => Content::EscrowFailure {
            tid: tid(),
            decided_at: at("decided_at"),
        },
        "complaint_receipt" => return Some(complaint_receipt(p)),
        "complaint_response_receipt" => return Some(response_receipt(p)),
        "goods_receipt" => return Some(goods_receipt(p, report, index)),
        "nonce" => Content::Nonce {
            issued_at: at("issued_at"),
        },
        "ruling" => Content::Ruling {
            released: ruled(p, "release_guarantee", "released"),
            held: ruled(p, "hold_guarantee", "held"),
            decided_at: at("decided_at"),
        },
        "complaint_silence" => Content::ComplaintSilence {
            complaint_id: text(p, "complaint_id").unwrap_or_default(),
            at: at("recorded_at"),
        },
        _ => return None,
    };
    let mut embeds = tid_m1();
    embeds.extend(carried_envelopes(p));
    Some((c, embeds))
}

/// The guarantees a signed ruling's `action` actions ended with `result`: `release_guarantee`
/// `released` (one already released or settled was not released by it), `hold_guarantee`
/// `held` (one found outstanding and held for its seller).
fn ruled(p: &Value, action: &str, result: &str) -> Vec<String> {
    let actions = p.get("actions").and_then(Value::as_array);
    actions
        .into_iter()
        .flatten()
        .filter(|a| a.get("action").and_then(Value::as_str) == Some(action))
        .filter(|a| a.get("result").and_then(Value::as_str) == Some(result))
        .filter_map(|a| text(a, "guarantee_id"))
        .collect()
}

/// The ids of the envelopes a notary exchange token carries.
fn carried_envelopes(p: &Value) -> Vec<String> {
    ["m1", "m2", "abort", "item_escrow", "receipt"]
        .iter()
        .filter_map(|f| Envelope::deserialize(p.get(*f)?).ok())
        .filter_map(|e| envelope_id(&e).ok())
        .collect()
}

fn offer(p: &Value, index: &Index<'_>) -> Option<(Content, Vec<String>)> {
    let o = Offer::from_payload(p).ok()?;
    let tid = o.tid().as_str().to_string();
    let (originator, responder) = (
        o.payload().originator.clone(),
        o.payload().responder.clone(),
    );
    // What the payment is worth is what m1 states, never the claim: a claimant names any sum.
    let (stated, names) = match &o.payload().subject {
        Subject::Item {
            amount,
            order_digest,
            ..
        } => (*amount, order_digest.as_ref()),
        Subject::Contract { .. } => (None, None),
    };
    // A payment m1 that names an order (with the sum it pays, which the model requires) pays
    // the verified orders with that digest; a case about one of them counts it.
    let pays = names
        .filter(|_| stated.is_some())
        .map(|d| index.orders.verified(d.as_str()))
        .unwrap_or_default();
    let payment = index
        .payment
        .as_ref()
        .and_then(|c| {
            let paid = o.protocol() == Protocol::Item
                && c.tid == tid
                && c.payee == responder
                && c.payer == originator;
            paid.then(|| {
                stated.unwrap_or(Money {
                    minor: 0,
                    currency: c.currency,
                })
            })
        })
        .or(if pays.is_empty() { None } else { stated });
    let content = Content::Offer {
        tid,
        protocol: o.protocol(),
        originator,
        responder,
        payment,
        pays,
    };
    Some((content, vec![]))
}

/// The buyer's receipt of the goods: signed by the verified signer's party, embedding the order
/// its `order_digest` names.
fn goods_receipt(p: &Value, report: &ItemReport, index: &Index<'_>) -> (Content, Vec<String>) {
    let content = Content::GoodsReceipt {
        buyer: signer_party(report),
    };
    let orders = text(p, "order_digest").map(|d| index.orders.verified(&d));
    (content, orders.unwrap_or_default())
}

/// The party of the key whose signature verified, empty when none did.
fn signer_party(report: &ItemReport) -> String {
    report
        .facts
        .signer
        .as_ref()
        .and_then(|s| s.party_id.clone())
        .unwrap_or_default()
}

/// The notary's receipt of an answer: the answer's evidence ids are items it embeds (signed by
/// `received_at` at the latest, as a complaint receipt's evidence is by the filing).
fn response_receipt(p: &Value) -> (Content, Vec<String>) {
    let embeds = p
        .get("evidence_ids")
        .and_then(Value::as_array)
        .map(|ids| {
            ids.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let content = Content::ResponseReceipt {
        complaint_id: text(p, "complaint_id").unwrap_or_default(),
        received_at: time(p, "received_at").unwrap_or_else(epoch),
    };
    (content, embeds)
}

fn complaint_receipt(p: &Value) -> (Content, Vec<String>) {
    let mut embeds: Vec<String> = text(p, "complaint_digest").into_iter().collect();
    if let Some(ids) = p.get("evidence_ids").and_then(Value::as_array) {
        embeds.extend(ids.iter().filter_map(|v| v.as_str().map(str::to_string)));
    }
    let content = Content::ComplaintReceipt {
        complaint_id: text(p, "complaint_id").unwrap_or_default(),
        filed_at: time(p, "received_at").unwrap_or_else(epoch),
    };
    (content, embeds)
}

/// Orders, guarantees, refusals and their closings.
fn ledger_content(
    env: &Envelope,
    report: &ItemReport,
    index: &Index<'_>,
) -> Option<(Content, Vec<String>)> {
    let p = &env.payload;
    let s = |f: &str| text(p, f).unwrap_or_default();
    let at = |f: &str| time(p, f).unwrap_or_else(epoch);
    let amount = money(p, "amount")?;
    let order = || {
        let guarantee = env.kind == "guarantee";
        index
            .orders
            .answered(p, guarantee)
            .into_iter()
            .collect::<Vec<_>>()
    };
    let c = match env.kind.as_str() {
        "order" => Content::Order {
            buyer: signer_party(report),
            seller: s("seller_id"),
            amount,
            agreement: s("agreement_id"),
            tid: text(p, "tid"),
            claimed_at: None,
        },
        "guarantee" => Content::Guarantee {
            guarantee_id: s("guarantee_id"),
            agreement: s("agreement_id"),
            buyer: s("buyer"),
            amount,
            issued_at: at("issued_at"),
            valid_until: at("expires_at"),
        },
        "refusal" => Content::Refusal {
            agreement: s("agreement_id"),
            reason: s("reason"),
            at: at("issued_at"),
        },
        "release" => Content::Release {
            guarantee_id: s("guarantee_id"),
            at: at("closed_at"),
        },
        _ => Content::Settlement {
            guarantee_id: s("guarantee_id"),
            at: at("closed_at"),
        },
    };
    let embeds = match env.kind.as_str() {
        "guarantee" | "refusal" => order(),
        // A notary nonce the buyer fetched before signing, by its item id.
        "order" => text(p, "fresh").into_iter().collect(),
        _ => vec![],
    };
    Some((c, embeds))
}

#[cfg(test)]
#[path = "join_tests.rs"]
mod tests;
