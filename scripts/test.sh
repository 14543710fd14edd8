#!/usr/bin/env bash
# The test command: brings every tool the tests use (once; cached outside the repository), then lint, type check and every
# test (unit tests, and tests on real Kafka brokers, the real Pulumi CLI, Terraform and a podman-built engine image).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/setup.sh
echo "== tools"
scripts/fetch-kafka.sh >/dev/null
scripts/build-pulumi.sh >/dev/null
scripts/build-pulumi-kubernetes.sh >/dev/null
scripts/install-pulumi-language-host.sh >/dev/null
scripts/build-terraform.sh >/dev/null
scripts/build-opentofu.sh >/dev/null
scripts/build-terraform-newest.sh >/dev/null
scripts/build-image.sh >/dev/null
scripts/fetch-deploy-tools.sh >/dev/null
scripts/install-kdc.sh >/dev/null
scripts/build-kube-apiserver.sh >/dev/null
echo "== lint"; npx eslint .
echo "== typecheck"; npx tsc -p tsconfig.json
echo "== tests"
exec node --test --test-reporter=spec --test-timeout=900000 "${@:-test/**/*.test.ts}"
