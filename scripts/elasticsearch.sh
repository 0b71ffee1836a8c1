#!/usr/bin/env bash
# Throwaway single-node Elasticsearch 7 or 8, or OpenSearch 2, for tests and
# the demo. The servers are the vendors' integration-test distributions from
# Maven Central: the real server with its bin/ scripts and a minimal module
# set (HTTP, and for Elasticsearch X-Pack core and security, switched off
# here), without a bundled JDK; they run on the machine's Java 17.
# Everything lives under DIR; nothing is installed.
#
#   scripts/elasticsearch.sh fetch [FLAVOUR]   cache the distribution (Maven) in
#                                    ${WALCAST_JARS_DIR:-build/jars}/FLAVOUR-VERSION;
#                                    does nothing when the cache is complete
#   scripts/elasticsearch.sh start DIR [--flavour FLAVOUR]
#                                    start a node with its data in DIR on free
#                                    loopback ports (the same ports and flavour
#                                    again on a restart); waits for yellow health
#                                    and prints "url=http://127.0.0.1:PORT"
#   scripts/elasticsearch.sh stop DIR      SIGTERM (the node flushes and closes),
#                                    SIGKILL after ES_STOP_TIMEOUT seconds
#   scripts/elasticsearch.sh destroy DIR   stop and remove DIR
#
# FLAVOUR is es7 (ES7_VERSION), es8 (ES8_VERSION) or opensearch
# (OPENSEARCH_VERSION), all from scripts/versions.env. Without --flavour, a
# restart keeps DIR's flavour and a new DIR takes $WALCAST_ES_FLAVOUR, else
# opensearch, the fastest to start: about 9 s on 2 cores, against 11 s for
# es7 and 15 s for es8 (its CLI and server are two JVMs), X-Pack loading in
# both. OpenSearch 2 is a fork of Elasticsearch 7.10 and speaks the same
# bulk, template and versioning API; es7 is the line MOSIP's Kibana 7
# dashboards run on.
#
# es8's integration-test distribution lacks the rest-root module, so GET /
# answers 405 there; everything else (bulk, search, templates) is the real
# server's. The sink's server detection falls back to GET /_nodes/_local.
#
# Layout: DIR/config (elasticsearch.yml or opensearch.yml, jvm.options,
# log4j2.properties), DIR/data, DIR/logs/server.log (the node's log),
# DIR/stdout.log (JVM output), DIR/tmp, DIR/pid (the process started: the
# server JVM for es7 and opensearch, the CLI JVM that runs it for es8),
# DIR/server.pid (the server JVM, written by the server), DIR/port,
# DIR/transport_port, DIR/flavour.
#
# Environment: WALCAST_ES_FLAVOUR (see above), ES_HEAP (default 512m),
# ES_JVM_PERFORMANCE_OPTS (default C1 only and no heap pre-touch, see
# java_opts), ES_START_TIMEOUT (s, default 120), ES_STOP_TIMEOUT (s, default
# 30), WALCAST_ES_JAVA_HOME (default: the JDK of `java` on PATH; 17 to 23:
# es7 and opensearch need the security manager, gone in Java 24),
# WALCAST_ES_OWNER_PID (if set, the node is killed once that process is
# gone, so a crashed or timed-out test leaves no JVM behind).
#
# Works as root (the servers refuse to run as root, so the node runs as
# nobody: DIR and the cache must then be readable by it, and DIR writable)
# and as any user who can write DIR and read the cache.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=versions.env
source "$root/scripts/versions.env"
# shellcheck source=lib.sh
source "$root/scripts/lib.sh"
jars_root=${WALCAST_JARS_DIR:-$root/build/jars}
cmd=${1:-}
dir=
flavour=
usage() {
  echo "usage: $0 fetch [es7|es8|opensearch] | start DIR [--flavour es7|es8|opensearch] | stop|destroy DIR" >&2
  exit 2
}
[[ -n "$cmd" ]] || usage
shift
if [[ "$cmd" == fetch ]]; then
  flavour=${1:-}
else
  dir=${1:-}
  [[ -n "$dir" ]] || usage
  shift
  while (($#)); do
    case "$1" in
      --flavour) flavour=${2:-}; shift 2 || usage ;;
      --flavour=*) flavour=${1#--flavour=}; shift ;;
      *) usage ;;
    esac
  done
fi
# Absolute: the paths end up in the node's settings and command line.
if [[ "$cmd" == start ]]; then mkdir -p "$dir"; fi
if [[ -n "$dir" && -d "$dir" ]]; then dir=$(cd "$dir" && pwd); fi

# Sets flavour, product, version, pom, cache, home and env_prefix; fetch and
# start need them, stop and destroy do not (they work from DIR's pid files,
# also for a DIR whose start failed).
resolve_flavour() {
  # A restart keeps the flavour the data was written with.
  if [[ -n "$dir" && -f "$dir/flavour" ]]; then
    local saved
    saved=$(cat "$dir/flavour")
    if [[ -n "$flavour" && "$flavour" != "$saved" ]]; then
      echo "$dir holds a $saved node; it cannot start as $flavour" >&2
      exit 2
    fi
    flavour=$saved
  fi
  flavour=${flavour:-${WALCAST_ES_FLAVOUR:-opensearch}}
  case "$flavour" in
    es7) product=elasticsearch version=${ES7_VERSION:?} pom=elasticsearch ;;
    es8) product=elasticsearch version=${ES8_VERSION:?} pom=elasticsearch ;;
    opensearch) product=opensearch version=${OPENSEARCH_VERSION:?} pom=opensearch ;;
    *) echo "unknown flavour '$flavour' (es7, es8 or opensearch)" >&2; exit 2 ;;
  esac
  cache="$jars_root/$flavour-$version"
  home="$cache/$product-$version"
  # The launch scripts read their settings from variables named after the product.
  env_prefix=ES
  if [[ "$product" == opensearch ]]; then env_prefix=OPENSEARCH; fi
}
product=node  # for stop's messages

# Unpacks the distribution into $cache, once. Like maven_fetch (lib.sh), it
# fills a private directory and renames it into place, so an interrupted or
# concurrent fetch never leaves a half-unpacked server that looks complete.
fetch() {
  [[ -f "$cache/.complete" ]] && return 0
  command -v mvn >/dev/null || { echo "mvn not found (run scripts/setup.sh)" >&2; exit 1; }
  mkdir -p "$jars_root"
  local tmp
  tmp=$(mktemp -d "$cache.tmp.XXXXXX")
  chmod 755 "$tmp"  # mktemp makes it 0700; the cache may be shared with other users
  echo "elasticsearch.sh: fetching $product $version into $cache" >&2
  if ! mvn -q -B -f "$root/scripts/maven/$pom/pom.xml" "-D$pom.version=$version" \
      -Des.version="$version" dependency:unpack -DoutputDirectory="$tmp" \
      >"$tmp/mvn.log" 2>&1; then
    echo "elasticsearch.sh: mvn dependency:unpack failed ($pom/pom.xml, $version):" >&2
    tail -n 40 "$tmp/mvn.log" >&2
    rm -rf "$tmp"
    exit 1
  fi
  rm -rf "$tmp/mvn.log" "$tmp/markers"
  [[ -x "$tmp/$product-$version/bin/$product" ]] \
    || { echo "elasticsearch.sh: no bin/$product in the $version distribution" >&2; rm -rf "$tmp"; exit 1; }
  touch "$tmp/.complete"
  # mv -T fails if another fetch won the race; its copy is as good as ours.
  mv -T "$tmp" "$cache" 2>/dev/null || rm -rf "$tmp"
  [[ -f "$cache/.complete" ]] || { echo "elasticsearch.sh: $cache is incomplete; remove it" >&2; exit 1; }
}

# The started process's pid if it runs, and the server JVM's. Their command
# lines name DIR/server.pid and DIR/tmp (-Djava.io.tmpdir), so a reused pid
# never counts.
node_pid() { pid_if_running "$dir/pid" "$dir/server.pid"; }
server_pid() { pid_if_running "$dir/server.pid" "$dir/tmp"; }

java_home() {
  if [[ -n "${WALCAST_ES_JAVA_HOME:-}" ]]; then echo "$WALCAST_ES_JAVA_HOME"; return; fi
  command -v java >/dev/null || { echo "java not found (run scripts/setup.sh)" >&2; exit 1; }
  local java
  java=$(readlink -f "$(command -v java)")
  echo "${java%/bin/java}"
}

write_config() {
  local port=$1 tport=$2
  mkdir -p "$dir/config" "$dir/data" "$dir/logs" "$dir/tmp"
  local yml="$dir/config/$product.yml"
  cat >"$yml" <<CONF
# Written by scripts/elasticsearch.sh at each start.
cluster.name: walcast-test
node.name: walcast
path.data: $dir/data
path.logs: $dir/logs
network.host: 127.0.0.1
http.port: $port
transport.port: $tport
discovery.type: single-node
# Temp dirs live on shared disks; a full one must not turn indices read-only.
cluster.routing.allocation.disk.threshold_enabled: false
CONF
  # The Elasticsearch distributions carry X-Pack security; tests talk plain
  # HTTP without credentials (the client's auth is unit-tested).
  [[ "$product" == elasticsearch ]] && echo "xpack.security.enabled: false" >>"$yml"
  # The distribution's JVM options, less the ones that write next to the
  # server's files (GC logs, heap dumps): the cache is shared and read-only.
  # Heap and JIT options come from java_opts, which the scripts apply last.
  grep -vE 'gc\.log|HeapDump|ErrorFile|^-Xm[sx]' "$home/config/jvm.options" >"$dir/config/jvm.options"
  echo "-XX:ErrorFile=$dir/logs/hs_err_pid%p.log" >>"$dir/config/jvm.options"
  mkdir -p "$dir/config/jvm.options.d"
  cat >"$dir/config/log4j2.properties" <<CONF
status = error
appender.file.type = File
appender.file.name = file
appender.file.fileName = $dir/logs/server.log
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d{ISO8601}][%-5p][%c{1.}] %m%n
rootLogger.level = info
rootLogger.appenderRef.file.ref = file
CONF
}

# Heap and JIT options, applied after the distribution's. The defaults
# favour start time over peak throughput, as in kafka.sh: with C1 alone es8
# starts in 15 s instead of 27 s, and tests never run long enough for C2 to
# pay off; es8 pre-touches its heap unless told not to (another 3 s).
java_opts() {
  echo "-Xms${ES_HEAP:-512m} -Xmx${ES_HEAP:-512m}" \
    "${ES_JVM_PERFORMANCE_OPTS:--XX:TieredStopAtLevel=1 -XX:-AlwaysPreTouch}"
}

log_tail() { tail_logs "$dir/logs/server.log:40" "$dir/stdout.log:20"; }

# HTTP status of GET http://127.0.0.1:PORT/PATH, or 000 if nothing answers.
http_status() {
  curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$1$2" 2>/dev/null || true
}

# Starts the node on the given ports and waits for yellow health. Returns 1
# if a port was taken; exits the script with the log tail if the node dies
# otherwise or is not up in time.
start_on() {
  local port=$1 tport=$2
  write_config "$port" "$tport"
  local jhome
  jhome=$(java_home)
  # Only log lines written by this start count (the log survives restarts).
  local offset=0
  [[ -f "$dir/logs/server.log" ]] && offset=$(stat -c %s "$dir/logs/server.log")
  # A node that fails at boot prints the exception to its console too.
  console_log="$dir/stdout.log" console_offset=0
  [[ -f "$console_log" ]] && console_offset=$(stat -c %s "$console_log")
  rm -f "$dir/server.pid"
  local -a run_as=()
  if [[ $(id -u) -eq 0 ]]; then
    # Elasticsearch and OpenSearch refuse to run as root: the node runs as
    # nobody and owns its directory (but not a staged copy of the server,
    # below, whose files are links into the cache).
    find "$dir" -path "$dir/home" -prune -o -exec chown nobody {} +
    run_as=(setpriv --reuid=nobody --regid=nogroup --clear-groups --)
    if ! "${run_as[@]}" test -x "$home/bin/$product"; then
      # The cache sits below a directory nobody may not enter (a checkout in
      # a private temp dir, /root): run a copy staged in the node's own
      # directory, hard links where the file system allows.
      if [[ ! -x "$dir/home/bin/$product" ]]; then
        rm -rf "$dir/home"
        cp -al "$home" "$dir/home" 2>/dev/null || cp -a "$home" "$dir/home"
      fi
      home="$dir/home"
      "${run_as[@]}" test -x "$home/bin/$product" || {
        echo "user nobody cannot run $home/bin/$product (a parent directory is not traversable; chmod o+x it)" >&2
        exit 1
      }
    fi
  fi
  # setsid: the node must not die with the caller's terminal or process
  # group, and must not hold the caller's stdout (a popen() would never end).
  # CLI_JAVA_OPTS: es8's launcher JVM (and the tools it runs) is small and
  # short-lived work, so C1 and the serial collector suit it too.
  env "${env_prefix}_PATH_CONF=$dir/config" "${env_prefix}_TMPDIR=$dir/tmp" \
    "${env_prefix}_JAVA_HOME=$jhome" "${env_prefix}_JAVA_OPTS=$(java_opts)" \
    "CLI_JAVA_OPTS=${CLI_JAVA_OPTS:--XX:TieredStopAtLevel=1 -XX:+UseSerialGC}" \
    setsid "${run_as[@]}" "$home/bin/$product" -p "$dir/server.pid" \
    </dev/null >>"$dir/stdout.log" 2>&1 &
  local pid=$!
  echo "$pid" >"$dir/pid"
  [[ -n "${WALCAST_ES_OWNER_PID:-}" ]] && start_watchdog "$WALCAST_ES_OWNER_PID" "$pid" "$dir/server.pid"
  # Yellow: the node has joined its one-node cluster and every primary is
  # assigned (green, with no indices yet, on a fresh node).
  wait_started "$product" "$pid" "$dir/logs/server.log" "$offset" "${ES_START_TIMEOUT:-120}" \
    "BindException\|Bind[A-Za-z]*Exception\|Address already in use\|Failed to bind" \
    node_ready "$port"
}

node_ready() {
  [[ $(http_status "$1" "/_cluster/health?wait_for_status=yellow&timeout=1s") == 200 ]]
}

start() {
  command -v curl >/dev/null || { echo "curl not found (run scripts/setup.sh)" >&2; exit 1; }
  fetch
  if ! node_pid >/dev/null; then
    echo "$flavour" >"$dir/flavour"
    start_on_ports "$product" transport_port start_on
  fi
  echo "url=http://127.0.0.1:$(cat "$dir/port")"
}

stop() {
  [[ -d "$dir" ]] || return 0
  local pid server
  server=$(server_pid) || server=
  if pid=$(node_pid); then
    # es8's CLI JVM stops its server before it exits; es7 and opensearch
    # run the server in the started process itself.
    stop_pid "$pid" "${ES_STOP_TIMEOUT:-30}" "$product"
  fi
  # The server outlives a CLI killed by stop_pid's SIGKILL.
  if [[ -n "$server" ]] && alive "$server"; then
    stop_pid "$server" "${ES_STOP_TIMEOUT:-30}" "$product server"
  fi
  rm -f "$dir/pid" "$dir/server.pid"
}

case "$cmd" in
  fetch) resolve_flavour; fetch ;;
  start) resolve_flavour; start ;;
  stop) stop ;;
  destroy) stop; rm -rf "$dir" ;;
  *) echo "unknown command $cmd" >&2; exit 2 ;;
esac
