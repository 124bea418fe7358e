#!/usr/bin/env bash
# The whole test suite: static checks, unit tests (math, contracts, use cases), the middle tier (repositories on a real
# migrated PostgreSQL, no Kafka), end-to-end tests on the real Kafka broker, PostgreSQL and Redis (started when down).
# Prints statement coverage per service from the unit and middle runs before e2e starts. Ends with the line
# "N passed, N failed", summed over the three Vitest runs; exits non-zero if a step failed or Vitest exited non-zero.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

[ -d node_modules ] || { echo "[test] installing npm dependencies"; npm ci --no-audit --no-fund || exit 1; }

echo "[test] typecheck (tsc --noEmit, strict)"
npm run -s typecheck || { echo "0 passed, 1 failed"; exit 1; }
echo "[test] dependency rules (dependency-cruiser)"
npm run -s lint:deps || { echo "0 passed, 1 failed"; exit 1; }

# The three Vitest projects run one after the other, each with its own report, so the unit and middle results still
# count when the e2e infrastructure (its global setup) fails to start. File filters given to `npm test -- <paths>` go to
# every run; a run that then matches no file passes empty. The unit and middle runs measure statement coverage of
# services/ (vitest.config.ts), merged per service by scripts/coverage-by-service.cjs.
mkdir -p .chorus
no_tests=()
[ $# -gt 0 ] && no_tests=(--passWithNoTests)
runs=()
coverage_reports=()
for project in unit middle e2e; do
  report=".chorus/test-results.$project.json"
  rm -f "$report"
  coverage=()
  if [ "$project" != e2e ]; then
    rm -rf ".chorus/coverage/$project"
    coverage=(--coverage.enabled --coverage.reportsDirectory=".chorus/coverage/$project")
    coverage_reports+=(".chorus/coverage/$project/coverage-final.json")
  fi
  echo "[test] vitest --project $project"
  npx vitest run --project "$project" "${no_tests[@]}" "${coverage[@]}" --reporter=default --reporter=json --outputFile.json="$report" "$@"
  runs+=("$project=$report:$?")
  [ "$project" = middle ] && node scripts/coverage-by-service.cjs "${coverage_reports[@]}"
done
node scripts/test-summary.cjs "${runs[@]}"
