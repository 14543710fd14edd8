#!/usr/bin/env bash
# Brings Node 24 (from the npm registry's `node` package) when the system Node is older, and installs the npm packages.
# Source it (`. scripts/setup.sh`) to get Node 24 first on PATH; it is idempotent and quiet when all is in place.
T="${CLUSTERLINK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/clusterlink}"
_cl_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_cl_node_ok() { command -v node >/dev/null 2>&1 && node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>24||(a===24&&b>=6)?0:1)'; }
if ! _cl_node_ok; then
  if [ ! -x "$T/node24/node_modules/.bin/node" ]; then
    command -v npm >/dev/null 2>&1 || { echo "setup: npm is missing; install Node.js and npm (Debian: apt-get install nodejs npm)" >&2; return 1 2>/dev/null || exit 1; }
    echo "setup: installing Node 24 into $T/node24 (once)" >&2
    mkdir -p "$T"
    npm install --prefix "$T/node24" --no-audit --no-fund --loglevel=error node@24 >&2 || { echo "setup: could not install Node 24 from the npm registry" >&2; return 1 2>/dev/null || exit 1; }
  fi
  export PATH="$T/node24/node_modules/.bin:$PATH"
fi
_cl_node_ok || { echo "setup: Node >= 24.6 is required" >&2; return 1 2>/dev/null || exit 1; }
if [ ! -f "$_cl_root/node_modules/.package-lock.json" ] || [ "$_cl_root/package-lock.json" -nt "$_cl_root/node_modules/.package-lock.json" ]; then
  echo "setup: installing npm packages" >&2
  (cd "$_cl_root" && npm ci --no-audit --no-fund --loglevel=error >&2) || { echo "setup: npm ci failed" >&2; return 1 2>/dev/null || exit 1; }
fi
