#!/usr/bin/env bash
# walcast demo, end to end on this machine:
#   1. installs and builds (scripts/setup.sh)
#   2. starts a throwaway PostgreSQL 15 (logical WAL) on a free loopback port
#   3. creates MOSIP's idrepo tables (sql/mosip) and fills them with
#      generated anonymous profiles (`walcast generate-profiles`), and
#      MOSIP's five other databases with every table its reporting captures
#      (`walcast generate-mosip`, docs/generated-data.md)
#   3b. starts a throwaway Kafka (KRaft) broker and an OpenSearch node
#      (scripts/elasticsearch.sh; WALCAST_ES_FLAVOUR=es7 or es8 for
#      Elasticsearch) on free loopback ports
#   4. runs `walcast setup --check`, then `walcast run` with the stdout,
#      Kafka and Elasticsearch sinks and MOSIP's metrics: an initial
#      snapshot of the existing rows, then streaming; anonymous profiles go
#      to the Kafka topic "Profiles" as in MOSIP, raw documents and metric
#      documents to the search node
#   5. writes more profiles while walcast runs, shows the change events, the
#      records in the Profiles topic, the documents and metrics in the search
#      node and `walcast status`, then stops everything cleanly
#
#   scripts/demo.sh          run the demo and clean up
#   scripts/demo.sh --keep   leave PostgreSQL and walcast running afterwards
#   scripts/demo.sh --example sunbird-program-users
#                            Sunbird's program-user report instead
#                            (scripts/demo-sunbird-program-users.sh)
#   scripts/demo.sh --example gdpr-user-profiles
#                            the GDPR user-profile pipeline: privacy rules,
#                            its metrics beside SQL, decrypt and forget
#                            (scripts/demo-gdpr-user-profiles.sh)
#
# WALCAST_BIN runs another walcast binary; WALCAST_DEMO_SKIP_SETUP=1 skips
# scripts/setup.sh (tests/demo/demo_test.sh uses both).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
if [[ "${1:-}" == "--example" ]]; then
  exec "$root/scripts/demo-${2:?--example needs a name}.sh" "${@:3}"
fi
keep=0
[[ "${1:-}" == "--keep" ]] && keep=1

[[ "${WALCAST_DEMO_SKIP_SETUP:-0}" == 1 ]] || "$root/scripts/setup.sh"

demo="$root/build/demo"
rm -rf "$demo"
mkdir -p "$demo"
source "$root/scripts/demo_lib.sh"
demo_dirs
trap demo_cleanup EXIT
echo "$pgdir" >"$demo/pgdir"
port=$("$root/scripts/pg_cluster.sh" start "$pgdir" | sed -n 's/^port=//p')

export PGPASSWORD=postgres
psql_() { psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres "$@"; }
psql_ -d postgres -c "CREATE DATABASE mosip_idrepo" >/dev/null

echo "== starting Kafka (KRaft, $kafkadir)"
bootstrap=$("$root/scripts/kafka.sh" start "$kafkadir" | sed -n 's/^bootstrap=//p')
echo "== starting the search node (${WALCAST_ES_FLAVOUR:-opensearch}, $esdir)"
es_url=$("$root/scripts/elasticsearch.sh" start "$esdir" | sed -n 's/^url=//p')

# A free loopback port for walcast's HTTP endpoint (status page, /metrics).
http_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

cat > "$demo/walcast.properties" <<CONF
database.hostname=127.0.0.1
database.port=$port
database.user=postgres
database.dbname=mosip_idrepo
slot.name=walcast_demo
publication.name=walcast_publication
publication.autocreate.mode=filtered
table.include.list=idrepo\\.anonymous_profile,idrepo\\.channel_info,regprc\\.anonymous_profile,prereg\\.anonymous_profile
topic.prefix=mosip
status.update.interval.ms=1000
state.dir=$demo/state
sinks=stdout,kafka,elasticsearch
kafka.bootstrap.servers=$bootstrap
elasticsearch.url=$es_url
elasticsearch.bulk.flush.interval.ms=500
# The HTTP endpoint: live status page, Prometheus /metrics, /readyz
# (docs/operations.md).
http.port=$http_port
# MOSIP's metrics (docs/metrics.md), kept in RocksDB under state.dir and
# written to the index mosip.metrics.anon_profile:
metrics.definitions.file=$root/config/metrics/mosip.json
checkpoint.interval.ms=500
# MOSIP's anonymous profiles go to the topic "Profiles":
transforms=route
transforms.route.type=org.apache.kafka.connect.transforms.RegexRouter
transforms.route.regex=.*\\.anonymous_profile
transforms.route.replacement=Profiles
CONF
export WALCAST_DATABASE_PASSWORD=postgres
walcast="${WALCAST_BIN:-$root/build/walcast}"

echo "== walcast generate-profiles (MOSIP's tables, 300 profiles of every shape)"
"$walcast" --config "$demo/walcast.properties" generate-profiles --count 300 --shape all --seed 7
echo "== walcast generate-mosip (mosip_master, mosip_audit, mosip_prereg, mosip_ida, mosip_regprc)"
"$walcast" --config "$demo/walcast.properties" generate-mosip --seed 7 --days 30 --profiles 300 \
  --databases mosip_master,mosip_audit,mosip_prereg,mosip_ida,mosip_regprc | grep '^table\.'
existing=$(psql_ -d mosip_idrepo -tA -c "SELECT (SELECT count(*) FROM idrepo.anonymous_profile)
  + (SELECT count(*) FROM idrepo.channel_info) + (SELECT count(*) FROM regprc.anonymous_profile)
  + (SELECT count(*) FROM prereg.anonymous_profile)")

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
profiles=$(psql_ -d mosip_idrepo -tA -c "SELECT count(*) FROM idrepo.anonymous_profile")
# Documents are written every 500 ms; wait until the last change is in.
for _ in $(seq 1 100); do
  curl -s -XPOST "$es_url/mosip.idrepo.anonymous_profile,mosip.metrics.anon_profile/_refresh" >/dev/null
  found=$(curl -s "$es_url/mosip.idrepo.anonymous_profile/_doc/0b6a8e2c-1f0c-4a55-9a51-6a0d3c5b7e02" | grep -c '"upd_by":"demo"' || true)
  [[ "$found" -ge 1 ]] && break
  sleep 0.2
done
sleep 1
curl -s -XPOST "$es_url/mosip.idrepo.anonymous_profile,mosip.metrics.anon_profile/_refresh" >/dev/null
docs=$(curl -s "$es_url/mosip.idrepo.anonymous_profile/_count" | sed -n 's/.*"count":\([0-9]*\).*/\1/p')
echo "== the search node: $docs raw documents in mosip.idrepo.anonymous_profile for $profiles rows"
echo "   (an update profile replaces the document of the identity's previous one, as MOSIP's sink does)"
curl -s "$es_url/mosip.idrepo.anonymous_profile/_search?size=1" | cut -c1-400 | sed 's/$/.../'
echo
echo "== metric idrepo_by_gender (current identities by gender) in mosip.metrics.anon_profile"
curl -s -XPOST -H 'Content-Type: application/json' "$es_url/mosip.metrics.anon_profile/_search" \
  -d '{"size":20,"query":{"term":{"metric":"idrepo_by_gender"}},"_source":["keys","value"]}' |
  grep -o '"_source":{[^}]*}[^}]*}' | sed 's/"_source"://'
echo "== metrics computed: $(curl -s -XPOST -H 'Content-Type: application/json' \
  "$es_url/mosip.metrics.anon_profile/_search?size=0" \
  -d '{"aggs":{"m":{"cardinality":{"field":"metric"}}}}' | sed -n 's/.*"m":{"value":\([0-9]*\)}.*/\1/p') metrics, \
$(curl -s "$es_url/mosip.metrics.anon_profile/_count" | sed -n 's/.*"count":\([0-9]*\).*/\1/p') documents"
sleep 1.5  # one status interval, so the confirmed position is visible below
echo "== walcast status"
"$walcast" --config "$demo/walcast.properties" status
echo "== Prometheus metrics from http://127.0.0.1:$http_port/metrics (events by table and operation)"
curl -s "http://127.0.0.1:$http_port/metrics" | grep '^walcast_events_total' | head -6

cat <<INFO

Where to look:
  events:         $demo/events.jsonl
  walcast log:    $demo/walcast.log
  status page:    http://127.0.0.1:$http_port/  (live while walcast runs: --keep; also /metrics, /readyz)
  config:         $demo/walcast.properties
  PostgreSQL:     psql -h 127.0.0.1 -p $port -U postgres mosip_idrepo  (password: postgres)
                  also mosip_master, mosip_audit, mosip_prereg, mosip_ida, mosip_regprc
  Kafka:          bootstrap $bootstrap; topics Profiles, mosip.idrepo.channel_info
                  scripts/kafka.sh consume $kafkadir Profiles 100
  search node:    $es_url  (indices mosip.idrepo.anonymous_profile, mosip.metrics.anon_profile,
                  mosip.walcast.dead_letter; point Kibana / OpenSearch Dashboards here)
                  curl -s '$es_url/mosip.metrics.anon_profile/_search?q=metric:idrepo_by_age_group'
INFO
if ((keep)); then
  echo "  walcast is still running (pid $walcast_pid); stop it with: kill $walcast_pid"
  echo "  stop PostgreSQL with: scripts/pg_cluster.sh stop $pgdir"
  echo "  stop Kafka with: scripts/kafka.sh stop $kafkadir"
  echo "  stop the search node with: scripts/elasticsearch.sh destroy $esdir"
fi
