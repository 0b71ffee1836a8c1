# Shell helpers shared by scripts/pg_cluster.sh, kafka.sh, elasticsearch.sh
# and debezium.sh.
# Source it; it defines functions only.

# A free TCP port on 127.0.0.1 for a server to listen on. It is picked
# below the kernel's ephemeral range (ip_local_port_range), which the
# kernel hands out to every outgoing connection and to bind(port 0): a port
# in that range can be taken by a client connection between this check and
# the server's bind, even one in TIME_WAIT, and the bind then fails with
# "Address already in use" although nothing listens there. A port any
# socket uses (listening, connected or TIME_WAIT) is skipped.
free_port() {
  local port low=32768 high
  read -r low _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || low=32768
  high=$(( low > 12000 ? low - 1 : 32767 ))
  for _ in $(seq 1 200); do
    port=$(( (RANDOM * 32768 + RANDOM) % (high - 10000 + 1) + 10000 ))
    if port_open "$port" || port_used "$port"; then continue; fi
    echo "$port"
    return 0
  done
  echo "no free port found" >&2
  return 1
}

# True when a socket of any state uses local port PORT (ss, when present).
port_used() {
  command -v ss >/dev/null || return 1
  [[ -n "$(ss -Htan "( sport = :$1 )" 2>/dev/null)" ]]
}

# Who uses each of the local PORTs (ss -tanp), for a start that failed on a
# taken port.
port_users() {
  command -v ss >/dev/null || return 0
  local port
  for port in "$@"; do
    echo "--- sockets on port $port (ss -tanp) ---" >&2
    ss -tanp "( sport = :$port )" >&2 2>/dev/null || true
  done
}

# start_failure_cause LOG OFFSET: the error lines a server wrote to LOG since
# byte OFFSET with the exception chain after each (a tail often shows only
# the last frames of a stack trace, not what failed).
start_failure_cause() {
  [[ -f "$1" ]] || return 0
  echo "--- $1 (errors since this start, with their causes) ---" >&2
  tail -c +$(( $2 + 1 )) "$1" 2>/dev/null \
    | grep -E '\[(ERROR|FATAL) *\]|^(ERROR|FATAL)|^[A-Za-z0-9_.$]+(Exception|Error)\b|^Caused by|uncaught exception|Failed to bind|Address already in use' \
    | head -n 80 >&2 || true
}

# True when something accepts connections on 127.0.0.1:PORT.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# True while process PID runs. Unlike kill -0, a zombie (an exited child not
# yet reaped) counts as gone.
alive() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [[ "${stat:0:1}" != Z ]]
}

# pid_if_running PIDFILE MARKER: prints the pid in PIDFILE if that process
# runs and its command line contains MARKER, so a reused pid never counts.
pid_if_running() {
  local pid
  [[ -f "$1" ]] || return 1
  pid=$(cat "$1")
  [[ -n "$pid" && -r "/proc/$pid/cmdline" ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$2" || return 1
  echo "$pid"
}

# start_watchdog OWNER_PID PID [PIDFILE]: in the background, SIGKILLs PID
# (and the pid written in PIDFILE, for launchers that fork the real server)
# once OWNER_PID is gone, so a crashed or timed-out test leaves no server
# behind; ends by itself when PID ends.
start_watchdog() {
  local owner=$1 pid=$2 pidfile=${3:-}
  setsid bash -c '
    while kill -0 "$1" 2>/dev/null && kill -0 "$2" 2>/dev/null; do sleep 1; done
    if kill -0 "$2" 2>/dev/null; then
      server=$([[ -n "$3" ]] && cat "$3" 2>/dev/null || true)
      kill -KILL "$2"
      [[ -n "$server" ]] && kill -KILL "$server" 2>/dev/null
    fi' watchdog "$owner" "$pid" "$pidfile" \
    </dev/null >/dev/null 2>&1 &
}

# tail_logs FILE:LINES...: the last LINES lines of each FILE, on stderr.
tail_logs() {
  local spec
  for spec in "$@"; do
    echo "--- ${spec%:*} (tail) ---" >&2
    tail -n "${spec##*:}" "${spec%:*}" >&2 2>/dev/null || true
  done
}

# wait_started NAME PID LOG OFFSET TIMEOUT_S BIND_REGEX READY_CMD...: waits
# until READY_CMD succeeds while PID runs. Returns 0 once ready, 1 if PID
# died and the lines LOG gained after byte OFFSET, or the caller's console
# log $console_log after byte $console_offset (set both when the server
# writes its fatal errors there), match BIND_REGEX (a port taken between
# free_port and the bind: the caller may try other ports; who held them is
# printed). Otherwise exits the script with the error lines and their causes
# and the caller's log_tail, after the caller's stop on a timeout. Removes
# $dir/pid when PID died.
wait_started() {
  local name=$1 pid=$2 log=$3 offset=$4 timeout=$5 bind_regex=$6
  shift 6
  local deadline=$(( SECONDS + timeout ))
  while (( SECONDS < deadline )); do
    if ! alive "$pid"; then
      rm -f "$dir/pid"
      # Under pipefail, every part of the pipe must succeed: the group ends
      # with an if (not `[[ ]] && tail`, false without a console log), and
      # grep reads to the end (-q would stop early and fail tail with
      # SIGPIPE), or a taken port reads as some other failure.
      if { tail -c +$(( offset + 1 )) "$log" 2>/dev/null || true
           if [[ -n "${console_log:-}" ]]; then
             tail -c +$(( ${console_offset:-0} + 1 )) "$console_log" 2>/dev/null || true
           fi
         } | grep "$bind_regex" >/dev/null; then
        echo "$name could not bind its ports ${starting_ports:-}:" >&2
        start_failure_cause "$log" "$offset"
        # shellcheck disable=SC2086  # a list of ports
        port_users ${starting_ports:-}
        return 1
      fi
      echo "$name exited while starting" >&2
      start_failure_cause "$log" "$offset"
      [[ -n "${console_log:-}" ]] && start_failure_cause "$console_log" "${console_offset:-0}"
      log_tail
      exit 1
    fi
    "$@" && return 0
    sleep 0.2
  done
  echo "$name did not start within ${timeout}s" >&2
  start_failure_cause "$log" "$offset"
  log_tail
  stop
  exit 1
}

# start_on_ports NAME PORT2_FILE START_FN: runs START_FN PORT PORT2, which
# starts the server and returns 1 when a port was taken. A restart reuses
# the ports in $dir/port and $dir/PORT2_FILE, so clients keep their address;
# a first start tries free ports, up to 5 times, and records them. Exits the
# script with the log tail (the caller's log_tail) when the server does not
# start.
start_on_ports() {
  local name=$1 port2_file=$2 start_fn=$3 port port2
  if [[ -f "$dir/port" && -f "$dir/$port2_file" ]]; then
    port=$(cat "$dir/port")
    port2=$(cat "$dir/$port2_file")
    starting_ports="$port $port2"
    "$start_fn" "$port" "$port2" && return 0
    echo "$name cannot listen on its ports $port/$port2 again (taken by another process):" >&2
    log_tail
    exit 1
  fi
  for attempt in 1 2 3 4 5; do
    port=$(free_port)
    port2=$(free_port)
    [[ "$port" != "$port2" ]] || continue
    starting_ports="$port $port2"
    if "$start_fn" "$port" "$port2"; then
      echo "$port" >"$dir/port"
      echo "$port2" >"$dir/$port2_file"
      return 0
    fi
    echo "start on ports $port/$port2 failed (attempt $attempt)" >&2
  done
  echo "$name did not start:" >&2
  log_tail
  exit 1
}

# stop_pid PID TIMEOUT_S NAME: SIGTERM, wait up to TIMEOUT_S seconds, then
# SIGKILL; returns once the process is gone.
stop_pid() {
  local pid=$1 timeout=$2 name=$3
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$(( SECONDS + timeout ))
  while alive "$pid" && (( SECONDS < deadline )); do sleep 0.1; done
  if alive "$pid"; then
    echo "$name did not stop within ${timeout}s; killing it" >&2
    kill -KILL "$pid" 2>/dev/null || true
    while alive "$pid"; do sleep 0.1; done
  fi
}

# maven_fetch DEST TMP_TEMPLATE LABEL POM [MVN_ARGS...]: copies the runtime
# dependencies of POM into DEST, once. The cache is filled in a private
# directory (mktemp -d TMP_TEMPLATE) and renamed into place, so an
# interrupted or concurrent fetch never leaves a half-filled cache that looks
# complete. Maven's output goes to a log; only failures are shown.
maven_fetch() {
  local dest=$1 template=$2 label=$3 pom=$4
  shift 4
  [[ -f "$dest/.complete" ]] && return 0
  command -v mvn >/dev/null || { echo "mvn not found (run scripts/setup.sh)" >&2; exit 1; }
  mkdir -p "$(dirname "$dest")" "$(dirname "$template")"
  local tmp
  tmp=$(mktemp -d "$template")
  chmod 755 "$tmp"  # mktemp makes it 0700; the cache may be shared with other users
  echo "$label: fetching jars into $dest" >&2
  if ! mvn -q -B -f "$pom" "$@" dependency:copy-dependencies -DincludeScope=runtime \
      -DoutputDirectory="$tmp/lib" >"$tmp/mvn.log" 2>&1; then
    echo "$label: mvn dependency:copy-dependencies failed ($pom):" >&2
    tail -n 40 "$tmp/mvn.log" >&2
    rm -rf "$tmp"
    exit 1
  fi
  mv "$tmp/lib"/*.jar "$tmp/" && rmdir "$tmp/lib" && rm -f "$tmp/mvn.log"
  touch "$tmp/.complete"
  # mv -T fails if another fetch won the race; its cache is as good as ours.
  mv -T "$tmp" "$dest" 2>/dev/null || rm -rf "$tmp"
  [[ -f "$dest/.complete" ]] || { echo "$label: $dest is incomplete; remove it" >&2; exit 1; }
}
