//! `notar bench`: a load generator for every write service (docs/design.md §8). It starts a
//! notary on a fresh data dir (a temporary one unless `--data` names an empty or missing
//! directory; it touches a data dir that holds anything only with `--grow`, and then only one an
//! earlier run made), registers one seller and a few buyers with very large caps, makes the
//! requests of `--kind` beforehand (signed orders, RFC 3161 queries, exchange messages, or
//! guarantees granted to be settled), and then drives them over real HTTP on 127.0.0.1 (or calls
//! the notary in-process with `--in-process`), closed loop with `--concurrency` workers or open
//! loop at `--rate` requests per second. It reports throughput, latency percentiles, errors,
//! synced batches, CPU use per thread and the log size, next to the raw cost of the crypto a
//! request needs, measured in the same run (and over HTTP a no-op ceiling).
//!
//! Client and server share this process and its cores: the figures are for the whole loop.
//! Here the run's steps; `loops` sends the load, `report` holds the figures.

mod loops;
mod report;
mod work;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, Context};
use ed25519_dalek::SigningKey;
use sha2::{Digest, Sha256};

use super::{Classify, Failure};
use crate::model::money::MINOR_MAX;
use crate::model::registry::Role;
use crate::notary::datadir::DataDir;
use crate::notary::fixture::buyer_with_agreement;
use crate::notary::{KeyInput, Notary};
use loops::{closed_loop, http_in_flight_max, open_loop, Sender};
use report::{
    cpu_by_name, print_report, raw_ed25519, report, thread_ticks, Measured, RawEd25519, Report,
};
use work::{presign, Prepared};

/// The global `--data` default: taken to mean "no data dir given".
const DATA_DEFAULT: &str = "./notar-data";
/// Amount of every benchmark guarantee, minor units (12.34 EUR).
const AMOUNT_MINOR: i64 = 1234;
/// Orders pre-signed for the one-second warm-up.
const WARM_UP_ORDERS: usize = 4 * 1024;

/// `notar bench` options.
#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// ADDR:PORT for the benchmark's own HTTP server.
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: String,
    /// How long to measure, after a one-second warm-up.
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
    /// Closed loop: requests in flight at once (workers). Over HTTP the benchmark notary lets
    /// one address hold twice this plus 16 connections (the load generator's pool).
    #[arg(long, default_value_t = 64)]
    pub concurrency: usize,
    /// Open loop: send this many requests per second, whatever the answers take. At most 8,192
    /// in flight in-process, over HTTP 1,024 (fewer under a low open-file limit; or
    /// --concurrency if more): a request due past that is counted as skipped.
    #[arg(long)]
    pub rate: Option<u64>,
    /// Call the notary directly instead of over HTTP.
    #[arg(long)]
    pub in_process: bool,
    /// Buyers (each with one agreement) the requests are spread over.
    #[arg(long, default_value_t = 16)]
    pub buyers: usize,
    /// Orders to pre-sign (default: sized from the warm-up, or from --rate).
    #[arg(long)]
    pub orders: Option<usize>,
    /// Print the figures as JSON.
    #[arg(long)]
    pub json: bool,
    /// What to ask for: guarantees (`POST /v1/guarantees`, pre-signed orders), RFC 3161
    /// timestamps (`POST /v1/timestamp`, pre-made SHA-256 queries with a nonce), fair-exchange
    /// resolves (`POST /v1/exchanges/resolve`, contract signing, m1 and m2 pre-signed),
    /// settlements (`POST /v1/guarantees/{id}/settle` of guarantees granted before the timed
    /// part), or guarantees, timestamps and resolves in turn (mixed).
    #[arg(long, value_enum, default_value_t = Kind::Guarantee)]
    pub kind: Kind,
    /// Keep the benchmark notary's database in PostgreSQL (an empty database:
    /// postgres://user@host:port/dbname) instead of RocksDB, as `notar init --store` does.
    #[arg(long, value_name = "URL")]
    pub store: Option<String>,
    /// Add to a data dir an earlier `notar bench --data DIR` made (bench marks the dirs it
    /// makes), to grow it for measurements at scale: new buyers, parties and requests, the same
    /// notary. Without it, bench refuses a data dir that holds anything.
    #[arg(long)]
    pub grow: bool,
    /// Write every measured request to FILE as CSV (`started_us,latency_us`, by start): when it
    /// started (in the open loop: when it was due), in µs from the start of the run, and how
    /// long its answer took. To see whether slow answers come together (a stall) or apart.
    #[arg(long, value_name = "FILE")]
    pub latencies: Option<PathBuf>,
}

/// The write service a run loads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Guarantees: an order verified, a guarantee signed and logged.
    Guarantee,
    /// RFC 3161 timestamps: a token signed (P-256) and logged.
    Timestamp,
    /// Fair-exchange resolves (contract signing): m1 and m2 verified, a replacement contract
    /// signed and logged, for a new exchange each time.
    Exchange,
    /// Settlements: a guarantee granted before the timed part settled, a settlement signed and
    /// logged.
    Settle,
    /// Guarantees, timestamps and exchange resolves in turn, one third each.
    Mixed,
}

/// `notar bench`.
pub async fn run(data: &Path, args: BenchArgs) -> Result<(), Failure> {
    if args.seconds == 0 || args.concurrency == 0 || args.rate == Some(0) {
        return Err(Failure::Usage(anyhow!(
            "--seconds, --concurrency and --rate must be positive"
        )));
    }
    let place = choose_dir(data, args.grow)?;
    let outcome = bench(&place, &args).await;
    if let Some(tmp) = &place.remove {
        let _ = std::fs::remove_dir_all(tmp);
    }
    let report = outcome?;
    if args.json {
        let text = serde_json::to_string_pretty(&report).refused()?;
        outln!("{text}");
    } else {
        print_report(&report);
    }
    Ok(())
}

async fn bench(place: &Place, args: &BenchArgs) -> Result<Report, Failure> {
    let raw = raw_ed25519();
    let dir = &place.dir;
    if !place.grow {
        Notary::init_on(dir, "bench", args.store.clone())
            .await
            .map_err(|e| Failure::Refused(e.into()))?;
        std::fs::write(dir.root().join(BENCH_MARK), "made by notar bench\n").refused()?;
    }
    if !args.in_process {
        bench_http_limits(dir, args).refused()?;
    }
    let running = super::serve::start(dir.root(), Some(args.listen.clone())).await?;
    let result = drive(&running, dir, args, raw).await;
    running.stop().await?;
    result.refused()
}

/// Connections the load generator may hold at most with `concurrency` requests in flight
/// (workers, or the open loop's cap): one busy per request, as many idle in its pool
/// (`Sender::new` caps them there) and spares for connects still under way. Its pool opens a new connection whenever a request finds none idle, even if
/// one is about to come back, so under load it holds somewhat more than `concurrency`; a cap of
/// exactly that made runs fail on connections the server closed (CI, 300 workers: 106 of 2,992).
pub(super) fn generator_connections_max(concurrency: usize) -> usize {
    concurrency.saturating_mul(2).saturating_add(16)
}

/// Fits the benchmark notary's `[http]` limits to a load that comes from one address: the
/// per-address connection cap raised to what the load generator may hold
/// ([`generator_connections_max`]) when it is lower, and for
/// timestamps and exchange resolves (anonymous routes: no API token) `anonymous_rate_per_s = 0`.
/// Only the notary `notar bench` made is changed (`choose_dir`).
fn bench_http_limits(dir: &DataDir, args: &BenchArgs) -> anyhow::Result<()> {
    let path = dir.config_path();
    let text = std::fs::read_to_string(&path)?;
    let mut config: toml::Table = text.parse()?;
    let http = config
        .entry("http")
        .or_insert_with(|| toml::Value::Table(toml::Table::new()));
    let http = http
        .as_table_mut()
        .ok_or_else(|| anyhow!("[http] in {} is not a table", path.display()))?;
    if args.kind != Kind::Guarantee {
        http.insert("anonymous_rate_per_s".into(), toml::Value::Integer(0));
    }
    let needed = i64::try_from(generator_connections_max(http_in_flight_max(args)))?;
    let defaults = crate::notary::config::HttpSection::new("");
    for (key, default) in [
        (
            "max_connections_per_address",
            defaults.max_connections_per_address,
        ),
        ("max_connections", defaults.max_connections),
    ] {
        let default = i64::from(default);
        let now = http
            .get(key)
            .and_then(toml::Value::as_integer)
            .unwrap_or(default);
        if now < needed {
            http.insert(key.into(), toml::Value::Integer(needed));
        }
    }
    std::fs::write(&path, toml::to_string(&config)?)?;
    Ok(())
}

/// Registers the parties, warms up, pre-signs the orders and measures one run.
async fn drive(
    running: &super::serve::Running,
    dir: &DataDir,
    args: &BenchArgs,
    raw: RawEd25519,
) -> anyhow::Result<Report> {
    // A grown dir already holds the first run's buyers and requests: this run's are new.
    let tag = match args.grow {
        true => format!("g{}-", running.notary.log_size()),
        false => String::new(),
    };
    let setup = Arc::new(
        setup(&running.notary, args.buyers, &tag)
            .await
            .context("bench setup")?,
    );
    let sender = Sender::new(running, &setup, args)?;
    let length = Duration::from_secs(args.seconds);
    let orders = warm_up(&sender, &setup, args, length).await?;
    let before = match args.in_process {
        true => None,
        false => Some(noop_ceiling(&sender, args).await?),
    };
    let run = measure(&sender, &running.notary, orders, args, length).await?;
    if let Some(path) = &args.latencies {
        write_latencies(path, &run.tally)
            .with_context(|| format!("--latencies {}", path.display()))?;
    }
    let ceiling = match before {
        None => None,
        Some(before) => Some([before, noop_ceiling(&sender, args).await?]),
    };
    Ok(report(args, run, dir, raw, ceiling))
}

/// `tally`'s requests as CSV lines `started_us,latency_us`, in the order they started.
fn write_latencies(path: &Path, tally: &loops::Tally) -> std::io::Result<()> {
    use std::io::Write;
    let mut rows = tally.answers_us.clone();
    rows.sort_unstable();
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(out, "started_us,latency_us")?;
    for (started, latency) in rows {
        writeln!(out, "{started},{latency}")?;
    }
    out.flush()
}

/// Seconds of the no-op ceiling's run.
const CEILING_SECONDS: u64 = 2;

/// The same client and concurrency against `GET /healthz` (the server answering without
/// signing or writing), closed loop for [`CEILING_SECONDS`]: what the HTTP stack alone allows
/// on this machine, to set the measured rate against. Measured before the run and after it.
async fn noop_ceiling(sender: &Sender, args: &BenchArgs) -> anyhow::Result<f64> {
    let length = Duration::from_secs(CEILING_SECONDS);
    // More than this machine answers: the loop stops at the deadline.
    let requests = vec![Prepared::Healthz; 400_000 * CEILING_SECONDS as usize];
    let (tally, took) = closed_loop(sender, requests, args.concurrency, length).await?;
    if tally.granted != tally.answered() {
        return Err(anyhow!(
            "GET /healthz failed during the no-op ceiling: {:?}",
            tally.errors
        ));
    }
    Ok(tally.answered() as f64 / took.as_secs_f64().max(1e-9))
}

/// Warm-up: one second of closed loop, which opens the connections and shows the peak rate; then
/// pre-signs the measured run's orders, as many as `--orders`, `--rate` or that peak call for.
async fn warm_up(
    sender: &Sender,
    setup: &Arc<Setup>,
    args: &BenchArgs,
    length: Duration,
) -> anyhow::Result<Vec<Prepared>> {
    let http = !args.in_process;
    let kind = args.kind;
    let notary = sender.notary();
    let warm = presign(notary, setup, kind, (0, WARM_UP_ORDERS), http).await?;
    let (w, w_took) = closed_loop(sender, warm, args.concurrency, Duration::from_secs(1)).await?;
    let peak = w.answered() as f64 / w_took.as_secs_f64().max(1e-3);
    let n = match (args.orders, args.rate) {
        (Some(n), _) => n,
        (None, Some(r)) => (r as f64 * length.as_secs_f64() * 1.02) as usize + 64,
        (None, None) => ((peak * length.as_secs_f64() * 1.5) as usize).max(WARM_UP_ORDERS),
    };
    tracing::info!(warmup_per_s = peak as u64, orders = n, "bench: pre-signing");
    presign(notary, setup, kind, (WARM_UP_ORDERS, n), http).await
}

/// The measured run, open or closed loop, with the log growth and CPU use around it.
async fn measure(
    sender: &Sender,
    notary: &Notary,
    orders: Vec<Prepared>,
    args: &BenchArgs,
    length: Duration,
) -> anyhow::Result<Measured> {
    let size0 = notary.log_size();
    let cpu0 = thread_ticks();
    let alloc0 = crate::alloc_count::totals();
    tracing::info!(seconds = length.as_secs(), "bench: measuring");
    let (tally, took) = match args.rate {
        Some(_) => open_loop(sender, orders, args, length).await?,
        None => closed_loop(sender, orders, args.concurrency, length).await?,
    };
    let cpu1 = thread_ticks();
    let alloc1 = crate::alloc_count::totals();
    // Let the last batch land before reading sizes.
    let size1 = notary.log_size();
    let mut commits = 0u64;
    for s in size0 + 1..=size1 {
        if notary.checkpoint_at(s)?.is_some() {
            commits += 1;
        }
    }
    let (cpu_cores, cpu_by_thread) = cpu_by_name(&cpu0, &cpu1, took.as_secs_f64());
    Ok(Measured {
        tally,
        took,
        log_size: (size0, size1),
        commits,
        cpu_cores,
        cpu_by_thread,
        allocations: alloc0.zip(alloc1),
    })
}

/// Where the benchmark's notary lives, whether to remove it afterwards, and whether it is an
/// earlier run's dir to grow.
struct Place {
    dir: DataDir,
    remove: Option<PathBuf>,
    grow: bool,
}

/// The file bench leaves in the data dirs it makes, so that `--grow` adds only to those.
const BENCH_MARK: &str = "notar-bench";

fn choose_dir(data: &Path, grow: bool) -> Result<Place, Failure> {
    let given = data != Path::new(DATA_DEFAULT) || std::env::var_os("NOTAR_DATA").is_some();
    if grow {
        if !given || !data.join(BENCH_MARK).is_file() {
            return Err(Failure::Usage(anyhow!(
                "--grow adds only to a data dir an earlier `notar bench --data DIR` made: \
                 {} is not one",
                data.display()
            )));
        }
        return Ok(Place {
            dir: DataDir::new(data),
            remove: None,
            grow: true,
        });
    }
    if given {
        if let Ok(mut entries) = std::fs::read_dir(data) {
            if entries.next().is_some() {
                return Err(Failure::Usage(anyhow!(
                    "{} is not empty: notar bench runs only on a new data dir \
                     (give an empty or missing directory, or no --data for a temporary one)",
                    data.display()
                )));
            }
        }
        return Ok(Place {
            dir: DataDir::new(data),
            remove: None,
            grow: false,
        });
    }
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let tmp = std::env::temp_dir().join(format!("notar-bench-{}-{nanos}", std::process::id()));
    Ok(Place {
        dir: DataDir::new(tmp.join("data")),
        remove: Some(tmp),
        grow: false,
    })
}

/// The seller, the buyers' agreements and keys, the two exchange parties, the notary's key id
/// and the run's tag (empty, or what makes a grown dir's new requests differ from the old).
struct Setup {
    tag: String,
    seller_id: String,
    token: String,
    agreements: Vec<(String, SigningKey)>,
    exchange: ((String, SigningKey), (String, SigningKey)),
    notary_key_id: String,
}

async fn setup(notary: &Notary, buyers: usize, tag: &str) -> anyhow::Result<Setup> {
    let seller = notary
        .register_party(&format!("{tag}Bench Seller"), Role::Seller, None)
        .await?;
    let mut agreements = Vec::with_capacity(buyers);
    for i in 0..buyers.max(1) {
        let secret: [u8; 32] = Sha256::digest(format!("notar-bench-buyer-{tag}{i}")).into();
        let key = SigningKey::from_bytes(&secret);
        let (_, agreement_id) = buyer_with_agreement(
            notary,
            &format!("{tag}Bench Buyer {i}"),
            &key,
            "semper-business",
            Some((MINOR_MAX, 1_000_000)),
        )
        .await?;
        agreements.push((agreement_id, key));
    }
    let mut exchange = Vec::with_capacity(2);
    for (name, seed) in [("Bench Originator", "o"), ("Bench Responder", "r")] {
        let secret: [u8; 32] = Sha256::digest(format!("notar-bench-exchange-{tag}{seed}")).into();
        let key = SigningKey::from_bytes(&secret);
        let raw = KeyInput::Raw(key.verifying_key().to_bytes());
        let (p, _) = notary
            .register_party_with_key(&format!("{tag}{name}"), Role::Seller, Some(raw), None)
            .await?;
        exchange.push((p.party.id, key));
    }
    let r = exchange.pop().ok_or_else(|| anyhow!("no responder"))?;
    let o = exchange.pop().ok_or_else(|| anyhow!("no originator"))?;
    Ok(Setup {
        tag: tag.to_string(),
        seller_id: seller.party.id,
        token: seller.api_token.unwrap_or_default(),
        agreements,
        exchange: (o, r),
        notary_key_id: notary.identity().key_id.clone(),
    })
}
