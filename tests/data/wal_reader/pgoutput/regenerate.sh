#!/usr/bin/env bash
# Re-captures every pgoutput frame file in this directory from a throwaway
# PostgreSQL 15 cluster (one per capture, via ../capture.sh). Usage:
#
#   tests/data/wal_reader/pgoutput/regenerate.sh [NAME...]
#
# With no NAME every capture is regenerated; otherwise only the named ones
# (e.g. v1_toast). LSNs, xids and timestamps change on every run, so the unit
# tests assert content and order, never absolute values.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
capture=$here/../capture.sh

V1="'proto_version','1','publication_names','pub,pub_insert_only','messages','true'"
V2="'proto_version','2','publication_names','pub','messages','true','streaming','on'"

run() {  # NAME SETUP OPTIONS [work_mem]
  local name=$1 setup=$2 options=$3 work_mem=${4:-64MB}
  CAPTURE_WORK_MEM=$work_mem "$capture" "$here/$name.frames" pgoutput "$options" \
    "$here/$setup" "$here/$name.sql"
}

capture_one() {
  case "$1" in
    v1_identity | v1_toast | v1_truncate | v1_messages | v1_schema | v1_origin)
      run "$1" setup_v1.sql "$V1" ;;
    v2_stream_commit | v2_stream_abort | v2_stream_subxact | v2_stream_interleaved)
      run "$1" setup_stream.sql "$V2" 64kB ;;
    *) echo "unknown capture $1" >&2; exit 2 ;;
  esac
}

if [[ $# -eq 0 ]]; then
  set -- v1_identity v1_toast v1_truncate v1_messages v1_schema v1_origin \
    v2_stream_commit v2_stream_abort v2_stream_subxact v2_stream_interleaved
fi
for name in "$@"; do capture_one "$name"; done
