#!/usr/bin/env bash
# Throwaway PostgreSQL 15 cluster for tests and the demo. Never touches the
# machine's default cluster: the data directory, socket and port are private.
#
#   scripts/pg_cluster.sh start DIR   initdb DIR (if new) and start it on a free
#                                     loopback port; prints "port=N"; DIR/port holds it
#   scripts/pg_cluster.sh stop DIR    fast shutdown
#   scripts/pg_cluster.sh destroy DIR stop and remove DIR
#
# Superuser: postgres / password "postgres" (scram-sha-256 over TCP 127.0.0.1).
set -euo pipefail

# shellcheck source=lib.sh
source "$(cd "$(dirname "$0")" && pwd)/lib.sh"
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
cmd=${1:-}
dir=${2:-}
[[ -n "$cmd" && -n "$dir" ]] || { echo "usage: $0 start|stop|destroy DIR" >&2; exit 2; }

# initdb and postgres refuse to run as root; run them as the postgres user.
as_pg() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start() {
  [[ -x "$PG_BIN/initdb" ]] || { echo "PostgreSQL 15 not installed at $PG_BIN (run scripts/setup.sh)" >&2; exit 1; }
  mkdir -p "$dir"
  if [[ $(id -u) -eq 0 ]]; then
    chown postgres:postgres "$dir"; chmod 700 "$dir"
    as_pg test -w "$dir" || { echo "user postgres cannot reach $dir (a parent directory is not traversable; chmod o+x it)" >&2; exit 1; }
  fi
  local data="$dir/data"
  if [[ ! -f "$data/PG_VERSION" ]]; then
    local pwfile="$dir/pwfile"
    echo postgres > "$pwfile"
    [[ $(id -u) -eq 0 ]] && chown postgres:postgres "$pwfile"
    as_pg "$PG_BIN/initdb" -D "$data" -U postgres --pwfile="$pwfile" --auth-local=trust \
      --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
    rm -f "$pwfile"
    cat >> "$data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
wal_level = logical
max_replication_slots = 20
max_wal_senders = 20
wal_sender_timeout = 60s
fsync = off
full_page_writes = off
shared_buffers = 128MB
max_connections = 100
log_min_messages = warning
CONF
    # Replication connections over TCP need their own hba line.
    echo "host replication all 127.0.0.1/32 scram-sha-256" >> "$data/pg_hba.conf"
  fi
  local port
  for attempt in 1 2 3 4 5; do
    port=$(free_port)
    if as_pg "$PG_BIN/pg_ctl" -D "$data" -l "$dir/server.log" -o "-p $port" -w -t 60 start >/dev/null 2>&1; then
      echo "$port" > "$dir/port"
      echo "port=$port"
      return 0
    fi
    echo "start on port $port failed (attempt $attempt)" >&2
  done
  echo "PostgreSQL did not start; server log tail:" >&2
  tail -n 30 "$dir/server.log" >&2 || true
  exit 1
}

stop() {
  [[ -f "$dir/data/PG_VERSION" ]] || return 0
  as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  destroy) stop; rm -rf "$dir" ;;
  *) echo "unknown command $cmd" >&2; exit 2 ;;
esac
