#!/usr/bin/env bash
# Runs every check notar has: formatting, clippy, unit, property, integration and interop tests.
# Each step prints how long it took; clippy and the tests share one build of the dependencies
# (RocksDB included: see [profile.dev.build-override] in Cargo.toml).
set -euo pipefail
cd "$(dirname "$0")/.."

step() {
    local started=$SECONDS
    echo "== $*" >&2
    "$@"
    echo "== done in $((SECONDS - started)) s: $*" >&2
}

step ./scripts/setup.sh
step cargo fmt --all -- --check
step cargo clippy --all-targets -- -D warnings
step cargo test --all-targets
# The allocation counting of `notar bench` exists only in a build with the alloc-count feature.
step cargo test --features alloc-count --lib alloc_count
step cargo test --features alloc-count --test bench_cli a_short_http_run
