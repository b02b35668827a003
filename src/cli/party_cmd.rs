//! `notar party add|key-add|list|show|token` and `notar revoke`: the registry of buyers, sellers and
//! their keys, driven over the admin socket (the caller is the operator recorded in the log).

use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context};
use base64::Engine;
use clap::{Args, Subcommand};
use ed25519_dalek::pkcs8::DecodePublicKey;
use ed25519_dalek::VerifyingKey;

use super::admin_client::{AdminClient, Refusal};
use super::out::{print_fields, print_json, print_table};
use super::{Classify, Failure};
use crate::api::admin::proto::{ErrorCode, KeyItem, Op, PartyItem, Reply, Role};
use crate::model::money::{Currency, Money};

/// `notar party`.
#[derive(Debug, Args)]
pub struct PartyArgs {
    /// Print the notary's reply as JSON.
    #[arg(long, global = true)]
    pub json: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: PartyCommand,
}

/// `notar party ...`.
#[derive(Debug, Subcommand)]
pub enum PartyCommand {
    /// Register a buyer or seller, then its key if one is given. A seller's API token is
    /// printed once.
    Add {
        /// Display name.
        #[arg(long)]
        name: String,
        /// `buyer` or `seller`.
        #[arg(long, value_parser = ["buyer", "seller"])]
        role: String,
        /// The party's first key (optional).
        #[command(flatten)]
        key: KeyArgs,
    },
    /// Register one more key for a party.
    KeyAdd {
        /// The party.
        party_id: String,
        /// The key (exactly one of the three).
        #[command(flatten)]
        key: KeyArgs,
    },
    /// Parties whose name or id contains QUERY (all without one).
    List {
        /// Search text.
        query: Option<String>,
    },
    /// One party with its keys.
    Show {
        /// The party.
        party_id: String,
    },
    /// A seller's API token: rotate (a new one, printed once; the old one stops working at
    /// once) or revoke (the seller API refuses it from now on). Signed and logged, never the
    /// token itself.
    Token {
        /// What to do.
        #[command(subcommand)]
        action: super::token_cmd::TokenAction,
    },
}

/// A key given on the command line: at most one of the three forms.
#[derive(Debug, Args)]
#[group(multiple = false)]
pub struct KeyArgs {
    /// Raw 32-byte Ed25519 public key, hex.
    #[arg(long, value_name = "HEX")]
    pub key_hex: Option<String>,
    /// Ed25519 public key file (PEM or DER SubjectPublicKeyInfo, as `openssl pkey -pubout`
    /// writes).
    #[arg(long, value_name = "FILE")]
    pub pubkey: Option<PathBuf>,
    /// X.509 certificate (PEM or DER) issued by one of the configured CA roots.
    #[arg(long, value_name = "FILE")]
    pub cert: Option<PathBuf>,
}

/// `notar revoke KEY_ID --reason TEXT` or `notar revoke --crl FILE`.
#[derive(Debug, Args)]
pub struct RevokeArgs {
    /// The key to revoke by hand.
    #[arg(required_unless_present = "crl", conflicts_with = "crl")]
    pub key_id: Option<String>,
    /// Why (recorded in the signed revocation).
    #[arg(long, required_unless_present = "crl", conflicts_with = "crl")]
    pub reason: Option<String>,
    /// Import a CRL (PEM or DER) from a configured CA: every registered key it lists is
    /// revoked.
    #[arg(long, value_name = "FILE")]
    pub crl: Option<PathBuf>,
    /// Print the notary's reply as JSON.
    #[arg(long)]
    pub json: bool,
}

/// A key read from the command line and checked as far as possible before asking the notary.
enum KeyToAdd {
    Raw([u8; 32]),
    Certificate(Vec<u8>),
}

impl KeyToAdd {
    /// The key's wire form: (public_key_hex, certificate_b64).
    fn wire(&self) -> (Option<String>, Option<String>) {
        match self {
            KeyToAdd::Raw(raw) => (Some(hex::encode(raw)), None),
            KeyToAdd::Certificate(bytes) => (
                None,
                Some(base64::engine::general_purpose::STANDARD.encode(bytes)),
            ),
        }
    }

    fn op(&self, party_id: &str) -> Op {
        let (public_key_hex, certificate_b64) = self.wire();
        Op::KeyAdd {
            party_id: party_id.to_string(),
            public_key_hex,
            certificate_b64,
        }
    }
}

fn read_file(path: &Path) -> Result<Vec<u8>, Failure> {
    std::fs::read(path)
        .with_context(|| format!("reading {}", path.display()))
        .usage()
}

fn raw_key(raw: [u8; 32]) -> Result<KeyToAdd, Failure> {
    VerifyingKey::from_bytes(&raw)
        .map_err(|_| Refusal::input(ErrorCode::BadKey, "not a valid Ed25519 public key"))?;
    Ok(KeyToAdd::Raw(raw))
}

fn read_key(args: &KeyArgs) -> Result<Option<KeyToAdd>, Failure> {
    if let Some(h) = &args.key_hex {
        let raw = hex::decode(h.trim())
            .ok()
            .and_then(|v| <[u8; 32]>::try_from(v).ok())
            .ok_or_else(|| {
                Refusal::input(
                    ErrorCode::BadKey,
                    "--key-hex must be 32 bytes (64 hex digits)",
                )
            })?;
        return raw_key(raw).map(Some);
    }
    if let Some(path) = &args.pubkey {
        let bytes = read_file(path)?;
        let key = match std::str::from_utf8(&bytes) {
            Ok(text) if text.contains("-----BEGIN") => VerifyingKey::from_public_key_pem(text),
            _ => VerifyingKey::from_public_key_der(&bytes),
        }
        .map_err(|e| {
            Refusal::input(
                ErrorCode::BadKey,
                format!(
                    "{} is not an Ed25519 public key (SubjectPublicKeyInfo, as `openssl pkey \
                     -pubout` writes): {e}",
                    path.display()
                ),
            )
        })?;
        return raw_key(key.to_bytes()).map(Some);
    }
    if let Some(path) = &args.cert {
        return Ok(Some(KeyToAdd::Certificate(read_file(path)?)));
    }
    Ok(None)
}

/// `120.00 EUR` from minor units and a currency code (the raw figures if the code is odd).
pub(super) fn money_text(minor: i64, currency: &str) -> String {
    match Currency::parse(currency) {
        Ok(c) => Money { minor, currency: c }.to_string(),
        Err(_) => format!("{minor} (minor units) {currency}"),
    }
}

pub(super) fn unexpected(reply: &Reply) -> Failure {
    Failure::Refused(anyhow!("unexpected answer from the notary: {reply:?}"))
}

fn key_rows(keys: &[KeyItem]) -> Vec<Vec<String>> {
    keys.iter()
        .map(|k| {
            let mut note = k.subject.clone().unwrap_or_default();
            if let Some(at) = &k.revoked_at {
                let reason = k.revocation_reason.as_deref().unwrap_or("");
                note = format!("{note} revoked {at}: {reason}").trim().to_string();
            }
            vec![
                k.key_id.clone(),
                k.source.as_str().into(),
                k.status.as_str().into(),
                k.registered_at.clone(),
                note,
            ]
        })
        .collect()
}

fn print_keys(keys: &[KeyItem]) {
    print_table(
        &[
            "KEY ID",
            "SOURCE",
            "STATUS",
            "REGISTERED",
            "SUBJECT / REVOCATION",
        ],
        &key_rows(keys),
    );
}

fn party_fields(p: &PartyItem) -> Vec<(&'static str, String)> {
    vec![
        ("party", p.id.clone()),
        ("name", p.name.clone()),
        ("role", p.role.as_str().into()),
        ("registered", p.registered_at.clone()),
    ]
}

fn key_fields(k: &KeyItem) -> Vec<(&'static str, String)> {
    let mut f = vec![
        ("key", k.key_id.clone()),
        ("party", k.party_id.clone()),
        ("source", k.source.as_str().into()),
        ("status", k.status.as_str().into()),
    ];
    if let Some(s) = &k.subject {
        f.push(("subject", s.clone()));
    }
    if let Some(at) = &k.revoked_at {
        f.push(("revoked at", at.clone()));
    }
    if let Some(r) = &k.revocation_reason {
        f.push(("reason", r.clone()));
    }
    f
}

/// Runs `notar party ...`.
pub async fn run(data: &Path, args: PartyArgs) -> Result<(), Failure> {
    let json = args.json;
    match args.command {
        PartyCommand::Add { name, role, key } => add(data, &name, &role, &key, json).await,
        PartyCommand::Token { action } => super::token_cmd::run(data, action, json).await,
        PartyCommand::KeyAdd { party_id, key } => {
            let Some(key) = read_key(&key)? else {
                return Err(Failure::Usage(anyhow!(
                    "give the key with --key-hex, --pubkey or --cert"
                )));
            };
            let mut admin = AdminClient::connect(data).await?;
            let reply = admin.call(key.op(&party_id)).await?;
            let Reply::Key(k) = &reply else {
                return Err(unexpected(&reply));
            };
            if json {
                return print_json(&reply);
            }
            print_fields(&key_fields(k));
            Ok(())
        }
        PartyCommand::List { query } => {
            let mut admin = AdminClient::connect(data).await?;
            let reply = admin
                .call(Op::Parties {
                    query: query.unwrap_or_default(),
                })
                .await?;
            let Reply::Parties { items } = &reply else {
                return Err(unexpected(&reply));
            };
            if json {
                return print_json(&reply);
            }
            let rows: Vec<Vec<String>> = items
                .iter()
                .map(|p| {
                    vec![
                        p.id.clone(),
                        p.role.as_str().into(),
                        p.keys.to_string(),
                        p.registered_at.clone(),
                        p.name.clone(),
                    ]
                })
                .collect();
            print_table(&["ID", "ROLE", "KEYS", "REGISTERED", "NAME"], &rows);
            Ok(())
        }
        PartyCommand::Show { party_id } => {
            let mut admin = AdminClient::connect(data).await?;
            let reply = admin.call(Op::PartyShow { party_id }).await?;
            let Reply::Party { party, keys } = &reply else {
                return Err(unexpected(&reply));
            };
            if json {
                return print_json(&reply);
            }
            print_fields(&party_fields(party));
            outln!();
            if keys.is_empty() {
                outln!("no keys");
            } else {
                print_keys(keys);
            }
            Ok(())
        }
    }
}

async fn add(
    data: &Path,
    name: &str,
    role: &str,
    key: &KeyArgs,
    json: bool,
) -> Result<(), Failure> {
    // clap admits only the two names.
    let role = Role::parse(role)
        .ok_or_else(|| Failure::Usage(anyhow!("--role must be buyer or seller")))?;
    // The notary checks the key before it registers anything: a bad key leaves nothing behind.
    let key = read_key(key)?;
    let (public_key_hex, certificate_b64) = match &key {
        None => (None, None),
        Some(k) => k.wire(),
    };
    let mut admin = AdminClient::connect(data).await?;
    let reply = admin
        .call(Op::PartyRegister {
            name: name.to_string(),
            role,
            public_key_hex,
            certificate_b64,
        })
        .await?;
    let Reply::PartyRegistered {
        party,
        key: key_item,
        api_token,
    } = &reply
    else {
        return Err(unexpected(&reply));
    };
    if json {
        return print_json(&reply);
    }
    let mut fields = party_fields(party);
    if let Some(k) = &key_item {
        let (source, status) = (k.source.as_str(), k.status.as_str());
        fields.push(("key", format!("{} ({source}, {status})", k.key_id)));
    }
    if let Some(t) = api_token {
        fields.push(("API token", t.clone()));
    }
    print_fields(&fields);
    if api_token.is_some() {
        outln!(
            "The API token is shown only once: give it to the seller now (the notary keeps only \
             its hash)."
        );
    }
    Ok(())
}

/// Runs `notar revoke`.
pub async fn revoke(data: &Path, args: RevokeArgs) -> Result<(), Failure> {
    let op = match (&args.crl, args.key_id, args.reason) {
        (Some(path), _, _) => Op::CrlImport {
            crl_b64: base64::engine::general_purpose::STANDARD.encode(read_file(path)?),
        },
        (None, Some(key_id), Some(reason)) => Op::KeyRevoke { key_id, reason },
        _ => {
            return Err(Failure::Usage(anyhow!(
                "give KEY_ID --reason TEXT, or --crl FILE"
            )))
        }
    };
    let mut admin = AdminClient::connect(data).await?;
    let reply = admin.call(op).await?;
    if args.json {
        return print_json(&reply);
    }
    match &reply {
        Reply::Key(k) => print_fields(&key_fields(k)),
        Reply::CrlImported {
            issuer,
            entries,
            revoked,
            already_revoked,
            log_index,
        } => {
            print_fields(&[
                ("CRL issuer", issuer.clone()),
                ("entries", entries.to_string()),
                ("newly revoked", revoked.len().to_string()),
                ("already revoked", already_revoked.to_string()),
                (
                    "log index",
                    log_index.map_or_else(|| "- (nothing changed)".into(), |i| i.to_string()),
                ),
            ]);
            for k in revoked {
                outln!("revoked  {k}");
            }
        }
        other => return Err(unexpected(other)),
    }
    Ok(())
}
