#!/usr/bin/env bash
# Fuzzes notar's input paths with cargo-fuzz (libFuzzer) on the stable toolchain:
#   scripts/fuzz.sh TARGET SECONDS     one target (tsq envelope pki policy_toml admin_line bundle)
#   scripts/fuzz.sh all SECONDS        every target, SECONDS each
# Installs cargo-fuzz if missing, builds the targets (RUSTC_BOOTSTRAP=1, --sanitizer none: notar
# is safe Rust, the targets look for panics, overflows and hangs), runs libFuzzer on one core for
# SECONDS per target and exits non-zero on a crash, printing the input and how to replay it.
# Everything it keeps lives outside the clone, under ${NOTAR_FUZZ_CACHE:-~/.cache/notar}:
# cargo-fuzz, the build (NOTAR_FUZZ_TARGET_DIR; RocksDB linked from the test build when there is
# one, see reuse_rocksdb) and the corpus each target grows (fuzz-corpus/TARGET). The committed
# seeds (fuzz/seeds/) are read, never written. See docs/testing.md, "Fuzzing".
set -euo pipefail
cd "$(dirname "$0")/.."

TARGETS=(tsq envelope pki policy_toml admin_line bundle)
usage() {
    echo "usage: $0 TARGET|all SECONDS   (targets: ${TARGETS[*]})" >&2
    exit 2
}
[ $# -eq 2 ] || usage
which_target=$1
seconds=$2
[[ $seconds =~ ^[0-9]+$ ]] || usage
if [ "$which_target" = all ]; then
    targets=("${TARGETS[@]}")
else
    [[ " ${TARGETS[*]} " == *" $which_target "* ]] || usage
    targets=("$which_target")
fi

cache=${NOTAR_FUZZ_CACHE:-$HOME/.cache/notar}
export CARGO_TARGET_DIR=${NOTAR_FUZZ_TARGET_DIR:-$cache/fuzz-target}
corpora=${NOTAR_FUZZ_CORPUS:-$cache/fuzz-corpus}
export PATH="$cache/cargo-fuzz/bin:$PATH"
# The toolchain is stable: cargo-fuzz passes nightly-only flags (-Z, -Cpasses=sancov-module).
export RUSTC_BOOTSTRAP=1
export CARGO_BUILD_JOBS=${CARGO_BUILD_JOBS:-2}

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "== installing cargo-fuzz into $cache/cargo-fuzz" >&2
    cargo install cargo-fuzz --locked --root "$cache/cargo-fuzz"
fi

# RocksDB's C++ is not instrumented and is compiled the same way (-O1, no debug info) by the
# fuzz build and by the test build: when the test build (.ci/run's target dir) has compiled this
# librocksdb-sys version, its librocksdb.a is copied once and linked instead of compiling it
# again (librocksdb-sys's own ROCKSDB_LIB_DIR/ROCKSDB_STATIC). The copy keeps the path stable;
# a different ROCKSDB_LIB_DIR between runs would make cargo rebuild RocksDB.
reuse_rocksdb() {
    [ -z "${ROCKSDB_LIB_DIR:-}" ] || return 0
    local ver lib d
    ver=$(grep -A1 '^name = "librocksdb-sys"$' fuzz/Cargo.lock | sed -n 's/^version = "\(.*\)"$/\1/p')
    [ -n "$ver" ] || return 0
    lib="$cache/rocksdb-lib/$ver"
    if [ ! -f "$lib/librocksdb.a" ]; then
        for d in "${NOTAR_TEST_TARGET_DIR:-$cache/target}"/debug/build/librocksdb-sys-*; do
            if [ -f "$d/out/librocksdb.a" ] && [ -f "$d/output" ] &&
                grep -qF "librocksdb-sys-$ver" "$d/output"; then
                mkdir -p "$lib"
                cp "$d/out/librocksdb.a" "$lib/librocksdb.a.tmp"
                mv "$lib/librocksdb.a.tmp" "$lib/librocksdb.a"
                break
            fi
        done
    fi
    if [ -f "$lib/librocksdb.a" ]; then
        echo "== linking RocksDB $ver from $lib (built by the test build)" >&2
        export ROCKSDB_LIB_DIR=$lib ROCKSDB_STATIC=1
    fi
}
reuse_rocksdb
# Builds this one no longer uses (an older toolchain's, or every dependency's after a change of
# flags) go, as in the test build's cache.
./scripts/prune-target.sh 1

# 16 codegen units instead of cargo-fuzz's 1: the notar crate builds in a fraction of the time,
# for a few per cent of executions per second.
fuzz_flags=(--sanitizer none --codegen-units 16 --fuzz-dir fuzz)
started=$SECONDS
echo "== building fuzz targets in $CARGO_TARGET_DIR" >&2
if [ ${#targets[@]} -eq 1 ]; then
    cargo fuzz build "${fuzz_flags[@]}" "${targets[0]}"
else
    cargo fuzz build "${fuzz_flags[@]}"
fi
echo "== built in $((SECONDS - started)) s" >&2

# Seeds beyond fuzz/seeds/TARGET: the shipped policies and sample case bundles.
seeds_of() {
    [ ! -d "fuzz/seeds/$1" ] || echo "fuzz/seeds/$1"
    case $1 in
        policy_toml) echo policies ;;
        bundle) echo samples/cases ;;
    esac
}

failed=()
for t in "${targets[@]}"; do
    mkdir -p "$corpora/$t" "fuzz/artifacts/$t"
    mapfile -t seeds < <(seeds_of "$t")
    echo "== fuzzing $t for $seconds s (corpus $corpora/$t)" >&2
    before=$(find "fuzz/artifacts/$t" -type f | wc -l)
    # One process, one core. -timeout: an input that takes 20 s is a finding too.
    if ! cargo fuzz run "${fuzz_flags[@]}" "$t" "$corpora/$t" "${seeds[@]}" -- \
        -max_total_time="$seconds" -timeout=20 -print_final_stats=1; then
        failed+=("$t")
        artifact=$(ls -t "fuzz/artifacts/$t"/* 2>/dev/null | head -n 1 || true)
        echo "== $t FAILED; artifacts in fuzz/artifacts/$t ($before before this run)" >&2
        if [ -n "$artifact" ]; then
            echo "== input: $artifact" >&2
            echo "== reproduce: CARGO_TARGET_DIR=$CARGO_TARGET_DIR RUSTC_BOOTSTRAP=1 \\" >&2
            echo "     cargo fuzz run ${fuzz_flags[*]} $t $artifact" >&2
            echo "== minimise: the same with cargo fuzz tmin" >&2
        fi
    fi
done
if [ ${#failed[@]} -gt 0 ]; then
    echo "== fuzzing found crashes in: ${failed[*]}" >&2
    exit 1
fi
echo "== fuzzing: no crash in ${targets[*]} ($seconds s each)" >&2
