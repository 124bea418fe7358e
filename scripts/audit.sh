#!/usr/bin/env bash
# The aggregation audit: the planted population through the live services once per policy (see README.md,
# "npm run audit"). Options: npm run audit -- --help
exec bash "$(dirname "${BASH_SOURCE[0]}")/run-local.sh" audit dist/scripts/audit/main.js "$@"
