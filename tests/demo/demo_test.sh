#!/usr/bin/env bash
# Runs one of the README's demos end to end (scripts/demo.sh, with
# --example NAME for the others) against the walcast binary under test and
# checks what it shows: the demos are a new user's first contact, so they
# are tested like the rest. Set-up is skipped (the build under test is
# what runs; WALCAST_BIN names it).
#
#   tests/demo/demo_test.sh WALCAST_BINARY [EXAMPLE]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
export WALCAST_BIN=${1:?usage: demo_test.sh WALCAST_BINARY [EXAMPLE]}
example=${2:-}
export WALCAST_DEMO_SKIP_SETUP=1
log=$(mktemp "${TMPDIR:-/tmp}/walcast-demo-test.XXXXXX")
trap 'rm -f "$log"' EXIT

args=()
[[ -n "$example" ]] && args=(--example "$example")
if ! "$root/scripts/demo.sh" "${args[@]}" >"$log" 2>&1; then
  echo "FAIL: the demo exited with an error; its output:"
  cat "$log"
  exit 1
fi

failures=0
expect() { # description, extended regular expression the output must match
  if grep -Eq -- "$2" "$log"; then
    echo "ok: $1"
  else
    echo "FAIL: $1 (no line matches /$2/)"
    failures=$((failures + 1))
  fi
}
case "$example" in
  "")
    expect "change events were printed" '^\([1-9][0-9]* events: '
    expect "the Profiles topic has records" '^\{"schema"|^\{"payload"|^[^ ]*\{"schema"'
    expect "raw documents reached the search node" '^== the search node: [1-9][0-9]* raw documents'
    expect "metrics were computed" '^== metrics computed: [1-9][0-9]* metrics, [1-9][0-9]* documents'
    expect "walcast status answered" 'confirmed_flush_lsn'
    expect "Prometheus metrics were served" '^walcast_events_total\{'
    ;;
  gdpr-user-profiles)
    for id in gdpr_users gdpr_users_by_nationality gdpr_average_age gdpr_top_email_domains \
              gdpr_users_by_gender_country; do
      expect "$id equals SQL" "^  $id: [1-9][0-9]* documents, all equal to SQL"
    done
    expect "the record carries ciphertexts" '"email": "wc1:s\.[0-9a-f]{32}\.'
    expect "decrypt gives the email back" '^  email +[^ @]+@[^ ]+$'
    expect "the record of processing lists the email" '\| profile \| email \| encrypted \|'
    expect "a forgotten user no longer decrypts" 'it no longer decrypts'
    ;;
  sunbird-program-users)
    expect "the job_request row is done" '\|SUCCESS\|'
    expect "the CSV has the label mapping's header" 'User UUID,User Name\(On user consent\),.*,Program ID,'
    expect "the CSV has rows" '^user-[0-9]+-[0-9]+,'
    expect "the command that made it" '^ .*walcast.* exhaust program-user-exhaust '
    ;;
  *) echo "unknown example $example" >&2; exit 2 ;;
esac
if ((failures)); then
  echo "--- the demo's output:"
  cat "$log"
  exit 1
fi
