#!/usr/bin/env bash
# Builds Pulumi's Kubernetes resource plugin (pulumi-resource-kubernetes) from the Go module proxy into the tools cache
# (outside the repository), once per version: the plugin @pulumi/kubernetes in package.json asks the Pulumi CLI for.
# A machine that reaches Pulumi's plugin downloads needs none of this (`pulumi up` fetches the plugin itself); the tests
# install this binary with `pulumi plugin install resource kubernetes <version> --file <binary>`.
# Usage: scripts/build-pulumi-kubernetes.sh  -> prints the tool root (its bin/ holds pulumi-resource-kubernetes) last.
# Safe to run several at once: one builds under a lock, the others wait, and the root appears whole by one rename.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
. "$here/cache-lock.sh"
# The proxy serves github.com/pulumi/pulumi-kubernetes/provider/v4 only as the pseudo-version of the commit tagged
# v4.25.0 (the release tags are not module tags); the sdk/v4 module has its own v4.25.0 tag, one release commit later.
V="${CLUSTERLINK_PULUMI_KUBERNETES_VERSION:-v4.25.0}"
PROVIDER_MOD_V="${CLUSTERLINK_PULUMI_KUBERNETES_MODULE:-v4.0.0-20260115033456-f47bc2d6f199}"
ROOT="$CL_CACHE/pulumi-kubernetes-$V"; OUT="$ROOT/bin"
# The npm package and the plugin must agree: the SDK registers its resources with its own version.
sdk_json="$repo/node_modules/@pulumi/kubernetes/package.json"
if [ -f "$sdk_json" ]; then
  wanted="v$(node -p "require(process.argv[1]).pulumi.version" "$sdk_json")"
  if [ "$wanted" != "$V" ]; then
    echo "build-pulumi-kubernetes: node_modules has @pulumi/kubernetes $wanted, this builds $V;" \
      "run npm ci, or set CLUSTERLINK_PULUMI_KUBERNETES_VERSION and CLUSTERLINK_PULUMI_KUBERNETES_MODULE" >&2
    exit 1
  fi
fi
if cl_is_complete "$ROOT"; then echo "$ROOT"; exit 0; fi
command -v go >/dev/null || { echo "build-pulumi-kubernetes: Go is missing; install Go 1.25+ and rerun" >&2; exit 1; }
cl_lock "pulumi-kubernetes-$V"
if cl_is_complete "$ROOT"; then echo "$ROOT"; exit 0; fi
export GOTOOLCHAIN=local GOFLAGS=-mod=readonly CGO_ENABLED=0
tmp=$(cl_tmpdir "$ROOT"); src=$(mktemp -d)
trap 'rm -rf "$tmp" "$src"' EXIT
MC=$(go env GOMODCACHE)
provider="github.com/pulumi/pulumi-kubernetes/provider/v4"
echo "build-pulumi-kubernetes: building pulumi-resource-kubernetes $V from the Go module proxy (about 17 CPU-minutes cold)" >&2
go mod download "$provider@$PROVIDER_MOD_V" "github.com/pulumi/pulumi-kubernetes/sdk/v4@$V" >&2
# The provider's go.mod replaces sdk/v4 with ../sdk (its repository layout), which the module zip lacks: lay both out
# side by side as in the repository.
mkdir -p "$src/pulumi-kubernetes" "$tmp/bin"
cp -r "$MC/$provider@$PROVIDER_MOD_V" "$src/pulumi-kubernetes/provider"
cp -r "$MC/github.com/pulumi/pulumi-kubernetes/sdk/v4@$V" "$src/pulumi-kubernetes/sdk"
chmod -R u+w "$src"
cmd="$src/pulumi-kubernetes/provider/cmd/pulumi-resource-kubernetes"
# The binary embeds its schema stamped with its version (the module's own go:generate step, generate.go).
( cd "$cmd" && VERSION="${V#v}" go run ./generate.go ) >&2
LDF="-s -w -X $provider/pkg/version.Version=${V#v}"
( cd "$src/pulumi-kubernetes/provider" && nice -n 10 go build -trimpath -ldflags "$LDF" -o "$tmp/bin/pulumi-resource-kubernetes" \
  ./cmd/pulumi-resource-kubernetes ) >&2
go version -m "$tmp/bin/pulumi-resource-kubernetes" | grep -q "$provider" \
  || { echo "build-pulumi-kubernetes: the built binary is not $provider" >&2; exit 1; }
cl_publish "$tmp" "$ROOT"
echo "$ROOT"
