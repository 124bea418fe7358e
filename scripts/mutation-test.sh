#!/usr/bin/env bash
# Mutation testing of the libraries (Stryker, incremental): `npm run test:mutation` runs every library one after
# another; `npm run test:mutation -- reward drift` runs those; options go to Stryker (`-- platform --force` retests
# every mutant instead of reusing mutation/<lib>.incremental.json). Reports: reports/mutation/<lib>.html (and .json);
# the closing table gives each library's score, also with the mutants listed in mutation/equivalent-mutants.json
# left out.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

all=(reward calibration metrics platform scoring drift contracts contracts-decoders random)
libs=()
options=()
for arg in "$@"; do
  if [[ $arg == -* ]]; then options+=("$arg"); else libs+=("$arg"); fi
done
[ ${#libs[@]} -gt 0 ] || libs=("${all[@]}")
status=0
for lib in "${libs[@]}"; do
  if [[ ! " ${all[*]} " == *" $lib "* ]]; then
    echo "[mutation] unknown library '$lib': expected one of ${all[*]}" >&2
    exit 2
  fi
done
for lib in "${libs[@]}"; do
  echo "[mutation] libs/$lib"
  started=$(date +%s)
  CHORUS_MUTATION_LIB="$lib" npx stryker run stryker.config.mjs "${options[@]}" || status=1
  echo "[mutation] libs/$lib took $(( $(date +%s) - started ))s"
done
node scripts/mutation-score.cjs "${libs[@]}" || status=1
exit $status
