//! `notar agreement create|list|show|suspend|resume|end`: a buyer's limits under a policy,
//! driven over the admin socket. Amounts are typed as decimals in the policy's currency.

use std::path::Path;

use anyhow::anyhow;
use clap::{Args, Subcommand};

use super::admin_client::{AdminClient, Refusal};
use super::out::{print_fields, print_json, print_table};
use super::party_cmd::money_text;
use super::Failure;
use crate::api::admin::proto::{
    AgreementItem, AgreementStatus, ErrorCode, GuaranteeItem, KeyItem, Op, Reply,
};
use crate::model::money::{Currency, Money};

/// `notar agreement`.
#[derive(Debug, Args)]
pub struct AgreementArgs {
    /// Print the notary's reply as JSON.
    #[arg(long, global = true)]
    pub json: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: AgreementCommand,
}

/// `notar agreement ...`.
#[derive(Debug, Subcommand)]
pub enum AgreementCommand {
    /// Bind a buyer to a policy; absent limits take the policy's defaults.
    Create {
        /// The buyer's party id.
        #[arg(long)]
        buyer: String,
        /// Policy id (e.g. `semper-consumer`).
        #[arg(long)]
        policy: String,
        /// Overall cap, a decimal in the policy's currency (e.g. `1000.00`).
        #[arg(long, value_name = "AMOUNT")]
        total_cap: Option<String>,
        /// Per-transaction cap, a decimal in the policy's currency. Default: the policy's, or
        /// --total-cap if that is lower.
        #[arg(long, value_name = "AMOUNT")]
        per_tx_cap: Option<String>,
        /// End of validity, RFC 3339.
        #[arg(long, value_name = "RFC3339")]
        valid_until: Option<String>,
        /// Key ids the agreement accepts (repeat); default all of the buyer's good keys.
        #[arg(long = "key", value_name = "KEY_ID")]
        keys: Vec<String>,
    },
    /// Agreements whose id, buyer id or buyer name contains QUERY (all without one).
    List {
        /// Search text.
        query: Option<String>,
    },
    /// One agreement: exposure, keys, guarantees.
    Show {
        /// Agreement id.
        agreement_id: String,
    },
    /// Stop granting guarantees under an agreement until it is resumed.
    Suspend(StatusArgs),
    /// Make a suspended agreement active again.
    Resume(StatusArgs),
    /// End an agreement for good.
    End(StatusArgs),
}

/// An agreement and why its status changes.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Agreement id.
    pub agreement_id: String,
    /// Why (recorded in the signed agreement record).
    #[arg(long)]
    pub reason: String,
}

/// Most guarantees `agreement show` lists.
const SHOW_GUARANTEES_MAX: u32 = 100;

fn unexpected(reply: &Reply) -> Failure {
    Failure::Refused(anyhow!("unexpected answer from the notary: {reply:?}"))
}

/// The currency of the newest version of `policy_id`, asked from the notary.
async fn policy_currency(admin: &mut AdminClient, policy_id: &str) -> Result<Currency, Failure> {
    let reply = admin.call(Op::Policies).await?;
    let Reply::Policies { items } = &reply else {
        return Err(unexpected(&reply));
    };
    let policy = items
        .iter()
        .filter(|p| p.id == policy_id)
        .max_by_key(|p| p.version)
        .ok_or_else(|| {
            let known: Vec<&str> = items.iter().map(|p| p.id.as_str()).collect();
            Refusal::input(
                ErrorCode::UnknownPolicy,
                format!(
                    "no policy {policy_id:?} (known: {})",
                    if known.is_empty() {
                        "none".into()
                    } else {
                        known.join(", ")
                    }
                ),
            )
        })?;
    Currency::parse(&policy.currency)
        .map_err(|e| Failure::Refused(anyhow!("policy {policy_id}: {e}")))
}

fn minor(text: &str, currency: Currency, what: &str) -> Result<i64, Failure> {
    Money::parse_decimal(text.trim(), currency)
        .map(|m| m.minor)
        .map_err(|e| Refusal::input(ErrorCode::BadAmount, format!("{what}: {e}")))
}

/// The caps typed as decimals, in minor units of the policy's currency (asked from the notary
/// only when a cap is given).
async fn caps_minor(
    admin: &mut AdminClient,
    policy_id: &str,
    total_cap: Option<&str>,
    per_tx_cap: Option<&str>,
) -> Result<(Option<i64>, Option<i64>), Failure> {
    if total_cap.is_none() && per_tx_cap.is_none() {
        return Ok((None, None));
    }
    let currency = policy_currency(admin, policy_id).await?;
    let total = total_cap.map(|t| minor(t, currency, "--total-cap"));
    let per_tx = per_tx_cap.map(|t| minor(t, currency, "--per-tx-cap"));
    Ok((total.transpose()?, per_tx.transpose()?))
}

fn agreement_fields(a: &AgreementItem) -> Vec<(&'static str, String)> {
    vec![
        ("agreement", a.id.clone()),
        ("status", a.standing().into()),
        ("buyer", format!("{} ({})", a.buyer_name, a.buyer_id)),
        ("policy", format!("{} v{}", a.policy_id, a.policy_version)),
        ("total cap", money_text(a.total_cap_minor, &a.currency)),
        ("per-tx cap", money_text(a.per_tx_cap_minor, &a.currency)),
        ("exposure", money_text(a.exposure_minor, &a.currency)),
        ("valid from", a.valid_from.clone()),
        ("valid until", a.valid_until.clone()),
        ("keys", a.keys.join(", ")),
    ]
}

/// Runs `notar agreement ...`.
pub async fn run(data: &Path, args: AgreementArgs) -> Result<(), Failure> {
    let mut admin = AdminClient::connect(data).await?;
    let op = request(&mut admin, args.command).await?;
    let reply = admin.call(op).await?;
    if args.json {
        return print_json(&reply);
    }
    print_reply(&reply)
}

/// The admin request for `command`.
async fn request(admin: &mut AdminClient, command: AgreementCommand) -> Result<Op, Failure> {
    Ok(match command {
        AgreementCommand::Create {
            buyer,
            policy,
            total_cap,
            per_tx_cap,
            valid_until,
            keys,
        } => {
            let (total_cap_minor, per_tx_cap_minor) =
                caps_minor(admin, &policy, total_cap.as_deref(), per_tx_cap.as_deref()).await?;
            Op::AgreementCreate {
                buyer_id: buyer,
                policy_id: policy,
                total_cap_minor,
                per_tx_cap_minor,
                valid_until,
                keys: (!keys.is_empty()).then_some(keys),
            }
        }
        AgreementCommand::List { query } => Op::Agreements {
            query: query.unwrap_or_default(),
        },
        AgreementCommand::Show { agreement_id } => Op::AgreementShow {
            agreement_id,
            limit: SHOW_GUARANTEES_MAX,
        },
        AgreementCommand::Suspend(s) => status_op(s, AgreementStatus::Suspended),
        AgreementCommand::Resume(s) => status_op(s, AgreementStatus::Active),
        AgreementCommand::End(s) => status_op(s, AgreementStatus::Ended),
    })
}

fn status_op(s: StatusArgs, status: AgreementStatus) -> Op {
    Op::AgreementStatus {
        agreement_id: s.agreement_id,
        status,
        reason: s.reason,
    }
}

/// Prints an agreement answer for people.
fn print_reply(reply: &Reply) -> Result<(), Failure> {
    match reply {
        Reply::Agreement(a) => print_fields(&agreement_fields(a)),
        Reply::Agreements { items } => print_agreements(items),
        Reply::AgreementDetail {
            agreement,
            keys,
            guarantees,
        } => print_detail(agreement, keys, guarantees),
        other => return Err(unexpected(other)),
    }
    Ok(())
}

fn print_agreements(items: &[AgreementItem]) {
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|a| {
            vec![
                a.id.clone(),
                a.standing().into(),
                a.policy_id.clone(),
                money_text(a.exposure_minor, &a.currency),
                money_text(a.total_cap_minor, &a.currency),
                a.valid_until.clone(),
                a.buyer_name.clone(),
            ]
        })
        .collect();
    print_table(
        &[
            "ID",
            "STATUS",
            "POLICY",
            "EXPOSURE",
            "TOTAL CAP",
            "VALID UNTIL",
            "BUYER",
        ],
        &rows,
    );
}

fn print_detail(agreement: &AgreementItem, keys: &[KeyItem], guarantees: &[GuaranteeItem]) {
    let mut fields = agreement_fields(agreement);
    fields.push(("outstanding", agreement.outstanding.to_string()));
    print_fields(&fields);
    outln!();
    let key_rows: Vec<Vec<String>> = keys
        .iter()
        .map(|k| {
            vec![
                k.key_id.clone(),
                k.source.as_str().into(),
                k.status.as_str().into(),
            ]
        })
        .collect();
    print_table(&["KEY ID", "SOURCE", "STATUS"], &key_rows);
    outln!();
    if guarantees.is_empty() {
        outln!("no guarantees");
        return;
    }
    let rows: Vec<Vec<String>> = guarantees
        .iter()
        .map(|g| {
            vec![
                g.guarantee_id.clone(),
                g.state.as_str().into(),
                money_text(g.amount_minor, &g.currency),
                g.issued_at.clone(),
                g.seller_id.clone(),
            ]
        })
        .collect();
    print_table(&["GUARANTEE", "STATE", "AMOUNT", "ISSUED", "SELLER"], &rows);
}
