# Shared set-up of the benchmark scripts in bench/. Source it after setting
# `root`; it defines functions only.

# bench_start: builds walcast if needed, makes $work (removed on exit, with
# the servers in it), starts a throwaway PostgreSQL ($port) with database
# `bench`, MOSIP's idrepo.anonymous_profile and the publication bench_pub.
# Defines walcast (the binary) and psql_ (psql on database bench).
bench_start() {
  walcast="$root/build/walcast"
  [[ -x "$walcast" ]] || "$root/scripts/setup.sh"
  work=$(mktemp -d /tmp/walcast-bench-XXXXXX)
  chmod 755 "$work"  # the cluster runs as user postgres below it
  trap bench_cleanup EXIT
  port=$("$root/scripts/pg_cluster.sh" start "$work/pg" | sed -n 's/^port=//p')
  export PGPASSWORD=postgres WALCAST_DATABASE_PASSWORD=postgres
  psql -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -c "CREATE DATABASE bench"
  psql_ -f "$root/sql/mosip/idrepo_anonymous_profile.sql"
  psql_ -c "CREATE PUBLICATION bench_pub FOR TABLE idrepo.anonymous_profile"
}

psql_() { psql -X -q -tA -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d bench "$@"; }

# Stops whatever bench_start and the script started under $work (a Kafka
# broker in $work/kafka, if any) and removes it.
bench_cleanup() {
  [[ -d "$work/kafka" ]] && "$root/scripts/kafka.sh" destroy "$work/kafka" >/dev/null 2>&1
  "$root/scripts/pg_cluster.sh" destroy "$work/pg" >/dev/null 2>&1
  rm -rf "$work"
}
