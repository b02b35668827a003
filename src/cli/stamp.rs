//! `notar stamp FILE` and `notar verify FILE.tsr --data-file FILE`.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context};
use clap::Args;

use super::client::{Client, DEFAULT_SERVER};
use super::{Classify, Failure};
use crate::crypto::pki::cert_der_from_pem;
use crate::crypto::tsa::{self, HashAlg};
use crate::notary::datadir::DataDir;

/// `notar stamp`.
#[derive(Debug, Args)]
pub struct StampArgs {
    /// The file to timestamp.
    pub file: PathBuf,
    /// Notary URL (`--notary` works too, as in the exchange and complaint commands).
    #[arg(long, visible_alias = "notary", default_value = DEFAULT_SERVER, env = "NOTAR_SERVER")]
    pub server: String,
    /// Hash algorithm of the imprint.
    #[arg(long, value_parser = ["sha256", "sha384", "sha512"], default_value = "sha256")]
    pub hash: String,
    /// Where to write the reply (default FILE.tsr). An existing file is not written over (an
    /// earlier token proves an earlier time): nothing is asked of the notary then.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Write over an existing reply file.
    #[arg(long)]
    pub force: bool,
    /// FILE is a signed JSON envelope (an order from `notar order sign`, say): stamp its
    /// canonical JSON, whose SHA-256 is its item id in evidence bundles, so that a dispute can
    /// show it was signed before the token's time. Stamping the file as written would cover
    /// its pretty-printed bytes, which no bundle item has.
    #[arg(long)]
    pub envelope: bool,
    /// Print the result as JSON: `file` (the reply written), `serial` (the log index),
    /// `gen_time`, `hash_alg`, `imprint` (hex), `policy`, and with --envelope `item_id`; the
    /// same names as `notar verify --json`.
    #[arg(long)]
    pub json: bool,
}

/// `notar verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The file to check: a timestamp reply (.tsr), or a notary-signed JSON object (guarantee,
    /// refusal, settlement, release, an exchange token or affidavit, a complaint receipt, an
    /// answer holding one as the HTTP API gives it, or a log entry of GET /v1/log/entries/N).
    pub token: PathBuf,
    /// The file the timestamp is claimed to cover (timestamp replies only).
    #[arg(long)]
    pub data_file: Option<PathBuf>,
    /// The notary's Ed25519 public key, base64 of the raw 32 bytes (`public_key` of
    /// GET /v1/notary), for JSON objects; default: the notary key of --data.
    #[arg(long, value_name = "BASE64")]
    pub notary_key: Option<String>,
    /// TSA root certificate (PEM); default: keys/root.crt of --data.
    #[arg(long)]
    pub ca: Option<PathBuf>,
    /// The --data-file is a signed JSON envelope stamped with `notar stamp --envelope`: check
    /// the token against its canonical JSON.
    #[arg(long)]
    pub envelope: bool,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

fn hash_alg(name: &str) -> Result<HashAlg, Failure> {
    match name {
        "sha256" => Ok(HashAlg::Sha256),
        "sha384" => Ok(HashAlg::Sha384),
        "sha512" => Ok(HashAlg::Sha512),
        other => Err(Failure::Usage(anyhow!("unknown hash {other}"))),
    }
}

fn read(path: &Path) -> Result<Vec<u8>, Failure> {
    std::fs::read(path)
        .with_context(|| format!("reading {}", path.display()))
        .usage()
}

/// Sends a query for FILE, checks the reply, writes FILE.tsr.
pub async fn stamp(args: StampArgs) -> Result<(), Failure> {
    let alg = hash_alg(&args.hash)?;
    if args.envelope && alg != HashAlg::Sha256 {
        return Err(Failure::Usage(anyhow!(
            "--envelope stamps an item id, a SHA-256: --hash must be sha256"
        )));
    }
    let out = args.out.clone().unwrap_or_else(|| {
        let mut p = args.file.clone().into_os_string();
        p.push(".tsr");
        PathBuf::from(p)
    });
    if out.exists() && !args.force {
        return Err(Failure::Usage(anyhow!(
            "{} exists: an earlier token proves an earlier time, so it is not written over (--out ANOTHER, or --force)",
            out.display()
        )));
    }
    let data = stamped_bytes(&args.file, args.envelope)?;
    let query = tsa::TimestampQuery::for_data(alg, &data, true)
        .to_der()
        .usage()?;
    let client = Client::new(&args.server).usage()?;
    let reply = client
        .post("/v1/timestamp", "application/timestamp-query", query)
        .await
        .refused()?;
    let chain = client.get_text("/v1/timestamp/certchain").await.refused()?;
    let root = last_pem_cert(&chain).refused()?;
    let token = tsa::verify_response(&reply, &data, &root, None)
        .map_err(|e| anyhow!("the notary's reply does not verify: {e}"))
        .refused()?;
    super::out::write_file(&out, &reply, args.force)?;
    if args.json {
        let mut v = serde_json::json!({
            "file": out.display().to_string(),
            "serial": token.serial_u64(),
            "gen_time": crate::model::time::rfc3339_ms(token.gen_time),
            "hash_alg": token.hash_alg.name(),
            "imprint": hex::encode(&token.imprint),
            "policy": token.policy.to_string(),
        });
        if args.envelope {
            v["item_id"] = crate::model::exchange::Sha256Hex::of(&data).as_str().into();
        }
        super::out::print_json_text(&v.to_string());
        return Ok(());
    }
    outln!("wrote {}", out.display());
    if args.envelope {
        // The envelope's item id: the SHA-256 of the bytes stamped.
        let id = crate::model::exchange::Sha256Hex::of(&data);
        outln!("item id            {}", id.as_str());
    }
    outln!("serial (log index) {}", serial_text(&token));
    outln!(
        "time               {}",
        crate::model::time::rfc3339_ms(token.gen_time)
    );
    outln!(
        "imprint            {} {}",
        token.hash_alg.name(),
        hex::encode(&token.imprint)
    );
    Ok(())
}

/// The bytes a token covers: the file's, or with `envelope` the canonical JSON of the signed
/// envelope it holds (its item id is their SHA-256).
fn stamped_bytes(file: &Path, envelope: bool) -> Result<Vec<u8>, Failure> {
    let bytes = read(file)?;
    if !envelope {
        return Ok(bytes);
    }
    let env: crate::crypto::envelope::Envelope = serde_json::from_slice(&bytes)
        .with_context(|| format!("{} is not a signed JSON envelope", file.display()))
        .usage()?;
    env.to_bytes()
        .with_context(|| format!("{}: no canonical form", file.display()))
        .usage()
}

fn serial_text(t: &tsa::VerifiedToken) -> String {
    t.serial_u64()
        .map_or_else(|| hex::encode(&t.serial), |s| s.to_string())
}

/// The last certificate of a PEM chain (the root), DER.
fn last_pem_cert(chain: &str) -> anyhow::Result<Vec<u8>> {
    let marker = "-----BEGIN CERTIFICATE-----";
    let start = chain
        .rfind(marker)
        .ok_or_else(|| anyhow!("certificate chain holds no certificate"))?;
    Ok(cert_der_from_pem(&chain[start..])?)
}

/// Checks FILE.tsr offline; a JSON file goes to the signed-object check.
pub fn verify(data: &Path, args: VerifyArgs) -> Result<(), Failure> {
    let reply = read(&args.token)?;
    if super::envelope_verify::is_json(&reply) {
        let key = args.notary_key.as_deref();
        return super::envelope_verify::verify(data, &args.token, &reply, key, args.json);
    }
    // A DER reply starts with a SEQUENCE tag; anything else is neither kind of file.
    if reply.first() != Some(&0x30) {
        return Err(Failure::Usage(anyhow!(
            "{} is neither a timestamp reply (DER, e.g. FILE.tsr) nor a signed JSON object",
            args.token.display()
        )));
    }
    let data_file = args.data_file.as_deref().ok_or_else(|| {
        Failure::Usage(anyhow!(
            "a timestamp reply needs --data-file FILE (the file it covers)"
        ))
    })?;
    let file = stamped_bytes(data_file, args.envelope)?;
    let ca_path = args
        .ca
        .unwrap_or_else(|| DataDir::new(data).root_cert_path());
    let ca_pem = std::fs::read_to_string(&ca_path)
        .with_context(|| {
            format!(
                "reading the TSA root {} (give it with --ca)",
                ca_path.display()
            )
        })
        .usage()?;
    let root = cert_der_from_pem(&ca_pem)
        .with_context(|| ca_path.display().to_string())
        .usage()?;
    match tsa::verify_response(&reply, &file, &root, None) {
        Ok(t) => {
            if args.json {
                let v = serde_json::json!({
                    "ok": true,
                    "serial": t.serial_u64(),
                    "gen_time": crate::model::time::rfc3339_ms(t.gen_time),
                    "hash_alg": t.hash_alg.name(),
                    "imprint": hex::encode(&t.imprint),
                    "policy": t.policy.to_string(),
                });
                super::out::print_json_text(&v.to_string());
            } else {
                outln!("Verification: OK");
                outln!("serial (log index) {}", serial_text(&t));
                outln!(
                    "time               {}",
                    crate::model::time::rfc3339_ms(t.gen_time)
                );
                outln!("policy             {}", t.policy);
            }
            Ok(())
        }
        Err(e) => {
            if args.json {
                outln!(
                    "{}",
                    serde_json::json!({"ok": false, "reason": e.to_string()})
                );
            } else {
                outln!("Verification: FAILED");
            }
            Err(Failure::Refused(anyhow!("{}: {e}", args.token.display())))
        }
    }
}
