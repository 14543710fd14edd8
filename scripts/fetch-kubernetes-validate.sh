#!/usr/bin/env bash
# Installs kubernetes-validate (PyPI; it ships the Kubernetes JSON schemas, strict variants included) into a cached venv and prints the path of its command.
# The deploy/ manifest tests validate offline with it. Idempotent; one line in .ci/run: `scripts/fetch-kubernetes-validate.sh >/dev/null`.
set -euo pipefail
V="${KUBERNETES_VALIDATE_VERSION:-1.37.0}"
T="${CLUSTERLINK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/clusterlink}"
D="$T/kubernetes-validate-$V"
if [ ! -x "$D/bin/kubernetes-validate" ]; then
  command -v python3 >/dev/null || { echo "fetch-kubernetes-validate: python3 is missing (apt-get install python3 python3-venv)" >&2; exit 1; }
  echo "fetch-kubernetes-validate: installing kubernetes-validate $V into $D (once)" >&2
  rm -rf "$D"
  python3 -m venv "$D"
  "$D/bin/pip" install --quiet --disable-pip-version-check "kubernetes-validate==$V" >&2 || { rm -rf "$D"; exit 1; }
fi
echo "$D/bin/kubernetes-validate"
