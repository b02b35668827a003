//! A guarantee certificate's payload written straight to its canonical bytes (RFC 8785): the
//! members of a struct declared in JCS order, serialised once, without a JSON tree of strings
//! made and dropped per guarantee (docs/design.md §2, "One serialisation per object").

use serde::Serialize;

use super::GuaranteeRequest;
use crate::model::money::{Currency, Money};

/// The payload of a `guarantee` envelope (docs/formats.md). Members in JCS order: the struct's
/// bytes are its canonical form (a test checks them against the canonical writer).
#[derive(Serialize)]
pub(super) struct GuaranteePayload<'a> {
    pub agreement_id: &'a str,
    pub amount: CanonicalMoney,
    pub buyer: &'a str,
    pub expires_at: &'a str,
    pub guarantee_id: &'a str,
    pub issued_at: &'a str,
    pub key_id: Option<&'a str>,
    pub key_status: &'static str,
    pub log_index: u64,
    pub order_digest: &'a str,
    pub policy_digest: &'a str,
    pub policy_id: &'a str,
    pub policy_version: u32,
    pub request_id: &'a str,
    pub seller_id: &'a str,
}

/// [`Money`] with its members in JCS order (`currency` before `minor`).
#[derive(Serialize)]
pub(super) struct CanonicalMoney {
    currency: Currency,
    minor: i64,
}

impl From<Money> for CanonicalMoney {
    fn from(m: Money) -> Self {
        CanonicalMoney {
            currency: m.currency,
            minor: m.minor,
        }
    }
}

impl GuaranteePayload<'_> {
    /// The canonical JSON bytes (integers and strings only: nothing the canonical form refuses).
    pub fn to_canonical(&self) -> Result<Vec<u8>, String> {
        serde_json::to_vec(self).map_err(|e| e.to_string())
    }
}

/// The canonical JSON of a guarantee request (RFC 8785; what its digest is taken over) around
/// its order envelope's canonical bytes `order` ([`crate::crypto::envelope::Envelope::to_bytes`]),
/// written member by member: the same bytes as `to_canonical_json(req)` (tested) without a JSON
/// tree of the whole request, and the order serialised once for the digest and its signature.
pub(super) fn canonical_request(
    req: &GuaranteeRequest,
    order: &[u8],
) -> Result<Vec<u8>, serde_json::Error> {
    let mut out = Vec::with_capacity(order.len() + 256);
    out.extend_from_slice(b"{\"agreement_id\":");
    serde_json::to_writer(&mut out, &req.agreement_id)?;
    out.extend_from_slice(b",\"amount\":");
    serde_json::to_writer(&mut out, &CanonicalMoney::from(req.amount))?;
    out.extend_from_slice(b",\"order\":");
    out.extend_from_slice(order);
    out.extend_from_slice(b",\"request_id\":");
    serde_json::to_writer(&mut out, &req.request_id)?;
    out.extend_from_slice(b",\"seller_id\":");
    serde_json::to_writer(&mut out, &req.seller_id)?;
    out.push(b'}');
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::envelope::{Envelope, EnvelopeSignature};
    use crate::model::canonical::{canonical_value, to_canonical_json};
    use proptest::prelude::*;
    use serde_json::json;

    /// The payload as it was built before, a JSON tree, in canonical form.
    fn by_tree(p: &GuaranteePayload, amount: Money) -> Vec<u8> {
        let v = json!({
            "guarantee_id": p.guarantee_id,
            "request_id": p.request_id,
            "agreement_id": p.agreement_id,
            "buyer": p.buyer,
            "seller_id": p.seller_id,
            "amount": amount,
            "order_digest": p.order_digest,
            "key_id": p.key_id,
            "key_status": p.key_status,
            "issued_at": p.issued_at,
            "expires_at": p.expires_at,
            "policy_id": p.policy_id,
            "policy_version": p.policy_version,
            "policy_digest": p.policy_digest,
            "log_index": p.log_index,
        });
        canonical_value(&v).expect("canonical")
    }

    proptest! {
        #[test]
        fn the_structs_bytes_are_the_canonical_form(
            s in proptest::collection::vec(any::<String>(), 9),
            key in proptest::option::of(any::<String>()),
            minor in any::<i64>(),
            version in any::<u32>(),
            index in any::<u64>(),
        ) {
            let amount = Money { minor, currency: Currency::parse("EUR").expect("EUR") };
            let p = GuaranteePayload {
                agreement_id: &s[0],
                amount: amount.into(),
                buyer: &s[1],
                expires_at: &s[2],
                guarantee_id: &s[3],
                issued_at: &s[4],
                key_id: key.as_deref(),
                key_status: "not_revoked",
                log_index: index,
                order_digest: &s[5],
                policy_digest: &s[6],
                policy_id: &s[7],
                policy_version: version,
                request_id: &s[8],
                seller_id: "s\u{7f}\"\\\n\u{1}\u{2028}é",
            };
            prop_assert_eq!(p.to_canonical().expect("bytes"), by_tree(&p, amount));
        }

        #[test]
        fn a_requests_bytes_are_its_canonical_form(
            s in proptest::collection::vec(any::<String>(), 6),
            fields in proptest::collection::btree_map(any::<String>(), any::<i64>(), 0..5),
            nested in proptest::collection::btree_map(any::<String>(), any::<String>(), 0..4),
            sigs in proptest::collection::vec(any::<(String, String)>(), 0..3),
            minor in any::<i64>(),
        ) {
            let mut payload = serde_json::to_value(&fields).expect("value");
            payload[s[4].as_str()] = serde_json::to_value(&nested).expect("value");
            let order = Envelope {
                kind: s[3].clone(),
                payload,
                signatures: sigs
                    .into_iter()
                    .map(|(key_id, sig)| EnvelopeSignature { key_id, alg: s[5].clone(), sig })
                    .collect(),
            };
            let req = GuaranteeRequest {
                request_id: s[0].clone(),
                agreement_id: s[1].clone(),
                seller_id: s[2].clone(),
                amount: Money { minor, currency: Currency::parse("EUR").expect("EUR") },
                order,
            };
            let bytes = req.order.to_bytes().expect("order bytes");
            prop_assert_eq!(
                canonical_request(&req, &bytes).expect("bytes"),
                to_canonical_json(&req).expect("canonical")
            );
        }
    }
}
