//! `notar exchange check-contract`: checks a standard contract (m1, m2, na, nb) offline.
//!
//! The parties' public keys are given on the command line: the notary's party records are on its
//! admin socket, not available offline, and a contract is checked by whoever holds it (a party,
//! an arbitrator, a court) against the keys they know to be the parties'.

use std::path::PathBuf;

use anyhow::anyhow;
use clap::Args;
use serde_json::json;

use super::files;
use super::offer::check_tid;
use crate::cli::out::print_fields;
use crate::cli::Failure;
use crate::crypto::keys::key_id;
use crate::model::exchange::{ContractAcceptance, ExchangePayload, Sha256Hex, Subject};

/// `notar exchange check-contract`.
#[derive(Debug, Args)]
#[command(after_help = "\
Checks, in this order: m1 is a contract offer signed by --originator-key, m2 is signed by \
--responder-key and accepts m1's tid, SHA-256(na) is m1's na_digest, SHA-256(nb) is m2's \
nb_digest, and (with --contract) the document is the one m1 names. All pass: both parties are \
bound by the contract, even if the exchange was later aborted (the originator released na). \
Exit 0 when it holds, 1 when a check fails (the first failing check is named).")]
pub struct CheckContractArgs {
    /// m1, the originator's offer.
    #[arg(long, value_name = "FILE")]
    pub m1: PathBuf,
    /// m2, the responder's acceptance.
    #[arg(long, value_name = "FILE")]
    pub m2: PathBuf,
    /// The originator's nonce na (the file `offer --nonce-out` wrote).
    #[arg(long, value_name = "FILE")]
    pub na: PathBuf,
    /// The responder's nonce nb (the file `accept --nonce-out` wrote).
    #[arg(long, value_name = "FILE")]
    pub nb: PathBuf,
    /// The originator's Ed25519 public key: 64 hex digits (the raw key) or a PEM file
    /// (`openssl pkey -pubout`).
    #[arg(long, value_name = "PUB")]
    pub originator_key: String,
    /// The responder's Ed25519 public key, in the same forms.
    #[arg(long, value_name = "PUB")]
    pub responder_key: String,
    /// The contract document: must be the one m1 names.
    #[arg(long, value_name = "FILE")]
    pub contract: Option<PathBuf>,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Checks the four parts and prints what the contract states.
pub fn check(args: CheckContractArgs) -> Result<(), Failure> {
    match check_parts(&args) {
        Ok(fields) => {
            if args.json {
                let mut v = json!({"ok": true});
                for (name, value) in &fields {
                    v[name.replace(' ', "_")] = json!(value);
                }
                crate::cli::out::print_json_text(&v.to_string());
            } else {
                print_fields(&fields);
                outln!("standard contract OK: both parties are bound");
            }
            Ok(())
        }
        Err(Failure::Refused(e)) if args.json => {
            outln!("{}", json!({"ok": false, "reason": format!("{e:#}")}));
            Err(Failure::Refused(e))
        }
        Err(other) => Err(other),
    }
}

fn check_parts(args: &CheckContractArgs) -> Result<Vec<(&'static str, String)>, Failure> {
    let (m1, offer) = files::offer(&args.m1)?;
    let Subject::Contract { contract_digest } = &offer.payload().subject else {
        return Err(Failure::Usage(anyhow!(
            "{}: an item-for-receipt offer, not a contract",
            args.m1.display()
        )));
    };
    let m2 = files::envelope(&args.m2, ContractAcceptance::KIND)?;
    let acceptance: ContractAcceptance = files::payload(&m2, &args.m2)?;
    let originator_key = files::public_key(&args.originator_key, "--originator-key")?;
    let responder_key = files::public_key(&args.responder_key, "--responder-key")?;
    let na = files::read_nonce(&args.na)?;
    let nb = files::read_nonce(&args.nb)?;
    files::check_signed_by(&m1, &originator_key, "m1")?;
    files::check_signed_by(&m2, &responder_key, "m2")?;
    check_tid(&acceptance.tid, &offer, "m2")?;
    let p = offer.payload();
    if Sha256Hex::of(&na[..]) != p.na_digest {
        return Err(Failure::Refused(anyhow!(
            "{}: SHA-256(na) is not m1's na_digest {}: not the originator's nonce",
            args.na.display(),
            p.na_digest.as_str()
        )));
    }
    if Sha256Hex::of(&nb[..]) != acceptance.nb_digest {
        return Err(Failure::Refused(anyhow!(
            "{}: SHA-256(nb) is not m2's nb_digest {}: not the responder's nonce",
            args.nb.display(),
            acceptance.nb_digest.as_str()
        )));
    }
    let mut contract = contract_digest.as_str().to_string();
    if let Some(path) = &args.contract {
        if &Sha256Hex::of(&files::read(path)?) != contract_digest {
            return Err(Failure::Refused(anyhow!(
                "{} is not the contract m1 names (SHA-256 {})",
                path.display(),
                contract_digest.as_str()
            )));
        }
        contract.push_str(&format!(" ({})", path.display()));
    }
    Ok(vec![
        ("tid", offer.tid().as_str().to_string()),
        ("contract", contract),
        (
            "originator",
            format!("{} (key {})", p.originator, key_id(&originator_key)),
        ),
        (
            "responder",
            format!("{} (key {})", p.responder, key_id(&responder_key)),
        ),
        ("notary key id", p.notary_key_id.as_str().to_string()),
        (
            "deadline",
            p.deadline
                .map_or_else(|| "(the notary's default)".into(), String::from),
        ),
    ])
}
