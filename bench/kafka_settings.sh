#!/usr/bin/env bash
# What each Kafka producer setting a user may change costs: walcast streams
# the same slot contents to Kafka once per variant, and each run prints its
# rows/s and the user+system CPU seconds per 1M rows of walcast and of the
# broker, beside pg_recvlogical's decoding of the same WAL (the baseline).
#
#   bench/kafka_settings.sh [ROWS] [VARIANT...]
#       ROWS     default 300000 MOSIP-like profile rows in 10-row transactions
#       VARIANT  NAME or NAME:key=value,key=value (walcast settings, e.g.
#                lz4:kafka.compression.type=lz4); default: defaults,
#                linger0:kafka.linger.ms=0, linger20:kafka.linger.ms=20,
#                lz4:kafka.compression.type=lz4, zstd:kafka.compression.type=zstd
#   WALCAST_BENCH_PERF=DIR  records each walcast run with `perf record -g`
#                           into DIR/NAME.data (the CPU figures then include
#                           perf's own overhead in walcast's process)
#
# Starts a throwaway PostgreSQL 15 and Kafka broker (set WALCAST_JARS_DIR to
# reuse downloaded jars), creates one pgoutput slot per variant at the same
# LSN, loads the rows once and reads them one variant after the other, each
# into its own one-partition topic, until every record is acknowledged
# (stop.at.lsn). Rows/s moves with whatever else runs on the machine; the
# CPU per row of walcast is the steadier figure.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
rows=${1:-300000}
shift || true
variants=("$@")
((${#variants[@]})) || variants=(defaults linger0:kafka.linger.ms=0 linger20:kafka.linger.ms=20
  lz4:kafka.compression.type=lz4 zstd:kafka.compression.type=zstd)
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
# shellcheck source=lib.sh
source "$root/bench/lib.sh"
bench_start
bench_kafka_start

slots=(recv)
for v in "${variants[@]}"; do slots+=("v_${v%%:*}"); done
bench_load "${slots[@]}"

bench_recvlogical recv

for v in "${variants[@]}"; do
  name=${v%%:*}
  settings=()
  if [[ $v == *:* ]]; then
    IFS=, read -r -a kvs <<<"${v#*:}"
    for kv in "${kvs[@]}"; do settings+=(--set "$kv"); done
  fi
  wrap=()
  [[ -n "${WALCAST_BENCH_PERF:-}" ]] &&
    wrap=(perf record -g -q -o "$WALCAST_BENCH_PERF/$name.data" --)
  bench_cpu_begin
  bench_timed "${wrap[@]}" "$walcast" --set database.hostname=127.0.0.1 --set database.port="$port" \
    --set database.dbname=bench --set slot.name="v_$name" --set publication.name=bench_pub \
    --set publication.autocreate.mode=disabled --set table.include.list='idrepo\.anonymous_profile' \
    --set snapshot.mode=never --set state.dir="$work/state" --set sinks=kafka \
    --set kafka.bootstrap.servers="$bootstrap" --set topic.prefix="$name" \
    --set status.update.interval.ms=1000 --set stop.at.lsn="$end" --set log.level=warn \
    "${settings[@]}" run >/dev/null 2>"$work/$name.log"
  bench_cpu_end
  [[ $run_status == 0 ]] || { cat "$work/$name.log" >&2; exit 1; }
  bench_report "$name" "$run_seconds" \
    "settings=$([[ $v == *:* ]] && echo "${v#*:}" || echo default) peak_rss_kb=$run_rss_kb cpu_s_per_1m_rows=$(bench_per_m "$run_cpu_s") \
cpu_ratio_to_pg_recvlogical=$(printf '%.2f' "$(echo "$run_cpu_s / $cpu_recv" | bc -l)")$cpu_figures"
done
