#!/usr/bin/env bash
# scripts/bench-postgres.sh [SECONDS]: guarantees and timestamps per second and their latency on
# RocksDB and on PostgreSQL with a synchronous replica, same machine, same run (BENCHMARKS.md,
# "PostgreSQL next to RocksDB"). Builds the release binary, starts a primary and a synchronous
# streaming replica on loopback (scripts/pg-cluster.sh), then runs `notar bench` over HTTP with
# 64 requests in flight, SECONDS each (default 6), alternating the two stores, each PostgreSQL
# run on a new empty database, and prints a Markdown table. Stop other work first; repeat runs
# (the spread between runs is the noise).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-6}"
[[ $seconds =~ ^[1-9][0-9]*$ ]] || { echo "usage: $0 [SECONDS]" >&2; exit 2; }
command -v python3 >/dev/null || { echo "scripts/bench-postgres.sh needs python3" >&2; exit 2; }

cargo build --release --bin notar >&2
bin="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/release/notar"
work="$(mktemp -d /tmp/notar-bench-pg.XXXXXX)"
chmod 755 "$work" # PostgreSQL runs as its own user (scripts/pg-cluster.sh)
port=$((20000 + RANDOM % 20000))
trap 'scripts/pg-cluster.sh down "$work/pg" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
scripts/pg-cluster.sh up "$work/pg" "$port" >&2
primary="postgres://notar@127.0.0.1:$port"

n=0
for kind in guarantee timestamp; do
    for store in rocksdb postgres; do
        n=$((n + 1))
        echo "== $n/4: $kind on $store, ${seconds} s" >&2
        flags=()
        if [ "$store" = postgres ]; then
            psql "$primary/notar" -qc "CREATE DATABASE bench$n" >/dev/null
            flags=(--store "$primary/bench$n")
        fi
        "$bin" bench --kind "$kind" --seconds "$seconds" --concurrency 64 --json "${flags[@]}" \
            | python3 -c "import json,sys; r=json.load(sys.stdin); r['store']='$store'; print(json.dumps(r))" \
            > "$work/$n.json"
    done
done

echo "notar bench over HTTP, $(date -u +%Y-%m-%dT%H:%MZ), $(git rev-parse --short HEAD), $(nproc) cores, ${seconds} s per run, 64 in flight; PostgreSQL 15 with one synchronous streaming replica on loopback:"
echo
python3 - "$work" <<'PY'
import json, os, sys
d = sys.argv[1]
rows = [json.load(open(os.path.join(d, f"{i}.json"))) for i in range(1, 5)]
print("| kind | store | requests/s | p50 / p99 ms | entries per commit | cores |")
print("|---|---|---|---|---|---|")
for r in rows:
    print("| {} | {} | {:,.0f} | {:.2f} / {:.2f} | {:.1f} | {:.2f} |".format(
        r["kind"], r["store"], r["requests_per_s"], r["latency_ms"]["p50"],
        r["latency_ms"]["p99"], r["entries_per_commit"], r["cpu_cores"]))
PY
