#!/usr/bin/env bash
# scripts/bench.sh [SECONDS]: the `notar bench` table of BENCHMARKS.md, measured again on this
# machine. Builds the release binary, then runs every kind (guarantee, timestamp, exchange,
# settle, mixed) in-process (256 in flight) and over HTTP (64 in flight), SECONDS each (default 6),
# one after the other, and prints a Markdown table: the rate, latency, CPU, the raw crypto rate
# of one core for what a request needs and, over HTTP, the no-op ceiling (GET /healthz with
# the same client), each ratio from the same run. The load generator shares the machine with
# the server: stop other work first, and repeat runs (the spread between runs is the noise).
# The criterion benches are separate: `cargo bench --bench NAME` (BENCHMARKS.md names them).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-6}"
[[ $seconds =~ ^[1-9][0-9]*$ ]] || { echo "usage: $0 [SECONDS]" >&2; exit 2; }
command -v python3 >/dev/null || { echo "scripts/bench.sh needs python3" >&2; exit 2; }

cargo build --release --bin notar >&2
bin="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/release/notar"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

n=0
kinds=(guarantee timestamp exchange settle mixed)
for kind in "${kinds[@]}"; do
    for transport in in-process http; do
        if [ "$transport" = in-process ]; then flags=(--in-process --concurrency 256); else flags=(--concurrency 64); fi
        n=$((n + 1))
        echo "== $n/$((2 * ${#kinds[@]})): $kind, $transport, ${seconds} s" >&2
        "$bin" bench --kind "$kind" --seconds "$seconds" --json "${flags[@]}" > "$out/$n.json"
    done
done

echo "notar bench, $(date -u +%Y-%m-%dT%H:%MZ), $(git rev-parse --short HEAD), $(nproc) cores, ${seconds} s per run:"
echo
python3 - "$out" <<'PY'
import json, os, sys
d = sys.argv[1]
rows = [json.load(open(os.path.join(d, f))) for f in sorted(os.listdir(d), key=lambda f: int(f.split(".")[0]))]
print("| kind | transport | in flight | requests/s | p50 / p99 ms | cores | raw crypto/s (one core) | ÷ raw | no-op ceiling/s | ÷ ceiling |")
print("|---|---|---|---|---|---|---|---|---|---|")
for r in rows:
    c = r["noop_ceiling_per_s"]
    print("| {} | {} | {} | {:,.0f} | {:.2f} / {:.2f} | {:.2f} | {:,.0f} ({}) | {:.2}× | {} | {} |".format(
        r["kind"], r["transport"].replace("_", "-"), r["concurrency"], r["requests_per_s"],
        r["latency_ms"]["p50"], r["latency_ms"]["p99"], r["cpu_cores"],
        r["raw_request_per_s"], r["raw_request_needs"], r["ratio_to_raw"],
        "—" if c is None else "{:,.0f}".format(c),
        "—" if c is None else "{:.2f}×".format(r["ratio_to_ceiling"])))
PY
