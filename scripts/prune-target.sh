#!/usr/bin/env bash
# scripts/prune-target.sh [DAYS]: frees the cargo target dir ($CARGO_TARGET_DIR, else ./target)
# of builds no longer used. A cache kept between CI runs grew to 70 GB and filled the disk, twice:
#
# 1. This crate's own outputs (test, bench and binary builds, incremental caches) not written
#    in DAYS days (default 1), and those written more than 3 hours (`superseded_hours`) before the
#    newest build of the same target: each change to the crate leaves new copies of the test
#    binaries (100-300 MB each in a debug build; one test build is about 18 GB with its
#    incremental caches) beside the old ones, and a day of changes left 67 GB. A CI run builds
#    every variant of a target (features, profiles) within minutes, so a copy hours older than
#    the newest one is a superseded build.
# 2. Any unit, dependencies included, whose fingerprint cargo has not read in DAYS days: a change
#    of rustflags, features or toolchain builds every dependency (RocksDB above all) again under
#    new hashes and leaves the old builds behind for good. Cargo reads a unit's fingerprint each
#    time it checks the unit, so the fingerprint's access time says when the unit was last used.
#    Mounts with `relatime` (the Linux default) update an access time at most once a day, so a
#    unit counts as unused only after DAYS + 1 days; on a mount that never updates access times
#    (`noatime`) this step is skipped and says so.
#
# Cargo rebuilds anything pruned that it still needs.
set -euo pipefail
cd "$(dirname "$0")/.."
days="${1:-1}"
[[ $days =~ ^[0-9]+$ ]] || { echo "usage: $0 [DAYS]" >&2; exit 2; }
target="${CARGO_TARGET_DIR:-target}"
minutes=$((days * 24 * 60))
superseded_hours=3
unused_minutes=$(((days + 1) * 24 * 60))
freed=0

remove() {
    local path=$1
    [ -e "$path" ] || return 0
    freed=$((freed + $(du -sb "$path" | cut -f1)))
    rm -rf "$path"
}

# Removes the entries of DIR named NAME-<hash>... written more than `superseded_hours` before
# the newest of them (earlier builds of the same target).
remove_superseded() {
    local dir=$1 name=$2 newest
    newest=$(find "$dir" -maxdepth 1 -name "$name-*" -printf '%T@\n' | sort -n | tail -n 1)
    [ -n "$newest" ] || return 0
    local cutoff=$((${newest%.*} - superseded_hours * 3600))
    while IFS= read -r -d '' f; do
        remove "$f"
    done < <(find "$dir" -mindepth 1 -maxdepth 1 -name "$name-*" ! -newermt "@$cutoff" -print0)
}

# Whether reading a file updates its access time on the target's file system.
atime_updates() {
    local probe
    probe=$(mktemp "$target/.prune-probe.XXXXXX")
    echo probe > "$probe"
    touch -a -d '3 days ago' "$probe"
    cat "$probe" > /dev/null
    local accessed
    accessed=$(stat -c %X "$probe")
    rm -f "$probe"
    [ "$accessed" -gt "$(date -d '2 days ago' +%s)" ]
}

mkdir -p "$target"
check_fingerprints=1
if ! atime_updates; then
    check_fingerprints=0
    echo "prune-target: $target is on a mount without access times: dependencies are not pruned" >&2
fi

units=0
# This crate's own targets: the binary, the library, each integration test and bench.
own="notar libnotar $(ls tests/*.rs benches/*.rs 2>/dev/null | xargs -n1 basename | sed 's/\.rs$//')"
# Each profile dir (debug, release, and under a target triple as cargo-fuzz builds) holds a
# .fingerprint dir.
while IFS= read -r -d '' fingerprints; do
    profile_dir=$(dirname "$fingerprints")

    # 1. This crate's own outputs.
    deps="$profile_dir/deps"
    if [ -d "$deps" ]; then
        for name in $own; do
            while IFS= read -r -d '' f; do
                remove "$f"
            done < <(find "$deps" -maxdepth 1 -name "$name-*" -mmin "+$minutes" -print0)
            remove_superseded "$deps" "$name"
        done
    fi
    if [ -d "$profile_dir/incremental" ]; then
        while IFS= read -r -d '' d; do
            remove "$d"
        done < <(find "$profile_dir/incremental" -mindepth 1 -maxdepth 1 -mmin "+$minutes" -print0)
        for name in $own; do
            remove_superseded "$profile_dir/incremental" "$name"
        done
    fi

    # 2. Units whose fingerprint was neither read nor written in DAYS + 1 days.
    [ "$check_fingerprints" = 1 ] || continue
    while IFS= read -r -d '' fingerprint; do
        if [ -n "$(find "$fingerprint" -type f \( -amin "-$unused_minutes" -o -mmin "-$unused_minutes" \) -print -quit)" ]; then
            continue
        fi
        unit=$(basename "$fingerprint")
        hash=${unit##*-}
        [[ $hash =~ ^[0-9a-f]{16}$ ]] || continue
        units=$((units + 1))
        remove "$fingerprint"
        remove "$profile_dir/build/$unit"
        while IFS= read -r -d '' f; do
            remove "$f"
        done < <(find "$profile_dir/deps" "$profile_dir/examples" -maxdepth 1 -name "*-$hash*" -print0 2>/dev/null)
    done < <(find "$profile_dir/.fingerprint" -mindepth 1 -maxdepth 1 -type d -print0)
done < <(find "$target" -mindepth 2 -maxdepth 3 -type d -name .fingerprint -print0)
echo "prune-target: freed $((freed / 1024 / 1024)) MB in $target (own builds older than $days day(s) or superseded for ${superseded_hours} h, $units unit(s) unused for $((days + 1)) day(s))" >&2
