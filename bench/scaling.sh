#!/usr/bin/env bash
# How walcast's cost grows along each axis of the work (bench/RESULTS.md):
# the number of tables, of columns, the size of transactions, and the number
# of pipelines in one process. Each point is a fresh database loaded with the
# same amount of work, read by walcast (sinks=stdout to /dev/null, so only
# walcast's own cost is measured) and, for the first three axes, by
# pg_recvlogical on a slot created at the same LSN (the decoding baseline).
#
#   bench/scaling.sh [ROWS]
#       ROWS  default 200000: rows per point (the columns axis keeps the
#             number of values instead: ROWS x 10 / columns rows)
#   SCALING_AXES="tables columns transactions pipelines"   the axes to run
#   SCALING_TABLES="1 10 100 1000"      tables (rows spread round robin)
#   SCALING_COLUMNS="10 100 500"        columns of the one table
#   SCALING_TXN="10 1000 100000 1000000"  rows per transaction; the largest
#                                       point loads that many rows if above
#                                       ROWS (10000000 is the top of the range
#                                       users asked about; it needs ~5 GB of
#                                       WAL and several minutes)
#   SCALING_PIPELINES="1 2 6"           pipelines (databases) in one walcast;
#                                       ROWS spread evenly over them
#   SCALING_PERF_DIR=DIR                records a CPU profile of walcast at each
#                                       point (perf record -g; DIR/AXIS-POINT.data;
#                                       its overhead is in that run's figures)
#
# Starts a throwaway PostgreSQL 15 (bench/lib.sh). Prints one line per point:
#   axis, point, rows, seconds, rows/s, walcast CPU seconds (user+system) per
#   1M rows, its peak RSS, pg_recvlogical's seconds and CPU per 1M rows, and
#   walcast's rows/s as a ratio of pg_recvlogical's.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
rows=${1:-200000}
axes=${SCALING_AXES:-tables columns transactions pipelines}
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
# shellcheck source=lib.sh
source "$root/bench/lib.sh"
bench_start

psql_db() { psql -X -q -tA -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d "$1" "${@:2}"; }

# The ten columns of a generic table and the SQL of their values over i.
ten_columns="id bigint PRIMARY KEY, a int, b bigint, c text, d text, e timestamptz, f numeric(12,2),
  g boolean, h date, j jsonb"
ten_values="i, i % 1000, i * 7, 'name-' || i, md5(i::text), now(), (i % 100000) / 100.0,
  i % 2 = 0, date '2025-01-01' + (i % 365)::int, jsonb_build_object('k', i % 10, 'v', 'x' || i)"

# new_database NAME: a fresh database with publication p (FOR ALL TABLES).
new_database() {
  psql -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -c "CREATE DATABASE $1"
  psql_db "$1" -c "CREATE PUBLICATION p FOR ALL TABLES"
}

drop_database() {
  psql -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -c "DROP DATABASE $1 WITH (FORCE)"
}

# slots DB NAME...: pgoutput slots at one LSN.
slots() {
  local db=$1 s
  for s in "${@:2}"; do
    psql_db "$db" -c "SELECT pg_create_logical_replication_slot('$s', 'pgoutput')" >/dev/null
  done
}

# per_million SECONDS: seconds per 1M rows of $point_rows.
per_million() { echo "$1 * 1000000 / $point_rows" | bc -l; }

# ratio A B: A / B, or 0 when B is 0 (time(1) counts CPU in 10 ms steps).
ratio() { echo "if ($2 == 0) 0 else $1 / $2" | bc -l; }

# run_walcast ARGS...: runs walcast (stdout sink to /dev/null) until
# stop.at.lsn=$end; sets w_secs, w_cpu (user+system s) and w_rss (kB).
run_walcast() {
  local t0 t1 figures
  local perf=()
  [[ -n ${SCALING_PERF_DIR:-} ]] && perf=(perf record -q -g -o "$SCALING_PERF_DIR/$perf_name.data" --)
  t0=$(date +%s.%N)
  figures=$(/usr/bin/time -f "%M %U %S" "${perf[@]}" "$walcast" "$@" --set stop.at.lsn="$end" \
    --set log.level=warn --set snapshot.mode=no_data --set status.update.interval.ms=1000 \
    run 2>&1 >/dev/null | tail -n 1)
  t1=$(date +%s.%N)
  w_secs=$(echo "$t1 - $t0" | bc)
  read -r w_rss user sys <<<"$figures"
  w_cpu=$(echo "$user + $sys" | bc)
}

# run_recv DB SLOT: pg_recvlogical to /dev/null until $end; sets r_secs, r_cpu.
run_recv() {
  local t0 t1 user sys
  t0=$(date +%s.%N)
  read -r user sys < <(/usr/bin/time -f "%U %S" "$PG_BIN/pg_recvlogical" -h 127.0.0.1 -p "$port" \
    -U postgres -d "$1" --slot "$2" --start --endpos "$end" -o proto_version=1 \
    -o publication_names=p -f /dev/null 2>&1 | tail -n 1)
  t1=$(date +%s.%N)
  r_secs=$(echo "$t1 - $t0" | bc)
  r_cpu=$(echo "$user + $sys" | bc)
}

# measure AXIS POINT DB: walcast and pg_recvlogical on DB's two slots.
measure() {
  local axis=$1 point=$2 db=$3
  perf_name=$axis-$point
  run_recv "$db" recv
  run_walcast --set database.hostname=127.0.0.1 --set database.port="$port" \
    --set database.dbname="$db" --set slot.name=w --set publication.name=p \
    --set publication.autocreate.mode=disabled --set state.dir="$work/state-$db" \
    --set stream.buffer.spill.dir="$work"
  printf 'axis=%s point=%s rows=%s seconds=%.2f rows_per_s=%.0f cpu_s_per_1m=%.2f peak_rss_kb=%s recv_seconds=%.2f recv_cpu_s_per_1m=%.2f rows_ratio_to_recv=%.2f cpu_ratio_to_recv=%.2f\n' \
    "$axis" "$point" "$point_rows" "$w_secs" "$(echo "$point_rows / $w_secs" | bc -l)" \
    "$(per_million "$w_cpu")" "$w_rss" "$r_secs" "$(per_million "$r_cpu")" \
    "$(ratio "$r_secs" "$w_secs")" "$(ratio "$w_cpu" "$r_cpu")"
  drop_database "$db"
}

axis_tables() {
  local n db values_in_format=${ten_values//\'/\'\'}
  values_in_format=${values_in_format//%/%%}
  for n in ${SCALING_TABLES:-1 10 100 1000}; do
    db=s_tables_$n
    new_database "$db"
    psql_db "$db" -c "DO \$\$ BEGIN FOR t IN 0..$((n - 1)) LOOP
      EXECUTE format('CREATE TABLE t%s ($ten_columns)', t); END LOOP; END \$\$"
    slots "$db" recv w
    point_rows=$rows
    # 10-row transactions, row i into table i % n.
    psql_db "$db" -c "DO \$\$ BEGIN FOR b IN 0..$((rows / 10 - 1)) LOOP
      FOR i IN b * 10 .. b * 10 + 9 LOOP
        EXECUTE format('INSERT INTO t%s SELECT $values_in_format FROM (SELECT \$1::bigint AS i) s',
          i % $n) USING i;
      END LOOP; COMMIT; END LOOP; END \$\$"
    end=$(psql_db "$db" -c "SELECT pg_current_wal_lsn()")
    measure tables "$n" "$db"
  done
}

axis_columns() {
  local n db cols values c
  for n in ${SCALING_COLUMNS:-10 100 500}; do
    db=s_columns_$n
    new_database "$db"
    cols="id bigint PRIMARY KEY" values="i"
    for ((c = 1; c < n; c++)); do
      if ((c % 2)); then cols+=", c$c int" values+=", i + $c"; else cols+=", c$c text" values+=", 'v' || (i + $c)"; fi
    done
    psql_db "$db" -c "CREATE TABLE t ($cols)"
    slots "$db" recv w
    point_rows=$((rows * 10 / n))
    psql_db "$db" -c "DO \$\$ BEGIN FOR b IN 0..$((point_rows / 10 - 1)) LOOP
      INSERT INTO t SELECT $values FROM generate_series(b * 10, b * 10 + 9) i; COMMIT; END LOOP; END \$\$"
    end=$(psql_db "$db" -c "SELECT pg_current_wal_lsn()")
    measure columns "$n" "$db"
  done
}

axis_transactions() {
  local n db
  for n in ${SCALING_TXN:-10 1000 100000 1000000}; do
    db=s_txn_$n
    new_database "$db"
    psql_db "$db" -c "CREATE TABLE t ($ten_columns)"
    slots "$db" recv w
    point_rows=$((n > rows ? n : rows))
    psql_db "$db" -c "DO \$\$ BEGIN FOR b IN 0..$((point_rows / n - 1)) LOOP
      INSERT INTO t SELECT $ten_values FROM generate_series(b * $n, b * $n + $n - 1) i; COMMIT;
      END LOOP; END \$\$"
    end=$(psql_db "$db" -c "SELECT pg_current_wal_lsn()")
    measure transactions "$n" "$db"
  done
}

# One walcast with N connector configs (docs/pipelines.md), one database
# each; pg_recvlogical is not run here (one process per slot is not the
# same comparison): the ratios are to the one-pipeline point.
axis_pipelines() {
  local n d args base_rate="" base_cpu=""
  for n in ${SCALING_PIPELINES:-1 2 6}; do
    args=()
    point_rows=$((rows / n * n))
    for ((d = 0; d < n; d++)); do
      new_database "s_pipe_$d"
      psql_db "s_pipe_$d" -c "CREATE TABLE t ($ten_columns)"
      slots "s_pipe_$d" "w$d"
      cat >"$work/pipe$d.json" <<JSON
{"name": "pipe$d", "config": {
  "connector.class": "io.debezium.connector.postgresql.PostgresConnector",
  "database.hostname": "127.0.0.1", "database.port": "$port", "database.dbname": "s_pipe_$d",
  "slot.name": "w$d", "publication.name": "p", "publication.autocreate.mode": "disabled",
  "topic.prefix": "pipe$d"}}
JSON
      args+=(--config "$work/pipe$d.json")
    done
    for ((d = 0; d < n; d++)); do
      psql_db "s_pipe_$d" -c "DO \$\$ BEGIN FOR b IN 0..$((point_rows / n / 10 - 1)) LOOP
        INSERT INTO t SELECT $ten_values FROM generate_series(b * 10, b * 10 + 9) i; COMMIT;
        END LOOP; END \$\$" &
    done
    wait
    end=$(psql_db postgres -c "SELECT pg_current_wal_lsn()")
    perf_name=pipelines-$n
    printf 'database.user=postgres\nstate.dir=%s\nstream.buffer.spill.dir=%s\n' \
      "$work/state-pipe-$n" "$work" >"$work/pipes.properties"
    run_walcast "${args[@]}" --config "$work/pipes.properties"
    local rate cpu
    rate=$(echo "$point_rows / $w_secs" | bc -l)
    cpu=$(per_million "$w_cpu")
    base_rate=${base_rate:-$rate} base_cpu=${base_cpu:-$cpu}
    printf 'axis=pipelines point=%s rows=%s seconds=%.2f rows_per_s=%.0f cpu_s_per_1m=%.2f peak_rss_kb=%s rows_ratio_to_first=%.2f cpu_ratio_to_first=%.2f\n' \
      "$n" "$point_rows" "$w_secs" "$rate" "$cpu" "$w_rss" "$(echo "$rate / $base_rate" | bc -l)" \
      "$(echo "$cpu / $base_cpu" | bc -l)"
    for ((d = 0; d < n; d++)); do drop_database "s_pipe_$d"; done
  done
}

for axis in $axes; do "axis_$axis"; done
