#!/usr/bin/env bash
# Brings Node 24 (from the npm registry's `node` package) when the system Node is older, and installs the npm packages.
# Source it (`. scripts/setup.sh`) to get Node 24 first on PATH; it is idempotent and quiet when all is in place, and safe
# when several processes run it at once (a lock per install; Node 24 lands in the cache by one rename, see cache-lock.sh).
T="${CLUSTERLINK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/clusterlink}"
_cl_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_cl_node_check='const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>24||(a===24&&b>=6)?0:1)'
_cl_node_ok() { command -v node >/dev/null 2>&1 && node -e "$_cl_node_check"; }
# The cached Node counts only when it runs: it is published by a rename, and an older script's half install fails here.
_cl_node24_ok() { "$T/node24/node_modules/.bin/node" -e "$_cl_node_check" 2>/dev/null; }
# npm writes node_modules/.package-lock.json at the end of a successful install; a failed `npm ci` below removes it.
_cl_npm_ok() {
  [ -f "$_cl_root/node_modules/.package-lock.json" ] && ! [ "$_cl_root/package-lock.json" -nt "$_cl_root/node_modules/.package-lock.json" ]
}
if ! _cl_node_ok; then
  if ! _cl_node24_ok; then
    command -v npm >/dev/null 2>&1 || { echo "setup: npm is missing; install Node.js and npm (Debian: apt-get install nodejs npm)" >&2; return 1 2>/dev/null || exit 1; }
    (
      . "$_cl_root/scripts/cache-lock.sh" && cl_lock node24 || exit 1
      _cl_node24_ok && exit 0
      echo "setup: installing Node 24 into $T/node24 (once)" >&2
      tmp=$(cl_tmpdir "$T/node24") || exit 1
      if ! npm install --prefix "$tmp" --no-audit --no-fund --no-update-notifier --loglevel=error node@24 >&2 \
          || ! "$tmp/node_modules/.bin/node" -e "$_cl_node_check"; then
        rm -rf "$tmp"; echo "setup: could not install Node 24 from the npm registry" >&2; exit 1
      fi
      cl_publish "$tmp" "$T/node24"
    ) || { return 1 2>/dev/null || exit 1; }
  fi
  export PATH="$T/node24/node_modules/.bin:$PATH"
fi
_cl_node_ok || { echo "setup: Node >= 24.6 is required" >&2; return 1 2>/dev/null || exit 1; }
if ! _cl_npm_ok; then
  (
    . "$_cl_root/scripts/cache-lock.sh" && cl_lock "npm-ci-$(printf %s "$_cl_root" | cksum | cut -d' ' -f1)" || exit 1
    _cl_npm_ok && exit 0
    echo "setup: installing npm packages" >&2
    cd "$_cl_root" && npm ci --no-audit --no-fund --loglevel=error >&2 || { rm -f node_modules/.package-lock.json; exit 1; }
  ) || { echo "setup: npm ci failed" >&2; return 1 2>/dev/null || exit 1; }
fi
