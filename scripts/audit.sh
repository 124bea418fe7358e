#!/usr/bin/env bash
# The aggregation audit: bring the stack's infrastructure up locally, compile, and drive the planted population through
# the live services once per policy (see README.md, "The aggregation audit"). Options: npm run audit -- --help
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
[ -d node_modules ] || { echo "[audit] installing npm dependencies (first run)"; npm ci --no-audit --no-fund; }
bash infra/local-services.sh
echo "[audit] compiling"
npm run -s build
exec node dist/scripts/audit/main.js "$@"
