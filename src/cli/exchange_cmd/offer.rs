//! Contract signing, the parties' two messages: `offer` (m1, by the originator) and `accept` (m2,
//! by the responder). Each writes its secret nonce (na, nb) to a new 0600 file; the nonces are
//! exchanged afterwards and complete the standard contract.

use std::path::PathBuf;

use anyhow::anyhow;
use clap::Args;

use super::files;
use super::remote::NotaryChoice;
use crate::cli::{Classify, Failure};
use crate::model::exchange::{
    ContractAcceptance, ContractOffer, Offer, Protocol, Sha256Hex, Subject, Tid,
};

/// `notar exchange offer`.
#[derive(Debug, Args)]
#[command(after_help = "\
Writes m1 (the signed offer) to --out and the secret nonce na to --nonce-out (mode 0600, never \
over an existing file), and prints the exchange's tid on stdout. Send m1 and the contract to the \
responder; keep na until the responder's m2 arrives, then send it. Party ids are those the \
notary registered (`notar party add`); the notary's key id comes from --notary-key-id or from \
GET /v1/notary at --notary.")]
pub struct OfferArgs {
    /// The originator's Ed25519 private key (PKCS#8 PEM, as `openssl genpkey -algorithm
    /// ed25519` writes), registered with the notary.
    #[arg(long, value_name = "FILE")]
    pub key: PathBuf,
    /// The originator's party id.
    #[arg(long, value_name = "ID")]
    pub originator: String,
    /// The responder's party id.
    #[arg(long, value_name = "ID")]
    pub responder: String,
    /// The contract document; m1 carries its SHA-256.
    #[arg(long, value_name = "FILE")]
    pub contract: PathBuf,
    #[command(flatten)]
    pub notary: NotaryChoice,
    /// After this time (RFC 3339) a resolve of the still undecided exchange aborts it
    /// (`expired`); default: the notary's policy, counted from when it first sees the exchange.
    #[arg(long, value_name = "TIME")]
    pub deadline: Option<String>,
    /// Where to write m1.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Where to write the secret nonce na (64 hex digits).
    #[arg(long, value_name = "FILE")]
    pub nonce_out: PathBuf,
}

/// Makes and signs m1 for a contract.
pub async fn offer(args: OfferArgs) -> Result<(), Failure> {
    let key = files::signing_key(&args.key)?;
    let contract = files::read(&args.contract)?;
    let deadline = args
        .deadline
        .as_deref()
        .map(files::deadline_arg)
        .transpose()?;
    let (notary_key_id, _) = args.notary.keys(None, false).await?;
    let (na, na_text) = files::new_nonce();
    let offer = new_offer(ContractOffer {
        subject: Subject::Contract {
            contract_digest: Sha256Hex::of(&contract),
        },
        originator: args.originator,
        responder: args.responder,
        notary_key_id,
        na_digest: Sha256Hex::of(&na[..]),
        deadline,
    })?;
    let m1 = files::sign(offer.payload(), &key)?;
    files::write_secret(&args.nonce_out, na_text.as_bytes())?;
    files::write_json(&args.out, &m1)?;
    outln!("{}", offer.tid().as_str());
    Ok(())
}

/// A checked offer, or a usage error naming the rule broken.
pub fn new_offer(payload: ContractOffer) -> Result<Offer, Failure> {
    Offer::new(payload)
        .map_err(|r| {
            anyhow!(
                "party ids are 1 to 128 characters of A-Za-z0-9-_.: and the two parties \
                 differ ({})",
                r.code()
            )
        })
        .usage()
}

/// `notar exchange accept`.
#[derive(Debug, Args)]
#[command(after_help = "\
Checks m1 (a contract offer, for the contract given with --contract, signed by the \
originator's key when --originator-key is given, naming you when --responder is given), then \
writes m2 (the signed acceptance) to --out and the secret nonce nb to --nonce-out (mode 0600), \
and prints the tid. Send m2 to the originator; once its na arrives, send nb. If na does not \
come, `notar exchange resolve --m1 --m2` gets the notary's replacement contract.")]
pub struct AcceptArgs {
    /// The responder's Ed25519 private key (PKCS#8 PEM), registered with the notary.
    #[arg(long, value_name = "FILE")]
    pub key: PathBuf,
    /// m1, the originator's offer.
    #[arg(long, value_name = "FILE")]
    pub m1: PathBuf,
    /// The contract document you agree to: refused unless it is the one m1 names.
    #[arg(long, value_name = "FILE")]
    pub contract: Option<PathBuf>,
    /// The originator's public key (64 hex digits, or a PEM file): m1 must be signed by it.
    #[arg(long, value_name = "PUB")]
    pub originator_key: Option<String>,
    /// Your party id: m1 must name you as the responder.
    #[arg(long, value_name = "ID")]
    pub responder: Option<String>,
    /// Where to write m2.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Where to write the secret nonce nb (64 hex digits).
    #[arg(long, value_name = "FILE")]
    pub nonce_out: PathBuf,
}

/// Checks m1 and signs m2.
pub fn accept(args: AcceptArgs) -> Result<(), Failure> {
    let key = files::signing_key(&args.key)?;
    let (m1, offer) = files::offer(&args.m1)?;
    let Subject::Contract { contract_digest } = &offer.payload().subject else {
        return Err(Failure::Usage(anyhow!(
            "{}: an item-for-receipt offer; answer it with `notar exchange receipt`",
            args.m1.display()
        )));
    };
    debug_assert_eq!(offer.protocol(), Protocol::Contract);
    match &args.contract {
        Some(path) => {
            let have = Sha256Hex::of(&files::read(path)?);
            if &have != contract_digest {
                return Err(Failure::Refused(anyhow!(
                    "{} (SHA-256 {}) is not the contract m1 offers (SHA-256 {})",
                    path.display(),
                    have.as_str(),
                    contract_digest.as_str()
                )));
            }
        }
        None => eprintln!(
            "note: no --contract given; m1 offers the contract with SHA-256 {}",
            contract_digest.as_str()
        ),
    }
    if let Some(pk) = &args.originator_key {
        files::check_signed_by(&m1, &files::public_key(pk, "--originator-key")?, "m1")?;
    }
    check_named(
        args.responder.as_deref(),
        &offer.payload().responder,
        "responder",
    )?;
    let (nb, nb_text) = files::new_nonce();
    let m2 = files::sign(
        &ContractAcceptance {
            tid: offer.tid().clone(),
            nb_digest: Sha256Hex::of(&nb[..]),
        },
        &key,
    )?;
    files::write_secret(&args.nonce_out, nb_text.as_bytes())?;
    files::write_json(&args.out, &m2)?;
    outln!("{}", offer.tid().as_str());
    Ok(())
}

/// Refuses when `me` is given and m1 names someone else as `role`.
pub fn check_named(me: Option<&str>, named: &str, role: &str) -> Result<(), Failure> {
    match me {
        Some(me) if me != named => Err(Failure::Refused(anyhow!(
            "m1 names {named:?} as the {role}, not you ({me:?})"
        ))),
        _ => Ok(()),
    }
}

/// The tid `m2` binds must be m1's.
pub fn check_tid(bound: &Tid, offer: &Offer, what: &str) -> Result<(), Failure> {
    if bound != offer.tid() {
        return Err(Failure::Refused(anyhow!(
            "{what} is for exchange {}, not m1's {}",
            bound.as_str(),
            offer.tid().as_str()
        )));
    }
    Ok(())
}
