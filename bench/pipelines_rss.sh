#!/usr/bin/env bash
# Resident memory of idle pipelines (docs/pipelines.md): walcast running one
# connector config, then six, against empty databases with sinks=kafka.
#
#   bench/pipelines_rss.sh [IDLE_SECONDS]
#       IDLE_SECONDS  default 10: how long walcast idles once every pipeline
#                     streams before its memory is read
#   WALCAST_BASELINE_BIN=/path/to/older/walcast bench/pipelines_rss.sh
#       also measures that build, in the same run and against the same
#       servers (e.g. one without shared Kafka producers)
#   PIPELINES_SINK=elasticsearch bench/pipelines_rss.sh
#       sinks=elasticsearch against a throwaway search node
#       (scripts/elasticsearch.sh) instead of sinks=kafka and a broker; the
#       figures then also count the Elasticsearch sending threads (es_threads)
#
# Starts a throwaway PostgreSQL 15 and Kafka broker (set WALCAST_JARS_DIR to
# reuse downloaded jars), creates six databases db0..db5 with one empty
# table each, and runs walcast twice: with db0's connector config alone
# (the baseline: today's single pipeline) and with all six. Each run waits
# until every pipeline logged "streaming started", idles, reads VmRSS,
# VmHWM and the thread count from /proc, then stops walcast with SIGTERM
# (slot.drop.on.stop: the next run creates its slots afresh).
# Figures: rss_kb, hwm_kb and threads per run, and the extra resident memory
# per added pipeline; with a baseline, each line names its build (build=).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
idle_seconds=${1:-10}
# shellcheck source=lib.sh
source "$root/bench/lib.sh"
bench_start
sink=${PIPELINES_SINK:-kafka}
if [[ $sink == elasticsearch ]]; then
  es_url=$("$root/scripts/elasticsearch.sh" start "$work/es" | sed -n 's/^url=//p')
  sink_settings="sinks=elasticsearch
elasticsearch.url=$es_url"
else
  bench_kafka_start
  sink_settings="sinks=kafka
kafka.bootstrap.servers=$bootstrap"
fi

for i in 0 1 2 3 4 5; do
  psql -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -c "CREATE DATABASE db$i"
  psql -X -q -h 127.0.0.1 -p "$port" -U postgres -d "db$i" -c "CREATE TABLE t(id int PRIMARY KEY)"
  cat >"$work/db$i.json" <<JSON
{"name": "db$i", "config": {
  "connector.class": "io.debezium.connector.postgresql.PostgresConnector",
  "database.hostname": "127.0.0.1", "database.port": "$port", "database.dbname": "db$i",
  "slot.name": "slot_db$i", "publication.name": "pub_db$i", "topic.prefix": "db$i",
  "table.include.list": "public\\\\.t"}}
JSON
done

# run_idle N [BINARY LABEL]: runs walcast (or BINARY) with the first N
# connector configs; prints its figures and sets rss_<LABEL>_<N>.
run_idle() {
  local n=$1 bin=${2:-$walcast} label=${3:-branch} args=() i pid
  for ((i = 0; i < n; i++)); do args+=(--config "$work/db$i.json"); done
  cat >"$work/worker-$n.properties" <<PROPS
database.user=postgres
$sink_settings
state.dir=$work/state-$label-$n
slot.drop.on.stop=true
PROPS
  "$bin" "${args[@]}" --config "$work/worker-$n.properties" run 2>"$work/walcast-$n.err" &
  pid=$!
  bench_pids+=("$pid")
  for ((i = 0; i < 600; i++)); do
    [[ $(grep -c 'streaming started' "$work/walcast-$n.err" || true) -ge $n ]] && break
    kill -0 "$pid" 2>/dev/null || { cat "$work/walcast-$n.err" >&2; exit 1; }
    sleep 0.1
  done
  sleep "$idle_seconds"
  rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status")
  hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status")
  threads=$(awk '/^Threads:/ {print $2}' "/proc/$pid/status")
  es_threads=$(cat /proc/"$pid"/task/*/comm 2>/dev/null | grep -c '^es:bulk' || true)
  kill -TERM "$pid"
  wait "$pid"
  eval "rss_${label}_$n=$rss"
  printf 'build=%s sink=%s pipelines=%s rss_kb=%s hwm_kb=%s threads=%s es_threads=%s\n' \
    "$label" "$sink" "$n" "$rss" "$hwm" "$threads" "$es_threads"
}

# summary LABEL: the cost of each added pipeline in that build.
summary() {
  local one six
  one=$(eval "echo \$rss_${1}_1")
  six=$(eval "echo \$rss_${1}_6")
  printf 'build=%s extra_rss_kb_per_pipeline=%.0f six_over_one=%.2f\n' "$1" \
    "$(echo "($six - $one) / 5" | bc -l)" "$(echo "$six / $one" | bc -l)"
}

labels=(branch)
if [[ -n "${WALCAST_BASELINE_BIN:-}" ]]; then
  labels=(baseline branch)
  run_idle 1 "$WALCAST_BASELINE_BIN" baseline
  run_idle 6 "$WALCAST_BASELINE_BIN" baseline
fi
run_idle 1
run_idle 6
for label in "${labels[@]}"; do summary "$label"; done
