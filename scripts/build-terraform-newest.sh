#!/usr/bin/env bash
# Builds the newest Terraform the Go module proxy serves (default v1.16.4, BUSL-1.1, for tests only) into the tools cache
# outside the repository, once per version; prints the binary's path on the last line.
# Terraform 1.12+ keeps its remote-state backends (s3, gcs, azurerm, ...) and internal/legacy in nested modules that its
# go.mod replaces with local folders; the module zip leaves those folders out and the proxy refuses them by commit. So this
# build drops them: the `local`, `remote`, `cloud`, `http` and `inmem` backends remain, which is all the tests use.
# Safe to run several at once: one builds under a lock, the others wait, and the folder appears whole by one rename.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/cache-lock.sh"
V="${CLUSTERLINK_TERRAFORM_NEWEST_VERSION:-v1.16.4}"
OUT="$CL_CACHE/terraform-newest-$V"
if cl_is_complete "$OUT"; then echo "$OUT/terraform"; exit 0; fi
command -v go >/dev/null || { echo "build-terraform-newest: Go is missing; install Go 1.26.8+ to build Terraform $V" >&2; exit 1; }
cl_lock "terraform-newest-$V"
if cl_is_complete "$OUT"; then echo "$OUT/terraform"; exit 0; fi
export GOTOOLCHAIN=local
tmp=$(cl_tmpdir "$OUT"); src=$(mktemp -d)
trap 'rm -rf "$tmp" "$src"' EXIT
echo "build-terraform-newest: building Terraform $V from the Go module proxy without the nested backend modules (several minutes cold)" >&2
go mod download "github.com/hashicorp/terraform@$V" >&2
cp -r "$(go env GOMODCACHE)/github.com/hashicorp/terraform@$V" "$src/terraform"
chmod -R u+w "$src"
cd "$src/terraform"
init=internal/backend/init/init.go
grep -E '^replace [^ ]+ => \./' go.mod | while read -r _ module _ dir; do
  [ -d "$dir" ] && continue
  go mod edit -dropreplace "$module" -droprequire "$module"
  # The import line `alias "module"` goes, and so does every line that uses the alias (the backend's entry in the table).
  alias=$(sed -nE "s#^[[:space:]]*([A-Za-z0-9_]+)[[:space:]]+\"$module\"\$#\\1#p" "$init")
  if [ -n "$alias" ]; then sed -i -E "\#\"$module\"\$#d; /[^A-Za-z0-9_]$alias\./d" "$init"; fi
  if grep -rq --include='*.go' --exclude='*_test.go' "\"$module" . ; then
    echo "build-terraform-newest: $module is still imported; this version needs more than dropping its backends" >&2; exit 1
  fi
done
CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -ldflags "-s -w" -o "$tmp/terraform" . >&2
"$tmp/terraform" version >&2
cl_publish "$tmp" "$OUT"
echo "$OUT/terraform"
