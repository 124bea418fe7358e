// Prints the closing line CI looks for, "N passed, N failed[, N skipped]", summed over the Vitest runs of
// scripts/test.sh (the unit project, then the e2e project, each with its own JSON report).
//
//   node scripts/test-summary.cjs <name>=<report.json>:<vitest exit status> [...]
//
// Beyond its failed tests, a run counts one failure for each of:
// - a missing report: Vitest stopped before writing it (a global setup that threw stops the run that way);
// - a test file that failed outside its tests (an import, a beforeAll), so it cannot pass as "0 failed" with its tests
//   merely skipped;
// - a non-zero exit status with no failure in the report: an unhandled error, or a global setup that threw after the
//   report was set up (Vitest's JSON report records neither; the exit status does).
// Exits non-zero when anything failed, when a run exited non-zero, or when nothing passed at all.
const { existsSync, readFileSync } = require('node:fs');

const RUN = /^([^=]+)=(.+):(\d+)$/;

function summarizeRun(arg) {
  const match = RUN.exec(arg);
  if (!match) {
    throw new Error(`test-summary: argument "${arg}" must be <name>=<report.json>:<vitest exit status>, e.g. unit=.chorus/unit.json:0`);
  }
  const [, name, file, statusText] = match;
  const status = Number(statusText);
  if (!existsSync(file)) {
    return { name, status, passed: 0, failed: 1, skipped: 0, notes: [`no report at ${file}: Vitest stopped before writing it (a failed global setup does that; see its output above)`] };
  }
  const report = JSON.parse(readFileSync(file, 'utf8'));
  const notes = [];
  const files = report.testResults ?? [];
  const brokenFiles = files.filter((r) => r.status === 'failed' && !(r.assertionResults ?? []).some((a) => a.status === 'failed'));
  for (const broken of brokenFiles) notes.push(`${broken.name} failed outside its tests: ${broken.message || 'see the output above'}`);
  let failed = (report.numFailedTests ?? 0) + brokenFiles.length;
  if (status !== 0 && failed === 0) {
    failed = 1;
    notes.push(`Vitest exited ${status} with no failed test in its report: an unhandled error or a failed global setup (see its "Unhandled Error" output above)`);
  }
  return {
    name,
    status,
    passed: report.numPassedTests ?? 0,
    failed,
    skipped: (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0),
    notes,
  };
}

const line = ({ passed, failed, skipped }) => `${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`;

const args = process.argv.slice(2);
if (args.length === 0) {
  console.error('test-summary: pass one <name>=<report.json>:<vitest exit status> per Vitest run');
  console.log('0 passed, 1 failed');
  process.exit(1);
}
let runs;
try {
  runs = args.map(summarizeRun);
} catch (error) {
  console.error(error.message);
  console.log('0 passed, 1 failed');
  process.exit(1);
}
for (const run of runs) {
  console.log(`[test] ${run.name}: ${line(run)}`);
  for (const note of run.notes) console.log(`[test] ${run.name}: ${note}`);
}
const total = runs.reduce((sum, r) => ({ passed: sum.passed + r.passed, failed: sum.failed + r.failed, skipped: sum.skipped + r.skipped }), { passed: 0, failed: 0, skipped: 0 });
console.log(line(total));
process.exit(total.failed > 0 || total.passed === 0 || runs.some((r) => r.status !== 0) ? 1 : 0);
