#!/usr/bin/env bash
# scripts/crash-loop.sh N [SEED]: the crash loop against the release build — N cycles of mixed
# traffic (guarantees, settlements, releases, exchanges, timestamps), each ended by kill -9 at a
# random moment, then a restart and the checks of tests/crash_loop.rs. SEED repeats a run's kill
# moments (every run prints its seed). CI runs 5 cycles of the same test in the debug build.
set -euo pipefail
cd "$(dirname "$0")/.."
cycles="${1:?usage: scripts/crash-loop.sh N [SEED]}"
export NOTAR_CRASH_CYCLES="$cycles"
if [ -n "${2:-}" ]; then export NOTAR_CRASH_SEED="$2"; fi
started=$SECONDS
cargo test --release --test crash_loop -- --nocapture
echo "crash loop: $cycles cycles passed in $((SECONDS - started)) s" >&2
