#!/usr/bin/env bash
# The program-user exhaust over one program of $rows enrolments (default
# 500000): walcast's report from its projection state (`walcast exhaust`,
# consent rules and decryption included) against PostgreSQL's
# `COPY (SELECT ... JOIN ...) TO` of the same columns, sorted the same way
# (without decryption: SQL cannot undo Sunbird's encryption), in the same
# run. Prints key=value figures: seconds, rows/s and walcast's peak RSS
# (GNU time's maximum resident set size).
#
#   bench/exhaust_report.sh [ROWS]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
rows=${1:-500000}
source "$root/bench/lib.sh"
bench_start

head -c 24 /dev/urandom | base64 >"$work/sunbird.key"
cat >"$work/walcast.properties" <<CONF
database.hostname=127.0.0.1
database.port=$port
database.user=postgres
database.dbname=bench
slot.name=bench_sunbird
publication.name=bench_sunbird_pub
publication.autocreate.mode=filtered
table.include.list=sunbird\\..*
snapshot.mode=initial_only
state.dir=$work/state
sinks=
projections.definitions.file=$root/config/examples/sunbird-program-users/projections.json
projections.decrypt.key.file=$work/sunbird.key
projections.state.sync=false
exhaust.definitions.file=$root/config/examples/sunbird-program-users/program-user-exhaust.json
CONF
w() { "$walcast" --config "$work/walcast.properties" "$@"; }

t0=$(date +%s.%N)
w generate-program-users --count "$rows" --programs 1 --seed 3 >/dev/null
t1=$(date +%s.%N)
printf 'run=generate rows=%s seconds=%.3f\n' "$rows" "$(echo "$t1 - $t0" | bc -l)"
w run 2>"$work/snapshot.log"
t2=$(date +%s.%N)
# The snapshot reads the three tables (enrolments, consents, users).
bench_report projection_snapshot "$(echo "$t2 - $t1" | bc -l)" "tables=3"

program=602500000000000000000000
/usr/bin/time -f '%e %M' -o "$work/time" \
  "$walcast" --config "$work/walcast.properties" exhaust program-user-exhaust \
  --program-id "$program" -o "$work/walcast.csv" >"$work/exhaust.out"
read -r secs rss_kb <"$work/time"
bench_report walcast_exhaust "$secs" "peak_rss_mb=$((rss_kb / 1024)) csv_bytes=$(stat -c %s "$work/walcast.csv")"

t3=$(date +%s.%N)
psql_ -c "\\copy (SELECT e.doc->>'userId' AS \"User UUID\", u.username, u.phone, u.email,
    CASE WHEN c.status = 'active' THEN 'Yes' END, c.last_updated_on,
    e.doc->>'programName', e.doc->>'programExternalId',
    l->'state'->>'name' AS state, l->'district'->>'name' AS district, l->'block'->>'name' AS block,
    l->'cluster'->>'name' AS cluster, l->'school'->>'code' AS school_code, l->'school'->>'name',
    e.doc->'userProfile'->'profileUserTypes'->0->>'type',
    e.doc->'userProfile'->'profileUserTypes'->0->>'subType',
    e.doc->'userProfile'->'rootOrg'->>'orgName'
  FROM sunbird.program_users e
  CROSS JOIN LATERAL (SELECT jsonb_object_agg(x->>'type', x) AS l
                      FROM jsonb_array_elements(e.doc->'userProfile'->'userLocations') x) loc
  LEFT JOIN sunbird.user_consent c ON c.user_id = e.doc->>'userId' AND c.object_id = e.doc->>'programId'
  LEFT JOIN sunbird.users u ON u.userid = e.doc->>'userId' AND c.status = 'active'
  WHERE e.doc->>'programId' = '$program'
  ORDER BY district, block, cluster, school_code, 1) TO '$work/copy.csv' CSV HEADER"
t4=$(date +%s.%N)
bench_report copy_select_join "$(echo "$t4 - $t3" | bc -l)" "csv_bytes=$(stat -c %s "$work/copy.csv")"
# Records, not lines: Sunbird's encrypted values hold line breaks.
count() { python3 -c 'import csv, sys; print(sum(1 for _ in csv.reader(open(sys.argv[1], newline=""))) - 1)' "$1"; }
printf 'walcast_rows=%s copy_rows=%s\n' "$(count "$work/walcast.csv")" "$(count "$work/copy.csv")"
