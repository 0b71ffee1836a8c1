#!/usr/bin/env bash
# Captures logical decoding output from a real PostgreSQL 15 into a frame file
# the decoder unit tests replay. Regenerate the files in this directory only
# with this script (see tests/data/wal_reader/README.md).
#
#   capture.sh OUT PLUGIN OPTIONS SETUP_SQL WORKLOAD_SQL
#
#   OUT           frame file to write
#   PLUGIN        pgoutput | wal2json
#   OPTIONS       plugin options as SQL arguments, e.g.
#                 "'proto_version','1','publication_names','pub','messages','true'"
#   SETUP_SQL     file run before the slot exists (tables, publication, types)
#   WORKLOAD_SQL  file run after the slot exists; its changes are captured
#
# Environment: CAPTURE_WORK_MEM sets logical_decoding_work_mem for the
# decoding session (e.g. 64kB to force streaming of larger transactions).
#
# File format: '#' comment lines, then one frame per line:
#   <LSN as X/X> <payload as lowercase hex>
# where LSN is the write location the server attached to the message (the
# XLogData start a replication connection would see).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
out=$1 plugin=$2 options=$3 setup_sql=$4 workload_sql=$5
work_mem=${CAPTURE_WORK_MEM:-64MB}

dir=$(mktemp -d)
trap '"$root/scripts/pg_cluster.sh" destroy "$dir"' EXIT
port=$("$root/scripts/pg_cluster.sh" start "$dir" | sed -n 's/^port=//p')
psql_() { PGPASSWORD=postgres psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d postgres "$@"; }

psql_ -f "$setup_sql" >/dev/null
psql_ -c "SELECT pg_create_logical_replication_slot('capture', '$plugin')" >/dev/null
psql_ -f "$workload_sql" >/dev/null
{
  echo "# captured from PostgreSQL $(psql_ -tAc 'SHOW server_version') plugin=$plugin"
  echo "# options: $options work_mem=$work_mem"
  echo "# setup: $(basename "$setup_sql") workload: $(basename "$workload_sql")"
  psql_ -tA -F ' ' -c "SET logical_decoding_work_mem = '$work_mem'" \
    -c "SELECT lsn, encode(data, 'hex') FROM pg_logical_slot_get_binary_changes('capture', NULL, NULL, $options)"
} > "$out"
echo "wrote $(grep -vc '^#' "$out") frames to $out"
