#!/usr/bin/env bash
# Builds local stand-ins for the official base images the Containerfile names (debian:bookworm-slim, node:24-bookworm-slim), because no registry image can be pulled on these machines.
#
# debian:bookworm-slim  <- `debootstrap --variant=minbase bookworm` from Debian's packages, imported as one layer
# node:24-bookworm-slim <- that Debian plus the Node 24 binary from the npm registry's `node` package and npm itself,
#                          laid out like the official image (/usr/local/bin/node, /usr/local/lib/node_modules/npm,
#                          user `node` = uid/gid 1000), so the same Containerfile builds here and against the real image.
# Idempotent: an image that already exists with the same Node version is kept (`--force` rebuilds both).
# Needs podman, runc and debootstrap (scripts/build-image.sh installs them) and root (debootstrap).
set -euo pipefail
cd "$(dirname "$0")/.."
# The base is named node:24-…: the Node on PATH must be 24 (setup.sh puts the npm registry's Node 24 first when it is not).
node -e 'process.exit(+process.versions.node.split(".")[0] === 24 ? 0 : 1)' 2>/dev/null || . scripts/setup.sh
node -e 'process.exit(+process.versions.node.split(".")[0] === 24 ? 0 : 1)' || { echo "build-base-image: Node 24 is required on PATH" >&2; exit 1; }

. scripts/cache-lock.sh
T="$CL_CACHE"
# Its own lock (build-image.sh holds `image` while it calls this): base images are built once even when started twice.
cl_lock base-image
DEBIAN_IMAGE="docker.io/library/debian:bookworm-slim"
NODE_IMAGE="docker.io/library/node:24-bookworm-slim"
NPM_VERSION="${CLUSTERLINK_BASE_NPM_VERSION:-11.19.1}"
FORCE=0
[ "${1:-}" = "--force" ] && FORCE=1

log() { echo "build-base-image: $*" >&2; }
cl_podman() { bash scripts/build-image.sh podman "$@"; }
has_image() { cl_podman image exists "$1"; }

# The Debian mirror comes from this machine's own apt sources, so no host name is written here.
debian_mirror() {
  local uri
  uri=$(grep -hE '^\s*URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | grep -E '/debian/?$' | head -n1 || true)
  [ -n "$uri" ] || uri=$(grep -hE '^\s*deb\s' /etc/apt/sources.list 2>/dev/null | awk '{print $2}' | grep -E '/debian/?$' | head -n1 || true)
  [ -n "$uri" ] || { log "no Debian mirror found in /etc/apt/sources.list{,.d}; set CLUSTERLINK_DEBIAN_MIRROR"; exit 1; }
  echo "$uri"
}

if [ "$FORCE" = 1 ] || ! has_image "$DEBIAN_IMAGE"; then
  command -v debootstrap >/dev/null || { log "debootstrap is missing (apt-get install debootstrap)"; exit 1; }
  mirror="${CLUSTERLINK_DEBIAN_MIRROR:-$(debian_mirror)}"
  root=$(mktemp -d "${TMPDIR:-/tmp}/cl-bookworm.XXXXXX")
  trap 'rm -rf "$root"' EXIT
  log "debootstrap bookworm (minbase) into $root"
  debootstrap --variant=minbase bookworm "$root" "$mirror" >"$root.log" 2>&1 || { tail -20 "$root.log" >&2; rm -f "$root.log"; exit 1; }
  rm -f "$root.log"
  # Slim the way the official slim image does: no apt lists, docs, man pages or locales beyond C.
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/usr/share/doc/* "$root"/usr/share/man/* \
         "$root"/usr/share/info/* "$root"/var/log/*.log "$root"/var/log/apt/* "$root"/tmp/*
  tar -C "$root" -c . | cl_podman import --change 'CMD ["bash"]' - "$DEBIAN_IMAGE" >/dev/null
  rm -rf "$root"; trap - EXIT
  log "imported $DEBIAN_IMAGE"
  FORCE=1
fi

node_version=$(node --version | sed 's/^v//')
current=$(cl_podman image inspect --format '{{ index .Config.Labels "clusterlink.node-version" }}' "$NODE_IMAGE" 2>/dev/null || true)
if [ "$FORCE" = 1 ] || [ "$current" != "$node_version" ]; then
  ctx=$(mktemp -d "${TMPDIR:-/tmp}/cl-node-base.XXXXXX")
  trap 'rm -rf "$ctx"' EXIT
  node_bin=$(node -e 'process.stdout.write(process.execPath)')
  cp "$(readlink -f "$node_bin")" "$ctx/node"
  # npm itself, from the npm registry, into a folder laid out as /usr/local/lib/node_modules/npm.
  npm_cache="$T/base-npm-$NPM_VERSION"
  if ! cl_is_complete "$npm_cache" && [ ! -f "$npm_cache/node_modules/npm/package.json" ]; then
    log "fetching npm $NPM_VERSION"
    npm_tmp=$(cl_tmpdir "$npm_cache")
    npm install --prefix "$npm_tmp" --no-audit --no-fund --loglevel=error "npm@$NPM_VERSION" >&2 || { rm -rf "$npm_tmp"; exit 1; }
    cl_publish "$npm_tmp" "$npm_cache"
  fi
  cp -r "$npm_cache/node_modules/npm" "$ctx/npm"
  cat >"$ctx/Containerfile" <<EOF
FROM $DEBIAN_IMAGE
COPY node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
RUN groupadd --gid 1000 node \\
 && useradd --uid 1000 --gid node --shell /bin/bash --create-home node \\
 && ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \\
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \\
 && node --version && npm --version
ENV NODE_VERSION=$node_version
LABEL clusterlink.node-version="$node_version" clusterlink.stand-in="local build of $NODE_IMAGE from Debian packages and the npm registry"
CMD ["node"]
EOF
  log "building $NODE_IMAGE (Node $node_version, npm $NPM_VERSION)"
  cl_podman build --pull=never --network host -t "$NODE_IMAGE" -f "$ctx/Containerfile" "$ctx" >&2
  rm -rf "$ctx"; trap - EXIT
fi
log "ready: $NODE_IMAGE (Node $node_version)"
