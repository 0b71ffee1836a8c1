#!/usr/bin/env bash
# Streaming to Elasticsearch (issue #5's benchmark): MOSIP-like profiles
# through PostgreSQL -> walcast -> Elasticsearch/OpenSearch, raw documents
# and the MOSIP metrics in one run, against pg_recvlogical's decode rate on
# identical slot contents (the baseline).
#
#   bench/es_streaming.sh [ROWS]
#       ROWS  default 1000000 profile rows in 10-row transactions
#   ES_CONCURRENCY=N ES_BATCH=N ES_SHARDS=N bench/es_streaming.sh [ROWS]
#       elasticsearch.bulk.concurrency / .bulk.max.actions / .index.shards
#       for every walcast run (default: walcast's defaults); the plain
#       loader below uses the same batch size and shard count
#   ES_SWEEP="1 2 4" bench/es_streaming.sh [ROWS]
#       also runs raw documents only once per concurrency listed (each from
#       a slot of its own), to choose the default by measurement
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
#   loader_a/_b     the node's own limit (run twice, the faster counts): the raw documents walcast wrote,
#                   read back and sent again as plain _bulk index requests
#                   (same _ids, same batch size, gzip-compressed like
#                   walcast's) by ES_LOADER_CONCURRENCY (default 4) curl
#                   processes at once into a fresh index with the same
#                   mapping and shard count; only the sending is timed
# Figures: seconds, rows/s, walcast's peak RSS and CPU seconds, CPU seconds per
# 1M rows of walcast, pg_recvlogical and the search node (during each walcast
# run and each loader run), the bulk requests walcast
# sent (raw and metric) per second, the most requests it had in flight, the
# documents in the node, and the ratios walcast/pg_recvlogical and walcast
# (raw documents only)/bulk_loader.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
rows=${1:-1000000}
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
# shellcheck source=lib.sh
source "$root/bench/lib.sh"
bench_start
es_url=$("$root/scripts/elasticsearch.sh" start "$work/es" | sed -n 's/^url=//p')

sweep=(${ES_SWEEP:-})
bench_load recv walcast raw metrics "${sweep[@]/#/sweep}"
echo "search=${WALCAST_ES_FLAVOUR:-opensearch} url=$es_url"

# 1. pg_recvlogical: the server's decoding rate, nothing downstream.
bench_recvlogical recv

# run_walcast NAME SLOT ARGS...: walcast on SLOT until the end of the load,
# with ARGS choosing the outputs; reports NAME's figures.
count() { curl -s "$es_url/$1/_count" | sed -n 's/.*"count":\([0-9]*\).*/\1/p'; }
run_walcast() {
  local name=$1 slot=$2 seconds raw metric in_flight
  shift 2
  bench_cpu_begin
  bench_timed "$walcast" --set database.hostname=127.0.0.1 \
    --set database.port="$port" --set database.dbname=bench --set slot.name="$slot" \
    --set publication.name=bench_pub --set publication.autocreate.mode=disabled \
    --set table.include.list='idrepo\.anonymous_profile' --set snapshot.mode=never \
    --set state.dir="$work/state" --set topic.prefix="$name" --set elasticsearch.url="$es_url" \
    --set status.update.interval.ms=1000 --set stop.at.lsn="$end" "$@" run \
    >/dev/null 2>"$work/$name.log"
  seconds=$run_seconds
  bench_cpu_end
  raw=$(sed -n 's/.*elasticsearch: stopped bulk_requests=\([0-9]*\).*/\1/p' "$work/$name.log")
  in_flight=$(sed -n 's/.*elasticsearch: stopped .*max_in_flight=\([0-9]*\).*/\1/p' "$work/$name.log")
  metric=$(sed -n 's/.*metrics stopped .*bulk_requests=\([0-9]*\).*/\1/p' "$work/$name.log")
  grep -E "ERROR" "$work/$name.log" >&2 && exit 1
  curl -s -XPOST "$es_url/$name.*/_refresh" >/dev/null
  bench_report "$name" "$seconds" "peak_rss_kb=$run_rss_kb walcast_cpu_s=$run_cpu_s \
cpu_s_per_1m_rows=$(bench_per_m "$run_cpu_s")$cpu_figures raw_bulk_requests=${raw:-0} \
metric_bulk_requests=${metric:-0} max_in_flight=${in_flight:-0} bulk_requests_per_s=$(printf '%.1f' \
"$(echo "(${raw:-0} + ${metric:-0}) / $seconds" | bc -l)") \
raw_documents=$(count "$name.idrepo.anonymous_profile") metric_documents=$(count "$name.metrics.anon_profile")"
}
metrics=(--set metrics.definitions.file="$root/config/metrics/mosip.json")
# The bulk settings of every walcast run (empty: walcast's defaults).
es_settings=()
[[ -n "${ES_CONCURRENCY:-}" ]] && es_settings+=(--set elasticsearch.bulk.concurrency="$ES_CONCURRENCY")
[[ -n "${ES_BATCH:-}" ]] && es_settings+=(--set elasticsearch.bulk.max.actions="$ES_BATCH")
[[ -n "${ES_SHARDS:-}" ]] && es_settings+=(--set elasticsearch.index.shards="$ES_SHARDS")

# bulk_loader NAME SOURCE_INDEX: the node's indexing rate for SOURCE_INDEX's
# documents, sent by plain concurrent _bulk requests (see above) into the
# index NAME.idrepo.anonymous_profile; reports NAME's figures.
bulk_loader() {
  local name=$1 source=$2 target=$1.idrepo.anonymous_profile start seconds
  rm -rf "$work/loader"
  mkdir -p "$work/loader"
  # The documents, read back with a scroll, as gzipped _bulk bodies.
  python3 - "$es_url" "$source" "$work/loader" "${ES_BATCH:-1000}" <<'PY'
import gzip, json, sys, urllib.request
url, index, out, batch = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
def call(path, body):
    req = urllib.request.Request(url + path, json.dumps(body).encode(),
                                 {"Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(req))
page = call("/" + index + "/_search?scroll=1m", {"size": batch, "sort": ["_doc"]})
n = 0
while page["hits"]["hits"]:
    lines = []
    for hit in page["hits"]["hits"]:
        lines.append(json.dumps({"index": {"_id": hit["_id"]}}))
        lines.append(json.dumps(hit["_source"], separators=(",", ":")))
    with gzip.open("%s/%06d.ndjson.gz" % (out, n), "wt", compresslevel=1) as f:
        f.write("\n".join(lines) + "\n")
    n += 1
    page = call("/_search/scroll", {"scroll": "1m", "scroll_id": page["_scroll_id"]})
PY
  # The same mapping and shard count as walcast's index.
  python3 - "$es_url" "$source" "$target" <<'PY'
import json, sys, urllib.request
url, source, target = sys.argv[1:4]
got = json.load(urllib.request.urlopen(url + "/" + source))[source]
shards = got["settings"]["index"]["number_of_shards"]
body = {"settings": {"index": {"number_of_shards": shards, "number_of_replicas": 0}},
        "mappings": got["mappings"]}
req = urllib.request.Request(url + "/" + target, json.dumps(body).encode(),
                             {"Content-Type": "application/json"}, method="PUT")
urllib.request.urlopen(req).read()
PY
  start=$(date +%s.%N)
  bench_cpu_begin
  find "$work/loader" -name '*.ndjson.gz' -print0 |
    xargs -0 -P "${ES_LOADER_CONCURRENCY:-4}" -I{} curl -sf -o /dev/null -XPOST \
      -H 'Content-Type: application/x-ndjson' -H 'Content-Encoding: gzip' \
      --data-binary @{} "$es_url/$target/_bulk?filter_path=errors"
  seconds=$(echo "$(date +%s.%N) - $start" | bc)
  bench_cpu_end
  curl -s -XPOST "$es_url/$target/_refresh" >/dev/null
  bench_report "$name" "$seconds" "concurrency=${ES_LOADER_CONCURRENCY:-4}$cpu_figures \
batch=${ES_BATCH:-1000} documents=$(count "$target")"
}

# 2. walcast with raw documents and metrics (the issue's figure), then each
#    alone to show where the time goes.
run_walcast walcast walcast --set sinks=elasticsearch "${metrics[@]}" "${es_settings[@]}"
run_walcast raw_only raw --set sinks=elasticsearch "${es_settings[@]}"
run_walcast metrics_only metrics --set sinks= "${metrics[@]}" "${es_settings[@]}"
# 3. The node's own limit for the same documents, before and after the
#    sweep (the node warms up and the machine's load changes during the
#    run): the faster of the two is the limit.
bulk_loader loader_a raw_only.idrepo.anonymous_profile
for c in "${sweep[@]}"; do
  run_walcast "raw_c$c" "sweep$c" --set sinks=elasticsearch "${es_settings[@]}" \
    --set elasticsearch.bulk.concurrency="$c"
done
bulk_loader loader_b raw_only.idrepo.anonymous_profile
secs_bulk_loader=$(echo "if ($secs_loader_a < $secs_loader_b) $secs_loader_a else $secs_loader_b" | bc -l)

printf 'ratio_walcast_to_pg_recvlogical=%.3f raw_only=%.3f metrics_only=%.3f\n' \
  "$(echo "$secs_pg_recvlogical / $secs_walcast" | bc -l)" \
  "$(echo "$secs_pg_recvlogical / $secs_raw_only" | bc -l)" \
  "$(echo "$secs_pg_recvlogical / $secs_metrics_only" | bc -l)"
printf 'ratio_raw_only_to_bulk_loader=%.3f\n' "$(echo "$secs_bulk_loader / $secs_raw_only" | bc -l)"
for c in "${sweep[@]}"; do
  printf 'ratio_raw_c%s_to_bulk_loader=%.3f\n' "$c" \
    "$(eval "echo \$secs_bulk_loader / \$secs_raw_c$c" | bc -l)"
done
