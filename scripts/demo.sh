#!/usr/bin/env bash
# The main job: bring the stack up locally and replay MovieLens through it (see README.md).
exec bash "$(dirname "${BASH_SOURCE[0]}")/run-local.sh" demo dist/scripts/replay-movielens.js "$@"
