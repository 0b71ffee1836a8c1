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
# rows/s, walcast's peak RSS and CPU seconds (user+system) per 1M rows, the
# broker's CPU seconds per 1M rows while walcast ran (/proc/PID/stat), ratios
# walcast/COPY and walcast/Debezium.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
rows=${1:-1000000}
# shellcheck source=lib.sh
source "$root/bench/lib.sh"
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
for i in 1 2; do
  start=$(date +%s.%N)
  psql_ -c "COPY idrepo.anonymous_profile TO STDOUT" >/dev/null
  bench_report "copy_$i" "$(echo "$(date +%s.%N) - $start" | bc)"
done
secs_copy=$(echo "if ($secs_copy_1 < $secs_copy_2) $secs_copy_1 else $secs_copy_2" | bc -l)

# CPU seconds (user+system) PID has used so far (fields 14 and 15 of
# /proc/PID/stat, counted after the command name, which may hold spaces).
snap_cpu_s() {
  awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.2f\n", ($12 + $13) / hz }' \
    "/proc/$1/stat"
}

# 2. walcast, one and two snapshot threads, to Kafka and to stdout.
for sink in kafka stdout; do
  for threads in 1 2; do
    name=$([[ $sink == kafka ]] && echo "walcast_t$threads" || echo "stdout_t$threads")
    broker_before=$(snap_cpu_s "$(cat "$work/kafka/pid")")
    start=$(date +%s.%N)
    /usr/bin/time -f "%U %S %M" -o "$work/time" "$walcast" --set database.hostname=127.0.0.1 \
      --set database.port="$port" --set database.dbname=bench --set slot.name="snap_$name" \
      --set publication.name=bench_pub --set publication.autocreate.mode=disabled \
      --set table.include.list='idrepo\.anonymous_profile' --set snapshot.mode=initial_only \
      --set snapshot.max.threads="$threads" --set state.dir="$work/state" --set sinks="$sink" \
      --set kafka.bootstrap.servers="$bootstrap" --set topic.prefix="wc_$name" \
      --set log.level=warn run >/dev/null
    secs=$(echo "$(date +%s.%N) - $start" | bc)
    read -r user sys rss <"$work/time"
    broker=$(echo "$(snap_cpu_s "$(cat "$work/kafka/pid")") - $broker_before" | bc)
    bench_report "$name" "$secs" "peak_rss_kb=$rss $(printf \
      'cpu_s_per_1m_rows=%.2f broker_cpu_s_per_1m_rows=%.2f' \
      "$(echo "($user + $sys) * 1000000 / $rows" | bc -l)" "$(echo "$broker * 1000000 / $rows" | bc -l)")"
    # The slot has served its purpose; it would only hold WAL.
    psql_ -c "SELECT pg_drop_replication_slot('snap_$name')" >/dev/null
  done
done

# 3. Debezium.
bench_debezium dbz_snap initial_only
bench_report debezium "$dbz_seconds" \
  "jvm_start_to_task_running_s=$(printf '%.1f' "$dbz_startup_seconds") first_to_last_record_s=$(printf '%.1f' "$dbz_first_to_last_seconds")"

for t in 1 2; do
  printf 'walcast_t%s ratio_to_copy=%.2f ratio_to_debezium=%.2f\n' "$t" \
    "$(echo "$secs_copy / $(eval echo "\$secs_walcast_t$t")" | bc -l)" \
    "$(echo "$secs_debezium / $(eval echo "\$secs_walcast_t$t")" | bc -l)"
  printf 'stdout_t%s ratio_to_copy=%.2f\n' "$t" \
    "$(echo "$secs_copy / $(eval echo "\$secs_stdout_t$t")" | bc -l)"
done
