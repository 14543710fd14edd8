#!/usr/bin/env bash
# Prints the path of an OpenTofu binary: `tofu` from PATH when present, else OpenTofu (MPL-2.0) built from the Go module
# proxy into the tools cache outside the repository, once per version.
# Usage: scripts/build-opentofu.sh  -> prints the binary's path on the last line.
# Safe to run several at once: one builds under a lock, the others wait, and the folder appears whole by one rename.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/cache-lock.sh"
if [ -z "${CLUSTERLINK_BUILD_OPENTOFU:-}" ] && command -v tofu >/dev/null 2>&1; then
  echo "build-opentofu: using $(command -v tofu) ($(tofu version 2>/dev/null | head -1))" >&2
  command -v tofu; exit 0
fi
V="${CLUSTERLINK_OPENTOFU_VERSION:-v1.12.6}"
OUT="$CL_CACHE/opentofu-$V"
if cl_is_complete "$OUT"; then echo "$OUT/tofu"; exit 0; fi
if ! command -v go >/dev/null; then
  echo "build-opentofu: no tofu on PATH and Go is missing; install OpenTofu, or Go 1.26.6+ to build OpenTofu $V" >&2; exit 1
fi
cl_lock "opentofu-$V"
if cl_is_complete "$OUT"; then echo "$OUT/tofu"; exit 0; fi
export GOTOOLCHAIN=local GOFLAGS=-mod=readonly
tmp=$(cl_tmpdir "$OUT"); src=$(mktemp -d)
trap 'rm -rf "$tmp" "$src"' EXIT
echo "build-opentofu: building OpenTofu $V from the Go module proxy (several minutes cold)" >&2
# Its go.mod replaces hcl with OpenTofu's fork, which `go install pkg@version` refuses: build in a copy of the module.
go mod download "github.com/opentofu/opentofu@$V" >&2
cp -r "$(go env GOMODCACHE)/github.com/opentofu/opentofu@$V" "$src/opentofu"
chmod -R u+w "$src"
( cd "$src/opentofu" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X github.com/opentofu/opentofu/version.dev=no" \
    -o "$tmp/tofu" ./cmd/tofu ) >&2
"$tmp/tofu" version >&2
cl_publish "$tmp" "$OUT"
echo "$OUT/tofu"
