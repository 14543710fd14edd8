#!/usr/bin/env bash
# Puts clusterlink's minimal Pulumi language host (provider/pulumi-language-host/pulumi-language-nodejs) and the
# dynamic-provider plugin from @pulumi/pulumi next to the Pulumi CLI built by scripts/build-pulumi.sh, where the CLI looks
# for plugins after PATH, so `pulumi up` runs a `runtime: nodejs` Pulumi.yaml folder of this checkout.
# Usage: scripts/install-pulumi-language-host.sh  -> prints the Pulumi tool root (put its bin/ first on PATH).
# Safe to run several at once: each file is replaced by one rename under a lock, and left alone when already right.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
. "$here/cache-lock.sh"
ROOT="$("$here/build-pulumi.sh" | tail -1)"
BIN="$ROOT/bin"
host="$repo/provider/pulumi-language-host/pulumi-language-nodejs"
plugin="$repo/node_modules/@pulumi/pulumi/pulumi-resource-pulumi-nodejs"
[ -x "$host" ] || { echo "install-pulumi-language-host: $host is missing" >&2; exit 1; }
[ -f "$plugin" ] || { echo "install-pulumi-language-host: $plugin is missing; run npm ci" >&2; exit 1; }
# in_place: the link points at this checkout's host and the plugin copy has the package's bytes.
in_place() {
  [ "$(readlink "$BIN/pulumi-language-nodejs" 2>/dev/null)" = "$host" ] && cmp -s "$plugin" "$BIN/pulumi-resource-pulumi-nodejs"
}
if in_place; then echo "$ROOT"; exit 0; fi
cl_lock "pulumi-language-host"
if ! in_place; then
  ln -sfn "$host" "$BIN/.pulumi-language-nodejs.$$" && mv -Tf "$BIN/.pulumi-language-nodejs.$$" "$BIN/pulumi-language-nodejs"
  cp "$plugin" "$BIN/.pulumi-resource-pulumi-nodejs.$$" && chmod +x "$BIN/.pulumi-resource-pulumi-nodejs.$$"
  mv -Tf "$BIN/.pulumi-resource-pulumi-nodejs.$$" "$BIN/pulumi-resource-pulumi-nodejs"
fi
echo "$ROOT"
