#!/usr/bin/env bash
# Runs every walcast test: sets up and builds (normal, ASan/UBSan and fuzz
# trees), runs the unit tests under the sanitizers, each libFuzzer target for
# WALCAST_FUZZ_SECONDS (default 15) on its seed corpus (docs/fuzzing.md), then
# the whole suite (unit and integration; integration tests start their own
# PostgreSQL on loopback) through CTest, and prints CTest's summary.
#
#   scripts/test.sh            everything
#   scripts/test.sh -L unit    pass extra arguments to the final ctest run
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh" --asan --fuzz

jobs=$(nproc)
echo "== unit tests under ASan/UBSan"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir "$root/build-asan" -L unit --output-on-failure -j "$jobs"

echo "== fuzz targets on their seed corpora"
ctest --test-dir "$root/build-fuzz" -L fuzz --output-on-failure -j "$jobs"

echo "== all tests"
ctest --test-dir "$root/build" --output-on-failure -j "$jobs" "$@"
