#!/usr/bin/env bash
# A PostgreSQL 15 primary and one streaming replica, the replica a synchronous standby
# (`ANY 1 (replica1)`), on loopback, from Debian's packages, all in one directory: for notar's
# PostgreSQL tests (tests/postgres_failover.rs) and for trying the backend by hand.
#
#   scripts/pg-cluster.sh up DIR PORT       primary on PORT, replica on PORT+1; prints both URLs
#   scripts/pg-cluster.sh stop-primary DIR  stops the primary at once (`-m immediate`: as a crash)
#   scripts/pg-cluster.sh promote DIR       promotes the replica to primary (after stop-primary);
#                                           with no standby left, it commits alone (as Patroni
#                                           does outside strict synchronous mode)
#   scripts/pg-cluster.sh down DIR          stops what still runs and removes DIR
#
# Authentication is `trust` on 127.0.0.1 only: a throwaway cluster for tests, never a deployment
# (docs/operating.md, "Running on PostgreSQL", describes one). Run as root, the servers run as the
# `postgres` user the Debian package creates (PostgreSQL refuses to run as root).
set -euo pipefail

BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
USER_NAME=notar

usage() {
    sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

as_pg() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

need_bin() {
    if [ ! -x "$BIN/initdb" ]; then
        echo "pg-cluster: no PostgreSQL 15 at $BIN (apt-get install postgresql-15, or set PG_BIN)" >&2
        exit 2
    fi
}

wait_sync() {
    local port=$1 state=""
    for _ in $(seq 1 100); do
        state=$(as_pg "$BIN/psql" -h 127.0.0.1 -p "$port" -U "$USER_NAME" -d postgres -Atc \
            "SELECT sync_state FROM pg_stat_replication WHERE application_name = 'replica1'" \
            2>/dev/null || true)
        case "$state" in sync | quorum) return 0 ;; esac
        sleep 0.1
    done
    echo "pg-cluster: the replica did not become a synchronous standby (state '$state')" >&2
    return 1
}

up() {
    local dir=$1 port=$2
    need_bin
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    [ "$(id -u)" -ne 0 ] || chown postgres "$dir"
    if ! as_pg test -w "$dir"; then
        echo "pg-cluster: the postgres user cannot write in $dir (its parent directories must be searchable: chmod o+x)" >&2
        exit 2
    fi
    as_pg "$BIN/initdb" -D "$dir/primary" -U "$USER_NAME" --auth=trust -E UTF8 --no-locale \
        >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    cat >>"$dir/primary/postgresql.conf" <<EOF
port = $port
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
wal_level = replica
max_wal_senders = 4
synchronous_standby_names = 'ANY 1 (replica1)'
synchronous_commit = on
EOF
    as_pg "$BIN/pg_ctl" -D "$dir/primary" -l "$dir/primary.log" -w start >/dev/null ||
        { cat "$dir/primary.log" >&2; exit 1; }
    as_pg "$BIN/pg_basebackup" -h 127.0.0.1 -p "$port" -U "$USER_NAME" -D "$dir/replica" -R \
        -X stream >"$dir/basebackup.log" 2>&1 || { cat "$dir/basebackup.log" >&2; exit 1; }
    cat >>"$dir/replica/postgresql.conf" <<EOF
port = $((port + 1))
cluster_name = 'replica1'
hot_standby = on
EOF
    as_pg "$BIN/pg_ctl" -D "$dir/replica" -l "$dir/replica.log" -w start >/dev/null ||
        { cat "$dir/replica.log" >&2; exit 1; }
    wait_sync "$port"
    as_pg "$BIN/createdb" -h 127.0.0.1 -p "$port" -U "$USER_NAME" notar
    # A synchronous commit waits for the replica's disk, not for it to replay: wait until the
    # replica has the database too, so a client may connect to either at once.
    for _ in $(seq 1 100); do
        as_pg "$BIN/psql" -h 127.0.0.1 -p "$((port + 1))" -U "$USER_NAME" -d notar -Atc "SELECT 1" \
            >/dev/null 2>&1 && break
        sleep 0.1
    done
    echo "primary postgres://$USER_NAME@127.0.0.1:$port/notar"
    echo "replica postgres://$USER_NAME@127.0.0.1:$((port + 1))/notar"
}

stop_one() {
    local data=$1
    if [ -f "$data/postmaster.pid" ]; then
        as_pg "$BIN/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
}

case "${1:-}" in
up)
    [ $# -eq 3 ] || usage
    up "$2" "$3"
    ;;
stop-primary)
    [ $# -eq 2 ] || usage
    stop_one "$2/primary"
    ;;
promote)
    [ $# -eq 2 ] || usage
    as_pg "$BIN/pg_ctl" -D "$2/replica" -w promote >/dev/null
    port=$(sed -n "s/^port = //p" "$2/replica/postgresql.conf" | tail -1)
    as_pg "$BIN/psql" -h 127.0.0.1 -p "$port" -U "$USER_NAME" -d postgres -qAtc \
        "ALTER SYSTEM SET synchronous_standby_names = ''" -c "SELECT pg_reload_conf()" >/dev/null
    ;;
down)
    [ $# -eq 2 ] || usage
    if [ -d "$2" ]; then
        stop_one "$2/primary"
        stop_one "$2/replica"
        rm -rf "$2"
    fi
    ;;
*) usage ;;
esac
