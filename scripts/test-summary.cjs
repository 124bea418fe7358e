// Reads Vitest's JSON report and prints the closing line CI looks for: "N passed, N failed[, N skipped]".
// A test file that failed outside its tests (an import, a beforeAll) counts as a failure, so it cannot pass as
// "0 failed" with its tests merely skipped.
const { readFileSync, existsSync } = require('node:fs');

const file = process.argv[2];
if (!file || !existsSync(file)) {
  console.log('0 passed, 1 failed');
  console.error(`no test report at ${file}: the test runner did not finish`);
  process.exit(1);
}
const report = JSON.parse(readFileSync(file, 'utf8'));
const brokenFiles = (report.testResults ?? []).filter(
  (r) => r.status === 'failed' && !(r.assertionResults ?? []).some((a) => a.status === 'failed'),
).length;
const passed = report.numPassedTests ?? 0;
const failed = (report.numFailedTests ?? 0) + brokenFiles;
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
