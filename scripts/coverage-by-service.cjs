// Prints statement coverage per service from the Vitest runs below e2e (unit, middle) of scripts/test.sh:
//
//   node scripts/coverage-by-service.cjs <coverage-final.json> [...]
//
// Each argument is the istanbul `json` report of one run (Vitest's --coverage.reporter=json). The runs are merged with
// istanbul-lib-coverage (the library @vitest/coverage-v8 itself reports with), so a statement counts as covered when any
// run executed it; a file no run loaded still counts, with none covered. The table groups files by
// services/<service>/src/ and ends with the total. A missing report is named and skipped (its run failed earlier, and
// test-summary.cjs counts that failure); informational only, it always exits 0 unless called wrongly.
const { existsSync, readFileSync } = require('node:fs');
const { relative } = require('node:path');
const { createCoverageMap } = require('istanbul-lib-coverage');

const SERVICE = /(?:^|\/)services\/([^/]+)\/src\//;

/** { service: { covered, total } } over the merged coverage of `reports` (paths of coverage-final.json files). */
function statementsByService(reports) {
  const map = createCoverageMap({});
  for (const file of reports) map.merge(JSON.parse(readFileSync(file, 'utf8')));
  const services = {};
  for (const file of map.files()) {
    const service = SERVICE.exec(relative(process.cwd(), file).split('\\').join('/'))?.[1];
    if (!service) continue;
    const { covered, total } = map.fileCoverageFor(file).toSummary().statements;
    const sum = (services[service] ??= { covered: 0, total: 0 });
    sum.covered += covered;
    sum.total += total;
  }
  return services;
}

const percent = ({ covered, total }) => (total === 0 ? '-' : `${((100 * covered) / total).toFixed(1)}%`);

function table(services) {
  const names = Object.keys(services).sort();
  const total = names.reduce((sum, name) => ({ covered: sum.covered + services[name].covered, total: sum.total + services[name].total }), { covered: 0, total: 0 });
  const rows = [...names.map((name) => [name, services[name]]), ['all services', total]];
  const width = Math.max('service'.length, ...rows.map(([name]) => name.length));
  return [
    `${'service'.padEnd(width)}  statements`,
    ...rows.map(([name, sum]) => `${name.padEnd(width)}  ${percent(sum).padStart(6)}  (${sum.covered}/${sum.total})`),
  ];
}

if (require.main === module) {
  const args = process.argv.slice(2);
  if (args.length === 0) {
    console.error('coverage-by-service: pass the coverage-final.json of each run (unit, middle)');
    process.exit(2);
  }
  const present = args.filter((file) => existsSync(file));
  for (const file of args.filter((f) => !present.includes(f))) console.log(`[coverage] no coverage report at ${file}: that run stopped before writing it`);
  console.log('[coverage] statement coverage per service, unit + middle tiers (not e2e):');
  for (const line of table(statementsByService(present))) console.log(`[coverage] ${line}`);
}

module.exports = { statementsByService, table };
