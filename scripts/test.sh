#!/usr/bin/env bash
# The whole test suite: static checks, unit tests (math, contracts), end-to-end tests on the real Kafka broker,
# PostgreSQL and Redis (started when down). Ends with the line "N passed, N failed", summed over both Vitest runs; exits
# non-zero if a step failed or Vitest exited non-zero.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

[ -d node_modules ] || { echo "[test] installing npm dependencies"; npm ci --no-audit --no-fund || exit 1; }

echo "[test] typecheck (tsc --noEmit, strict)"
npm run -s typecheck || { echo "0 passed, 1 failed"; exit 1; }
echo "[test] dependency rules (dependency-cruiser)"
npm run -s lint:deps || { echo "0 passed, 1 failed"; exit 1; }

# The two Vitest projects run one after the other, each with its own report, so the unit results still count when the
# e2e infrastructure (its global setup) fails to start. File filters given to `npm test -- <paths>` go to both runs; a
# run that then matches no file passes empty.
mkdir -p .chorus
no_tests=()
[ $# -gt 0 ] && no_tests=(--passWithNoTests)
runs=()
for project in unit e2e; do
  report=".chorus/test-results.$project.json"
  rm -f "$report"
  echo "[test] vitest --project $project"
  npx vitest run --project "$project" "${no_tests[@]}" --reporter=default --reporter=json --outputFile.json="$report" "$@"
  runs+=("$project=$report:$?")
done
node scripts/test-summary.cjs "${runs[@]}"
