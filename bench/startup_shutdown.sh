#!/usr/bin/env bash
# Start-up and shutdown time of walcast against Debezium's (Kafka Connect
# standalone) in the same run (docs/operations.md).
#
#   bench/startup_shutdown.sh [RUNS]
#       RUNS  default 5: walcast start/stop cycles (the median is reported)
#   WALCAST_BASELINE_BIN=OLD bench/startup_shutdown.sh [RUNS]
#       also times another walcast binary (e.g. one built from an earlier
#       commit), alternating with this one run by run, so both see the same
#       machine load; its medians are reported as baseline_*.
#   WALCAST_SKIP_DEBEZIUM=1 leaves Debezium out (walcast's figures only).
#
# Starts a throwaway PostgreSQL 15 and Kafka broker (set WALCAST_JARS_DIR to
# reuse downloaded jars), creates the slot once (the measured starts find an
# existing slot and a completed snapshot record, as a restart does), then:
#   start:    from exec to the log line "streaming started" (its own
#             millisecond timestamp), sinks=kafka, with the HTTP endpoint on;
#   shutdown: from SIGTERM, with nothing in flight, to the process's exit.
# Debezium: from launching the Connect worker to its connector task running
# (scripts/debezium.sh start returns then), and from `debezium.sh stop` to the
# worker's exit; once each (a JVM start takes seconds).
# Figures: start_ms and stop_ms per run, their medians, and the ratios.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-5}
rows=10
# shellcheck source=lib.sh
source "$root/bench/lib.sh"
bench_start
bench_kafka_start
bench_load bench_walcast

cat >"$work/walcast.properties" <<PROPS
database.hostname=127.0.0.1
database.port=$port
database.user=postgres
database.dbname=bench
slot.name=bench_walcast
publication.name=bench_pub
publication.autocreate.mode=disabled
table.include.list=idrepo\\.anonymous_profile
snapshot.mode=no_data
sinks=kafka
kafka.bootstrap.servers=$bootstrap
state.dir=$work/state
http.port=$((20000 + RANDOM % 20000))
PROPS

now_ms() { date +%s%3N; }
# The epoch milliseconds of the first log line containing $2 in file $1.
log_ms() {
  local stamp
  stamp=$(grep -m1 "$2" "$1" | cut -d' ' -f1)
  date -d "$stamp" +%s%3N
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

# One start/stop cycle of binary $1 (run $2): sets start_ms and stop_ms.
cycle() {
  local bin=$1 r=$2 t0 t1 pid i
  t0=$(now_ms)
  "$bin" --config "$work/walcast.properties" run 2>"$work/walcast-$r.err" &
  pid=$!
  bench_pids+=("$pid")
  for ((i = 0; i < 300; i++)); do
    grep -qs 'streaming started' "$work/walcast-$r.err" && break
    kill -0 "$pid" 2>/dev/null || { cat "$work/walcast-$r.err" >&2; exit 1; }
    sleep 0.02
  done
  start_ms=$(($(log_ms "$work/walcast-$r.err" 'streaming started') - t0))
  sleep 1  # idle: nothing in flight
  t1=$(now_ms)
  kill -TERM "$pid"
  wait "$pid"
  stop_ms=$(($(now_ms) - t1))
}

starts=() stops=() base_starts=() base_stops=()
for ((r = 0; r <= runs; r++)); do
  cycle "$walcast" "$r"
  # Run 0 creates the state (the first start of a slot); it is not counted.
  if ((r > 0)); then
    starts+=("$start_ms") stops+=("$stop_ms")
    printf 'run=walcast cycle=%d start_ms=%d stop_ms=%d\n' "$r" "$start_ms" "$stop_ms"
  fi
  if [[ -n "${WALCAST_BASELINE_BIN:-}" ]]; then
    cycle "$WALCAST_BASELINE_BIN" "base-$r"
    if ((r > 0)); then
      base_starts+=("$start_ms") base_stops+=("$stop_ms")
      printf 'run=baseline cycle=%d start_ms=%d stop_ms=%d\n' "$r" "$start_ms" "$stop_ms"
    fi
  fi
done
walcast_start=$(printf '%s\n' "${starts[@]}" | median)
walcast_stop=$(printf '%s\n' "${stops[@]}" | median)
if [[ -n "${WALCAST_BASELINE_BIN:-}" ]]; then
  printf 'median baseline_start_ms=%s baseline_stop_ms=%s walcast_start_ms=%s walcast_stop_ms=%s\n' \
    "$(printf '%s\n' "${base_starts[@]}" | median)" "$(printf '%s\n' "${base_stops[@]}" | median)" \
    "$walcast_start" "$walcast_stop"
fi
if [[ -n "${WALCAST_SKIP_DEBEZIUM:-}" ]]; then
  printf 'median walcast_start_ms=%s walcast_stop_ms=%s\n' "$walcast_start" "$walcast_stop"
  exit 0
fi

bench_debezium bench_dbz initial >/dev/null
t2=$(now_ms)
"$root/scripts/debezium.sh" start "$work/connect" --bootstrap "$bootstrap" \
  --connector "$work/dbz.properties" >/dev/null
dbz_start=$(($(now_ms) - t2))
t3=$(now_ms)
"$root/scripts/debezium.sh" stop "$work/connect" >/dev/null
dbz_stop=$(($(now_ms) - t3))

printf 'run=debezium start_ms=%d stop_ms=%d\n' "$dbz_start" "$dbz_stop"
printf 'median walcast_start_ms=%s walcast_stop_ms=%s\n' "$walcast_start" "$walcast_stop"
printf 'ratio start debezium/walcast=%.1f stop debezium/walcast=%.1f\n' \
  "$(echo "$dbz_start / $walcast_start" | bc -l)" "$(echo "$dbz_stop / $walcast_stop" | bc -l)"
