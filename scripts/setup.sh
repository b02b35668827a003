#!/usr/bin/env bash
# Installs what a fresh Debian machine lacks to build and test notar: a C/C++ toolchain and
# libclang (the RocksDB bindings), openssl, curl and tmux (the tests use them as real peers), and
# PostgreSQL 15 (the PostgreSQL store's tests start a throwaway cluster: scripts/pg-cluster.sh).
# Idempotent: installs only what is missing.
set -euo pipefail

need=()
command -v g++ >/dev/null 2>&1 || need+=(g++)
command -v make >/dev/null 2>&1 || need+=(make)
dpkg -s libclang-dev >/dev/null 2>&1 || need+=(libclang-dev)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
command -v curl >/dev/null 2>&1 || need+=(curl)
command -v tmux >/dev/null 2>&1 || need+=(tmux)
command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
[ -x /usr/lib/postgresql/15/bin/initdb ] || need+=(postgresql-15)
command -v psql >/dev/null 2>&1 || need+=(postgresql-client-15)

if [ ${#need[@]} -gt 0 ]; then
    echo "setup: installing ${need[*]}" >&2
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi

if ! command -v cargo >/dev/null 2>&1; then
    echo "setup: Rust >= 1.88 is required: install it with rustup (https://rustup.rs), then rerun." >&2
    exit 2
fi
