#!/usr/bin/env bash
# Time from starting `notar console` until its first frame shows the dashboard (after the Hello
# and Status round trips), measured in tmux at 80x24 against a local `notar serve`.
# Usage: scripts/bench-console-first-frame.sh [RUNS]   (needs a built target/debug/notar)
set -euo pipefail
B=${NOTAR_BIN:-$(dirname "$0")/../target/debug/notar}
runs=${1:-8}
tmp=$(mktemp -d)
"$B" init --data "$tmp/d" >/dev/null
"$B" serve --data "$tmp/d" --listen 127.0.0.1:0 >/dev/null 2>&1 &
srv=$!
trap 'kill $srv; tmux kill-session -t notar-ttf 2>/dev/null; rm -rf "$tmp"' EXIT
sleep 2
for _ in $(seq "$runs"); do
    tmux kill-session -t notar-ttf 2>/dev/null || true
    s=$(date +%s%N)
    tmux new-session -d -s notar-ttf -x 80 -y 24 "$B console --data $tmp/d"
    until tmux capture-pane -p -t notar-ttf 2>/dev/null | grep -q "Checkpoint"; do sleep 0.005; done
    e=$(date +%s%N)
    echo "first frame: $(( (e - s) / 1000000 )) ms"
    tmux kill-session -t notar-ttf
done
