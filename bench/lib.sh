# Shared set-up of the benchmark scripts in bench/. Source it after setting
# `root`; it defines functions, bench_profile_sql, bench_pids, bench_servers and
# bench_cpu_at only.

# bench_start: builds walcast if needed, makes $work (removed on exit, with
# the servers in it), starts a throwaway PostgreSQL ($port) with database
# `bench`, MOSIP's idrepo.anonymous_profile and the publication bench_pub.
# Defines walcast (the binary; WALCAST_BIN picks another build, e.g. an
# older one to compare against) and psql_ (psql on database bench).
bench_start() {
  walcast="${WALCAST_BIN:-$root/build/walcast}"
  [[ -x "$walcast" ]] || "$root/scripts/setup.sh"
  work=$(mktemp -d /tmp/walcast-bench-XXXXXX)
  chmod 755 "$work"  # the cluster runs as user postgres below it
  trap bench_cleanup EXIT
  port=$("$root/scripts/pg_cluster.sh" start "$work/pg" | sed -n 's/^port=//p')
  export PGPASSWORD=postgres WALCAST_DATABASE_PASSWORD=postgres
  psql -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -c "CREATE DATABASE bench"
  psql_ -f "$root/sql/mosip/idrepo_anonymous_profile.sql"
  psql_ -c "CREATE PUBLICATION bench_pub FOR TABLE idrepo.anonymous_profile"
}

# A ~650-byte idrepo-shaped profile as an SQL expression over the row
# number i; the id and a few fields vary per row. Used by the Kafka
# benchmarks (decode_throughput.sh has a larger one of its own).
bench_profile_sql="'{\"processName\":\"New\",\"date\":\"2025-03-14\",\"oldProfile\":null,\"newProfile\":{\"yearOfBirth\":\"' || (1940 + i % 70) || '\",\"gender\":\"' || (CASE WHEN i % 2 = 0 THEN 'Female' ELSE 'Male' END) || '\",\"location\":[\"Zone-' || (i % 17) || '\",\"' || (10000 + i % 900) || '\"],\"preferredLanguage\":\"eng\",\"channel\":[\"PHONE\",\"EMAIL\"],\"exceptions\":[],\"verified\":[\"phone\"],\"biometricInfo\":[{\"type\":\"Finger\",\"subType\":\"Left IndexFinger\",\"qualityScore\":' || (i % 100) || ',\"attempts\":\"1\",\"digitalId\":null}],\"documents\":[\"DOC001\",\"DOC004\"],\"hash\":\"' || md5(i::text) || '\"}}'"

# bench_load SLOT...: creates a pgoutput slot per name (all at the same LSN),
# loads $rows profile rows (bench_profile_sql) in 10-row transactions, sets
# end (the WAL position after the load) and prints the load's figures.
bench_load() {
  local s t0 t1
  for s in "$@"; do
    psql_ -c "SELECT pg_create_logical_replication_slot('$s', 'pgoutput')" >/dev/null
  done
  t0=$(date +%s.%N)
  psql_ -c "DO \$\$ BEGIN FOR b IN 0..$((rows / 10 - 1)) LOOP
    INSERT INTO idrepo.anonymous_profile SELECT 'p-' || i, $bench_profile_sql, 'bench', now()
      FROM generate_series(b * 10, b * 10 + 9) i; COMMIT; END LOOP; END \$\$"
  t1=$(date +%s.%N)
  end=$(psql_ -c "SELECT pg_current_wal_lsn()")
  printf 'rows=%s transactions=%s load_seconds=%.1f end_lsn=%s\n' "$rows" "$((rows / 10))" \
    "$(echo "$t1 - $t0" | bc)" "$end"
}

# bench_kafka_start: starts a throwaway Kafka broker in $work/kafka (set
# WALCAST_JARS_DIR to reuse downloaded jars) and defines bootstrap and probe
# (build/bench/kafka_probe, built if missing).
bench_kafka_start() {
  probe="$root/build/bench/kafka_probe"
  [[ -x "$probe" ]] || cmake --build "$root/build" --target kafka_probe >/dev/null
  bootstrap=$("$root/scripts/kafka.sh" start "$work/kafka" | sed -n 's/^bootstrap=//p')
}

# bench_debezium SLOT SNAPSHOT_MODE: runs Debezium's PostgreSQL connector
# (scripts/debezium.sh, Kafka Connect standalone in $work/connect) on
# idrepo.anonymous_profile through publication bench_pub and SLOT (created by
# Debezium when missing) with topic.prefix dbz, until its topic holds $rows
# records; then stops the worker. Sets dbz_seconds: from the moment the task
# runs (or its first record, if earlier) until the last record is in Kafka,
# so the JVM's start-up is left out; dbz_startup_seconds, that start-up; and
# dbz_first_to_last_seconds, from its first record in Kafka to its last;
# dbz_cpu_figures, the CPU per 1M rows of the Connect JVM and the broker
# from the task running to the last record (bench_cpu_end), and the JVM's
# CPU seconds including its start-up.
bench_debezium() {
  local slot=$1 mode=$2
  "$root/scripts/debezium.sh" connector "$work/dbz.properties" --name dbz --pg-port "$port" \
    --db bench --slot "$slot" --publication bench_pub topic.prefix=dbz \
    'table.include.list=idrepo\.anonymous_profile' publication.autocreate.mode=disabled \
    snapshot.mode="$mode"
  "$probe" wait --bootstrap "$bootstrap" --topic dbz.idrepo.anonymous_profile --count "$rows" \
    >"$work/dbz.wait" &
  local waiter=$! jvm_start running first_record_epoch_s done_epoch_s records from
  bench_pids+=("$waiter")
  jvm_start=$(date +%s.%N)
  WALCAST_DEBEZIUM_OWNER_PID=$$ "$root/scripts/debezium.sh" start "$work/connect" \
    --bootstrap "$bootstrap" --connector "$work/dbz.properties" >/dev/null
  running=$(date +%s.%N)
  bench_cpu_begin
  wait "$waiter"
  bench_cpu_end
  dbz_cpu_figures="$cpu_figures connect_cpu_s_with_startup=$(bench_cpu_s "$(cat "$work/connect/pid")")"
  # first_record_epoch_s=… done_epoch_s=… records=…
  read -r first_record_epoch_s done_epoch_s records < <(sed 's/[a-z_]*=//g' "$work/dbz.wait")
  from=$(echo "if ($first_record_epoch_s < $running) $first_record_epoch_s else $running" | bc -l)
  dbz_seconds=$(echo "$done_epoch_s - $from" | bc -l)
  dbz_startup_seconds=$(echo "$running - $jvm_start" | bc -l)
  dbz_first_to_last_seconds=$(echo "$done_epoch_s - $first_record_epoch_s" | bc -l)
  "$root/scripts/debezium.sh" stop "$work/connect" >/dev/null
}

# bench_report NAME SECONDS [EXTRA]: prints NAME's figures for $rows rows
# and sets secs_NAME.
bench_report() {
  eval "secs_$1=$2"
  printf 'run=%s seconds=%.3f rows_per_s=%.0f%s\n' "$1" "$2" "$(echo "$rows / $2" | bc -l)" \
    "${3:+ $3}"
}

# CPU cost. Rows/s on two cores shared with the broker, the search node and
# other jobs mixes a consumer's cost with theirs, so every benchmark also
# prints user+system CPU seconds per 1M rows of each process involved.

# bench_cpu_s PID [children]: user+system CPU seconds PID (all its threads)
# has used so far: utime + stime, fields 14 and 15 of /proc/PID/stat, in
# clock ticks; with `children`, plus cutime + cstime (fields 16 and 17), the
# CPU of the children it has reaped. Prints nothing when PID is not running.
bench_cpu_s() {
  [[ -r "/proc/$1/stat" ]] || return 0
  # The command name (field 2) may hold spaces: count fields after its ')'.
  awk -v hz="$(getconf CLK_TCK)" -v children="${2:-}" '{
    sub(/^.*\) /, ""); t = $12 + $13; if (children != "") t += $14 + $15
    printf "%.2f\n", t / hz }' "/proc/$1/stat" 2>/dev/null || true
}

# bench_per_m CPU_SECONDS: CPU_SECONDS per 1M of $rows rows.
bench_per_m() { printf '%.2f' "$(echo "$1 * 1000000 / $rows" | bc -l)"; }

# bench_timed CMD...: runs CMD (its stdout and stderr are the caller's) under
# /usr/bin/time, whose rusage covers every thread of CMD up to its exit (a
# process that exits takes its /proc/PID/stat with it), and sets run_cpu_s
# (user+system seconds), run_seconds (wall time), run_rss_kb (peak RSS) and
# run_status (CMD's exit).
bench_timed() {
  local user sys t0
  run_status=0
  t0=$(date +%s.%N)
  /usr/bin/time -f '%U %S %M' -o "$work/bench_timed" "$@" || run_status=$?
  run_seconds=$(echo "$(date +%s.%N) - $t0" | bc)
  read -r user sys run_rss_kb < <(tail -n 1 "$work/bench_timed")
  run_cpu_s=$(echo "$user + $sys" | bc)
}

# The servers a benchmark runs in $work, as NAME:PIDFILE: PostgreSQL's
# postmaster, the Kafka broker, the Kafka Connect worker (Debezium) and the
# search node's server JVM. PostgreSQL counts with its reaped children: a
# walsender (the server side of a consumer's replication connection, where
# pgoutput decodes) exits with the connection, and its CPU then lands in the
# postmaster's cutime/cstime.
bench_servers=(postgres:pg/data/postmaster.pid broker:kafka/pid connect:connect/pid
  search:es/server.pid)

# bench_cpu_begin: samples the CPU used so far by each server running in
# $work (bench_servers). bench_cpu_end then sets cpu_figures to
# " NAME_cpu_s_per_1m_rows=…" and cpu_s_NAME (seconds) for each of them, the
# CPU it used in between: what it spent on the consumer that ran meanwhile
# (for postgres, the consumer's walsender once it has exited, plus the
# server's background work).
declare -A bench_cpu_at=()
bench_cpu_begin() {
  local s name pid
  bench_cpu_at=()
  for s in "${bench_servers[@]}"; do
    name=${s%%:*}
    pid=$(head -n 1 "$work/${s#*:}" 2>/dev/null) || continue
    bench_cpu_at[$name]="$pid $(bench_cpu_s "$pid" "$([[ $name == postgres ]] && echo children)")"
  done
}
bench_cpu_end() {
  local name pid before now
  cpu_figures=""
  # A walsender's CPU reaches the postmaster once it has exited and been
  # reaped: give a consumer's walsender a second to go.
  for _ in {1..10}; do
    [[ "$(psql_ -c "SELECT count(*) FROM pg_stat_replication")" == 0 ]] && break
    sleep 0.1
  done
  for name in postgres broker connect search; do
    [[ -n "${bench_cpu_at[$name]:-}" ]] || continue
    read -r pid before <<<"${bench_cpu_at[$name]}"
    now=$(bench_cpu_s "$pid" "$([[ $name == postgres ]] && echo children)")
    [[ -n "$before" && -n "$now" ]] || continue
    eval "cpu_s_$name=$(echo "$now - $before" | bc)"
    cpu_figures+=" ${name}_cpu_s_per_1m_rows=$(bench_per_m "$(eval echo "\$cpu_s_$name")")"
  done
}

# bench_recvlogical SLOT: pg_recvlogical (PG_BIN) decodes SLOT up to $end
# with pgoutput proto_version=1 into /dev/null, the baseline every streaming
# benchmark compares with. Reports run pg_recvlogical with its CPU per 1M
# rows and the servers' (bench_cpu_end), and sets cpu_recv (CPU seconds).
bench_recvlogical() {
  bench_cpu_begin
  bench_timed "$PG_BIN/pg_recvlogical" -h 127.0.0.1 -p "$port" -U postgres -d bench --slot "$1" \
    --start --endpos "$end" -o proto_version=1 -o publication_names=bench_pub -f /dev/null
  bench_cpu_end
  cpu_recv=$run_cpu_s
  bench_report pg_recvlogical "$run_seconds" \
    "cpu_s_per_1m_rows=$(bench_per_m "$run_cpu_s")$cpu_figures"
}

psql_() { psql -X -q -tA -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d bench "$@"; }

# Stops whatever bench_start and the script started (the processes whose
# pids the script added to bench_pids, a Kafka Connect worker in
# $work/connect, a Kafka broker in $work/kafka and a search node in $work/es,
# if any) and removes $work.
bench_pids=()
bench_cleanup() {
  local pid
  for pid in "${bench_pids[@]}"; do
    kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  done
  [[ -d "$work/connect" ]] && "$root/scripts/debezium.sh" stop "$work/connect" >/dev/null 2>&1
  [[ -d "$work/kafka" ]] && "$root/scripts/kafka.sh" destroy "$work/kafka" >/dev/null 2>&1
  [[ -d "$work/es" ]] && "$root/scripts/elasticsearch.sh" destroy "$work/es" >/dev/null 2>&1
  "$root/scripts/pg_cluster.sh" destroy "$work/pg" >/dev/null 2>&1
  rm -rf "$work"
}
