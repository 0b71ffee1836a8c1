#!/usr/bin/env bash
# Tests of scripts/lib.sh's wait_started: a server that died on a port taken
# between free_port and its bind must be told apart from any other failed
# start (wait_started returns 1 and start_on_ports tries other ports), with
# or without a console log, however long the log; any other death exits.
#
#   tests/scripts/lib_test.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../../scripts/lib.sh
source "$root/scripts/lib.sh"
dir=$(mktemp -d "${TMPDIR:-/tmp}/walcast-lib-test.XXXXXX")
trap 'rm -rf "$dir"' EXIT
log_tail() { :; }
stop() { :; }

# A process that has exited and been reaped: the server that died.
sleep 0 &
dead=$!
wait "$dead"

failures=0
# check NAME EXPECTED: runs wait_started in a subshell (its exit must not end
# this script) and compares what happened with EXPECTED, "returned 1" (a
# taken port) or "exited" (any other failure).
check() {
  local name=$1 expected=$2 got
  got=$( (wait_started Server "$dead" "$dir/server.log" 0 5 "Address already in use" false \
            || echo "returned $?") 2>/dev/null) || true
  [[ -n "$got" ]] || got=exited
  if [[ "$got" == "$expected" ]]; then
    echo "ok: $name"
  else
    echo "FAIL: $name: expected '$expected', got '$got'"
    failures=$((failures + 1))
  fi
}

bind_error='ERROR Socket server failed to bind to 127.0.0.1:30852: Address already in use'
# A log far longer than a pipe's buffer, with the bind error first: a grep
# that stops at the first match makes tail fail with SIGPIPE.
{ echo "$bind_error"; seq 1 200000; } >"$dir/server.log"
unset console_log console_offset
check "a taken port, no console log (Kafka)" "returned 1"

console_log="$dir/console.log" console_offset=0
: >"$console_log"
check "a taken port in the server's log, a console log as well" "returned 1"

seq 1 200000 >"$dir/server.log"
{ echo "$bind_error"; seq 1 200000; } >"$console_log"
check "a taken port in the console log (OpenSearch)" "returned 1"

: >"$console_log"
{ echo "ERROR Exiting Kafka due to fatal exception during startup."; seq 1 1000; } >"$dir/server.log"
check "another failure exits" "exited"
unset console_log console_offset
check "another failure, no console log, exits" "exited"

((failures == 0)) || { echo "$failures failed"; exit 1; }
