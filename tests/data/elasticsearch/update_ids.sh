#!/usr/bin/env bash
# Regenerates update_ids.txt: MOSIP's profile.updateId of every profile in
# tests/data/profiles/ and of update_id_edge.json, computed by the real
# org.json 20210307 (the version MOSIP's connector transforms build with)
# and commons-codec, through UpdateIds.java. Needs java (17) and mvn; the
# first run fetches the two jars from Maven Central into ~/.m2.
#
#   tests/data/elasticsearch/update_ids.sh
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
json=org.json:json:20210307
codec=commons-codec:commons-codec:1.17.0
repo=${MAVEN_REPO:-$HOME/.m2/repository}
for artifact in "$json" "$codec"; do
  mvn -B -q dependency:get -Dartifact="$artifact" >/dev/null
done
classpath="$repo/org/json/json/20210307/json-20210307.jar"
classpath+=":$repo/commons-codec/commons-codec/1.17.0/commons-codec-1.17.0.jar"

work=$(mktemp -d "${TMPDIR:-/tmp}/walcast-update-ids.XXXXXX")
trap 'rm -rf "$work"' EXIT
javac -d "$work" -cp "$classpath" "$here/UpdateIds.java"
# Sorted, so the file does not depend on the shell's glob order.
files=$(ls "$root"/tests/data/profiles/*.json "$here/update_id_edge.json" | sort)
# shellcheck disable=SC2086
java -Dfile.encoding=UTF-8 -cp "$classpath:$work" UpdateIds $files >"$here/update_ids.txt"
echo "wrote $here/update_ids.txt"
