#!/usr/bin/env bash
# Streaming to Elasticsearch (issue #5's benchmark): MOSIP-like profiles
# through PostgreSQL -> walcast -> Elasticsearch/OpenSearch, raw documents
# and the MOSIP metrics in one run, against pg_recvlogical's decode rate on
# identical slot contents (the baseline).
#
#   bench/es_streaming.sh [ROWS]
#       ROWS  default 1000000 profile rows in 10-row transactions
#
# Starts a throwaway PostgreSQL 15 and a search node (scripts/elasticsearch.sh;
# WALCAST_ES_FLAVOUR picks es7, es8 or opensearch, the default; set
# WALCAST_JARS_DIR to reuse downloaded jars), creates two pgoutput slots at
# the same LSN, loads the rows, then reads them one consumer after the other
# (walcast three times: the full configuration, then raw documents only and
# metrics only, each from its own slot and into its own indices):
#   pg_recvlogical  proto_version=1 to /dev/null, --endpos at the end of the
#                   load (decoding only)
#   walcast         sinks=elasticsearch plus metrics.definitions.file=
#                   config/metrics/mosip.json, stop.at.lsn at the end of the
#                   load: it stops once every raw document and every metric
#                   document is acknowledged by the node and the metric state
#                   is committed
# Figures: seconds, rows/s, walcast's peak RSS and CPU seconds, the bulk requests walcast
# sent (raw and metric) per second, the documents in the node, and the ratio
# walcast/pg_recvlogical.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
rows=${1:-1000000}
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
# shellcheck source=lib.sh
source "$root/bench/lib.sh"
bench_start
es_url=$("$root/scripts/elasticsearch.sh" start "$work/es" | sed -n 's/^url=//p')

bench_load recv walcast raw metrics
echo "search=${WALCAST_ES_FLAVOUR:-opensearch} url=$es_url"

# 1. pg_recvlogical: the server's decoding rate, nothing downstream.
start=$(date +%s.%N)
"$PG_BIN/pg_recvlogical" -h 127.0.0.1 -p "$port" -U postgres -d bench --slot recv --start \
  --endpos "$end" -o proto_version=1 -o publication_names=bench_pub -f /dev/null
bench_report pg_recvlogical "$(echo "$(date +%s.%N) - $start" | bc)"

# run_walcast NAME SLOT ARGS...: walcast on SLOT until the end of the load,
# with ARGS choosing the outputs; reports NAME's figures.
count() { curl -s "$es_url/$1/_count" | sed -n 's/.*"count":\([0-9]*\).*/\1/p'; }
run_walcast() {
  local name=$1 slot=$2 start seconds raw metric rss user sys
  shift 2
  start=$(date +%s.%N)
  /usr/bin/time -f "%M %U %S" -o "$work/rss" "$walcast" --set database.hostname=127.0.0.1 \
    --set database.port="$port" --set database.dbname=bench --set slot.name="$slot" \
    --set publication.name=bench_pub --set publication.autocreate.mode=disabled \
    --set table.include.list='idrepo\.anonymous_profile' --set snapshot.mode=never \
    --set state.dir="$work/state" --set topic.prefix="$name" --set elasticsearch.url="$es_url" \
    --set status.update.interval.ms=1000 --set stop.at.lsn="$end" "$@" run \
    >/dev/null 2>"$work/$name.log"
  seconds=$(echo "$(date +%s.%N) - $start" | bc)
  raw=$(sed -n 's/.*elasticsearch: stopped bulk_requests=\([0-9]*\).*/\1/p' "$work/$name.log")
  metric=$(sed -n 's/.*metrics stopped .*bulk_requests=\([0-9]*\).*/\1/p' "$work/$name.log")
  grep -E "ERROR" "$work/$name.log" >&2 && exit 1
  curl -s -XPOST "$es_url/$name.*/_refresh" >/dev/null
  read -r rss user sys <"$work/rss"
  bench_report "$name" "$seconds" "peak_rss_kb=$rss walcast_cpu_s=$(echo "$user + $sys" | bc) raw_bulk_requests=${raw:-0} \
metric_bulk_requests=${metric:-0} bulk_requests_per_s=$(printf '%.1f' \
"$(echo "(${raw:-0} + ${metric:-0}) / $seconds" | bc -l)") \
raw_documents=$(count "$name.idrepo.anonymous_profile") metric_documents=$(count "$name.metrics.anon_profile")"
}
metrics=(--set metrics.definitions.file="$root/config/metrics/mosip.json")

# 2. walcast with raw documents and metrics (the issue's figure), then each
#    alone to show where the time goes.
run_walcast walcast walcast --set sinks=elasticsearch "${metrics[@]}"
run_walcast raw_only raw --set sinks=elasticsearch
run_walcast metrics_only metrics --set sinks= "${metrics[@]}"

printf 'ratio_walcast_to_pg_recvlogical=%.3f raw_only=%.3f metrics_only=%.3f\n' \
  "$(echo "$secs_pg_recvlogical / $secs_walcast" | bc -l)" \
  "$(echo "$secs_pg_recvlogical / $secs_raw_only" | bc -l)" \
  "$(echo "$secs_pg_recvlogical / $secs_metrics_only" | bc -l)"
