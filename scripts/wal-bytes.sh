#!/usr/bin/env bash
# Bytes written per column family in a RocksDB write-ahead log (BENCHMARKS.md, "What a durable
# guarantee writes", "What an exchange resolve writes"): the key and value bytes of each PUT,
# summed by column family id, with the count of PUTs. Needs `ldb` (Debian: rocksdb-tools).
# Usage: scripts/wal-bytes.sh DATA_DIR/db/NNNNNN.log
# Column family ids are in the order of `Cf::ALL` (src/store/mod.rs), from 1 (0 is default).
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 WAL_FILE" >&2; exit 2; }
command -v ldb >/dev/null || { echo "$0: needs ldb (apt-get install rocksdb-tools)" >&2; exit 2; }
ldb dump_wal --walfile="$1" --print_value |
    grep -o 'PUT([0-9]*) : 0x[0-9A-F]* : 0x[0-9A-F]*' |
    awk '{ cf = $1; gsub(/[^0-9]/, "", cf); n[cf]++; b[cf] += (length($3) - 2 + length($5) - 2) / 2 }
         END { printf "%-4s %10s %14s %12s\n", "cf", "puts", "bytes", "bytes/put";
               for (c in n) printf "%-4s %10d %14d %12.1f\n", c, n[c], b[c], b[c] / n[c] }' |
    sort -n
