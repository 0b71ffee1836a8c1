#!/usr/bin/env bash
# Decode throughput: walcast (stdout sink to /dev/null) against pg_recvlogical
# on identical slot contents, in one run.
#
#   bench/decode_throughput.sh [ROWS]       default 1000000
#
# Loads ROWS MOSIP-like anonymous profile rows (~650-byte JSON) twice: once in
# 10-row transactions and once as a single transaction. Before each load it
# creates one slot per consumer at the same LSN, so every consumer decodes
# the same WAL:
#   recv_v1      pg_recvlogical, pgoutput proto_version=1 (what other CDC tools use)
#   recv_v2s     pg_recvlogical, proto_version=2 streaming=on
#   walcast_v1   walcast, proto 1, streaming off
#   walcast_v2s  walcast, proto 2, streaming on (the default on PostgreSQL 14+)
# and prints key=value figures: rows/s, CPU seconds (user+system) per 1M rows,
# ratios walcast/pg_recvlogical of both, walcast peak RSS, and the server's
# spill/stream bytes (pg_stat_replication_slots).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
rows=${1:-1000000}
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
# shellcheck source=lib.sh
source "$root/bench/lib.sh"
bench_start

# A ~650-byte idrepo-shaped profile; the id and a few fields vary per row.
profile_sql="'{\"processName\":\"New\",\"date\":\"2025-03-14\",\"oldProfile\":null,\"newProfile\":{\"yearOfBirth\":\"' || (1940 + i % 70) || '\",\"gender\":\"' || (CASE WHEN i % 2 = 0 THEN 'Female' ELSE 'Male' END) || '\",\"location\":[\"Zone-' || (i % 17) || '\",\"' || (10000 + i % 900) || '\"],\"preferredLanguage\":\"eng\",\"channel\":[\"PHONE\",\"EMAIL\"],\"exceptions\":[],\"verified\":[\"phone\"],\"biometricInfo\":[{\"type\":\"Finger\",\"subType\":\"Left IndexFinger\",\"qualityScore\":' || (i % 100) || ',\"attempts\":\"1\",\"digitalId\":null},{\"type\":\"Iris\",\"subType\":\"Left\",\"qualityScore\":80,\"attempts\":\"1\",\"digitalId\":null},{\"type\":\"Face\",\"subType\":\"\",\"qualityScore\":90,\"attempts\":\"2\",\"digitalId\":null}],\"documents\":[\"DOC001\",\"DOC004\"],\"hash\":\"' || md5(i::text) || md5((i+1)::text) || '\"}}'"

consumers=(recv_v1 recv_v2s walcast_v1 walcast_v2s)

run_case() {
  local label=$1 mode=$2
  for c in "${consumers[@]}"; do
    psql_ -c "SELECT pg_create_logical_replication_slot('${label}_$c', 'pgoutput')" >/dev/null
  done
  local t0 t1
  t0=$(date +%s.%N)
  if [[ $mode == batched ]]; then
    psql_ -c "DO \$\$ BEGIN FOR b IN 0..$((rows / 10 - 1)) LOOP
      INSERT INTO idrepo.anonymous_profile SELECT 'p-$label-' || i, $profile_sql, 'bench', now()
        FROM generate_series(b * 10, b * 10 + 9) i; COMMIT; END LOOP; END \$\$"
  else
    psql_ -c "INSERT INTO idrepo.anonymous_profile SELECT 'p-$label-' || i, $profile_sql, 'bench', now()
      FROM generate_series(0, $((rows - 1))) i"
  fi
  t1=$(date +%s.%N)
  local end
  end=$(psql_ -c "SELECT pg_current_wal_lsn()")
  echo "case=$label rows=$rows load_seconds=$(echo "$t1 - $t0" | bc) end_lsn=$end"

  for c in "${consumers[@]}"; do
    local slot="${label}_$c" rss=0
    bench_cpu_begin
    case $c in
      recv_v1)
        bench_timed "$PG_BIN/pg_recvlogical" -h 127.0.0.1 -p "$port" -U postgres -d bench --slot "$slot" --start \
          --endpos "$end" -o proto_version=1 -o publication_names=bench_pub -f /dev/null ;;
      recv_v2s)
        bench_timed "$PG_BIN/pg_recvlogical" -h 127.0.0.1 -p "$port" -U postgres -d bench --slot "$slot" --start \
          --endpos "$end" -o proto_version=2 -o streaming=on -o publication_names=bench_pub -f /dev/null ;;
      walcast_v1|walcast_v2s)
        local proto=1 streaming=off
        [[ $c == walcast_v2s ]] && proto=2 streaming=on
        bench_timed "$walcast" --set database.hostname=127.0.0.1 --set database.port="$port" \
          --set database.dbname=bench --set slot.name="$slot" --set publication.name=bench_pub \
          --set publication.autocreate.mode=disabled --set table.include.list='idrepo\.anonymous_profile' \
          --set pgoutput.proto.version=$proto --set pgoutput.streaming=$streaming \
          --set status.update.interval.ms=1000 --set stop.at.lsn="$end" --set log.level=warn \
          --set snapshot.mode=no_data \
          --set stream.buffer.spill.dir="$work" --set state.dir="$work/state" \
          run >/dev/null 2>"$work/$slot.log"
        [[ $run_status == 0 ]] || { cat "$work/$slot.log" >&2; exit 1; }
        rss=$run_rss_kb ;;
    esac
    local secs=$run_seconds
    bench_cpu_end
    eval "cpu_$c=$run_cpu_s"
    local stats
    stats=$(psql_ -F ' ' -c "SELECT spill_bytes, stream_bytes FROM pg_stat_replication_slots WHERE slot_name = '$slot'")
    eval "secs_$c=$secs"
    printf 'case=%s consumer=%s seconds=%.3f rows_per_s=%.0f cpu_s_per_1m_rows=%s server_spill_bytes=%s server_stream_bytes=%s%s\n' \
      "$label" "$c" "$secs" "$(echo "$rows / $secs" | bc -l)" "$(bench_per_m "$run_cpu_s")" \
      "${stats%% *}" "${stats##* }" \
      "$([[ $rss != 0 ]] && echo " peak_rss_kb=$rss")$cpu_figures"
  done
  printf 'case=%s ratio_walcast_v1_to_recv_v1=%.2f ratio_walcast_v2s_to_recv_v2s=%.2f ratio_walcast_v2s_to_recv_v1=%.2f\n' "$label" \
    "$(echo "$secs_recv_v1 / $secs_walcast_v1" | bc -l)" "$(echo "$secs_recv_v2s / $secs_walcast_v2s" | bc -l)" \
    "$(echo "$secs_recv_v1 / $secs_walcast_v2s" | bc -l)"
  printf 'case=%s cpu_ratio_walcast_v1_to_recv_v1=%.2f cpu_ratio_walcast_v2s_to_recv_v2s=%.2f cpu_ratio_walcast_v2s_to_recv_v1=%.2f\n' "$label" \
    "$(echo "$cpu_walcast_v1 / $cpu_recv_v1" | bc -l)" "$(echo "$cpu_walcast_v2s / $cpu_recv_v2s" | bc -l)" \
    "$(echo "$cpu_walcast_v2s / $cpu_recv_v1" | bc -l)"
}

run_case tx10 batched
run_case tx1 single
