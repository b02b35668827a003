//! The command line (docs/design.md §8): clap subcommands, each a thin call into the notary or the
//! HTTP API. Exit codes: 0 ok, 1 refused or failed check, 2 usage or input error.

/// `println!` for the CLI's output: a closed stdout (`notar agreement list | head -1`) ends the
/// command quietly instead of a panic ("failed printing to stdout: Broken pipe", exit 101).
macro_rules! outln {
    () => {
        $crate::cli::out::print_line(format_args!(""))
    };
    ($($arg:tt)*) => {
        $crate::cli::out::print_line(format_args!($($arg)*))
    };
}

mod admin_client;
mod agreement_cmd;
mod bench;
mod bundle_cmd;
mod client;
mod complaint_cmd;
mod envelope_verify;
mod exchange_cmd;
mod log_cmd;
mod nonce_cmd;
mod order_cmd;
mod out;
mod party_cmd;
mod replay_cmd;
mod ruling_cmd;
mod samples;
mod samples_cases;
pub mod samples_complaints;
pub mod samples_exchanges;
pub mod samples_ledger;
mod serve;
mod serve_limits;
mod stamp;
mod token_cmd;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Default address of `notar serve`.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

/// notar: trusted third party for electronic commerce (SEMPER): timestamps, liability,
/// guarantees, fair exchange and rulings, every signature in an append-only Merkle log.
#[derive(Debug, Parser)]
#[command(name = "notar", version, about, long_about = None)]
pub struct Cli {
    /// The data directory.
    #[arg(
        long,
        global = true,
        default_value = "./notar-data",
        env = "NOTAR_DATA"
    )]
    pub data: PathBuf,
    /// Log lines as `text` (colours only when stderr is a terminal) or `json` (one object per
    /// line, for log collectors).
    #[arg(
        long,
        global = true,
        value_enum,
        default_value_t = LogFormat::Text,
        env = "NOTAR_LOG_FORMAT"
    )]
    pub log_format: LogFormat,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
    /// Whether the command was given `--json`: a failure is then printed as JSON too
    /// ([`out::print_failure_json`]). Set by [`parse`].
    #[arg(skip)]
    pub json: bool,
}

/// Parses this process's command line (clap exits on bad usage or `--help`), noting whether
/// the subcommand was given `--json`.
pub fn parse() -> Cli {
    use clap::{CommandFactory, FromArgMatches};
    let matches = Cli::command()
        .try_get_matches()
        .unwrap_or_else(|e| usage_exit(e));
    let mut cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| usage_exit(e));
    cli.json = json_flag(&matches);
    cli
}

/// Ends the process on a command line clap refused: with `--json` among the arguments, the
/// refusal as JSON on stdout first, as every other failure (s14 F5); then clap's own words on
/// stderr, exit 2 (help and version print as usual, exit 0).
fn usage_exit(e: clap::Error) -> ! {
    use clap::error::ErrorKind;
    let shown = matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    );
    if !shown && std::env::args_os().any(|a| a == "--json") {
        // The error's first paragraph, on one line (the usage and the hint follow a blank one).
        let text = e.to_string();
        let first: Vec<&str> = text
            .lines()
            .take_while(|l| !l.trim().is_empty())
            .map(str::trim)
            .collect();
        let first = first.join(" ");
        let message = first.strip_prefix("error: ").unwrap_or(&first);
        let body = serde_json::json!({"error": {"code": null, "message": message, "exit": 2}});
        out::print_json_text(&body.to_string());
    }
    e.exit()
}

/// Whether `--json` was set on `m` or on any subcommand under it.
fn json_flag(m: &clap::ArgMatches) -> bool {
    m.try_get_one::<bool>("json").ok().flatten().copied() == Some(true)
        || m.subcommand().is_some_and(|(_, sub)| json_flag(sub))
}

/// How service logs are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a data dir: config, notary key, TSA certificates, database.
    Init {
        /// The notary's short name (checkpoint key name).
        #[arg(long, default_value = "notar")]
        name: String,
        /// Keep the database in PostgreSQL instead of RocksDB in the data dir:
        /// postgres://user[:password]@host[:port]/dbname, an empty database (written to
        /// notar.toml `[store] url`; keys stay in the data dir). See docs/operating.md,
        /// "Running on PostgreSQL".
        #[arg(long, value_name = "URL")]
        store: Option<String>,
    },
    /// Run the notary service (HTTP API) on a data dir.
    ///
    /// Its limits are set in the data dir's notar.toml: `[http]` header_read_timeout_s,
    /// body_timeout_s, max_connections, max_connections_per_address, anonymous_rate_per_s,
    /// anonymous_burst; `[admin]` max_connections, idle_timeout_s (docs/operating.md, "Limits").
    /// At start the soft open-file limit is raised to the hard one and the limits are logged.
    Serve {
        /// ADDR:PORT to listen on (port 0 picks a free port); default from notar.toml.
        #[arg(long)]
        listen: Option<String>,
    },
    /// The main job: init the data dir (with sample data) if there is none, serve it, and open
    /// the console on this terminal. Quitting the console stops the service.
    Up {
        /// ADDR:PORT to listen on (port 0 picks a free port).
        #[arg(long)]
        listen: Option<String>,
    },
    /// The arbitrators' console (TUI) on the admin socket of a running notary.
    Console,
    /// Timestamp a file over HTTP (RFC 3161); writes FILE.tsr.
    Stamp(stamp::StampArgs),
    /// Check offline a timestamp reply (against the TSA root) or a notary-signed JSON object
    /// such as a guarantee (against the notary key).
    Verify(stamp::VerifyArgs),
    /// Fetch and check the notary log's checkpoints and proofs.
    Log {
        /// What to check.
        #[command(subcommand)]
        command: log_cmd::LogCommand,
    },
    /// Buyers and sellers and their keys (admin socket of a running notary).
    Party(party_cmd::PartyArgs),
    /// Agreements: a buyer's limits under a policy (admin socket of a running notary).
    Agreement(agreement_cmd::AgreementArgs),
    /// Revoke a key by hand, or import a CA's CRL (admin socket of a running notary).
    Revoke(party_cmd::RevokeArgs),
    /// Complaints: a party files, answers and reads them over HTTP (signed with its key);
    /// arbitrators list, take and annotate cases on the admin socket.
    Complaint(complaint_cmd::ComplaintArgs),
    /// The buyer's side: sign an order for a guarantee request, or a receipt of the goods
    /// (offline).
    Order(order_cmd::OrderArgs),
    /// Fetch a fresh notary-signed nonce (`POST /v1/nonce`) for `notar order sign --fresh`.
    Nonce(nonce_cmd::NonceArgs),
    /// Fair exchange, the parties' side: sign a contract both ways or send an item for a
    /// receipt (offline), and ask the notary to abort or resolve when the other side stalls.
    Exchange(exchange_cmd::ExchangeArgs),
    /// Evidence bundles (notar-bundle/1): check one offline.
    Bundle(bundle_cmd::BundleArgs),
    /// Arbitrators' cases: export a case's evidence bundle, sign or confirm its ruling (admin
    /// socket of a running notary).
    Case(bundle_cmd::CaseArgs),
    /// Replay an evidence bundle offline: verify it, decide its claim, print the reasoned ruling.
    ///
    /// Every item is verified as `notar bundle verify` does; an item that fails is not refused
    /// but goes in as a fact the rules make inadmissible (named by its id in the findings). The
    /// rules (notar-rules/1, docs/design.md §6.5) then decide the claim under the policy the
    /// agreement recorded (a guarantee case) or the complaint receipt recorded (an exchange
    /// case), read from the bundle's own logged policy entry.
    ///
    /// Prints the timeline (each item: what it is, admitted or not and by which rule, its
    /// earliest and latest signing time and what proves them), the findings in order (P, A0,
    /// Q1 … Q8, each with its rule id and the ids of the items it rests on), the allocation and
    /// the actions. When the respondent's answer carried a counter-claim (`claim.counter_claim`),
    /// it is decided next on the same evidence, the parties swapped, and printed after the
    /// claim's part: its own findings, allocation and actions (lines prefixed `counter-claim`).
    /// With --json: the ruling's canonical JSON (docs/formats.md "Ruling").
    /// The same bundle gives the same bytes on any machine, whatever the order of its items and
    /// however often one repeats.
    ///
    /// The claim is the one the notary's complaint receipt states: a bundle whose claim a
    /// verified receipt contradicts, or that lacks evidence the receipts name, is refused;
    /// without a verified receipt the claim is replayed as the bundle states it, with a warning
    /// on stderr. A bundle that shows no answer by the respondent (no response receipt, no
    /// silence record) is replayed with a warning too: the case was open or settled at filing
    /// when exported, or the answer was left out, which only the notary's records tell.
    /// A damaged item the terms are found through is also a warning, not a refusal: without a
    /// verified guarantee or refusal the agreement is the parties' one in the registry, without
    /// a verified complaint receipt an exchange case's policy is the registry's one version; a
    /// counter-claim whose response or response receipt fails is left undecided.
    ///
    /// Exit 0: replayed; 1: the bundle names another notary key than --notary-key-id; 2: the
    /// file is not a readable bundle, its claim is not the one the notary received, or the
    /// policy to apply cannot be established from it, e.g. its agreement entry fails (the
    /// error names the failing items).
    #[command(verbatim_doc_comment)]
    Replay(replay_cmd::ReplayArgs),
    /// Load generator: each write service's rate, latency and CPU against its limits.
    ///
    /// Guarantees, timestamps, resolves, settlements or a mix, on a new notary, in-process or
    /// over HTTP. Each run also measures one core's crypto rate for what a request needs and,
    /// over HTTP, the no-op ceiling (the same server answering `GET /healthz`), and prints the
    /// ratios.
    Bench(bench::BenchArgs),
    /// Sample data made by a real notary: the evidence bundles of samples/cases/.
    Samples(samples_cases::SamplesArgs),
}

/// How a command failed, which decides the exit code.
#[derive(Debug)]
pub enum Failure {
    /// A check failed or the notary refused (exit 1).
    Refused(anyhow::Error),
    /// Bad usage or unreadable input (exit 2).
    Usage(anyhow::Error),
}

impl Failure {
    fn code(&self) -> u8 {
        match self {
            Failure::Refused(_) => 1,
            Failure::Usage(_) => 2,
        }
    }
}

/// Shorthands to classify errors.
pub(crate) trait Classify<T> {
    /// A failed check / refusal.
    fn refused(self) -> Result<T, Failure>;
    /// An input or usage error.
    fn usage(self) -> Result<T, Failure>;
}

impl<T, E: Into<anyhow::Error>> Classify<T> for Result<T, E> {
    /// A refusal, unless the notary's HTTP answer blames the input (exit 2 then).
    fn refused(self) -> Result<T, Failure> {
        self.map_err(|e| {
            let e: anyhow::Error = e.into();
            let input = e
                .chain()
                .filter_map(|c| c.downcast_ref::<client::ServerAnswer>())
                .any(|a| a.code.is_some_and(|c| c.is_input_error()));
            match input {
                true => Failure::Usage(e),
                false => Failure::Refused(e),
            }
        })
    }
    fn usage(self) -> Result<T, Failure> {
        self.map_err(|e| Failure::Usage(e.into()))
    }
}

/// The environment variables the command line reads a setting from.
const SETTINGS_ENV: [&str; 3] = ["NOTAR_DATA", "NOTAR_LOG_FORMAT", "NOTAR_SERVER"];

/// Removes those of [`SETTINGS_ENV`] set to the empty string or to spaces only, so that such
/// one counts as unset (the default applies), as with most Unix tools: `NOTAR_DATA= notar up`
/// was refused with "a value is required for '--data'", and `NOTAR_SERVER=" "` gave "relative
/// URL without a base". Call before parsing, while the process has one thread.
pub fn unset_empty_settings() {
    for name in SETTINGS_ENV {
        let blank =
            std::env::var_os(name).is_some_and(|v| v.to_str().is_some_and(|s| s.trim().is_empty()));
        if blank {
            std::env::remove_var(name);
        }
    }
}

/// Runs a parsed command line and returns the process exit code.
pub fn main(cli: Cli) -> ExitCode {
    init_tracing(&cli);
    if let Command::Console = cli.command {
        // The console owns the terminal and its own runtime.
        let socket = crate::notary::datadir::DataDir::new(&cli.data).admin_socket_path();
        // The console has printed its error itself, once, after restoring the terminal.
        return match crate::console::run(&socket) {
            Ok(()) => ExitCode::SUCCESS,
            Err(_) => ExitCode::from(1),
        };
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let json = cli.json;
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            if json {
                out::print_failure_json(&f);
            }
            let (Failure::Refused(e) | Failure::Usage(e)) = &f;
            // An error may quote a name, a subject or an answer from others; the notary's
            // messages quote values already escaped (`NotaryError::unknown`).
            eprintln!(
                "error: {}",
                crate::model::text::escape_hazard_lines(&chain_text(e))
            );
            ExitCode::from(f.code())
        }
    }
}

/// An error and its causes, `: `-separated like anyhow's `{:#}`, leaving out a cause whose text
/// the line already ends with (an error that prints its source, such as a notar.toml error,
/// showed its reason twice).
fn chain_text(e: &anyhow::Error) -> String {
    let mut out = e.to_string();
    for cause in e.chain().skip(1) {
        let text = cause.to_string();
        if !out.ends_with(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
    }
    out
}

/// Logs go to stderr, except when a console owns the terminal: then `notar up` logs to
/// `DATA/notar.log` and `notar console` keeps quiet. Colour codes only reach a terminal: a log
/// redirected to a file or a collector gets plain text (or JSON with `--log-format json`).
fn init_tracing(cli: &Cli) {
    use std::io::IsTerminal;
    use std::os::unix::fs::OpenOptionsExt;
    let writer: tracing_subscriber::fmt::writer::BoxMakeWriter = match cli.command {
        Command::Up { .. } => {
            let path = cli.data.join("notar.log");
            tracing_subscriber::fmt::writer::BoxMakeWriter::new(
                move || -> Box<dyn std::io::Write> {
                    // 0600: the data dir may grant its group search (0710), not the log.
                    match std::fs::OpenOptions::new()
                        .create(true)
                        .append(true)
                        .mode(0o600)
                        .open(&path)
                    {
                        Ok(f) => Box::new(f),
                        Err(_) => Box::new(std::io::sink()),
                    }
                },
            )
        }
        Command::Console => tracing_subscriber::fmt::writer::BoxMakeWriter::new(std::io::sink),
        _ => tracing_subscriber::fmt::writer::BoxMakeWriter::new(std::io::stderr),
    };
    let to_terminal = !matches!(cli.command, Command::Up { .. } | Command::Console)
        && std::io::stderr().is_terminal();
    let filter = tracing_subscriber::EnvFilter::try_from_env("NOTAR_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer);
    match cli.log_format {
        LogFormat::Text => builder.with_ansi(to_terminal).init(),
        LogFormat::Json => builder.json().with_ansi(false).init(),
    }
}

async fn run(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        Command::Init { name, store } => serve::init(&cli.data, &name, store).await,
        Command::Serve { listen } => serve::serve(&cli.data, listen).await,
        Command::Up { listen } => serve::up(&cli.data, listen).await,
        Command::Console => Err(Failure::Usage(anyhow::anyhow!(
            "console runs outside the runtime"
        ))),
        Command::Stamp(args) => stamp::stamp(args).await,
        Command::Verify(args) => stamp::verify(&cli.data, args),
        Command::Log { command } => log_cmd::run(&cli.data, command).await,
        Command::Party(args) => party_cmd::run(&cli.data, args).await,
        Command::Agreement(args) => agreement_cmd::run(&cli.data, args).await,
        Command::Revoke(args) => party_cmd::revoke(&cli.data, args).await,
        Command::Order(args) => order_cmd::run(args),
        Command::Nonce(args) => nonce_cmd::run(args).await,
        Command::Exchange(args) => exchange_cmd::run(args).await,
        Command::Complaint(args) => complaint_cmd::run(&cli.data, args).await,
        Command::Bundle(args) => bundle_cmd::run_bundle(args),
        Command::Case(args) => bundle_cmd::run_case(&cli.data, args).await,
        Command::Replay(args) => replay_cmd::run(args),
        Command::Bench(args) => bench::run(&cli.data, args).await,
        Command::Samples(args) => samples_cases::run(args).await,
    }
}
