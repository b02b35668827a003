//! `scripts/prune-target.sh`: CI's cached target dir loses this crate's old and superseded
//! outputs and every unit (dependencies too) that cargo has not checked for longer than the given
//! days, and keeps everything in use. Driven against a made-up target dir whose times are set with `touch`.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

fn write(path: &Path) {
    fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    fs::write(path, b"build output").expect("write");
}

/// Sets a file's modification and access times to `ago` (a `date -d` phrase) in the past;
/// `accessed`, when given, then sets the access time alone.
fn age(path: &Path, ago: &str, accessed: Option<&str>) {
    let status = Command::new("touch")
        .args(["-d", ago])
        .arg(path)
        .status()
        .expect("touch");
    assert!(status.success());
    if let Some(accessed) = accessed {
        let status = Command::new("touch")
            .args(["-a", "-d", accessed])
            .arg(path)
            .status()
            .expect("touch -a");
        assert!(status.success());
    }
}

/// One made-up unit: a fingerprint, a library in deps and, for a build script, its build dir.
struct Unit {
    fingerprint: PathBuf,
    outputs: Vec<PathBuf>,
}

fn unit(profile: &Path, package: &str, hash: &str, modified: &str, read: &str) -> Unit {
    let crate_name = package.replace('-', "_");
    let fingerprint = profile.join(format!(".fingerprint/{package}-{hash}"));
    let outputs = vec![
        profile.join(format!("deps/lib{crate_name}-{hash}.rlib")),
        profile.join(format!("deps/{crate_name}-{hash}.d")),
        profile.join(format!("build/{package}-{hash}/output")),
    ];
    for file in ["lib-x", "dep-lib-x"] {
        let path = fingerprint.join(file);
        write(&path);
        age(&path, modified, Some(read));
    }
    for path in &outputs {
        write(path);
        age(path, modified, None);
    }
    Unit {
        fingerprint,
        outputs,
    }
}

fn exists(unit: &Unit) -> Vec<bool> {
    std::iter::once(&unit.fingerprint)
        .chain(&unit.outputs)
        .map(|p| p.exists())
        .collect()
}

/// Runs the script on `target` with `days` as its argument.
fn prune(target: &Path, days: &str) -> std::process::Output {
    Command::new("bash")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/prune-target.sh"))
        .arg(days)
        .env("CARGO_TARGET_DIR", target)
        .output()
        .expect("run prune-target.sh")
}

#[test]
fn unused_units_and_old_own_builds_go_and_units_in_use_stay() {
    let dir = tempfile::tempdir().expect("temp dir");
    let target = dir.path().join("target");
    let debug = target.join("debug");
    // Built three days ago under old flags and not checked since: goes.
    let stale = unit(
        &debug,
        "librocksdb-sys",
        "0f16327a389b918b",
        "3 days ago",
        "3 days ago",
    );
    // Built three days ago and checked by cargo an hour ago: stays.
    let used = unit(
        &debug,
        "librocksdb-sys",
        "a51abc830d2f20fb",
        "3 days ago",
        "1 hour ago",
    );
    // Last read 36 hours ago: within the day of slack a `relatime` mount needs, so it stays.
    let lately = unit(
        &debug,
        "serde",
        "1c56eb784ba9d0ae",
        "3 days ago",
        "36 hours ago",
    );
    // A release build unused for a week: goes too.
    let release = unit(
        &target.join("release"),
        "ring",
        "d249f61e3c8daa29",
        "7 days ago",
        "7 days ago",
    );
    // cargo-fuzz's layout (the profile under a target triple): an unused unit there goes too.
    let fuzz = unit(
        &target.join("x86_64-unknown-linux-gnu/release"),
        "arbitrary",
        "5a0c3f8e2b7d9146",
        "4 days ago",
        "4 days ago",
    );
    // This crate's test binary written two days ago (its fingerprint read now): goes by age.
    let old_test = debug.join("deps/http_bodies-7fe71a2dd6c74f0c");
    write(&old_test);
    age(&old_test, "2 days ago", None);
    let new_test = debug.join("deps/http_bodies-86779dccf0fe37ac");
    write(&new_test);
    // Written today, but four hours before the newest build of the same test: superseded, goes.
    let superseded = debug.join("deps/http_bodies-0b3f6a9d2c417e85");
    write(&superseded);
    age(&superseded, "4 hours ago", None);
    // Another variant of the same test (other features) built an hour before it: stays.
    let variant = debug.join("deps/http_bodies-5d2e8c1a7f9b3064");
    write(&variant);
    age(&variant, "1 hour ago", None);
    // The incremental caches follow the same rule.
    let old_incremental = debug.join("incremental/http_bodies-2xq8kz1m0v3rd/s-1/dep-graph.bin");
    write(&old_incremental);
    age(&old_incremental, "5 hours ago", None);
    age(
        old_incremental
            .parent()
            .and_then(Path::parent)
            .expect("dir"),
        "5 hours ago",
        None,
    );
    let new_incremental = debug.join("incremental/http_bodies-0a7c1n4w9e2tf/s-2/dep-graph.bin");
    write(&new_incremental);

    let out = prune(&target, "1");
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "prune-target.sh failed: {said}");
    assert!(
        !said.contains("without access times"),
        "this test needs a mount that keeps access times: {said}"
    );
    assert!(said.contains("3 unit(s) unused for 2 day(s)"), "{said}");

    assert_eq!(exists(&stale), [false; 4], "unused dependency pruned");
    assert_eq!(exists(&release), [false; 4], "unused release unit pruned");
    assert_eq!(
        exists(&fuzz),
        [false; 4],
        "unused unit under a target triple pruned"
    );
    assert_eq!(exists(&used), [true; 4], "dependency in use kept");
    assert_eq!(
        exists(&lately),
        [true; 4],
        "unit read within the slack kept"
    );
    assert!(
        !old_test.exists(),
        "own test binary older than a day pruned"
    );
    assert!(new_test.exists(), "own test binary of today kept");
    assert!(
        !superseded.exists(),
        "own test binary hours older than its newest build pruned"
    );
    assert!(variant.exists(), "a variant built with the newest kept");
    assert!(
        !old_incremental.exists(),
        "superseded incremental cache pruned"
    );
    assert!(new_incremental.exists(), "newest incremental cache kept");
}

#[test]
fn a_bad_argument_is_refused_and_changes_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let target = dir.path().join("target");
    let stale = unit(
        &target.join("debug"),
        "rocksdb",
        "3986d672e216346a",
        "9 days ago",
        "9 days ago",
    );
    let out = prune(&target, "one");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("usage:"));
    assert_eq!(exists(&stale), [true; 4]);
}
