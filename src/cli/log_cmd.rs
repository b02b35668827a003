//! `notar log checkpoint|prove|verify`: an auditor's view of the notary log, checked locally.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context};
use base64::Engine;
use clap::{Args, Subcommand};
use ed25519_dalek::VerifyingKey;

use super::client::{Client, DEFAULT_SERVER};
use super::{Classify, Failure};
use crate::crypto::keys::ed25519_from_pem;
use crate::log::checkpoint::{open_checkpoint, parse_vkey, Checkpoint};
use crate::log::merkle::{leaf_hash, verify_consistency, verify_inclusion, Hash};
use crate::log::LogError;
use crate::notary::datadir::DataDir;

/// Where to reach the notary and which key to trust.
#[derive(Debug, Args)]
pub struct Remote {
    /// Notary URL (`--notary` works too, as in the exchange and complaint commands).
    #[arg(long, visible_alias = "notary", default_value = DEFAULT_SERVER, env = "NOTAR_SERVER")]
    pub server: String,
    /// Checkpoint verifier key (`name+keyid+base64`); default: the key in --data, else the one
    /// the server presents (trust on first use, with a warning).
    #[arg(long)]
    pub vkey: Option<String>,
}

/// `notar log …`
#[derive(Debug, Subcommand)]
pub enum LogCommand {
    /// Fetch the latest checkpoint and check its signature.
    Checkpoint {
        /// Server and key.
        #[command(flatten)]
        remote: Remote,
        /// Save the checkpoint to this file (for a later `notar log verify`).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Print `{"size", "root" (base64), "signer", "note"}` instead of the note.
        #[arg(long)]
        json: bool,
    },
    /// Prove that entry INDEX is in the log at the latest checkpoint.
    Prove {
        /// Server and key.
        #[command(flatten)]
        remote: Remote,
        /// Leaf index (a timestamp's serial number is its index).
        #[arg(long)]
        index: u64,
        /// Print `{"index", "size", "root" (base64), "entry"}` (the entry as the log serves it).
        #[arg(long)]
        json: bool,
    },
    /// Check that the log now is an append-only extension of a saved checkpoint.
    Verify {
        /// Server and key.
        #[command(flatten)]
        remote: Remote,
        /// A checkpoint saved earlier with `notar log checkpoint --out`.
        #[arg(long)]
        checkpoint: PathBuf,
        /// Print `{"consistent": true, "from", "to"}` (sizes) once the check passes.
        #[arg(long)]
        json: bool,
    },
}

/// Runs a `log` subcommand.
pub async fn run(data: &Path, cmd: LogCommand) -> Result<(), Failure> {
    match cmd {
        LogCommand::Checkpoint { remote, out, json } => {
            checkpoint(data, &remote, out.as_deref(), json).await
        }
        LogCommand::Prove {
            remote,
            index,
            json,
        } => prove(data, &remote, index, json).await,
        LogCommand::Verify {
            remote,
            checkpoint,
            json,
        } => verify(data, &remote, &checkpoint, json).await,
    }
}

/// `notar log checkpoint`: prints the latest checkpoint once its signature checks, and saves it.
async fn checkpoint(
    data: &Path,
    remote: &Remote,
    out: Option<&Path>,
    json: bool,
) -> Result<(), Failure> {
    let (client, key) = connect(data, remote).await?;
    let (note, cp) = fetch_checkpoint(&client, &key).await?;
    if let Some(out) = out {
        std::fs::write(out, &note)
            .with_context(|| format!("writing {}", out.display()))
            .usage()?;
    }
    if json {
        let v = serde_json::json!({"size": cp.size, "root": b64(&cp.root), "signer": key.name,
            "note": note});
        super::out::print_json_text(&v.to_string());
        return Ok(());
    }
    print!("{}", crate::model::text::sanitize_lines(&note));
    eprintln!(
        "checkpoint OK: size {} signed by {}",
        cp.size,
        crate::model::text::sanitize(&key.name)
    );
    Ok(())
}

/// `notar log prove`: checks the inclusion proof of entry `index` against the latest checkpoint
/// and prints the entry.
async fn prove(data: &Path, remote: &Remote, index: u64, json: bool) -> Result<(), Failure> {
    let (client, key) = connect(data, remote).await?;
    let (_, cp) = fetch_checkpoint(&client, &key).await?;
    if index >= cp.size {
        // An index the log does not have: the input is wrong, as an unknown id is (exit 2).
        return Err(Failure::Usage(anyhow!(
            "entry {index} is not in the log (size {})",
            cp.size
        )));
    }
    let entry = client
        .get(&format!("/v1/log/entries/{index}"))
        .await
        .refused()?;
    let proof: ProofWire = client
        .get_json(&format!(
            "/v1/log/proof/inclusion?index={index}&size={}",
            cp.size
        ))
        .await
        .refused()?;
    let hashes = decode_hashes(&proof.proof).refused()?;
    verify_inclusion(&leaf_hash(&entry), index, cp.size, &hashes, &cp.root)
        .map_err(|e| anyhow!("inclusion proof of entry {index} FAILED: {e}"))
        .refused()?;
    if json {
        let entry: serde_json::Value = serde_json::from_slice(&entry)
            .unwrap_or_else(|_| String::from_utf8_lossy(&entry).into_owned().into());
        let v = serde_json::json!({"index": index, "size": cp.size, "root": b64(&cp.root),
            "entry": entry});
        super::out::print_json_text(&v.to_string());
        return Ok(());
    }
    outln!(
        "entry {index} is included in the log of size {} (root {})",
        cp.size,
        b64(&cp.root)
    );
    super::out::print_json_text(&String::from_utf8_lossy(&entry));
    Ok(())
}

/// `notar log verify`: checks that the latest checkpoint extends a saved one.
async fn verify(data: &Path, remote: &Remote, saved: &Path, json: bool) -> Result<(), Failure> {
    let (client, key) = connect(data, remote).await?;
    let old_note = std::fs::read_to_string(saved)
        .with_context(|| format!("reading {}", saved.display()))
        .usage()?;
    // A file that is no checkpoint note is the wrong input (exit 2); a note whose signature
    // fails, a failed check (exit 1).
    let old = open_checkpoint(&old_note, &key.name, &key.key).map_err(|e| {
        let malformed = matches!(
            e,
            LogError::MalformedCheckpoint(_) | LogError::MalformedNote(_)
        );
        let e = anyhow!("saved checkpoint {}: {e}", saved.display());
        match malformed {
            true => Failure::Usage(e),
            false => Failure::Refused(e),
        }
    })?;
    let (_, new) = fetch_checkpoint(&client, &key).await?;
    check_append_only(&client, &old, &new).await?;
    if json {
        let v = serde_json::json!({"consistent": true, "from": old.size, "to": new.size});
        super::out::print_json_text(&v.to_string());
        return Ok(());
    }
    outln!(
        "consistent: size {} -> {} (append-only)",
        old.size,
        new.size
    );
    Ok(())
}

/// The log at `new` is an append-only extension of the log at `old`: not smaller, the same root
/// at the same size, and a consistency proof from the server that checks.
async fn check_append_only(
    client: &Client,
    old: &Checkpoint,
    new: &Checkpoint,
) -> Result<(), Failure> {
    if new.size < old.size {
        return Err(Failure::Refused(anyhow!(
            "the log shrank: saved size {} > current size {}",
            old.size,
            new.size
        )));
    }
    if old.size == new.size {
        if old.root != new.root {
            return Err(Failure::Refused(anyhow!(
                "two different roots for size {}: split view",
                old.size
            )));
        }
        return Ok(());
    }
    let proof: ProofWire = client
        .get_json(&format!(
            "/v1/log/proof/consistency?size1={}&size2={}",
            old.size, new.size
        ))
        .await
        .refused()?;
    let hashes = decode_hashes(&proof.proof).refused()?;
    verify_consistency(old.size, new.size, &hashes, &old.root, &new.root)
        .map_err(|e| anyhow!("consistency {} -> {} FAILED: {e}", old.size, new.size))
        .refused()?;
    Ok(())
}

#[derive(serde::Deserialize)]
struct ProofWire {
    proof: Vec<String>,
}

/// A checkpoint verifier key and where it came from.
struct TrustedKey {
    name: String,
    key: VerifyingKey,
}

async fn connect(data: &Path, remote: &Remote) -> Result<(Client, TrustedKey), Failure> {
    let client = Client::new(&remote.server).usage()?;
    if let Some(v) = &remote.vkey {
        let (name, key) = parse_vkey(v).map_err(|e| anyhow!("--vkey: {e}")).usage()?;
        return Ok((client, TrustedKey { name, key }));
    }
    let dir = DataDir::new(data);
    if let (true, Ok(pem)) = (dir.exists(), std::fs::read_to_string(dir.notary_key_path())) {
        let key = ed25519_from_pem(&pem).usage()?.verifying_key();
        let name = dir.load().map(|m| m.config.notary.log_origin).usage()?;
        return Ok((client, TrustedKey { name, key }));
    }
    let id: serde_json::Value = client.get_json("/v1/notary").await.refused()?;
    let v = id
        .get("checkpoint_vkey")
        .and_then(|v| v.as_str())
        .ok_or_else(|| anyhow!("/v1/notary has no checkpoint_vkey"))
        .refused()?;
    eprintln!("warning: trusting the key the server presents ({v}); pin it with --vkey");
    let (name, key) = parse_vkey(v).refused()?;
    Ok((client, TrustedKey { name, key }))
}

async fn fetch_checkpoint(
    client: &Client,
    key: &TrustedKey,
) -> Result<(String, Checkpoint), Failure> {
    let note = client.get_text("/v1/log/checkpoint").await.refused()?;
    let cp = open_checkpoint(&note, &key.name, &key.key)
        .map_err(|e| anyhow!("the server's checkpoint does not verify: {e}"))
        .refused()?;
    Ok((note, cp))
}

fn decode_hashes(items: &[String]) -> anyhow::Result<Vec<Hash>> {
    items
        .iter()
        .map(|s| {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(s)
                .context("proof hash is not base64")?;
            Hash::try_from(bytes.as_slice()).map_err(|_| anyhow!("proof hash is not 32 bytes"))
        })
        .collect()
}

fn b64(h: &Hash) -> String {
    base64::engine::general_purpose::STANDARD.encode(h)
}
