#!/usr/bin/env bash
# `npm run fuzz`: every fuzz property (test/fuzz-*.e2e-spec.ts) with many cases — FUZZ_RUNS per surface, 10,000 by
# default — on the real broker, PostgreSQL and Redis. Seeded by FUZZ_SEED (fixed unless set; printed with each line),
# so a failing run can be replayed. Ends with a table per surface: cases, 5xx answers, stopped consumers, failing
# properties. Extra arguments go to vitest (e.g. `npm run fuzz -- -t notifier`).
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

export FUZZ_RUNS="${FUZZ_RUNS:-10000}"
export FUZZ_SUMMARY="$PWD/.chorus/fuzz/summary.jsonl"
mkdir -p "$(dirname "$FUZZ_SUMMARY")"
rm -f "$FUZZ_SUMMARY"

npx vitest run --project e2e test/fuzz-http.e2e-spec.ts test/fuzz-topics.e2e-spec.ts test/fuzz-queues.e2e-spec.ts "$@"
status=$?

node - "$FUZZ_SUMMARY" <<'NODE'
const { existsSync, readFileSync } = require('node:fs');
const file = process.argv[2];
const rows = existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line)) : [];
const width = Math.max(8, ...rows.map((r) => r.surface.length));
const line = (cells) => console.log(cells.map((c, i) => (i === 0 ? String(c).padEnd(width) : String(c).padStart(10))).join('  '));
console.log(`\nfuzz summary (FUZZ_RUNS=${process.env.FUZZ_RUNS} per surface, seed ${rows[0]?.seed ?? '-'})`);
line(['surface', 'cases', '5xx', 'stopped', 'failing']);
for (const r of rows) line([r.surface, r.cases, r.serverErrors, r.stoppedConsumers, r.failures]);
const total = (key) => rows.reduce((sum, r) => sum + r[key], 0);
line(['total', total('cases'), total('serverErrors'), total('stoppedConsumers'), total('failures')]);
NODE
exit $status
