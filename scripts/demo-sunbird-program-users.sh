#!/usr/bin/env bash
# walcast demo: Sunbird's program-user exhaust ("User Detail Report") from
# PostgreSQL's change stream, without Flink, Cassandra or Spark
# (docs/projections.md, docs/exhaust.md):
#   1. installs and builds (scripts/setup.sh)
#   2. starts a throwaway PostgreSQL on a free loopback port and fills
#      Sunbird's tables with `walcast generate-program-users` (enrolment
#      events, consents, users with e-mail and phone encrypted)
#   3. runs walcast with the example's projections and report
#      (config/examples/sunbird-program-users/): snapshot, then streaming
#   4. inserts a job_request row as Sunbird's dashboard does; walcast writes
#      the CSV and marks the row SUCCESS
#   5. stops walcast and runs the same report from the command line with a
#      district filter, ending with the CSV and the command that made it
#
#   scripts/demo.sh --example sunbird-program-users [--keep]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
keep=0
[[ "${1:-}" == "--keep" ]] && keep=1
example="$root/config/examples/sunbird-program-users"

[[ "${WALCAST_DEMO_SKIP_SETUP:-0}" == 1 ]] || "$root/scripts/setup.sh"

demo="$root/build/demo-sunbird"
rm -rf "$demo"
mkdir -p "$demo/reports"
pgdir=$(mktemp -d "${TMPDIR:-/tmp}/walcast-demo-pg.XXXXXX")
chmod 755 "$pgdir"
port=$("$root/scripts/pg_cluster.sh" start "$pgdir" | sed -n 's/^port=//p')
walcast_pid=""
cleanup() {
  if ((keep)); then return; fi
  [[ -n "$walcast_pid" ]] && kill -TERM "$walcast_pid" 2>/dev/null && wait "$walcast_pid" 2>/dev/null || true
  "$root/scripts/pg_cluster.sh" destroy "$pgdir" || true
}
trap cleanup EXIT

export PGPASSWORD=postgres
psql_() { psql -X -q -tA -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres "$@"; }
psql_ -d postgres -c "CREATE DATABASE sunbird" >/dev/null

# Sunbird's user-service key (sunbird_encryption_key): a file only walcast reads.
head -c 24 /dev/urandom | base64 >"$demo/sunbird.key"
chmod 600 "$demo/sunbird.key"

cat >"$demo/walcast.properties" <<CONF
database.hostname=127.0.0.1
database.port=$port
database.user=postgres
database.dbname=sunbird
slot.name=walcast_sunbird
publication.autocreate.mode=filtered
table.include.list=sunbird\\..*
state.dir=$demo/state
# No row sink: the projections are the output (docs/projections.md).
sinks=
projections.definitions.file=$example/projections.json
projections.decrypt.key.file=$demo/sunbird.key
checkpoint.interval.ms=500
# Sunbird's program-user-exhaust model configuration, as it is (docs/exhaust.md).
exhaust.definitions.file=$example/program-user-exhaust.json
exhaust.job.table=sunbird.job_request
exhaust.output.dir=$demo/reports
exhaust.csv.bom=true
CONF
export WALCAST_DATABASE_PASSWORD=postgres
walcast="${WALCAST_BIN:-$root/build/walcast}"

echo "== walcast generate-program-users (3000 enrolments over 3 programs)"
"$walcast" --config "$demo/walcast.properties" generate-program-users --count 3000 --programs 3 --seed 7

echo "== walcast run (snapshot of the tables, then streaming)"
"$walcast" --config "$demo/walcast.properties" run 2>"$demo/walcast.log" &
walcast_pid=$!
for _ in $(seq 1 120); do
  grep -q "streaming started" "$demo/walcast.log" && break
  sleep 0.5
done

program=602500000000000000000000
echo "== a job_request row for program $program, as Sunbird's dashboard writes it"
psql_ -d sunbird -c "INSERT INTO sunbird.job_request (tag, request_id, job_id, status, request_data)
  VALUES ('demo', 'demo-1', 'program-user-exhaust', 'SUBMITTED',
  '{\"program\":[{\"name\":\"User Detail Report\",\"id\":\"program-user-exhaust\",\"filters\":[{\"table_name\":\"program_enrollment\",\"table_filters\":[{\"name\":\"program_id\",\"operator\":\"=\",\"value\":\"$program\"}]}]}]}')"
for _ in $(seq 1 120); do
  [[ "$(psql_ -d sunbird -c "SELECT status FROM sunbird.job_request WHERE request_id = 'demo-1'")" == SUCCESS ]] && break
  sleep 0.5
done
psql_ -d sunbird -c "SELECT request_id, status, download_urls[1] FROM sunbird.job_request"

kill -TERM "$walcast_pid"
wait "$walcast_pid" || true
walcast_pid=""

district=$(psql_ -d sunbird -c "SELECT doc->'userProfile'->'userLocations'->1->>'name' FROM sunbird.program_users WHERE doc->>'programId' = '$program' LIMIT 1")
cmd=("$walcast" --config "$demo/walcast.properties" exhaust program-user-exhaust
     --program-id "$program" --filter "district=$district" -o "$demo/reports/district.csv")
echo "== the same report from the command line, one district"
"${cmd[@]}"
echo
echo "== $demo/reports/district.csv (first lines)"
head -n 6 "$demo/reports/district.csv"
echo
echo "made by:"
printf ' %q' "${cmd[@]}"
echo
