#!/usr/bin/env bash
# What exactly.once=true costs: walcast from the slot to Kafka with the
# default at-least-once delivery (the baseline) and with Kafka transactions,
# on identical slot contents, in one run.
#
#   bench/kafka_exactly_once.sh [ROWS] [INTERVALS_MS]
#       ROWS          default 200000 MOSIP-like profile rows in 10-row transactions
#       INTERVALS_MS  default "100 1000": exactly.once.commit.interval.ms values
#
# Starts a throwaway PostgreSQL 15 and Kafka broker (set WALCAST_JARS_DIR to
# reuse downloaded jars), creates one slot per run at the same LSN, loads the
# rows, then runs walcast once per slot with stop.at.lsn at the end of the load
# (it stops when everything is confirmed) and prints key=value figures:
# seconds, rows/s, peak RSS, and each run's rows/s relative to at-least-once.
# The at-least-once baseline runs first and last (the broker warms up over the
# first run); ratios are against the faster of the two.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
rows=${1:-200000}
intervals=${2:-"100 1000"}
# shellcheck source=lib.sh
source "$root/bench/lib.sh"
bench_start
bootstrap=$("$root/scripts/kafka.sh" start "$work/kafka" | sed -n 's/^bootstrap=//p')

runs=(at_least_once)
for ms in $intervals; do runs+=("exactly_once_$ms"); done
runs+=(at_least_once_last)
for r in "${runs[@]}"; do
  psql_ -c "SELECT pg_create_logical_replication_slot('$r', 'pgoutput')" >/dev/null
done
psql_ -c "DO \$\$ BEGIN FOR b IN 0..$((rows / 10 - 1)) LOOP
  INSERT INTO idrepo.anonymous_profile SELECT 'p-' || i, $bench_profile_sql, 'bench', now()
    FROM generate_series(b * 10, b * 10 + 9) i; COMMIT; END LOOP; END \$\$"
end=$(psql_ -c "SELECT pg_current_wal_lsn()")
echo "rows=$rows transactions=$((rows / 10)) end_lsn=$end"

for r in "${runs[@]}"; do
  extra=()
  if [[ $r == exactly_once_* ]]; then
    extra=(--set exactly.once=true --set exactly.once.commit.interval.ms="${r#exactly_once_}")
  fi
  start=$(date +%s.%N)
  rss=$(/usr/bin/time -f "%M" "$walcast" --set database.hostname=127.0.0.1 --set database.port="$port" \
    --set database.dbname=bench --set slot.name="$r" --set publication.name=bench_pub \
    --set publication.autocreate.mode=disabled --set table.include.list='idrepo\.anonymous_profile' \
    --set snapshot.mode=never --set state.dir="$work/state" --set sinks=kafka \
    --set kafka.bootstrap.servers="$bootstrap" --set topic.prefix="$r" \
    --set status.update.interval.ms=1000 --set stop.at.lsn="$end" --set log.level=warn \
    "${extra[@]}" run 2>&1 >/dev/null | tail -n 1)
  stop=$(date +%s.%N)
  secs=$(echo "$stop - $start" | bc)
  eval "secs_$r=$secs"
  printf 'run=%s seconds=%.3f rows_per_s=%.0f peak_rss_kb=%s\n' "$r" "$secs" \
    "$(echo "$rows / $secs" | bc -l)" "$rss"
done
baseline=$(echo "if ($secs_at_least_once < $secs_at_least_once_last) $secs_at_least_once else $secs_at_least_once_last" | bc -l)
for ms in $intervals; do
  printf 'run=exactly_once_%s throughput_vs_at_least_once=%.2f\n' "$ms" \
    "$(echo "$baseline / $(eval echo "\$secs_exactly_once_$ms")" | bc -l)"
done
