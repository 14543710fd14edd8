#!/usr/bin/env bash
# Builds a real Kubernetes API server for the tests (no kubelet, no controller manager): kube-apiserver from the
# k8s.io/kubernetes Go module and etcd from go.etcd.io/etcd/server/v3, into the tools cache outside the repository, once
# per pair of versions. test/kube/kube-api-server.ts starts them the way controller-runtime's envtest does.
# Usage: scripts/build-kube-apiserver.sh  -> prints the folder holding kube-apiserver and etcd on the last line.
# Safe to run several at once: one builds under a lock, the others wait, and the folder appears whole by one rename.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/cache-lock.sh"
KUBE_V="${CLUSTERLINK_KUBE_VERSION:-v1.36.3}"
ETCD_V="${CLUSTERLINK_ETCD_VERSION:-v3.6.16}"
OUT="$CL_CACHE/kube-apiserver-$KUBE_V-etcd-$ETCD_V"
if cl_is_complete "$OUT"; then echo "$OUT"; exit 0; fi
command -v go >/dev/null || { echo "build-kube-apiserver: Go is missing; install Go 1.26+ and rerun" >&2; exit 1; }
cl_lock "kube-apiserver-$KUBE_V-etcd-$ETCD_V"
if cl_is_complete "$OUT"; then echo "$OUT"; exit 0; fi
export GOTOOLCHAIN=local GOFLAGS=-mod=mod CGO_ENABLED=0
tmp=$(cl_tmpdir "$OUT"); src=$(mktemp -d)
trap 'rm -rf "$tmp" "$src"' EXIT
echo "build-kube-apiserver: building kube-apiserver $KUBE_V and etcd $ETCD_V from the Go module proxy (about 25 min cold on 2 cores)" >&2

# build_in DIR PACKAGE OUTPUT LDFLAGS: builds PACKAGE from the throwaway main module in DIR (its go.mod is already written).
build_in() {
  printf '//go:build tools\n\npackage tools\n\nimport _ "%s"\n' "$2" >"$1/tools.go"
  ( cd "$1" && go mod tidy >&2 && nice -n 10 go build -mod=readonly -trimpath -ldflags "$4" -o "$3" "$2" >&2 )
}

# kubernetes' own go.mod points every k8s.io/* staging module at ./staging/src, which the module zip lacks; each staging
# module is published on its own at v0.<minor>.<patch> for kubernetes v1.<minor>.<patch>, so a throwaway main module
# requires kubernetes and replaces each staging module with its published release.
staging_v="v0.${KUBE_V#v1.}"
kube_mod="$(go mod download -json "k8s.io/kubernetes@$KUBE_V" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
mkdir -p "$src/kube"
{
  printf 'module clusterlink.invalid/kube-apiserver\n\ngo %s\n\nrequire k8s.io/kubernetes %s\n\n' \
    "$(sed -n 's/^go //p' "$kube_mod")" "$KUBE_V"
  sed -n 's|^[[:space:]]*\(k8s.io/[^[:space:]]*\) => \./staging/.*|replace \1 => \1 '"$staging_v"'|p' "$kube_mod"
} >"$src/kube/go.mod"
grep -q '^replace k8s.io/api ' "$src/kube/go.mod" || { echo "build-kube-apiserver: no staging modules in $kube_mod" >&2; exit 1; }
minor="${KUBE_V#v1.}"; minor="${minor%%.*}"
kube_ldf="-s -w -X k8s.io/component-base/version.gitVersion=$KUBE_V -X k8s.io/component-base/version.gitMajor=1"
kube_ldf="$kube_ldf -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean"
build_in "$src/kube" k8s.io/kubernetes/cmd/kube-apiserver "$tmp/kube-apiserver" "$kube_ldf"

# etcd's main package is the root of its server module; its go.mod replaces sibling modules by path, which only a main
# module may do, so it is built as a dependency of a throwaway module too (the published siblings of the same release).
mkdir -p "$src/etcd"
printf 'module clusterlink.invalid/etcd\n\ngo %s\n\nrequire go.etcd.io/etcd/server/v3 %s\n' \
  "$(sed -n 's/^go //p' "$(go mod download -json "go.etcd.io/etcd/server/v3@$ETCD_V" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')")" \
  "$ETCD_V" >"$src/etcd/go.mod"
build_in "$src/etcd" go.etcd.io/etcd/server/v3 "$tmp/etcd" "-s -w"

"$tmp/kube-apiserver" --version >&2
"$tmp/etcd" --version >&2
cl_publish "$tmp" "$OUT"
echo "$OUT"
