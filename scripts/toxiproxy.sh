#!/usr/bin/env bash
# Builds Toxiproxy's server (the userspace TCP fault proxy the network-fault
# tests put between walcast and each server, docs/network-faults.md) from its
# Go module with this machine's Go, once, into
# ${WALCAST_JARS_DIR:-build/jars}/toxiproxy-VERSION/toxiproxy-server.
#
#   scripts/toxiproxy.sh fetch   build it unless it is there; print its path
#   scripts/toxiproxy.sh path    print the path (fails if it is not built)
#
# Go fetches the module through its module proxy (GOPROXY) into a private
# GOPATH under the same directory, so nothing outside it changes.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=versions.env
source "$root/scripts/versions.env"
jars_root=${WALCAST_JARS_DIR:-$root/build/jars}
dir=$jars_root/toxiproxy-$TOXIPROXY_VERSION
bin=$dir/toxiproxy-server

case "${1:-}" in
  fetch)
    if [[ ! -x "$bin" ]]; then
      command -v go >/dev/null || { echo "toxiproxy.sh: go is not installed" >&2; exit 1; }
      mkdir -p "$dir"
      tmp=$(mktemp -d "$dir/build.XXXXXX")
      trap 'rm -rf "$tmp"' EXIT
      GOPATH=$tmp/gopath GOBIN=$tmp/bin GOFLAGS=-modcacherw CGO_ENABLED=0 \
        go install "github.com/Shopify/toxiproxy/v2/cmd/server@v$TOXIPROXY_VERSION" >&2
      # Rename into place last, so a half-built binary is never found.
      mv "$tmp/bin/server" "$bin.tmp" && mv "$bin.tmp" "$bin"
    fi
    echo "$bin"
    ;;
  path)
    [[ -x "$bin" ]] || { echo "toxiproxy.sh: $bin is not built; run scripts/toxiproxy.sh fetch" >&2; exit 1; }
    echo "$bin"
    ;;
  *)
    echo "usage: scripts/toxiproxy.sh fetch|path" >&2
    exit 2
    ;;
esac
