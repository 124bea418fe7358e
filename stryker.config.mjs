// @ts-check
import { mutationLibrary } from './mutation/libraries.mjs';

/**
 * Mutation testing of the libraries with Stryker, one library per run (CHORUS_MUTATION_LIB, set by
 * scripts/mutation-test.sh: `npm run test:mutation -- <lib>...`). Each library has its own incremental file and report.
 */
const lib = mutationLibrary();

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  // The library's specs are chosen there, not with Stryker's `testFiles`: with a test filter, the Vitest runner
  // activates static mutants (module-level constants) after the module has loaded, and reports them survived
  // (stryker-js#6144).
  vitest: { configFile: 'vitest.mutation.config.ts' },
  mutate: [...lib.mutate, '!**/*.spec.ts', '!**/*.fixture.ts', '!**/testing/**', '!**/index.ts'],
  coverageAnalysis: 'perTest',
  // The machine is shared (2 cores): two test runners at most.
  concurrency: 2,
  // A mutant that loops forever is caught by Stryker's hit limit, not by this timeout; the timeout only has to
  // outlast a slow normal run on a loaded machine (a false timeout would count as a kill).
  timeoutMS: 30_000,
  // The initial run collects per-test coverage of every spec: reward's took over Stryker's 5 min default at load ~20.
  dryRunTimeoutMinutes: 30,
  incremental: true,
  // Checked in: a re-run (locally or in CI) retests only mutants whose code or covering tests changed.
  incrementalFile: `mutation/${lib.name}.incremental.json`,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  clearTextReporter: { reportTests: false, reportMutants: true, reportScoreTable: true },
  htmlReporter: { fileName: `reports/mutation/${lib.name}.html` },
  jsonReporter: { fileName: `reports/mutation/${lib.name}.json` },
  // Only the libraries and the configs are needed in the sandbox.
  ignorePatterns: ['/services', '/test', '/bench', '/infra', '/scripts', '/dist', '/coverage', '/.chorus'],
};
