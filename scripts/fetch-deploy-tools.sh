#!/usr/bin/env bash
# Installs the offline checkers of deploy/: kubernetes-validate (PyPI; ships the Kubernetes JSON schemas, strict variants
# included) into a cached venv, and kustomize (built from its Go module). Idempotent; the tests install nothing.
# One line in .ci/run: `scripts/fetch-deploy-tools.sh >/dev/null`.
set -euo pipefail
T="${CLUSTERLINK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/clusterlink}"
KV="${KUBERNETES_VALIDATE_VERSION:-1.37.0}"
KZ="${KUSTOMIZE_VERSION:-v5.7.1}"
log() { echo "fetch-deploy-tools: $*" >&2; }

D="$T/kubernetes-validate-$KV"
if [ ! -x "$D/bin/kubernetes-validate" ]; then
  command -v python3 >/dev/null || { log "python3 is missing (apt-get install python3 python3-venv)"; exit 1; }
  log "installing kubernetes-validate $KV into $D (once)"
  rm -rf "$D"
  python3 -m venv "$D"
  "$D/bin/pip" install --quiet --disable-pip-version-check "kubernetes-validate==$KV" >&2 || { rm -rf "$D"; exit 1; }
fi
echo "$D/bin/kubernetes-validate"

K="$T/kustomize-$KZ"
if [ ! -x "$K/kustomize" ]; then
  command -v go >/dev/null || { log "go is missing: kustomize is built from its Go module"; exit 1; }
  log "building kustomize $KZ into $K (once, about a minute)"
  GOTOOLCHAIN=local GOBIN="$K" go install "sigs.k8s.io/kustomize/kustomize/v5@$KZ" >&2 || { rm -rf "$K"; exit 1; }
fi
echo "$K/kustomize"
