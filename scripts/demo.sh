#!/usr/bin/env bash
# The main job: bring the stack up locally and replay MovieLens through it (see README.md).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
[ -d node_modules ] || { echo "[demo] installing npm dependencies (first run)"; npm ci --no-audit --no-fund; }
bash infra/local-services.sh
echo "[demo] compiling"
npm run -s build
exec node dist/scripts/replay-movielens.js "$@"
