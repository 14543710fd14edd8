#!/usr/bin/env bash
# Builds the Pulumi CLI from the Go module proxy into the tools cache (outside the repository), once per version.
# Usage: scripts/build-pulumi.sh  -> prints the tool root (its bin/ holds pulumi and the dynamic-provider plugin).
# Safe to run several at once: one builds under a lock, the others wait, and the root appears whole by one rename.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/cache-lock.sh"
V="${CLUSTERLINK_PULUMI_VERSION:-v3.274.1}"
ROOT="$CL_CACHE/pulumi-$V"; OUT="$ROOT/bin"
# Published by a rename (marker), or built by an older version of this script (it moved the binary into place whole).
ready() { cl_is_complete "$ROOT" || { [ -x "$OUT/pulumi" ] && "$OUT/pulumi" version >/dev/null 2>&1; }; }
if ready; then echo "$ROOT"; exit 0; fi
command -v go >/dev/null || { echo "build-pulumi: Go is missing; install Go 1.25+ (Debian package golang or go.dev) and rerun" >&2; exit 1; }
cl_lock "pulumi-$V"
if ready; then echo "$ROOT"; exit 0; fi
export GOTOOLCHAIN=local GOFLAGS=-mod=readonly
tmp=$(cl_tmpdir "$ROOT"); src=$(mktemp -d)
trap 'rm -rf "$tmp" "$src"' EXIT
MC=$(go env GOMODCACHE)
LDF="-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$V"
echo "build-pulumi: building Pulumi CLI $V (about 4 min cold)" >&2
go mod download "github.com/pulumi/pulumi/pkg/v3@$V" "github.com/pulumi/pulumi/sdk/v3@$V" >&2
mkdir -p "$src/pulumi" "$tmp/bin"
cp -r "$MC/github.com/pulumi/pulumi/pkg/v3@$V" "$src/pulumi/pkg"
cp -r "$MC/github.com/pulumi/pulumi/sdk/v3@$V" "$src/pulumi/sdk"
chmod -R u+w "$src"
( cd "$src/pulumi/pkg" && go build -trimpath -tags osusergo,grpcnotrace -ldflags "$LDF" -o "$tmp/bin/pulumi" ./cmd/pulumi ) >&2
"$tmp/bin/pulumi" version >&2
cl_publish "$tmp" "$ROOT"
echo "$ROOT"
