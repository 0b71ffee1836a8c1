#!/usr/bin/env bash
# Streaming from the slot to Kafka (issue #4's benchmark): pg_recvlogical's
# decode rate (the baseline), walcast end to end and Debezium end to end on
# identical slot contents, in one run; then walcast's commit-to-Kafka latency
# under a steady paced load.
#
#   bench/kafka_streaming.sh [ROWS] [LATENCY_SECONDS] [LATENCY_ROWS_PER_S]
#       ROWS                default 1000000 MOSIP-like profile rows in 10-row transactions
#       LATENCY_SECONDS     default 30 (the first 5 s are warm-up, not measured;
#                           0 leaves the latency part out)
#       LATENCY_ROWS_PER_S  default 5000,20000 (10-row transactions; a comma
#                           list runs each rate in turn)
#   WALCAST_BENCH_SET="k=v …"    extra walcast settings for the streaming run
#                                (e.g. kafka.compression.type=lz4)
#   WALCAST_BENCH_SKIP_DEBEZIUM=1  leaves Debezium out
#
# Starts a throwaway PostgreSQL 15 and Kafka broker (set WALCAST_JARS_DIR to
# reuse downloaded jars), creates three pgoutput slots at the same LSN, loads
# the rows, then reads them one consumer after the other:
#   pg_recvlogical  proto_version=1 to /dev/null, --endpos at the end of the
#                   load (decoding only: no Kafka)
#   walcast         sinks=kafka, stop.at.lsn at the end of the load: it stops
#                   once every record has a delivery report (acks=all) and the
#                   watermark passed the end
#   debezium        Debezium's PostgreSQL connector (scripts/versions.env) under
#                   Kafka Connect standalone, snapshot.mode=no_data on its slot;
#                   timed from the moment its task runs (or its first record,
#                   if earlier; JVM start-up excluded) until the topic's end
#                   offsets hold ROWS records (build/bench/kafka_probe wait)
# Both write Debezium's JSON with schemas to a one-partition topic on the same
# broker, with their default producer settings. Figures: seconds, rows/s,
# walcast's peak RSS, ratios walcast/pg_recvlogical and walcast/Debezium, and
# CPU seconds per 1M rows (user+system) of each consumer and of the broker
# while it ran (bench_timed, bench_cpu_begin/end in lib.sh), with the CPU
# ratios: on shared cores these are steadier than rows/s.
#
# Latency: walcast streams a fresh slot to a topic with
# message.timestamp.type=LogAppendTime while kafka_probe latency commits
# 10-row transactions on a fixed schedule and reads the topic; latency =
# the broker's append time minus the commit timestamp in the record
# (source.ts_us). Prints p50/p90/p99/p99.9/max, walcast's and the broker's
# CPU per 1M rows and walcast's peak RSS (VmHWM) at each rate.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
rows=${1:-1000000}
latency_seconds=${2:-30}
latency_rows_per_s=${3:-5000,20000}
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
bench_recvlogical recv

# 2. walcast end to end. Extra walcast settings (e.g. kafka.compression.type=lz4)
# come from WALCAST_BENCH_SET, space-separated key=value pairs.
walcast_args walcast wc
extra=()
for kv in ${WALCAST_BENCH_SET:-}; do extra+=(--set "$kv"); done
bench_cpu_begin
bench_timed "$walcast" "${wargs[@]}" "${extra[@]}" --set stop.at.lsn="$end" --set log.level=warn \
  run >/dev/null 2>"$work/walcast.log"
bench_cpu_end
[[ $run_status == 0 ]] || { cat "$work/walcast.log" >&2; exit 1; }
cpu_walcast=$run_cpu_s
bench_report walcast "$run_seconds" \
  "peak_rss_kb=$run_rss_kb cpu_s_per_1m_rows=$(bench_per_m "$run_cpu_s")$cpu_figures"
printf 'ratio_walcast_to_pg_recvlogical=%.2f cpu_ratio_walcast_to_pg_recvlogical=%.2f\n' \
  "$(echo "$secs_pg_recvlogical / $secs_walcast" | bc -l)" \
  "$(echo "$cpu_walcast / $cpu_recv" | bc -l)"

# 3. Debezium end to end (WALCAST_BENCH_SKIP_DEBEZIUM=1 leaves it out).
if [[ -z "${WALCAST_BENCH_SKIP_DEBEZIUM:-}" ]]; then
  bench_debezium debezium no_data
  bench_report debezium "$dbz_seconds" \
    "jvm_start_to_task_running_s=$(printf '%.1f' "$dbz_startup_seconds") first_to_last_record_s=$(printf '%.1f' "$dbz_first_to_last_seconds")$dbz_cpu_figures"
  printf 'ratio_walcast_to_debezium=%.2f cpu_ratio_walcast_to_debezium=%.3f\n' \
    "$(echo "$secs_debezium / $secs_walcast" | bc -l)" \
    "$(echo "$cpu_walcast / $cpu_s_connect" | bc -l)"
fi

# 4. Latency at steady rates (LATENCY_SECONDS=0 leaves it out), each on a
# fresh slot and topic with its own walcast.
[[ "$latency_seconds" == 0 ]] && exit 0
for rate in ${latency_rows_per_s//,/ }; do
  psql_ -c "SELECT pg_create_logical_replication_slot('latency_$rate', 'pgoutput')" >/dev/null
  walcast_args "latency_$rate" "lat$rate"
  "$walcast" "${wargs[@]}" --set log.level=info run >/dev/null 2>"$work/latency_$rate.log" &
  wpid=$!
  bench_pids+=("$wpid")
  for _ in $(seq 100); do
    grep -q "streaming started" "$work/latency_$rate.log" && break
    sleep 0.1
  done
  grep -q "streaming started" "$work/latency_$rate.log" || { cat "$work/latency_$rate.log" >&2; exit 1; }
  echo "latency_run rows_per_s=$rate"
  wcpu0=$(bench_cpu_s "$wpid")
  bench_cpu_begin
  "$probe" latency --bootstrap "$bootstrap" --topic "lat$rate.idrepo.anonymous_profile" \
    --pg "host=127.0.0.1 port=$port user=postgres dbname=bench" \
    --insert "INSERT INTO idrepo.anonymous_profile SELECT 'lat$rate-' || i, $bench_profile_sql, 'bench', now()
      FROM generate_series(\$1::int8, \$1::int8 + 9) i" \
    --tx-per-s "$((rate / 10))" --seconds "$latency_seconds" --warmup-s 5
  # CPU per 1M rows at this rate, over every row the run committed. The
  # postgres figure counts only backends that exited meanwhile (autovacuum):
  # the walsender and the loader's backend are still connected.
  rows_saved=$rows
  rows=$((rate * latency_seconds))
  bench_cpu_end
  echo "latency_run rows_per_s=$rate walcast_cpu_s_per_1m_rows=$(bench_per_m \
"$(echo "$(bench_cpu_s "$wpid") - $wcpu0" | bc)")$cpu_figures \
walcast_peak_rss_kb=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$wpid/status")"
  rows=$rows_saved
  kill "$wpid"
  wait "$wpid" || true
  grep -E 'WARN|ERROR' "$work/latency_$rate.log" | head -n 20 >&2 || true
done
