#!/usr/bin/env bash
# Builds and runs walcast's container image (docker/Dockerfile) with Debian's
# buildah, podman and runc, on machines without a Docker engine or a
# reachable registry (docs/container.md).
#
#   scripts/container.sh base            make localhost/debian:bookworm-slim with
#                                        debootstrap, trimmed like Debian's official
#                                        slim image (once; about a minute)
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

# Bump when make_base changes: `build` then remakes a base made by an older
# version (the label below), and the package layer with it.
base_version=2

make_base() {
  if [ "$(podman image inspect --format '{{index .Labels "walcast.base.version"}}' "$base" \
          2>/dev/null)" = "$base_version" ]; then
    return 0
  fi
  echo "container.sh: creating $base with debootstrap" >&2
  rm -rf "$dir/rootfs"
  # The tree is a few hundred megabytes: never leave it behind, even on failure.
  trap 'rm -rf "$dir/rootfs"' EXIT
  debootstrap --variant=minbase bookworm "$dir/rootfs" "$mirror" > "$dir/debootstrap.log" 2>&1 || {
    echo "container.sh: debootstrap failed; see $dir/debootstrap.log" >&2
    tail -5 "$dir/debootstrap.log" >&2
    exit 1
  }
  # Slim like Debian's official bookworm-slim: no documentation (copyright
  # files stay), man or info pages, translations, apt caches or lists, now
  # and for every package installed on top (dpkg's path filters; apt keeps
  # no binary caches).
  local r="$dir/rootfs"
  cat > "$r/etc/dpkg/dpkg.cfg.d/walcast-slim" <<'EOF2'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
path-exclude /usr/share/lintian/*
EOF2
  printf 'Dir::Cache::pkgcache "";\nDir::Cache::srcpkgcache "";\n' \
    > "$r/etc/apt/apt.conf.d/walcast-slim"
  find "$r/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
  find "$r/usr/share/doc" -mindepth 1 -type d -empty -delete
  rm -rf "$r/usr/share/man/"* "$r/usr/share/info/"* "$r/usr/share/lintian/"*
  find "$r/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} +
  rm -rf "$r/var/cache/apt/"*.bin "$r/var/cache/apt/archives/"*.deb "$r/var/lib/apt/lists/"* \
    "$r/var/cache/debconf/"*-old "$r/var/log/"*.log "$r/var/log/apt/"*
  tar -C "$r" -c . | podman import --change "LABEL walcast.base.version=$base_version" - "$base" \
    >/dev/null
  rm -rf "$r"
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
