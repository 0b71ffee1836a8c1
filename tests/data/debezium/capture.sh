#!/usr/bin/env bash
# Regenerates the Debezium reference captures in tests/data/debezium/ (see
# README.md): starts a throwaway PostgreSQL, two Kafka brokers and two Kafka
# Connect workers running real Debezium, loads setup.sql (snapshot rows), runs
# workload.sql (streaming events) and writes every record of every topic as one
# JSON object a line:
#
#   schemas.jsonl    JsonConverter schemas.enable=true, topic.prefix=dbserver1
#   noschemas.jsonl  JsonConverter schemas.enable=false, same connector settings
#   txmeta.jsonl     schemas.enable=true, topic.prefix=dbtx, a few tables, with
#                    provide.transaction.metadata=true and heartbeats
#   options.jsonl    schemas.enable=true, topic.prefix=dbopt, two tables, with
#                    value.converter.replace.null.with.default=false and
#                    include.schema.comments=true
#
#   tests/data/debezium/capture.sh [OUT_DIR]     (default: this directory)
#
# Environment: CAPTURE_KEEP=1 keeps the work directory (logs, configs) and
# prints its path. Runs as root or as a normal user; needs java, mvn, curl,
# python3 and PostgreSQL 15 (scripts/setup.sh).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
out=${1:-$here}
mkdir -p "$out"
out=$(cd "$out" && pwd)
# shellcheck source=../../../scripts/versions.env
source "$root/scripts/versions.env"
kafka_jars="${WALCAST_JARS_DIR:-$root/build/jars}/kafka-$KAFKA_VERSION"

log() { echo "capture: $*" >&2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/walcast-dbz-capture.XXXXXX")
# PostgreSQL runs as user postgres when we are root: it must reach DIR.
chmod 755 "$work"
cleanup() {
  local rc=$?
  set +e
  for d in "$work"/connect-*; do [[ -d "$d" ]] && "$root/scripts/debezium.sh" stop "$d"; done
  for d in "$work"/kafka-*; do [[ -d "$d" ]] && "$root/scripts/kafka.sh" stop "$d"; done
  [[ -d "$work/pg" ]] && "$root/scripts/pg_cluster.sh" stop "$work/pg"
  if [[ "${CAPTURE_KEEP:-0}" == 1 || $rc -ne 0 ]]; then
    log "work directory kept: $work"
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# Servers started below are killed if this script dies without cleanup.
export WALCAST_KAFKA_OWNER_PID=$$ WALCAST_DEBEZIUM_OWNER_PID=$$

for tool in java mvn curl python3 psql; do
  command -v "$tool" >/dev/null || { log "$tool not found (see README.md)"; exit 1; }
done
started=$SECONDS
"$root/scripts/kafka.sh" fetch
"$root/scripts/debezium.sh" fetch

# --- PostgreSQL -------------------------------------------------------------
pg_port=$("$root/scripts/pg_cluster.sh" start "$work/pg" | sed -n 's/^port=//p')
export PGPASSWORD=postgres
psql_() { psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$pg_port" -U postgres "$@"; }
psql_ -d postgres -c "CREATE DATABASE inventory"
psql_ -d inventory -f "$here/setup.sql" >/dev/null
log "postgres on port $pg_port, setup.sql loaded ($(psql_ -d inventory -Atc 'SHOW TimeZone') TimeZone)"

# --- Kafka (one broker per converter setting, so topic names stay real) ------
# One retry from scratch: kafka.sh's random cluster id sometimes starts with
# "-", which kafka-storage format reads as an option.
start_broker() {
  "$root/scripts/kafka.sh" start "$work/$1" >"$work/$1.out" && return 0
  log "broker $1 failed to start; retrying once"
  "$root/scripts/kafka.sh" destroy "$work/$1"
  "$root/scripts/kafka.sh" start "$work/$1" >"$work/$1.out"
}
start_broker kafka-schemas &
k1=$!
start_broker kafka-noschemas &
k2=$!
wait "$k1" || { log "broker kafka-schemas did not start"; exit 1; }
wait "$k2" || { log "broker kafka-noschemas did not start"; exit 1; }
bs_schemas=$(sed -n 's/^bootstrap=//p' "$work/kafka-schemas.out")
bs_noschemas=$(sed -n 's/^bootstrap=//p' "$work/kafka-noschemas.out")
log "brokers: schemas=$bs_schemas noschemas=$bs_noschemas"

# --- Debezium -----------------------------------------------------------------
# $1 name, $2 topic.prefix, $3 slot/publication suffix, then extra
# KEY=VALUE settings (regexes with single backslashes).
connector_file() {
  local name=$1 prefix=$2 suffix=$3
  shift 3
  "$root/scripts/debezium.sh" connector "$work/$name.properties" --name "$name" \
    --pg-port "$pg_port" --db inventory --slot "dbz_$suffix" --publication "dbz_pub_$suffix" \
    "topic.prefix=$prefix" "skipped.operations=none" "$@"
}
route=(
  "transforms=route"
  "transforms.route.type=org.apache.kafka.connect.transforms.RegexRouter"
  'transforms.route.regex=.*\.anonymous_profile'
  "transforms.route.replacement=Profiles"
)
connector_file dbz-schemas dbserver1 schemas "schema.include.list=public,idrepo" "${route[@]}"
connector_file dbz-noschemas dbserver1 noschemas "schema.include.list=public,idrepo" "${route[@]}"
connector_file dbz-txmeta dbtx txmeta \
  'table.include.list=public\.ri_default,public\.composite_pk,public\.trunc_a,public\.trunc_b,public\.capture_done' \
  "provide.transaction.metadata=true" "heartbeat.interval.ms=1000"
# Connector-level converters replace the worker's, settings included.
connector_file dbz-options dbopt options \
  'table.include.list=public\.defaults,public\.ri_default,public\.capture_done' \
  "include.schema.comments=true" \
  "key.converter=org.apache.kafka.connect.json.JsonConverter" \
  "key.converter.schemas.enable=true" \
  "value.converter=org.apache.kafka.connect.json.JsonConverter" \
  "value.converter.schemas.enable=true" \
  "value.converter.replace.null.with.default=false"

"$root/scripts/debezium.sh" start "$work/connect-schemas" --bootstrap "$bs_schemas" --schemas true \
  --connector "$work/dbz-schemas.properties" --connector "$work/dbz-txmeta.properties" \
  >"$work/connect-schemas.out" &
c1=$!
"$root/scripts/debezium.sh" start "$work/connect-noschemas" --bootstrap "$bs_noschemas" --schemas false \
  --connector "$work/dbz-noschemas.properties" --connector "$work/dbz-options.properties" \
  >"$work/connect-noschemas.out" &
c2=$!
wait "$c1" || { log "Connect (schemas) did not start"; exit 1; }
wait "$c2" || { log "Connect (noschemas) did not start"; exit 1; }
log "connectors running after $((SECONDS - started))s"

# Streaming starts once the snapshot is done; each connector logs this once.
wait_streaming() {
  local dir=$1 want=$2 deadline=$((SECONDS + 120)) n
  while ((SECONDS < deadline)); do
    n=$(grep -c "Starting streaming" "$dir/connect.log" 2>/dev/null || true)
    ((n >= want)) && return 0
    sleep 0.5
  done
  log "snapshot not finished in $dir; log tail:"
  tail -n 40 "$dir/connect.log" >&2
  exit 1
}
wait_streaming "$work/connect-schemas" 2
wait_streaming "$work/connect-noschemas" 2
log "snapshots done after $((SECONDS - started))s; running workload.sql"

psql_ -d inventory -f "$here/workload.sql" >/dev/null

# --- Wait for the last event, stop Connect (flushes its producer) -------------
# JVM options for the short-lived Kafka tools below. The first run dumps the
# classes it loaded into a CDS archive that later runs map, which roughly
# halves their start-up time.
tool_jvm_opts() {
  local jsa="$work/kafka-tools.jsa"
  if [[ -f "$jsa" ]]; then
    echo "-XX:SharedArchiveFile=$jsa -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xlog:disable"
  else
    echo "-XX:ArchiveClassesAtExit=$jsa -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xlog:disable"
  fi
}
export -f tool_jvm_opts
export work
# Prints "topic:partition:end_offset" lines for every topic of broker $1.
end_offsets() {
  local opts
  read -r -a opts <<<"$(tool_jvm_opts)"
  java "${opts[@]}" -cp "$kafka_jars/*" org.apache.kafka.tools.GetOffsetShell \
    --bootstrap-server "$1" 2>/dev/null
}
wait_topic() {
  local bs=$1 topic=$2 deadline=$((SECONDS + 90))
  while ((SECONDS < deadline)); do
    end_offsets "$bs" | grep -q "^$topic:0:[1-9]" && return 0
    sleep 1
  done
  log "no record on $topic at $bs within 90s"
  exit 1
}
wait_topic "$bs_schemas" dbserver1.public.capture_done
wait_topic "$bs_schemas" dbtx.public.capture_done
wait_topic "$bs_noschemas" dbserver1.public.capture_done
wait_topic "$bs_noschemas" dbopt.public.capture_done
"$root/scripts/debezium.sh" stop "$work/connect-schemas"
"$root/scripts/debezium.sh" stop "$work/connect-noschemas"
log "workload captured after $((SECONDS - started))s; consuming"

# --- Consume every topic ------------------------------------------------------
# Kafka's console consumer does not print the topic, so each topic gets its
# own consumer, reading exactly end_offset records of partition 0 (and of any
# other partition). Separators are control characters that JSON text never
# contains unescaped: US between fields, GS between headers, RS + newline
# after each record, and BEL-wrapped NULL for null keys/values/headers.
consume_one() {
  local bs=$1 topic=$2 partition=$3 count=$4 dest=$5 opts
  read -r -a opts <<<"$(tool_jvm_opts)"
  java "${opts[@]}" -cp "$kafka_jars/*" \
    org.apache.kafka.tools.consumer.ConsoleConsumer --bootstrap-server "$bs" \
    --topic "$topic" --partition "$partition" --offset earliest --max-messages "$count" \
    --timeout-ms 30000 \
    --formatter-property print.partition=true --formatter-property print.offset=true \
    --formatter-property print.headers=true --formatter-property print.key=true \
    --formatter-property print.value=true --formatter-property print.timestamp=false \
    --formatter-property key.separator=$'\x1f' --formatter-property headers.separator=$'\x1d' \
    --formatter-property line.separator=$'\x1e\n' --formatter-property null.literal=$'\x07NULL\x07' \
    >"$dest" 2>"$dest.err"
}
export -f consume_one
export kafka_jars

# Writes DIR/jobs.txt for broker $1: one line "topic partition count file" per
# non-empty partition (topic names never contain spaces).
list_jobs() {
  local bs=$1 dir="$work/consumed-$2"
  mkdir -p "$dir"
  end_offsets "$bs" | grep -E '^[^ ]+:[0-9]+:[0-9]+$' \
    | grep -v -E '^__(consumer_offsets|transaction_state|share_group_state):' \
    | awk -F: '$NF > 0' >"$dir/offsets.txt"
  awk -F: -v d="$dir" '{ p=$(NF-1); c=$NF; t=$0; sub(":" p ":" c "$", "", t);
    print t, p, c, d "/" NR ".out" }' "$dir/offsets.txt" >"$dir/jobs.txt"
}
list_jobs "$bs_schemas" schemas
list_jobs "$bs_noschemas" noschemas
# A JVM start per topic: run a few at once.
{
  while read -r t p c f; do printf '%s\0%s\0%s\0%s\0%s\0' "$bs_schemas" "$t" "$p" "$c" "$f"; done \
    <"$work/consumed-schemas/jobs.txt"
  while read -r t p c f; do printf '%s\0%s\0%s\0%s\0%s\0' "$bs_noschemas" "$t" "$p" "$c" "$f"; done \
    <"$work/consumed-noschemas/jobs.txt"
} | xargs -0 -n 5 -P 4 bash -c 'consume_one "$@"' consume_one \
  || { log "a console consumer failed; see $work/consumed-*/*.err"; exit 1; }

# --- Write the JSONL files ----------------------------------------------------
# $1 consumed dir, $2 output file, $3 topic regex to keep.
to_jsonl() {
  python3 - "$1" "$2" "$3" <<'PY'
import json, re, sys
src, dest, keep = sys.argv[1], sys.argv[2], re.compile(sys.argv[3])
NULL = "\x07NULL\x07"
records = []
with open(f"{src}/jobs.txt", encoding="utf-8") as jobs:
    for line in jobs:
        topic, partition, count, path = line.rstrip("\n").split(" ")
        if not keep.fullmatch(topic):
            continue
        with open(path, "rb") as f:
            data = f.read().decode("utf-8")  # strict: the bytes must be UTF-8
        chunks = data.split("\x1e\n")
        if chunks[-1] != "":
            sys.exit(f"{path}: output does not end with a record separator")
        chunks.pop()
        if len(chunks) != int(count):
            sys.exit(f"{path}: {len(chunks)} records, expected {count}")
        for chunk in chunks:
            fields = chunk.split("\x1f")
            if len(fields) != 5:
                sys.exit(f"{path}: record with {len(fields)} fields")
            part, off, hdrs, key, value = fields
            assert part.startswith("Partition:") and off.startswith("Offset:")
            headers = {}
            if hdrs != "NO_HEADERS":
                for h in hdrs.split("\x1d"):
                    name, _, hv = h.partition(":")
                    headers[name] = None if hv == NULL else hv
            records.append((topic, int(part[10:]), int(off[7:]), {
                "topic": topic, "partition": int(part[10:]), "offset": int(off[7:]),
                "key": None if key == NULL else key,
                "value": None if value == NULL else value,
                "headers": headers}))
records.sort(key=lambda r: r[:3])
with open(dest, "w", encoding="utf-8", newline="\n") as out:
    for r in records:
        out.write(json.dumps(r[3], ensure_ascii=False, separators=(",", ":")) + "\n")
print(f"{dest}: {len(records)} records")
PY
}
to_jsonl "$work/consumed-schemas" "$work/schemas.jsonl" '(?!dbtx\.|__debezium-heartbeat\.dbtx).*'
to_jsonl "$work/consumed-schemas" "$work/txmeta.jsonl" '(dbtx\.|__debezium-heartbeat\.dbtx).*'
to_jsonl "$work/consumed-noschemas" "$work/noschemas.jsonl" '(?!dbopt\.).*'
to_jsonl "$work/consumed-noschemas" "$work/options.jsonl" 'dbopt\..*'
# Only a complete capture replaces the files.
mv "$work"/{schemas,noschemas,txmeta,options}.jsonl "$out/"
log "wrote $out/{schemas,noschemas,txmeta,options}.jsonl in $((SECONDS - started))s"
