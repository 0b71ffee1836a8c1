#!/usr/bin/env bash
# Run once by the postgres image's entrypoint on an empty data directory
# (/docker-entrypoint-initdb.d): creates MOSIP's six databases and loads each
# one's tables from sql/mosip/ (mounted at /walcast/sql/mosip), as in a MOSIP
# installation, where the services' DDL exists before Debezium's connectors
# start. The files are idempotent, so generate-mosip finds the tables there.
# WALCAST_SQL_DIR points elsewhere (tests/compose/ runs this script against a
# throwaway cluster); psql's PG* variables choose the server.
set -euo pipefail
sql=${WALCAST_SQL_DIR:-/walcast/sql}

for schema in master audit prereg ida regprc idrepo; do
  db="mosip_$schema"
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    -c "CREATE DATABASE $db"
  for f in "$sql"/mosip/"$schema"_*.sql; do
    psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$db" -q -f "$f"
  done
done
# A few hand-written anonymous profiles and a channel, so that idrepo's
# dashboards have rows before the generated data arrives.
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname mosip_idrepo -q \
  -f "$sql"/sample_profiles_insert.sql
