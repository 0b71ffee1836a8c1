#!/usr/bin/env bash
# What the privacy rules cost: the GDPR example pipeline
# (config/examples/gdpr-user-profiles/) streaming to Kafka with its rules on
# and off, on identical slot contents, in one run; then encryption per core
# (build/bench/bench_privacy).
#
#   [USERS=N] bench/privacy_streaming.sh [ROWS] [ROUNDS]
#       ROWS    default 200000 randomuser.me-shaped profiles (~1 KB of JSON each),
#               written by `walcast generate-user-profiles` in 1000-row transactions
#       USERS   default ROWS: every row a new user (the worst case: each row
#               makes a data key). Fewer: USERS inserts, then ROWS - USERS
#               updates of those users (a new phone), 1000 per transaction,
#               cycling through them (e.g. USERS=20000 with 100000 rows:
#               every user updated four times; REPLICA IDENTITY FULL, so each
#               update carries the old profile too)
#       ROUNDS  default 2: the off/on pair runs this many times, alternating, each
#               on a slot of its own created before the load
#
# Starts a throwaway PostgreSQL 15 and Kafka broker (set WALCAST_JARS_DIR to
# reuse downloaded jars). Consumers, one after the other:
#   pg_recvlogical  pgoutput to /dev/null: the server's decoding rate, for scale
#   rules_off       walcast, sinks=kafka, the example's settings with
#                   privacy.rules empty (nothing transformed)
#   rules_on        the same with the example's rules: full name and address
#                   joined, five fields encrypted with one data key per user
#                   (created and kept in the state on first sight), dates
#                   normalised, fourteen fields dropped
# Both stop at the end of the load (stop.at.lsn) once every record is acked
# (acks=all). Figures per run: seconds, rows/s, user+system CPU seconds of
# walcast and CPU microseconds per row, peak RSS; then the cost of the rules
# as the extra CPU per row and the lost rows/s against rules_off (best round
# of each; target: at most 15 %).
#
# THREAD=1: the rules_on runs with privacy.transform.thread=true (the rules on
# a thread of their own beside the reader). THREAD=both: each round runs
# rules_on without and then with the thread (runs on<N> and thread<N>, each
# on a slot of its own), and the summary compares the two as well.
#
# PERF_DIR=DIR: each walcast run under `perf record $PERF_OPTS` (default
# `-F 499 -g`) into DIR/<run>.data (its figures then include perf's own
# overhead).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
rows=${1:-200000}
rounds=${2:-2}
users=${USERS:-$rows}
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
# shellcheck source=lib.sh
source "$root/bench/lib.sh"
bench_start
bench_kafka_start
cd "$root"  # the example's properties name its files relative to the checkout
example="$root/config/examples/gdpr-user-profiles"

printf 'current=bench\nbench=%s\n' "$(head -c 32 /dev/urandom | base64)" >"$work/privacy.keys"
chmod 600 "$work/privacy.keys"
# rules_off: the example's properties without its privacy.* lines.
grep -v '^privacy\.' "$example/walcast.properties" >"$work/rules-off.properties"
common=(--set database.port="$port"
  --set database.dbname=bench --set publication.name=bench_users
  --set publication.autocreate.mode=disabled --set snapshot.mode=never
  --set sinks=kafka --set kafka.bootstrap.servers="$bootstrap"
  --set metrics.definitions.file= --set status.update.interval.ms=1000 --set log.level=warn)
on=(--config "$example/walcast.properties" --set privacy.keys.file="$work/privacy.keys")
[[ "${THREAD:-0}" == 1 ]] && on+=(--set privacy.transform.thread=true)
threaded=("${on[@]}" --set privacy.transform.thread=true)
off=(--config "$work/rules-off.properties")

# The table (empty), its publication and every slot, all before the load.
"$walcast" "${off[@]}" "${common[@]}" generate-user-profiles --count 0 >/dev/null
psql_ -c "CREATE PUBLICATION bench_users FOR TABLE public.user_profiles"
slots=(recv)
for r in $(seq "$rounds"); do
  slots+=("off$r" "on$r")
  [[ "${THREAD:-0}" == both ]] && slots+=("thread$r")
done
for s in "${slots[@]}"; do
  psql_ -c "SELECT pg_create_logical_replication_slot('$s', 'pgoutput')" >/dev/null
done
t0=$(date +%s.%N)
"$walcast" "${off[@]}" "${common[@]}" generate-user-profiles --count "$users" --seed 1 --batch-rows 1000 >/dev/null
if ((users < rows)); then
  # One transaction per 1000 updates (COMMIT inside DO), users in id order.
  psql_ <<SQL
DO \$\$
DECLARE
  k bigint := 0;
  n bigint;
BEGIN
  WHILE k < $((rows - users)) LOOP
    n := least(1000, $((rows - users)) - k, $users - k % $users);
    UPDATE public.user_profiles SET profile = jsonb_set(profile, '{phone}', to_jsonb(k::text))
    WHERE id IN (SELECT id FROM public.user_profiles ORDER BY id OFFSET k % $users LIMIT n);
    k := k + n;
    COMMIT;
  END LOOP;
END
\$\$;
SQL
fi
end=$(psql_ -c "SELECT pg_current_wal_lsn()")
printf 'rows=%s users=%s load_seconds=%.1f end_lsn=%s table_bytes=%s\n' "$rows" "$users" \
  "$(echo "$(date +%s.%N) - $t0" | bc)" "$end" \
  "$(psql_ -c "SELECT pg_total_relation_size('public.user_profiles')")"

start=$(date +%s.%N)
"$PG_BIN/pg_recvlogical" -h 127.0.0.1 -p "$port" -U postgres -d bench --slot recv --start \
  --endpos "$end" -o proto_version=1 -o publication_names=bench_users -f /dev/null
bench_report pg_recvlogical "$(echo "$(date +%s.%N) - $start" | bc)"

# run NAME SLOT on|off: one walcast run to the end of the load; sets
# cpu_NAME (user+system seconds) besides secs_NAME.
run() {
  local name=$1 slot=$2 t out
  local -n config=$3
  local perf=()
  # shellcheck disable=SC2206  # PERF_OPTS is a list of options
  [[ -n "${PERF_DIR:-}" ]] && perf=(perf record ${PERF_OPTS:--F 499 -g} -o "$PERF_DIR/$name.data" --)
  t=$(date +%s.%N)
  if ! /usr/bin/time -o "$work/$name.time" -f "%U %S %M" "${perf[@]}" "$walcast" "${config[@]}" \
    "${common[@]}" --set slot.name="$slot" --set topic.prefix="$slot" \
    --set state.dir="$work/state-$slot" --set stop.at.lsn="$end" run >/dev/null 2>"$work/$name.log"; then
    echo "walcast ($name) failed:" >&2
    tail -n 20 "$work/$name.log" >&2
    exit 1
  fi
  out=$(tail -n 1 "$work/$name.time")
  local secs user sys rss
  secs=$(echo "$(date +%s.%N) - $t" | bc)
  read -r user sys rss <<<"$out"
  eval "cpu_$name=$(echo "$user + $sys" | bc)"
  bench_report "$name" "$secs" "$(printf 'cpu_s=%.2f cpu_us_per_row=%.1f peak_rss_kb=%s' \
    "$(echo "$user + $sys" | bc)" "$(echo "($user + $sys) * 1000000 / $rows" | bc -l)" "$rss")"
}
best_off_s="" best_on_s="" best_off_cpu="" best_on_cpu="" best_thread_s="" best_thread_cpu=""
for r in $(seq "$rounds"); do
  run "off$r" "off$r" off
  run "on$r" "on$r" on
  if [[ "${THREAD:-0}" == both ]]; then
    run "thread$r" "thread$r" threaded
    eval "s_t=\$secs_thread$r c_t=\$cpu_thread$r"
    # shellcheck disable=SC2154
    { [[ -z "$best_thread_s" ]] || (($(echo "$s_t < $best_thread_s" | bc))); } && best_thread_s=$s_t
    { [[ -z "$best_thread_cpu" ]] || (($(echo "$c_t < $best_thread_cpu" | bc))); } &&
      best_thread_cpu=$c_t
  fi
  eval "s_off=\$secs_off$r s_on=\$secs_on$r c_off=\$cpu_off$r c_on=\$cpu_on$r"
  # shellcheck disable=SC2154
  { [[ -z "$best_off_s" ]] || (($(echo "$s_off < $best_off_s" | bc))); } && best_off_s=$s_off
  { [[ -z "$best_on_s" ]] || (($(echo "$s_on < $best_on_s" | bc))); } && best_on_s=$s_on
  { [[ -z "$best_off_cpu" ]] || (($(echo "$c_off < $best_off_cpu" | bc))); } && best_off_cpu=$c_off
  { [[ -z "$best_on_cpu" ]] || (($(echo "$c_on < $best_on_cpu" | bc))); } && best_on_cpu=$c_on
done
printf 'rules_cost_cpu_pct=%.1f rules_cost_rows_per_s_pct=%.1f ratio_rules_off_to_pg_recvlogical=%.2f ratio_rules_on_to_pg_recvlogical=%.2f\n' \
  "$(echo "($best_on_cpu - $best_off_cpu) * 100 / $best_off_cpu" | bc -l)" \
  "$(echo "(1 - $best_off_s / $best_on_s) * 100" | bc -l)" \
  "$(echo "$secs_pg_recvlogical / $best_off_s" | bc -l)" \
  "$(echo "$secs_pg_recvlogical / $best_on_s" | bc -l)"
if [[ -n "$best_thread_s" ]]; then
  printf 'thread_cost_cpu_pct=%.1f thread_cost_rows_per_s_pct=%.1f thread_gain_rows_per_s_vs_rules_on_pct=%.1f\n' \
    "$(echo "($best_thread_cpu - $best_off_cpu) * 100 / $best_off_cpu" | bc -l)" \
    "$(echo "(1 - $best_off_s / $best_thread_s) * 100" | bc -l)" \
    "$(echo "($best_on_s / $best_thread_s - 1) * 100" | bc -l)"
fi

echo "== encryption per core (build/bench/bench_privacy)"
cmake --build "$root/build" --target bench_privacy >/dev/null
"$root/build/bench/bench_privacy"
