#!/usr/bin/env bash
# Runs every walcast test: sets up and builds (normal and ASan/UBSan trees),
# runs the unit tests under the sanitizers, then the whole suite (unit and
# integration; integration tests start their own PostgreSQL on loopback)
# through CTest, and prints CTest's summary.
#
#   scripts/test.sh            everything
#   scripts/test.sh -L unit    pass extra arguments to the final ctest run
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh" --asan

jobs=$(nproc)
echo "== unit tests under ASan/UBSan"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir "$root/build-asan" -L unit --output-on-failure -j "$jobs"

echo "== all tests"
ctest --test-dir "$root/build" --output-on-failure -j "$jobs" "$@"
