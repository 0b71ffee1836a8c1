#!/usr/bin/env bash
# Runs one libFuzzer target for a fixed time (docs/fuzzing.md).
#
#   run_fuzzer.sh BINARY SEED_DIR WORK_DIR SECONDS [libFuzzer flags...]
#
# SEED_DIR (tests/fuzz/corpus/<target>/) is only read; the inputs the run
# adds go to WORK_DIR/corpus and a crashing input to WORK_DIR/crash-*.
# Exit status: 0 when the time ran out with no crash, leak or sanitizer
# report; libFuzzer's non-zero status otherwise (the report is on stderr).
set -euo pipefail
binary=$1 seeds=$2 work=$3 seconds=$4
shift 4
[[ -d "$seeds" ]] || { echo "no seed corpus at $seeds" >&2; exit 1; }
mkdir -p "$work/corpus"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
exec "$binary" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$work/" "$@" "$work/corpus" "$seeds"
