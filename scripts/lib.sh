# Shell helpers shared by scripts/pg_cluster.sh, kafka.sh and debezium.sh.
# Source it; it defines functions only.

# A free TCP port on 127.0.0.1 (one nobody is listening on right now).
free_port() {
  local port
  for _ in $(seq 1 200); do
    port=$(( (RANDOM % 30000) + 20000 ))
    if ! port_open "$port"; then echo "$port"; return 0; fi
  done
  echo "no free port found" >&2
  return 1
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

# start_watchdog OWNER_PID PID: in the background, SIGKILLs PID once
# OWNER_PID is gone (a crashed or timed-out test leaves no server behind);
# ends by itself when PID ends.
start_watchdog() {
  local owner=$1 pid=$2
  setsid bash -c '
    while kill -0 "$1" 2>/dev/null && kill -0 "$2" 2>/dev/null; do sleep 1; done
    kill -0 "$2" 2>/dev/null && kill -KILL "$2"' watchdog "$owner" "$pid" \
    </dev/null >/dev/null 2>&1 &
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
