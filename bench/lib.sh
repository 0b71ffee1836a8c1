# Shared set-up of the benchmark scripts in bench/. Source it after setting
# `root`; it defines functions, bench_profile_sql and bench_pids only.

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
# dbz_first_to_last_seconds, from its first record in Kafka to its last.
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
  wait "$waiter"
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
