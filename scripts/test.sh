#!/usr/bin/env bash
# Runs every walcast test: sets up and builds (normal, ASan/UBSan and fuzz
# trees), runs the unit tests under the sanitizers, each libFuzzer target for
# WALCAST_FUZZ_SECONDS (default 15) on its seed corpus (docs/fuzzing.md), then
# the whole suite through CTest, and prints CTest's summary. The whole suite
# is the unit tests, the integration tests on PostgreSQL 15 (Debian's; each
# binary starts its own throwaway cluster on loopback) and the pg-matrix
# tests: a core subset (reader, Kafka differential test against Debezium,
# kill -9, metrics exactness) on PostgreSQL 14, 16, 17 and 18
# (docs/postgres-versions.md).
#
#   scripts/test.sh            everything
#   scripts/test.sh --pg-all   everything, then the whole integration suite
#                              again on each of 18, 17, 16 and 14 (not only
#                              the subset; wal2json's test stays on 15, the
#                              tests pinned to a version of their own, label
#                              pg-pinned, run once; the fault tests only with
#                              --faults, as on 15)
#   scripts/test.sh --faults   everything, then the fault tests left out of
#                              the default run (CTest labels netfaults and
#                              faults; docs/reliability.md says why)
#   scripts/test.sh --soak     everything, then the soak (CTest label soak:
#                              a million changes, 50 kills; an hour or more;
#                              WALCAST_SOAK_CHANGES and WALCAST_SOAK_KILLS
#                              make it smaller; docs/reliability.md)
#   scripts/test.sh -L unit    pass extra arguments to the final ctest run
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
pg_all=0
faults=0
soak=0
while [[ "${1:-}" == --pg-all || "${1:-}" == --faults || "${1:-}" == --soak ]]; do
  [[ "$1" == --pg-all ]] && pg_all=1
  [[ "$1" == --faults ]] && faults=1
  [[ "$1" == --soak ]] && soak=1
  shift
done
"$root/scripts/setup.sh" --asan --fuzz

jobs=$(nproc)
echo "== unit tests under ASan/UBSan"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir "$root/build-asan" -L unit --output-on-failure -j "$jobs"

echo "== fuzz targets on their seed corpora"
ctest --test-dir "$root/build-fuzz" -L fuzz --output-on-failure -j "$jobs"

echo "== all tests"
# Left out here, run by --faults: label `faults`, long fault tests (the
# full state disk through the binary, about 2.5 min), and `netfaults`, the
# network-fault tests (about 15 min of 30 s cuts). tests/integration/
# CMakeLists.txt says more. Label `soak`, the hour-long soak, runs with --soak.
ctest --test-dir "$root/build" --output-on-failure -j "$jobs" -LE '^(faults|netfaults|soak)$' "$@"

if ((faults)); then
  echo "== fault tests (labels netfaults and faults)"
  ctest --test-dir "$root/build" --output-on-failure -j "$jobs" -L '^(faults|netfaults)$' "$@"
fi

if ((soak)); then
  echo "== the soak (label soak)"
  ctest --test-dir "$root/build" --output-on-failure -L '^soak$' "$@"
fi

if ((pg_all)); then
  # The same selection as the run on 15 above: the fault tests (some of
  # which carry the integration label too) only with --faults, never the
  # soak; and not the tests pinned to a version of their own (label
  # pg-pinned: the failover and standby tests set WALCAST_PG_VERSION
  # themselves, so they would run on the same version every time).
  excluded='soak|pg-pinned'
  ((faults)) || excluded="faults|netfaults|$excluded"
  # Newest first: a new server is the likeliest to differ.
  for pg in $("$root/scripts/pg_versions.sh" list | sort -rn); do
    [[ "$pg" == 15 ]] && continue
    echo "== integration tests on PostgreSQL $pg"
    # Tests read the version from WALCAST_PG_VERSION (tests/support/
    # postgres_cluster.h); GTEST_FILTER applies where a test has no filter
    # of its own: wal2json is Debian's package for 15 only.
    WALCAST_PG_VERSION=$pg GTEST_FILTER='-*Wal2Json*' \
      ctest --test-dir "$root/build" -L integration -LE "^($excluded)\$" --output-on-failure \
      -j "$jobs" "$@"
  done
fi
