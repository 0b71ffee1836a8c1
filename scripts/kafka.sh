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
# Secured broker (KAFKA_SECURITY=1 at the first start of DIR; kept for its
# restarts): besides the PLAINTEXT listener (tests' admin access: its
# principal, ANONYMOUS, is a super user, as is User:admin) the broker gets a
# SASL_SSL listener (SCRAM-SHA-512, and PLAIN with the same users: librdkafka
# before 2.6.1 cannot complete SCRAM with Kafka 4 brokers, see
# docs/kafka-security.md) and an SSL listener that requires a
# client certificate, the StandardAuthorizer with no access without an ACL,
# and SCRAM users created at format time from KAFKA_SCRAM_USERS
# ("name=password ...", default "walcast=walcast-secret"). A throwaway CA
# made with openssl signs the broker's certificate (CN=localhost, IP
# 127.0.0.1) and one client certificate per KAFKA_TLS_CLIENTS name (default
# "walcast"), whose principal is User:<CN>. DIR/tls holds ca.pem,
# <client>.pem and <client>.key (encrypted with KAFKA_TLS_KEY_PASSWORD,
# default "walcast-key-secret"). start then also prints
# "sasl_ssl_bootstrap=127.0.0.1:PORT" and "ssl_bootstrap=127.0.0.1:PORT".
#   scripts/kafka.sh acls DIR ARGS...
#                                    Kafka's kafka-acls.sh (AclCommand) with ARGS
#                                    against the PLAINTEXT (super-user) listener,
#                                    e.g. --add --allow-principal User:walcast
#                                    --operation WRITE --topic t
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
kafka_version_from_env=${KAFKA_VERSION:-}
# shellcheck source=versions.env
source "$root/scripts/versions.env"
# shellcheck source=lib.sh
source "$root/scripts/lib.sh"
KAFKA_VERSION=${kafka_version_from_env:-${KAFKA_VERSION:?}}
jars="${WALCAST_JARS_DIR:-$root/build/jars}/kafka-$KAFKA_VERSION"
cmd=${1:-}
dir=${2:-}
usage() { echo "usage: $0 fetch | start|stop|destroy DIR | consume DIR TOPIC [MAX] | acls DIR ARGS..." >&2; exit 2; }
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

secured() { [[ -f "$dir/security" ]]; }

# The throwaway CA, the broker's PKCS#12 keystore and the clients'
# certificates under DIR/tls (made once per DIR).
make_tls() {
  local tls=$dir/tls
  [[ -f "$tls/broker.p12" ]] && return 0
  command -v openssl >/dev/null || { echo "openssl not found" >&2; exit 1; }
  mkdir -p "$tls"
  {
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -keyout "$tls/ca.key" -out "$tls/ca.pem" \
      -subj "/CN=walcast test CA"
    openssl req -newkey rsa:2048 -nodes -keyout "$tls/broker.key" -out "$tls/broker.csr" \
      -subj "/CN=localhost"
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$tls/broker.ext"
    openssl x509 -req -in "$tls/broker.csr" -CA "$tls/ca.pem" -CAkey "$tls/ca.key" \
      -CAcreateserial -days 2 -extfile "$tls/broker.ext" -out "$tls/broker.pem"
    openssl pkcs12 -export -in "$tls/broker.pem" -inkey "$tls/broker.key" -name broker \
      -passout "pass:$(cat "$dir/keystore_password")" -out "$tls/broker.p12"
    local client
    for client in ${KAFKA_TLS_CLIENTS:-walcast}; do
      openssl req -newkey rsa:2048 -keyout "$tls/$client.key" -out "$tls/$client.csr" \
        -passout "pass:${KAFKA_TLS_KEY_PASSWORD:-walcast-key-secret}" -subj "/CN=$client"
      openssl x509 -req -in "$tls/$client.csr" -CA "$tls/ca.pem" -CAkey "$tls/ca.key" \
        -CAcreateserial -days 2 -out "$tls/$client.pem"
    done
  } >"$tls/openssl.log" 2>&1 || { echo "making the test CA failed:" >&2; cat "$tls/openssl.log" >&2; exit 1; }
}

# The SCRAM users as PlainLoginModule options (user_NAME="PASSWORD" ...).
plain_users() {
  local user
  for user in ${KAFKA_SCRAM_USERS:-walcast=walcast-secret}; do
    printf 'user_%s="%s" ' "${user%%=*}" "${user#*=}"
  done
}

# The listeners of a secured broker (see the header) on DIR/sasl_ssl_port
# and DIR/ssl_port.
write_security_config() {
  local tls=$dir/tls
  cat >>"$dir/server.properties" <<CONF
listeners=PLAINTEXT://127.0.0.1:$1,CONTROLLER://127.0.0.1:$2,SASL_SSL://127.0.0.1:$3,SSL://127.0.0.1:$4
advertised.listeners=PLAINTEXT://127.0.0.1:$1,SASL_SSL://127.0.0.1:$3,SSL://127.0.0.1:$4
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL,SSL:SSL
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
super.users=User:ANONYMOUS;User:admin
sasl.enabled.mechanisms=SCRAM-SHA-512,PLAIN
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required $(plain_users);
ssl.keystore.type=PKCS12
ssl.keystore.location=$tls/broker.p12
ssl.keystore.password=$(cat "$dir/keystore_password")
ssl.truststore.type=PEM
ssl.truststore.location=$tls/ca.pem
listener.name.ssl.ssl.client.auth=required
listener.name.sasl_ssl.ssl.client.auth=none
ssl.principal.mapping.rules=RULE:^CN=([^,]+).*\$/\$1/,DEFAULT
CONF
}

write_config() {
  local port=$1 cport=$2
  cat >"$dir/server.properties" <<CONF
# Written by scripts/kafka.sh at each start.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$cport
CONF
  if secured; then
    write_security_config "$port" "$cport" "$(cat "$dir/sasl_ssl_port")" "$(cat "$dir/ssl_port")"
  else
    cat >>"$dir/server.properties" <<CONF
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$port
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
CONF
  fi
  cat >>"$dir/server.properties" <<CONF
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
  if secured && [[ ! -f "$dir/data/meta.properties" ]]; then
    # Ports of the secured listeners: new ones on each first-start attempt.
    free_port >"$dir/sasl_ssl_port"
    free_port >"$dir/ssl_port"
  fi
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
    local scram=() user
    if secured; then
      for user in ${KAFKA_SCRAM_USERS:-walcast=walcast-secret}; do
        scram+=(--add-scram "SCRAM-SHA-512=[name=${user%%=*},password=${user#*=}]")
      done
    fi
    java "${jvm_opts[@]}" -cp "$jars/*" kafka.tools.StorageTool format \
      --cluster-id "$cluster_id" --config "$dir/server.properties" "${scram[@]}" \
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
  if [[ -n "${KAFKA_SECURITY:-}" && "$KAFKA_SECURITY" != 0 && ! -f "$dir/data/meta.properties" ]]; then
    touch "$dir/security"
  fi
  if secured; then
    [[ -f "$dir/keystore_password" ]] || head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$dir/keystore_password"
    make_tls
  fi
  if ! broker_pid >/dev/null; then
    start_on_ports Kafka controller_port start_on
  fi
  echo "bootstrap=127.0.0.1:$(cat "$dir/port")"
  if secured; then
    echo "sasl_ssl_bootstrap=127.0.0.1:$(cat "$dir/sasl_ssl_port")"
    echo "ssl_bootstrap=127.0.0.1:$(cat "$dir/ssl_port")"
  fi
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

acls() {
  shift 2
  local tool=org.apache.kafka.tools.AclCommand
  [[ "$KAFKA_VERSION" == 3.* ]] && tool=kafka.admin.AclCommand  # before it moved to tools
  java -cp "$jars/*" -Dlog4j2.level=error "$tool" \
    --bootstrap-server "127.0.0.1:$(cat "$dir/port")" "$@"
}

case "$cmd" in
  fetch) fetch ;;
  acls) acls "$@" ;;
  consume) consume "$@" ;;
  start) start ;;
  stop) stop ;;
  destroy) stop; rm -rf "$dir" ;;
  *) echo "unknown command $cmd" >&2; exit 2 ;;
esac
