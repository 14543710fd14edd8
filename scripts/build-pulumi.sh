#!/usr/bin/env bash
# Builds the Pulumi CLI from the Go module proxy into the tools cache (outside the repository), once per version.
# Usage: scripts/build-pulumi.sh  -> prints the tool root (its bin/ holds pulumi and the dynamic-provider plugin).
set -euo pipefail
V="${CLUSTERLINK_PULUMI_VERSION:-v3.274.1}"
T="${CLUSTERLINK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/clusterlink}"
ROOT="$T/pulumi-$V"; OUT="$ROOT/bin"
if [ -x "$OUT/pulumi" ] && "$OUT/pulumi" version >/dev/null 2>&1; then echo "$ROOT"; exit 0; fi
command -v go >/dev/null || { echo "build-pulumi: Go is missing; install Go 1.25+ (Debian package golang or go.dev) and rerun" >&2; exit 1; }
export GOTOOLCHAIN=local GOFLAGS=-mod=readonly
W=$(mktemp -d)/pulumi; MC=$(go env GOMODCACHE)
LDF="-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$V"
echo "build-pulumi: building Pulumi CLI $V (about 4 min cold)" >&2
go mod download github.com/pulumi/pulumi/pkg/v3@$V github.com/pulumi/pulumi/sdk/v3@$V >&2
mkdir -p "$W" "$OUT"
cp -r "$MC/github.com/pulumi/pulumi/pkg/v3@$V" "$W/pkg"
cp -r "$MC/github.com/pulumi/pulumi/sdk/v3@$V" "$W/sdk"
chmod -R u+w "$W"
( cd "$W/pkg" && go build -trimpath -tags osusergo,grpcnotrace -ldflags "$LDF" -o "$OUT/pulumi.tmp" ./cmd/pulumi ) >&2
mv "$OUT/pulumi.tmp" "$OUT/pulumi"
rm -rf "$(dirname "$W")"
"$OUT/pulumi" version >&2
echo "$ROOT"
