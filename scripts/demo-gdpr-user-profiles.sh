#!/usr/bin/env bash
# walcast demo: the GDPR user-profile pipeline (config/examples/
# gdpr-user-profiles/, docs/privacy.md, docs/metrics.md):
#   1. installs and builds (scripts/setup.sh)
#   2. starts a throwaway PostgreSQL, Kafka (KRaft) broker and OpenSearch
#      node on free loopback ports, and makes a privacy key file only
#      walcast reads
#   3. fills public.user_profiles with randomuser.me-shaped profiles made
#      locally (`walcast generate-user-profiles`)
#   4. runs walcast with the example's own configuration (only the
#      addresses, the key file and the state directory are overridden):
#      snapshot, then streaming while more users join, move, change their
#      email or phone, or leave
#   5. shows a Kafka record as consumers get it (full name, address, email,
#      phone and cell encrypted; dates normalised; ages dropped), the same
#      record through `walcast privacy decrypt`, and the dashboard's metrics
#      beside the same figures computed by SQL from the table
#   6. prints the record of processing (`walcast privacy report`), then
#      forgets one user (`walcast privacy forget`) and shows that user's
#      record no longer decrypts
#
#   scripts/demo.sh --example gdpr-user-profiles [--keep]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
keep=0
[[ "${1:-}" == "--keep" ]] && keep=1
example="$root/config/examples/gdpr-user-profiles"
# The example's properties name their files relative to the checkout.
cd "$root"

[[ "${WALCAST_DEMO_SKIP_SETUP:-0}" == 1 ]] || "$root/scripts/setup.sh"

demo="$root/build/demo-gdpr"
rm -rf "$demo"
mkdir -p "$demo"
source "$root/scripts/demo_lib.sh"
demo_dirs
trap demo_cleanup EXIT

port=$("$root/scripts/pg_cluster.sh" start "$pgdir" | sed -n 's/^port=//p')
export PGPASSWORD=postgres
psql_() { psql -X -q -tA -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d users "$@"; }
psql -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -c "CREATE DATABASE users"
echo "== starting Kafka (KRaft, $kafkadir) and the search node (${WALCAST_ES_FLAVOUR:-opensearch})"
bootstrap=$("$root/scripts/kafka.sh" start "$kafkadir" | sed -n 's/^bootstrap=//p')
es_url=$("$root/scripts/elasticsearch.sh" start "$esdir" | sed -n 's/^url=//p')
http_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

# The master key: never in the properties file (docs/privacy.md, "Keys").
printf 'current=demo1\ndemo1=%s\n' "$(head -c 32 /dev/urandom | base64)" >"$demo/privacy.keys"
chmod 600 "$demo/privacy.keys"

# The example's configuration as it is; only where things are differs here.
walcast=("${WALCAST_BIN:-$root/build/walcast}" --config "$example/walcast.properties"
  --set "database.port=$port" --set "kafka.bootstrap.servers=$bootstrap"
  --set "elasticsearch.url=$es_url" --set "privacy.keys.file=$demo/privacy.keys"
  --set "state.dir=$demo/state" --set "http.port=$http_port"
  --set "elasticsearch.bulk.flush.interval.ms=500" --set "checkpoint.interval.ms=500")
export WALCAST_DATABASE_PASSWORD=postgres

echo "== walcast generate-user-profiles (2000 users, made locally from a seed)"
"${walcast[@]}" generate-user-profiles --count 2000 --seed 1

echo "== walcast run (log -> $demo/walcast.log)"
"${walcast[@]}" run 2>"$demo/walcast.log" &
walcast_pid=$!
for _ in $(seq 1 300); do
  grep -q "streaming started" "$demo/walcast.log" 2>/dev/null && break
  kill -0 "$walcast_pid" 2>/dev/null || { tail -n 20 "$demo/walcast.log"; exit 1; }
  sleep 0.2
done

echo "== while walcast streams: 1000 users join, 200 move or change email or phone, 100 leave"
"${walcast[@]}" generate-user-profiles --count 1000 --seed 2 --updates 200 --deletes 100

metrics_index=users.metrics.user_profiles
es_count() { # the metric gdpr_users as the search node has it
  curl -s -XPOST "$es_url/$metrics_index/_refresh" >/dev/null
  curl -s -XPOST -H 'Content-Type: application/json' "$es_url/$metrics_index/_search" \
    -d '{"size":1,"query":{"term":{"metric":"gdpr_users"}},"_source":["value"]}' |
    python3 -c 'import json,sys; h=json.load(sys.stdin)["hits"]["hits"]; print(int(h[0]["_source"]["value"]) if h else -1)'
}
users=$(psql_ -c "SELECT count(*) FROM public.user_profiles")
for _ in $(seq 1 300); do
  [[ "$(es_count)" == "$users" ]] && break
  sleep 0.2
done
echo "   $users users in the table; the metric gdpr_users says $(es_count)"

topic=users.public.user_profiles
"$root/scripts/kafka.sh" consume "$kafkadir" "$topic" 1 | tail -n 1 | cut -f2- >"$demo/record.json"
echo "== one record of the Kafka topic $topic, as consumers get it (payload.after.profile)"
python3 - "$demo/record.json" <<'PY'
import json, sys
v = json.load(open(sys.argv[1]))
after = (v.get("payload") or v)["after"]
print(json.dumps(json.loads(after["profile"]), indent=1)[:1500])
PY
echo "== the same record through walcast privacy decrypt (key ring and per-user keys)"
"${walcast[@]}" privacy decrypt --input "$demo/record.json" >"$demo/record.decrypted.json"
python3 - "$demo/record.decrypted.json" <<'PY'
import json, sys
v = json.load(open(sys.argv[1]))
p = json.loads((v.get("payload") or v)["after"]["profile"])
for path in (("name", "full"), ("location", "full"), ("email",), ("phone",), ("cell",)):
    node = p
    for k in path:
        node = node[k]
    print(f'  {".".join(path):14} {node}')
PY

echo "== the dashboard's metrics in $metrics_index beside SQL over public.user_profiles"
curl -s -XPOST "$es_url/$metrics_index/_refresh" >/dev/null
compare() { # metric id, jq-like key list to show
  local id=$1 sql
  sql=$(psql_ -F $'\t' -f "$example/sql/$id.sql" | awk -F'\t' '{print $2 "\t" $3}' | sort)
  curl -s -XPOST -H 'Content-Type: application/json' "$es_url/$metrics_index/_search" \
    -d "{\"size\":1000,\"query\":{\"term\":{\"metric\":\"$id\"}},\"_source\":[\"keys\",\"value\",\"count\"]}" |
    python3 -c '
import json, sys
sql = {}
for line in sys.argv[2].splitlines():
    keys, value = line.split("\t")
    sql[json.dumps(json.loads(keys), sort_keys=True)] = float(value)
rows = []
for h in json.load(sys.stdin)["hits"]["hits"]:
    s = h["_source"]
    if s.get("count", 1) <= 0:
        continue
    k = json.dumps(s.get("keys") or {}, sort_keys=True)
    rows.append((k, float(s["value"]), sql.get(k)))
rows.sort(key=lambda r: -r[1])
same = all(r[2] is not None and abs(r[1] - r[2]) < 1e-6 for r in rows) and len(rows) == len(sql)
print(f"  {sys.argv[1]}: {len(rows)} documents, " + ("all equal to SQL" if same else "DIFFERENT from SQL"))
for k, v, s in rows[:5]:
    print(f"    {k:60} walcast {v:10.2f}   SQL {s if s is None else round(s, 2)}")
sys.exit(0 if same else 1)
' "$id" "$sql"
}
status=0
for id in gdpr_users gdpr_users_by_nationality gdpr_average_age gdpr_top_email_domains gdpr_users_by_gender_country; do
  compare "$id" || status=1
done

echo "== walcast privacy report (the record of processing, from the configuration)"
"${walcast[@]}" privacy report

# forget needs the state to itself: stop the pipeline first.
kill -TERM "$walcast_pid"
wait "$walcast_pid" || true
walcast_pid=""
subject=$(python3 -c 'import json,sys; v=json.load(open(sys.argv[1])); print(json.loads((v.get("payload") or v)["after"]["profile"])["login"]["uuid"])' "$demo/record.json")
echo "== walcast privacy forget --subject $subject (that user's data key is destroyed)"
"${walcast[@]}" privacy forget --subject "$subject"
echo "== the same Kafka record through privacy decrypt again"
if "${walcast[@]}" privacy decrypt --input "$demo/record.json" >/dev/null 2>"$demo/decrypt.err"; then
  echo "   it still decrypted: forget did not work" >&2
  status=1
else
  echo "   it no longer decrypts (exit status 1), as intended:"
  head -n 3 "$demo/decrypt.err" | sed 's/^/   /'
fi

cat <<INFO

Where to look:
  config:         $example/walcast.properties (+ the overrides in this script)
  walcast log:    $demo/walcast.log
  Kafka:          bootstrap $bootstrap; topic $topic
                  scripts/kafka.sh consume $kafkadir $topic 10
  search node:    $es_url  (indices users.public.user_profiles, $metrics_index;
                  import $example/kibana.ndjson into Kibana / OpenSearch Dashboards)
  PostgreSQL:     psql -h 127.0.0.1 -p $port -U postgres users  (password: postgres)
  the SQL behind each metric: $example/sql/
INFO
if ((keep)); then
  echo "  stop Kafka with: scripts/kafka.sh stop $kafkadir"
  echo "  stop the search node with: scripts/elasticsearch.sh destroy $esdir"
  echo "  stop PostgreSQL with: scripts/pg_cluster.sh stop $pgdir"
fi
exit "$status"
