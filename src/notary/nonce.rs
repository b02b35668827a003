//! Freshness nonces (`POST /v1/nonce`): 32 random bytes the notary signs and logs with the time
//! it issued them. A party that embeds a nonce envelope's item id (hex SHA-256 of its canonical
//! JSON) in what it signs, such as an order's `fresh`, proves it signed after `issued_at`: nobody
//! could know the nonce before. The notary keeps the item id → log index under
//! `nonce/<item id>` in CF meta, so a case export finds the nonce an order names.

use serde_json::json;

use super::command::{Decision, ToSign};
use super::{Notary, NotaryError};
use crate::crypto::envelope::Envelope;
use crate::model::entry::EntryKind;
use crate::model::time::rfc3339_ms;
use crate::replay::envelope_id;
use crate::store::{u64_key, Cf};

fn nonce_key(item_id: &str) -> Vec<u8> {
    format!("nonce/{item_id}").into_bytes()
}

impl Notary {
    /// Issues a fresh nonce: a signed, logged `nonce` envelope `{nonce, issued_at, log_index}`,
    /// returned once durable.
    pub async fn issue_nonce(&self) -> Result<Envelope, NotaryError> {
        let nonce: [u8; 32] = rand::random();
        let shared = self.shared.clone();
        self.command(move |ctx| {
            let payload = json!({
                "nonce": hex::encode(nonce),
                "issued_at": rfc3339_ms(ctx.now),
            });
            let entry = ToSign::new(ctx, EntryKind::Nonce, payload, None);
            let index = u64_key(ctx.index).to_vec();
            Ok(Decision::sign_later_with(
                &shared.notary_key,
                entry,
                |env| {
                    let id = envelope_id(&env).map_err(|e| NotaryError::Bug(e.to_string()))?;
                    Ok((vec![(Cf::Meta, nonce_key(&id), index)], env))
                },
            ))
        })
        .await
    }

    /// The log index of the nonce whose envelope has item id `item_id`, if this notary issued it.
    pub(crate) fn nonce_log_index(&self, item_id: &str) -> Result<Option<u64>, NotaryError> {
        let Some(raw) = self.shared.store.get(Cf::Meta, &nonce_key(item_id))? else {
            return Ok(None);
        };
        let index = <[u8; 8]>::try_from(raw.as_slice())
            .map(u64::from_be_bytes)
            .map_err(|_| NotaryError::Corrupt(format!("log index of nonce {item_id}")))?;
        Ok(Some(index))
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;
    use crate::notary::fixture::ClockedDataDir;

    #[tokio::test]
    async fn a_nonce_is_signed_logged_fresh_and_found_by_its_item_id() {
        let t0 = "2026-03-11T08:59:00Z".parse().expect("t0");
        let w = ClockedDataDir::init(tempfile::tempdir().expect("tmp"), "t", t0)
            .await
            .expect("init");
        let (n, _t) = w.open().expect("open");
        let a = n.issue_nonce().await.expect("nonce");
        w.advance(Duration::seconds(1));
        let b = n.issue_nonce().await.expect("nonce");
        assert_eq!(a.kind, "nonce");
        assert_eq!(a.payload["issued_at"], "2026-03-11T08:59:00.000Z");
        assert_ne!(a.payload["nonce"], b.payload["nonce"], "fresh each time");
        assert_eq!(a.payload["nonce"].as_str().map(str::len), Some(64));
        let index = a.payload["log_index"].as_u64().expect("index");
        let id = envelope_id(&a).expect("id");
        assert_eq!(n.nonce_log_index(&id).expect("read"), Some(index));
        assert_eq!(n.nonce_log_index(&"0".repeat(64)).expect("read"), None);
        assert_eq!(
            n.logged_envelope(index).expect("logged"),
            a,
            "the log holds it"
        );
        a.verify_by(&n.shared.notary_key.verifying_key())
            .expect("signed by the notary");
    }
}
