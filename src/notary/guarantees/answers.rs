//! The notary's answers by order: every guarantee or refusal it signs is kept with the order it
//! answered, under `order_answer/<order_digest>/<seller id> 0 <request id>` in CF meta, in the
//! same durable write as the answer. A complaint about an order (there is no guarantee id when
//! the guarantee was refused) finds the notary's answer, and a case export the order itself,
//! here. Answers signed before this index existed are not in it: their orders come from the
//! parties' evidence.

use serde::{Deserialize, Serialize};

use super::request::CheckedRequest;
use crate::crypto::envelope::Envelope;
use crate::notary::by_index::{resolve, Signed};
use crate::notary::state::to_json;
use crate::notary::{NotaryError, Shared};
use crate::store::Cf;

/// Most answers read back for one order digest (one per request: a seller asking again, or
/// under another agreement). Past it the oldest keys (by seller and request id) are kept.
pub const ANSWERS_PER_ORDER_MAX: usize = 64;

/// An order and the notary's signed answer to it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct OrderAnswer {
    /// The buyer-signed order, as the request carried it.
    pub order: Envelope,
    /// The notary's `guarantee` or `refusal`.
    pub answer: Envelope,
}

fn prefix(order_digest: &str) -> Vec<u8> {
    format!("order_answer/{order_digest}/").into_bytes()
}

/// The key of the answer to seller `seller_id`'s request `request_id` for `order_digest`.
pub(crate) fn answer_key(order_digest: &str, seller_id: &str, request_id: &str) -> Vec<u8> {
    let mut k = prefix(order_digest);
    k.extend_from_slice(seller_id.as_bytes());
    k.push(0);
    k.extend_from_slice(request_id.as_bytes());
    k
}

/// The record that keeps the answer signed at log index `at` with the request's order: an
/// [`OrderAnswer`] as stored, the answer named by its index (its leaf holds its bytes).
pub(super) fn answer_record(
    c: &CheckedRequest,
    at: u64,
) -> Result<(Cf, Vec<u8>, Vec<u8>), NotaryError> {
    let key = answer_key(&c.order.order_digest, &c.req.seller_id, &c.req.request_id);
    let value = Stored {
        order: &c.req.order,
        answer: Signed::<&Envelope>::At { at },
    };
    Ok((Cf::Meta, key, to_json(&value)?))
}

/// An [`OrderAnswer`] on disk (answers stored before 2026-12-01 hold the envelope inline).
#[derive(Serialize, Deserialize)]
struct Stored<O, E> {
    order: O,
    answer: Signed<E>,
}

/// Stored answers (`raw`, in order), their envelopes read from the log.
fn parse(shared: &Shared, raw: Vec<Vec<u8>>) -> Result<Vec<OrderAnswer>, NotaryError> {
    let stored: Vec<Stored<Envelope, Envelope>> = raw
        .iter()
        .map(|v| {
            serde_json::from_slice(v)
                .map_err(|e| NotaryError::Corrupt(format!("order answer: {e}")))
        })
        .collect::<Result<_, _>>()?;
    let (orders, signed): (Vec<Envelope>, Vec<Signed>) =
        stored.into_iter().map(|s| (s.order, s.answer)).unzip();
    let answers = resolve(&shared.store, signed)?;
    Ok(orders
        .into_iter()
        .zip(answers)
        .map(|(order, answer)| OrderAnswer { order, answer })
        .collect())
}

/// The durable answers to orders with `order_digest`, in key order (at most
/// [`ANSWERS_PER_ORDER_MAX`]).
pub(crate) fn order_answers(
    shared: &Shared,
    order_digest: &str,
) -> Result<Vec<OrderAnswer>, NotaryError> {
    let found = shared
        .store
        .with_prefix(Cf::Meta, &prefix(order_digest), ANSWERS_PER_ORDER_MAX)?;
    parse(shared, found.into_iter().map(|(_, v)| v).collect())
}

/// The answer to one request, if the index has it.
pub(crate) fn order_answer(
    shared: &Shared,
    order_digest: &str,
    seller_id: &str,
    request_id: &str,
) -> Result<Option<OrderAnswer>, NotaryError> {
    let key = answer_key(order_digest, seller_id, request_id);
    match shared.store.get(Cf::Meta, &key)? {
        Some(v) => Ok(parse(shared, vec![v])?.pop()),
        None => Ok(None),
    }
}
