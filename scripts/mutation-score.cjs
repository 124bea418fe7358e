// Reads Stryker's JSON reports (reports/mutation/<lib>.json) and prints each library's mutation score twice: as
// Stryker counts it, and with the surviving mutants listed in mutation/equivalent-mutants.json left out (a mutant
// that no test can kill because it does not change behaviour). A listed mutant that is no longer an undetected
// mutant (killed, or its code changed) is reported: the list must not excuse what is not there.
// Exits 1 when a library scores under the target or the list is stale.
const { readFileSync, existsSync } = require('node:fs');

const TARGET = 85;
const DETECTED = new Set(['Killed', 'Timeout']);
const UNDETECTED = new Set(['Survived', 'NoCoverage']);

const equivalents = JSON.parse(readFileSync('mutation/equivalent-mutants.json', 'utf8')).mutants;
const keyOf = (file, line, mutator, replacement) => `${file}:${line} ${mutator} ${replacement}`;
const listed = new Map(equivalents.map((m) => [keyOf(m.file, m.line, m.mutator, m.replacement), m]));
const matched = new Set();
const mutated = new Set();

let failed = false;
const rows = [];
for (const lib of process.argv.slice(2)) {
  const file = `reports/mutation/${lib}.json`;
  if (!existsSync(file)) {
    console.error(`[mutation] no report at ${file}: Stryker did not finish for libs/${lib}`);
    failed = true;
    continue;
  }
  const report = JSON.parse(readFileSync(file, 'utf8'));
  let detected = 0;
  let undetected = 0;
  let equivalent = 0;
  for (const [path, result] of Object.entries(report.files)) {
    mutated.add(path);
    for (const mutant of result.mutants) {
      if (DETECTED.has(mutant.status)) detected++;
      if (!UNDETECTED.has(mutant.status)) continue;
      const key = keyOf(path, mutant.location.start.line, mutant.mutatorName, mutant.replacement);
      if (listed.has(key)) {
        equivalent++;
        matched.add(key);
      } else undetected++;
    }
  }
  const raw = (100 * detected) / (detected + undetected + equivalent || 1);
  const score = (100 * detected) / (detected + undetected || 1);
  if (score < TARGET) failed = true;
  rows.push({ library: lib, killed: detected, survived: undetected, equivalent, 'stryker score': raw.toFixed(2), 'score without equivalents': score.toFixed(2) });
}
console.table(rows);
// A listed mutant is checked when its file was mutated in this run (the entries do not map one-to-one onto libs/<name>:
// contracts and contracts-decoders share libs/contracts), or when the file is gone.
for (const [key, mutant] of listed) {
  if ((mutated.has(mutant.file) || !existsSync(mutant.file)) && !matched.has(key)) {
    console.error(`[mutation] listed as equivalent but not an undetected mutant any more (killed, or the code moved): ${key}`);
    failed = true;
  }
}
if (failed) console.error(`[mutation] target: at least ${TARGET}% per library, without listed equivalents`);
process.exit(failed ? 1 : 0);
