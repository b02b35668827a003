//! `notar nonce`: fetch a fresh notary-signed nonce (`POST /v1/nonce`) to a file, checked
//! against the notary's key. `notar order sign --fresh FILE` embeds it in an order.

use std::path::PathBuf;

use anyhow::{anyhow, Context};
use clap::Args;

use super::client::{Client, DEFAULT_SERVER};
use super::{Classify, Failure};
use crate::crypto::envelope::Envelope;
use crate::crypto::keys::key_id;
use crate::replay::envelope_id;

/// `notar nonce`.
#[derive(Debug, Args)]
#[command(
    after_help = "The nonce is 32 random bytes the notary signs and logs with the time it \
issued them (envelope kind `nonce`). An order that embeds its item id (`notar order sign --fresh \
FILE`) was signed after `issued_at`: a dispute can prove it (rule T.freshness)."
)]
pub struct NonceArgs {
    /// Notary URL (`--server` works too, as in `notar stamp` and `notar log`).
    #[arg(long, visible_alias = "server", default_value = DEFAULT_SERVER, env = "NOTAR_SERVER")]
    pub notary: String,
    /// Where to write the nonce envelope (JSON); default: stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// Runs `notar nonce`: fetches the notary's key (`GET /v1/notary`) and a nonce, checks the
/// nonce's signature, writes it and prints its item id on stderr.
pub async fn run(args: NonceArgs) -> Result<(), Failure> {
    let client = Client::new(&args.notary).usage()?;
    let identity: serde_json::Value = client.get_json("/v1/notary").await.refused()?;
    let body = client
        .post("/v1/nonce", "application/json", Vec::new())
        .await
        .refused()?;
    let nonce: Envelope = serde_json::from_slice(&body)
        .context("the notary's answer is not an envelope")
        .refused()?;
    check(&nonce, &identity).refused()?;
    let text = serde_json::to_string_pretty(&nonce)
        .context("encoding the nonce")
        .refused()?;
    match &args.out {
        Some(path) => std::fs::write(path, format!("{text}\n"))
            .with_context(|| format!("writing {}", path.display()))
            .usage()?,
        None => super::out::print_json_text(&text),
    }
    let id = envelope_id(&nonce)
        .context("the nonce's item id")
        .refused()?;
    let issued_at = nonce.payload["issued_at"].as_str().unwrap_or_default();
    // The envelope's item id (what `--fresh` embeds), not its `nonce` field.
    eprintln!("nonce envelope, item id {id} (what an order's fresh names), issued_at {issued_at}");
    Ok(())
}

/// The nonce is of kind `nonce` and signed by the notary's key of `identity`.
fn check(nonce: &Envelope, identity: &serde_json::Value) -> anyhow::Result<()> {
    nonce.expect_kind("nonce").map_err(|e| anyhow!("{e}"))?;
    let b64 = identity["public_key"]
        .as_str()
        .ok_or_else(|| anyhow!("GET /v1/notary names no public_key"))?;
    use base64::Engine;
    let raw: [u8; 32] = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .ok()
        .and_then(|v| v.try_into().ok())
        .ok_or_else(|| anyhow!("the notary's public_key is not 32 bytes of base64"))?;
    let key = ed25519_dalek::VerifyingKey::from_bytes(&raw)
        .map_err(|_| anyhow!("the notary's public_key is not an Ed25519 key"))?;
    nonce.verify_by(&key).map_err(|e| {
        anyhow!(
            "the nonce is not signed by notary key {}: {e}",
            key_id(&key)
        )
    })?;
    Ok(())
}
