#!/usr/bin/env bash
# Builds and runs the engine's container image from the repository's Containerfile with podman, the way these machines allow (runc, cgroupfs, locally built base images).
#
#   scripts/build-image.sh [build]            install podman/runc/debootstrap when missing, build the base stand-ins once,
#                                             then build the engine image; prints the image reference on stdout
#   scripts/build-image.sh run [ARGS...]      run the engine image (read-only root, /tmp as tmpfs, host network);
#                                             ARGS go to `clusterlink engine` (e.g. --destination-bootstrap 127.0.0.1:9092)
#   scripts/build-image.sh podman ARGS...     podman with this machine's flags (tests use it; it never installs anything)
#
# Environment: CLUSTERLINK_IMAGE (default localhost/clusterlink-engine), CLUSTERLINK_NO_INSTALL=1 (fail instead of apt-get),
# CLUSTERLINK_CACHE (tool cache). Idempotent: podman's layer cache and the cached base images make a rebuild take seconds.
# One line in .ci/run builds it before the tests: `scripts/build-image.sh >/dev/null`.
# `build` holds the tool lock `image` (see cache-lock.sh) while it installs packages and builds, so builds started at once
# run one after the other (the later ones hit podman's layer cache); podman tags an image only once it is fully built.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/cache-lock.sh
PATH="$PATH:/usr/sbin:/sbin" # debootstrap (and podman's network helpers) live there, off an ordinary user's PATH

T="$CL_CACHE"
IMAGE="${CLUSTERLINK_IMAGE:-localhost/clusterlink-engine}"

log() { echo "build-image: $*" >&2; }

# crun cannot set rlimits here and the cgroups are in hybrid mode: runc + cgroupfs and no default ulimits.
podman_conf() {
  local conf="$T/podman/containers.conf"
  if [ ! -f "$conf" ]; then
    mkdir -p "$T/podman"
    # Through a temp file and a rename: a podman started in parallel never reads it half-written.
    printf '[containers]\ndefault_ulimits = []\n\n[engine]\nruntime = "runc"\ncgroup_manager = "cgroupfs"\nevents_logger = "file"\n' >"$conf.$$"
    mv -f "$conf.$$" "$conf"
  fi
  echo "$conf"
}

cl_podman() {
  command -v podman >/dev/null || { log "podman is missing: run scripts/build-image.sh once (it installs podman, runc and debootstrap)"; return 127; }
  CONTAINERS_CONF="$(podman_conf)" podman --runtime runc --cgroup-manager cgroupfs "$@"
}

ensure_tools() {
  local missing=()
  for tool in podman runc debootstrap; do command -v "$tool" >/dev/null || missing+=("$tool"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "${CLUSTERLINK_NO_INSTALL:-0}" = 1 ]; then log "missing: ${missing[*]} (CLUSTERLINK_NO_INSTALL=1 forbids installing)"; exit 1; fi
  log "installing ${missing[*]} from Debian's packages"
  local sudo=(); [ "$(id -u)" = 0 ] || sudo=(sudo)
  "${sudo[@]}" apt-get update -q >&2
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q podman runc debootstrap >&2
}

image_version() { node -e 'process.stdout.write(JSON.parse(require("fs").readFileSync("package.json","utf8")).version)'; }

build() {
  # Node 24 first on PATH; setup.sh only when it is not (it may run npm ci, which a test run must never trigger).
  node -e 'process.exit(+process.versions.node.split(".")[0] === 24 ? 0 : 1)' 2>/dev/null || . scripts/setup.sh
  cl_lock image
  ensure_tools
  bash scripts/build-base-image.sh
  local version revision created start
  version=$(image_version)
  revision=$(git rev-parse --verify -q HEAD 2>/dev/null || echo unknown)
  # The commit time, not the clock: rebuilding the same commit is a full cache hit with the same image id.
  created=$(git log -1 --format=%cI 2>/dev/null || echo unknown)
  start=$(date +%s)
  # A TLS-inspecting proxy's CA reaches npm inside the build as a build secret (never a layer), when the host uses one.
  local secrets=() ca="${NODE_EXTRA_CA_CERTS:-$(npm config get cafile 2>/dev/null || true)}"
  if [ -n "$ca" ] && [ "$ca" != null ] && [ "$ca" != undefined ] && [ -s "$ca" ]; then secrets+=(--secret "id=ca_bundle,src=$ca"); fi
  cl_podman build --pull=never --network host --layers "${secrets[@]}" \
    --build-arg "VERSION=$version" --build-arg "REVISION=$revision" --build-arg "CREATED=$created" \
    -t "$IMAGE:$version" -t "$IMAGE:latest" -f Containerfile . >&2
  # An image replaced by a rebuild stays as a dangling <none> (a few hundred KB of its own); `scripts/build-image.sh podman
  # image prune` drops them. Never remove intermediate images by id: podman 4.3's layer cache then refers to missing layers.
  local size
  size=$(cl_podman image inspect --format '{{.Size}}' "$IMAGE:$version")
  log "built $IMAGE:$version in $(( $(date +%s) - start )) s, $(( size / 1000000 )) MB"
  echo "$IMAGE:$version"
}

run() {
  local version
  version=$(image_version 2>/dev/null || echo latest)
  # Host network (local clusters listen on loopback), so listen on loopback too unless --host says otherwise.
  cl_podman run --rm --network host --read-only --tmpfs /tmp:rw,size=64m,mode=1777 -e CLUSTERLINK_HOST=127.0.0.1 \
    --cap-drop ALL --security-opt no-new-privileges "$IMAGE:$version" "$@"
}

case "${1:-build}" in
  build) build ;;
  run) shift; run "$@" ;;
  podman) shift; cl_podman "$@" ;;
  conf) podman_conf ;;
  *) echo "usage: scripts/build-image.sh [build | run [ENGINE ARGS...] | podman ARGS... | conf]" >&2; exit 2 ;;
esac
