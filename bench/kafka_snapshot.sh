#!/usr/bin/env bash
# Initial snapshot to Kafka (issue #4's benchmark): walcast's snapshot of a
# profile table against COPY of the same table into /dev/null (the physical
# limit) and against Debezium's snapshot of it, in one run.
#
#   bench/kafka_snapshot.sh [ROWS]          default 1000000 MOSIP-like profile rows
#
# Starts a throwaway PostgreSQL 15 and Kafka broker (set WALCAST_JARS_DIR to
# reuse downloaded jars), fills idrepo.anonymous_profile (then VACUUM ANALYZE,
# so no reader pays for hint bits), and times, one after the other:
#   copy         COPY idrepo.anonymous_profile TO STDOUT into /dev/null (psql),
#                twice; the faster counts
#   walcast_t1   walcast snapshot.mode=initial_only, sinks=kafka: creates its
#                slot with an exported snapshot, reads the table, stops once
#                every record has a delivery bench_report (acks=all)
#   walcast_t2   the same with snapshot.max.threads=2
#   stdout_t1, stdout_t2
#                the same two with sinks=stdout into /dev/null: walcast's own
#                cost, without the broker (the ≥ 0.4× COPY target)
#   debezium     Debezium's PostgreSQL connector (scripts/versions.env) under
#                Kafka Connect standalone, snapshot.mode=initial_only; timed
#                from the moment its task runs (or its first record, if
#                earlier; JVM start-up excluded) until the topic's end offsets
#                hold ROWS records (build/bench/kafka_probe wait)
# Both tools write Debezium's JSON with schemas to a one-partition topic on
# the same broker with their default producer settings. Figures: seconds,
# rows/s, walcast's peak RSS, ratios walcast/COPY and walcast/Debezium, and
# CPU seconds per 1M rows of each reader (psql for COPY), the Connect JVM and
# the broker while each ran (lib.sh's bench_timed, bench_cpu_begin/end).
#
#   WALCAST_BENCH_RUNS="copy walcast_t1 …"  only these runs (default: all);
#                           ratios are printed for the runs made
#   WALCAST_BENCH_PERF=DIR  records each walcast run with `perf record -g`
#                           into DIR/NAME.data (the CPU figures then include
#                           perf's own overhead in walcast's process)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
rows=${1:-1000000}
# shellcheck source=lib.sh
source "$root/bench/lib.sh"
runs=" ${WALCAST_BENCH_RUNS:-copy walcast_t1 walcast_t2 stdout_t1 stdout_t2 debezium} "
want() { [[ $runs == *" $1 "* ]]; }
bench_start
bench_kafka_start

t0=$(date +%s.%N)
psql_ -c "INSERT INTO idrepo.anonymous_profile SELECT 'p-' || i, $bench_profile_sql, 'bench', now()
  FROM generate_series(0, $((rows - 1))) i"
psql_ -c "VACUUM ANALYZE idrepo.anonymous_profile"
t1=$(date +%s.%N)
printf 'rows=%s table_mb=%s load_seconds=%.1f\n' "$rows" \
  "$(psql_ -c "SELECT pg_total_relation_size('idrepo.anonymous_profile') / 1048576")" \
  "$(echo "$t1 - $t0" | bc)"

# 1. COPY into /dev/null, twice.
if want copy; then
  for i in 1 2; do
    bench_timed psql -X -q -tA -h 127.0.0.1 -p "$port" -U postgres -d bench \
      -c "COPY idrepo.anonymous_profile TO STDOUT" >/dev/null
    bench_report "copy_$i" "$run_seconds" \
      "psql_cpu_s_per_1m_rows=$(bench_per_m "$run_cpu_s")"
  done
  secs_copy=$(echo "if ($secs_copy_1 < $secs_copy_2) $secs_copy_1 else $secs_copy_2" | bc -l)
fi

# 2. walcast, one and two snapshot threads, to Kafka and to stdout.
for sink in kafka stdout; do
  for threads in 1 2; do
    name=$([[ $sink == kafka ]] && echo "walcast_t$threads" || echo "stdout_t$threads")
    want "$name" || continue
    wrap=()
    [[ -n "${WALCAST_BENCH_PERF:-}" ]] &&
      wrap=(perf record -g -q -o "$WALCAST_BENCH_PERF/$name.data" --)
    bench_cpu_begin
    bench_timed "${wrap[@]}" "$walcast" --set database.hostname=127.0.0.1 \
      --set database.port="$port" --set database.dbname=bench --set slot.name="snap_$name" \
      --set publication.name=bench_pub --set publication.autocreate.mode=disabled \
      --set table.include.list='idrepo\.anonymous_profile' --set snapshot.mode=initial_only \
      --set snapshot.max.threads="$threads" --set state.dir="$work/state" --set sinks="$sink" \
      --set kafka.bootstrap.servers="$bootstrap" --set topic.prefix="wc_$name" \
      --set log.level=warn run >/dev/null 2>"$work/$name.log"
    bench_cpu_end
    [[ $run_status == 0 ]] || { cat "$work/$name.log" >&2; exit 1; }
    bench_report "$name" "$run_seconds" \
      "peak_rss_kb=$run_rss_kb cpu_s_per_1m_rows=$(bench_per_m "$run_cpu_s")$cpu_figures"
    # The slot has served its purpose; it would only hold WAL.
    psql_ -c "SELECT pg_drop_replication_slot('snap_$name')" >/dev/null
  done
done

# 3. Debezium.
if want debezium; then
  bench_debezium dbz_snap initial_only
  bench_report debezium "$dbz_seconds" \
    "jvm_start_to_task_running_s=$(printf '%.1f' "$dbz_startup_seconds") first_to_last_record_s=$(printf '%.1f' "$dbz_first_to_last_seconds")$dbz_cpu_figures"
fi

for name in walcast_t1 walcast_t2 stdout_t1 stdout_t2; do
  want "$name" || continue
  secs=$(eval echo "\$secs_$name")
  line=$name
  want copy && line+=$(printf ' ratio_to_copy=%.2f' "$(echo "$secs_copy / $secs" | bc -l)")
  [[ $name == walcast_* ]] && want debezium &&
    line+=$(printf ' ratio_to_debezium=%.2f' "$(echo "$secs_debezium / $secs" | bc -l)")
  echo "$line"
done
