#!/usr/bin/env bash
# Shared by `npm run demo` and `npm run audit`: make sure the infrastructure answers (PostgreSQL, Redis, the local
# Kafka broker), compile, then run a compiled script. Usage: run-local.sh <label> <dist/scripts/… .js> [args…]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
label="$1" script="$2"
shift 2
[ -d node_modules ] || { echo "[$label] installing npm dependencies (first run)"; npm ci --no-audit --no-fund; }
bash infra/local-services.sh
echo "[$label] compiling"
npm run -s build
exec node "$script" "$@"
