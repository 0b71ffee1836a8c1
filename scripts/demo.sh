#!/usr/bin/env bash
# walcast demo, end to end on this machine:
#   1. installs and builds (scripts/setup.sh)
#   2. starts a throwaway PostgreSQL 15 (logical WAL) on a free loopback port
#   3. creates MOSIP's idrepo tables (sql/mosip) and fills them with
#      generated anonymous profiles (`walcast generate-profiles`)
#   3b. starts a throwaway Kafka (KRaft) broker on a free loopback port
#   4. runs `walcast setup --check`, then `walcast run` with the stdout and
#      Kafka sinks: an initial snapshot of the existing rows, then streaming;
#      anonymous profiles go to the Kafka topic "Profiles" as in MOSIP
#   5. writes more profiles while walcast runs, shows the change events, the
#      records in the Profiles topic and `walcast status`, then stops
#      everything cleanly
#
#   scripts/demo.sh          run the demo and clean up
#   scripts/demo.sh --keep   leave PostgreSQL and walcast running afterwards
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
keep=0
[[ "${1:-}" == "--keep" ]] && keep=1

"$root/scripts/setup.sh"

demo="$root/build/demo"
rm -rf "$demo"
mkdir -p "$demo"
# PostgreSQL runs as user postgres (when we are root), which may not be able
# to enter the checkout (e.g. under /root): its data lives in /tmp.
pgdir=$(mktemp -d "${TMPDIR:-/tmp}/walcast-demo-pg.XXXXXX")
chmod 755 "$pgdir"
echo "$pgdir" >"$demo/pgdir"
port=$("$root/scripts/pg_cluster.sh" start "$pgdir" | sed -n 's/^port=//p')
walcast_pid=""
kafkadir="$demo/kafka"
cleanup() {
  if ((keep)); then return; fi
  [[ -n "$walcast_pid" ]] && kill -TERM "$walcast_pid" 2>/dev/null && wait "$walcast_pid" 2>/dev/null || true
  "$root/scripts/kafka.sh" stop "$kafkadir" || true
  "$root/scripts/pg_cluster.sh" destroy "$pgdir" || true
}
trap cleanup EXIT

export PGPASSWORD=postgres
psql_() { psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres "$@"; }
psql_ -d postgres -c "CREATE DATABASE mosip_idrepo" >/dev/null

echo "== starting Kafka (KRaft, $kafkadir)"
bootstrap=$("$root/scripts/kafka.sh" start "$kafkadir" | sed -n 's/^bootstrap=//p')

cat > "$demo/walcast.properties" <<CONF
database.hostname=127.0.0.1
database.port=$port
database.user=postgres
database.dbname=mosip_idrepo
slot.name=walcast_demo
publication.name=walcast_publication
publication.autocreate.mode=filtered
table.include.list=idrepo\\.anonymous_profile,idrepo\\.channel_info
topic.prefix=mosip
status.update.interval.ms=1000
state.dir=$demo/state
sinks=stdout,kafka
kafka.bootstrap.servers=$bootstrap
# MOSIP's anonymous profiles go to the topic "Profiles":
transforms=route
transforms.route.type=org.apache.kafka.connect.transforms.RegexRouter
transforms.route.regex=.*\\.anonymous_profile
transforms.route.replacement=Profiles
CONF
export WALCAST_DATABASE_PASSWORD=postgres
walcast="$root/build/walcast"

echo "== walcast generate-profiles (MOSIP's idrepo tables, 200 profiles)"
"$walcast" --config "$demo/walcast.properties" generate-profiles --count 200 --shape idrepo --seed 7
existing=$(psql_ -d mosip_idrepo -tA -c "SELECT (SELECT count(*) FROM idrepo.anonymous_profile)
  + (SELECT count(*) FROM idrepo.channel_info)")

echo "== walcast setup --check (preflight; changes nothing)"
"$walcast" --config "$demo/walcast.properties" setup --check || true

echo "== walcast run (stdout sink -> $demo/events.jsonl, log -> $demo/walcast.log)"
"$walcast" --config "$demo/walcast.properties" run >"$demo/events.jsonl" 2>"$demo/walcast.log" &
walcast_pid=$!
# Wait until walcast has created its slot and is streaming.
for _ in $(seq 1 100); do
  grep -q "streaming started" "$demo/walcast.log" 2>/dev/null && break
  kill -0 "$walcast_pid" 2>/dev/null || { cat "$demo/walcast.log"; exit 1; }
  sleep 0.1
done

echo "== inserting sample anonymous profiles"
psql_ -d mosip_idrepo -f "$root/sql/sample_profiles_insert.sql" >/dev/null
psql_ -d mosip_idrepo -c "UPDATE idrepo.anonymous_profile SET upd_by = 'demo', upd_dtimes = now() WHERE id LIKE '%02'" >/dev/null
psql_ -d mosip_idrepo -c "DELETE FROM idrepo.anonymous_profile WHERE id LIKE '%03'" >/dev/null

expected=$((existing + 6))  # the snapshot, then 3 inserts, 1 channel upsert, 1 update, 1 delete
for _ in $(seq 1 100); do
  [[ $(wc -l <"$demo/events.jsonl") -ge $expected ]] && break
  sleep 0.1
done
echo "== change events (one JSON object per line, Debezium envelope, schemas off)"
echo "($(wc -l <"$demo/events.jsonl") events: the snapshot's op \"r\" records, then the live changes; the last ones:)"
tail -n 8 "$demo/events.jsonl" | cut -c1-220 | sed 's/$/.../'
echo "== the Kafka topic Profiles (key, then value with schema; first records, cut)"
"$root/scripts/kafka.sh" consume "$kafkadir" Profiles 5 | cut -c1-200 | sed 's/$/.../'
sleep 1.5  # one status interval, so the confirmed position is visible below
echo "== walcast status"
"$walcast" --config "$demo/walcast.properties" status

cat <<INFO

Where to look:
  events:         $demo/events.jsonl
  walcast log:    $demo/walcast.log
  config:         $demo/walcast.properties
  PostgreSQL:     psql -h 127.0.0.1 -p $port -U postgres mosip_idrepo  (password: postgres)
  Kafka:          bootstrap $bootstrap; topics Profiles, mosip.idrepo.channel_info
                  scripts/kafka.sh consume $kafkadir Profiles 100
INFO
if ((keep)); then
  echo "  walcast is still running (pid $walcast_pid); stop it with: kill $walcast_pid"
  echo "  stop PostgreSQL with: scripts/pg_cluster.sh stop $pgdir"
  echo "  stop Kafka with: scripts/kafka.sh stop $kafkadir"
fi
