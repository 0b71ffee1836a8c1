#!/usr/bin/env bash
# Re-captures every wal2json frame file in this directory from a throwaway
# PostgreSQL 15 (see ../README.md). LSNs, xids and commit timestamps in the
# new files differ from the old ones, so update the expectations in
# tests/unit/wal_reader/wal2json_decoder_test.cc after running this.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
capture=$here/../capture.sh

# The options walcast always passes to wal2json.
opts="'format-version','2','include-xids','1','include-timestamp','1','include-lsn','1'"
opts+=",'include-pk','1','include-type-oids','1','include-transaction','1'"

"$capture" "$here/wal2json.frames" wal2json "$opts" \
  "$here/setup.sql" "$here/workload.sql"
PGTZ=Asia/Kolkata "$capture" "$here/wal2json_tz.frames" wal2json "$opts" \
  "$here/setup.sql" "$here/workload_tz.sql"
"$capture" "$here/wal2json_filtered.frames" wal2json \
  "$opts,'add-tables','public.full_items','actions','insert,update,truncate'" \
  "$here/setup.sql" "$here/workload.sql"
