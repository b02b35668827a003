//! Item for receipt, the parties' side: `send-item` (the sender encrypts, escrows the key and signs
//! m1 and the escrow statement), `receipt` (the recipient checks all of it against m1 and signs
//! the receipt) and `open` (the recipient decrypts with the released key).

use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context};
use base64::Engine;
use clap::Args;
use serde_json::Value;

use super::files;
use super::offer::{check_named, check_tid, new_offer};
use super::remote::NotaryChoice;
use crate::cli::admin_client::Refusal;
use crate::cli::{Classify, Failure};
use crate::crypto::escrow::{self, ENC_LEN, TAG_LEN};
use crate::crypto::item::{decrypt_item, encrypt_item, new_item_key, ItemError, ITEM_KEY_LEN};
use crate::model::error_code::ErrorCode;
use crate::model::exchange::{
    ContractOffer, EscrowBinding, ExchangePayload, ItemEscrow, Offer, Receipt, Sha256Hex, Subject,
};
use crate::model::money::{Currency, Money};

/// The files `send-item` writes into its `--out-dir`.
pub const M1_FILE: &str = "m1.json";
/// The item's ciphertext.
pub const CIPHERTEXT_FILE: &str = "item.enc";
/// The escrow bytes.
pub const ESCROW_FILE: &str = "escrow.bin";
/// The sender's escrow statement.
pub const ITEM_ESCROW_FILE: &str = "item_escrow.json";
/// The item key k (secret, 0600).
pub const KEY_FILE: &str = "item.key";

/// `notar exchange send-item`.
#[derive(Debug, Args)]
#[command(after_help = "\
Encrypts the item under a fresh key k (ChaCha20-Poly1305), seals k to the notary's escrow key \
(HPKE, bound to this exchange, the ciphertext and the recipient), signs m1 and the escrow \
statement, and writes into --out-dir: m1.json, item.enc (the ciphertext), escrow.bin, \
item_escrow.json (send these four to the recipient) and item.key (k, base64, mode 0600: send it \
once the recipient's receipt arrives). Prints the tid. The notary's key id and escrow key come \
from GET /v1/notary at --notary unless both --notary-key-id and --escrow-key are given.")]
pub struct SendItemArgs {
    /// The sender's Ed25519 private key (PKCS#8 PEM), registered with the notary.
    #[arg(long, value_name = "FILE")]
    pub key: PathBuf,
    /// The sender's party id (m1's originator).
    #[arg(long, value_name = "ID")]
    pub sender: String,
    /// The recipient's party id (m1's responder).
    #[arg(long, value_name = "ID")]
    pub recipient: String,
    /// The item: any file (goods' papers, a document, a payment token).
    #[arg(long, value_name = "FILE")]
    pub item: PathBuf,
    /// When the item is a payment token: the amount it pays, e.g. 120.00 (with --currency).
    /// Stated in m1, so the recipient's receipt acknowledges it; a dispute reads the payment as
    /// this amount and nothing more (without it, a payment by this exchange shows no sum).
    #[arg(long, value_name = "AMOUNT", requires = "currency")]
    pub amount: Option<String>,
    /// The ISO 4217 currency of --amount, e.g. EUR.
    #[arg(long, value_name = "CODE", requires = "amount")]
    pub currency: Option<String>,
    /// When the payment token pays for an order: its `order_digest` (as the notary's guarantee
    /// or refusal names it; `jq -r .payload.order_digest ORDER.json`), stated in m1 with
    /// --amount. A dispute about that order then counts this payment; without it the payment
    /// counts only in a case about this exchange (its tid).
    #[arg(long, value_name = "HEX", requires = "amount")]
    pub order_digest: Option<String>,
    #[command(flatten)]
    pub notary: NotaryChoice,
    /// The notary's X25519 escrow key, base64 (`escrow_public_key` of GET /v1/notary).
    #[arg(long, value_name = "BASE64")]
    pub escrow_key: Option<String>,
    /// After this time (RFC 3339) a resolve of the still undecided exchange aborts it.
    #[arg(long, value_name = "TIME")]
    pub deadline: Option<String>,
    /// The directory to write the files to (created if missing; item.key must not exist yet).
    #[arg(long, value_name = "DIR")]
    pub out_dir: PathBuf,
}

/// The payment `--amount` and `--currency` state, if given (clap requires both or neither).
fn payment_amount(args: &SendItemArgs) -> Result<Option<Money>, Failure> {
    let (Some(a), Some(c)) = (&args.amount, &args.currency) else {
        return Ok(None);
    };
    let money = Currency::parse(c.trim())
        .and_then(|c| Money::parse_decimal(a.trim(), c))
        .map_err(|e| Refusal::input(ErrorCode::BadAmount, e.to_string()))?;
    Ok(Some(money))
}

/// The order `--order-digest` names, if given: 64 lowercase hex digits.
fn order_digest_arg(args: &SendItemArgs) -> Result<Option<Sha256Hex>, Failure> {
    let Some(d) = &args.order_digest else {
        return Ok(None);
    };
    let digest = Sha256Hex::try_from(d.trim().to_string())
        .map_err(|e| Refusal::input(ErrorCode::BadRequest, format!("--order-digest: {e}")))?;
    Ok(Some(digest))
}

/// Encrypts, escrows, signs, writes.
pub async fn send_item(args: SendItemArgs) -> Result<(), Failure> {
    let key = files::signing_key(&args.key)?;
    let amount = payment_amount(&args)?;
    let order_digest = order_digest_arg(&args)?;
    let item = files::read(&args.item)?;
    let deadline = args
        .deadline
        .as_deref()
        .map(files::deadline_arg)
        .transpose()?;
    let (notary_key_id, escrow_key) = args.notary.keys(args.escrow_key.as_deref(), true).await?;
    let escrow_key = escrow_key
        .ok_or_else(|| anyhow!("no escrow key: give --escrow-key or --notary"))
        .usage()?;
    let k = new_item_key();
    let ciphertext = encrypt_item(&k, &item);
    // na only makes the tid unique here: item for receipt never reveals it.
    let (na, _) = files::new_nonce();
    let ciphertext_digest = Sha256Hex::of(&ciphertext);
    let offer = new_offer(ContractOffer {
        subject: Subject::Item {
            ciphertext_digest: ciphertext_digest.clone(),
            item_digest: Sha256Hex::of(&item),
            amount,
            order_digest,
        },
        originator: args.sender,
        responder: args.recipient.clone(),
        notary_key_id,
        na_digest: Sha256Hex::of(&na[..]),
        deadline,
    })?;
    let binding = EscrowBinding {
        tid: offer.tid().clone(),
        ciphertext_digest: ciphertext_digest.clone(),
        recipient: args.recipient.clone(),
    };
    let aad = binding.to_bytes().context("the escrow binding").usage()?;
    let escrow = escrow::seal(&escrow_key, &aad, &k[..])
        .context("sealing the item key to the notary's escrow key")
        .usage()?;
    let statement = ItemEscrow {
        tid: offer.tid().clone(),
        ciphertext_digest,
        recipient: args.recipient,
        escrow_digest: Sha256Hex::of(&escrow),
    };
    let m1 = files::sign(offer.payload(), &key)?;
    let statement = files::sign(&statement, &key)?;
    let dir = &args.out_dir;
    std::fs::create_dir_all(dir)
        .with_context(|| format!("creating {}", dir.display()))
        .usage()?;
    let k_text = crate::crypto::zeroize::Zeroizing::new(format!(
        "{}\n",
        base64::engine::general_purpose::STANDARD.encode(&k[..])
    ));
    files::write_secret(&dir.join(KEY_FILE), k_text.as_bytes())?;
    files::write_json(&dir.join(M1_FILE), &m1)?;
    files::write(&dir.join(CIPHERTEXT_FILE), &ciphertext)?;
    files::write(&dir.join(ESCROW_FILE), &escrow)?;
    files::write_json(&dir.join(ITEM_ESCROW_FILE), &statement)?;
    eprintln!(
        "wrote {M1_FILE}, {CIPHERTEXT_FILE}, {ESCROW_FILE}, {ITEM_ESCROW_FILE} (for the \
         recipient) and {KEY_FILE} (secret) to {}",
        dir.display()
    );
    outln!("{}", offer.tid().as_str());
    Ok(())
}

/// `notar exchange receipt`.
#[derive(Debug, Args)]
#[command(after_help = "\
Checks that m1 is an item-for-receipt offer naming you as the recipient, that the ciphertext is \
the one m1 names, and that the escrow statement is for this exchange, this ciphertext, you, and \
exactly these escrow bytes (and, when given, the sender's signatures and the notary's key id); \
then signs the receipt. Exit 1, and no receipt, when any check fails. The escrow itself only the \
notary can open: if the sender's key never arrives, `notar exchange resolve` gets it from the \
notary, or an escrow-failure affidavit that puts the fault on the sender.")]
pub struct ReceiptArgs {
    /// The recipient's Ed25519 private key (PKCS#8 PEM), registered with the notary.
    #[arg(long, value_name = "FILE")]
    pub key: PathBuf,
    /// Your party id: m1 must name you as the responder.
    #[arg(long, value_name = "ID")]
    pub recipient: String,
    /// m1, the sender's offer.
    #[arg(long, value_name = "FILE")]
    pub m1: PathBuf,
    /// The ciphertext received.
    #[arg(long, value_name = "FILE")]
    pub ciphertext: PathBuf,
    /// The escrow received.
    #[arg(long, value_name = "FILE")]
    pub escrow: PathBuf,
    /// The sender's escrow statement received.
    #[arg(long, value_name = "FILE")]
    pub item_escrow: PathBuf,
    /// The sender's public key (64 hex digits, or a PEM file): m1 and the escrow statement
    /// must be signed by it.
    #[arg(long, value_name = "PUB")]
    pub sender_key: Option<String>,
    /// The notary you trust (its key id): m1 must name it.
    #[arg(long, value_name = "HEX")]
    pub notary_key_id: Option<String>,
    /// Where to write the receipt.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

/// Checks what the sender sent and signs the receipt.
pub fn receipt(args: ReceiptArgs) -> Result<(), Failure> {
    let key = files::signing_key(&args.key)?;
    let (m1, offer) = files::offer(&args.m1)?;
    let statement_env = files::envelope(&args.item_escrow, ItemEscrow::KIND)?;
    let statement: ItemEscrow = files::payload(&statement_env, &args.item_escrow)?;
    let ciphertext = files::read(&args.ciphertext)?;
    let escrow = files::read(&args.escrow)?;
    if let Some(pk) = &args.sender_key {
        let pk = files::public_key(pk, "--sender-key")?;
        files::check_signed_by(&m1, &pk, "m1")?;
        files::check_signed_by(&statement_env, &pk, "the escrow statement")?;
    }
    if let Some(hex) = &args.notary_key_id {
        let want = files::key_id_arg(hex, "--notary-key-id")?;
        if offer.payload().notary_key_id != want {
            return Err(Failure::Refused(anyhow!(
                "m1 names the notary {}, not {}",
                offer.payload().notary_key_id.as_str(),
                want.as_str()
            )));
        }
    }
    check_named(
        Some(&args.recipient),
        &offer.payload().responder,
        "recipient",
    )?;
    let escrow_digest = check_delivery(&offer, &statement, &ciphertext, &escrow)?;
    let receipt = files::sign(
        &Receipt {
            tid: offer.tid().clone(),
            ciphertext_digest: statement.ciphertext_digest,
            escrow_digest,
        },
        &key,
    )?;
    files::write_json(&args.out, &receipt)?;
    outln!("{}", offer.tid().as_str());
    Ok(())
}

/// The ciphertext and escrow against m1 and the escrow statement; the escrow's digest.
fn check_delivery(
    offer: &Offer,
    statement: &ItemEscrow,
    ciphertext: &[u8],
    escrow: &[u8],
) -> Result<Sha256Hex, Failure> {
    let refuse = |why: String| Err(Failure::Refused(anyhow!(why)));
    let Subject::Item {
        ciphertext_digest, ..
    } = &offer.payload().subject
    else {
        return Err(Failure::Usage(anyhow!(
            "m1 is a contract offer; answer it with `notar exchange accept`"
        )));
    };
    let received = Sha256Hex::of(ciphertext);
    if &received != ciphertext_digest {
        return refuse(format!(
            "the ciphertext (SHA-256 {}) is not the one m1 names ({})",
            received.as_str(),
            ciphertext_digest.as_str()
        ));
    }
    check_tid(&statement.tid, offer, "the escrow statement")?;
    if &statement.ciphertext_digest != ciphertext_digest {
        return refuse("the escrow statement names another ciphertext than m1".into());
    }
    if statement.recipient != offer.payload().responder {
        return refuse(format!(
            "the escrow statement names {:?} as the recipient, not m1's responder",
            statement.recipient
        ));
    }
    let escrow_digest = Sha256Hex::of(escrow);
    if escrow_digest != statement.escrow_digest {
        return refuse(format!(
            "the escrow (SHA-256 {}) is not the one the statement names ({})",
            escrow_digest.as_str(),
            statement.escrow_digest.as_str()
        ));
    }
    let want = ENC_LEN + ITEM_KEY_LEN + TAG_LEN;
    if escrow.len() != want {
        return refuse(format!(
            "the escrow is {} bytes; an escrowed item key is {want}",
            escrow.len()
        ));
    }
    Ok(escrow_digest)
}

/// Where `open` gets the item key.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct KeySource {
    /// A file holding k as base64 (send-item's item.key, or resolve's --key-out).
    #[arg(long, value_name = "FILE")]
    pub key_file: Option<PathBuf>,
    /// k as base64.
    #[arg(long, value_name = "BASE64")]
    pub key_b64: Option<String>,
    /// The notary's answer to a resolve (JSON with `key`, as `notar exchange resolve` prints it).
    #[arg(long, value_name = "FILE")]
    pub answer: Option<PathBuf>,
}

/// `notar exchange open`.
#[derive(Debug, Args)]
#[command(after_help = "\
Decrypts the ciphertext with the item key (one of --key-file, --key-b64, --answer) and writes \
the item to --out. With --m1, the ciphertext and the decrypted item must be the ones m1 names \
(and the answer must be for m1's exchange): otherwise nothing is written and the exit code is 1.")]
pub struct OpenArgs {
    /// The ciphertext (send-item's item.enc).
    #[arg(long, value_name = "FILE")]
    pub ciphertext: PathBuf,
    #[command(flatten)]
    pub key: KeySource,
    /// m1: check the ciphertext's and the item's digests against it.
    #[arg(long, value_name = "FILE")]
    pub m1: Option<PathBuf>,
    /// Where to write the item.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

/// Decrypts and checks the item.
pub fn open(args: OpenArgs) -> Result<(), Failure> {
    let ciphertext = files::read(&args.ciphertext)?;
    let (k, answer_tid) = item_key(&args.key)?;
    let offer = args.m1.as_deref().map(files::offer).transpose()?;
    let digests = match &offer {
        Some((_, offer)) => Some(item_digests(offer, answer_tid.as_deref(), &ciphertext)?),
        None => None,
    };
    let item = decrypt_item(&k, &ciphertext).map_err(|e| match e {
        ItemError::BadKeyLength(_) => Failure::Usage(e.into()),
        other => Failure::Refused(other.into()),
    })?;
    if let Some(item_digest) = digests {
        let got = Sha256Hex::of(&item);
        if got != item_digest {
            return Err(Failure::Refused(anyhow!(
                "the ciphertext decrypts, but to another item (SHA-256 {}) than m1 offers ({}); \
                 nothing written",
                got.as_str(),
                item_digest.as_str()
            )));
        }
    }
    files::write(&args.out, &item)?;
    eprintln!(
        "wrote {} bytes to {}{}",
        item.len(),
        args.out.display(),
        if offer.is_some() {
            " (the item m1 offers)"
        } else {
            ""
        }
    );
    Ok(())
}

/// m1's item digest, after checking the ciphertext (and the answer's tid) against m1.
fn item_digests(
    offer: &Offer,
    answer_tid: Option<&str>,
    ciphertext: &[u8],
) -> Result<Sha256Hex, Failure> {
    let Subject::Item {
        ciphertext_digest,
        item_digest,
        ..
    } = &offer.payload().subject
    else {
        return Err(Failure::Usage(anyhow!(
            "m1 is a contract offer: there is no item to open"
        )));
    };
    if let Some(tid) = answer_tid.filter(|t| *t != offer.tid().as_str()) {
        return Err(Failure::Refused(anyhow!(
            "the answer is for exchange {tid}, not m1's {}",
            offer.tid().as_str()
        )));
    }
    if &Sha256Hex::of(ciphertext) != ciphertext_digest {
        return Err(Failure::Refused(anyhow!(
            "the ciphertext is not the one m1 names ({})",
            ciphertext_digest.as_str()
        )));
    }
    Ok(item_digest.clone())
}

/// The key, and the tid of the answer it came from.
fn item_key(
    src: &KeySource,
) -> Result<(crate::crypto::zeroize::Zeroizing<Vec<u8>>, Option<String>), Failure> {
    if let Some(b64) = &src.key_b64 {
        return Ok((files::key_from_base64(b64, "--key-b64")?, None));
    }
    if let Some(path) = &src.key_file {
        let text = String::from_utf8(files::read(path)?).unwrap_or_default();
        let what = path.display().to_string();
        return Ok((files::key_from_base64(&text, &what)?, None));
    }
    let path: &Path = src
        .answer
        .as_deref()
        .ok_or_else(|| anyhow!("give --key-file, --key-b64 or --answer"))
        .usage()?;
    let v: Value = serde_json::from_slice(&files::read(path)?)
        .with_context(|| format!("{}: not JSON", path.display()))
        .usage()?;
    let tid = v.get("tid").and_then(Value::as_str).map(str::to_string);
    let key = v.get("key").and_then(Value::as_str).ok_or_else(|| {
        Failure::Refused(anyhow!(
            "{}: the answer releases no key (outcome {}); only a delivery does",
            path.display(),
            v.get("outcome").unwrap_or(&Value::Null)
        ))
    })?;
    Ok((
        files::key_from_base64(key, &path.display().to_string())?,
        tid,
    ))
}
