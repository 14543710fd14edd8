#!/usr/bin/env bash
# The test command: lint, type check, then every test (unit tests and tests on real Kafka brokers, Pulumi and Terraform).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/setup.sh
echo "== lint"; npx eslint .
echo "== typecheck"; npx tsc -p tsconfig.json
echo "== tests"
exec node --test --test-reporter=spec --test-timeout=900000 "${@:-test/**/*.test.ts}"
