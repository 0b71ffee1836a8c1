#!/usr/bin/env bash
# Installs everything walcast needs from Debian's packages and builds it.
# Idempotent: packages already present are not reinstalled, and the build is
# incremental. The binary lands at build/walcast.
#
#   scripts/setup.sh              install + build (build/)
#   scripts/setup.sh --asan       also build the ASan/UBSan tree (build-asan/)
#   scripts/setup.sh --fuzz       also build the libFuzzer targets with clang
#                                 (build-fuzz/, docs/fuzzing.md)
#   scripts/setup.sh --no-build   install only
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build_asan=0
build_fuzz=0
build=1
for arg in "$@"; do
  case "$arg" in
    --asan) build_asan=1 ;;
    --fuzz) build_fuzz=1 ;;
    --no-build) build=0 ;;
    *) echo "unknown option $arg" >&2; exit 2 ;;
  esac
done

# What builds the binary (shared with docker/Dockerfile), then what the tests,
# the demo and the benchmarks run: servers, the JDK for Kafka, Elasticsearch
# and Debezium, the container tools, the headless browser, and clang with
# libFuzzer's runtime (libclang-rt-16-dev) for the fuzz targets.
mapfile -t packages < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$root/scripts/build-packages.txt")
packages+=(
  bc time curl ccache libgtest-dev
  postgresql-15 postgresql-client-15 postgresql-15-wal2json
  openjdk-17-jre-headless maven
  buildah podman runc debootstrap python3-prometheus-client chromium
  clang-16 libclang-rt-16-dev
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo_=""
  [[ $(id -u) -eq 0 ]] || sudo_="sudo"
  $sudo_ apt-get update -qq
  # The server package must not start the machine's default cluster for us;
  # walcast's tests and demo run their own throwaway clusters.
  DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Kafka's jars for the throwaway test broker (scripts/kafka.sh) and
# Debezium's PostgreSQL connector with a Kafka Connect worker for the
# differential test (scripts/debezium.sh); no-ops once cached in build/jars.
"$root/scripts/kafka.sh" fetch
# Kafka 3 for the SCRAM test (scripts/versions.env, KAFKA3_VERSION).
KAFKA_VERSION=$(sed -n 's/^KAFKA3_VERSION=//p' "$root/scripts/versions.env") "$root/scripts/kafka.sh" fetch
"$root/scripts/debezium.sh" fetch
# PostgreSQL 14, 16, 17 and 18 (server builds; 15 is Debian's) for the
# pg-matrix tests and `scripts/test.sh --pg-all` (scripts/pg_versions.sh).
"$root/scripts/pg_versions.sh" fetch
# The search servers the es_* tests run on: OpenSearch (the default),
# Elasticsearch 7.17 and 8.
for flavour in opensearch es7 es8; do "$root/scripts/elasticsearch.sh" fetch "$flavour"; done
# Toxiproxy, the fault proxy of the network-fault tests (label netfaults,
# docs/network-faults.md), built from its Go module with the machine's Go;
# without Go those tests fail.
if command -v go >/dev/null; then
  "$root/scripts/toxiproxy.sh" fetch >/dev/null
else
  echo "setup.sh: no Go toolchain: the netfaults tests will fail (scripts/toxiproxy.sh)" >&2
fi

# ccache keeps compiled objects between builds, so a rebuild in a fresh clone
# (CI's, or a second checkout) compiles only what changed. BASEDIR makes the
# cached commands relative to the checkout and NOHASHDIR lets checkouts in
# other directories share them (debug info then names the first checkout's
# directory). WALCAST_CCACHE=0 builds without it.
launcher=()
if [[ "${WALCAST_CCACHE:-1}" != 0 ]] && command -v ccache >/dev/null; then
  export CCACHE_BASEDIR="$root" CCACHE_NOHASHDIR=1
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
fi

if ((build)); then
  cmake -S "$root" -B "$root/build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "${launcher[@]}" >/dev/null
  cmake --build "$root/build"
  echo "setup: built $root/build/walcast"
fi
if ((build_asan)); then
  cmake -S "$root" -B "$root/build-asan" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
    -DWALCAST_SANITIZE=ON -DWALCAST_BUILD_BENCH=OFF -DWALCAST_BUILD_INTEGRATION_TESTS=OFF \
    "${launcher[@]}" >/dev/null
  cmake --build "$root/build-asan"
fi
if ((build_fuzz)); then
  # Only the fuzz targets and what they link; WALCAST_FUZZ_SECONDS is how
  # long each fuzz test runs under CTest.
  cmake -S "$root" -B "$root/build-fuzz" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
    -DCMAKE_CXX_COMPILER=clang++-16 -DWALCAST_FUZZ=ON -DWALCAST_BUILD_TESTS=OFF \
    -DWALCAST_BUILD_BENCH=OFF -DWALCAST_FUZZ_SECONDS="${WALCAST_FUZZ_SECONDS:-15}" "${launcher[@]}" >/dev/null
  cmake --build "$root/build-fuzz" --target fuzz_targets
fi
