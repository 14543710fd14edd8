#!/usr/bin/env bash
# Installs the offline checkers of deploy/: kubernetes-validate (PyPI; ships the Kubernetes JSON schemas, strict variants
# included) into a cached venv, and kustomize (built from its Go module). Idempotent; the tests install nothing.
# Safe to run several at once (a lock per tool; a half install never counts: see cache-lock.sh).
# One line in .ci/run: `scripts/fetch-deploy-tools.sh >/dev/null`.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/cache-lock.sh"
KV="${KUBERNETES_VALIDATE_VERSION:-1.37.0}"
KZ="${KUSTOMIZE_VERSION:-v5.7.1}"
log() { echo "fetch-deploy-tools: $*" >&2; }

# A venv holds its own absolute path, so it cannot be renamed into place: it is built in place under the lock and counts
# once its marker, written last, is there (or, for an older script's install, once the package imports).
D="$CL_CACHE/kubernetes-validate-$KV"
kv_ready() { cl_is_complete "$D" || "$D/bin/python" -c 'import kubernetes_validate' 2>/dev/null; }
if ! kv_ready; then
  command -v python3 >/dev/null || { log "python3 is missing (apt-get install python3 python3-venv)"; exit 1; }
  (
    cl_lock "kubernetes-validate-$KV"
    kv_ready && exit 0
    log "installing kubernetes-validate $KV into $D (once)"
    rm -rf "$D"
    python3 -m venv "$D"
    "$D/bin/pip" install --quiet --disable-pip-version-check "kubernetes-validate==$KV" >&2 || { rm -rf "$D"; exit 1; }
    [ -x "$D/bin/kubernetes-validate" ] || { rm -rf "$D"; log "pip finished but $D/bin/kubernetes-validate is missing"; exit 1; }
    date -u +%FT%TZ >"$D/$CL_COMPLETE_MARKER"
  )
fi
echo "$D/bin/kubernetes-validate"

K="$CL_CACHE/kustomize-$KZ"
kz_ready() { cl_is_complete "$K" || "$K/kustomize" version >/dev/null 2>&1; }
if ! kz_ready; then
  command -v go >/dev/null || { log "go is missing: kustomize is built from its Go module"; exit 1; }
  (
    cl_lock "kustomize-$KZ"
    kz_ready && exit 0
    tmp=$(cl_tmpdir "$K")
    trap 'rm -rf "$tmp"' EXIT
    log "building kustomize $KZ into $K (once, about a minute)"
    GOTOOLCHAIN=local GOBIN="$tmp" go install "sigs.k8s.io/kustomize/kustomize/v5@$KZ" >&2
    "$tmp/kustomize" version >/dev/null
    cl_publish "$tmp" "$K"
  )
fi
echo "$K/kustomize"
