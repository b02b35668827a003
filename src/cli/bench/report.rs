//! The figures of a run: what `notar bench` reports (as text or JSON), the raw Ed25519 cost it is
//! set against, and the process's CPU use per thread read from /proc.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use ed25519_dalek::{Signer as _, SigningKey, Verifier as _};
use serde::Serialize;

use super::loops::Tally;
use super::{BenchArgs, Kind};
use crate::alloc_count::Totals;
use crate::notary::datadir::DataDir;

/// Iterations of the raw signature loop.
const RAW_ITERATIONS: u32 = 2000;
/// Linux reports thread CPU time in clock ticks of 1/100 s (USER_HZ, fixed by the ABI).
const TICKS_PER_S: f64 = 100.0;

/// The figures of one run.
#[derive(Debug, Serialize)]
pub struct Report {
    /// What was asked for.
    pub kind: Kind,
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
    /// Timestamp runs: microseconds of one raw P-256 signature (ring, what a token's signature
    /// costs) on one core, same run, and its rate.
    pub raw_p256_sign_us: Option<f64>,
    /// What one request of this kind needs of raw crypto (mixed: the mean of the three kinds).
    pub raw_request_needs: String,
    /// One core's rate of that raw crypto, same run.
    pub raw_request_per_s: f64,
    /// `requests_per_s` / `raw_request_per_s`.
    pub ratio_to_raw: f64,
    /// Over HTTP: `GET /healthz` per second with the same client and concurrency (the server
    /// answering without signing or writing): the higher of the two measurements in
    /// `noop_ceiling_windows_per_s`, and the ratio to it below.
    pub noop_ceiling_per_s: Option<f64>,
    /// Over HTTP: the no-op ceiling measured just before the run and just after it. On these
    /// VMs one window can be a third below the other: the higher is the ceiling, so that a
    /// slow window cannot flatter the ratio.
    pub noop_ceiling_windows_per_s: Option<[f64; 2]>,
    /// `requests_per_s` / `noop_ceiling_per_s`.
    pub ratio_to_ceiling: Option<f64>,
    /// The data dir used.
    pub data_dir: String,
    /// Built with the `alloc-count` feature only (else null): allocation calls and bytes
    /// allocated during the measured run, client and server together, per answered request.
    pub allocations_per_request: Option<Allocations>,
}

/// Allocation per request in a measured run (see [`Report::allocations_per_request`]).
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct Allocations {
    /// `alloc`, `alloc_zeroed` and `realloc` calls per request.
    pub calls: f64,
    /// Bytes asked for per request.
    pub bytes: f64,
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

/// Microseconds of one ECDSA P-256 SHA-256 signature with ring (the token signer's primitive)
/// over a token-sized message, on one core; `None` if ring cannot make a key here.
pub fn raw_p256_sign_us() -> Option<f64> {
    use ring::rand::SystemRandom;
    use ring::signature::{EcdsaKeyPair, ECDSA_P256_SHA256_ASN1_SIGNING as ALG};
    let rng = SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ALG, &rng).ok()?;
    let key = EcdsaKeyPair::from_pkcs8(&ALG, pkcs8.as_ref(), &rng).ok()?;
    let msg = [0x5a_u8; 320];
    let t = Instant::now();
    for _ in 0..RAW_ITERATIONS {
        key.sign(&rng, std::hint::black_box(&msg)).ok()?;
    }
    Some(t.elapsed().as_secs_f64() / f64::from(RAW_ITERATIONS) * 1e6)
}

/// What the measured run produced.
pub(super) struct Measured {
    pub(super) tally: Tally,
    pub(super) took: Duration,
    pub(super) log_size: (u64, u64),
    pub(super) commits: u64,
    pub(super) cpu_cores: f64,
    pub(super) cpu_by_thread: Vec<(String, f64)>,
    /// Allocation totals before and after the run (an `alloc-count` build only).
    pub(super) allocations: Option<(Totals, Totals)>,
}

/// The figures of a measured run.
pub(super) fn report(
    args: &BenchArgs,
    run: Measured,
    dir: &DataDir,
    raw: RawEd25519,
    ceiling: Option<[f64; 2]>,
) -> Report {
    let secs = run.took.as_secs_f64();
    let tally = run.tally;
    let requests = tally.answered();
    let (size0, size1) = run.log_size;
    let mut lat: Vec<u32> = tally.answers_us.iter().map(|&(_, l)| l).collect();
    lat.sort_unstable();
    let p256 = matches!(args.kind, Kind::Timestamp | Kind::Mixed)
        .then(raw_p256_sign_us)
        .flatten();
    let (raw_request_needs, raw_request_per_s) = raw_per_request(args.kind, &raw, p256);
    let per_s = requests as f64 / secs.max(1e-9);
    Report {
        kind: args.kind,
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
        requests_per_s: per_s,
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
        raw_p256_sign_us: p256,
        raw_request_needs,
        raw_request_per_s,
        ratio_to_raw: per_s / raw_request_per_s.max(1e-9),
        noop_ceiling_per_s: ceiling.map(|[before, after]| before.max(after)),
        noop_ceiling_windows_per_s: ceiling,
        ratio_to_ceiling: ceiling.map(|[before, after]| per_s / before.max(after).max(1e-9)),
        data_dir: dir.root().display().to_string(),
        allocations_per_request: run.allocations.map(|t| per_request(t, requests)),
    }
}

/// Allocation per request between the totals `before` and `after` a run of `requests`.
fn per_request((before, after): (Totals, Totals), requests: u64) -> Allocations {
    let n = requests.max(1) as f64;
    Allocations {
        calls: after.calls.saturating_sub(before.calls) as f64 / n,
        bytes: after.bytes.saturating_sub(before.bytes) as f64 / n,
    }
}

/// What one request of `kind` needs of raw crypto, and one core's rate of it: a guarantee
/// verifies the order and signs (1 verify + 1 sign), a timestamp signs with P-256, a contract
/// resolve verifies m1 and m2 and signs the replacement contract (2 verify + 1 sign); mixed is
/// the mean of the three. Without a P-256 figure a timestamp counts as one Ed25519 signature.
fn raw_per_request(kind: Kind, raw: &RawEd25519, p256_us: Option<f64>) -> (String, f64) {
    let (s, v) = (raw.sign_us, raw.verify_us);
    let t = p256_us.unwrap_or(s);
    let (needs, us) = match kind {
        Kind::Guarantee => ("1 Ed25519 verify + 1 sign", s + v),
        Kind::Timestamp => ("1 P-256 signature", t),
        Kind::Exchange => ("2 Ed25519 verify + 1 sign", s + 2.0 * v),
        Kind::Settle => ("1 Ed25519 sign", s),
        Kind::Mixed => (
            "the mean of a guarantee's, a timestamp's and a resolve's",
            ((s + v) + t + (s + 2.0 * v)) / 3.0,
        ),
    };
    (needs.to_string(), 1e6 / us.max(1e-9))
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    f64::from(sorted[i.min(sorted.len() - 1)]) / 1000.0
}

/// CPU ticks per thread name, from /proc/self/task.
pub(super) fn thread_ticks() -> BTreeMap<(u32, String), u64> {
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

pub(super) fn cpu_by_name(
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

pub(super) fn print_report(r: &Report) {
    outln!("{}", title(r));
    print_requests(r);
    print_resources(r);
    print_raw(r);
}

/// The first line: what ran, over which transport, how loaded, for how long.
fn title(r: &Report) -> String {
    let how = match r.rate_target {
        Some(rate) => format!("open loop at {rate}/s"),
        None => format!("closed loop, {} in flight", r.concurrency),
    };
    let kind = match r.kind {
        Kind::Guarantee => "guarantees",
        Kind::Timestamp => "timestamps",
        Kind::Exchange => "exchange resolves",
        Kind::Settle => "settlements",
        Kind::Mixed => "guarantees, timestamps and exchange resolves in turn",
    };
    format!(
        "notar bench: {kind}, {}, {how}, {:.2} s",
        r.transport, r.seconds
    )
}

/// How many requests, how they ended, and their latency.
fn print_requests(r: &Report) {
    outln!(
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
        outln!("  error {code}: {n}");
    }
    if r.ran_out_of_orders {
        outln!("  (ran out of pre-signed orders before the time was up; use --orders)");
    }
    outln!(
        "latency ms    p50 {:.2}  p90 {:.2}  p99 {:.2}  max {:.2}",
        r.latency_ms.p50,
        r.latency_ms.p90,
        r.latency_ms.p99,
        r.latency_ms.max
    );
}

/// What the run cost: synced batches, CPU by thread, the log and database, allocations.
fn print_resources(r: &Report) {
    outln!(
        "commits       {} synced batches, {:.1} log entries per batch",
        r.commits,
        r.entries_per_commit
    );
    let threads: Vec<String> = r
        .cpu_by_thread
        .iter()
        .take(5)
        .map(|(n, c)| format!("{n} {c:.2}"))
        .collect();
    outln!(
        "cpu           {:.2} cores in all; by thread: {}",
        r.cpu_cores,
        threads.join(", ")
    );
    outln!(
        "log           {} -> {} entries; db {:.1} MiB",
        r.log_size.0,
        r.log_size.1,
        r.db_bytes as f64 / (1024.0 * 1024.0)
    );
    if let Some(a) = r.allocations_per_request {
        outln!(
            "allocations   {:.1} calls, {:.0} bytes per request (client and server)",
            a.calls,
            a.bytes
        );
    }
}

/// The raw crypto line (what a request of this kind needs, on one core, and the ratio of the
/// measured rate to it) and, over HTTP, the no-op ceiling's.
fn print_raw(r: &Report) {
    outln!(
        "raw crypto    {}: {:.0}/s on one core (sign {:.1} us, verify {:.1} us{}); ratio {:.2}",
        r.raw_request_needs,
        r.raw_request_per_s,
        r.raw.sign_us,
        r.raw.verify_us,
        r.raw_p256_sign_us
            .map(|us| format!(", P-256 sign {us:.1} us"))
            .unwrap_or_default(),
        r.ratio_to_raw
    );
    if let (Some(c), Some([before, after]), Some(ratio)) = (
        r.noop_ceiling_per_s,
        r.noop_ceiling_windows_per_s,
        r.ratio_to_ceiling,
    ) {
        outln!(
            "no-op ceiling GET /healthz, same client and concurrency: {c:.0}/s (the higher of \
             {before:.0} before the run and {after:.0} after); ratio {ratio:.2}"
        );
    }
}
