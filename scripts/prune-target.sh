#!/usr/bin/env bash
# scripts/prune-target.sh [DAYS]: frees the cargo target dir ($CARGO_TARGET_DIR, else ./target)
# of this crate's own build outputs (its test, bench and binary builds, and the incremental
# caches) not touched in DAYS days (default 1). Each change to the crate leaves a new copy of
# every test binary (100-300 MB each in a debug build) beside the old ones, and a cache kept
# between CI runs grew to 70 GB and filled the disk. Dependencies' builds (RocksDB above all)
# are kept; cargo rebuilds anything pruned that it still needs.
set -euo pipefail
cd "$(dirname "$0")/.."
days="${1:-1}"
[[ $days =~ ^[0-9]+$ ]] || { echo "usage: $0 [DAYS]" >&2; exit 2; }
target="${CARGO_TARGET_DIR:-target}"
minutes=$((days * 24 * 60))
freed=0
for profile in debug release; do
    deps="$target/$profile/deps"
    [ -d "$deps" ] || continue
    for name in notar libnotar $(ls tests/*.rs benches/*.rs 2>/dev/null | xargs -n1 basename | sed 's/\.rs$//'); do
        while IFS= read -r -d '' f; do
            freed=$((freed + $(stat -c %s "$f")))
            rm -f "$f"
        done < <(find "$deps" -maxdepth 1 -name "$name-*" -mmin "+$minutes" -print0)
    done
    if [ -d "$target/$profile/incremental" ]; then
        while IFS= read -r -d '' d; do
            freed=$((freed + $(du -sb "$d" | cut -f1)))
            rm -rf "$d"
        done < <(find "$target/$profile/incremental" -mindepth 1 -maxdepth 1 -mmin "+$minutes" -print0)
    fi
done
echo "prune-target: freed $((freed / 1024 / 1024)) MB of builds older than $days day(s) in $target" >&2
