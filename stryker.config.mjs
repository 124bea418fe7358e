// @ts-check
/**
 * Mutation testing of the libraries with Stryker. One library per run, chosen by CHORUS_MUTATION_LIB (the script
 * `scripts/mutation-test.sh` sets it; run `npm run test:mutation -- <lib>...`): each library has its own incremental
 * file and its own report, and only its own specs may kill its mutants (a mutant in libs/reward that only a
 * libs/platform spec notices does not count as tested by libs/reward).
 */
const LIBRARIES = {
  contracts: ['libs/contracts/src/**/*.ts'],
  reward: ['libs/reward/src/**/*.ts'],
  drift: ['libs/drift/src/**/*.ts'],
  metrics: ['libs/metrics/src/**/*.ts'],
  calibration: ['libs/calibration/src/**/*.ts'],
  // The pure parts of the adapters library: no broker, database, Redis, DNS or HTTP behind them.
  platform: [
    'libs/platform/src/kafka/log-positions.ts',
    'libs/platform/src/kafka/bounded-send.ts',
    'libs/platform/src/reward/model-priors.ts',
    'libs/platform/src/http/private-address.ts',
    'libs/platform/src/crypto/secret-box.ts',
  ],
};

const lib = process.env.CHORUS_MUTATION_LIB ?? '';
if (!(lib in LIBRARIES)) {
  throw new Error(`CHORUS_MUTATION_LIB=${JSON.stringify(lib)}: expected one of ${Object.keys(LIBRARIES).join(', ')} (run npm run test:mutation -- <lib>)`);
}

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts' },
  testFiles: [`libs/${lib}/src/**/*.spec.ts`],
  mutate: [...LIBRARIES[lib], '!**/*.spec.ts', '!**/testing/**', '!**/index.ts'],
  coverageAnalysis: 'perTest',
  // The machine is shared: one test runner.
  concurrency: 1,
  incremental: true,
  // Checked in: a re-run (locally or in CI) retests only mutants whose code or covering tests changed.
  incrementalFile: `mutation/${lib}.incremental.json`,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  clearTextReporter: { reportTests: false, reportMutants: true, reportScoreTable: true },
  htmlReporter: { fileName: `reports/mutation/${lib}.html` },
  jsonReporter: { fileName: `reports/mutation/${lib}.json` },
  // Only the libraries and the configs are needed in the sandbox.
  ignorePatterns: ['/services', '/test', '/bench', '/infra', '/scripts', '/docs', '/dist', '/coverage', '/.chorus'],
  tempDirName: '.stryker-tmp',
};
