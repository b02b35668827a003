//! The calls a party makes to the notary: `abort`, `resolve`, `show`, and the notary's public
//! identity (its key id and escrow key) for `offer` and `send-item`.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context};
use base64::Engine;
use clap::Args;
use serde_json::Value;

use super::files;
use crate::cli::client::{Client, DEFAULT_SERVER};
use crate::cli::{Classify, Failure};
use crate::crypto::escrow::EscrowPublicKey;
use crate::model::exchange::{
    AbortBody, AbortRequest, ContractAcceptance, ExchangePayload, ItemEscrow, Protocol, Receipt,
    ResolveBody, Sha256Hex,
};

/// `--notary URL`.
#[derive(Debug, Args)]
pub struct NotaryUrl {
    /// The notary's base URL (`--server` works too, as in `notar stamp` and `notar log`).
    #[arg(long = "notary", visible_alias = "server", value_name = "URL", default_value = DEFAULT_SERVER, env = "NOTAR_SERVER")]
    pub url: String,
}

/// Which notary an m1 names: `--notary URL` asks it, `--notary-key-id` names it offline.
#[derive(Debug, Args)]
pub struct NotaryChoice {
    #[command(flatten)]
    pub notary: NotaryUrl,
    /// The notary's key id (64 hex digits: `key_id` of GET /v1/notary); given, the notary is
    /// not asked for it.
    #[arg(long, value_name = "HEX")]
    pub notary_key_id: Option<String>,
}

impl NotaryChoice {
    /// The key id m1 names, and the escrow key (`escrow_b64`, else fetched when `need_escrow`).
    pub async fn keys(
        &self,
        escrow_b64: Option<&str>,
        need_escrow: bool,
    ) -> Result<(Sha256Hex, Option<EscrowPublicKey>), Failure> {
        let escrow = escrow_b64
            .map(|b| {
                EscrowPublicKey::from_base64(b)
                    .context("--escrow-key (`escrow_public_key` of GET /v1/notary)")
                    .usage()
            })
            .transpose()?;
        let given = self
            .notary_key_id
            .as_deref()
            .map(|h| files::key_id_arg(h, "--notary-key-id"))
            .transpose()?;
        match (given, escrow) {
            (Some(id), escrow) if escrow.is_some() || !need_escrow => Ok((id, escrow)),
            (given, escrow) => {
                let fetched = notary_keys(&self.notary.url).await?;
                Ok((
                    given.unwrap_or(fetched.key_id),
                    Some(escrow.unwrap_or(fetched.escrow_key)),
                ))
            }
        }
    }
}

/// What a party needs to know of the notary to make m1.
pub struct NotaryKeys {
    /// The notary's `key_id` (m1 names it).
    pub key_id: Sha256Hex,
    /// Its X25519 escrow key.
    pub escrow_key: EscrowPublicKey,
}

/// `GET /v1/notary`: the notary's key id and escrow key.
pub async fn notary_keys(url: &str) -> Result<NotaryKeys, Failure> {
    let client = Client::new(url).usage()?;
    let id: Value = client
        .get_json("/v1/notary")
        .await
        .with_context(|| format!("asking {url} for its keys (or give them on the command line)"))
        .refused()?;
    let field = |name: &str| {
        id.get(name)
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| anyhow!("GET {url}/v1/notary: no `{name}` in the answer"))
            .refused()
    };
    let key_id = Sha256Hex::try_from(field("key_id")?)
        .map_err(|e| anyhow!("GET {url}/v1/notary: key_id: {e}"))
        .refused()?;
    let escrow_key = EscrowPublicKey::from_base64(&field("escrow_public_key")?)
        .with_context(|| format!("GET {url}/v1/notary: escrow_public_key"))
        .refused()?;
    Ok(NotaryKeys { key_id, escrow_key })
}

/// Where the notary's answer goes.
#[derive(Debug, Args)]
pub struct AnswerOut {
    /// Also write the notary's signed token (the `token` of the answer) to FILE, for
    /// `notar verify` and for a later dispute.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// `--print-body`.
#[derive(Debug, Args)]
pub struct PrintBody {
    /// Print the request body (JSON) on stdout instead of sending it: to send it another way
    /// (curl), or to keep it.
    #[arg(long)]
    pub print_body: bool,
}

/// `notar exchange abort`.
#[derive(Debug, Args)]
#[command(after_help = "\
The notary aborts the exchange unless it was resolved first; either way the answer is the one \
decision for this tid (an abort token, or the replacement contract / affidavit of an earlier \
resolve), the same bytes on every repeat. The answer JSON is printed on stdout.")]
pub struct AbortArgs {
    /// The originator's Ed25519 private key (PKCS#8 PEM): only the originator may abort.
    #[arg(long, value_name = "FILE")]
    pub key: PathBuf,
    /// m1, the originator's offer (from `offer` or `send-item`).
    #[arg(long, value_name = "FILE")]
    pub m1: PathBuf,
    #[command(flatten)]
    pub notary: NotaryUrl,
    #[command(flatten)]
    pub answer: AnswerOut,
    #[command(flatten)]
    pub body: PrintBody,
}

/// Signs `exchange_abort` {tid} and posts it with m1.
pub async fn abort(args: AbortArgs) -> Result<(), Failure> {
    let key = files::signing_key(&args.key)?;
    let (m1, offer) = files::offer(&args.m1)?;
    let abort = files::sign(
        &AbortRequest {
            tid: offer.tid().clone(),
        },
        &key,
    )?;
    let body = AbortBody { m1, abort };
    if args.body.print_body {
        return crate::cli::out::print_json(&body);
    }
    post(&args.notary.url, "/v1/exchanges/abort", &body, &args.answer)
        .await
        .map(|_| ())
}

/// `notar exchange resolve`.
#[derive(Debug, Args)]
#[command(after_help = "\
Contract: --m1 and --m2. Item for receipt: --m1, --item-escrow, --receipt and --escrow. \
Either party may ask; no key is needed, as everything sent is already signed. The answer JSON \
(status, outcome, the notary's token and, for a delivery, the item key) is printed on stdout.")]
pub struct ResolveArgs {
    /// m1, the originator's offer.
    #[arg(long, value_name = "FILE")]
    pub m1: PathBuf,
    /// m2, the responder's acceptance (contract signing).
    #[arg(long, value_name = "FILE")]
    pub m2: Option<PathBuf>,
    /// The sender's escrow statement (item for receipt).
    #[arg(long, value_name = "FILE")]
    pub item_escrow: Option<PathBuf>,
    /// The recipient's receipt (item for receipt).
    #[arg(long, value_name = "FILE")]
    pub receipt: Option<PathBuf>,
    /// The escrow bytes, as `send-item` wrote them (item for receipt).
    #[arg(long, value_name = "FILE")]
    pub escrow: Option<PathBuf>,
    /// When the notary releases the item key, also write it to FILE (mode 0600, base64) for
    /// `notar exchange open --key-file`.
    #[arg(long, value_name = "FILE")]
    pub key_out: Option<PathBuf>,
    #[command(flatten)]
    pub notary: NotaryUrl,
    #[command(flatten)]
    pub answer: AnswerOut,
    #[command(flatten)]
    pub body: PrintBody,
}

/// Posts m1 and what stands for m2.
pub async fn resolve(args: ResolveArgs) -> Result<(), Failure> {
    let (m1, offer) = files::offer(&args.m1)?;
    let body = match offer.protocol() {
        Protocol::Contract => {
            let m2 = args.m2.as_deref().ok_or_else(|| {
                Failure::Usage(anyhow!("a contract exchange is resolved with --m2 FILE"))
            })?;
            if args.item_escrow.is_some() || args.receipt.is_some() || args.escrow.is_some() {
                return Err(Failure::Usage(anyhow!(
                    "m1 is a contract offer: give --m2, not the item-for-receipt files"
                )));
            }
            ResolveBody::Contract {
                m1,
                m2: files::envelope(m2, ContractAcceptance::KIND)?,
            }
        }
        Protocol::Item => item_body(&args, m1)?,
    };
    if args.body.print_body {
        return crate::cli::out::print_json(&body);
    }
    let answer = post(
        &args.notary.url,
        "/v1/exchanges/resolve",
        &body,
        &args.answer,
    )
    .await?;
    if let (Some(path), Some(key)) = (&args.key_out, answer.get("key").and_then(Value::as_str)) {
        files::write_secret(path, format!("{key}\n").as_bytes())?;
        eprintln!("wrote the released item key to {}", path.display());
    }
    Ok(())
}

fn item_body(
    args: &ResolveArgs,
    m1: crate::crypto::envelope::Envelope,
) -> Result<ResolveBody<crate::crypto::envelope::Envelope>, Failure> {
    let need = |p: &Option<PathBuf>, flag: &str| {
        p.clone().ok_or_else(|| {
            Failure::Usage(anyhow!(
                "an item-for-receipt exchange is resolved with --item-escrow, --receipt and \
                 --escrow (missing {flag})"
            ))
        })
    };
    if args.m2.is_some() {
        return Err(Failure::Usage(anyhow!(
            "m1 is an item-for-receipt offer: give --item-escrow, --receipt and --escrow, not --m2"
        )));
    }
    let item_escrow =
        files::envelope(&need(&args.item_escrow, "--item-escrow")?, ItemEscrow::KIND)?;
    let receipt = files::envelope(&need(&args.receipt, "--receipt")?, Receipt::KIND)?;
    let escrow = files::read(&need(&args.escrow, "--escrow")?)?;
    Ok(ResolveBody::Item {
        m1,
        item_escrow,
        receipt,
        escrow: base64::engine::general_purpose::STANDARD.encode(escrow),
    })
}

/// `notar exchange show`.
#[derive(Debug, Args)]
#[command(after_help = "\
Prints the notary's record as JSON: status (undecided, aborted, resolved), protocol, parties, \
deadline, and once decided the outcome and token. It never shows an item key.")]
pub struct ShowArgs {
    /// The exchange's tid (64 hex digits, as `offer`, `accept` and `send-item` print it).
    pub tid: String,
    #[command(flatten)]
    pub notary: NotaryUrl,
    #[command(flatten)]
    pub answer: AnswerOut,
}

/// `GET /v1/exchanges/{tid}`.
pub async fn show(args: ShowArgs) -> Result<(), Failure> {
    let tid = files::digest_arg(
        &args.tid,
        "TID",
        "an exchange's tid, as `notar exchange offer` printed it",
    )?;
    let client = Client::new(&args.notary.url).usage()?;
    let bytes = client
        .get(&format!("/v1/exchanges/{}", tid.as_str()))
        .await
        .refused()?;
    answer(&bytes, args.answer.out.as_deref()).map(|_| ())
}

async fn post<T: serde::Serialize>(
    url: &str,
    path: &str,
    body: &T,
    out: &AnswerOut,
) -> Result<Value, Failure> {
    let body = serde_json::to_vec(body)
        .context("encoding the request")
        .usage()?;
    let client = Client::new(url).usage()?;
    let bytes = client
        .post(path, "application/json", body)
        .await
        .refused()?;
    answer(&bytes, out.out.as_deref())
}

/// Prints the answer JSON and writes its token to `out`.
fn answer(bytes: &[u8], out: Option<&Path>) -> Result<Value, Failure> {
    let v: Value = serde_json::from_slice(bytes)
        .context("the notary's answer is not JSON")
        .refused()?;
    let text = serde_json::to_string_pretty(&v)
        .context("encoding the answer")
        .refused()?;
    crate::cli::out::print_json_text(&text);
    if let Some(path) = out {
        let token = v
            .get("token")
            .filter(|t| !t.is_null())
            .ok_or_else(|| anyhow!("the answer holds no token to write to {}", path.display()))
            .refused()?;
        files::write_json(path, token)?;
        eprintln!("wrote the notary's token to {}", path.display());
    }
    Ok(v)
}
