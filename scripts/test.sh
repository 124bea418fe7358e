#!/usr/bin/env bash
# The whole test suite: static checks, unit tests (math, contracts), end-to-end tests on the real Kafka broker,
# PostgreSQL and Redis (started when down). Ends with the line "N passed, N failed".
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

[ -d node_modules ] || { echo "[test] installing npm dependencies"; npm ci --no-audit --no-fund || exit 1; }

echo "[test] typecheck (tsc --noEmit, strict)"
npm run -s typecheck || { echo "0 passed, 1 failed"; exit 1; }
echo "[test] dependency rules (dependency-cruiser)"
npm run -s lint:deps || { echo "0 passed, 1 failed"; exit 1; }

mkdir -p .chorus
results=.chorus/test-results.json
rm -f "$results"
npx vitest run --reporter=default --reporter=json --outputFile.json="$results" "$@"
status=$?
node scripts/test-summary.cjs "$results" || status=1
exit $status
