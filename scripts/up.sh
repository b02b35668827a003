#!/usr/bin/env bash
# The main job: build notar and run `notar up` (a notary with sample data on ./notar-data).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
exec cargo run --quiet -- up "$@"
