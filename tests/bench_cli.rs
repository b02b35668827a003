//! `notar bench`: a short run over real HTTP reports granted requests and no errors; it refuses a
//! data dir that holds anything, and uses an empty one it is given.

mod util;

use util::{notar, text};

/// The log's size before and after the measured run, from a JSON report.
fn log_size(r: &serde_json::Value) -> (u64, u64) {
    let at = |i: usize| r["log_size"][i].as_u64().expect("log size");
    (at(0), at(1))
}

#[test]
fn a_short_http_run_grants_and_reports_figures() {
    let out = notar(&[
        "bench",
        "--seconds",
        "1",
        "--concurrency",
        "8",
        "--buyers",
        "2",
        "--json",
    ]);
    assert!(out.status.success(), "bench failed: {}", text(&out));
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    assert_eq!(r["transport"], "http");
    assert_eq!(r["mode"], "closed");
    let requests = r["requests"].as_u64().expect("requests");
    assert!(requests > 0, "{r}");
    assert_eq!(r["granted"].as_u64(), Some(requests), "{r}");
    assert_eq!(r["errors"], serde_json::json!({}), "{r}");
    assert!(r["commits"].as_u64().expect("commits") > 0);
    let (before, after) = log_size(&r);
    assert_eq!(
        after - before,
        requests,
        "one log entry per answered request"
    );
    assert!(r["latency_ms"]["p50"].as_f64().expect("p50") > 0.0);
    // The raw signature figure is reported; how fast it is is for the benchmarks, not a test.
    let raw = r["raw"]["verify_plus_sign_per_s"].as_f64().expect("raw");
    assert!(raw.is_finite() && raw > 0.0, "{r}");
    eprintln!("raw verify+sign per second: {raw:.0}");
    // Allocation per request: counted by a build with the alloc-count feature (scripts/test.sh
    // runs this test both ways), null otherwise.
    let allocations = &r["allocations_per_request"];
    if cfg!(feature = "alloc-count") {
        let calls = allocations["calls"].as_f64().expect("calls");
        let bytes = allocations["bytes"].as_f64().expect("bytes");
        // A guarantee's answer alone is a few hundred bytes in a few allocations.
        assert!(calls >= 1.0 && bytes >= 100.0, "{r}");
        eprintln!("per guarantee: {calls:.1} allocations, {bytes:.0} bytes");
    } else {
        assert!(allocations.is_null(), "{r}");
    }
}

#[test]
fn every_kind_over_http_and_in_process_is_granted_and_logged() {
    let runs = [
        ("timestamp", None),
        ("timestamp", Some("--in-process")),
        ("exchange", None),
        ("exchange", Some("--in-process")),
        ("settle", None),
        ("settle", Some("--in-process")),
        ("mixed", None),
    ];
    for (kind, transport) in runs {
        let mut args = vec!["bench", "--kind", kind, "--seconds", "1", "--json"];
        args.extend(transport);
        let out = notar(&args);
        assert!(out.status.success(), "bench failed: {}", text(&out));
        let r: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
        assert_eq!(r["kind"], kind, "{r}");
        let requests = r["requests"].as_u64().expect("requests");
        assert!(requests > 0, "{r}");
        // Over HTTP too: the load comes from one address, past the anonymous rate limit's
        // burst, and none of it is refused.
        assert_eq!(r["granted"].as_u64(), Some(requests), "{r}");
        assert_eq!(r["errors"], serde_json::json!({}), "{r}");
        let (before, after) = log_size(&r);
        assert_eq!(
            after - before,
            requests,
            "one log entry per token, resolve or settlement"
        );
        if matches!(kind, "timestamp" | "mixed") {
            let p256 = r["raw_p256_sign_us"].as_f64().expect("raw P-256 figure");
            assert!(p256.is_finite() && p256 > 0.0, "{r}");
        }
        // The raw crypto rate of what the kind needs, and over HTTP the no-op ceiling, are
        // reported with the ratios; how fast is for the benchmarks, not a test.
        let raw = r["raw_request_per_s"].as_f64().expect("raw rate");
        assert!(raw.is_finite() && raw > 0.0, "{r}");
        assert!(r["ratio_to_raw"].as_f64().is_some_and(|x| x > 0.0), "{r}");
        let ceiling = r["noop_ceiling_per_s"].as_f64();
        assert_eq!(ceiling.is_some(), transport.is_none(), "{r}");
        assert!(ceiling.is_none_or(|c| c > 0.0), "{r}");
        // Measured before the run and after it; the higher is the ceiling the ratio uses.
        let windows: Option<Vec<f64>> = r["noop_ceiling_windows_per_s"]
            .as_array()
            .map(|w| w.iter().filter_map(serde_json::Value::as_f64).collect());
        assert_eq!(windows.is_some(), ceiling.is_some(), "{r}");
        if let (Some(c), Some(w)) = (ceiling, windows) {
            assert_eq!(w.len(), 2, "{r}");
            assert!(w.iter().all(|x| *x > 0.0), "{r}");
            assert_eq!(c, w[0].max(w[1]), "{r}");
            let per_s = r["requests_per_s"].as_f64().expect("rate");
            let ratio = r["ratio_to_ceiling"].as_f64().expect("ratio");
            assert!((ratio - per_s / c).abs() < 1e-9 * ratio.max(1.0), "{r}");
        }
    }
}

/// A timestamp run over HTTP with `extra` options, every request answered and granted (no
/// connection lost): its report.
fn timestamps_all_served(extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["bench", "--kind", "timestamp", "--seconds", "1", "--json"];
    args.extend_from_slice(extra);
    let out = notar(&args);
    assert!(out.status.success(), "bench failed: {}", text(&out));
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    let requests = r["requests"].as_u64().expect("requests");
    assert!(requests > 0, "{r}");
    assert_eq!(r["granted"].as_u64(), Some(requests), "{r}");
    assert_eq!(r["errors"], serde_json::json!({}), "{r}");
    r
}

#[test]
fn more_workers_than_the_per_address_connection_cap_are_all_served() {
    // One load generator, one address: past the default cap of 256 connections per address
    // the server closed the extra connections and the run failed on transport errors.
    let r = timestamps_all_served(&["--concurrency", "300"]);
    assert_eq!(r["concurrency"].as_u64(), Some(300), "{r}");
    assert!(
        r["noop_ceiling_per_s"].as_f64().is_some_and(|c| c > 0.0),
        "{r}"
    );
}

#[test]
fn an_open_loop_past_capacity_skips_requests_instead_of_losing_connections() {
    // Far more due than the server answers: requests pile up in flight. With 8,192 allowed in
    // flight the generator opened thousands of connections and the server closed those past its
    // per-address cap ("transport" errors); now what cannot be sent is counted as skipped.
    let r = timestamps_all_served(&["--rate", "40000"]);
    assert!(r["skipped"].as_u64().is_some_and(|s| s > 0), "{r}");
}

#[test]
fn it_never_touches_a_data_dir_that_holds_anything() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let used = tmp.path().join("used");
    std::fs::create_dir(&used).expect("mkdir");
    std::fs::write(used.join("notar.toml"), "precious").expect("write");
    let out = notar(&[
        "bench",
        "--data",
        used.to_str().expect("utf8"),
        "--seconds",
        "1",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("not empty"), "{}", text(&out));
    let names: Vec<_> = std::fs::read_dir(&used)
        .expect("read")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("notar.toml")]);
    assert_eq!(
        std::fs::read_to_string(used.join("notar.toml")).expect("read"),
        "precious"
    );

    // An empty (here: missing) directory is used, and kept.
    let fresh = tmp.path().join("fresh");
    let out = notar(&[
        "bench",
        "--data",
        fresh.to_str().expect("utf8"),
        "--seconds",
        "1",
        "--concurrency",
        "4",
        "--buyers",
        "1",
        "--in-process",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("requests"), "{}", text(&out));
    assert!(fresh.join("notar.toml").exists());
}

#[test]
fn grow_adds_new_requests_only_to_a_dir_bench_made() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("grown");
    let dir_s = dir.to_str().expect("utf8");
    let run = |extra: &[&str]| {
        let mut args = vec!["bench", "--data", dir_s, "--seconds", "1", "--json"];
        args.extend(["--in-process", "--concurrency", "4", "--buyers", "1"]);
        args.extend(extra);
        notar(&args)
    };
    // --grow on a dir that does not exist, or that bench did not make: refused, left as it was.
    let out = run(&["--grow"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("--grow adds only"), "{}", text(&out));
    assert!(!dir.exists());
    let other = tmp.path().join("other");
    std::fs::create_dir(&other).expect("mkdir");
    std::fs::write(other.join("notar.toml"), "precious").expect("write");
    let out = notar(&["bench", "--data", other.to_str().expect("utf8"), "--grow"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert_eq!(
        std::fs::read_to_string(other.join("notar.toml")).expect("read"),
        "precious"
    );

    // A first run makes the dir; a second with --grow adds to it, every request new (granted
    // and logged, not a retry of the first run's), of another kind too.
    let mut last = 0;
    for extra in [
        &[][..],
        &["--grow"][..],
        &["--grow", "--kind", "timestamp"][..],
    ] {
        let out = run(extra);
        assert!(out.status.success(), "{extra:?}: {}", text(&out));
        let r: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
        let requests = r["requests"].as_u64().expect("requests");
        assert!(requests > 0, "{r}");
        assert_eq!(r["granted"].as_u64(), Some(requests), "{r}");
        let (before, after) = log_size(&r);
        assert_eq!(
            after - before,
            requests,
            "{extra:?}: every request logged anew"
        );
        assert!(
            before > last,
            "{extra:?}: the run starts where the last one ended"
        );
        last = after;
    }
}

#[test]
fn latencies_writes_one_row_per_answered_request_in_start_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    let csv = dir.path().join("latencies.csv");
    let out = notar(&[
        "bench",
        "--in-process",
        "--seconds",
        "1",
        "--rate",
        "400",
        "--buyers",
        "2",
        "--json",
        "--latencies",
        csv.to_str().expect("utf8"),
    ]);
    assert!(out.status.success(), "bench failed: {}", text(&out));
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    let text = std::fs::read_to_string(&csv).expect("the CSV is written");
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("started_us,latency_us"));
    let rows: Vec<(u64, u64)> = lines
        .map(|l| {
            let (a, b) = l.split_once(',').expect("two columns");
            (
                a.parse().expect("started_us"),
                b.parse().expect("latency_us"),
            )
        })
        .collect();
    assert_eq!(Some(rows.len() as u64), r["requests"].as_u64(), "{r}");
    assert!(rows.windows(2).all(|w| w[0].0 <= w[1].0), "sorted by start");
    // In the open loop request i is due at i / rate: the last of 400 is due before 1 s.
    let last = rows.last().expect("rows").0;
    assert!(
        (990_000..1_000_000).contains(&last),
        "last started at {last} µs"
    );
    assert!(rows.iter().all(|&(_, l)| l > 0), "every latency measured");
}
