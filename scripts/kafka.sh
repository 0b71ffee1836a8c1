#!/usr/bin/env bash
# Throwaway single-node Apache Kafka (KRaft, broker and controller in one JVM)
# for tests and the demo. Everything lives under DIR; nothing is installed.
#
#   scripts/kafka.sh fetch           cache the broker's jars (Maven) in
#                                    ${WALCAST_JARS_DIR:-build/jars}/kafka-VERSION;
#                                    does nothing when the cache is complete
#   scripts/kafka.sh start DIR       format DIR (if new) and start the broker on
#                                    free loopback ports (the same ones again on a
#                                    restart); waits until it serves requests and
#                                    prints "bootstrap=127.0.0.1:PORT"; DIR/port holds it
#   scripts/kafka.sh stop DIR        controlled shutdown (SIGTERM, SIGKILL after
#                                    KAFKA_STOP_TIMEOUT seconds)
#   scripts/kafka.sh destroy DIR     stop and remove DIR
#   scripts/kafka.sh consume DIR TOPIC [MAX]
#                                    print up to MAX (default 10) records of TOPIC
#                                    from the beginning as "key<TAB>value" (Kafka's
#                                    console consumer; gives up after 10 s of silence)
#
# Layout: DIR/server.properties, DIR/data (log.dirs and KRaft metadata),
# DIR/logs/server.log (the broker's log4j2 log), DIR/stdout.log (JVM output),
# DIR/pid, DIR/port, DIR/controller_port.
#
# Environment: KAFKA_VERSION (default from scripts/versions.env),
# KAFKA_NUM_PARTITIONS (default 1; topics may still be created with more),
# KAFKA_HEAP_OPTS (default -Xmx512m -Xms256m), KAFKA_JVM_PERFORMANCE_OPTS
# (default C1 only and G1, see java_opts), KAFKA_START_TIMEOUT (s, default
# 90), KAFKA_STOP_TIMEOUT (s, default 30), WALCAST_KAFKA_OWNER_PID (if set,
# the broker is killed once that process is gone, so a crashed or timed-out
# test leaves no JVM behind).
#
# Works as root and as any user who can write DIR and read the jar cache.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=versions.env
source "$root/scripts/versions.env"
# shellcheck source=lib.sh
source "$root/scripts/lib.sh"
KAFKA_VERSION=${KAFKA_VERSION:?}
jars="${WALCAST_JARS_DIR:-$root/build/jars}/kafka-$KAFKA_VERSION"
cmd=${1:-}
dir=${2:-}
usage() { echo "usage: $0 fetch | start|stop|destroy DIR" >&2; exit 2; }
[[ -n "$cmd" ]] || usage
[[ "$cmd" == fetch || -n "$dir" ]] || usage
# Absolute: the paths end up in server.properties and the JVM's command line.
if [[ "$cmd" == start ]]; then mkdir -p "$dir"; fi
if [[ -n "$dir" && -d "$dir" ]]; then dir=$(cd "$dir" && pwd); fi

fetch() {
  maven_fetch "$jars" "$jars.tmp.XXXXXX" kafka.sh "$root/scripts/maven/kafka/pom.xml" \
    -Dkafka.version="$KAFKA_VERSION"
}

# The broker's pid if it is running.
broker_pid() { pid_if_running "$dir/pid" "$dir/server.properties"; }

write_config() {
  local port=$1 cport=$2
  cat >"$dir/server.properties" <<CONF
# Written by scripts/kafka.sh at each start.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$cport
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$port
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
log.dirs=$dir/data
num.partitions=${KAFKA_NUM_PARTITIONS:-1}
auto.create.topics.enable=true
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
num.network.threads=2
num.io.threads=2
num.recovery.threads.per.data.dir=1
log.cleaner.threads=1
CONF
  cat >"$dir/log4j2.properties" <<CONF
status = warn
appender.file.type = File
appender.file.name = file
appender.file.fileName = $dir/logs/server.log
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = file
# Per-request and per-partition chatter.
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.state.name = state.change.logger
logger.state.level = WARN
CONF
}

# Both option lists split into words on purpose. The defaults favour start
# time over peak throughput: C1 alone halves the CPU a start costs (about 4 s
# instead of 8 s), and tests never run long enough for C2 to pay off.
java_opts() {
  local heap perf
  read -r -a heap <<<"${KAFKA_HEAP_OPTS:--Xmx512m -Xms256m}"
  read -r -a perf <<<"${KAFKA_JVM_PERFORMANCE_OPTS:--XX:TieredStopAtLevel=1 -XX:+UseG1GC -XX:MaxGCPauseMillis=20}"
  jvm_opts=("${heap[@]}" "${perf[@]}" -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true
    "-Dlog4j2.configurationFile=$dir/log4j2.properties" "-Dkafka.logs.dir=$dir/logs")
}

log_tail() { tail_logs "$dir/logs/server.log:40" "$dir/stdout.log:20"; }

# Starts the JVM on the given ports and waits until the broker serves
# requests. Returns 1 if a port was taken; exits the script with the log tail
# if the JVM dies otherwise or the broker is not up in time.
start_on() {
  local port=$1 cport=$2
  write_config "$port" "$cport"
  mkdir -p "$dir/logs"
  local jvm_opts
  java_opts
  if [[ ! -f "$dir/data/meta.properties" ]]; then
    # A cluster id is 16 random bytes in URL-safe base64 without padding;
    # made here to save a JVM start (StorageTool random-uuid).
    local cluster_id
    # An id starting with '-' would be read as an option by StorageTool.
    cluster_id=-
    while [[ $cluster_id == -* ]]; do
      cluster_id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
    done
    java "${jvm_opts[@]}" -cp "$jars/*" kafka.tools.StorageTool format \
      --cluster-id "$cluster_id" --config "$dir/server.properties" \
      >"$dir/format.log" 2>&1 || { echo "kafka-storage format failed:" >&2; cat "$dir/format.log" >&2; exit 1; }
  fi
  # Only log lines written by this start count (the log survives restarts).
  local offset=0
  [[ -f "$dir/logs/server.log" ]] && offset=$(stat -c %s "$dir/logs/server.log")
  # setsid: the broker must not die with the caller's terminal or process
  # group, and must not hold the caller's stdout (a popen() would never end).
  setsid java "${jvm_opts[@]}" -cp "$jars/*" kafka.Kafka "$dir/server.properties" \
    </dev/null >>"$dir/stdout.log" 2>&1 &
  local pid=$!
  echo "$pid" >"$dir/pid"
  [[ -n "${WALCAST_KAFKA_OWNER_PID:-}" ]] && start_watchdog "$WALCAST_KAFKA_OWNER_PID" "$pid"
  # KafkaRaftServer logs "Kafka Server started" once the broker is unfenced
  # and its request handlers run; the port check guards against a log
  # written but a listener not yet accepting.
  wait_started Kafka "$pid" "$dir/logs/server.log" "$offset" "${KAFKA_START_TIMEOUT:-90}" \
    "Address already in use" broker_ready "$port" "$offset"
}

broker_ready() {
  tail -c +$(( $2 + 1 )) "$dir/logs/server.log" 2>/dev/null | grep -q "Kafka Server started" \
    && port_open "$1"
}

start() {
  command -v java >/dev/null || { echo "java not found (run scripts/setup.sh)" >&2; exit 1; }
  fetch
  if ! broker_pid >/dev/null; then
    start_on_ports Kafka controller_port start_on
  fi
  echo "bootstrap=127.0.0.1:$(cat "$dir/port")"
}

stop() {
  [[ -d "$dir" ]] || return 0
  local pid
  pid=$(broker_pid) || { rm -f "$dir/pid"; return 0; }
  stop_pid "$pid" "${KAFKA_STOP_TIMEOUT:-30}" Kafka
  rm -f "$dir/pid"
}

consume() {
  local topic=${3:?topic} max=${4:-10}
  java -cp "$jars/*" -Dlog4j2.level=error org.apache.kafka.tools.consumer.ConsoleConsumer \
    --bootstrap-server "127.0.0.1:$(cat "$dir/port")" --topic "$topic" --from-beginning \
    --max-messages "$max" --timeout-ms 10000 --formatter-property print.key=true 2>/dev/null || true
}

case "$cmd" in
  fetch) fetch ;;
  consume) consume "$@" ;;
  start) start ;;
  stop) stop ;;
  destroy) stop; rm -rf "$dir" ;;
  *) echo "unknown command $cmd" >&2; exit 2 ;;
esac
