#!/usr/bin/env bash
# Time of the console's exchange list (the admin `exchanges` request, 100 items) against a
# `notar serve` holding many decided exchanges, made by `notar bench --kind exchange`.
# Usage: scripts/bench-exchange-list.sh [SECONDS_OF_EXCHANGES] [REQUESTS]
#   (needs a release build: NOTAR_BIN, default target/release/notar; and python3)
set -euo pipefail
B=${NOTAR_BIN:-$(dirname "$0")/../target/release/notar}
secs=${1:-20}
runs=${2:-10}
tmp=$(mktemp -d)
trap '[ -n "${srv:-}" ] && kill "$srv" 2>/dev/null; rm -rf "$tmp"' EXIT
"$B" bench --data "$tmp/d" --kind exchange --in-process --seconds "$secs" >/dev/null 2>&1
"$B" serve --data "$tmp/d" --listen 127.0.0.1:0 >/dev/null 2>&1 &
srv=$!
for _ in $(seq 120); do [ -S "$tmp/d/admin.sock" ] && break; sleep 0.5; done
sleep 1
python3 - "$tmp/d/admin.sock" "$runs" <<'PY'
import json, socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
f = s.makefile("rwb")
def ask(req):
    f.write((json.dumps(req) + "\n").encode())
    f.flush()
    return json.loads(f.readline())
first = ask({"id": 0, "op": "exchanges", "limit": 100})
status = ask({"id": 1, "op": "status"})
print("listed", len(first["ok"]["items"]), "of a log of", status.get("ok", {}).get("log_size"), "entries")
times = []
for i in range(int(sys.argv[2])):
    t = time.perf_counter()
    ask({"id": i + 2, "op": "exchanges", "limit": 100})
    times.append((time.perf_counter() - t) * 1000)
times.sort()
print("exchange list: median %.2f ms, min %.2f ms, max %.2f ms" % (times[len(times) // 2], times[0], times[-1]))
PY
echo "RSS of notar serve: $(ps -o rss= -p "$srv") KB"
