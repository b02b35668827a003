#!/usr/bin/env bash
# The main job: build notar and run `notar up` (a notary with sample data on ./notar-data).
# Arguments go to `notar up` (e.g. scripts/up.sh --listen 127.0.0.1:9090).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh

# Build in the open (cargo's progress on stderr), then run the binary cargo reports: that path
# follows CARGO_TARGET_DIR, --target settings and profiles without guessing.
echo "up: building notar; the first build compiles RocksDB and takes about 15 minutes on 2 cores" >&2
built=$(cargo build --bin notar --message-format=json-render-diagnostics)
bin=$(printf '%s\n' "$built" |
    sed -n '/"reason":"compiler-artifact"/{/"name":"notar"/s/.*"executable":"\([^"]*\)".*/\1/p}' |
    tail -n 1)
if [ -z "$bin" ] || [ ! -x "$bin" ]; then
    echo "up: cargo built no notar binary" >&2
    exit 1
fi
exec "$bin" up "$@"
