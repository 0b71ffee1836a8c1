#!/usr/bin/env bash
# Throwaway PostgreSQL cluster for tests and the demo. Never touches the
# machine's default cluster: the data directory, socket and port are private.
#
#   scripts/pg_cluster.sh start DIR   initdb DIR (if new) and start it on a free
#                                     loopback port; prints "port=N"; DIR/port holds it
#   scripts/pg_cluster.sh resume DIR  start a stopped DIR again on its port
#   scripts/pg_cluster.sh restart DIR stop, then resume
#   scripts/pg_cluster.sh stop DIR    fast shutdown
#   scripts/pg_cluster.sh kill DIR    immediate shutdown (as a crash: no checkpoint)
#   scripts/pg_cluster.sh destroy DIR stop and remove DIR
#   scripts/pg_cluster.sh standby DIR PRIMARY_DIR SLOT FEEDBACK
#                                     a hot standby of the cluster in PRIMARY_DIR, in DIR
#                                     on a free port: a copy of its data taken while it is
#                                     stopped for a moment, streaming through its physical
#                                     slot SLOT (create it first), hot_standby_feedback =
#                                     FEEDBACK (on|off), and on 17+ sync_replication_slots
#                                     = on (failover slots are copied to it)
#   scripts/pg_cluster.sh promote DIR make the standby in DIR a primary
#
# The major version is $WALCAST_PG_VERSION (14, 15, 16, 17 or 18; default 15,
# Debian's package); scripts/pg_versions.sh says where its server binaries
# are (14, 16, 17 and 18 must have been fetched with `scripts/pg_versions.sh
# fetch`). PG_BIN, if set, names the binaries' directory instead. A new DIR
# records the directory in DIR/bindir, and later commands on DIR use it.
#
# Superuser: postgres / password "postgres" (scram-sha-256 over TCP 127.0.0.1).
set -euo pipefail

# shellcheck source=lib.sh
source "$(cd "$(dirname "$0")" && pwd)/lib.sh"
cmd=${1:-}
dir=${2:-}
[[ -n "$cmd" && -n "$dir" ]] || { echo "usage: $0 start|resume|restart|stop|kill|destroy|promote DIR | standby DIR PRIMARY_DIR SLOT on|off" >&2; exit 2; }
if [[ -f "$dir/bindir" ]]; then
  PG_BIN=$(cat "$dir/bindir")
elif [[ -z "${PG_BIN:-}" && "$cmd" == start ]]; then
  PG_BIN=$("$(dirname "$0")/pg_versions.sh" bindir "${WALCAST_PG_VERSION:-15}")
fi

# initdb and postgres refuse to run as root; run them as the postgres user.
as_pg() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start() {
  [[ -x "$PG_BIN/initdb" ]] || { echo "PostgreSQL not installed at $PG_BIN (run scripts/setup.sh)" >&2; exit 1; }
  mkdir -p "$dir"
  echo "$PG_BIN" > "$dir/bindir"
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
  if [[ "${1:-}" == same-port ]]; then
    port=$(cat "$dir/port")
    if as_pg "$PG_BIN/pg_ctl" -D "$data" -l "$dir/server.log" -o "-p $port" -w -t 60 start >/dev/null 2>&1; then
      echo "port=$port"
      return 0
    fi
    echo "PostgreSQL did not start again on port $port; server log tail:" >&2
    tail -n 30 "$dir/server.log" >&2 || true
    exit 1
  fi
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
  [[ -f "$dir/data/PG_VERSION" && -n "${PG_BIN:-}" ]] || return 0
  as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
}

# The server builds from Maven carry no pg_basebackup, and Debian's (15)
# refuses newer servers; a copy of a cleanly stopped data directory is as
# good a base for a standby, on every version.
standby() {
  local primary=${3:?PRIMARY_DIR} slot=${4:?SLOT} feedback=${5:?FEEDBACK}
  PG_BIN=$(cat "$primary/bindir")
  local pport
  pport=$(cat "$primary/port")
  as_pg "$PG_BIN/pg_ctl" -D "$primary/data" -m fast -w stop >/dev/null
  mkdir -p "$dir"
  if [[ $(id -u) -eq 0 ]]; then chown postgres:postgres "$dir"; chmod 700 "$dir"; fi
  as_pg cp -a "$primary/data" "$dir/data"
  as_pg rm -rf "$dir/data/postmaster.pid" "$dir/data/pg_replslot" "$dir/data/postmaster.opts"
  as_pg mkdir "$dir/data/pg_replslot"
  local self=$dir
  dir=$primary
  start same-port >/dev/null
  dir=$self
  local major
  major=$(cut -d. -f1 "$dir/data/PG_VERSION")
  as_pg tee -a "$dir/data/postgresql.conf" >/dev/null <<CONF
unix_socket_directories = '$dir'
hot_standby = on
hot_standby_feedback = $feedback
primary_conninfo = 'host=127.0.0.1 port=$pport user=postgres password=postgres dbname=postgres application_name=$slot'
primary_slot_name = '$slot'
CONF
  if (( major >= 17 )); then
    echo "sync_replication_slots = on" | as_pg tee -a "$dir/data/postgresql.conf" >/dev/null
  fi
  as_pg touch "$dir/data/standby.signal"
  start
}

case "$cmd" in
  start) start ;;
  standby) standby "$@" ;;
  promote) as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -w -t 60 promote >/dev/null ;;
  kill) [[ -f "$dir/data/PG_VERSION" ]] && as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true ;;
  resume) start same-port ;;
  restart) stop; start same-port ;;
  stop) stop ;;
  destroy) stop; rm -rf "$dir" ;;
  *) echo "unknown command $cmd" >&2; exit 2 ;;
esac
