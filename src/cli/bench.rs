//! `notar bench`: a load generator for guarantees (DESIGN.md §8). It starts a notary on a fresh
//! data dir (a temporary one unless `--data` names an empty or missing directory; it never
//! touches a data dir that holds anything), registers one seller and a few buyers with very large
//! caps, pre-signs the orders, and then drives `POST /v1/guarantees` over real HTTP on 127.0.0.1
//! (or calls the notary in-process with `--in-process`), closed loop with `--concurrency`
//! workers or open loop at `--rate` requests per second. It reports throughput, latency
//! percentiles, errors, synced batches, CPU use per thread and the log size, next to the raw cost
//! of one Ed25519 signature and verification measured in the same run.
//!
//! Client and server share this process and its cores: the figures are for the whole loop.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context};
use ed25519_dalek::{Signer as _, SigningKey, Verifier as _};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::{Classify, Failure};
use crate::model::money::{Currency, Money, MINOR_MAX};
use crate::model::registry::Role;
use crate::notary::datadir::DataDir;
use crate::notary::fixture::{buyer_with_agreement, request};
use crate::notary::{GuaranteeRequest, Notary};

/// The global `--data` default: taken to mean "no data dir given".
const DATA_DEFAULT: &str = "./notar-data";
/// Amount of every benchmark guarantee, minor units (12.34 EUR).
const AMOUNT_MINOR: i64 = 1234;
/// Most requests in flight in open-loop mode; past it a due request is counted as skipped.
const OPEN_LOOP_IN_FLIGHT_MAX: usize = 8192;
/// Iterations of the raw signature loop.
const RAW_ITERATIONS: u32 = 2000;
/// Linux reports thread CPU time in clock ticks of 1/100 s (USER_HZ, fixed by the ABI).
const TICKS_PER_S: f64 = 100.0;

/// `notar bench` options.
#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// ADDR:PORT for the benchmark's own HTTP server.
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: String,
    /// How long to measure, after a one-second warm-up.
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
    /// Closed loop: requests in flight at once (workers).
    #[arg(long, default_value_t = 64)]
    pub concurrency: usize,
    /// Open loop: send this many requests per second, whatever the answers take.
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
}

/// The figures of one run.
#[derive(Debug, Serialize)]
pub struct Report {
    /// `http` or `in_process`.
    pub transport: &'static str,
    /// `closed` or `open`.
    pub mode: &'static str,
    /// Closed-loop workers.
    pub concurrency: usize,
    /// Open-loop target rate.
    pub rate_target: Option<u64>,
    /// Measured seconds.
    pub seconds: f64,
    /// Requests answered (any status).
    pub requests: u64,
    /// Answered per second.
    pub requests_per_s: f64,
    /// 201 granted.
    pub granted: u64,
    /// 200 refused.
    pub refused: u64,
    /// Everything else, by HTTP status or error code.
    pub errors: BTreeMap<String, u64>,
    /// Open loop: requests not sent because too many were in flight.
    pub skipped: u64,
    /// True when the pre-signed orders ran out before the time was up.
    pub ran_out_of_orders: bool,
    /// Latency percentiles, ms (open loop: from the time each request was due).
    pub latency_ms: Latency,
    /// Synced batches (commits) during the measurement.
    pub commits: u64,
    /// Log entries per commit, on average.
    pub entries_per_commit: f64,
    /// CPU used by the whole process, in cores.
    pub cpu_cores: f64,
    /// CPU per thread name, in cores, busiest first.
    pub cpu_by_thread: Vec<(String, f64)>,
    /// Log size before and after the measurement.
    pub log_size: (u64, u64),
    /// Bytes of the database directory at the end.
    pub db_bytes: u64,
    /// Raw Ed25519 on one core, same run.
    pub raw: RawEd25519,
    /// The data dir used.
    pub data_dir: String,
}

/// Latency percentiles in milliseconds.
#[derive(Debug, Default, Serialize)]
pub struct Latency {
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Slowest.
    pub max: f64,
}

/// One Ed25519 signature and one verification, measured in a tight loop on one core.
#[derive(Debug, Serialize)]
pub struct RawEd25519 {
    /// Microseconds per signature.
    pub sign_us: f64,
    /// Microseconds per verification.
    pub verify_us: f64,
    /// 1 / (sign + verify).
    pub verify_plus_sign_per_s: f64,
}

/// Measures the raw primitives the guarantee path pays once each: the buyer's order is verified,
/// the guarantee is signed.
pub fn raw_ed25519() -> RawEd25519 {
    let key = SigningKey::from_bytes(&[42; 32]);
    let vk = key.verifying_key();
    let msg = br#"notar/v1/order
{"amount":{"currency":"EUR","minor":1234},"order_digest":"5f2b8e6a0c4d9e1f3a7b2c8d4e6f0a1b3c5d7e9f1a2b4c6d8e0f2a4b6c8d0e2f","seller_id":"0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"}"#;
    let t = Instant::now();
    let mut sig = key.sign(msg);
    for _ in 1..RAW_ITERATIONS {
        sig = key.sign(std::hint::black_box(msg));
    }
    let sign = t.elapsed().as_secs_f64() / f64::from(RAW_ITERATIONS);
    let t = Instant::now();
    let mut ok = 0u32;
    for _ in 0..RAW_ITERATIONS {
        ok += u32::from(vk.verify(std::hint::black_box(msg), &sig).is_ok());
    }
    let verify = t.elapsed().as_secs_f64() / f64::from(RAW_ITERATIONS);
    debug_assert_eq!(ok, RAW_ITERATIONS);
    RawEd25519 {
        sign_us: sign * 1e6,
        verify_us: verify * 1e6,
        verify_plus_sign_per_s: 1.0 / (sign + verify),
    }
}

/// Where the benchmark's notary lives, and whether to remove it afterwards.
struct Place {
    dir: DataDir,
    remove: Option<PathBuf>,
}

fn choose_dir(data: &Path) -> Result<Place, Failure> {
    let given = data != Path::new(DATA_DEFAULT) || std::env::var_os("NOTAR_DATA").is_some();
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
    })
}

/// The seller, the buyers' agreements and keys.
struct Setup {
    seller_id: String,
    token: String,
    agreements: Vec<(String, SigningKey)>,
}

async fn setup(notary: &Notary, buyers: usize) -> anyhow::Result<Setup> {
    let seller = notary
        .register_party("Bench Seller", Role::Seller, None)
        .await?;
    let mut agreements = Vec::with_capacity(buyers);
    for i in 0..buyers.max(1) {
        let secret: [u8; 32] = Sha256::digest(format!("notar-bench-buyer-{i}")).into();
        let key = SigningKey::from_bytes(&secret);
        let (_, agreement_id) = buyer_with_agreement(
            notary,
            &format!("Bench Buyer {i}"),
            &key,
            "semper-business",
            Some((MINOR_MAX, 1_000_000)),
        )
        .await?;
        agreements.push((agreement_id, key));
    }
    Ok(Setup {
        seller_id: seller.party.id,
        token: seller.api_token.unwrap_or_default(),
        agreements,
    })
}

/// A pre-signed request, in the form the transport sends.
#[derive(Clone)]
enum Prepared {
    Http(Vec<u8>),
    InProcess(Box<GuaranteeRequest>),
}

/// Signs orders `from..from + n` on every core.
async fn presign(
    setup: &Arc<Setup>,
    from: usize,
    n: usize,
    http: bool,
) -> anyhow::Result<Vec<Prepared>> {
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let setup = setup.clone();
    tokio::task::spawn_blocking(move || {
        let eur = Currency::parse("EUR").map_err(|e| anyhow!("{e}"))?;
        let amount = Money {
            minor: AMOUNT_MINOR,
            currency: eur,
        };
        let per = n.div_ceil(threads);
        std::thread::scope(|s| {
            let parts: Vec<_> = (0..threads)
                .map(|t| {
                    let setup = &setup;
                    s.spawn(move || {
                        let lo = from + t * per;
                        let hi = (lo + per).min(from + n);
                        (lo..hi)
                            .map(|i| {
                                let (ag, key) = &setup.agreements[i % setup.agreements.len()];
                                let req = request(
                                    &format!("bench-{i}"),
                                    ag,
                                    &setup.seller_id,
                                    key,
                                    amount,
                                    format!("bench order {i}").as_bytes(),
                                );
                                if http {
                                    serde_json::to_vec(&req).map(Prepared::Http)
                                } else {
                                    Ok(Prepared::InProcess(Box::new(req)))
                                }
                            })
                            .collect::<Result<Vec<_>, _>>()
                    })
                })
                .collect();
            let mut all = Vec::with_capacity(n);
            for p in parts {
                let part = p
                    .join()
                    .map_err(|_| anyhow!("a signing thread panicked"))??;
                all.extend(part);
            }
            Ok(all)
        })
    })
    .await?
}

/// What one request came back with.
enum Outcome {
    Granted,
    Refused,
    Error(String),
}

#[derive(Clone)]
struct Sender {
    http: Option<(reqwest::Client, String, String)>,
    notary: Notary,
    seller_id: String,
}

impl Sender {
    /// A sender over HTTP to the running service with the seller's token, or straight to the
    /// notary with `--in-process`.
    fn new(
        running: &super::serve::Running,
        setup: &Setup,
        args: &BenchArgs,
    ) -> anyhow::Result<Sender> {
        let http = if args.in_process {
            None
        } else {
            let client = reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .tcp_nodelay(true)
                .pool_max_idle_per_host(args.concurrency.max(64) * 2)
                .build()
                .context("HTTP client")?;
            Some((
                client,
                format!("http://{}/v1/guarantees", running.addr),
                format!("Bearer {}", setup.token),
            ))
        };
        Ok(Sender {
            http,
            notary: running.notary.clone(),
            seller_id: setup.seller_id.clone(),
        })
    }

    async fn send(&self, p: Prepared) -> Outcome {
        match (p, &self.http) {
            (Prepared::Http(body), Some((client, url, auth))) => {
                let resp = client
                    .post(url)
                    .header(reqwest::header::AUTHORIZATION, auth)
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(body)
                    .send()
                    .await;
                match resp {
                    Ok(r) => {
                        let status = r.status().as_u16();
                        // Read the whole answer: a client would.
                        let body = r.bytes().await;
                        match (status, body) {
                            (_, Err(_)) => Outcome::Error("body".into()),
                            (201, Ok(_)) => Outcome::Granted,
                            (200, Ok(_)) => Outcome::Refused,
                            (s, Ok(_)) => Outcome::Error(format!("http_{s}")),
                        }
                    }
                    Err(e) if e.is_timeout() => Outcome::Error("timeout".into()),
                    Err(_) => Outcome::Error("transport".into()),
                }
            }
            (Prepared::InProcess(req), _) => {
                match self.notary.request_guarantee(*req, &self.seller_id).await {
                    Ok(a) if a.granted() => Outcome::Granted,
                    Ok(_) => Outcome::Refused,
                    Err(e) => Outcome::Error(e.code().to_string()),
                }
            }
            (Prepared::Http(_), None) => Outcome::Error("no_client".into()),
        }
    }
}

/// Counts and latencies of one phase.
#[derive(Default)]
struct Tally {
    granted: u64,
    refused: u64,
    errors: BTreeMap<String, u64>,
    skipped: u64,
    latencies_us: Vec<u32>,
    ran_out: bool,
}

impl Tally {
    fn add(&mut self, o: Outcome, latency: Duration) {
        match o {
            Outcome::Granted => self.granted += 1,
            Outcome::Refused => self.refused += 1,
            Outcome::Error(code) => *self.errors.entry(code).or_default() += 1,
        }
        self.latencies_us
            .push(u32::try_from(latency.as_micros()).unwrap_or(u32::MAX));
    }

    fn merge(&mut self, o: Tally) {
        self.granted += o.granted;
        self.refused += o.refused;
        for (k, v) in o.errors {
            *self.errors.entry(k).or_default() += v;
        }
        self.skipped += o.skipped;
        self.latencies_us.extend(o.latencies_us);
        self.ran_out |= o.ran_out;
    }

    fn answered(&self) -> u64 {
        self.latencies_us.len() as u64
    }
}

/// Closed loop: `workers` tasks, each sending its share of `orders` one after the other until
/// `deadline`.
async fn closed_loop(
    sender: &Sender,
    orders: Vec<Prepared>,
    workers: usize,
    length: Duration,
) -> anyhow::Result<(Tally, Duration)> {
    let workers = workers.max(1);
    let mut shares: Vec<Vec<Prepared>> = (0..workers).map(|_| Vec::new()).collect();
    for (i, p) in orders.into_iter().enumerate() {
        shares[i % workers].push(p);
    }
    let start = Instant::now();
    let deadline = start + length;
    let tasks: Vec<_> = shares
        .into_iter()
        .map(|share| {
            let sender = sender.clone();
            tokio::spawn(async move {
                let mut t = Tally::default();
                let mut share = share.into_iter();
                loop {
                    if Instant::now() >= deadline {
                        break;
                    }
                    let Some(p) = share.next() else {
                        t.ran_out = true;
                        break;
                    };
                    let sent = Instant::now();
                    let o = sender.send(p).await;
                    t.add(o, sent.elapsed());
                }
                t
            })
        })
        .collect();
    let mut total = Tally::default();
    for t in tasks {
        total.merge(t.await.context("bench worker")?);
    }
    Ok((total, start.elapsed().min(length.max(start.elapsed()))))
}

/// Open loop: request i is due at start + i/rate and is sent then, whatever is in flight;
/// its latency counts from when it was due.
async fn open_loop(
    sender: &Sender,
    orders: Vec<Prepared>,
    rate: u64,
    length: Duration,
) -> anyhow::Result<(Tally, Duration)> {
    let rate = rate.max(1) as f64;
    let in_flight = Arc::new(tokio::sync::Semaphore::new(OPEN_LOOP_IN_FLIGHT_MAX));
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(Outcome, Duration)>();
    let start = tokio::time::Instant::now();
    let mut skipped = 0u64;
    let mut ran_out = true;
    for (i, p) in orders.into_iter().enumerate() {
        let due = start + Duration::from_secs_f64(i as f64 / rate);
        if due.duration_since(start) >= length {
            ran_out = false;
            break;
        }
        tokio::time::sleep_until(due).await;
        let Ok(permit) = in_flight.clone().try_acquire_owned() else {
            skipped += 1;
            continue;
        };
        let sender = sender.clone();
        let tx = tx.clone();
        tokio::spawn(async move {
            let o = sender.send(p).await;
            let _ = tx.send((o, due.elapsed()));
            drop(permit);
        });
    }
    drop(tx);
    let mut t = Tally::default();
    while let Some((o, latency)) = rx.recv().await {
        t.add(o, latency);
    }
    t.skipped = skipped;
    t.ran_out = ran_out;
    Ok((t, start.elapsed()))
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    f64::from(sorted[i.min(sorted.len() - 1)]) / 1000.0
}

/// CPU ticks per thread name, from /proc/self/task.
fn thread_ticks() -> BTreeMap<(u32, String), u64> {
    let mut out = BTreeMap::new();
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return out;
    };
    for t in tasks.flatten() {
        let Ok(tid) = t.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(t.path().join("stat")) else {
            continue;
        };
        // "tid (comm) state ..." and comm may hold spaces: split after the last ')'.
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
            continue;
        };
        let comm = stat[open + 1..close].to_string();
        let fields: Vec<&str> = stat[close + 1..].split_whitespace().collect();
        // After the comm: state is field 0, utime field 11, stime field 12.
        let ticks = |i: usize| {
            fields
                .get(i)
                .and_then(|f| f.parse::<u64>().ok())
                .unwrap_or(0)
        };
        out.insert((tid, comm), ticks(11) + ticks(12));
    }
    out
}

fn cpu_by_name(
    before: &BTreeMap<(u32, String), u64>,
    after: &BTreeMap<(u32, String), u64>,
    seconds: f64,
) -> (f64, Vec<(String, f64)>) {
    let mut by: BTreeMap<String, u64> = BTreeMap::new();
    for (k, v) in after {
        let d = v.saturating_sub(before.get(k).copied().unwrap_or(0));
        *by.entry(k.1.clone()).or_default() += d;
    }
    let total: u64 = by.values().sum();
    let mut v: Vec<(String, f64)> = by
        .into_iter()
        .filter(|(_, t)| *t > 0)
        .map(|(n, t)| (n, t as f64 / TICKS_PER_S / seconds.max(1e-9)))
        .collect();
    v.sort_by(|a, b| b.1.total_cmp(&a.1));
    (total as f64 / TICKS_PER_S / seconds.max(1e-9), v)
}

fn dir_bytes(p: &Path) -> u64 {
    let Ok(rd) = std::fs::read_dir(p) else {
        return 0;
    };
    rd.flatten()
        .map(|e| match e.metadata() {
            Ok(m) if m.is_dir() => dir_bytes(&e.path()),
            Ok(m) => m.len(),
            Err(_) => 0,
        })
        .sum()
}

/// `notar bench`.
pub async fn run(data: &Path, args: BenchArgs) -> Result<(), Failure> {
    if args.seconds == 0 || args.concurrency == 0 || args.rate == Some(0) {
        return Err(Failure::Usage(anyhow!(
            "--seconds, --concurrency and --rate must be positive"
        )));
    }
    let place = choose_dir(data)?;
    let outcome = bench(&place.dir, &args).await;
    if let Some(tmp) = &place.remove {
        let _ = std::fs::remove_dir_all(tmp);
    }
    let report = outcome?;
    if args.json {
        let text = serde_json::to_string_pretty(&report).refused()?;
        println!("{text}");
    } else {
        print_report(&report);
    }
    Ok(())
}

async fn bench(dir: &DataDir, args: &BenchArgs) -> Result<Report, Failure> {
    let raw = raw_ed25519();
    Notary::init(dir, "bench")
        .await
        .map_err(|e| Failure::Refused(e.into()))?;
    let running = super::serve::start(dir.root(), Some(args.listen.clone())).await?;
    let result = drive(&running, dir, args, raw).await;
    running.stop().await?;
    result.refused()
}

/// Orders pre-signed for the one-second warm-up.
const WARM_UP_ORDERS: usize = 4 * 1024;

/// Registers the parties, warms up, pre-signs the orders and measures one run.
async fn drive(
    running: &super::serve::Running,
    dir: &DataDir,
    args: &BenchArgs,
    raw: RawEd25519,
) -> anyhow::Result<Report> {
    let setup = Arc::new(
        setup(&running.notary, args.buyers)
            .await
            .context("bench setup")?,
    );
    let sender = Sender::new(running, &setup, args)?;
    let length = Duration::from_secs(args.seconds);
    let orders = warm_up(&sender, &setup, args, length).await?;
    let run = measure(&sender, &running.notary, orders, args, length).await?;
    Ok(report(args, run, dir, raw))
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
    let warm = presign(setup, 0, WARM_UP_ORDERS, http).await?;
    let (w, w_took) = closed_loop(sender, warm, args.concurrency, Duration::from_secs(1)).await?;
    let peak = w.answered() as f64 / w_took.as_secs_f64().max(1e-3);
    let n = match (args.orders, args.rate) {
        (Some(n), _) => n,
        (None, Some(r)) => (r as f64 * length.as_secs_f64() * 1.02) as usize + 64,
        (None, None) => ((peak * length.as_secs_f64() * 1.5) as usize).max(WARM_UP_ORDERS),
    };
    tracing::info!(warmup_per_s = peak as u64, orders = n, "bench: pre-signing");
    presign(setup, WARM_UP_ORDERS, n, http).await
}

/// What the measured run produced.
struct Measured {
    tally: Tally,
    took: Duration,
    log_size: (u64, u64),
    commits: u64,
    cpu_cores: f64,
    cpu_by_thread: Vec<(String, f64)>,
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
    let (tally, took) = match args.rate {
        Some(r) => open_loop(sender, orders, r, length).await?,
        None => closed_loop(sender, orders, args.concurrency, length).await?,
    };
    let cpu1 = thread_ticks();
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
    })
}

/// The figures of a measured run.
fn report(args: &BenchArgs, run: Measured, dir: &DataDir, raw: RawEd25519) -> Report {
    let secs = run.took.as_secs_f64();
    let tally = run.tally;
    let requests = tally.answered();
    let (size0, size1) = run.log_size;
    let mut lat = tally.latencies_us;
    lat.sort_unstable();
    Report {
        transport: if args.in_process {
            "in_process"
        } else {
            "http"
        },
        mode: if args.rate.is_some() {
            "open"
        } else {
            "closed"
        },
        concurrency: args.concurrency,
        rate_target: args.rate,
        seconds: secs,
        requests,
        requests_per_s: requests as f64 / secs.max(1e-9),
        granted: tally.granted,
        refused: tally.refused,
        errors: tally.errors,
        skipped: tally.skipped,
        ran_out_of_orders: tally.ran_out,
        latency_ms: Latency {
            p50: percentile(&lat, 0.50),
            p90: percentile(&lat, 0.90),
            p99: percentile(&lat, 0.99),
            max: percentile(&lat, 1.0),
        },
        commits: run.commits,
        entries_per_commit: if run.commits == 0 {
            0.0
        } else {
            (size1 - size0) as f64 / run.commits as f64
        },
        cpu_cores: run.cpu_cores,
        cpu_by_thread: run.cpu_by_thread,
        log_size: run.log_size,
        db_bytes: dir_bytes(&dir.db_path()),
        raw,
        data_dir: dir.root().display().to_string(),
    }
}

fn print_report(r: &Report) {
    let how = match r.rate_target {
        Some(rate) => format!("open loop at {rate}/s"),
        None => format!("closed loop, {} in flight", r.concurrency),
    };
    println!("notar bench: {}, {how}, {:.2} s", r.transport, r.seconds);
    println!(
        "requests      {} = {:.0}/s (granted {}, refused {}, errors {}{})",
        r.requests,
        r.requests_per_s,
        r.granted,
        r.refused,
        r.errors.values().sum::<u64>(),
        if r.skipped > 0 {
            format!(", skipped {}", r.skipped)
        } else {
            String::new()
        }
    );
    for (code, n) in &r.errors {
        println!("  error {code}: {n}");
    }
    if r.ran_out_of_orders {
        println!("  (ran out of pre-signed orders before the time was up; use --orders)");
    }
    println!(
        "latency ms    p50 {:.2}  p90 {:.2}  p99 {:.2}  max {:.2}",
        r.latency_ms.p50, r.latency_ms.p90, r.latency_ms.p99, r.latency_ms.max
    );
    println!(
        "commits       {} synced batches, {:.1} log entries per batch",
        r.commits, r.entries_per_commit
    );
    let threads: Vec<String> = r
        .cpu_by_thread
        .iter()
        .take(5)
        .map(|(n, c)| format!("{n} {c:.2}"))
        .collect();
    println!(
        "cpu           {:.2} cores in all; by thread: {}",
        r.cpu_cores,
        threads.join(", ")
    );
    println!(
        "log           {} -> {} entries; db {:.1} MiB",
        r.log_size.0,
        r.log_size.1,
        r.db_bytes as f64 / (1024.0 * 1024.0)
    );
    println!(
        "raw verify+sign per second (one core): {:.0} (sign {:.1} us, verify {:.1} us)",
        r.raw.verify_plus_sign_per_s, r.raw.sign_us, r.raw.verify_us
    );
}
