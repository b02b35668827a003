#!/usr/bin/env bash
# Runs every check notar has: formatting, clippy, unit, property, integration and interop tests.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
cargo fmt --all -- --check
cargo clippy --all-targets -- -D warnings
cargo test --all-targets
