#!/usr/bin/env bash
# Real Debezium (PostgreSQL connector) under a Kafka Connect standalone worker,
# the reference walcast's output is compared with. Everything lives under DIR;
# nothing is installed.
#
#   scripts/debezium.sh fetch
#       cache the jars (Maven) in ${WALCAST_JARS_DIR:-build/jars}:
#       debezium-VERSION/plugin/debezium-connector-postgres/ (the Connect plugin)
#       and connect-KAFKA_VERSION/ (the worker's class path); does nothing when
#       both caches are complete
#   scripts/debezium.sh start DIR --bootstrap HOST:PORT --connector FILE.properties
#                             [--connector FILE2.properties ...]
#                             [--schemas true|false] [--worker KEY=VALUE ...]
#       write DIR/worker.properties and start the worker in the background on a
#       free loopback REST port; waits until every connector's task is RUNNING
#       and prints "rest=http://127.0.0.1:PORT"
#   scripts/debezium.sh stop DIR     SIGTERM, SIGKILL after DEBEZIUM_STOP_TIMEOUT s
#   scripts/debezium.sh connector FILE --name NAME --pg-port PORT --db DBNAME
#                             --slot SLOT --publication PUB [KEY=VALUE ...]
#       write the properties file of a PostgreSQL connector reading DBNAME on
#       127.0.0.1:PORT as postgres/postgres: PostgresConnector, one task,
#       plugin.name=pgoutput, publication.autocreate.mode=filtered,
#       snapshot.mode=initial, then each KEY=VALUE in order (a later key wins).
#       Values are given as walcast reads them (regexes with single
#       backslashes); backslashes are doubled for Java's properties syntax.
#   scripts/debezium.sh status DIR   print each connector's REST status; exits 1
#                                    if the worker is not running
#
# Worker settings: JsonConverter for keys and values, schemas.enable per
# --schemas (default true), file offsets in DIR/offsets.dat,
# offset.flush.interval.ms=1000 (the LSN flush follows offset commits),
# plugin.discovery=service_load, the header converter left at Connect's default
# (SimpleHeaderConverter). --worker KEY=VALUE lines are
# appended, so they override these.
#
# Layout: DIR/worker.properties, DIR/connector-N.properties (copies),
# DIR/connect.log (the worker's log4j2 log), DIR/stdout.log (JVM output),
# DIR/pid, DIR/rest_port, DIR/connectors (names, one a line).
#
# Environment: DEBEZIUM_VERSION and KAFKA_VERSION (default from
# scripts/versions.env), DEBEZIUM_HEAP_OPTS (default -Xmx768m -Xms256m),
# DEBEZIUM_START_TIMEOUT (s, default 120), DEBEZIUM_STOP_TIMEOUT (s, default 30),
# WALCAST_DEBEZIUM_OWNER_PID (if set, the worker is killed once that process is
# gone, so a crashed caller leaves no JVM).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=versions.env
source "$root/scripts/versions.env"
# shellcheck source=lib.sh
source "$root/scripts/lib.sh"
DEBEZIUM_VERSION=${DEBEZIUM_VERSION:?}
KAFKA_VERSION=${KAFKA_VERSION:?}
jars_root="${WALCAST_JARS_DIR:-$root/build/jars}"
plugin_parent="$jars_root/debezium-$DEBEZIUM_VERSION/plugin"
plugin_dir="$plugin_parent/debezium-connector-postgres"
worker_jars="$jars_root/connect-$KAFKA_VERSION"

cmd=${1:-}
dir=${2:-}
usage() {
  echo "usage: $0 fetch | start DIR --bootstrap HOST:PORT --connector FILE [--connector FILE ...]" \
    "[--schemas true|false] [--worker KEY=VALUE ...] | stop DIR | status DIR" \
    "| connector FILE --name NAME --pg-port PORT --db DBNAME --slot SLOT --publication PUB" \
    "[KEY=VALUE ...]" >&2
  exit 2
}
[[ -n "$cmd" ]] || usage
[[ "$cmd" == fetch || -n "$dir" ]] || usage
if [[ "$cmd" == start ]]; then mkdir -p "$dir"; fi
# Absolute: the paths end up in worker.properties and the JVM's command line.
if [[ -n "$dir" && -d "$dir" ]]; then dir=$(cd "$dir" && pwd); fi

fetch() {
  # Temporary directories go beside the caches, not inside plugin/: Connect
  # scans every entry there.
  maven_fetch "$plugin_dir" "$jars_root/.debezium-fetch.XXXXXX" debezium.sh \
    "$root/scripts/maven/debezium/pom.xml" -Ddebezium.version="$DEBEZIUM_VERSION"
  maven_fetch "$worker_jars" "$jars_root/.debezium-fetch.XXXXXX" debezium.sh \
    "$root/scripts/maven/debezium/worker/pom.xml" -Dkafka.version="$KAFKA_VERSION"
}

# Writes a connector properties file (see the header).
connector() {
  local file=$dir
  shift 2
  local name="" port="" db="" slot="" publication=""
  while (($#)) && [[ "$1" == --* ]]; do
    case "$1" in
      --name) name=${2:?--name needs a value}; shift 2 ;;
      --pg-port) port=${2:?--pg-port needs a value}; shift 2 ;;
      --db) db=${2:?--db needs a value}; shift 2 ;;
      --slot) slot=${2:?--slot needs a value}; shift 2 ;;
      --publication) publication=${2:?--publication needs a value}; shift 2 ;;
      *) echo "unknown option $1" >&2; usage ;;
    esac
  done
  [[ -n "$name" && -n "$port" && -n "$db" && -n "$slot" && -n "$publication" ]] || usage
  local kv
  {
    echo "# Written by scripts/debezium.sh connector."
    echo "name=$name"
    echo "connector.class=io.debezium.connector.postgresql.PostgresConnector"
    echo "tasks.max=1"
    echo "database.hostname=127.0.0.1"
    echo "database.port=$port"
    echo "database.user=postgres"
    echo "database.password=postgres"
    echo "database.dbname=$db"
    echo "plugin.name=pgoutput"
    echo "slot.name=$slot"
    echo "publication.name=$publication"
    echo "publication.autocreate.mode=filtered"
    echo "snapshot.mode=initial"
    for kv in "$@"; do
      [[ "$kv" == *=* ]] || { echo "connector settings are KEY=VALUE, got $kv" >&2; exit 2; }
      echo "${kv//\\/\\\\}"
    done
  } >"$file"
}

# The worker's pid if it is running.
worker_pid() { pid_if_running "$dir/pid" "$dir/worker.properties"; }

log_tail() {
  # The first errors matter most; the tail is often only shutdown noise.
  if grep -q " ERROR " "$dir/connect.log" 2>/dev/null; then
    echo "--- $dir/connect.log (first errors) ---" >&2
    grep -m 3 -A 4 " ERROR " "$dir/connect.log" >&2 || true
  fi
  echo "--- $dir/connect.log (tail) ---" >&2
  tail -n 60 "$dir/connect.log" >&2 2>/dev/null || true
  echo "--- $dir/stdout.log (tail) ---" >&2
  tail -n 20 "$dir/stdout.log" >&2 2>/dev/null || true
}

# The value of "name=" in a connector properties file (Java properties syntax:
# "name=x", "name = x" or "name: x").
connector_name() {
  sed -n -E 's/^[[:space:]]*name[[:space:]]*[=:][[:space:]]*(.*[^[:space:]])[[:space:]]*$/\1/p' "$1" \
    | tail -n 1
}

# Prints the state of each task of connector $2 from the REST API on port $1,
# e.g. "RUNNING", one a line; nothing if the connector has no task yet.
task_states() {
  curl -sf --max-time 5 "http://127.0.0.1:$1/connectors/$2/status" 2>/dev/null \
    | grep -o '"tasks":\[.*' | grep -o '"state":"[A-Z_]*"' | cut -d'"' -f4 || true
}

start() {
  shift 2
  local bootstrap="" schemas=true connectors=() worker_extra=()
  while (($#)); do
    case "$1" in
      --bootstrap) bootstrap=${2:?--bootstrap needs HOST:PORT}; shift 2 ;;
      --connector) connectors+=("${2:?--connector needs a file}"); shift 2 ;;
      --schemas) schemas=${2:?--schemas needs true or false}; shift 2 ;;
      --worker) worker_extra+=("${2:?--worker needs KEY=VALUE}"); shift 2 ;;
      *) echo "unknown option $1" >&2; usage ;;
    esac
  done
  [[ -n "$bootstrap" && ${#connectors[@]} -gt 0 ]] || usage
  [[ "$schemas" == true || "$schemas" == false ]] || { echo "--schemas must be true or false" >&2; exit 2; }
  command -v java >/dev/null || { echo "java not found (install openjdk-17-jre-headless)" >&2; exit 1; }
  command -v curl >/dev/null || { echo "curl not found" >&2; exit 1; }
  if worker_pid >/dev/null; then
    echo "a worker already runs for $dir (scripts/debezium.sh stop $dir first)" >&2
    exit 1
  fi
  fetch

  local names=() i=0 f name
  : >"$dir/connectors"
  for f in "${connectors[@]}"; do
    [[ -r "$f" ]] || { echo "cannot read connector file $f" >&2; exit 2; }
    name=$(connector_name "$f")
    [[ -n "$name" ]] || { echo "$f has no name= property" >&2; exit 2; }
    cp "$f" "$dir/connector-$i.properties"
    names+=("$name")
    echo "$name" >>"$dir/connectors"
    i=$((i + 1))
  done

  local port
  port=$(free_port)
  echo "$port" >"$dir/rest_port"
  {
    echo "# Written by scripts/debezium.sh at each start."
    echo "bootstrap.servers=$bootstrap"
    echo "key.converter=org.apache.kafka.connect.json.JsonConverter"
    echo "value.converter=org.apache.kafka.connect.json.JsonConverter"
    echo "key.converter.schemas.enable=$schemas"
    echo "value.converter.schemas.enable=$schemas"
    echo "offset.storage.file.filename=$dir/offsets.dat"
    echo "offset.flush.interval.ms=1000"
    echo "plugin.path=$plugin_parent"
    # Debezium's and Kafka's jars all carry ServiceLoader manifests; the
    # default (hybrid_warn) also scans every class by reflection, ~20 s.
    echo "plugin.discovery=service_load"
    echo "listeners=http://127.0.0.1:$port"
    echo "rest.advertised.host.name=127.0.0.1"
    echo "rest.advertised.port=$port"
    local kv
    for kv in "${worker_extra[@]}"; do
      [[ "$kv" == *=* ]] || { echo "--worker expects KEY=VALUE, got $kv" >&2; exit 2; }
      echo "$kv"
    done
  } >"$dir/worker.properties"
  cat >"$dir/log4j2.properties" <<CONF
status = warn
appender.file.type = File
appender.file.name = file
appender.file.fileName = $dir/connect.log
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = file
# Plugin scanning and client config dumps.
logger.reflections.name = org.reflections
logger.reflections.level = ERROR
logger.clientconfig.name = org.apache.kafka.clients
logger.clientconfig.level = WARN
CONF

  local jvm_opts
  # DEBEZIUM_HEAP_OPTS is a list of options, split on purpose.
  read -r -a jvm_opts <<<"${DEBEZIUM_HEAP_OPTS:--Xmx768m -Xms256m}"
  # file.encoding: String.getBytes() (column.mask.hash.v2's input) is UTF-8
  # whatever the locale, as on JDK 18 and later.
  jvm_opts+=(-XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExitOnOutOfMemoryError
    -Dfile.encoding=UTF-8 -Djava.awt.headless=true "-Dlog4j2.configurationFile=$dir/log4j2.properties")
  local offset=0
  [[ -f "$dir/connect.log" ]] && offset=$(stat -c %s "$dir/connect.log")
  local connector_files=()
  for ((i = 0; i < ${#connectors[@]}; i++)); do connector_files+=("$dir/connector-$i.properties"); done
  # setsid: the worker must not die with the caller's terminal or process
  # group, and must not hold the caller's stdout.
  setsid java "${jvm_opts[@]}" -cp "$worker_jars/*" org.apache.kafka.connect.cli.ConnectStandalone \
    "$dir/worker.properties" "${connector_files[@]}" </dev/null >>"$dir/stdout.log" 2>&1 &
  local pid=$!
  echo "$pid" >"$dir/pid"
  [[ -n "${WALCAST_DEBEZIUM_OWNER_PID:-}" ]] && start_watchdog "$WALCAST_DEBEZIUM_OWNER_PID" "$pid"

  local timeout=${DEBEZIUM_START_TIMEOUT:-120}
  local deadline=$(( SECONDS + timeout )) ready states n
  while (( SECONDS < deadline )); do
    if ! alive "$pid"; then
      rm -f "$dir/pid"
      echo "Kafka Connect exited while starting" >&2
      log_tail
      exit 1
    fi
    ready=1
    for n in "${names[@]}"; do
      states=$(task_states "$port" "$n")
      if grep -q FAILED <<<"$states"; then
        echo "connector $n failed:" >&2
        curl -sf --max-time 5 "http://127.0.0.1:$port/connectors/$n/status" >&2 || true
        echo >&2
        log_tail
        stop
        exit 1
      fi
      [[ -n "$states" ]] && ! grep -qv '^RUNNING$' <<<"$states" || ready=0
    done
    if ((ready)); then
      echo "rest=http://127.0.0.1:$port"
      return 0
    fi
    sleep 0.5
  done
  echo "Kafka Connect: connector task(s) not RUNNING within ${timeout}s" >&2
  log_tail
  stop
  exit 1
}

stop() {
  [[ -d "$dir" ]] || return 0
  local pid
  pid=$(worker_pid) || { rm -f "$dir/pid"; return 0; }
  stop_pid "$pid" "${DEBEZIUM_STOP_TIMEOUT:-30}" "Kafka Connect"
  rm -f "$dir/pid"
}

status() {
  local pid port n rc=0
  if ! pid=$(worker_pid); then
    echo "not running"
    return 1
  fi
  port=$(cat "$dir/rest_port")
  echo "pid=$pid rest=http://127.0.0.1:$port"
  while read -r n; do
    [[ -n "$n" ]] || continue
    curl -sf --max-time 5 "http://127.0.0.1:$port/connectors/$n/status" || { echo "$n: no status"; rc=1; }
    echo
  done <"$dir/connectors"
  return $rc
}

case "$cmd" in
  fetch) fetch ;;
  start) start "$@" ;;
  stop) stop ;;
  status) status ;;
  connector) connector "$@" ;;
  *) echo "unknown command $cmd" >&2; exit 2 ;;
esac
