#!/usr/bin/env bash
# Prints the path of a Terraform binary: `terraform` (or $TERRAFORM_BINARY_NAME) from PATH when present, else Terraform
# 1.5.7 (MPL-2.0) built from the Go module proxy into the tools cache outside the repository, once.
# Usage: scripts/build-terraform.sh  -> prints the binary's path on the last line.
# Safe to run several at once: one builds under a lock, the others wait, and the folder appears whole by one rename.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/cache-lock.sh"
NAME="${TERRAFORM_BINARY_NAME:-terraform}"
if [ -z "${CLUSTERLINK_BUILD_TERRAFORM:-}" ] && command -v "$NAME" >/dev/null 2>&1; then
  echo "build-terraform: using $(command -v "$NAME") ($("$NAME" version 2>/dev/null | head -1))" >&2
  command -v "$NAME"; exit 0
fi
V="${CLUSTERLINK_TERRAFORM_VERSION:-v1.5.7}"
OUT="$CL_CACHE/terraform-$V"
# Published by a rename (marker), or built by an older version of this script and able to run.
ready() { cl_is_complete "$OUT" || { [ -x "$OUT/terraform" ] && "$OUT/terraform" version >/dev/null 2>&1; }; }
if ready; then echo "$OUT/terraform"; exit 0; fi
command -v go >/dev/null || { echo "build-terraform: no terraform on PATH and Go is missing; install Terraform or OpenTofu, or Go 1.21+ to build Terraform $V" >&2; exit 1; }
cl_lock "terraform-$V"
if ready; then echo "$OUT/terraform"; exit 0; fi
tmp=$(cl_tmpdir "$OUT")
trap 'rm -rf "$tmp"' EXIT
echo "build-terraform: building Terraform $V from the Go module proxy (a few minutes cold)" >&2
# Terraform 1.5.7 has no replace directives, so go install works; Go >= 1.23 refuses some old linknames unless told not to check.
if ! GOTOOLCHAIN=local GOBIN="$tmp" CGO_ENABLED=0 go install -trimpath -ldflags "-s -w" "github.com/hashicorp/terraform@$V" >&2; then
  GOTOOLCHAIN=local GOBIN="$tmp" CGO_ENABLED=0 go install -trimpath -ldflags "-s -w -checklinkname=0" \
    "github.com/hashicorp/terraform@$V" >&2
fi
"$tmp/terraform" version >&2
cl_publish "$tmp" "$OUT"
echo "$OUT/terraform"
