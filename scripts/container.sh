#!/usr/bin/env bash
# Builds and runs walcast's container image (docker/Dockerfile) with Debian's
# buildah, podman and runc, on machines without a Docker engine or a
# reachable registry (docs/container.md).
#
#   scripts/container.sh base            make localhost/debian:bookworm-slim with
#                                        debootstrap (once; about a minute)
#   scripts/container.sh build [TAG]     build the image (default localhost/walcast:dev)
#   scripts/container.sh run ARGS...     podman run with the settings that work here
#   scripts/container.sh podman ARGS...  any podman command with those settings
#   scripts/container.sh size [TAG]      print the image's size in bytes
#
# Environment: WALCAST_CONTAINER_DIR (default build/container) holds the
# debootstrap tree and podman's containers.conf; DEBIAN_MIRROR the mirror.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${WALCAST_CONTAINER_DIR:-$root/build/container}
base=localhost/debian:bookworm-slim
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
mkdir -p "$dir"

# runc with cgroupfs and no default ulimits: crun and setting the default
# rlimits are refused on these machines.
printf '[containers]\ndefault_ulimits = []\n' > "$dir/containers.conf"
podman_() {
  CONTAINERS_CONF="$dir/containers.conf" podman --runtime runc --cgroup-manager=cgroupfs "$@"
}

make_base() {
  if podman image exists "$base"; then return 0; fi
  echo "container.sh: creating $base with debootstrap" >&2
  rm -rf "$dir/rootfs"
  debootstrap --variant=minbase bookworm "$dir/rootfs" "$mirror" > "$dir/debootstrap.log" 2>&1 || {
    echo "container.sh: debootstrap failed; see $dir/debootstrap.log" >&2
    tail -5 "$dir/debootstrap.log" >&2
    exit 1
  }
  rm -rf "$dir/rootfs/var/cache/apt/archives/"*.deb "$dir/rootfs/var/lib/apt/lists/"*
  tar -C "$dir/rootfs" -c . | podman import - "$base" >/dev/null
  rm -rf "$dir/rootfs"
}

cmd=${1:-}
shift || true
case "$cmd" in
  base) make_base ;;
  build)
    tag=${1:-localhost/walcast:dev}
    make_base
    # --layers keeps the package layer between builds; the build stage's
    # cache mount keeps ccache's objects. --format docker keeps HEALTHCHECK,
    # which the OCI image format has no field for.
    buildah bud --isolation chroot --network host --layers --format docker \
      --build-arg BASE="$base" \
      --build-arg VERSION="$(sed -n 's/^project(walcast VERSION \([^ ]*\).*/\1/p' "$root/CMakeLists.txt")" \
      --build-arg REVISION="$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)" \
      -t "$tag" -f "$root/docker/Dockerfile" "$root"
    ;;
  run) podman_ run "$@" ;;
  podman) podman_ "$@" ;;
  size) podman image inspect --format '{{.Size}}' "${1:-localhost/walcast:dev}" ;;
  *) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
