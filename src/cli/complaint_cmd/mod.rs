//! `notar complaint`: the parties' side over HTTP (`file`, `respond`, `show`: signed with the
//! party's key, like `notar order sign`), and the arbitrators' side over the admin socket
//! (`list`, `take`, `note`, like `notar party`).

mod desk;
mod evidence;
mod party;

pub(crate) use desk::show as show_case;

use std::path::{Path, PathBuf};

use clap::builder::PossibleValuesParser;
use clap::{Args, Subcommand};

use super::client::DEFAULT_SERVER;
use super::Failure;
use crate::model::complaint::ComplaintKind;

/// `notar complaint`.
#[derive(Debug, Args)]
#[command(
    after_help = "A party files a complaint about an exchange (--tid), a guarantee \
(--guarantee) or an order the notary answered (--order-digest, e.g. one it refused) and gets the notary's signed receipt, which sets the respondent's deadline. The \
respondent reads the case with `show` and answers with `respond` before the deadline; after it the \
notary records the respondent as silent. Arbitrators work the queue with `list`, `take` and \
`note` on the admin socket of --data."
)]
pub struct ComplaintArgs {
    /// Print the notary's answer as JSON.
    #[arg(long, global = true)]
    pub json: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: ComplaintCommand,
}

/// `notar complaint ...`.
#[derive(Debug, Subcommand)]
pub enum ComplaintCommand {
    /// File a complaint, signed with the claimant's key; prints the complaint id and the
    /// deadline, and checks the notary's signed receipt.
    File(FileArgs),
    /// Answer a complaint as its respondent (before the deadline), optionally with a
    /// counter-claim.
    Respond(RespondArgs),
    /// Read a case as its claimant or respondent (a read signed with the party's key).
    Show(ShowArgs),
    /// Arbitrators: the complaint queue, by deadline (admin socket of --data).
    List {
        /// How many.
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
    /// Arbitrators: take a case; you are recorded as working it.
    Take {
        /// The complaint.
        complaint_id: String,
    },
    /// Arbitrators: add a note to a case's history (parties do not see notes).
    Note {
        /// The complaint.
        complaint_id: String,
        /// The note.
        text: String,
    },
}

/// The party's key and the notary it talks to.
#[derive(Debug, Args)]
pub struct PartyConn {
    /// The party's Ed25519 private key (PKCS#8 PEM, as `openssl genpkey -algorithm ed25519`
    /// writes); its public key must be registered with the notary.
    #[arg(long, value_name = "FILE")]
    pub key: PathBuf,
    /// Notary URL (`--server` works too, as in `notar stamp` and `notar log`).
    #[arg(long, visible_alias = "server", default_value = DEFAULT_SERVER, env = "NOTAR_SERVER")]
    pub notary: String,
}

/// A statement, given inline or in a file.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct StatementArgs {
    /// What happened, in your words (at most 4096 bytes).
    #[arg(long, value_name = "TEXT")]
    pub statement: Option<String>,
    /// Read the statement from a file.
    #[arg(long, value_name = "FILE")]
    pub statement_file: Option<PathBuf>,
}

fn kinds() -> PossibleValuesParser {
    PossibleValuesParser::new(ComplaintKind::ALL.map(ComplaintKind::as_str))
}

/// `notar complaint file`.
#[derive(Debug, Args)]
#[command(group(
    clap::ArgGroup::new("subject")
        .required(true)
        .multiple(false)
        .args(["tid", "guarantee", "order_digest"])
))]
pub struct FileArgs {
    /// Key and notary.
    #[command(flatten)]
    pub conn: PartyConn,
    /// Your party id (the key's owner).
    #[arg(long, value_name = "PARTY_ID")]
    pub claimant: String,
    /// The party you complain about.
    #[arg(long, value_name = "PARTY_ID")]
    pub respondent: String,
    /// What the complaint is about.
    #[arg(long, value_parser = kinds())]
    pub kind: String,
    /// The exchange concerned (its tid).
    /// One of --tid, --guarantee and --order-digest.
    #[arg(long, value_name = "TID", value_parser = crate::cli::replay_cmd::hex_digest)]
    pub tid: Option<String>,
    /// The guarantee concerned (its id); the parties must be its buyer and seller.
    #[arg(long, value_name = "GUARANTEE_ID")]
    pub guarantee: Option<String>,
    /// The order concerned, by its `order_digest` (as the notary's guarantee or refusal names
    /// it): for an order without a guarantee. The notary must have answered a guarantee
    /// request for it; the parties must be that order's seller and its agreement's buyer.
    #[arg(long, value_name = "HEX", value_parser = crate::cli::replay_cmd::hex_digest)]
    pub order_digest: Option<String>,
    /// Amount claimed, a decimal (e.g. `120.00`).
    #[arg(long)]
    pub amount: String,
    /// ISO 4217 currency code.
    #[arg(long)]
    pub currency: String,
    /// The statement.
    #[command(flatten)]
    pub statement: StatementArgs,
    /// Evidence, repeatable (at most 16 items in all): a JSON envelope (an order, m1, a
    /// guarantee, a receipt...) or a notary's answer holding envelopes (`POST /v1/guarantees`'
    /// answer, `notar exchange resolve`'s: each envelope in it goes in), an RFC 3161 reply
    /// (`.tsr`), or any other file, sent by its SHA-256, name and media type (its content stays
    /// with you).
    #[arg(long, value_name = "FILE")]
    pub evidence: Vec<PathBuf>,
    /// A document sent with its content (at most 8 KiB), repeatable: an item exchange's escrow
    /// (`escrow.bin`), with which the notary resolves the exchange at once.
    #[arg(long, value_name = "FILE")]
    pub evidence_content: Vec<PathBuf>,
    /// A nonce file (`--nonce-out` of `notar exchange offer|accept`), repeatable: its pre-image
    /// goes in, so that m1, m2 and both nonces show a standard contract.
    #[arg(long, value_name = "FILE")]
    pub nonce: Vec<PathBuf>,
    /// Print the signed complaint instead of sending it.
    #[arg(long)]
    pub sign_only: bool,
}

/// `notar complaint respond`.
#[derive(Debug, Args)]
pub struct RespondArgs {
    /// The complaint answered.
    pub complaint_id: String,
    /// Key and notary.
    #[command(flatten)]
    pub conn: PartyConn,
    /// The statement.
    #[command(flatten)]
    pub statement: StatementArgs,
    /// Evidence, repeatable (as for `file`).
    #[arg(long, value_name = "FILE")]
    pub evidence: Vec<PathBuf>,
    /// A document sent with its content (as for `file`).
    #[arg(long, value_name = "FILE")]
    pub evidence_content: Vec<PathBuf>,
    /// A nonce file sent as its pre-image (as for `file`).
    #[arg(long, value_name = "FILE")]
    pub nonce: Vec<PathBuf>,
    /// A counter-claim: what it is about.
    #[arg(long, value_parser = kinds(), requires_all = ["counter_amount", "counter_statement"])]
    pub counter_kind: Option<String>,
    /// The counter-claim's amount, a decimal.
    #[arg(long, requires = "counter_kind")]
    pub counter_amount: Option<String>,
    /// The counter-claim's currency (default: the complaint's).
    #[arg(long, requires = "counter_kind")]
    pub counter_currency: Option<String>,
    /// The counter-claim's statement.
    #[arg(long, requires = "counter_kind")]
    pub counter_statement: Option<String>,
    /// Print the signed response instead of sending it.
    #[arg(long)]
    pub sign_only: bool,
}

/// `notar complaint show`.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The complaint.
    pub complaint_id: String,
    /// Key and notary.
    #[command(flatten)]
    pub conn: PartyConn,
}

/// Runs `notar complaint ...`.
pub async fn run(data: &Path, args: ComplaintArgs) -> Result<(), Failure> {
    let json = args.json;
    match args.command {
        ComplaintCommand::File(a) => party::file(a, json).await,
        ComplaintCommand::Respond(a) => party::respond(a, json).await,
        ComplaintCommand::Show(a) => party::show(a, json).await,
        ComplaintCommand::List { limit } => desk::list(data, limit, json).await,
        ComplaintCommand::Take { complaint_id } => desk::take(data, complaint_id, json).await,
        ComplaintCommand::Note { complaint_id, text } => {
            desk::note(data, complaint_id, text, json).await
        }
    }
}
