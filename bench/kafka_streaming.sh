#!/usr/bin/env bash
# Streaming from the slot to Kafka (issue #4's benchmark): pg_recvlogical's
# decode rate (the baseline), walcast end to end and Debezium end to end on
# identical slot contents, in one run; then walcast's commit-to-Kafka latency
# under a steady paced load.
#
#   bench/kafka_streaming.sh [ROWS] [LATENCY_SECONDS] [LATENCY_ROWS_PER_S]
#       ROWS                default 1000000 MOSIP-like profile rows in 10-row transactions
#       LATENCY_SECONDS     default 30 (the first 5 s are warm-up, not measured)
#       LATENCY_ROWS_PER_S  default 5000 (10-row transactions, 500 a second)
#
# Starts a throwaway PostgreSQL 15 and Kafka broker (set WALCAST_JARS_DIR to
# reuse downloaded jars), creates three pgoutput slots at the same LSN, loads
# the rows, then reads them one consumer after the other:
#   pg_recvlogical  proto_version=1 to /dev/null, --endpos at the end of the
#                   load (decoding only: no Kafka)
#   walcast         sinks=kafka, stop.at.lsn at the end of the load: it stops
#                   once every record has a delivery bench_report (acks=all) and the
#                   watermark passed the end
#   debezium        Debezium's PostgreSQL connector (scripts/versions.env) under
#                   Kafka Connect standalone, snapshot.mode=no_data on its slot;
#                   timed from the moment its task runs (or its first record,
#                   if earlier; JVM start-up excluded) until the topic's end
#                   offsets hold ROWS records (build/bench/kafka_probe wait)
# Both write Debezium's JSON with schemas to a one-partition topic on the same
# broker, with their default producer settings. Figures: seconds, rows/s,
# walcast's peak RSS, ratios walcast/pg_recvlogical and walcast/Debezium.
#
# Latency: walcast streams a fresh slot to a topic with
# message.timestamp.type=LogAppendTime while kafka_probe latency commits
# 10-row transactions on a fixed schedule and reads the topic; latency =
# the broker's append time minus the commit timestamp in the record
# (source.ts_us). Prints p50/p90/p99 and walcast's peak RSS (VmHWM) there.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
rows=${1:-1000000}
latency_seconds=${2:-30}
latency_rows_per_s=${3:-5000}
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
# shellcheck source=lib.sh
source "$root/bench/lib.sh"
bench_start
bench_kafka_start

# walcast_args SLOT PREFIX: sets wargs, walcast's options for streaming SLOT
# to Kafka with topic.prefix PREFIX.
walcast_args() {
  local slot=$1 prefix=$2
  wargs=(--set database.hostname=127.0.0.1 --set database.port="$port" \
    --set database.dbname=bench --set slot.name="$slot" --set publication.name=bench_pub \
    --set publication.autocreate.mode=disabled \
    --set table.include.list='idrepo\.anonymous_profile' --set snapshot.mode=never \
    --set state.dir="$work/state" --set sinks=kafka --set kafka.bootstrap.servers="$bootstrap" \
    --set topic.prefix="$prefix" --set status.update.interval.ms=1000)
}

bench_load recv walcast debezium

# 1. pg_recvlogical: the server's decoding rate, nothing downstream.
start=$(date +%s.%N)
"$PG_BIN/pg_recvlogical" -h 127.0.0.1 -p "$port" -U postgres -d bench --slot recv --start \
  --endpos "$end" -o proto_version=1 -o publication_names=bench_pub -f /dev/null
bench_report pg_recvlogical "$(echo "$(date +%s.%N) - $start" | bc)"

# 2. walcast end to end.
start=$(date +%s.%N)
walcast_args walcast wc
rss=$(/usr/bin/time -f "%M" "$walcast" "${wargs[@]}" --set stop.at.lsn="$end" \
  --set log.level=warn run 2>&1 >/dev/null | tail -n 1)
bench_report walcast "$(echo "$(date +%s.%N) - $start" | bc)" "peak_rss_kb=$rss"

# 3. Debezium end to end.
bench_debezium debezium no_data
bench_report debezium "$dbz_seconds" \
  "jvm_start_to_task_running_s=$(printf '%.1f' "$dbz_startup_seconds") first_to_last_record_s=$(printf '%.1f' "$dbz_first_to_last_seconds")"

printf 'ratio_walcast_to_pg_recvlogical=%.2f ratio_walcast_to_debezium=%.2f\n' \
  "$(echo "$secs_pg_recvlogical / $secs_walcast" | bc -l)" \
  "$(echo "$secs_debezium / $secs_walcast" | bc -l)"

# 4. Latency at a steady rate.
psql_ -c "SELECT pg_create_logical_replication_slot('latency', 'pgoutput')" >/dev/null
walcast_args latency lat
"$walcast" "${wargs[@]}" --set log.level=info run >/dev/null 2>"$work/latency.log" &
wpid=$!
bench_pids+=("$wpid")
for _ in $(seq 100); do
  grep -q "streaming started" "$work/latency.log" && break
  sleep 0.1
done
grep -q "streaming started" "$work/latency.log" || { cat "$work/latency.log" >&2; exit 1; }
"$probe" latency --bootstrap "$bootstrap" --topic lat.idrepo.anonymous_profile \
  --pg "host=127.0.0.1 port=$port user=postgres dbname=bench" \
  --insert "INSERT INTO idrepo.anonymous_profile SELECT 'lat-' || i, $bench_profile_sql, 'bench', now()
    FROM generate_series(\$1::int8, \$1::int8 + 9) i" \
  --tx-per-s "$((latency_rows_per_s / 10))" --seconds "$latency_seconds" --warmup-s 5
echo "latency_run walcast_peak_rss_kb=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$wpid/status")"
kill "$wpid"
wait "$wpid" || true
