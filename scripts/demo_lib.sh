# Sourced by the demo scripts: where their throwaway servers keep their data,
# and how they are stopped. Uses $root, $demo and $keep; sets pgdir, esdir,
# kafkadir and walcast_pid.

# PostgreSQL runs as user postgres and the search node as nobody when we are
# root; neither may be able to enter the checkout (e.g. under /root), so
# their data lives in /tmp. Kafka's lives in the demo directory.
demo_dirs() {
  pgdir=$(mktemp -d "${TMPDIR:-/tmp}/walcast-demo-pg.XXXXXX")
  esdir=$(mktemp -d "${TMPDIR:-/tmp}/walcast-demo-es.XXXXXX")
  chmod 755 "$pgdir" "$esdir"
  kafkadir="$demo/kafka"
  walcast_pid=""
}

# Stops walcast and the servers (unless --keep); the EXIT trap.
demo_cleanup() {
  if ((keep)); then return; fi
  [[ -n "$walcast_pid" ]] && kill -TERM "$walcast_pid" 2>/dev/null && wait "$walcast_pid" 2>/dev/null || true
  [[ -f "$kafkadir/server.properties" ]] && { "$root/scripts/kafka.sh" stop "$kafkadir" || true; }
  [[ -d "$esdir" ]] && { "$root/scripts/elasticsearch.sh" destroy "$esdir" || true; }
  [[ -d "$pgdir" ]] && { "$root/scripts/pg_cluster.sh" destroy "$pgdir" || true; }
  return 0
}
