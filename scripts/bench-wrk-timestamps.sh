#!/usr/bin/env bash
# RFC 3161 tokens over HTTP against the same server's no-op ceiling, with wrk as an independent
# client, alternating one or more notar builds (BENCHMARKS.md, "Hardware CRC32C").
#
#   scripts/bench-wrk-timestamps.sh ROUNDS CONCURRENCY NOTAR_BINARY...
#
# For each round and binary: `notar init` on a new data dir (anonymous rate raised so the rate
# limiter never answers), `notar serve` on 127.0.0.1:18091, wrk on `GET /healthz` for 4 s (the
# ceiling), then on `POST /v1/timestamp` for 6 s with one `openssl ts -query -cert` query.
# Prints tokens/s, the ratio, the server's CPU per token (from /proc) and the machine's idle
# share during the token run. Needs wrk, openssl and curl (Debian: apt-get install wrk openssl curl).
set -euo pipefail

if [ $# -lt 3 ]; then
    sed -n '2,11p' "$0" >&2
    exit 2
fi
rounds=$1
conc=$2
shift 2
for tool in wrk openssl curl; do
    command -v "$tool" >/dev/null || { echo "needs $tool (apt-get install $tool)" >&2; exit 2; }
done

work=$(mktemp -d)
trap 'kill "${server:-}" 2>/dev/null || true; rm -rf "$work"' EXIT
echo "notar timestamp benchmark" > "$work/doc"
openssl ts -query -data "$work/doc" -sha256 -cert -out "$work/q.tsq" 2>/dev/null
cat > "$work/ts.lua" <<EOF
wrk.method = "POST"
local f = io.open("$work/q.tsq", "rb"); wrk.body = f:read("*a"); f:close()
wrk.headers["Content-Type"] = "application/timestamp-query"
EOF

# Ticks of CPU the whole machine spent (all, idle) so far.
machine_ticks() {
    awk '/^cpu / {t = 0; for (i = 2; i <= NF; i++) t += $i; print t, $5 + $6}' /proc/stat
}

addr=127.0.0.1:18091
hz=$(getconf CLK_TCK)
for r in $(seq 1 "$rounds"); do
    for bin in "$@"; do
        data="$work/data"
        rm -rf "$data"
        "$bin" init --data "$data" >/dev/null 2>&1
        sed -i 's/^anonymous_rate_per_s.*/anonymous_rate_per_s = 10000000/;
                s/^anonymous_burst.*/anonymous_burst = 10000000/' "$data/notar.toml"
        "$bin" serve --data "$data" --listen "$addr" >"$work/serve.log" 2>&1 &
        server=$!
        for _ in $(seq 50); do
            curl -sf "http://$addr/healthz" >/dev/null 2>&1 && break
            sleep 0.1
        done
        ceiling=$(wrk -t1 -c"$conc" -d4s "http://$addr/healthz" | awk '/Requests\/sec/ {print $2}')
        cpu0=$(awk '{print $14 + $15}' "/proc/$server/stat")
        read -r all0 idle0 < <(machine_ticks)
        tokens=$(wrk -t1 -c"$conc" -d6s -s "$work/ts.lua" "http://$addr/v1/timestamp" |
            awk '/Requests\/sec/ {print $2}')
        cpu1=$(awk '{print $14 + $15}' "/proc/$server/stat")
        read -r all1 idle1 < <(machine_ticks)
        kill "$server"
        wait "$server" 2>/dev/null || true
        awk -v r="$r" -v b="$bin" -v c="$ceiling" -v t="$tokens" -v s=$((cpu1 - cpu0)) \
            -v hz="$hz" -v a=$((all1 - all0)) -v i=$((idle1 - idle0)) 'BEGIN {
            printf "round %s  %s  ceiling %.0f/s  tokens %.0f/s  ratio %.3f  server %.1f us/token  idle %.0f %%\n",
                r, b, c, t, t / c, 1e6 * s / hz / (t * 6), 100 * i / a }'
    done
done
